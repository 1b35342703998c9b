package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"time"
)

// Item is one opaque unit carried by a link.
type Item struct {
	// Seq numbers the item in its Source: from 1, strictly increasing,
	// possibly with gaps (items the Source dropped).
	Seq uint64
	// NotBefore is a Unix time in milliseconds before which the sender
	// holds the item (and, to keep order, every item after it).
	NotBefore int64
	// Data is carried as is.
	Data []byte
	// Redelivered is set by a Receiver on items it hands its Sink again
	// after a restart: they may have been delivered before the crash
	// (see Sink). Not sent on the wire.
	Redelivered bool
}

// Source is the sending side's durable queue for one partner.
type Source interface {
	// Read returns up to max items with Seq > after in Seq order, their
	// Data totalling about maxBytes (at least one item if any is
	// available), or none. The link does not modify the returned items
	// and does not keep them after its next call to Read.
	Read(after uint64, max, maxBytes int) ([]Item, error)
	// Ack records that the receiver has durably taken every item with
	// Seq ≤ seq. Calls come with non-decreasing seq within a session; a
	// new session (or Run) may start below an earlier call.
	Ack(seq uint64) error
	// Notify returns a channel that is signalled (a send or a close)
	// when items are appended. The sender calls it before each Read that
	// may come up empty and waits on the result.
	Notify() <-chan struct{}
}

// Laster is implemented by a Source that knows its highest Seq; the
// sender then reports a Lag.
type Laster interface {
	Last() uint64
}

// Sender defaults.
const (
	DefaultWindow            = 8
	DefaultBatchItems        = 1024
	DefaultBatchBytes        = 256 << 10
	DefaultMaxFrame          = 1 << 20
	DefaultHandshakeTimeout  = 10 * time.Second
	DefaultHeartbeatInterval = 15 * time.Second
	DefaultIdleTimeout       = 45 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultHoldRecheck       = time.Second
	DefaultMinBackoff        = 500 * time.Millisecond
	DefaultMaxBackoff        = time.Minute
)

// Errors of the sending side.
var (
	// ErrRunning: Run (or Serve) was called while already running.
	ErrRunning = errors.New("link: already running")
	// ErrConfig: a required field is missing or invalid.
	ErrConfig = errors.New("link: bad configuration")
	// ErrPeerName: the receiver's welcome names another node than Peer.
	ErrPeerName = errors.New("link: receiver is not the expected peer")
	// ErrItemTooLarge: an item does not fit in one frame of MaxFrame
	// bytes. The link cannot pass it and stops at it.
	ErrItemTooLarge = errors.New("link: item too large for a frame")
	// ErrSourceOrder: the Source returned items out of order, or at or
	// below the seq asked for.
	ErrSourceOrder = errors.New("link: source returned items out of order")
)

// RefusedError is a receiver's refusal of a connection, with its reason.
type RefusedError struct {
	Reason string
}

func (e *RefusedError) Error() string { return "link: refused by receiver: " + e.Reason }

