package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/identity"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/record"
)

// The control log in cluster mode (issue 14): every change to the zones,
// incidents, API tokens and partner registry is published to the
// cluster's control stream (TIDEWATCH_CONTROL) and applied on every
// member, this one included, in stream order, by the control follower;
// the local files (zones.geojson, incidents.log, tokens.json,
// node/partners.json) are the applied state. The API answers a change
// once the cluster acknowledged it and this node applied it, with the
// answer its apply gave: a refusal (a zone that exists, an incident
// edited since it was read) is decided where the record falls in the
// log, the same on every member.
//
// The last applied sequence is the follower's cursor file
// (<data>/cluster/TIDEWATCH_CONTROL.applied), written after each apply
// returned (each apply is durable when it returns); a restarted member
// applies what it missed. An apply repeated after a crash before the
// cursor write changes nothing: puts replace by id, a create of an id
// held is refused, an incident edit of a version no longer latest is a
// conflict.
//
// Tokens and partners are also edited by the token and partner
// commands, which write the files whether the node runs or not: the
// control member compares the files with the records it last applied
// every controlWatchEvery (once its follower caught up) and publishes
// the difference (puts of new or changed records, deletes of records
// gone). The records last applied are kept in
// <data>/cluster/control-files.json (controlFilesName), written after
// each token or partner apply, so that edits made while the node was
// stopped, and the tokens of a node that joins a cluster, are published
// too.

// controlTimeout bounds how long a change through the API waits for the
// cluster's acknowledgement and then for this node's apply.
const controlTimeout = 30 * time.Second

// controlWatchEvery is how often the token and partner files are
// compared with the applied records.
const controlWatchEvery = time.Second

// controlFilesName is the file, under <data>/cluster, of the token and
// partner records last applied: version 1, {"version": 1, "records":
// {"token": {name: record}, "partner": {name: record}}}, each record
// the JSON its own file keeps.
const controlFilesName = "control-files.json"

const controlFilesVersion = 1

type controlFiles struct {
	Version int                                   `json:"version"`
	Records map[string]map[string]json.RawMessage `json:"records"`
}

// errControlFiles: the file of applied records is not one this build
// reads.
var errControlFiles = errors.New("server: cluster control: bad " + controlFilesName)

// errControlBody: a control record whose body is not what this build
// writes (skipped on every member alike).
var errControlBody = errors.New("server: control record body")

// errControlUnsupported: a change of something this node does not keep
// (zones with event detection off, partners without an identity).
var errControlUnsupported = errors.New("server: this node keeps no such items")

// controlBody is the body of a control record (cluster.ControlRecord
// carries it without reading it), JSON.
type controlBody struct {
	// Req names the request waiting for the apply on the member that
	// published it: node, boot id, counter.
	Req string `json:"req,omitempty"`
	// Create: a zone that must not exist yet; an incident made with ID.
	Create bool `json:"create,omitempty"`
	// Zone is a zones file (event.MarshalZonesFile) of one zone.
	Zone json.RawMessage `json:"zone,omitempty"`
	// Incident is the record put (OpPut).
	Incident *incident.Incident `json:"incident,omitempty"`
	// Record is a token's or partner's record as its file keeps it.
	Record json.RawMessage `json:"record,omitempty"`
}

// controlResult is what an apply gave, for the request that waits.
type controlResult struct {
	inc incident.Incident
	err error
}

// recordSet is a set of records that a command edits in its file while
// the node runs: the tokens (httpapi.Tokens) and the partner registry
// (identity.Node).
type recordSet interface {
	Records() (map[string][]byte, error)
	PutRecord(rec []byte) error
	DeleteRecord(name string) error
}

type partnerSet struct{ n *identity.Node }

func (p partnerSet) Records() (map[string][]byte, error) { return p.n.PartnerRecords() }
func (p partnerSet) PutRecord(rec []byte) error          { return p.n.PutPartnerRecord(rec) }
func (p partnerSet) DeleteRecord(name string) error      { return p.n.DeletePartnerRecord(name) }

