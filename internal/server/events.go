package server

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Files of the data directory that event detection keeps.
const (
	eventsFile     = "events.jsonl"   // event.Log
	zonesFile      = "zones.geojson"  // event.ZoneBook, once zones were edited
	anchoragesFile = "anchorages.bin" // event.SaveAnchorages
)

// Event detection's queue in the fan-out: batches of eventBatch results,
// eventQueue of them (about half a second of input at 600k messages/s).
const (
	eventBatch = 256
	eventQueue = 1024
)

// detectorWants picks the results event detection looks at (see
// Detector.Result): the others are not queued for it.
func detectorWants(o *vessel.Observation, r *fusion.Result) bool {
	return r.Outcome == fusion.Stored || (r.Outcome == fusion.Static && o.Kind == vessel.KindStatic)
}

// liveEvents is a node's event detection, a queued subscriber of the
// fan-out with its own goroutine: the engine sees every position the picture
// stores and keeps its clock from the reports' times; on a live feed
// (reports within the hour of the wall clock) it also follows the wall
// clock at each commit, so that held-back reports are released and
// silences are noticed while no report comes. Its events go to the event
// log and on to the fan-out (the stream, sharing); the learned
// anchorages are saved when they change. mu guards the engine and the
// log against a change of zones, which comes from the API.
type liveEvents struct {
	mu       sync.Mutex
	det      Detector
	log      *event.Log
	zones    *event.ZoneBook
	initial  []event.Zone // the zones at start, for the API
	fan      *Fanout
	now      func() time.Time
	logger   *slog.Logger
	anchPath string
	saved    int          // learned anchorages last saved
	ports    []event.Port // the engine's ports and anchorages (the contact tracker's harbours too)
	// nearMu guards near: the nearest port of each anchorage the API
	// served, by index (an anchorage's place never changes once known).
	nearMu sync.Mutex
	near   []*httpapi.NearbyPort
	// flushed is how many positions the engine still held back (the
	// reorder window) when the node stopped, all run through detection
	// by Stop; -1 before.
	flushed int
	// inputs follows each input's time (by the reports' source: the
	// receiver, or the input's name when the line named none), for
	// Commit; cur is the last one a report went to.
	inputs map[string]*inputClock
	cur    *inputClock
	curSrc string
	// logTime: a cluster node's detection, whose time and zones follow
	// the ingest log (cluster_events.go) instead of the wall clock and
	// the zone book's edits; markerSeq is the control log entry of the
	// last zones marker it applied.
	logTime   bool
	markerSeq uint64
}

// inputClock is what live detection knows of one input's time: its newest
// report (a report flagged future or clock not counted) and, from the
// commits that saw its reports arrive, how far behind the wall clock it
// was when they did (its lag) and when that was.
type inputClock struct {
	newest  vessel.Time
	reports int64     // reports observed
	seen    int64     // reports at the last commit
	heard   time.Time // wall time of the last commit that saw new reports
	lag     time.Duration
}

// Catch-up of live detection (liveEvents.Commit): an input is caught up
// when its newest report was less than catchUp behind the wall clock at
// the last commit that saw reports of it arrive; one heard from within
// silentAfter counts, one silent longer is ignored (a backlog that
// stopped, a receiver gone quiet).
// An input silent for forgetInput is forgotten (newest, lag) until it
// reports again.
const (
	catchUp     = 5 * time.Minute
	silentAfter = 10 * time.Minute
	forgetInput = 6 * time.Hour
)

// openEvents starts live event detection and its log, unless switched
// off.
func (n *Node) openEvents() error {
	cfg := n.cfg
	if cfg.Events.Off {
		return nil
	}
	reorder := time.Minute
	if cfg.Events.Reorder != "" {
		d, err := time.ParseDuration(cfg.Events.Reorder)
		if err != nil || d < 0 {
			return fmt.Errorf("%w: events reorder %q", ErrConfig, cfg.Events.Reorder)
		}
		reorder = d
	}
	e := &liveEvents{fan: n.core.Fanout, now: n.now, logger: n.log, anchPath: filepath.Join(cfg.Data, anchoragesFile), flushed: -1}
	anch, err := event.LoadAnchorages(e.anchPath)
	if err != nil {
		return err
	}
	spec := EventSpec{Preset: cfg.Events.Preset, Reorder: reorder, Zones: cfg.Events.Zones}
	edited := filepath.Join(cfg.Data, zonesFile)
	if _, err := os.Stat(edited); err == nil {
		spec.Zones = "" // zones edited through the API replace the configured file
	}
	ec, err := EventConfig(spec, n.land)
	if err != nil {
		return fmt.Errorf("%w: events: %v", ErrConfig, err)
	}
	ec.Anchorages = anch
	e.ports = ec.Ports
	if e.zones, _, err = event.OpenZoneBook(edited, ec.Zones, e.applyZones); err != nil {
		return err
	}
	ec.Zones = e.zones.Zones()
	e.initial = ec.Zones
	engine, err := event.NewChecked(ec)
	if err != nil {
		return fmt.Errorf("%w: events: %v", ErrConfig, err)
	}
	e.det = Detector{Engine: engine, Publish: e.publish}
	e.saved = engine.AnchorageCount()
	if e.log, err = event.OpenLog(filepath.Join(cfg.Data, eventsFile), 0); err != nil {
		return err
	}
	n.onClose(e.log.Close)
	n.events = e
	return nil
}

