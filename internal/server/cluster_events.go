package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Event detection of a cluster node follows the ingest log, so that
// every member opens and closes the same events with the same ids and
// times (issue 14):
//
//   - Its time moves with the log, not with the node's wall clock:
//     after each entry it applies, the node advances detection to the
//     entry's receive time (Batch.Received, the receiving member's clock
//     when it took the lines), when the newest report is within logCatchUp
//     of it, as a single node does with the wall clock (liveEvents.Commit).
//     The advance goes through the fan-out in order with the entry's
//     results (Fanout.Call), so it falls between the same reports on
//     every member, whatever each member's lag or commit timing.
//   - Zone changes reach the engine at a place of the ingest log: the
//     control log changes the zone book (the API's and the file's zones)
//     on every member, and each member then publishes a zones marker to
//     the ingest log: an entry of the reserved input zonesMarkerInput
//     whose lines are the control log entry and the whole zone set after
//     it (a zones file), with the control entry in its message id, so
//     that the members' copies land once. Where the marker falls in the
//     ingest log, every member puts that zone set into its engine, at
//     the engine's time there, and publishes what the change opens or
//     closes. A marker of a control entry at or before the last one the
//     engine applied (a late copy, published by a member catching up
//     after the duplicate window) changes nothing, on every member alike.
//
// Until the marker is applied, a member's engine keeps the zones it had:
// events of reports between the control record and the marker are those
// of the old zones, on every member.

// zonesMarkerInput is the input name of a zones marker in the ingest
// log. The leading NUL keeps it apart from any configured input.
const zonesMarkerInput = "\x00zones"

// zonesMarker is the marker of control entry seq: the zone set after it.
type zonesMarker struct {
	seq   uint64
	zones []event.Zone
	at    time.Time // the control record's time
}

// markerBatch encodes a zones marker as an ingest log batch.
func markerBatch(mk zonesMarker) (cluster.Batch, error) {
	data, err := event.MarshalZonesFile(mk.zones)
	if err != nil {
		return cluster.Batch{}, err
	}
	return cluster.Batch{Input: zonesMarkerInput, Received: mk.at,
		Lines: [][]byte{strconv.AppendUint(nil, mk.seq, 10), data}}, nil
}

// errMarker: an ingest entry of the zones marker input that does not
// decode; skipped on every member alike.
var errMarker = errors.New("server: cluster: zones marker damaged")

// decodeMarker decodes a zones marker batch.
func decodeMarker(b cluster.Batch) (zonesMarker, error) {
	if len(b.Lines) != 2 {
		return zonesMarker{}, fmt.Errorf("%w: %d lines", errMarker, len(b.Lines))
	}
	seq, err := strconv.ParseUint(string(b.Lines[0]), 10, 64)
	if err != nil {
		return zonesMarker{}, fmt.Errorf("%w: %w", errMarker, err)
	}
	feats, err := geo.ReadGeoJSON(bytes.NewReader(b.Lines[1]))
	if err != nil {
		return zonesMarker{}, fmt.Errorf("%w: %w", errMarker, err)
	}
	return zonesMarker{seq: seq, zones: event.ZonesFromGeoJSON(feats), at: b.Received}, nil
}

// checkZones refuses a zone set the engine could not index, as SetZones
// would (the zone book's edit is then refused, on every member alike).
func checkZones(zs []event.Zone) error {
	if len(zs) == 0 {
		return nil
	}
	areas := make([]geo.MultiPolygon, len(zs))
	for i, z := range zs {
		areas[i] = z.Area
	}
	if _, err := geo.NewIndex(areas, geo.IndexOptions{}); err != nil {
		return fmt.Errorf("event: zones: %w", err)
	}
	return nil
}

// logTick moves detection's time to an ingest entry's receive time; on
// detection's goroutine (Fanout.Call).
func (e *liveEvents) logTick(received vessel.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if newest := e.det.Newest; received != 0 && newest != 0 && received-newest < logCatchUp && received > newest {
		e.publish(e.det.Engine.Advance(received))
	}
}

