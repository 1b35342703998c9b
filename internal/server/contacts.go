package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Bounds of the contact tracker's hand-offs and memory.
// contactsDir is the contact log's directory in the data directory.
const contactsDir = "contacts"

// contactStateFile is the associator's state (contact.AppendState, with
// the AIS index's reports: contact.AppendVesselStates) in
// the contact log's directory, written atomically every
// contactStateEvery ticks and when Run returns, and loaded at open: a
// restarted node continues its radar tracks with the same ids and
// episodes and raises no dark_target twice. A crash loses at most the
// association of those ticks (the contacts themselves are in the log).
const (
	contactStateFile  = "STATE"
	contactStateEvery = 10
)

const (
	// contactAISQueue bounds the batches of AIS states waiting for the
	// tracker, each of at most contactAISBatch states (overflow: the
	// batch is dropped and its states counted in
	// ContactStats.AISDropped).
	contactAISQueue = 1024
	// contactAISBatch is how many AIS states the fan-out's side gathers
	// before it queues them (it queues fewer at each Flush, after each of
	// the pipeline's batches): one queue operation and one wake-up of the
	// tracker a batch, not one a position.
	contactAISBatch = 256
	// contactDetQueue bounds the batches of detections waiting for it
	// (overflow: dropped and counted in ContactStats.DetectionsDropped).
	contactDetQueue = 4096
	// MaxRecentContacts is how many contacts the tracker keeps as its
	// recent history (in memory; the oldest go first).
	MaxRecentContacts = 20_000
	// PortHarbourM, AnchorageHarbourM and LearnedHarbourM are the radii
	// round a port's reference point, a bundled anchorage point and an
	// anchorage the event engine learned within which an unexplained
	// contact raises no dark_target (contact.Config.Harbours).
	PortHarbourM      = 2000
	AnchorageHarbourM = 1000
	LearnedHarbourM   = 1000
	// harbourRefresh is how many ticks (seconds) apart the tracker takes
	// the learned anchorages again.
	harbourRefresh = 60
	// contactCurrentFor is how long, in data time, a radar track or a
	// satellite detection stays among the current contacts after its
	// last report.
	contactCurrentFor = 10 * time.Minute
)

// ContactStats are the contact tracker's counters.
type ContactStats struct {
	AIS               int64 // AIS states taken in
	AISDropped        int64 // AIS states dropped: the queue was full
	Detections        int64 // detections offered by the sensor inputs
	DetectionsDropped int64 // detections dropped: the queue was full
	Contacts          int64 // contacts produced (associated or not)
	Associated        int64 // of which with an MMSI
	Rejected          int64 // refused as invalid by the associator
	Episodes          int64 // dark-target and mismatch episode updates raised as events
	InHarbour         int64 // unexplained contacts at a berth or anchorage: no dark_target
	LogErrors         int64 // failed writes of the contact log
	StateErrors       int64 // associator states not written, or not loaded at open
	// DecodeErrors counts, in cluster mode, the bad records (lines, rows,
	// data blocks) of the sensor batches this node decoded from the log.
	DecodeErrors int64
}

// ContactTracker is the node's radar and satellite association: a
// fan-out subscriber that keeps the AIS vessels' last positions, and a
// component whose one goroutine (Run) takes the sensor inputs'
// detections and the AIS states from bounded queues, runs the
// synchronous contact.Associator over them in arrival order (scan by
// scan: detections of one Scene together), keeps the current contacts
// and a bounded recent history for the API and the stream, and turns
// dark-target and AIS-position-mismatch episodes into events on the
// node's events path.
//
// Submit is safe for concurrent use; Contacts and Stats too. Result and
// Flush are called one at a time (the fan-out's inline deliveries).
type ContactTracker struct {
	ais  chan []contact.VesselState
	dets chan []vessel.Detection
	// The AIS states being gathered (Result, Flush: the fan-out calls them
	// one at a time) and the delivered batches for reuse.
	aisOut  []contact.VesselState
	aisFree chan []contact.VesselState
	pic     *fusion.Picture
	hub     *httpapi.Hub
	log     *slog.Logger
	// publish hands events to the node's event path (nil: none).
	publish func(ctx context.Context, evs []event.Event) error
	// sinks get every contact produced (AddSink; the CoT outputs).
	sinks []func(*contact.Contact)

	// Owned by Run.
	assoc   *contact.Associator
	idx     *aisIndex
	pending []vessel.Detection
	look    []contact.VesselState // a batch of AIS states taken from the queue, look[lookAt:] not yet applied
	lookAt  int
	newest  vessel.Time
	buf     []contact.Contact
	harb    *trackerHarbours // nil: none
	ticks   int
	clog    *contactLog // nil: in memory only
	logErrs atomic.Int64
	// The associator's state file (contactStateFile; "" with no log),
	// its file system and the buffer it is encoded in.
	statePath string
	stateFS   record.FS
	stateBuf  []byte
	stateAIS  []contact.VesselState // the AIS index's reports, saved with the state
	stateErrs atomic.Int64          // states not written or not loaded

	// In cluster mode the tracker is driven by the ingest log
	// (cluster_sensors.go): everything it does happens on the pipeline's
	// goroutine, in log order, and its time is the log's.
	lg *logDriven

	mu      sync.RWMutex
	current map[string]httpapi.Contact
	recent  []httpapi.Contact // ring of MaxRecentContacts
	next    int               // next slot of recent once full

	aisN, aisDropped, detN, detDropped  atomic.Int64
	contacts, associated, rejected, eps atomic.Int64
	inHarbour                           atomic.Int64
	decodeErrs                          atomic.Int64
}