// learnedAnchorages returns the anchorages the engine knows (given and
// learned), taken under its lock.
func (e *liveEvents) learnedAnchorages() []event.Anchorage {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.det.Engine.Anchorages()
}

// apiAnchorages is learnedAnchorages for the API (GET /api/v1/anchorages),
// with when each was learned, the port-visit radius and the nearest port.
func (e *liveEvents) apiAnchorages() []httpapi.Anchorage {
	e.mu.Lock()
	as := e.det.Engine.KnownAnchorages()
	radius := e.det.Engine.Params().PortVisit.EntryRadius
	e.mu.Unlock()
	e.nearMu.Lock()
	defer e.nearMu.Unlock()
	for i := len(e.near); i < len(as); i++ {
		e.near = append(e.near, nearestPort(e.ports, geo.Point{Lat: as[i].Lat, Lon: as[i].Lon}, nearPortRadius))
	}
	out := make([]httpapi.Anchorage, len(as))
	for i, a := range as {
		out[i] = httpapi.Anchorage{ID: i + 1, Lat: a.Lat, Lon: a.Lon, Vessels: a.Vessels, RadiusM: radius, NearestPort: e.near[i]}
		if a.Since != 0 {
			out[i].Since = a.Since.Std()
		}
	}
	return out
}

// nearPortRadius is how far the API looks for an anchorage's nearest port.
const nearPortRadius = 200e3

// nearestPort returns the nearest port (not an anchorage point) of ports
// within r metres of pt, or nil.
func nearestPort(ports []event.Port, pt geo.Point, r float64) *httpapi.NearbyPort {
	box := geo.RectAround(pt, r)
	best, bd := -1, r
	for i := range ports {
		p := &ports[i]
		q := geo.Point{Lat: p.Lat, Lon: p.Lon}
		if p.Anchor || !box.Contains(q) {
			continue
		}
		if d := geo.Distance(pt, q); d <= bd {
			best, bd = i, d
		}
	}
	if best < 0 {
		return nil
	}
	return &httpapi.NearbyPort{Name: ports[best].Name, Country: ports[best].Country, DistanceM: bd}
}

// publish records events and hands them on. A cluster node's detection
// leaves out the versions its event log holds already: after a crash it
// resumes from its state at an entry before the last it applied, and
// raises the events of the entries after again (cluster_state.go).
func (e *liveEvents) publish(evs []event.Event) {
	if e.logTime {
		evs = newVersions(e.log, evs)
	}
	if len(evs) == 0 {
		return
	}
	if err := e.log.Add(evs); err != nil {
		e.logger.Error("event log", "err", err)
	}
	e.fan.Events(evs)
}

// Result observes what the picture decided, and follows the time of the
// input the position came from.
func (e *liveEvents) Result(o *vessel.Observation, r *fusion.Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.Outcome == fusion.Stored && r.Position.Flags&(vessel.FlagFuture|vessel.FlagClock) == 0 {
		in := e.cur
		if in == nil || r.Position.Source != e.curSrc {
			in = e.inputs[r.Position.Source]
			if in == nil {
				if e.inputs == nil {
					e.inputs = map[string]*inputClock{}
				}
				in = &inputClock{}
				e.inputs[r.Position.Source] = in
			}
			e.cur, e.curSrc = in, r.Position.Source
		}
		in.newest = max(in.newest, r.Position.Time)
		in.reports++
	}
	e.det.Result(o, r)
}

// Events does nothing: the others' events are not detection's input.
func (e *liveEvents) Events([]event.Event) {}

// Commit lets wall-clock time pass while every input is caught up, syncs
// the event log and saves the learned anchorages when they changed.
//
// Detection's time follows the reports; between them, on a live feed, it
// follows the wall clock, so that held-back reports are released and
// silences are noticed while no report comes. That is only right while
// every input is live: an input still working through a backlog (history
// at start, a receiver's queue after an outage, a replayed file) is
// hours behind, and jumping to the clock would judge its vessels'
// silences, loitering and encounters before its reports of those hours
// are in (and make every later one of them late). So catch-up is per
// input: the engine advances to the clock only when each input heard from
// within silentAfter was, when its reports last arrived, less than
// catchUp behind the clock; an input silent longer is ignored. The newest
// report of one fast input (live AIS beside a backlog) no longer decides
// for all (TestLiveEventsPerInputCatchUp). A report dated in the future
// counts for no input.
func (e *liveEvents) Commit() {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if t, ok := e.caughtUp(now); ok && !e.logTime {
		e.publish(e.det.Engine.Advance(t))
	}
	e.sync()
}

