package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/identity"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/share"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// nodeLocal is what the sharing component sees of the node: the picture
// for the policy's vessel rules, and the paths by which partners' items
// come in (the pipeline for positions and static data, the event log,
// the incident store).
type nodeLocal struct {
	db        *store.DB
	pic       *fusion.Picture
	pipe      *Pipeline
	events    *event.Log // nil when detection is off
	incidents *incident.Store
	hub       *httpapi.Hub
}

func (l *nodeLocal) Vessel(m vessel.MMSI) policy.Vessel {
	v := policy.Vessel{MMSI: m}
	if c, ok := m.Flag(); ok {
		v.Flag = c.Code
	}
	if s, ok := l.pic.Vessel(m); ok && s.Static.Has&vessel.HasShipType != 0 {
		v.ShipType = int(s.Static.ShipType)
	}
	return v
}

// Holds reports whether the node already holds an item a link hands
// over again after a crash: the same position from the same origin at the
// same time and place, an event or incident version at least as new.
// Static data is applied again (merging is idempotent).
func (l *nodeLocal) Holds(e *share.Envelope) bool {
	switch e.Kind {
	case share.KindPosition:
		p := &e.Position
		ps, err := l.db.Track(p.MMSI, p.Time, p.Time, true)
		if err != nil {
			return false
		}
		for _, q := range ps {
			if q.Time == p.Time && q.Source == share.SourcePrefix+e.Origin && math.Abs(q.Lat-p.Lat) < 2e-6 && math.Abs(q.Lon-p.Lon) < 2e-6 {
				return true
			}
		}
	case share.KindEvent:
		if l.events != nil {
			v, ok := l.events.Version(e.Event.ID)
			return ok && v >= e.Event.Version
		}
	case share.KindIncident:
		if l.incidents != nil {
			in, ok := l.incidents.Get(e.Incident.ID)
			return ok && in.Version >= e.Incident.Version
		}
	}
	return false
}