// logZones puts a marker's zone set into the engine; on detection's
// goroutine (Fanout.Call), where the marker falls in the ingest log.
func (e *liveEvents) logZones(mk zonesMarker) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if mk.seq <= e.markerSeq {
		return
	}
	e.markerSeq = mk.seq
	t := e.det.Newest
	if t == 0 {
		t = vessel.TimeOf(mk.at)
	}
	evs, err := e.det.Engine.SetZones(mk.zones, t)
	if err != nil {
		// Checked by the zone book's edit on every member: a set that
		// does not index here does on none, so none changes.
		e.logger.Error("cluster: a zones marker the engine refused", "control_seq", mk.seq, "err", err)
		return
	}
	e.publish(evs)
}

// afterEntry hands detection the end of an entry's results: its time
// moves to the entry's receive time (logTick). On the pipeline's
// goroutine, after the entry's results were published.
func (m *clusterMember) afterEntry(received time.Time) {
	if m.events == nil || received.IsZero() {
		return
	}
	t := vessel.TimeOf(received)
	m.core.Fanout.Call(func(s Subscriber) {
		if e, ok := s.(*liveEvents); ok {
			e.logTick(t)
		}
	})
}

// applyMarker applies a zones marker entry: to the engine, in order with
// the results before it. An entry replayed after a restart (seq up to
// replayTo) is applied too when detection was restored from the state at
// an entry before it; when detection started empty it is not: the
// engine starts from the zone book, which holds the control log's zones
// already.
func (m *clusterMember) applyMarker(ctx context.Context, seq uint64, b cluster.Batch) error {
	mk, err := decodeMarker(b)
	if err != nil {
		m.markersBad.Add(1)
		m.logger.Warn("cluster: skipping a zones marker", "seq", seq, "err", err)
		mk = zonesMarker{} // the entry still counts as applied
	}
	return m.pipe.Do(ctx, func() {
		if seq <= m.replayTo {
			m.picSeq = seq
			if !m.eventsExact.Load() || err != nil {
				return
			}
		}
		if m.events != nil && err == nil {
			m.core.Fanout.Call(func(s Subscriber) {
				if e, ok := s.(*liveEvents); ok {
					e.logZones(mk)
				}
			})
		}
		m.markersApplied.Add(1)
		m.markerApplied(mk.seq)
	})
}

// markerApplied notes that the pipeline applied the zones marker of
// control entry cseq (and so of every one before).
func (m *clusterMember) markerApplied(cseq uint64) {
	m.markerMu.Lock()
	defer m.markerMu.Unlock()
	if cseq > m.markerDone {
		m.markerDone = cseq
		if m.markerCh != nil {
			close(m.markerCh)
			m.markerCh = nil
		}
	}
}

