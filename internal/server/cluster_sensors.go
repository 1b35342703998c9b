package server

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/asterix"
	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/sensor"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Sensor inputs in cluster mode (issue 14).
//
// A radar or satellite input ("asterix", "nmea-radar", "sar") of a
// cluster node decodes nothing: it publishes what it receives to the
// ingest log as a sensor batch (cluster.Batch with Sensor set: the raw
// records, the input's name, kind and site, the receive time; entry
// version 2) and counts the records as accepted once the cluster
// acknowledged the batch. Every node's follower decodes the batch the
// same way (decodeSensorBatch) and hands the detections to its contact
// tracker on the pipeline's goroutine, in log order, between the AIS
// batches exactly as the log orders them; the tracker takes the AIS
// positions of those batches from the fan-out on the same goroutine
// (ContactTracker.Result), so every node associates the same detections
// with the same AIS and makes the same contacts, tracks and dark_target
// events.
//
// The tracker's time is the log's: its once-a-second work (associating
// a scan still pending, ending tracks and episodes, raising their events,
// writing its contact log) runs when the log's receive times have moved
// on by a second (logTickMs) since the last time it ran, never on the
// node's wall clock.
//
// Each sensor batch is decoded on its own, with what the node learned
// from the input's earlier batches in log order: the radars' sites of
// CAT 034 I120 (ASTERIX). An NMEA radar's own-ship fixes are those of
// the batch (a TCP input cuts its batches where its stream pauses).
//
// The tracker's state at an entry of the log (the associator with its
// AIS index, the scan still pending, the log clock, the learned sites,
// and where its contact log ended) is written, atomically, to
// <data>/cluster/contacts.state each time the node writes its picture's
// state, and before it (cluster_state.go), so that it is never behind
// it. A restarted node loads it, cuts its contact log back to where the
// state says (the contacts after it are made again, identically), and
// its tracker skips the log's entries up to the state's while the
// picture catches up.
const (
	// logTickMs is how far (ms) the log's receive times move on between
	// two runs of the tracker's periodic work in cluster mode.
	logTickMs = 1000
	// sensorBatchRecords and sensorBatchBytes bound one sensor batch.
	sensorBatchRecords = 2000
	sensorBatchBytes   = 512 << 10
	// sensorBatchWindow is how long a sensor input gathers records into
	// one batch.
	sensorBatchWindow = 100 * time.Millisecond
)

// logDriven is a ContactTracker's cluster-mode part. Except mute, it is
// owned by the pipeline's goroutine.
type logDriven struct {
	// mute: the entry being applied is one the tracker has done already
	// (up to applied: in the state it was restored from); set by the
	// follower's goroutine before it hands the entry to the pipeline.
	mute atomic.Bool
	// applied is the last entry the tracker did.
	applied atomic.Uint64
	// publish raises events on the pipeline's goroutine.
	publish func([]event.Event)
	// clock is the log's time (ms) when the periodic work last ran.
	clock vessel.Time
	// sites are the radar sites learned from CAT 034, per input.
	sites map[string]map[asterix.SourceID]asterix.Site
	// anchorages are the learned anchorages of the anchorages markers
	// applied (the tracker's learned harbours), in log order, each once
	// (anchorageSet: by exact position); anchorageN is their number, for
	// other goroutines.
	anchorages   []event.Anchorage
	anchorageSet map[[2]uint64]bool
	anchorageN   atomic.Int64
	buf          []byte
}

// publishNewEvents raises evs on the node's events path, leaving out the
// versions the event log holds already (an episode raised again while a
// restarted node's tracker replays entries it had done before the crash).
func publishNewEvents(e *liveEvents, evs []event.Event) {
	e.publish(newVersions(e.log, evs))
}

// contactsStatePath is where a cluster node keeps its tracker's state.
func contactsStatePath(data string) string {
	return filepath.Join(data, "cluster", "contacts.state")
}