// ContactTrackerOptions configures a ContactTracker.
type ContactTrackerOptions struct {
	Config  contact.Config
	Picture *fusion.Picture // for static data (lengths); may be nil
	Hub     *httpapi.Hub    // the live stream; nil: contacts are not streamed
	Logger  *slog.Logger
	// Publish hands dark-target events to the node's events path; nil:
	// episodes are kept only as the contacts' episode ids.
	Publish func(ctx context.Context, evs []event.Event) error
	// Ports are the bundled (or configured) ports and anchorages; with
	// Anchorages (learned by the event engine, taken again every minute
	// of wall time and of data time) they are the harbours where no dark_target is raised. Both nil:
	// none (Config.Harbours, if set, is used as given).
	Ports      []event.Port
	Anchorages func() []event.Anchorage
	// LogDir keeps the contacts in a log there (contactlog.go), written
	// every second, so that they survive a restart and the history
	// answers from it; "" keeps them in memory only. LogFS is its file
	// system (default the operating system's); logSegment and
	// logSegments bound it (tests: small segments).
	LogDir      string
	LogFS       record.FS
	logSegment  int64
	logSegments int
	// logDriven makes the tracker one the cluster's ingest log drives
	// (cluster_sensors.go), restored from clusterState when not nil (its
	// contact log cut back to where that state was written) instead of
	// the STATE file.
	logDriven    bool
	clusterState *contactsState
}

// OpenContactTracker returns a tracker whose contacts are kept in the log
// in opt.LogDir (if set), with the last MaxRecentContacts of the log
// restored as its recent history (and those of the last
// contactCurrentFor as current contacts); run it with Run, which closes
// the log when it returns.
func OpenContactTracker(opt ContactTrackerOptions) (*ContactTracker, error) {
	t := NewContactTracker(opt)
	if opt.logDriven {
		t.lg = &logDriven{}
	}
	if opt.LogDir == "" {
		return t, nil
	}
	if cs := opt.clusterState; cs != nil {
		if err := truncateContactLog(opt.LogFS, opt.LogDir, cs.logSeg, cs.logSize); err != nil {
			return nil, err
		}
	}
	l, restored, err := openContactLog(opt.LogDir, contactLogOptions{FS: opt.LogFS, SegmentSize: opt.logSegment, Segments: opt.logSegments}, MaxRecentContacts)
	if err != nil {
		return nil, err
	}
	if l.damaged > 0 {
		t.log.Warn("contact log: damaged segments read up to the damage", "segments", l.damaged, "dir", opt.LogDir)
	}
	t.clog = l
	t.stateFS, t.statePath = opt.LogFS, filepath.Join(opt.LogDir, contactStateFile)
	if t.stateFS == nil {
		t.stateFS = record.OSFS{}
	}
	if _, err := record.RemoveTemps(t.stateFS, t.statePath); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrContactLog, err)
	}
	var data []byte
	if t.lg == nil {
		data, err = record.ReadFile(t.stateFS, t.statePath)
	} else {
		// In cluster mode the state is the cluster's (cluster_sensors.go).
		t.statePath, err = "", os.ErrNotExist
		if cs := opt.clusterState; cs != nil {
			if lerr := t.loadClusterState(cs); lerr != nil {
				t.stateErrs.Add(1)
				t.log.Warn("contact tracker's cluster state not loaded: tracks start afresh", "err", lerr)
			}
		}
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrContactLog, err)
	default:
		if err := t.assoc.LoadState(data); err != nil {
			// Not fatal: the tracks start afresh (the contacts are in
			// the log), as they did before the state was kept.
			t.stateErrs.Add(1)
			t.log.Warn("contact tracker state not loaded: tracks start afresh", "path", t.statePath, "err", err)
		} else if vs, err := contact.VesselStates(data); err == nil {
			// The AIS the tracker had: its first scans associate as
			// they would have had it never stopped.
			t.idx.restore(vs)
		}
	}
	for _, c := range restored {
		t.newest = max(t.newest, c.Time)
	}
	for i, c := range restored {
		t.recent = append(t.recent, c)
		if c.Time >= t.newest-vessel.Time(contactCurrentFor.Milliseconds()) {
			key := "restored/" + strconv.Itoa(i)
			if c.Sensor == vessel.SensorRadar.String() && c.Track != 0 {
				key = "restored/" + c.Source + "/" + strconv.FormatUint(c.Track, 10)
			}
			t.current[key] = c
		}
	}
	return t, nil
}