// Sender streams the items of a Source to one partner's Receiver. Set
// its fields, then call Run; the fields must not change afterwards. Dial,
// Source and a valid Name are required. Run, Stats and the Source's
// methods are called from several goroutines; Stats is safe at any time.
type Sender struct {
	// Name is this node's name, sent in the hello (see ErrBadName).
	Name string
	// Peer is the partner's name. If set, the receiver's welcome must
	// name it (ErrPeerName otherwise); it also names the link in logs.
	Peer string
	// Dial connects to the partner, e.g. a TLS dialer that checks the
	// partner's certificate. Its context ends with Run's or after
	// HandshakeTimeout.
	Dial func(ctx context.Context) (net.Conn, error)
	// Source is the queue of items for the partner.
	Source Source
	// Now is the clock NotBefore is compared with and stats are stamped
	// with. Nil means time.Now. Connection deadlines and waits use real
	// timers.
	Now func() time.Time
	// Logger receives connects, disconnects and their errors. Nil
	// discards.
	Logger *slog.Logger

	// MinBackoff and MaxBackoff bound the wait before redialling: after
	// a session that was welcomed, MinBackoff; after each further
	// failure twice as long, up to MaxBackoff; the upper half of the
	// wait is jittered. Zero means DefaultMinBackoff, DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// Window is the most batches sent and not yet acknowledged (zero:
	// DefaultWindow).
	Window int
	// BatchItems and BatchBytes bound a batch, in items and in data bytes
	// (zero: DefaultBatchItems, DefaultBatchBytes).
	BatchItems, BatchBytes int
	// MaxFrame bounds the frames the sender writes and reads; it must not
	// exceed the receiver's (zero: DefaultMaxFrame).
	MaxFrame int
	// HandshakeTimeout bounds the dial, hello and welcome (zero:
	// DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration
	// HeartbeatInterval is how often an otherwise quiet sender pings
	// (zero: DefaultHeartbeatInterval). The receiver's IdleTimeout must
	// be well above it.
	HeartbeatInterval time.Duration
	// IdleTimeout closes a connection the receiver has sent nothing on
	// (no ack, no pong) for this long; it is the ack timeout too (zero:
	// DefaultIdleTimeout).
	IdleTimeout time.Duration
	// WriteTimeout bounds each write (zero: DefaultWriteTimeout).
	WriteTimeout time.Duration
	// HoldRecheck is the longest wait before re-reading the clock while
	// an item is held for its NotBefore, so that a clock that jumps (or a
	// test clock) is noticed (zero: DefaultHoldRecheck).
	HoldRecheck time.Duration

	running sync.Mutex // held by Run

	mu    sync.Mutex
	stats SenderStats
}

// SenderStats are a Sender's counters, as of the call to Stats.
type SenderStats struct {
	Peer      string
	Connected bool // a session is welcomed and streaming
	// Cursor is the receiver's cursor: the highest seq it acknowledged
	// (or announced in its welcome). Zero before the first welcome.
	Cursor uint64
	// SentSeq is the highest seq sent on the current connection.
	SentSeq uint64
	// Lag is Source.Last() - Cursor when the Source is a Laster and a
	// welcome has been seen, else zero.
	Lag uint64

	Sent           int64 // items written (resent items count again)
	Acked          int64 // seqs acknowledged (by acks or a welcome's cursor), gaps included
	Attempts       int64 // dials
	Batches        int64 // batches written
	BytesSent      int64 // frame bytes written
	Pings          int64 // heartbeats sent
	Connects       int64 // welcomed sessions
	Reconnects     int64 // welcomed sessions after the first
	DialFailures   int64 // dials that failed
	Refusals       int64 // sessions the receiver refused
	ProtocolErrors int64 // sessions ended by a receiver's protocol violation
	Disconnects    int64 // welcomed sessions that ended

	// Held is the number of items available but held for their
	// NotBefore at the last read (the first held item's NotBefore is
	// HeldUntil); zero when none is held.
	Held      int
	HeldUntil time.Time

	LastConnect   time.Time
	LastError     string // "" if none
	LastErrorTime time.Time
	// Backoff is the wait before the next dial while disconnected.
	Backoff time.Duration
}

// Stats returns the sender's counters.
func (s *Sender) Stats() SenderStats {
	s.mu.Lock()
	st := s.stats
	s.mu.Unlock()
	st.Peer = s.Peer
	if l, ok := s.Source.(Laster); ok && st.Cursor > 0 {
		if last := l.Last(); last > st.Cursor {
			st.Lag = last - st.Cursor
		}
	}
	return st
}

// sendConfig is a Sender's settings with defaults applied.
type sendConfig struct {
	now                             func() time.Time
	log                             *slog.Logger
	minBackoff, maxBackoff          time.Duration
	window, batchItems, batchBytes  int
	maxFrame                        int
	handshake, heartbeat, idle, wto time.Duration
	holdRecheck                     time.Duration
}

