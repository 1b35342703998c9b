package relay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/nmea"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// ErrConfig reports an invalid relay configuration.
var ErrConfig = errors.New("relay: invalid configuration")

// Config configures a Relay. The zero value of each optional field is
// documented beside it.
type Config struct {
	// Listen is the TCP address clients connect to, e.g. ":10110";
	// empty: no TCP server.
	Listen string
	// UDP is a host:port to send every relayed line to as a datagram;
	// empty: none.
	UDP string
	// MaxConns bounds the connected clients (default 16); more are
	// refused and counted.
	MaxConns int
	// Queue bounds the lines waiting for one client (default 4096); a
	// client whose queue is full is too slow and is disconnected, and
	// counted.
	Queue int
	// Tags says what happens to NMEA 4.10 tag blocks (\s:…,c:…*hh\):
	// kept as received (TagsKeep, the default), completed with the
	// receiver (s:) and time (c:) when missing (TagsAdd) or removed
	// (TagsStrip).
	Tags TagMode
	// BBox, when Has is true, relays only vessels whose last position
	// relayed (read from the position reports' payloads) is inside it;
	// messages without a position (static data) follow their vessel's
	// last position, and a vessel not yet placed is withheld.
	BBox BBox
	// Now is the clock of added c: times (default time.Now).
	Now func() time.Time
	// Sources, when not empty, relays only lines from these inputs (their
	// names as the node gives them).
	Sources []string
	// Allow, when not nil, is the release policy: a line carrying a
	// vessel it refuses is withheld, and so is every fragment of its
	// message. Lines whose MMSI cannot be read are withheld too.
	Allow func(vessel.MMSI) bool
	// Format is what TCP clients get: the sentences (FormatNMEA, the
	// default) or gpsd's JSON and client protocol (FormatGPSD; Tags and
	// UDP do not apply to it).
	Format Format
	// Logger gets refused connections and dropped clients; nil discards.
	Logger *slog.Logger
}

// TagMode says what a Relay does with NMEA 4.10 tag blocks.
type TagMode uint8

// The tag modes.
const (
	TagsKeep  TagMode = iota // relay tag blocks as received
	TagsAdd                  // add s: (the input's name) and c: (arrival time) when missing
	TagsStrip                // remove tag blocks
)

// ParseTagMode reads "keep", "add" or "strip".
func ParseTagMode(s string) (TagMode, error) {
	switch s {
	case "", "keep":
		return TagsKeep, nil
	case "add":
		return TagsAdd, nil
	case "strip":
		return TagsStrip, nil
	}
	return 0, fmt.Errorf("%w: tags %q (keep, add or strip)", ErrConfig, s)
}

// String returns the mode's name.
func (m TagMode) String() string {
	switch m {
	case TagsAdd:
		return "add"
	case TagsStrip:
		return "strip"
	}
	return "keep"
}

// BBox is a longitude/latitude box; Has tells whether it is set. West >
// East crosses the antimeridian.
type BBox struct {
	Has                      bool
	West, South, East, North float64
}

// Contains reports whether the point is inside b.
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

// Stats are a Relay's counters.
type Stats struct {
	Lines       uint64 // lines offered
	Relayed     uint64 // lines passed on (to any number of clients)
	NotAIS      uint64 // offered lines that hold no !xxVDM/!xxVDO sentence
	Filtered    uint64 // from a source not in Sources
	OutsideBBox uint64 // of a vessel outside BBox, or not yet placed
	Withheld    uint64 // refused by the release policy
	Clients     int64  // clients connected now
	Accepted    uint64 // clients accepted
	Refused     uint64 // clients refused at MaxConns
	SlowDropped uint64 // clients disconnected with a full queue
	UDPErrors   uint64 // failed datagram sends
	// FormatGPSD only:
	Messages    uint64 // complete AIS messages sent as JSON (to any number of clients)
	Undecodable uint64 // sentences or messages that could not be reassembled or decoded
	BadCommands uint64 // client requests gpsd would not understand
}

// Relay passes received AIS sentences on to TCP clients (OpenCPN,
// aggregators, gpsd-style tools) and optionally a UDP destination.
// Publish is synchronous and never blocks on a client; Run owns the
// listener and one writer goroutine per client. Publish and Stats are safe
// for concurrent use.
type Relay struct {
	cfg Config
	log *slog.Logger
	ln  net.Listener
	udp net.Conn

	mu      sync.Mutex
	clients map[*client]struct{}
	frag    map[fragKey]fragState // a multi-part message's release decision and time, by source, channel and sequence id
	inBox   map[vessel.MMSI]bool  // with BBox: whether each vessel's last position is inside
	gpsd    gpsdState             // FormatGPSD: reassembly and decoding

	lines, relayed, notAIS, filtered, outside, withheld, accepted, refused, slow, udpErr atomic.Uint64
	messages, undecodable, badCommands                                                   atomic.Uint64
	nclients                                                                             atomic.Int64
}