// NewContactTracker returns a tracker that keeps its contacts in memory
// only (opt.LogDir is not used); run it with Run.
func NewContactTracker(opt ContactTrackerOptions) *ContactTracker {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := &ContactTracker{
		ais:     make(chan []contact.VesselState, contactAISQueue),
		aisFree: make(chan []contact.VesselState, contactAISQueue),
		dets:    make(chan []vessel.Detection, contactDetQueue),
		pic:     opt.Picture,
		hub:     opt.Hub,
		log:     log.With("component", "contacts"),
		publish: opt.Publish,
		idx:     newAISIndex(),
		current: map[string]httpapi.Contact{},
	}
	cfg := opt.Config
	// A log-driven tracker (cluster mode) always has its harbours: the
	// learned anchorages come from the log (cluster_sensors.go).
	if cfg.Harbours == nil && (opt.Ports != nil || opt.Anchorages != nil || opt.logDriven) {
		t.harb = newTrackerHarbours(opt.Ports, opt.Anchorages)
		cfg.Harbours = t.harb
	}
	t.assoc = contact.New(cfg, t.idx)
	return t
}

// trackerHarbours are the node's harbours: the ports, fixed, and the
// anchorages the event engine learned, taken again every harbourRefresh
// ticks. Owned by the tracker's goroutine.
type trackerHarbours struct {
	ports   *contact.HarbourIndex
	learned *contact.HarbourIndex
	take    func() []event.Anchorage
	n       int         // anchorages taken last time
	takenAt vessel.Time // data time of the last take by InHarbour
}

// harbourRefreshData is how much data time apart InHarbour takes the
// learned anchorages again: a replay runs hours of data in a wall-clock
// minute, and the anchorages learned from it must count in its time.
const harbourRefreshData = 60_000 // ms

func newTrackerHarbours(ports []event.Port, take func() []event.Anchorage) *trackerHarbours {
	pts := make([]contact.HarbourPoint, 0, len(ports))
	for _, p := range ports {
		r := float64(PortHarbourM)
		if p.Anchor {
			r = AnchorageHarbourM
		}
		pts = append(pts, contact.HarbourPoint{Lat: p.Lat, Lon: p.Lon, RadiusM: r})
	}
	h := &trackerHarbours{ports: contact.NewHarbourIndex(pts), take: take}
	h.refresh()
	return h
}

// ContactHarbours returns the harbours a node's contact tracker keeps
// dark_target alerts away from, for association outside a node
// (tidewatch contacts): ports and bundled anchorage points as the
// event engine has them (PortHarbourM round a port, AnchorageHarbourM
// round an anchorage point) and learned anchorages (LearnedHarbourM),
// with the same index the tracker uses.
func ContactHarbours(ports []event.Port, learned []event.Anchorage) contact.Harbours {
	return newTrackerHarbours(ports, func() []event.Anchorage { return learned })
}

// LearnedAnchorages reads the anchorages that a node whose data
// directory is data learned (saved by its event engine); none when it
// has learned none.
func LearnedAnchorages(data string) ([]event.Anchorage, error) {
	return event.LoadAnchorages(filepath.Join(data, anchoragesFile))
}

