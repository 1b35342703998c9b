package cot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// ErrConfig reports an invalid sender configuration.
var ErrConfig = errors.New("cot: invalid configuration")

// Config configures a Sender. The zero value of each optional field is
// documented beside it.
type Config struct {
	// Network is "udp" (one event per datagram, to a unicast or multicast
	// address such as the SA default 239.2.3.1:6969) or "tcp" (a stream
	// of events to a TAK server's CoT input, e.g. host:8087).
	Network string
	Address string
	// MinInterval is the least time between two events of one track
	// (default 5s); reports in between are dropped and counted.
	MinInterval time.Duration
	// TTL is how long after its report an event goes stale (default
	// 10m). Reports already stale when offered are not sent.
	TTL time.Duration
	// BBox, when Has is true, keeps only tracks inside it.
	BBox BBox
	// Categories, when not empty, keeps only vessels of these categories
	// (contacts are kept when it holds vessel.CategoryUnknown).
	Categories []vessel.Category
	// Allow, when not nil, is the release policy: a vessel it refuses is
	// never sent. The node sets it from the partner policy the
	// configuration names; without one everything may leave.
	Allow func(vessel.MMSI) bool
	// Queue bounds the events waiting to be written (default 1024); when
	// full the oldest is dropped and counted.
	Queue int
	// RetryMax bounds the back-off between TCP reconnections (default
	// 30s; the waits start at 100ms and double).
	RetryMax time.Duration
	// Logger gets connection failures, at most one line per back-off
	// step; nil discards.
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// BBox is a longitude/latitude box; Has tells whether it is set.
type BBox struct {
	Has                      bool
	West, South, East, North float64
}

// Contains reports whether the point is inside b (b crossing the
// antimeridian when West > East).
func (b BBox) Contains(lat, lon float64) bool {
	if !b.Has {
		return true
	}
	if lat < b.South || lat > b.North {
		return false
	}
	if b.West <= b.East {
		return lon >= b.West && lon <= b.East
	}
	return lon >= b.West || lon <= b.East
}

// Stats are a Sender's counters.
type Stats struct {
	Sent        uint64 // events written
	Dropped     uint64 // dropped from a full queue (oldest first)
	RateLimited uint64 // within MinInterval of the track's last event
	Filtered    uint64 // outside the box or categories, or stale
	Withheld    uint64 // refused by the release policy
	Invalid     uint64 // not encodable (position out of range)
	WriteErrors uint64 // failed writes and dials
	Reconnects  uint64 // connections made after the first (a TCP server lost and found again)
	Connected   bool   // a connection is open now
}

// Sender sends the picture as CoT events to one UDP or TCP destination.
// Offer is synchronous, cheap and never blocks (it filters, rate-limits,
// encodes and queues); Run owns the connection. Offer and Stats are safe
// for concurrent use.
type Sender struct {
	cfg Config
	log *slog.Logger

	mu    sync.Mutex
	last  map[string]time.Time // uid -> time of its last queued event
	queue [][]byte             // ring of encoded events
	head  int
	n     int
	wake  chan struct{}
	prune time.Time

	sent, dropped, rate, filtered, withheld, invalid, werr, connects atomic.Uint64
	connected                                                        atomic.Bool
}

// New checks cfg and returns a Sender.
func New(cfg Config) (*Sender, error) {
	if cfg.Network != "udp" && cfg.Network != "tcp" {
		return nil, fmt.Errorf("%w: network %q (udp or tcp)", ErrConfig, cfg.Network)
	}
	if cfg.Address == "" {
		return nil, fmt.Errorf("%w: no address", ErrConfig)
	}
	if cfg.MinInterval == 0 {
		cfg.MinInterval = 5 * time.Second
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 10 * time.Minute
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 1024
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{cfg: cfg, log: log.With("component", "cot", "address", cfg.Address),
		last: map[string]time.Time{}, queue: make([][]byte, cfg.Queue), wake: make(chan struct{}, 1)}, nil
}

// Stats returns the counters.
func (s *Sender) Stats() Stats {
	return Stats{Sent: s.sent.Load(), Dropped: s.dropped.Load(), RateLimited: s.rate.Load(),
		Filtered: s.filtered.Load(), Withheld: s.withheld.Load(), Invalid: s.invalid.Load(), WriteErrors: s.werr.Load(),
		Reconnects: max(s.connects.Load(), 1) - 1, Connected: s.connected.Load()}
}

// OfferVessel offers a vessel's latest position and static data.
func (s *Sender) OfferVessel(p vessel.Position, st vessel.Static) {
	if s.cfg.Allow != nil && !s.cfg.Allow(p.MMSI) {
		s.withheld.Add(1)
		return
	}
	if len(s.cfg.Categories) > 0 && !slices.Contains(s.cfg.Categories, vessel.ShipCategory(st.ShipType)) {
		s.filtered.Add(1)
		return
	}
	now := s.cfg.Now()
	ev, err := Vessel(p, st, now, s.cfg.TTL)
	s.offer(ev, err, now)
}

// Withhold counts an item the caller's release policy kept back (a
// contact the partner's policy refuses) in Stats.Withheld.
func (s *Sender) Withhold() { s.withheld.Add(1) }

// OfferContact offers a radar or satellite contact with no AIS identity.
func (s *Sender) OfferContact(d vessel.Detection) {
	if len(s.cfg.Categories) > 0 && !slices.Contains(s.cfg.Categories, vessel.CategoryUnknown) {
		s.filtered.Add(1)
		return
	}
	now := s.cfg.Now()
	ev, err := Contact(d, now, s.cfg.TTL)
	s.offer(ev, err, now)
}

func (s *Sender) offer(ev Event, err error, now time.Time) {
	if err != nil {
		s.invalid.Add(1)
		return
	}
	if !s.cfg.BBox.Contains(ev.Lat, ev.Lon) || !ev.Stale.After(now) {
		s.filtered.Add(1)
		return
	}
	b := Append(nil, &ev)
	s.mu.Lock()
	if t, ok := s.last[ev.UID]; ok && s.cfg.MinInterval > 0 && now.Sub(t) < s.cfg.MinInterval && !now.Before(t) {
		s.mu.Unlock()
		s.rate.Add(1)
		return
	}
	s.last[ev.UID] = now
	if now.Sub(s.prune) > s.cfg.MinInterval*10 { // forget tracks long quiet so the map stays bounded by the live picture
		for k, t := range s.last {
			if now.Sub(t) > s.cfg.MinInterval {
				delete(s.last, k)
			}
		}
		s.prune = now
	}
	if s.n == len(s.queue) {
		s.queue[s.head] = nil
		s.head = (s.head + 1) % len(s.queue)
		s.n--
		s.dropped.Add(1)
	}
	s.queue[(s.head+s.n)%len(s.queue)] = b
	s.n++
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// next takes the oldest queued event, nil when none.
func (s *Sender) next() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == 0 {
		return nil
	}
	b := s.queue[s.head]
	s.queue[s.head] = nil
	s.head = (s.head + 1) % len(s.queue)
	s.n--
	return b
}

// Run connects and writes queued events until ctx is done, reconnecting
// with back-off after a failure. It returns nil when ctx is done.
func (s *Sender) Run(ctx context.Context) error {
	wait := 100 * time.Millisecond
	var d net.Dialer
	for ctx.Err() == nil {
		conn, err := d.DialContext(ctx, s.cfg.Network, s.cfg.Address)
		if err == nil {
			wait = 100 * time.Millisecond
			s.connects.Add(1)
			s.connected.Store(true)
			err = s.write(ctx, conn)
			s.connected.Store(false)
			conn.Close()
		}
		if ctx.Err() != nil {
			break
		}
		s.werr.Add(1)
		s.log.Warn("cot output failed; retrying", "err", err, "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		wait = min(wait*2, s.cfg.RetryMax)
	}
	return nil
}

// write writes queued events to conn until ctx is done or a write fails
// (the failed event is lost and counted).
func (s *Sender) write(ctx context.Context, conn net.Conn) error {
	stop := context.AfterFunc(ctx, func() { conn.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		b := s.next()
		if b == nil {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-s.wake:
				continue
			}
		}
		conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write(b); err != nil {
			return fmt.Errorf("cot: write %s: %w", s.cfg.Address, err)
		}
		s.sent.Add(1)
	}
}