type fragKey struct {
	source string
	chan_  byte
	seq    byte
}

type client struct {
	conn net.Conn
	q    chan []byte
	once sync.Once
	// FormatGPSD: whether the client asked for data (?WATCH), for JSON,
	// for the sentences as received ("raw" 1 or 2, "nmea" true), and for
	// scaled values.
	watch, json, scaled, nmea atomic.Bool
	nmeaAsked                 atomic.Bool  // its "nmea", echoed in WATCH
	raw                       atomic.Int32 // its "raw", echoed in WATCH
}

func (c *client) close() { c.once.Do(func() { close(c.q) }) }

// New checks cfg and binds the TCP listener and the UDP socket, so that
// Addr is known before Run.
func New(cfg Config) (*Relay, error) {
	if cfg.Listen == "" && cfg.UDP == "" {
		return nil, fmt.Errorf("%w: neither a listen address nor a UDP destination", ErrConfig)
	}
	switch {
	case cfg.Format > FormatGPSD:
		return nil, fmt.Errorf("%w: unknown format %d", ErrConfig, cfg.Format)
	case cfg.Format == FormatGPSD && cfg.UDP != "":
		return nil, fmt.Errorf("%w: gpsd JSON is served over TCP only", ErrConfig)
	case cfg.Format == FormatGPSD && cfg.Listen == "":
		return nil, fmt.Errorf("%w: gpsd JSON needs a listen address", ErrConfig)
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 16
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4096
	}
	if cfg.Tags > TagsStrip {
		return nil, fmt.Errorf("%w: unknown tag mode %d", ErrConfig, cfg.Tags)
	}
	if b := cfg.BBox; b.Has && !(b.South <= b.North && b.South >= -90 && b.North <= 90 && b.West >= -180 && b.West <= 180 && b.East >= -180 && b.East <= 180) {
		return nil, fmt.Errorf("%w: bbox %v,%v,%v,%v", ErrConfig, b.West, b.South, b.East, b.North)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Relay{cfg: cfg, log: log.With("component", "relay", "format", cfg.Format.String()), clients: map[*client]struct{}{}, frag: map[fragKey]fragState{}, inBox: map[vessel.MMSI]bool{}}
	if cfg.Format == FormatGPSD {
		r.gpsd = gpsdState{asm: map[string]*nmea.Assembler{}, since: cfg.Now()}
	}
	if cfg.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("relay: listen: %w", err)
		}
		r.ln = ln
	}
	if cfg.UDP != "" {
		c, err := net.Dial("udp", cfg.UDP)
		if err != nil {
			if r.ln != nil {
				r.ln.Close()
			}
			return nil, fmt.Errorf("relay: udp: %w", err)
		}
		r.udp = c
	}
	return r, nil
}

// Close releases the listener and the UDP socket of a relay whose Run is
// never to be called (Run closes them when it returns).
func (r *Relay) Close() error {
	var err error
	if r.ln != nil {
		err = r.ln.Close()
	}
	if r.udp != nil {
		err = errors.Join(err, r.udp.Close())
	}
	return err
}

// Addr is the TCP listener's address, nil without one.
func (r *Relay) Addr() net.Addr {
	if r.ln == nil {
		return nil
	}
	return r.ln.Addr()
}

// Stats returns the counters.
func (r *Relay) Stats() Stats {
	return Stats{Lines: r.lines.Load(), Relayed: r.relayed.Load(), NotAIS: r.notAIS.Load(), Filtered: r.filtered.Load(),
		OutsideBBox: r.outside.Load(), Withheld: r.withheld.Load(), Clients: r.nclients.Load(), Accepted: r.accepted.Load(), Refused: r.refused.Load(),
		SlowDropped: r.slow.Load(), UDPErrors: r.udpErr.Load(), Messages: r.messages.Load(), Undecodable: r.undecodable.Load(), BadCommands: r.badCommands.Load()}
}