// refresh takes the learned anchorages again when their number changed.
func (h *trackerHarbours) refresh() {
	if h.take == nil {
		return
	}
	as := h.take()
	if len(as) == h.n && h.learned != nil {
		return
	}
	pts := make([]contact.HarbourPoint, len(as))
	for i, a := range as {
		pts[i] = contact.HarbourPoint{Lat: a.Lat, Lon: a.Lon, RadiusM: LearnedHarbourM, Since: a.Since}
	}
	h.learned, h.n = contact.NewHarbourIndex(pts), len(as)
}

// InHarbour implements contact.Harbours. It takes the learned
// anchorages again first when the data time has moved on by
// harbourRefreshData since it last did, so an anchorage learned while
// running keeps alerts away from its berths from then on, however fast
// the data comes.
func (h *trackerHarbours) InHarbour(lat, lon float64, t vessel.Time) bool {
	if h.take != nil && (t-h.takenAt >= harbourRefreshData || t < h.takenAt) {
		h.takenAt = t
		h.refresh()
	}
	return h.ports.InHarbour(lat, lon, t) || h.learned.InHarbour(lat, lon, t)
}

// Submit offers a batch of detections (a scan, a scene or part of one,
// in time order); the batch is dropped and counted when the queue is
// full. It never blocks.
func (t *ContactTracker) Submit(b []vessel.Detection) bool {
	if len(b) == 0 {
		return true
	}
	t.detN.Add(int64(len(b)))
	select {
	case t.dets <- b:
		return true
	default:
		t.detDropped.Add(int64(len(b)))
		return false
	}
}

// SubmitWait offers a batch and waits for room (file replays must not
// lose their own data); it returns ctx's error when ctx ends first.
func (t *ContactTracker) SubmitWait(ctx context.Context, b []vessel.Detection) error {
	if len(b) == 0 {
		return nil
	}
	t.detN.Add(int64(len(b)))
	select {
	case t.dets <- b:
		return nil
	case <-ctx.Done():
		t.detDropped.Add(int64(len(b)))
		return ctx.Err()
	}
}

// Result takes the AIS picture's good, in-order positions (and lengths
// from changed static data); it is the fan-out subscriber's side and
// never blocks. Outside cluster mode it gathers them, and queues them
// when contactAISBatch are gathered and at Flush.
func (t *ContactTracker) Result(o *vessel.Observation, r *fusion.Result) {
	var vs contact.VesselState
	switch r.Outcome {
	case fusion.Stored:
		p := &r.Position
		if p.Flags&vessel.Bad != 0 || p.Flags&vessel.FlagLate != 0 || !p.HasPosition() {
			return
		}
		vs = contact.VesselState{MMSI: r.MMSI, Time: p.Time, Lat: p.Lat, Lon: p.Lon}
		sog, ok1 := p.SOG.Knots()
		cog, ok2 := p.COG.Degrees()
		if ok1 && ok2 {
			vs.HasMotion, vs.SOGKn, vs.COGDeg = true, sog, cog
		}
		vs.LengthM = -1 // keep the length known
	case fusion.Static:
		if t.pic == nil {
			return
		}
		st, ok := t.pic.Vessel(r.MMSI)
		if !ok {
			return
		}
		l, ok := st.Static.Length()
		if !ok {
			return
		}
		vs = contact.VesselState{MMSI: r.MMSI, LengthM: float64(l)} // Time 0: a length only
	default:
		return
	}
	if t.lg != nil {
		// On the pipeline's goroutine, in log order (cluster mode).
		t.aisN.Add(1)
		if !t.lg.mute.Load() {
			t.takeAIS(vs)
		}
		return
	}
	if t.aisOut == nil {
		select {
		case b := <-t.aisFree:
			t.aisOut = b[:0]
		default:
			t.aisOut = make([]contact.VesselState, 0, contactAISBatch)
		}
	}
	t.aisOut = append(t.aisOut, vs)
	if len(t.aisOut) >= contactAISBatch {
		t.Flush()
	}
}

// Flush queues the AIS states gathered by Result (Flusher); a full queue
// drops them, counted. The fan-out calls it after each of the pipeline's
// batches.
func (t *ContactTracker) Flush() {
	b := t.aisOut
	if len(b) == 0 {
		return
	}
	t.aisOut = nil
	t.aisN.Add(int64(len(b)))
	select {
	case t.ais <- b:
	default:
		t.aisDropped.Add(int64(len(b)))
		t.aisOut = b[:0]
	}
}

// takeAISBatch applies a batch of AIS states in order and keeps the
// slice for reuse.
func (t *ContactTracker) takeAISBatch(b []contact.VesselState) {
	for _, vs := range b {
		t.takeAIS(vs)
	}
	t.recycleAIS(b)
}