// caughtUp notes which inputs reported since the last commit and
// reports whether detection may follow the wall clock now (see Commit),
// with the time to advance to; under e.mu.
func (e *liveEvents) caughtUp(now time.Time) (vessel.Time, bool) {
	t := vessel.TimeOf(now)
	active, ok := 0, true
	var newest vessel.Time
	for src, in := range e.inputs {
		if in.reports != in.seen {
			in.seen, in.heard = in.reports, now
			in.lag = now.Sub(in.newest.Std())
		}
		newest = max(newest, in.newest)
		if quiet := now.Sub(in.heard); quiet >= forgetInput {
			delete(e.inputs, src) // the map stays as small as the inputs heard lately
			if in == e.cur {
				e.cur, e.curSrc = nil, ""
			}
			continue
		} else if quiet >= silentAfter {
			continue
		}
		active++
		ok = ok && in.lag < catchUp
	}
	return t, ok && active > 0 && t > newest
}

// logCatchUp is catchUp in the log's time: how far behind a cluster
// entry's receive time the newest report may be for detection's time to
// follow the entries (cluster_events.go).
const logCatchUp = vessel.Time(catchUp / time.Millisecond)

// sync syncs the event log and saves the learned anchorages when they
// changed; under e.mu.
func (e *liveEvents) sync() {
	if err := e.log.Sync(); err != nil {
		e.logger.Error("event log", "err", err)
	}
	if n := e.det.Engine.AnchorageCount(); n != e.saved {
		if err := event.SaveAnchorages(e.anchPath, e.det.Engine.Anchorages()); err != nil {
			e.logger.Error("learned anchorages", "err", err)
		} else {
			e.saved = n
		}
	}
}

// Stop runs when the node stops, after the last result was observed: the
// positions still held back in the reorder window go through detection
// (in time order, the detectors' time moving to the newest report
// processed, as an offline run ends; not to Newest, which a report dated
// in the future may have set), their events are published and the log synced
// before the node closes it and the store. Silences after the newest
// report are not judged: a restarted node's engine starts afresh.
//
// A cluster node's detection does not flush: its peers do not, so the
// held positions stay in the engine, whose state the node keeps
// (clusterMember.closeState) and resumes from.
func (e *liveEvents) Stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.flushed = e.det.Engine.Stats().Held
	if !e.logTime {
		e.publish(e.det.Engine.Flush(0))
	}
	e.sync()
}

// newVersions returns the events of evs whose version lg does not hold
// yet (evs itself when that is all of them).
func newVersions(lg *event.Log, evs []event.Event) []event.Event {
	for i, ev := range evs {
		if v, ok := lg.Version(ev.ID); ok && v >= ev.Version {
			out := append(make([]event.Event, 0, len(evs)-1), evs[:i]...)
			for _, ev := range evs[i+1:] {
				if v, ok := lg.Version(ev.ID); !ok || v < ev.Version {
					out = append(out, ev)
				}
			}
			return out
		}
	}
	return evs
}

// applyZones puts an edited set of zones into the engine, between two
// of the positions it observes; what the change closes or opens is
// published. A cluster node's engine takes them later, where the ingest
// log's zones marker falls (cluster_events.go): here they are only
// checked.
func (e *liveEvents) applyZones(zs []event.Zone) error {
	if e.logTime {
		return checkZones(zs) // the engine takes them at the marker (cluster_events.go)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.det.Newest
	if t == 0 {
		t = vessel.TimeOf(e.now())
	}
	evs, err := e.det.Engine.SetZones(zs, t)
	if err == nil {
		e.publish(evs)
	}
	return err
}

// zoneEditor is the API's view of the zone book: it maps the event
// package's refusals to the API's sentinels.
type zoneEditor struct{ b *event.ZoneBook }

var (
	_ httpapi.ZoneEditor  = zoneEditor{}
	_ httpapi.ZoneCreator = zoneEditor{}
)

func (z zoneEditor) Zones() []event.Zone            { return z.b.Zones() }
func (z zoneEditor) PutZone(zn event.Zone) error    { return apiZoneErr(z.b.PutZone(zn)) }
func (z zoneEditor) CreateZone(zn event.Zone) error { return apiZoneErr(z.b.CreateZone(zn)) }
func (z zoneEditor) DeleteZone(name string) error   { return apiZoneErr(z.b.DeleteZone(name)) }

func apiZoneErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, event.ErrZoneExists):
		return fmt.Errorf("%w: %w", httpapi.ErrZoneExists, err)
	case errors.Is(err, event.ErrZoneNotFound):
		return fmt.Errorf("%w: %w", httpapi.ErrZoneNotFound, err)
	case errors.Is(err, event.ErrZoneRefused):
		return fmt.Errorf("%w: %w", httpapi.ErrZoneInvalid, err)
	}
	return err
}
