package server

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/cot"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/share"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// CoTOutput is one Cursor on Target output of the live picture (package
// cot): every vessel whose position or static data changes is sent, at
// most once per MinInterval, and so are the contact tracker's dark
// contacts (radar tracks and satellite detections no AIS vessel
// explains, as "a-u-S"; see offerContact), except to a partner: the
// sharing policy has no rule for contacts, so none leaves under one.
type CoTOutput struct {
	// Network is "udp" (unicast or multicast, e.g. 239.2.3.1:6969) or
	// "tcp" (a TAK server's CoT input, e.g. takserver:8087).
	Network string `json:"network"`
	Address string `json:"address"`
	// MinInterval is the least time between two events of a vessel
	// (default "5s"); TTL how long after its report an event goes stale
	// (default "10m").
	MinInterval string `json:"min_interval,omitempty"`
	TTL         string `json:"ttl,omitempty"`
	// BBox keeps only vessels in [west, south, east, north].
	BBox []float64 `json:"bbox,omitempty"`
	// Categories keeps only vessels of these categories ("cargo",
	// "tanker", ...; see tidewatch vessels --type).
	Categories []string `json:"categories,omitempty"`
	// Partner, when set, names a partner of the sharing policy: only what
	// that partner would receive leaves (positions it would delay are not
	// sent, static data it would withhold is left out, partners' data is
	// never sent on). Empty: everything in the picture is sent.
	Partner string `json:"partner,omitempty"`
	// Queue bounds the events waiting to be written (default 1024; the
	// oldest is dropped when full).
	Queue int `json:"queue,omitempty"`
}

// cotSender opens the sender of one CoT output.
func cotSender(o CoTOutput, log *slog.Logger, now func() time.Time) (*cot.Sender, error) {
	cfg := cot.Config{Network: o.Network, Address: o.Address, Queue: o.Queue, Logger: log, Now: now}
	var err error
	if cfg.MinInterval, err = durationOf("cot min_interval", o.MinInterval); err != nil {
		return nil, err
	}
	if cfg.TTL, err = durationOf("cot ttl", o.TTL); err != nil {
		return nil, err
	}
	switch len(o.BBox) {
	case 0:
	case 4:
		cfg.BBox = cot.BBox{Has: true, West: o.BBox[0], South: o.BBox[1], East: o.BBox[2], North: o.BBox[3]}
	default:
		return nil, fmt.Errorf("%w: cot bbox: want west, south, east, north", ErrConfig)
	}
	for _, name := range o.Categories {
		c, ok := vessel.ParseCategory(name)
		if !ok {
			return nil, fmt.Errorf("%w: cot category %q", ErrConfig, name)
		}
		cfg.Categories = append(cfg.Categories, c)
	}
	s, err := cot.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return s, nil
}

// openCoT makes the configured CoT outputs and subscribes them to the
// fan-out; their senders run as components.
func (n *Node) openCoT() error {
	var pol *policy.Policy
	for _, o := range n.cfg.CoT {
		s, err := cotSender(o, n.log, n.now)
		if err != nil {
			return err
		}
		sub := &cotSub{s: s, pic: n.core.Picture, node: n.name, now: n.now}
		if o.Partner != "" {
			if pol == nil {
				if pol, _, err = openPolicy(n.cfg); err != nil {
					return err
				}
				if pol == nil {
					return fmt.Errorf("%w: cot output to %s names partner %q but there is no sharing policy", ErrConfig, o.Address, o.Partner)
				}
			}
			if sub.pt = pol.Partner(o.Partner); sub.pt == nil {
				return fmt.Errorf("%w: cot output to %s: partner %q is not in the sharing policy", ErrConfig, o.Address, o.Partner)
			}
		}
		n.core.Fanout.Subscribe("cot "+o.Address, sub, SubscribeOptions{})
		if sub.pt == nil {
			n.contacts.AddSink(func(c *contact.Contact) { offerContact(s, c) })
		}
		n.cot = append(n.cot, s)
	}
	return nil
}

// offerContact sends a dark contact as CoT ("a-u-S", package cot): one
// that no AIS vessel explains (an associated one is the vessel, sent
// from the picture), that is not a doubtful satellite detection, and,
// for radar, whose track is confirmed (an unconfirmed one may be
// clutter).
func offerContact(s *cot.Sender, c *contact.Contact) {
	if c.MMSI != 0 || c.Doubtful || (c.Sensor == vessel.SensorRadar && !c.Confirmed) {
		return
	}
	s.OfferContact(c.Detection)
}

// cotSub offers the vessels the picture moved to a CoT sender, through a
// partner's policy when one is named. Offering never blocks (the sender
// queues with drop-oldest), so it is delivered inline.
type cotSub struct {
	s    *cot.Sender
	pic  *fusion.Picture
	pt   *policy.Partner // nil: everything may leave
	node string
	now  func() time.Time
}

func (c *cotSub) Result(o *vessel.Observation, r *fusion.Result) {
	switch r.Outcome {
	case fusion.Stored:
		if r.Position.Flags&vessel.Bad != 0 || r.Position.Flags&vessel.FlagLate != 0 {
			return
		}
	case fusion.Static:
	default:
		return
	}
	st, ok := c.pic.Vessel(r.MMSI)
	if !ok || !st.Located {
		return
	}
	p, static := st.Position, st.Static
	if c.pt != nil {
		if _, partner := share.OriginOf(p.Source); partner {
			return
		}
		v := policy.Vessel{MMSI: st.MMSI}
		if st.HasFlag {
			v.Flag = st.Flag.Code
		}
		if static.Has&vessel.HasShipType != 0 {
			v.ShipType = int(static.ShipType)
		}
		out, notBefore, d := c.pt.Position(p, v, c.node, 0)
		if !d.Allow || notBefore > vessel.TimeOf(c.now()) {
			return
		}
		if s, d := c.pt.Static(static, v, c.node, 0); d.Allow {
			static = s
		} else {
			static = vessel.Static{MMSI: st.MMSI}
		}
		p = out
	}
	c.s.OfferVessel(p, static)
}

func (c *cotSub) Events([]event.Event) {}
func (c *cotSub) Commit()              {}