// takeLook applies what is left of the batch drainAISUpTo took from the
// queue, before anything queued after it.
func (t *ContactTracker) takeLook() {
	if t.look == nil {
		return
	}
	for _, vs := range t.look[t.lookAt:] {
		t.takeAIS(vs)
	}
	t.recycleAIS(t.look)
	t.look, t.lookAt = nil, 0
}

// recycleAIS hands a delivered batch back to Result's side.
func (t *ContactTracker) recycleAIS(b []contact.VesselState) {
	select {
	case t.aisFree <- b[:0]:
	default:
	}
}

// Events does nothing: events are not association's input.
func (t *ContactTracker) Events([]event.Event) {}

// Commit does nothing.
func (t *ContactTracker) Commit() {}

// Run associates until ctx ends; then it associates what is queued and
// returns nil.
func (t *ContactTracker) Run(ctx context.Context) error {
	if t.lg != nil {
		// The log drives it on the pipeline's goroutine; its state and
		// log are written with the cluster state (cluster_sensors.go).
		<-ctx.Done()
		return nil
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		t.takeLook()
		select {
		case b := <-t.ais:
			t.takeAISBatch(b)
		case b := <-t.dets:
			t.detections(ctx, b)
		case <-tick.C:
			t.tick(ctx)
		case <-ctx.Done():
			for {
				t.takeLook()
				select {
				case b := <-t.ais:
					t.takeAISBatch(b)
					continue
				case b := <-t.dets:
					t.detections(ctx, b)
					continue
				default:
				}
				break
			}
			t.flushScan()
			t.drainEpisodes(context.Background())
			t.saveState()
			if t.clog != nil {
				if err := t.clog.close(); err != nil {
					t.logErrs.Add(1)
					t.log.Error("contact log not closed", "err", err)
				}
			}
			return nil
		}
	}
}

// aisSlack is how far (data time) an AIS report may be newer than the
// pending radar scan and still be applied before the scan is associated;
// a newer one first ends the scan.
const aisSlack = 5000

// takeAIS applies an AIS state, associating the pending scan first when
// the state is more than aisSlack newer than it (the scan is complete).
func (t *ContactTracker) takeAIS(vs contact.VesselState) {
	if len(t.pending) > 0 && vs.Time > t.pending[0].Time+aisSlack {
		t.flushScan()
	}
	t.idx.put(vs)
}

// drainAISUpTo applies the queued AIS states up to ts+aisSlack (the
// queue is in time order), keeping the first newer one for later.
func (t *ContactTracker) drainAISUpTo(ts vessel.Time) {
	for {
		if t.look == nil {
			select {
			case t.look = <-t.ais:
				t.lookAt = 0
			default:
				return
			}
		}
		for ; t.lookAt < len(t.look); t.lookAt++ {
			if t.look[t.lookAt].Time > ts+aisSlack {
				return
			}
			t.idx.put(t.look[t.lookAt])
		}
		t.recycleAIS(t.look)
		t.look, t.lookAt = nil, 0
	}
}

// tick associates a scan still pending, ends what time has ended
// (in data time) and raises the episodes' events.
func (t *ContactTracker) tick(ctx context.Context) {
	if t.ticks++; t.harb != nil && t.ticks%harbourRefresh == 0 {
		t.harb.refresh()
	}
	defer func() {
		t.flushLog()
		if t.ticks%contactStateEvery == 0 {
			t.saveState()
		}
	}()
	// Take in the AIS that came meanwhile before the pending scan.
	if len(t.pending) > 0 {
		t.drainAISUpTo(t.pending[0].Time)
	}
	t.flushScan()
	if t.newest != 0 {
		t.assoc.Flush(t.newest)
		t.prune(t.newest)
	}
	t.drainEpisodes(ctx)
}

// detections adds a batch to the pending scan, associating the pending
// one first when the batch starts another scene.
func (t *ContactTracker) detections(ctx context.Context, b []vessel.Detection) {
	for i := range b {
		d := b[i]
		if len(t.pending) > 0 && (d.Scene != t.pending[0].Scene || d.Sensor != t.pending[0].Sensor) {
			t.drainAISUpTo(t.pending[0].Time)
			t.flushScan()
		}
		t.pending = append(t.pending, d)
	}
	if len(t.pending) > 4096 {
		t.flushScan()
	}
	_ = ctx
}