// sensorTick runs the tracker's periodic work at log time at, once the
// log's time has moved on by logTickMs since the last run: it associates
// the pending scan, ends what the data time ended, raises the episodes'
// events and writes the contact log. On the pipeline's goroutine.
func (t *ContactTracker) sensorTick(at vessel.Time) {
	lg := t.lg
	if at == 0 || at < lg.clock+logTickMs {
		return
	}
	lg.clock = at
	t.ticks++
	t.flushScan()
	if t.newest != 0 {
		t.assoc.Flush(t.newest)
		t.prune(t.newest)
	}
	t.drainEpisodes(context.Background()) // publish is synchronous in cluster mode
	t.flushLog()
}

// applySensor decodes a sensor batch and adds its detections to the
// pending scan, on the pipeline's goroutine.
func (t *ContactTracker) applySensor(b *cluster.Batch) {
	dets, errs := decodeSensorBatch(b, t.lg)
	t.decodeErrs.Add(errs)
	if len(dets) == 0 {
		return
	}
	t.detN.Add(int64(len(dets)))
	t.detections(context.Background(), dets)
}

// startEntry says whether entry seq is new to the tracker (and mutes it
// otherwise); on the follower's goroutine before the entry goes to the
// pipeline.
func (t *ContactTracker) startEntry(seq uint64) {
	t.lg.mute.Store(seq <= t.lg.applied.Load())
}

// applyEntry is the tracker's part of entry seq of the log, after the
// pipeline applied the entry's AIS positions (which reach the tracker
// through Result): the log's time moves to the batch's receive time (and
// the periodic work runs when due), then a sensor batch's detections
// join the pending scan. On the pipeline's goroutine, in the same turn
// as the entry's AIS and mark (Pipeline.ApplyEntryThen).
func (t *ContactTracker) applyEntry(seq uint64, b *cluster.Batch) {
	if t.lg.mute.Load() {
		return
	}
	t.lg.applied.Store(seq)
	if !b.Received.IsZero() {
		t.sensorTick(vessel.TimeOf(b.Received))
	}
	switch {
	case b.Input == anchoragesMarkerInput:
		t.applyAnchorages(b)
	case b.Sensor != cluster.SensorNone:
		t.applySensor(b)
	}
}

// decodeSensorBatch decodes the records of a sensor batch as the input
// would have, with the sites lg learned from the input's earlier batches
// (and learning those of this one), and returns the detections and the
// number of bad records. The same batch after the same earlier ones
// gives the same detections in the same order on every node.
func decodeSensorBatch(b *cluster.Batch, lg *logDriven) ([]vessel.Detection, int64) {
	var dets []vessel.Detection
	switch b.Sensor {
	case cluster.SensorASTERIX:
		opt := sensor.AsterixOptions{Date: b.Received, Sites: map[asterix.SourceID]asterix.Site{}}
		if lg != nil {
			for k, v := range lg.sites[b.Input] {
				opt.Sites[k] = v
			}
		}
		if st := b.Site; st != nil {
			opt.Sites[asterix.SourceID{SAC: st.SAC, SIC: st.SIC}] = asterix.Site{Lat: st.Lat, Lon: st.Lon, HeightM: st.HeightM}
		}
		a := sensor.NewAsterix(opt)
		var bad int64
		for i, rec := range b.Lines {
			if len(rec) < 8 {
				bad++
				continue
			}
			var ref time.Time
			if ns := int64(binary.BigEndian.Uint64(rec)); ns != 0 {
				ref = time.Unix(0, ns).UTC()
			}
			dets = a.Decode(dets, rec[8:], i+1, ref)
			if lg != nil {
				learnSites(lg, b.Input, rec[8:], opt.Sites)
			}
		}
		return dets, bad + a.Stats().Errors
	case cluster.SensorRadarNMEA:
		opt := sensor.RadarOptions{Source: b.Input, Date: b.Received}
		if st := b.Site; st != nil {
			opt.Sites = []sensor.Site{{Lat: st.Lat, Lon: st.Lon}}
		}
		r := sensor.NewRadar(opt)
		for _, line := range b.Lines {
			dets, _ = r.Parse(dets, bytes.TrimRight(line, "\r\n")) // counted in Stats
		}
		// Reports still waiting for an own-ship fix: Flush takes the
		// radars in map order; each radar's own order is kept.
		n := len(dets)
		dets = r.Flush(dets)
		sort.SliceStable(dets[n:], func(i, j int) bool { return dets[n+i].Source < dets[n+j].Source })
		return dets, r.Stats().Errors
	case cluster.SensorSAR:
		emit := func(d *vessel.Detection) error {
			dets = append(dets, *d)
			return nil
		}
		opt := sensor.SatOptions{Time: b.Received}
		var st sensor.Stats
		var err error
		if len(b.Lines) == 1 && sensor.Sniff(b.Lines[0]) == sensor.FormatGeoJSON {
			st, err = sensor.ReadGeoJSON(bytes.NewReader(b.Lines[0]), opt, emit)
		} else {
			_, st, err = sensor.ReadSat(bytes.NewReader(bytes.Join(b.Lines, []byte{'\n'})), opt, emit)
		}
		if err != nil {
			st.Errors++
		}
		return dets, st.Errors
	}
	return nil, int64(len(b.Lines))
}