// controlMember is a node's part of the control log.
type controlMember struct {
	log      *cluster.ControlLog
	follower *cluster.Follower
	logger   *slog.Logger
	now      func() time.Time
	every    time.Duration // of the file comparison

	zones *event.ZoneBook // nil with detection off
	// markers publishes a zones marker to the ingest log after each zone
	// change (cluster_events.go); nil with detection off.
	markers *markerPublisher
	cl      *clusterMember // the ingest side, for waitMarker
	book    *IncidentBook
	sets    map[cluster.ControlKind]recordSet // tokens, partners (without an identity: none)

	// mu serialises an apply with the comparison of the files, so that
	// the comparison sees the file and applied of the same moment.
	mu      sync.Mutex
	applied map[cluster.ControlKind]map[string][]byte
	path    string // of controlFilesName

	waitMu  sync.Mutex
	waiters map[string]chan controlResult
	reqStem string
	reqSeq  atomic.Uint64

	synced      atomic.Bool   // the follower caught up once since start
	refused     atomic.Uint64 // applies that refused the change (the same on every member)
	fromFiles   atomic.Uint64 // changes published for edits of the token or partner command
	watchErrors atomic.Uint64
}

// openControl makes the control member of a node in cluster mode (nil
// otherwise) and puts its follower and file comparison in the run group.
func (n *Node) openControl(tokens *httpapi.Tokens) error {
	if n.clNode == nil {
		return nil
	}
	var boot [6]byte
	rand.Read(boot[:])
	m := &controlMember{log: n.clNode.ControlLog(cluster.LogConfig{Overflow: cluster.OverflowWait}),
		logger: n.log, now: n.now, every: controlWatchEvery, book: n.book,
		sets:    map[cluster.ControlKind]recordSet{cluster.KindToken: tokens},
		applied: map[cluster.ControlKind]map[string][]byte{},
		waiters: map[string]chan controlResult{},
		reqStem: n.clNode.Name() + ":" + hex.EncodeToString(boot[:]) + ":",
		path:    filepath.Join(n.cfg.Data, "cluster", controlFilesName)}
	if n.events != nil {
		m.zones = n.events.zones
		m.markers, m.cl = newMarkerPublisher(n.cl.log, n.log), n.cl
	}
	if n.ident != nil {
		m.sets[cluster.KindPartner] = partnerSet{n.ident}
	}
	if err := m.loadApplied(); err != nil {
		return err
	}
	f, err := n.clNode.ControlFollower(cluster.FollowerConfig{Logger: n.log}, m.apply)
	if err != nil {
		return fmt.Errorf("server: cluster control: %w", err)
	}
	m.follower = f
	if n.events != nil {
		// The engine starts with the zone book's zones, which are the
		// control log's up to here: older markers change nothing.
		n.events.markerSeq = f.Applied()
	}
	tokens.SetControl(m)
	n.ctl = m
	n.extra = append(n.extra, Member{Name: "cluster-control", Component: ComponentFunc(m.runFollower)},
		Member{Name: "cluster-control-files", Component: ComponentFunc(m.watch)})
	if m.markers != nil {
		n.extra = append(n.extra, Member{Name: "cluster-zone-markers", Component: ComponentFunc(m.markers.Run)})
	}
	return nil
}

// runFollower applies the control log until ctx ends.
func (m *controlMember) runFollower(ctx context.Context) error {
	for {
		err := m.follower.Run(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			m.logger.Error("cluster control follower stopped", "err", err)
			if errors.Is(err, cluster.ErrCursorAhead) {
				<-ctx.Done() // /readyz says why
				return nil
			}
		}
		if sleepCtx(ctx, time.Second) != nil {
			return nil
		}
	}
}

// ready is nil once the control follower has caught up since the node
// started (until then its tokens and zones may be behind the cluster's).
func (m *controlMember) ready() error {
	if m == nil {
		return nil
	}
	st := m.follower.Status()
	if st.CaughtUp {
		m.synced.Store(true)
	}
	if !m.synced.Load() {
		return &httpapi.Unready{Reason: fmt.Sprintf("cluster: catching up with the control log (applied %d of %d)", st.Applied, st.Last), Err: errCatchingUp}
	}
	return nil
}