// flushScan associates the pending scan or scene.
func (t *ContactTracker) flushScan() {
	if len(t.pending) == 0 {
		return
	}
	scan := t.pending
	if scan[0].Sensor == vessel.SensorSatellite {
		t.buf = t.assoc.Satellite(scan, contact.Pass{SAR: isSARSource(scan[0].Source)}, t.buf[:0])
	} else {
		t.buf = t.assoc.Radar(scan, t.buf[:0])
	}
	t.pending = t.pending[:0]
	t.inHarbour.Store(int64(t.assoc.Stats().InHarbour))
	t.record(t.buf)
}

// flushLog writes and syncs the contacts made since the last call; an
// error is logged and counted (ContactStats.LogErrors) and the contacts
// stay in memory.
func (t *ContactTracker) flushLog() {
	if t.clog == nil {
		return
	}
	if err := t.clog.flush(); err != nil {
		if t.logErrs.Add(1) == 1 || t.ticks%60 == 0 {
			t.log.Error("contacts not written", "err", err)
		}
	}
}

// saveState writes the associator's state atomically (nothing without a
// log); a failure is counted and logged, and the next save tries again.
func (t *ContactTracker) saveState() {
	if t.statePath == "" {
		return
	}
	t.stateBuf = t.assoc.AppendState(t.stateBuf[:0])
	t.stateAIS = t.idx.appendStates(t.stateAIS[:0])
	t.stateBuf = contact.AppendVesselStates(t.stateBuf, t.stateAIS)
	err := t.stateFS.MkdirAll(filepath.Dir(t.statePath), 0o755)
	if err == nil {
		err = record.WriteFileAtomic(t.stateFS, t.statePath, t.stateBuf, 0o644)
	}
	if err != nil && (t.stateErrs.Add(1) == 1 || t.ticks%60 == 0) {
		t.log.Error("contact tracker state not written", "err", err)
	}
}

// isSARSource says whether a satellite source is a SAR (not VIIRS).
func isSARSource(source string) bool { return source != "viirs" }

// record keeps the contacts and streams them.
func (t *ContactTracker) record(cs []contact.Contact) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range cs {
		c := &cs[i]
		if c.Err != nil {
			t.rejected.Add(1)
			continue
		}
		t.contacts.Add(1)
		if c.MMSI != 0 {
			t.associated.Add(1)
		}
		if c.Time > t.newest {
			t.newest = c.Time
		}
		v := contactView(c)
		if t.clog != nil {
			t.clog.append(&v)
		}
		t.current[contactKey(c, i)] = v
		if len(t.recent) < MaxRecentContacts {
			t.recent = append(t.recent, v)
		} else {
			t.recent[t.next] = v
			t.next = (t.next + 1) % MaxRecentContacts
		}
		if t.hub != nil {
			t.hub.Publish(httpapi.Update{Contact: &v})
		}
		for _, f := range t.sinks {
			f(c)
		}
	}
}

// AddSink adds f to what gets every valid contact produced, on Run's
// goroutine; f must not block. Call it before Run.
func (t *ContactTracker) AddSink(f func(*contact.Contact)) { t.sinks = append(t.sinks, f) }

// contactKey identifies what a contact is the latest of: its radar track,
// or the satellite detection itself.
func contactKey(c *contact.Contact, i int) string {
	if c.Sensor == vessel.SensorRadar && c.Track != 0 {
		return "r" + strconv.FormatUint(c.Track, 10)
	}
	return c.Source + "/" + c.Scene + "/" + strconv.Itoa(i) + "/" + strconv.FormatInt(int64(c.Time), 10)
}

// prune drops current contacts not seen for contactCurrentFor.
func (t *ContactTracker) prune(now vessel.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cut := now - vessel.Time(contactCurrentFor.Milliseconds())
	for k, c := range t.current {
		if c.Time < cut {
			delete(t.current, k)
		}
	}
}

// drainEpisodes raises the episodes' updates as events.
func (t *ContactTracker) drainEpisodes(ctx context.Context) {
	eps := t.assoc.Episodes(nil)
	if len(eps) == 0 {
		return
	}
	evs := make([]event.Event, 0, len(eps))
	for _, ep := range eps {
		evs = append(evs, EpisodeEvent(ep))
	}
	t.eps.Add(int64(len(evs)))
	if t.lg != nil && t.lg.publish != nil {
		t.lg.publish(evs) // already on the pipeline's goroutine
		return
	}
	if t.publish == nil {
		return
	}
	if err := t.publish(ctx, evs); err != nil {
		t.log.Warn("dark-target events not recorded", "events", len(evs), "err", err)
	}
}