// learnSites notes the sites of the CAT 034 records (I120) in an ASTERIX
// payload that known does not hold, as sensor.Asterix does within one
// input.
func learnSites(lg *logDriven, input string, payload []byte, known map[asterix.SourceID]asterix.Site) {
	has34 := false
	for p := payload; len(p) >= 3; {
		l := int(binary.BigEndian.Uint16(p[1:]))
		if l < 3 || l > len(p) {
			break
		}
		has34 = has34 || p[0] == 34
		p = p[l:]
	}
	if !has34 {
		return
	}
	var dec asterix.Decoder
	recs, _ := dec.Decode(nil, payload)
	for i := range recs {
		r := &recs[i]
		if r.Category != 34 || !r.Has(120) {
			continue
		}
		src, ok := r.Source()
		if !ok {
			continue
		}
		if _, ok := known[src]; ok {
			continue
		}
		site := asterix.Site{Lat: r.Cat034.I120.Lat, Lon: r.Cat034.I120.Lon, HeightM: r.Cat034.I120.HeightM}
		known[src] = site
		if lg.sites == nil {
			lg.sites = map[string]map[asterix.SourceID]asterix.Site{}
		}
		if lg.sites[input] == nil {
			lg.sites[input] = map[asterix.SourceID]asterix.Site{}
		}
		lg.sites[input][src] = site
	}
}

// The tracker's cluster state file, <data>/cluster/contacts.state
// (version 1):
//
//	"TWCCST", uint16 version (LE), uint64 entry (LE),
//	uint32 CRC-32C (LE) of the entry's 8 bytes and the body, the body:
//	varint log clock (ms), varint newest contact time (ms),
//	uvarint contact log segment, uvarint its size,
//	uvarint inputs × (string input, uvarint sites × (SAC, SIC, f64 lat, lon, height)),
//	uvarint pending × detection, bytes associator state (contact.AppendState
//	with contact.AppendVesselStates)
//
// Strings and bytes are a uvarint length and the bytes; f64 are IEEE 754
// bits, little endian.
const (
	contactsStateMagic = "TWCCST"
	// contactsStateVersion is the version written: 2 adds the learned
	// anchorages (read: 1 and 2).
	contactsStateVersion = 2
	contactsStateHdr     = 20
	maxContactsState     = 1 << 30
)

// ErrContactsState: the tracker's cluster state file is damaged or of an
// unknown version; the tracker starts afresh.
var ErrContactsState = errors.New("server: contact tracker's cluster state damaged")

// contactsState is a decoded contacts.state.
type contactsState struct {
	seq           uint64
	clock, newest vessel.Time
	logSeg        uint64
	logSize       int64
	sites         map[string]map[asterix.SourceID]asterix.Site
	pending       []vessel.Detection
	assoc         []byte
	anchorages    []event.Anchorage // version 2
}

type stateBuf struct{ b []byte }

func (w *stateBuf) u(v uint64)  { w.b = binary.AppendUvarint(w.b, v) }
func (w *stateBuf) i(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *stateBuf) s(v string)  { w.u(uint64(len(v))); w.b = append(w.b, v...) }
func (w *stateBuf) by(v []byte) { w.u(uint64(len(v))); w.b = append(w.b, v...) }
func (w *stateBuf) f(vs ...float64) {
	for _, v := range vs {
		w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(v))
	}
}

