package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/relay"
	"github.com/tidewatch/tidewatch/internal/share"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// RelayOutput configures the node's NMEA relay (package relay): the raw
// AIS lines of every AIS input (tcp-server, tcp-client, udp, replay)
// passed on to TCP clients (OpenCPN, aggregators) and a UDP destination.
type RelayOutput struct {
	// Listen is the TCP address relay clients connect to, e.g.
	// ":10110"; UDP a host:port every line is sent to as a datagram.
	// Neither: no relay.
	Listen string `json:"listen,omitempty"`
	UDP    string `json:"udp,omitempty"`
	// GPSD is the TCP address of the gpsd-style JSON port (gpsd's client
	// protocol: each AIS message as "class":"AIS" to clients that send
	// ?WATCH), e.g. ":2947"; empty: none. The filters below apply to it
	// as to the NMEA relay.
	GPSD string `json:"gpsd,omitempty"`
	// BBox keeps only vessels whose last position is in [west, south,
	// east, north].
	BBox []float64 `json:"bbox,omitempty"`
	// Sources keeps only lines of these inputs (their names).
	Sources []string `json:"sources,omitempty"`
	// Tags is "keep" (default: tag blocks as received), "add" (s: the
	// input's name and c: the arrival time added when missing) or
	// "strip".
	Tags string `json:"tags,omitempty"`
	// Partner, when set, names a partner of the sharing policy: a raw
	// line cannot be rounded or delayed, so only vessels whose current
	// position and static data that partner would receive unchanged and
	// at once are relayed (a vessel not yet in the picture is held
	// back), and a partner with a delay is refused.
	Partner string `json:"partner,omitempty"`
	// MaxConns bounds the clients (default 16); Queue the lines waiting
	// for one client (default 4096: a client that falls further behind is
	// disconnected).
	MaxConns int `json:"max_conns,omitempty"`
	Queue    int `json:"queue,omitempty"`
}

// Enabled reports whether a relay is configured.
func (o RelayOutput) Enabled() bool { return o.Listen != "" || o.UDP != "" || o.GPSD != "" }

// relayQueue bounds the lines waiting between the inputs and the relay
// (overflow: dropped and counted in relayFeed.dropped).
const relayQueue = 1 << 14

// relayFeed takes the inputs' raw lines (InputOptions.Lines) into a
// bounded queue without ever blocking them, and publishes them to the
// relays on its own goroutine.
type relayFeed struct {
	r       *relay.Relay // the NMEA relay; nil with only a gpsd port
	g       *relay.Relay // the gpsd JSON port; nil without
	q       chan relayLine
	dropped atomic.Uint64
}

type relayLine struct {
	source string
	line   []byte
}

// offer copies a line into the queue, or drops and counts it when the
// queue is full. It never blocks.
func (f *relayFeed) offer(source string, line []byte) {
	select {
	case f.q <- relayLine{source: source, line: bytes.Clone(line)}:
	default:
		f.dropped.Add(1)
	}
}

// Run serves the relay's clients and publishes the queued lines until
// ctx ends.
func (f *relayFeed) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	var err, gerr error
	if f.r != nil {
		wg.Go(func() { err = f.r.Run(ctx) })
	}
	if f.g != nil {
		wg.Go(func() { gerr = f.g.Run(ctx) })
	}
	for {
		select {
		case l := <-f.q:
			if f.r != nil {
				f.r.Publish(l.source, l.line)
			}
			if f.g != nil {
				f.g.Publish(l.source, l.line)
			}
		case <-ctx.Done():
			wg.Wait()
			return errors.Join(err, gerr)
		}
	}
}