// publish puts a change on the control log, waits for this node's apply
// and returns what it gave; the error is the publishing's or the wait's.
func (m *controlMember) publish(kind cluster.ControlKind, op cluster.ControlOp, id string, now time.Time, b controlBody) (controlResult, error) {
	b.Req = m.reqStem + strconv.FormatUint(m.reqSeq.Add(1), 10)
	data, err := json.Marshal(b)
	if err != nil {
		return controlResult{}, fmt.Errorf("server: cluster control: %w", err)
	}
	ch := make(chan controlResult, 1)
	m.waitMu.Lock()
	m.waiters[b.Req] = ch
	m.waitMu.Unlock()
	defer func() {
		m.waitMu.Lock()
		delete(m.waiters, b.Req)
		m.waitMu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), controlTimeout)
	defer cancel()
	seq, err := m.log.Publish(ctx, cluster.ControlRecord{Kind: kind, Op: op, ID: id, Time: now, Body: data})
	if err != nil {
		return controlResult{}, fmt.Errorf("server: cluster control: %s %s: %w", kind, id, err)
	}
	select {
	case r := <-ch:
		if kind == cluster.KindZone && r.err == nil && m.markers != nil {
			// Answered once the change is where the engines take it
			// (cluster_events.go); applied already, whatever the wait.
			if err := m.cl.waitMarker(ctx, seq); err != nil {
				m.logger.Warn("cluster: a zone change's marker not applied here in time", "control_seq", seq, "err", err)
			}
		}
		return r, nil
	case <-ctx.Done():
		return controlResult{}, fmt.Errorf("server: cluster control: %s %s published as entry %d, not applied here within %v: %w",
			kind, id, seq, controlTimeout, ctx.Err())
	}
}

// apply applies one control record (the follower's callback). A change
// the items refuse is a result (for the request that waits, and
// counted), not a failure: every member refuses it alike. Any other
// error (a write that failed) is returned, and the follower retries.
func (m *controlMember) apply(seq uint64, r cluster.ControlRecord) error {
	var b controlBody
	if err := json.Unmarshal(r.Body, &b); err != nil {
		return &cluster.DecodeError{Seq: seq, Err: fmt.Errorf("%w: %w", errControlBody, err)}
	}
	m.mu.Lock()
	res := m.applyLocked(r, b)
	m.mu.Unlock()
	if res.err != nil {
		if !refusal(res.err) {
			return res.err
		}
		m.refused.Add(1)
	} else if r.Kind == cluster.KindZone && m.markers != nil {
		// The engines take the change where its marker falls in the
		// ingest log (cluster_events.go).
		m.markers.put(zonesMarker{seq: seq, zones: m.zones.Zones(), at: r.Time})
	}
	if b.Req != "" {
		m.waitMu.Lock()
		ch := m.waiters[b.Req]
		m.waitMu.Unlock()
		if ch != nil {
			select {
			case ch <- res:
			default:
			}
		}
	}
	return nil
}

func (m *controlMember) applyLocked(r cluster.ControlRecord, b controlBody) controlResult {
	switch r.Kind {
	case cluster.KindZone:
		if m.zones == nil {
			return controlResult{err: fmt.Errorf("%w: zones (event detection is off)", errControlUnsupported)}
		}
		if r.Op == cluster.OpDelete {
			return controlResult{err: m.zones.DeleteZone(r.ID)}
		}
		z, err := zoneOf(b.Zone)
		if err != nil {
			return controlResult{err: err}
		}
		if b.Create {
			return controlResult{err: m.zones.CreateZone(z)}
		}
		return controlResult{err: m.zones.PutZone(z)}
	case cluster.KindIncident:
		if r.Op == cluster.OpDelete {
			out, err := m.book.Delete(r.ID, r.Time)
			return controlResult{inc: out, err: err}
		}
		if b.Incident == nil {
			return controlResult{err: fmt.Errorf("%w: no incident", errControlBody)}
		}
		out, err := m.book.PutReplicated(*b.Incident, r.Time, b.Create)
		return controlResult{inc: out, err: err}
	case cluster.KindToken, cluster.KindPartner:
		s := m.sets[r.Kind]
		if s == nil {
			return controlResult{err: fmt.Errorf("%w: %s (no node identity)", errControlUnsupported, r.Kind)}
		}
		var err error
		if r.Op == cluster.OpDelete {
			err = s.DeleteRecord(r.ID)
		} else {
			err = s.PutRecord(b.Record)
		}
		if err == nil || refusal(err) {
			// The record is applied (a refusal changed nothing; a
			// delete of what is gone is done), kept before the follower
			// writes its cursor.
			if r.Op == cluster.OpDelete {
				delete(m.applied[r.Kind], r.ID)
			} else if err == nil {
				if recs, rerr := s.Records(); rerr == nil && recs[r.ID] != nil {
					m.applied[r.Kind][r.ID] = recs[r.ID]
				}
			}
			if werr := m.saveApplied(); werr != nil {
				return controlResult{err: werr} // not a refusal: retried
			}
		}
		return controlResult{err: err}
	}
	return controlResult{err: fmt.Errorf("%w: kind %s", errControlBody, r.Kind)}
}