// appendClusterState writes the contact log and encodes the tracker's
// state, which is as of the last entry it applied. On the pipeline's
// goroutine, between entries.
func (t *ContactTracker) appendClusterState(dst []byte) ([]byte, error) {
	seq := t.lg.applied.Load()
	var seg uint64
	var size int64
	if t.clog != nil {
		if err := t.clog.flush(); err != nil {
			t.logErrs.Add(1)
			return dst, err
		}
		seg, size = t.clog.position()
	}
	w := &stateBuf{b: t.lg.buf[:0]}
	w.i(int64(t.lg.clock))
	w.i(int64(t.newest))
	w.u(seg)
	w.i(size)
	inputs := make([]string, 0, len(t.lg.sites))
	for k := range t.lg.sites {
		inputs = append(inputs, k)
	}
	slices.Sort(inputs)
	w.u(uint64(len(inputs)))
	for _, in := range inputs {
		w.s(in)
		m := t.lg.sites[in]
		ids := make([]asterix.SourceID, 0, len(m))
		for k := range m {
			ids = append(ids, k)
		}
		slices.SortFunc(ids, func(a, b asterix.SourceID) int { return int(a.SAC)<<8 | int(a.SIC) - (int(b.SAC)<<8 | int(b.SIC)) })
		w.u(uint64(len(ids)))
		for _, id := range ids {
			w.b = append(w.b, id.SAC, id.SIC)
			st := m[id]
			w.f(st.Lat, st.Lon, st.HeightM)
		}
	}
	w.u(uint64(len(t.pending)))
	for i := range t.pending {
		appendDetection(w, &t.pending[i])
	}
	st := t.assoc.AppendState(nil)
	t.stateAIS = t.idx.appendStates(t.stateAIS[:0])
	st = contact.AppendVesselStates(st, t.stateAIS)
	w.by(st)
	w.u(uint64(len(t.lg.anchorages)))
	for _, a := range t.lg.anchorages {
		w.f(a.Lat, a.Lon)
		w.i(int64(a.Since))
	}
	t.lg.buf = w.b
	dst = append(dst, contactsStateMagic...)
	dst = binary.LittleEndian.AppendUint16(dst, contactsStateVersion)
	dst = binary.LittleEndian.AppendUint64(dst, seq)
	crc := crc32.Update(crc32.Checksum(dst[len(dst)-8:], castagnoli), castagnoli, w.b)
	dst = binary.LittleEndian.AppendUint32(dst, crc)
	return append(dst, w.b...), nil
}

func appendDetection(w *stateBuf, d *vessel.Detection) {
	w.i(int64(d.Time))
	w.b = append(w.b, byte(d.Sensor))
	w.s(d.Source)
	w.s(d.Target)
	w.s(d.Scene)
	w.f(d.Lat, d.Lon, d.PosErrM)
	w.b = append(w.b, byte(d.Has))
	w.f(d.SpeedKn, d.CourseDeg, d.LengthM, d.Score, d.RangeM, d.BearingDeg, d.SensorLat, d.SensorLon)
	w.s(d.Name)
	w.b = append(w.b, d.Status)
}

// writeClusterState writes the tracker's state to the data directory's
// contacts.state, atomically. On the pipeline's goroutine (or once it
// stopped), between entries.
func (t *ContactTracker) writeClusterState(data string) error {
	if t == nil || t.lg == nil {
		return nil
	}
	b, err := t.appendClusterState(nil)
	if err == nil {
		err = record.WriteFileAtomic(record.OSFS{}, contactsStatePath(data), b, 0o600)
	}
	if err != nil {
		t.stateErrs.Add(1)
		return fmt.Errorf("server: contact tracker's cluster state: %w", err)
	}
	return nil
}

// stateReader reads a contacts.state body with a sticky error.
type stateReader struct {
	p   []byte
	err error
}

func (r *stateReader) fail() {
	if r.err == nil {
		r.err = fmt.Errorf("%w: cut short", ErrContactsState)
	}
}