func (s *Sender) config() (sendConfig, error) {
	if err := checkName(s.Name); err != nil {
		return sendConfig{}, fmt.Errorf("%w: sender name: %w", ErrConfig, err)
	}
	if s.Dial == nil || s.Source == nil {
		return sendConfig{}, fmt.Errorf("%w: sender needs Dial and Source", ErrConfig)
	}
	c := sendConfig{
		now: s.Now, log: s.Logger,
		minBackoff: orDur(s.MinBackoff, DefaultMinBackoff), maxBackoff: orDur(s.MaxBackoff, DefaultMaxBackoff),
		window: orInt(s.Window, DefaultWindow), batchItems: orInt(s.BatchItems, DefaultBatchItems),
		batchBytes: orInt(s.BatchBytes, DefaultBatchBytes), maxFrame: max(orInt(s.MaxFrame, DefaultMaxFrame), minMaxFrame),
		handshake: orDur(s.HandshakeTimeout, DefaultHandshakeTimeout), heartbeat: orDur(s.HeartbeatInterval, DefaultHeartbeatInterval),
		idle: orDur(s.IdleTimeout, DefaultIdleTimeout), wto: orDur(s.WriteTimeout, DefaultWriteTimeout),
		holdRecheck: orDur(s.HoldRecheck, DefaultHoldRecheck),
	}
	c.maxBackoff = max(c.maxBackoff, c.minBackoff)
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	peer := s.Peer
	if peer == "" {
		peer = "?"
	}
	c.log = c.log.With("component", "link", "side", "sender", "peer", peer)
	return c, nil
}