// loadApplied reads the records last applied; without the file (a node
// new to the cluster, or from before it) none were.
func (m *controlMember) loadApplied() error {
	for k := range m.sets {
		m.applied[k] = map[string][]byte{}
	}
	data, err := os.ReadFile(m.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("server: cluster control: %w", err)
	}
	var f controlFiles
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("%w: %s: %w", errControlFiles, m.path, err)
	}
	if f.Version != controlFilesVersion {
		return fmt.Errorf("%w: %s: version %d, this build reads %d", errControlFiles, m.path, f.Version, controlFilesVersion)
	}
	for k := range m.sets {
		for name, rec := range f.Records[k.String()] {
			m.applied[k][name] = rec
		}
	}
	return nil
}

// saveApplied replaces the file of the records last applied.
func (m *controlMember) saveApplied() error {
	f := controlFiles{Version: controlFilesVersion, Records: map[string]map[string]json.RawMessage{}}
	for k, recs := range m.applied {
		out := map[string]json.RawMessage{}
		for name, rec := range recs {
			out[name] = rec
		}
		f.Records[k.String()] = out
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("server: cluster control: %w", err)
	}
	if err := record.WriteFileAtomic(record.OSFS{}, m.path, data, 0o600); err != nil {
		return fmt.Errorf("server: cluster control: %w", err)
	}
	return nil
}

// refusal reports whether err is the items' refusal of a change (the
// same on every member), rather than a failure to apply it.
func refusal(err error) bool {
	for _, s := range []error{errControlBody, errControlUnsupported,
		event.ErrZoneExists, event.ErrZoneNotFound, event.ErrZoneRefused,
		incident.ErrInvalid, incident.ErrNotFound, incident.ErrConflict, incident.ErrDeleted, incident.ErrForeign, incident.ErrTooLarge,
		httpapi.ErrNoToken, httpapi.ErrTokenRecord, httpapi.ErrTokenName, httpapi.ErrRole,
		identity.ErrCorrupt, identity.ErrNoPartner, identity.ErrPartnerExists, identity.ErrName} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// zoneOf decodes the zone of a control record.
func zoneOf(data []byte) (event.Zone, error) {
	feats, err := geo.ReadGeoJSON(bytes.NewReader(data))
	if err != nil {
		return event.Zone{}, fmt.Errorf("%w: zone: %w", errControlBody, err)
	}
	zs := event.ZonesFromGeoJSON(feats)
	if len(zs) != 1 {
		return event.Zone{}, fmt.Errorf("%w: %d zones in a zone record", errControlBody, len(zs))
	}
	return zs[0], nil
}

// watch compares the token and partner files with what was applied,
// every m.every, and publishes what the commands changed, until ctx
// ends.
func (m *controlMember) watch(ctx context.Context) error {
	t := time.NewTicker(m.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if !m.synced.Load() {
			if !m.follower.Status().CaughtUp {
				continue // the files may be behind the log: not a command's edit
			}
			m.synced.Store(true)
		}
		for _, k := range []cluster.ControlKind{cluster.KindToken, cluster.KindPartner} {
			if ctx.Err() != nil {
				return nil
			}
			if err := m.syncFile(k); err != nil {
				if m.watchErrors.Add(1) == 1 {
					m.logger.Warn("cluster control: publishing a command's edit", "kind", k.String(), "err", err)
				}
			}
		}
	}
}

// syncFile publishes the differences between the file of kind k and
// the records applied, one change at a time, each waited for.
func (m *controlMember) syncFile(k cluster.ControlKind) error {
	s := m.sets[k]
	if s == nil {
		return nil
	}
	m.mu.Lock()
	recs, err := s.Records()
	applied := maps.Clone(m.applied[k]) // apply changes the map
	m.mu.Unlock()
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(recs)) {
		if old, ok := applied[name]; ok && bytes.Equal(old, recs[name]) {
			continue
		}
		if _, err := m.publish(k, cluster.OpPut, name, m.now(), controlBody{Record: recs[name]}); err != nil {
			return err
		}
		m.fromFiles.Add(1)
	}
	for _, name := range slices.Sorted(maps.Keys(applied)) {
		if _, ok := recs[name]; ok {
			continue
		}
		if _, err := m.publish(k, cluster.OpDelete, name, m.now(), controlBody{}); err != nil {
			return err
		}
		m.fromFiles.Add(1)
	}
	return nil
}

// RevokeToken publishes the API's revocation of a token
// (httpapi.TokenControl).
func (m *controlMember) RevokeToken(name string) error {
	res, err := m.publish(cluster.KindToken, cluster.OpDelete, name, m.now(), controlBody{})
	if err != nil {
		return err
	}
	return res.err
}