// Contacts returns the current contacts (the latest report of each radar
// track and each satellite detection of the last contactCurrentFor), or
// with history the recent history, newest first, filtered by q.
func (t *ContactTracker) Contacts(q httpapi.ContactQuery) []httpapi.Contact {
	if q.History && t.clog != nil {
		return t.clog.history(q)
	}
	t.mu.RLock()
	var out []httpapi.Contact
	keep := func(c httpapi.Contact) {
		if q.Match(&c) {
			out = append(out, c)
		}
	}
	if q.History {
		for _, c := range t.recent {
			keep(c)
		}
	} else {
		for _, c := range t.current {
			keep(c)
		}
	}
	t.mu.RUnlock()
	slices.SortFunc(out, func(a, b httpapi.Contact) int {
		if a.Time != b.Time {
			return cmpTimeDesc(a.Time, b.Time)
		}
		return 0
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

func cmpTimeDesc(a, b vessel.Time) int {
	if a > b {
		return -1
	}
	if a < b {
		return 1
	}
	return 0
}

// Stats returns the counters.
func (t *ContactTracker) Stats() ContactStats {
	return ContactStats{
		AIS: t.aisN.Load(), AISDropped: t.aisDropped.Load(),
		Detections: t.detN.Load(), DetectionsDropped: t.detDropped.Load(),
		Contacts: t.contacts.Load(), Associated: t.associated.Load(), Rejected: t.rejected.Load(),
		Episodes: t.eps.Load(), InHarbour: t.inHarbour.Load(), LogErrors: t.logErrs.Load(),
		StateErrors: t.stateErrs.Load(), DecodeErrors: t.decodeErrs.Load(),
	}
}

// contactView is the API's form of a contact.
func contactView(c *contact.Contact) httpapi.Contact {
	v := httpapi.Contact{
		Time: c.Time, Lat: c.Lat, Lon: c.Lon, Sensor: c.Sensor.String(), Source: c.Source, Target: c.Target,
		Scene: c.Scene, MMSI: c.MMSI, Score: c.Score, Held: c.Held, Track: c.Track, Confirmed: c.Confirmed,
		Doubtful: c.Doubtful, Episode: c.Episode,
	}
	if c.Has&vessel.HasMotion != 0 {
		v.HasMotion, v.SpeedKn, v.CourseDeg = true, c.SpeedKn, c.CourseDeg
	}
	if c.Has&vessel.HasLength != 0 {
		v.LengthM = c.LengthM
	}
	for _, cd := range c.Candidates {
		v.Candidates = append(v.Candidates, httpapi.ContactCandidate{MMSI: cd.MMSI, Score: cd.Score, DistM: cd.DistM, D2: cd.D2, AgeS: cd.AgeS})
	}
	return v
}

// EpisodeEvent turns a dark-target or AIS-position-mismatch episode into
// an event of the same type (dark_target, ais_position_mismatch): the
// same ID across the episode's versions, End set when it closed, with
// severity and reasons from its evidence.
func EpisodeEvent(ep contact.Episode) event.Event {
	ev := event.Event{
		ID: ep.ID, Type: ep.Kind, Start: ep.Start, Lat: ep.Lat, Lon: ep.Lon, Version: ep.Version,
		Zone: ep.Source,
		Measures: map[string]float64{
			"reports": float64(ep.Evidence.Reports), "tracks": float64(ep.Evidence.Tracks),
			"duration_s": float64(ep.End-ep.Start) / 1000,
		},
	}
	if ep.Closed {
		ev.End = ep.End
	}
	e := &ep.Evidence
	if e.SpeedKn > 0 {
		ev.Measures["speed_kn"] = e.SpeedKn
	}
	if e.LengthM > 0 {
		ev.Measures["length_m"] = e.LengthM
	}
	sensor := ep.Sensor.String()
	dur := time.Duration(ep.End-ep.Start) * time.Millisecond
	switch ep.Kind {
	case contact.KindAISMismatch:
		ev.Vessels = []vessel.MMSI{ep.MMSI}
		ev.Measures["offset_m"] = e.OffsetM
		ev.Severity = 0.8
		ev.Reasons = append(ev.Reasons, fmt.Sprintf("AIS claims a position %.0f m at %.0f° from an unexplained %s track that follows its path", e.OffsetM, e.OffsetBearing, sensor))
	default:
		// Severity: a dark radar track is surer than a lone satellite
		// detection, and grows with how long and how often it was seen.
		sev := 0.5
		if ep.Sensor == vessel.SensorRadar {
			sev = 0.6
		}
		sev += 0.2 * math.Min(1, dur.Minutes()/30)
		sev += 0.1 * math.Min(1, float64(e.Reports)/50)
		if e.Doubtful > 0 && e.Doubtful == e.Reports {
			sev -= 0.2
		}
		ev.Severity = math.Round(math.Min(sev, 1)*100) / 100
		ev.Reasons = append(ev.Reasons, fmt.Sprintf("%s target no AIS vessel explains: %d reports over %s", sensor, e.Reports, dur.Round(time.Second)))
		if e.Nearest != 0 {
			ev.Reasons = append(ev.Reasons, fmt.Sprintf("nearest AIS vessel %d ruled out (d² %.1f)", e.Nearest, e.NearestD2))
		} else {
			ev.Reasons = append(ev.Reasons, "no AIS vessel in range")
		}
		if e.SpeedKn > 0 {
			ev.Reasons = append(ev.Reasons, fmt.Sprintf("moving at %.1f kn", e.SpeedKn))
		}
	}
	return ev
}

// openContacts makes the node's contact tracker and subscribes it to the
// fan-out (inline: it only gathers the positions, and queues them by the
// batch into its bounded queue).
// Its dark-target events take the node's events path on the pipeline
// goroutine: the event log, then the fan-out (stream, sharing).
func (n *Node) openContacts() error {
	var ports []event.Port
	var anch func() []event.Anchorage
	if n.events != nil {
		ports, anch = n.events.ports, n.events.learnedAnchorages
	}
	var logDir string
	if n.cfg.Data != "" {
		logDir = filepath.Join(n.cfg.Data, contactsDir)
	}
	var err error
	opt := ContactTrackerOptions{Picture: n.core.Picture, Hub: n.hub, Logger: n.log,
		Ports: ports, Anchorages: anch, LogDir: logDir,
		Publish: func(ctx context.Context, evs []event.Event) error {
			return n.pipe.Do(ctx, func() {
				if n.events != nil {
					n.events.publish(evs)
				} else {
					n.core.Fanout.Events(evs)
				}
			})
		}}
	if n.cfg.Cluster.Enabled() {
		// Driven by the ingest log (cluster_sensors.go), restored from
		// its own state at an entry of the log.
		opt.logDriven = true
		// The anchorages the event engine learns are learned on its own
		// goroutine, not in log order: the tracker takes them from the
		// anchorages markers in the log instead (cluster_sensors.go).
		opt.Anchorages = nil
		if n.cfg.Data != "" {
			opt.clusterState, err = readContactsState(contactsStatePath(n.cfg.Data))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				n.log.Warn("cluster: the contact tracker's state is not usable; it starts afresh", "err", err)
			}
		}
	}
	n.contacts, err = OpenContactTracker(opt)
	if err != nil {
		return err
	}
	if cs := opt.clusterState; cs != nil {
		n.log.Info("cluster: contact tracker restored from its state", "seq", cs.seq, "pending", len(cs.pending))
	}
	if opt.logDriven {
		n.contacts.lg.publish = func(evs []event.Event) {
			if n.events != nil {
				publishNewEvents(n.events, evs)
			} else {
				n.core.Fanout.Events(evs)
			}
		}
	}
	n.core.Fanout.Subscribe("contacts", n.contacts, SubscribeOptions{})
	return nil
}

// openSensors makes the configured radar and satellite inputs (UDP ones
// bind now) and adds them to the node's inputs.
func (n *Node) openSensors() error {
	for _, c := range n.cfg.Inputs {
		switch c.Type {
		case "asterix", "nmea-radar", "sar":
		default:
			continue
		}
		s, err := NewSensorInput(c, n.contacts, n.log, n.now)
		if err != nil {
			for _, o := range n.sensors {
				o.close()
			}
			return err
		}
		if s.conn != nil || s.ln != nil {
			n.onClose(func() error { s.close(); return nil }) // Run closes it too; an Open that fails later does not run it
		}
		n.sensors = append(n.sensors, s)
		n.inputs = append(n.inputs, s)
	}
	return nil
}

// Contacts returns the node's contact tracker.
func (n *Node) Contacts() *ContactTracker { return n.contacts }

// Sensors returns the node's radar and satellite inputs, in configured
// order.
func (n *Node) Sensors() []*SensorInput { return n.sensors }