// waitMarker waits until this node applied the zones marker of control
// entry cseq (or a later one): the API answers a zone change once the
// change is where every member's engine takes it, so reports taken after
// the answer are judged against it.
func (m *clusterMember) waitMarker(ctx context.Context, cseq uint64) error {
	for {
		m.markerMu.Lock()
		if m.markerDone >= cseq {
			m.markerMu.Unlock()
			return nil
		}
		if m.markerCh == nil {
			m.markerCh = make(chan struct{})
		}
		ch := m.markerCh
		m.markerMu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// markerPublisher publishes the zones markers of a member's control
// applies to the ingest log. Its queue is one marker deep: a newer one
// replaces one not yet published (it holds the whole zone set, so the
// older one is of no use; counted), and the publisher never holds up
// the control log.
type markerPublisher struct {
	log    *cluster.Log
	logger interface{ Warn(string, ...any) }

	mu      sync.Mutex
	pending *zonesMarker
	wake    chan struct{}

	published, replaced atomic.Uint64
}

func newMarkerPublisher(log *cluster.Log, logger interface{ Warn(string, ...any) }) *markerPublisher {
	return &markerPublisher{log: log, logger: logger, wake: make(chan struct{}, 1)}
}

// put queues the marker of a control entry.
func (p *markerPublisher) put(mk zonesMarker) {
	p.mu.Lock()
	if p.pending != nil && p.pending.seq < mk.seq {
		p.replaced.Add(1)
	}
	if p.pending == nil || p.pending.seq < mk.seq {
		p.pending = &mk
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Run publishes queued markers until ctx ends, each retried until the
// cluster acknowledged it (with its message id, so a retry lands once).
func (p *markerPublisher) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
		}
		for {
			p.mu.Lock()
			mk := p.pending
			p.pending = nil
			p.mu.Unlock()
			if mk == nil {
				break
			}
			b, err := markerBatch(*mk)
			if err != nil {
				p.logger.Warn("cluster: a zones marker that does not encode", "control_seq", mk.seq, "err", err)
				continue
			}
			id := "zones-" + strconv.FormatUint(mk.seq, 10)
			for {
				_, err := p.log.PublishID(ctx, b, id)
				if err == nil {
					p.published.Add(1)
					break
				}
				if ctx.Err() != nil || errors.Is(err, cluster.ErrClosed) {
					return nil
				}
				p.logger.Warn("cluster: publishing a zones marker", "control_seq", mk.seq, "err", err)
				if sleepCtx(ctx, time.Second) != nil {
					return nil
				}
				p.mu.Lock()
				newer := p.pending != nil && p.pending.seq > mk.seq
				p.mu.Unlock()
				if newer {
					p.replaced.Add(1)
					break // the newer one holds this one's zones too
				}
			}
		}
	}
}

// Event detection's state in a snapshot (cluster_snapshot.go): the
// engine's whole state (event.Engine.AppendState), the last zones marker
// applied and the newest report's time, taken on detection's goroutine
// (Fanout.Call) where the snapshot's entry ends, so that a node restored
// from the snapshot raises from there on exactly the events its peers do.
//
// Layout of the snapshot's "events.state" and of
// <data>/cluster/TIDEWATCH_INGEST.events, where a node installing a
// snapshot puts it (version 1):
//
//	file header "TWCLEV", uint16 version (LE)   (record.AppendFileHeader)
//	one record of type 1 (record framing: length, CRC-32C, type):
//	  uint64 entry, uint64 zones marker's control entry, int64 newest report (ms), all LE,
//	  then the engine's state (its own format, event/state.go)
const (
	eventsStateMagic   = "TWCLEV"
	eventsStateVersion = 1
	eventsStateRecord  = 1
	eventsStateHdr     = 24
)

// ErrEventsState: a snapshot's event detection state is damaged or of an
// unknown version.
var ErrEventsState = errors.New("server: cluster: event detection state damaged")

// eventsState is event detection's state at an entry.
type eventsState struct {
	seq       uint64
	markerSeq uint64
	newest    vessel.Time
	engine    []byte
}

func encodeEventsState(s eventsState) []byte {
	payload := make([]byte, 0, eventsStateHdr+len(s.engine))
	payload = binary.LittleEndian.AppendUint64(payload, s.seq)
	payload = binary.LittleEndian.AppendUint64(payload, s.markerSeq)
	payload = binary.LittleEndian.AppendUint64(payload, uint64(s.newest))
	payload = append(payload, s.engine...)
	out := record.AppendFileHeader(nil, eventsStateMagic, eventsStateVersion)
	return record.Append(out, eventsStateRecord, payload)
}

func decodeEventsState(b []byte) (eventsState, error) {
	v, err := record.ParseFileHeader(b, eventsStateMagic)
	if err != nil {
		return eventsState{}, fmt.Errorf("%w: %w", ErrEventsState, err)
	}
	if v != eventsStateVersion {
		return eventsState{}, fmt.Errorf("%w: version %d", ErrEventsState, v)
	}
	typ, payload, n, ok := record.Current.Check(b[record.FileHeaderLen:], len(b))
	if !ok || typ != eventsStateRecord || record.FileHeaderLen+n != len(b) || len(payload) < eventsStateHdr {
		return eventsState{}, fmt.Errorf("%w: cut short, checksum mismatch or trailing bytes", ErrEventsState)
	}
	return eventsState{
		seq:       binary.LittleEndian.Uint64(payload),
		markerSeq: binary.LittleEndian.Uint64(payload[8:]),
		newest:    vessel.Time(binary.LittleEndian.Uint64(payload[16:])),
		engine:    payload[eventsStateHdr:],
	}, nil
}

// saveState returns detection's state as of the entry seq and the event
// log's bytes; on detection's goroutine (Fanout.Call) right after that
// entry's results. The log then holds every event of the entries up to
// seq (and perhaps contact tracker events of later entries, which a node
// restored from the snapshot does not raise twice: publishNewEvents).
func (e *liveEvents) saveState(seq uint64, logPath string) (eventsState, []byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, err := e.det.Engine.AppendState(nil)
	if err != nil {
		return eventsState{}, nil, err
	}
	if err := e.log.Sync(); err != nil {
		return eventsState{}, nil, err
	}
	lg, err := os.ReadFile(logPath)
	if err != nil {
		return eventsState{}, nil, err
	}
	return eventsState{seq: seq, markerSeq: e.markerSeq, newest: e.det.Newest, engine: st}, lg, nil
}

// loadState puts a snapshot's detection state into the node's new
// engine, before the node follows the log. The engine then knows the
// state's anchorages, not those the node gave it from its anchorages
// file (learned anchorages are the engine's state): the nearest ports
// the API found for the anchorages are found again.
func (e *liveEvents) loadState(s eventsState) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.det.Engine.LoadState(s.engine); err != nil {
		return err
	}
	e.markerSeq, e.det.Newest = s.markerSeq, s.newest
	e.nearMu.Lock()
	e.near = nil
	e.nearMu.Unlock()
	return nil
}