// controlZones is the API's zone editor in cluster mode: reads from the
// node's zone book, changes through the control log.
type controlZones struct{ m *controlMember }

var (
	_ httpapi.ZoneEditor  = controlZones{}
	_ httpapi.ZoneCreator = controlZones{}
)

func (z controlZones) Zones() []event.Zone            { return z.m.zones.Zones() }
func (z controlZones) PutZone(zn event.Zone) error    { return z.put(zn, false) }
func (z controlZones) CreateZone(zn event.Zone) error { return z.put(zn, true) }

func (z controlZones) put(zn event.Zone, create bool) error {
	data, err := event.MarshalZonesFile([]event.Zone{zn})
	if err != nil {
		return err
	}
	res, err := z.m.publish(cluster.KindZone, cluster.OpPut, zn.Name, z.m.now(), controlBody{Create: create, Zone: data})
	if err != nil {
		return err
	}
	return apiZoneErr(res.err)
}

func (z controlZones) DeleteZone(name string) error {
	res, err := z.m.publish(cluster.KindZone, cluster.OpDelete, name, z.m.now(), controlBody{})
	if err != nil {
		return err
	}
	return apiZoneErr(res.err)
}

// controlIncidents is the API's incident store in cluster mode: reads
// from the node's incident book, changes through the control log. A new
// record's ID is chosen here, so that every member stores it under the
// same one.
type controlIncidents struct {
	*IncidentBook
	m *controlMember
}

var _ httpapi.IncidentStore = controlIncidents{}

func (c controlIncidents) Put(in incident.Incident, now time.Time) (incident.Incident, error) {
	create := in.ID == ""
	if create {
		if err := in.Validate(); err != nil { // refused here, before the log
			return incident.Incident{}, err
		}
		in.ID = incident.NewID()
	}
	res, err := c.m.publish(cluster.KindIncident, cluster.OpPut, in.ID, now, controlBody{Create: create, Incident: &in})
	if err != nil {
		return incident.Incident{}, err
	}
	return res.inc, res.err
}

func (c controlIncidents) Delete(id string, now time.Time) (incident.Incident, error) {
	res, err := c.m.publish(cluster.KindIncident, cluster.OpDelete, id, now, controlBody{})
	if err != nil {
		return incident.Incident{}, err
	}
	return res.inc, res.err
}

// collector exposes the member's own counters; the control follower
// and publisher are in the cluster's collector (stream
// TIDEWATCH_CONTROL), see addTo.
func (m *controlMember) collector() prometheus.Collector { return controlCollector{m} }

// addTo adds the control follower and publisher to the cluster's
// collector.
func (m *controlMember) addTo(c *cluster.Collector) {
	c.Followers = append(c.Followers, m.follower)
	c.Control = m.log
}

type controlCollector struct{ m *controlMember }

var (
	mCtlRefused   = prometheus.NewDesc("tidewatch_cluster_control_refused_total", "Control log changes the items refused when applied (the same on every member: a zone that exists, an incident edited since).", nil, nil)
	mCtlFromFiles = prometheus.NewDesc("tidewatch_cluster_control_file_edits_total", "Changes published for edits of the token or partner command.", nil, nil)
	mCtlWatchErr  = prometheus.NewDesc("tidewatch_cluster_control_file_errors_total", "Comparisons of the token or partner file that failed to publish.", nil, nil)
	mCtlMarkers   = prometheus.NewDesc("tidewatch_cluster_zone_markers_published_total", "Zones markers this member published to the ingest log after a zone change (result: published, or replaced by a newer one before it was).", []string{"result"}, nil)
)

func (c controlCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mCtlRefused, mCtlFromFiles, mCtlWatchErr, mCtlMarkers} {
		ch <- d
	}
}

func (c controlCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(mCtlRefused, prometheus.CounterValue, float64(c.m.refused.Load()))
	ch <- prometheus.MustNewConstMetric(mCtlFromFiles, prometheus.CounterValue, float64(c.m.fromFiles.Load()))
	ch <- prometheus.MustNewConstMetric(mCtlWatchErr, prometheus.CounterValue, float64(c.m.watchErrors.Load()))
	if p := c.m.markers; p != nil {
		ch <- prometheus.MustNewConstMetric(mCtlMarkers, prometheus.CounterValue, float64(p.published.Load()), "published")
		ch <- prometheus.MustNewConstMetric(mCtlMarkers, prometheus.CounterValue, float64(p.replaced.Load()), "replaced")
	}
}