// openRelay makes the configured relay; the inputs hand their lines to
// it (buildInputs).
func (n *Node) openRelay() error {
	o := n.cfg.Relay
	if !o.Enabled() {
		return nil
	}
	cfg := relay.Config{Listen: o.Listen, UDP: o.UDP, Sources: o.Sources, MaxConns: o.MaxConns, Queue: o.Queue, Logger: n.log, Now: n.now}
	var err error
	if cfg.Tags, err = relay.ParseTagMode(o.Tags); err != nil {
		return fmt.Errorf("%w: %v", ErrConfig, err)
	}
	switch len(o.BBox) {
	case 0:
	case 4:
		cfg.BBox = relay.BBox{Has: true, West: o.BBox[0], South: o.BBox[1], East: o.BBox[2], North: o.BBox[3]}
	default:
		return fmt.Errorf("%w: relay bbox: want west, south, east, north", ErrConfig)
	}
	if o.Partner != "" {
		pol, _, err := openPolicy(n.cfg)
		if err != nil {
			return err
		}
		if pol == nil {
			return fmt.Errorf("%w: the relay names partner %q but there is no sharing policy", ErrConfig, o.Partner)
		}
		pt := pol.Partner(o.Partner)
		if pt == nil {
			return fmt.Errorf("%w: relay: partner %q is not in the sharing policy", ErrConfig, o.Partner)
		}
		if pt.Delay() > 0 {
			return fmt.Errorf("%w: relay: partner %q gets positions delayed, which raw lines cannot be", ErrConfig, o.Partner)
		}
		cfg.Allow = relayAllow(pt, n.core.Picture, n.name)
	}
	feed := &relayFeed{q: make(chan relayLine, relayQueue)}
	if o.Listen != "" || o.UDP != "" {
		r, err := relay.New(cfg)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
		feed.r = r
		n.log.Info("NMEA relay", "tcp", addrString(r), "udp", o.UDP, "tags", cfg.Tags.String())
	}
	if o.GPSD != "" {
		gcfg := cfg
		gcfg.Listen, gcfg.UDP, gcfg.Tags, gcfg.Format = o.GPSD, "", relay.TagsKeep, relay.FormatGPSD
		g, err := relay.New(gcfg)
		if err != nil {
			if feed.r != nil {
				feed.r.Close()
			}
			return fmt.Errorf("%w: %v", ErrConfig, err)
		}
		feed.g = g
		n.log.Info("gpsd JSON relay", "tcp", addrString(g))
	}
	n.relay = feed
	return nil
}

func addrString(r *relay.Relay) string {
	if a := r.Addr(); a != nil {
		return a.String()
	}
	return ""
}

// relayLines is the inputs' InputOptions.Lines: nil without a relay.
func (n *Node) relayLines() func(string, []byte) {
	if n.relay == nil {
		return nil
	}
	return n.relay.offer
}

// RelayAddr is the NMEA relay's TCP address, "" without one.
func (n *Node) RelayAddr() string {
	if n.relay == nil || n.relay.r == nil {
		return ""
	}
	return addrString(n.relay.r)
}

// GPSDAddr is the gpsd JSON port's TCP address, "" without one.
func (n *Node) GPSDAddr() string {
	if n.relay == nil || n.relay.g == nil {
		return ""
	}
	return addrString(n.relay.g)
}

// relayAllow is the relay's release policy for a partner: a vessel is
// relayed when the picture holds it, its position is the node's own (not
// a partner's), and the partner would receive its current position and
// static data unchanged (not rounded, not withheld, not delayed).
func relayAllow(pt *policy.Partner, pic *fusion.Picture, node string) func(vessel.MMSI) bool {
	return func(m vessel.MMSI) bool {
		st, ok := pic.Vessel(m)
		if !ok || !st.Located {
			return false
		}
		p := st.Position
		if _, partner := share.OriginOf(p.Source); partner {
			return false
		}
		v := policy.Vessel{MMSI: m}
		if st.HasFlag {
			v.Flag = st.Flag.Code
		}
		if st.Static.Has&vessel.HasShipType != 0 {
			v.ShipType = int(st.Static.ShipType)
		}
		out, notBefore, d := pt.Position(p, v, node, 0)
		if !d.Allow || notBefore > p.Time || out.Lat != p.Lat || out.Lon != p.Lon {
			return false
		}
		sv := st.Static
		sv.MMSI = m // a vessel with no static data yet
		s, d := pt.Static(sv, v, node, 0)
		sv.Source = "" // the copy to send never carries it
		return d.Allow && s == sv
	}
}