// replay applies an entry the store holds already (seq up to replayTo,
// after a restart from an older state) to the picture alone, and, when
// event detection was restored from the state, to detection too: its
// results (those detection looks at, as the fan-out hands them to it)
// and its time tick, queued in one Fanout.Call in order with the rest,
// to detection only (the live stream and sharing had them before the
// restart). On the pipeline's goroutine.
func (m *clusterMember) replay(obs []vessel.Observation, seq uint64, received time.Time, then func()) {
	det := m.events != nil && m.eventsExact.Load()
	var res []replayed
	m.clock.set(received)
	for i := range obs {
		r := m.pic.Apply(&obs[i])
		if m.tracker != nil {
			m.tracker.Result(&obs[i], &r)
		}
		if det && detectorWants(&obs[i], &r) {
			res = append(res, replayedOf(&obs[i], &r))
		}
	}
	m.picSeq = seq
	if then != nil {
		then()
	}
	if !det {
		return
	}
	t := vessel.TimeOf(received)
	m.core.Fanout.Call(func(s Subscriber) {
		if e, ok := s.(*liveEvents); ok {
			for i := range res {
				e.Result(&res[i].o, &res[i].r)
			}
			if !received.IsZero() {
				e.logTick(t)
			}
		}
	})
}

// replayed is a result as the fan-out hands it to event detection (its
// slim form: Fanout's resultItem and deliverResult).
type replayed struct {
	o vessel.Observation
	r fusion.Result
}

func replayedOf(o *vessel.Observation, r *fusion.Result) replayed {
	out := replayed{o: vessel.Observation{Kind: o.Kind},
		r: fusion.Result{Outcome: r.Outcome, MMSI: r.MMSI, Time: r.Time, Position: r.Position}}
	if r.Outcome == fusion.Static {
		out.o.Static = o.Static
	}
	return out
}

// engineState is detection's state now, as of entry seq; on detection's
// goroutine, or while it does not run.
func (e *liveEvents) engineState(seq uint64) (eventsState, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, err := e.det.Engine.AppendState(nil)
	if err != nil {
		return eventsState{}, err
	}
	return eventsState{seq: seq, markerSeq: e.markerSeq, newest: e.det.Newest, engine: st}, nil
}