func (r *stateReader) u() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.p)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.p = r.p[n:]
	return v
}

func (r *stateReader) i() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.p)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.p = r.p[n:]
	return v
}

func (r *stateReader) by() []byte {
	n := r.u()
	if r.err != nil || n > uint64(len(r.p)) {
		r.fail()
		return nil
	}
	v := r.p[:n:n]
	r.p = r.p[n:]
	return v
}

func (r *stateReader) s() string { return string(r.by()) }

func (r *stateReader) b1() byte {
	if r.err != nil || len(r.p) < 1 {
		r.fail()
		return 0
	}
	v := r.p[0]
	r.p = r.p[1:]
	return v
}

func (r *stateReader) f() float64 {
	if r.err != nil || len(r.p) < 8 {
		r.fail()
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.p))
	r.p = r.p[8:]
	return v
}

// count reads a count of items of at least size bytes each.
func (r *stateReader) count(size int) int {
	n := r.u()
	if r.err == nil && n > uint64(len(r.p)/size) {
		r.fail()
		return 0
	}
	return int(n)
}

// decodeContactsState decodes a contacts.state file.
func decodeContactsState(b []byte) (*contactsState, error) {
	if len(b) < contactsStateHdr || string(b[:6]) != contactsStateMagic {
		return nil, fmt.Errorf("%w: not a contact tracker state", ErrContactsState)
	}
	version := binary.LittleEndian.Uint16(b[6:])
	if version != 1 && version != contactsStateVersion {
		return nil, fmt.Errorf("%w: version %d", ErrContactsState, version)
	}
	body := b[contactsStateHdr:]
	if crc := crc32.Update(crc32.Checksum(b[8:16], castagnoli), castagnoli, body); crc != binary.LittleEndian.Uint32(b[16:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrContactsState)
	}
	cs := &contactsState{seq: binary.LittleEndian.Uint64(b[8:])}
	r := &stateReader{p: body}
	cs.clock, cs.newest = vessel.Time(r.i()), vessel.Time(r.i())
	cs.logSeg, cs.logSize = r.u(), r.i()
	for range r.count(2) {
		in := r.s()
		n := r.count(26)
		m := make(map[asterix.SourceID]asterix.Site, n)
		for range n {
			id := asterix.SourceID{SAC: r.b1(), SIC: r.b1()}
			m[id] = asterix.Site{Lat: r.f(), Lon: r.f(), HeightM: r.f()}
		}
		if cs.sites == nil {
			cs.sites = map[string]map[asterix.SourceID]asterix.Site{}
		}
		cs.sites[in] = m
	}
	n := r.count(60)
	cs.pending = make([]vessel.Detection, 0, n)
	for range n {
		var d vessel.Detection
		d.Time = vessel.Time(r.i())
		d.Sensor = vessel.Sensor(r.b1())
		d.Source, d.Target, d.Scene = r.s(), r.s(), r.s()
		d.Lat, d.Lon, d.PosErrM = r.f(), r.f(), r.f()
		d.Has = vessel.DetectionFields(r.b1())
		d.SpeedKn, d.CourseDeg, d.LengthM, d.Score = r.f(), r.f(), r.f(), r.f()
		d.RangeM, d.BearingDeg, d.SensorLat, d.SensorLon = r.f(), r.f(), r.f(), r.f()
		d.Name = r.s()
		d.Status = r.b1()
		cs.pending = append(cs.pending, d)
	}
	cs.assoc = r.by()
	if version >= 2 {
		n := r.count(17)
		cs.anchorages = make([]event.Anchorage, 0, n)
		for range n {
			cs.anchorages = append(cs.anchorages, event.Anchorage{Lat: r.f(), Lon: r.f(), Since: vessel.Time(r.i())})
		}
	}
	if r.err == nil && len(r.p) != 0 {
		r.err = fmt.Errorf("%w: trailing bytes", ErrContactsState)
	}
	if r.err != nil {
		return nil, r.err
	}
	return cs, nil
}