func orInt(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

func orDur(v, d time.Duration) time.Duration {
	if v <= 0 {
		return d
	}
	return v
}

// Run dials the partner, says hello, resumes after the receiver's cursor
// and streams the Source, acknowledging to the Source what the receiver
// acknowledges; on any failure it closes the connection, backs off and
// dials again, until ctx ends. It then returns nil, with every goroutine
// it started stopped. It returns an error only for a bad configuration
// or when already running.
func (s *Sender) Run(ctx context.Context) error {
	c, err := s.config()
	if err != nil {
		return err
	}
	if !s.running.TryLock() {
		return ErrRunning
	}
	defer s.running.Unlock()

	attempt := 0
	for ctx.Err() == nil {
		welcomed, err := s.connect(ctx, &c)
		if ctx.Err() != nil {
			break
		}
		if welcomed {
			attempt = 0
		}
		attempt++
		d := backoff(c.minBackoff, c.maxBackoff, attempt)
		now := c.now()
		s.mu.Lock()
		s.stats.LastError, s.stats.LastErrorTime = err.Error(), now
		s.stats.Backoff = d
		var pe *ProtocolError
		var re *RefusedError
		switch {
		case errors.As(err, &pe):
			s.stats.ProtocolErrors++
		case errors.As(err, &re):
			s.stats.Refusals++
		}
		s.mu.Unlock()
		c.log.Info("link down", "err", err, "retry_in", d)
		if wait(ctx, d) != nil {
			break
		}
	}
	s.mu.Lock()
	s.stats.Connected, s.stats.Backoff = false, 0
	s.mu.Unlock()
	return nil
}

// backoff returns the wait before attempt n (1, 2, ...).
func backoff(lo, hi time.Duration, n int) time.Duration {
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	half := int64(d / 2)
	return time.Duration(int64(d) - half + rand.Int64N(half+1))
}

// wait waits for d or until ctx is done.
func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// connect runs one session: dial, handshake, stream. It reports whether
// the receiver welcomed it, and why it ended (never nil).
func (s *Sender) connect(ctx context.Context, c *sendConfig) (welcomed bool, err error) {
	s.mu.Lock()
	s.stats.Attempts++
	s.mu.Unlock()
	dctx, cancel := context.WithTimeout(ctx, c.handshake)
	conn, err := s.Dial(dctx)
	cancel()
	if err != nil {
		s.mu.Lock()
		s.stats.DialFailures++
		s.mu.Unlock()
		return false, fmt.Errorf("link: dial: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	sess := &session{s: s, c: c, conn: conn, br: bufio.NewReaderSize(conn, 4096)}
	w, err := sess.handshake()
	if err != nil {
		return false, err
	}
	now := c.now()
	s.mu.Lock()
	st := &s.stats
	st.Connected, st.LastConnect, st.Backoff = true, now, 0
	if st.Connects++; st.Connects > 1 {
		st.Reconnects++
	}
	st.Acked += int64(countBetween(st.Cursor, w.Cursor))
	st.Cursor, st.SentSeq = w.Cursor, w.Cursor
	s.mu.Unlock()
	c.log.Info("link up", "cursor", w.Cursor, "remote", conn.RemoteAddr().String())

	err = sess.stream(ctx, w.Cursor)
	s.mu.Lock()
	s.stats.Connected = false
	s.stats.Disconnects++
	s.stats.Held, s.stats.HeldUntil = 0, time.Time{}
	s.mu.Unlock()
	return true, err
}

// session is one connection of a Sender.
type session struct {
	s     *Sender
	c     *sendConfig
	conn  net.Conn
	br    *bufio.Reader
	wbuf  []byte
	wrote bool // since the last heartbeat tick
}

func (ss *session) write(b []byte) error {
	ss.conn.SetWriteDeadline(time.Now().Add(ss.c.wto))
	if _, err := ss.conn.Write(b); err != nil {
		return fmt.Errorf("link: write: %w", err)
	}
	ss.wrote = true
	return nil
}

func (ss *session) handshake() (welcome, error) {
	ss.conn.SetDeadline(time.Now().Add(ss.c.handshake))
	if err := ss.write(appendHello(ss.wbuf[:0], hello{Version: Version, Name: ss.s.Name})); err != nil {
		return welcome{}, err
	}
	typ, p, err := readFrame(ss.br, ss.c.maxFrame, nil)
	if err != nil {
		return welcome{}, ss.readErr(err)
	}
	switch typ {
	case frameWelcome:
	case frameRefuse:
		reason, err := parseRefuse(p)
		if err != nil {
			return welcome{}, err
		}
		return welcome{}, &RefusedError{Reason: reason}
	default:
		return welcome{}, violation(ErrUnexpected, "%s instead of WELCOME", frameName(typ))
	}
	w, err := parseWelcome(p)
	if err != nil {
		return w, err
	}
	if w.Version != Version {
		return w, violation(ErrMalformed, "welcome of version %d", w.Version)
	}
	if ss.s.Peer != "" && w.Name != ss.s.Peer {
		return w, fmt.Errorf("link: welcome from %q, want %q: %w", w.Name, ss.s.Peer, ErrPeerName)
	}
	ss.conn.SetDeadline(time.Time{})
	return w, nil
}

func (ss *session) readErr(err error) error {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return err
	}
	if err == io.EOF {
		return fmt.Errorf("link: peer closed the connection: %w", err)
	}
	return fmt.Errorf("link: read: %w", err)
}

// readAcks reads the receiver's frames until the connection fails,
// passing acks on; it ends with one error on errc.
func (ss *session) readAcks(acks chan<- uint64, errc chan<- error, done <-chan struct{}) {
	buf := make([]byte, 64)
	for {
		ss.conn.SetReadDeadline(time.Now().Add(ss.c.idle))
		typ, p, err := readFrame(ss.br, ss.c.maxFrame, buf)
		if err != nil {
			errc <- ss.readErr(err)
			return
		}
		switch typ {
		case frameAck:
			seq, err := parseAck(p)
			if err != nil {
				errc <- err
				return
			}
			select {
			case acks <- seq:
			case <-done:
				return
			}
		case framePong:
			if len(p) != 0 {
				errc <- violation(ErrMalformed, "PONG with payload")
				return
			}
		default:
			errc <- violation(ErrUnexpected, "%s while streaming", frameName(typ))
			return
		}
	}
}

// stream sends batches after cursor until the connection fails or ctx
// ends.
func (ss *session) stream(ctx context.Context, cursor uint64) error {
	s, c := ss.s, ss.c
	if cursor > 0 {
		if err := s.Source.Ack(cursor); err != nil {
			return fmt.Errorf("link: ack to source: %w", err)
		}
	}
	acks := make(chan uint64, c.window)
	errc := make(chan error, 1)
	done := make(chan struct{})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		ss.readAcks(acks, errc, done)
	}()
	defer func() {
		close(done)
		ss.conn.Close()
		<-readerDone
	}()

	hb := time.NewTicker(c.heartbeat)
	defer hb.Stop()
	hold := time.NewTimer(time.Hour)
	hold.Stop()
	defer hold.Stop()

	inflight := make([]uint64, 0, c.window) // last seq of each batch sent, oldest first
	next := cursor                          // highest seq sent
	acked := cursor
	drained, held := false, false
	var notify <-chan struct{}
	var enc batchEncoder
	for {
		for len(inflight) < c.window && !drained && !held {
			notify = s.Source.Notify()
			b, last, n, holdUntil, err := ss.nextBatch(&enc, next)
			if err != nil {
				return err
			}
			if n == 0 {
				if holdUntil.IsZero() {
					drained = true
				} else {
					held = true
					hold.Reset(min(max(holdUntil.Sub(c.now()), time.Millisecond), c.holdRecheck))
				}
				break
			}
			if err := ss.write(b); err != nil {
				return err
			}
			inflight = append(inflight, last)
			next = last
			s.mu.Lock()
			s.stats.Sent += int64(n)
			s.stats.Batches++
			s.stats.BytesSent += int64(len(b))
			s.stats.SentSeq = next
			s.mu.Unlock()
			if !holdUntil.IsZero() {
				held = true
				hold.Reset(min(max(holdUntil.Sub(c.now()), time.Millisecond), c.holdRecheck))
				break
			}
		}
		select {
		case seq := <-acks:
			if len(inflight) == 0 || seq < inflight[0] || seq > next {
				return violation(ErrSeqOrder, "ack %d with batches up to %v in flight", seq, inflight)
			}
			inflight = slices.Delete(inflight, 0, 1)
			if err := s.Source.Ack(seq); err != nil {
				return fmt.Errorf("link: ack to source: %w", err)
			}
			s.mu.Lock()
			s.stats.Acked += int64(countBetween(acked, seq))
			s.stats.Cursor = seq
			s.mu.Unlock()
			acked = seq
		case <-notify:
			drained, notify = false, nil
		case <-hold.C:
			held = false
		case <-hb.C:
			if !ss.wrote {
				if err := ss.write(appendEmpty(ss.wbuf[:0], framePing)); err != nil {
					return err
				}
				s.mu.Lock()
				s.stats.Pings++
				s.mu.Unlock()
			}
			ss.wrote = false
		case err := <-errc:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// countBetween is the number of seqs in (a, b]; the receiver's acks are
// cursors, and gaps in the source count as acknowledged.
func countBetween(a, b uint64) uint64 {
	if b <= a {
		return 0
	}
	return b - a
}

// nextBatch reads items after next and encodes the sendable ones: those
// before the first held one, within the frame limit. It returns the frame,
// the last seq in it and the item count (zero: nothing to send), and the
// NotBefore of the first held item (zero if none).
func (ss *session) nextBatch(enc *batchEncoder, next uint64) (frame []byte, last uint64, n int, holdUntil time.Time, err error) {
	s, c := ss.s, ss.c
	items, err := s.Source.Read(next, c.batchItems, c.batchBytes)
	if err != nil {
		return nil, 0, 0, time.Time{}, fmt.Errorf("link: read source: %w", err)
	}
	now := c.now().UnixMilli()
	enc.begin(ss.wbuf[:0], next)
	prev := next
	held := 0
	for i, it := range items {
		if it.Seq <= prev {
			return nil, 0, 0, time.Time{}, fmt.Errorf("link: seq %d after %d: %w", it.Seq, prev, ErrSourceOrder)
		}
		if it.NotBefore > now {
			holdUntil = time.UnixMilli(it.NotBefore)
			held = len(items) - i
			break
		}
		if enc.size()+itemSize(it) > c.maxFrame {
			if n == 0 {
				return nil, 0, 0, time.Time{}, fmt.Errorf("link: item %d of %d bytes: %w", it.Seq, len(it.Data), ErrItemTooLarge)
			}
			break
		}
		enc.add(it)
		prev, n = it.Seq, n+1
	}
	s.mu.Lock()
	s.stats.Held, s.stats.HeldUntil = held, holdUntil
	s.mu.Unlock()
	if n == 0 {
		return nil, 0, 0, holdUntil, nil
	}
	ss.wbuf = enc.finish()
	return ss.wbuf, prev, n, holdUntil, nil
}