// Receive applies a partner's items durably: positions and static data
// through the pipeline (committed before it returns), events into the
// event log (synced), incidents into the incident store.
func (l *nodeLocal) Receive(ctx context.Context, from string, items []share.Envelope) error {
	var obs []vessel.Observation
	var evs []event.Event
	var errs []error
	for i := range items {
		e := &items[i]
		src := share.SourcePrefix + e.Origin
		switch e.Kind {
		case share.KindPosition:
			p := e.Position
			p.Source = src
			obs = append(obs, vessel.Observation{Kind: vessel.KindPosition, Position: p, TimeSource: vessel.TimeTagBlock})
		case share.KindStatic:
			s := e.Static
			s.Source = src
			obs = append(obs, vessel.Observation{Kind: vessel.KindStatic, Static: s, TimeSource: vessel.TimeTagBlock})
		case share.KindEvent:
			evs = append(evs, e.Event)
		case share.KindIncident:
			if l.incidents == nil {
				continue
			}
			if _, err := l.incidents.Receive(e.Incident); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(obs) > 0 {
		if err := l.pipe.Apply(ctx, obs); err != nil {
			errs = append(errs, err)
		}
	}
	if len(evs) > 0 && l.events != nil {
		if err := l.events.Add(evs); err != nil {
			errs = append(errs, err)
		} else if err := l.events.Sync(); err != nil {
			errs = append(errs, err)
		}
		for i := range evs {
			ev := evs[i]
			l.hub.Publish(httpapi.Update{Event: &ev})
		}
	}
	return errors.Join(errs...)
}

// openPolicy loads the sharing policy: the configured file, else
// DATA/policy.json if it exists, else none (share nothing, accept
// nothing).
func openPolicy(cfg Config) (*policy.Policy, string, error) {
	path := cfg.Share.Policy
	if path == "" {
		path = filepath.Join(cfg.Data, "policy.json")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, "", nil
		}
	}
	p, err := policy.Load(path)
	if err != nil {
		return nil, path, fmt.Errorf("%w: share policy: %w", ErrConfig, err)
	}
	return p, path, nil
}

// offerLocal offers what the picture just stored to the partners: good
// positions and static updates of this node's own sources. Partners'
// items are relayed (or not) by the sharing component when they arrive,
// never from here.
func offerLocal(s *share.Sharer, o *vessel.Observation, r *fusion.Result) {
	switch r.Outcome {
	case fusion.Stored:
		if r.Position.Flags&vessel.Bad != 0 {
			return
		}
		if _, partner := share.OriginOf(r.Position.Source); partner {
			return
		}
		s.Offer(share.Envelope{Kind: share.KindPosition, Position: r.Position})
	case fusion.Static:
		if o.Kind != vessel.KindStatic {
			return
		}
		if _, partner := share.OriginOf(o.Static.Source); partner {
			return
		}
		s.Offer(share.Envelope{Kind: share.KindStatic, Static: o.Static})
	}
}

// openShare opens the sharing component when the data directory holds a
// node identity and sharing is not switched off; nil otherwise.
func openShare(cfg Config, node *identity.Node, log *slog.Logger, now func() time.Time, local share.Local) (*share.Sharer, error) {
	if cfg.Share.Off {
		return nil, nil
	}
	if node == nil {
		if cfg.Share.Listen != "" {
			return nil, fmt.Errorf("%w: share listen is set but %s holds no node identity (run: tidewatch node init --data %s --name NAME)",
				ErrConfig, filepath.Join(cfg.Data, "node"), cfg.Data)
		}
		log.Info("not sharing: no node identity (tidewatch node init makes one)")
		return nil, nil
	}
	pol, path, err := openPolicy(cfg)
	if err != nil {
		return nil, err
	}
	if pol != nil && pol.Node() != node.Name() {
		return nil, fmt.Errorf("%w: share policy %s is written for node %q, but this node is %q", ErrConfig, path, pol.Node(), node.Name())
	}
	if pol == nil {
		log.Warn("sharing policy: none, so nothing is shared and nothing accepted", "want", filepath.Join(cfg.Data, "policy.json"))
	}
	retry := time.Minute
	if cfg.Share.RetryMax != "" {
		if retry, err = vessel.ParseDuration(cfg.Share.RetryMax); err != nil || retry <= 0 {
			return nil, fmt.Errorf("%w: share retry_max %q: want a duration such as 1m", ErrConfig, cfg.Share.RetryMax)
		}
	}
	if path == "" {
		path = filepath.Join(cfg.Data, "policy.json") // picked up when it appears
	}
	s, err := share.Open(share.Config{Node: node, Policy: pol, PolicyPath: path, Dir: filepath.Join(cfg.Data, "share"), Listen: cfg.Share.Listen,
		Local: local, Now: now, Logger: log.With("component", "share"), MinBackoff: min(100*time.Millisecond, retry), MaxBackoff: retry})
	if err != nil {
		return nil, err
	}
	log.Info("sharing", "node", node.Name(), "partners", s.Partners(), "policy", path, "link", s.Addr())
	return s, nil
}

// openIdentity opens the node's identity (DATA/node), nil when it has
// none. The name it gives the node is the identity's, else "LOCAL" (the
// origin of the incidents of a node that does not share).
func openIdentity(data string, now func() time.Time) (*identity.Node, string, error) {
	node, err := identity.Open(filepath.Join(data, "node"), now)
	switch {
	case errors.Is(err, identity.ErrNoIdentity):
		return nil, "LOCAL", nil
	case err != nil:
		return nil, "", err
	}
	return node, node.Name(), nil
}

// partnerWeights gives fusion the weight of a partner's reports from the
// sharing policy (fusion.Config.SourceWeight). The picture is made before
// the sharer, which needs the pipeline; the sharer is set here once it is
// open, before any partner's report can arrive.
type partnerWeights struct{ s atomic.Pointer[share.Sharer] }

func (w *partnerWeights) weight(source string) float64 {
	if origin, partner := share.OriginOf(source); partner {
		if s := w.s.Load(); s != nil {
			return s.Weight(origin)
		}
	}
	return 1
}

// shareSub is sharing's subscription to the fan-out: this node's own
// reports and events are offered to the partners (their policies decide),
// and the outboxes are synced at each commit.
type shareSub struct {
	s   *share.Sharer
	log *slog.Logger
}

func (s *shareSub) Result(o *vessel.Observation, r *fusion.Result) { offerLocal(s.s, o, r) }

func (s *shareSub) Events(evs []event.Event) {
	for _, ev := range evs {
		s.s.Offer(share.Envelope{Kind: share.KindEvent, Event: ev})
	}
}

func (s *shareSub) Commit() {
	if err := s.s.Commit(); err != nil {
		s.log.Error("sharing", "err", err)
	}
}

// openSharing opens the node's identity, its incidents and, when the node
// shares, the sharing component (its link listener bound).
func (n *Node) openSharing() error {
	node, name, err := openIdentity(n.cfg.Data, n.now)
	if err != nil && n.cfg.Share.Off {
		// Not sharing: an unusable identity (an expired certificate, say)
		// does not stop the node.
		n.log.Warn("node identity unusable; running without it", "err", err)
		node, name, err = nil, "LOCAL", nil
	}
	if err != nil {
		return err
	}
	n.name, n.ident = name, node
	if n.incidents, err = incident.Open(filepath.Join(n.cfg.Data, "incidents.log"), incident.Options{Node: name, Logger: n.log}); err != nil {
		return err
	}
	n.onClose(n.incidents.Close)
	local := &nodeLocal{db: n.db, pic: n.core.Picture, pipe: n.pipe, incidents: n.incidents, hub: n.hub}
	if n.events != nil {
		local.events = n.events.log
	}
	if n.sharer, err = openShare(n.cfg, node, n.log, n.now, local); err != nil {
		return err
	}
	n.book = &IncidentBook{store: n.incidents, sharer: n.sharer, log: n.log}
	if n.opt.Incidents != nil {
		n.opt.Incidents(n.book)
	}
	if n.sharer == nil {
		return nil
	}
	n.weights.s.Store(n.sharer)
	n.onClose(n.sharer.Close)
	if n.opt.Sharing != nil {
		n.opt.Sharing(n.sharer)
	}
	return nil
}