// readContactsState reads and decodes the state file at path.
func readContactsState(path string) (*contactsState, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) > maxContactsState {
		return nil, fmt.Errorf("%w: %d bytes", ErrContactsState, len(b))
	}
	return decodeContactsState(b)
}

// loadClusterState restores the tracker from cs (at open).
func (t *ContactTracker) loadClusterState(cs *contactsState) error {
	if err := t.assoc.LoadState(cs.assoc); err != nil {
		return err
	}
	vs, err := contact.VesselStates(cs.assoc)
	if err != nil {
		return err
	}
	t.idx.restore(vs)
	t.lg.applied.Store(cs.seq)
	t.lg.clock, t.lg.sites = cs.clock, cs.sites
	t.pending = append(t.pending[:0], cs.pending...)
	t.newest = max(t.newest, cs.newest)
	t.lg.anchorages, t.lg.anchorageSet = nil, nil
	t.addAnchorages(cs.anchorages)
	return nil
}

// truncateContactLog cuts the contact log in dir back to segment seg of
// size bytes: later segments are removed and that one is truncated, so
// that what a restarted tracker makes again is not written twice. A
// segment already gone (retention) stays gone.
func truncateContactLog(fsys record.FS, dir string, seg uint64, size int64) error {
	if fsys == nil {
		fsys = record.OSFS{}
	}
	ents, err := fsys.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrContactLog, err)
	}
	changed := false
	for _, e := range ents {
		n, ok := strings.CutPrefix(e.Name(), "contacts-")
		n, ok2 := strings.CutSuffix(n, ".log")
		if !ok || !ok2 {
			continue
		}
		var s uint64
		if _, err := fmt.Sscanf(n, "%d", &s); err != nil {
			continue
		}
		path := filepath.Join(dir, e.Name())
		switch {
		case s > seg:
			if err := fsys.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("%w: %w", ErrContactLog, err)
			}
			changed = true
		case s == seg && size > 0:
			f, err := fsys.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrContactLog, err)
			}
			end, err := f.Seek(0, io.SeekEnd)
			if err == nil && end > size {
				if err = f.Truncate(size); err == nil {
					err = f.Sync()
				}
				changed = true
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("%w: %w", ErrContactLog, err)
			}
		}
	}
	if changed {
		if err := fsys.SyncDir(dir); err != nil {
			return fmt.Errorf("%w: %w", ErrContactLog, err)
		}
	}
	return nil
}

// The contact tracker in a snapshot for a node past the retention
// (cluster_snapshot.go): the tracker's state at the snapshot's entry as
// contactsSnapshotState, and its contact log up to where that state says
// as contactsDir/contacts-N.log. Installing it replaces the node's
// contact log and contacts.state before the picture's state is written
// (the last step of an install).
const contactsSnapshotState = "contacts.state"

// snapshotFile is a file of a snapshot beyond the store: its bytes, or
// the first size bytes of the file at path.
type snapshotFile struct {
	name string
	data []byte
	path string
	size int64
}

// snapshotContacts takes the tracker's part of a snapshot at entry seq,
// on the pipeline's goroutine between entries; none when the node has no
// log-driven tracker, or it is not at seq (then the installing node's
// tracker starts afresh).
func (m *clusterMember) snapshotContacts(seq uint64) ([]snapshotFile, error) {
	t := m.tracker
	if t == nil || t.lg == nil || t.lg.applied.Load() != seq {
		return nil, nil
	}
	st, err := t.appendClusterState(nil)
	if err != nil {
		return nil, err
	}
	files := []snapshotFile{{name: contactsSnapshotState, data: st}}
	if t.clog != nil {
		t.clog.mu.Lock()
		for _, s := range t.clog.segs {
			files = append(files, snapshotFile{name: filepath.ToSlash(filepath.Join(contactsDir, filepath.Base(s.name("")))),
				path: s.name(t.clog.dir), size: s.size})
		}
		t.clog.mu.Unlock()
	}
	return files, nil
}