// Publish offers one received line (with or without its line ending) from
// the named input. Lines are relayed in the order they are published; the
// line is copied, so the caller may reuse it.
func (r *Relay) Publish(source string, line []byte) {
	r.lines.Add(1)
	if len(r.cfg.Sources) > 0 && !slices.Contains(r.cfg.Sources, source) {
		r.filtered.Add(1)
		return
	}
	tag, sentence, ok := split(line)
	if !ok {
		r.notAIS.Add(1)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	at := r.cfg.Now().Unix()
	if r.cfg.BBox.Has || r.cfg.Allow != nil || (r.cfg.Tags == TagsAdd && r.cfg.Format == FormatNMEA) {
		var v verdict
		v, at = r.decide(source, sentence, at)
		switch v {
		case outside:
			r.outside.Add(1)
			return
		case withheld:
			r.withheld.Add(1)
			return
		}
	}
	if r.cfg.Format == FormatGPSD {
		r.relayed.Add(1)
		r.publishGPSD(source, sentence)
		return
	}
	var out []byte
	switch r.cfg.Tags {
	case TagsStrip:
		out = make([]byte, 0, len(sentence)+2)
	case TagsAdd:
		out = appendTag(make([]byte, 0, len(tag)+len(sentence)+48), tag, source, at)
	default:
		out = append(make([]byte, 0, len(tag)+len(sentence)+2), tag...)
	}
	out = append(append(out, sentence...), '\r', '\n')
	r.relayed.Add(1)
	for c := range r.clients {
		r.send(c, out)
	}
	if r.udp != nil {
		if _, err := r.udp.Write(out); err != nil {
			r.udpErr.Add(1)
		}
	}
}

// fields splits a sentence (without checksum) at commas.
func fields(s []byte) [][]byte {
	if i := bytes.LastIndexByte(s, '*'); i >= 0 {
		s = s[:i]
	}
	return bytes.Split(s, []byte{','})
}

// mmsi reads the MMSI (bits 8-37) from an armoured AIS payload.
func mmsi(payload []byte) (vessel.MMSI, bool) {
	if len(payload) < 7 {
		return 0, false
	}
	var v uint64
	for _, ch := range payload[:7] {
		b := ch - 48
		if b > 40 {
			b -= 8
		}
		if ch < 48 || b > 63 {
			return 0, false
		}
		v = v<<6 | uint64(b)
	}
	// 42 bits read; the MMSI is bits 8..37.
	return vessel.MMSI(v >> 4 & (1<<30 - 1)), true
}

// split finds the tag block (if any) and the !xxVDM or !xxVDO sentence,
// through its checksum, in a received line; receivers' prefixes and
// suffixes (archive timestamps) are left out.
func split(line []byte) (tag, sentence []byte, ok bool) {
	i := bytes.IndexByte(line, '!')
	if i < 0 || len(line)-i < 7 {
		return nil, nil, false
	}
	if t := line[i+3 : i+6]; !bytes.Equal(t, []byte("VDM")) && !bytes.Equal(t, []byte("VDO")) {
		return nil, nil, false
	}
	end := bytes.IndexByte(line[i:], '*')
	if end < 0 || len(line)-(i+end) < 3 {
		return nil, nil, false
	}
	sentence = line[i : i+end+3]
	if t := bytes.LastIndexByte(line[:i], '\\'); t > 0 {
		if s := bytes.IndexByte(line[:t], '\\'); s >= 0 {
			tag = line[s : t+1]
		}
	}
	return tag, sentence, true
}

// Run accepts clients and serves them until ctx is done, then closes
// every connection. It returns nil when ctx is done, or the listener's
// error.
func (r *Relay) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	if r.udp != nil {
		defer r.udp.Close()
	}
	if r.ln == nil {
		<-ctx.Done()
		return nil
	}
	stop := context.AfterFunc(ctx, func() { r.ln.Close() })
	defer stop()
	defer func() {
		r.mu.Lock()
		for c := range r.clients {
			delete(r.clients, c)
			c.close()
		}
		r.mu.Unlock()
	}()
	for {
		conn, err := r.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("relay: accept: %w", err)
		}
		r.mu.Lock()
		if len(r.clients) >= r.cfg.MaxConns {
			r.mu.Unlock()
			r.refused.Add(1)
			r.log.Warn("relay client refused: too many connections", "remote", conn.RemoteAddr().String())
			conn.Close()
			continue
		}
		c := &client{conn: conn, q: make(chan []byte, r.cfg.Queue)}
		r.clients[c] = struct{}{}
		if r.cfg.Format == FormatGPSD {
			c.q <- gpsdVersion // the queue is empty: never blocks
		}
		r.mu.Unlock()
		r.accepted.Add(1)
		r.nclients.Add(1)
		if r.cfg.Format == FormatGPSD {
			wg.Go(func() { r.commands(c) })
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.nclients.Add(-1)
			r.serve(ctx, c)
		}()
	}
}

// serve writes a client's queue to its connection until the queue is
// closed (the relay stops or dropped the client) or a write fails.
func (r *Relay) serve(ctx context.Context, c *client) {
	defer c.conn.Close()
	stop := context.AfterFunc(ctx, func() { c.conn.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	for b := range c.q {
		if _, err := c.conn.Write(b); err != nil {
			r.mu.Lock()
			delete(r.clients, c)
			c.close()
			r.mu.Unlock()
			for range c.q { // drain what was queued before the close
			}
			return
		}
	}
}
