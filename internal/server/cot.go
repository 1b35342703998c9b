package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
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
// explains, as "a-u-S"; see offerContact); to a partner, only the
// contacts its policy's share.contacts allows (policy.Partner.Contact).
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
	// never sent on; contacts by its share.contacts rule, rounded, with
	// the sensor's name replaced by a pseudonym). Empty: everything in
	// the picture is sent.
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
			if sub.pt = pol.Partner(o.Partner); !sub.pt.Known() {
				return fmt.Errorf("%w: cot output to %s: partner %q is not in the sharing policy", ErrConfig, o.Address, o.Partner)
			}
		}
		n.core.Fanout.Subscribe("cot "+o.Address, sub, SubscribeOptions{})
		cs := &cotContacts{s: s, pt: sub.pt, node: n.name, now: n.now}
		if sub.pt != nil {
			cs.key = make([]byte, 32)
			rand.Read(cs.key) // never fails (crypto/rand)
		}
		n.contacts.AddSink(cs.offer)
		n.cot = append(n.cot, s)
	}
	return nil
}

// cotContacts offers the contact tracker's dark contacts to a CoT
// sender, through a partner's policy when one is named.
type cotContacts struct {
	s    *cot.Sender
	pt   *policy.Partner // nil: every dark contact may leave
	key  []byte          // with pt: the key of the sensors' pseudonyms
	node string
	now  func() time.Time
}

// offer sends a dark contact as CoT ("a-u-S", package cot): one that no
// AIS vessel explains (an associated one is the vessel, sent from the
// picture), that is not a doubtful satellite detection, and, for radar,
// whose track is confirmed (an unconfirmed one may be clutter). To a
// partner it sends the policy's copy (Partner.Contact: its sensor and
// area rules, rounded, nothing that names or locates our sensor), once
// any delay has passed (contacts are not held: a delayed one is not
// sent), named by the sensor kind and a pseudonym of its sensor and
// target made by this output (an HMAC with a key made at start), so that
// the tracks of two radars keep apart on the TAK side without naming the
// radars or the satellite scenes: uid
// "tidewatch-contact-radar-0123456789abcdef".
func (c *cotContacts) offer(ct *contact.Contact) {
	if ct.MMSI != 0 || ct.Doubtful || (ct.Sensor == vessel.SensorRadar && !ct.Confirmed) {
		return
	}
	d := ct.Detection
	if c.pt != nil {
		out, notBefore, dec := c.pt.Contact(d, "", 0)
		if !dec.Allow || notBefore > vessel.TimeOf(c.now()) {
			c.s.Withhold()
			return
		}
		m := hmac.New(sha256.New, c.key)
		m.Write([]byte(d.Source))
		m.Write([]byte{0})
		m.Write([]byte(d.Target))
		out.Source, out.Target = d.Sensor.String(), hex.EncodeToString(m.Sum(nil)[:8])
		d = out
	}
	c.s.OfferContact(d)
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