// writeSnapshotFiles adds files to a snapshot's tar stream.
func writeSnapshotFiles(tw *tar.Writer, files []snapshotFile) error {
	for _, f := range files {
		size := int64(len(f.data))
		if f.data == nil {
			size = f.size
		}
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o600, Size: size, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if f.data != nil {
			if _, err := tw.Write(f.data); err != nil {
				return err
			}
			continue
		}
		r, err := os.Open(f.path)
		if err != nil {
			return err
		}
		_, err = io.CopyN(tw, r, size)
		r.Close()
		if err != nil {
			return fmt.Errorf("contact log %s: %w", f.path, err)
		}
	}
	return nil
}

// isContactsSnapshotFile says whether name (a staged snapshot's entry) is
// the tracker's.
func isContactsSnapshotFile(name string) bool {
	return name == contactsSnapshotState || strings.HasPrefix(name, contactsDir+string(filepath.Separator)) && !strings.Contains(name[len(contactsDir)+1:], string(filepath.Separator))
}

// installContacts moves a staged snapshot's contact log and tracker state
// (at entry seq) into the data directory; without them (a peer that has
// no log-driven tracker) the node's own tracker state is removed, so that
// its tracker starts afresh rather than from an entry long gone. Run
// again after a crash, it continues: the log is moved first, then the
// state written, then the staged state removed; a node's contact log is
// cut back to its state's place when it opens anyway.
func installContacts(data, staging string, seq uint64) error {
	statePath := contactsStatePath(data)
	st, err := os.ReadFile(filepath.Join(staging, contactsSnapshotState))
	if errors.Is(err, os.ErrNotExist) {
		if cs, err := readContactsState(statePath); err == nil && cs.seq == seq {
			return nil // installed already
		}
		if err := os.Remove(statePath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := decodeContactsState(st); err != nil {
		return fmt.Errorf("server: snapshot: %w", err)
	}
	if src := filepath.Join(staging, contactsDir); dirExists(src) {
		dst := filepath.Join(data, contactsDir)
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
		if err := os.Rename(src, dst); err != nil {
			return err
		}
	}
	if err := record.WriteFileAtomic(record.OSFS{}, statePath, st, 0o600); err != nil {
		return err
	}
	return os.Remove(filepath.Join(staging, contactsSnapshotState))
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// Learned anchorages in cluster mode. The event engine learns anchorages
// from the reports it judges (on detection's goroutine, each member's
// engine at its own pace), so the tracker does not take them from the
// engine as a single node's does: a member's tracker would see an
// anchorage at another place of the log than another's. Instead each
// member publishes what its engine learned to the ingest log, as an
// anchorages marker (an entry of the reserved input
// anchoragesMarkerInput, a line "lat,lon,since" an anchorage, since the
// data time it was learned at, 0 for one known at start), and every
// member's tracker adds the anchorages of each marker to its harbours
// where the marker falls in the log (applyAnchorages), on the pipeline's
// goroutine, in log order: every member judges a contact in harbour or
// not alike. The members' copies of an anchorage (each member's engine
// learns the same ones) are kept once, the first in the log (by its
// exact position). The tracker's harbours are kept in its state
// (contacts.state, version 2), so a restarted or restored member has
// those of the entries it skips.
const (
	anchoragesMarkerInput = "\x00anchorages"
	// anchoragesPerMarker bounds the anchorages of one marker.
	anchoragesPerMarker = 4096
	// anchoragesEvery is how often a member looks for anchorages its
	// engine learned and publishes them.
	anchoragesEvery = time.Second
)

// anchoragesBatch encodes anchorages as an anchorages marker received at
// at.
func anchoragesBatch(as []event.Anchorage, at time.Time) cluster.Batch {
	b := cluster.Batch{Input: anchoragesMarkerInput, Received: at}
	for _, a := range as {
		line := strconv.AppendFloat(nil, a.Lat, 'g', -1, 64)
		line = append(line, ',')
		line = strconv.AppendFloat(line, a.Lon, 'g', -1, 64)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(a.Since), 10)
		b.Lines = append(b.Lines, line)
	}
	return b
}

// errAnchorageLine: a line of an anchorages marker that does not decode;
// skipped (and counted) on every member alike.
var errAnchorageLine = errors.New("server: cluster: anchorages marker line damaged")

// decodeAnchorageLine decodes a line of an anchorages marker.
func decodeAnchorageLine(line []byte) (event.Anchorage, error) {
	f := strings.Split(string(line), ",")
	if len(f) != 3 {
		return event.Anchorage{}, fmt.Errorf("%w: %q", errAnchorageLine, line)
	}
	lat, err1 := strconv.ParseFloat(f[0], 64)
	lon, err2 := strconv.ParseFloat(f[1], 64)
	since, err3 := strconv.ParseInt(f[2], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil || !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
		return event.Anchorage{}, fmt.Errorf("%w: %q", errAnchorageLine, line)
	}
	return event.Anchorage{Lat: lat, Lon: lon, Since: vessel.Time(since)}, nil
}

// applyAnchorages adds the anchorages of a marker to the tracker's
// harbours (those it holds already, by position, are left as they are);
// on the pipeline's goroutine, in log order.
func (t *ContactTracker) applyAnchorages(b *cluster.Batch) {
	var add []event.Anchorage
	for _, line := range b.Lines {
		a, err := decodeAnchorageLine(line)
		if err != nil {
			t.decodeErrs.Add(1)
			continue
		}
		add = append(add, a)
	}
	t.addAnchorages(add)
}

// addAnchorages adds anchorages not held yet to the log-learned
// harbours and rebuilds their index.
func (t *ContactTracker) addAnchorages(as []event.Anchorage) {
	lg := t.lg
	n := len(lg.anchorages)
	for _, a := range as {
		k := [2]uint64{math.Float64bits(a.Lat), math.Float64bits(a.Lon)}
		if lg.anchorageSet[k] {
			continue
		}
		if lg.anchorageSet == nil {
			lg.anchorageSet = map[[2]uint64]bool{}
		}
		lg.anchorageSet[k] = true
		lg.anchorages = append(lg.anchorages, a)
	}
	lg.anchorageN.Store(int64(len(lg.anchorages)))
	if len(lg.anchorages) == n || t.harb == nil {
		return
	}
	pts := make([]contact.HarbourPoint, len(lg.anchorages))
	for i, a := range lg.anchorages {
		pts[i] = contact.HarbourPoint{Lat: a.Lat, Lon: a.Lon, RadiusM: LearnedHarbourM, Since: a.Since}
	}
	t.harb.learned, t.harb.n = contact.NewHarbourIndex(pts), len(pts)
}

// LearnedHarbours returns how many learned anchorages the tracker holds
// as harbours: in cluster mode those of the anchorages markers it
// applied.
func (t *ContactTracker) LearnedHarbours() int {
	if t.lg != nil {
		return int(t.lg.anchorageN.Load())
	}
	if t.harb == nil {
		return 0
	}
	return t.harb.n
}

// anchoragePublisher publishes the anchorages a member's event engine
// learned to the ingest log, as anchorages markers, once a second: those
// learned since the last it published (all of them after a restart: the
// copies are kept once).
type anchoragePublisher struct {
	m    *clusterMember
	take func() []httpapi.Anchorage // the engine's, in the order learned
	done int                        // taken and published
	// published counts the anchorages published.
	published atomic.Uint64
}

// Run publishes until ctx ends; a publish is retried (every second)
// until the cluster acknowledged it.
func (p *anchoragePublisher) Run(ctx context.Context) error {
	tick := time.NewTicker(anchoragesEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		as := p.take()
		for p.done < len(as) {
			part := as[p.done:min(len(as), p.done+anchoragesPerMarker)]
			learned := make([]event.Anchorage, len(part))
			for i, a := range part {
				learned[i] = event.Anchorage{Lat: a.Lat, Lon: a.Lon}
				if !a.Since.IsZero() {
					learned[i].Since = vessel.TimeOf(a.Since)
				}
			}
			if _, err := p.m.log.PublishID(ctx, anchoragesBatch(learned, p.m.now()), ""); err != nil {
				if ctx.Err() != nil || errors.Is(err, cluster.ErrClosed) {
					return nil
				}
				p.m.logger.Warn("cluster: publishing learned anchorages", "err", err)
				break // again at the next tick
			}
			p.done += len(part)
			p.published.Add(uint64(len(part)))
		}
	}
}
