package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
)

// Sink takes the items of a partner on the receiving side.
type Sink interface {
	// Deliver takes items from the partner named from, in Seq order,
	// each Seq above every Seq of an earlier successful call for that
	// partner. When it returns nil the items must be durable: the
	// receiver then records its cursor and acknowledges them. When it
	// fails, the connection is closed and the items come again.
	//
	// Deliver must be idempotent for the items of its last call per
	// partner: if the receiver crashes (or its cursor write fails)
	// between Deliver and the cursor write, the items come again after
	// the restart (counted in PartnerStats.Redelivered).
	//
	// Calls for one partner never overlap; calls for different partners
	// may. Deliver may keep items and their Data.
	Deliver(from string, items []Item) error
}

// Receiver defaults.
const (
	DefaultMaxConns = 64
)

// Errors of the receiving side: why a connection was refused or closed.
var (
	// ErrUnauthorized: Authorize rejected the peer.
	ErrUnauthorized = errors.New("link: peer not authorized")
	// ErrNameMismatch: the hello names another node than the one Authorize
	// authenticated.
	ErrNameMismatch = errors.New("link: hello name does not match the authenticated partner")
	// ErrVersion: the hello asks for a protocol version the receiver does
	// not speak.
	ErrVersion = errors.New("link: unsupported protocol version")
	// ErrBusy: another session of the same partner did not end in time.
	ErrBusy = errors.New("link: partner already connected")
	// ErrTooManyConns: MaxConns connections were open.
	ErrTooManyConns = errors.New("link: too many connections")
	// ErrSink: Sink.Deliver failed.
	ErrSink = errors.New("link: sink failed")
)

// Receiver accepts partners' Senders and hands their items to a Sink,
// keeping per partner a durable cursor: the highest Seq the Sink has
// durably taken. Set its fields, then call Serve; the fields must not
// change afterwards. Name, Authorize, Sink and Cursors are required.
// Stats is safe at any time from any goroutine.
type Receiver struct {
	// Name is this node's name, sent in the welcome.
	Name string
	// Authorize identifies the peer of a new connection, after the TLS
	// handshake (which it may run itself, e.g. tls.Conn.HandshakeContext),
	// typically from its certificate. The connection's deadline is the
	// handshake's. An error refuses the peer.
	Authorize func(conn net.Conn) (partner string, err error)
	// Sink takes the items.
	Sink Sink
	// Cursors is the directory of the per-partner cursor files; Serve
	// creates it if needed.
	Cursors string
	// Logger receives sessions, refusals, gaps and the errors that ended
	// sessions. Nil discards.
	Logger *slog.Logger
	// Now stamps stats. Nil means time.Now. Deadlines use real time.
	Now func() time.Time

	// MaxFrame bounds a frame's length (zero: DefaultMaxFrame).
	MaxFrame int
	// MaxConns bounds the open connections; more are closed at once
	// (zero: DefaultMaxConns).
	MaxConns int
	// HandshakeTimeout bounds Authorize and the hello (zero:
	// DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration
	// IdleTimeout closes a connection the sender has sent nothing on for
	// this long; it must be well above the senders' HeartbeatInterval
	// (zero: DefaultIdleTimeout).
	IdleTimeout time.Duration
	// WriteTimeout bounds each write (zero: DefaultWriteTimeout).
	WriteTimeout time.Duration
	// FS is the file system of the Cursors directory (nil: the operating
	// system's); crash tests pass a record.MemFS.
	FS record.FS

	running sync.Mutex // held by Serve
	noSync  bool       // tests only: cursor files without fsync

	mu       sync.Mutex
	partners map[string]*partner
	conns    int
	totals   ReceiverStats // without Active and Partners
}

// partner is a receiver's state for one partner.
type partner struct {
	name string
	sem  chan struct{} // holds one token while a session of the partner runs

	// Owned by the session holding sem.
	loaded          bool
	cursor, pending uint64

	// Guarded by Receiver.mu.
	conn  net.Conn // the running session's, or nil
	stats PartnerStats
}

// ReceiverStats are a Receiver's counters, as of the call to Stats.
type ReceiverStats struct {
	Accepted     int64 // connections accepted
	Active       int   // connections open now
	AcceptErrors int64 // transient accept failures
	// Refused counts connections closed before a partner was known:
	// MaxConns reached, Authorize failed (also counted in Unauthorized),
	// or Authorize named an invalid partner.
	Refused         int64
	Unauthorized    int64
	LastRefusal     string
	LastRefusalTime time.Time
	// StaleTemps counts temporary cursor files (<partner>.cursor.RANDOM.tmp)
	// a crash left, removed by Serve at start.
	StaleTemps int64
	// Partners are the counters of each partner seen since the Receiver
	// was made.
	Partners map[string]PartnerStats
}

// PartnerStats are a Receiver's counters for one partner.
type PartnerStats struct {
	Active bool   // a session is streaming
	Cursor uint64 // the durable cursor, once loaded

	Delivered   int64 // items handed to the Sink and recorded in the cursor
	Duplicates  int64 // items dropped for a seq at or below the cursor
	Redelivered int64 // items handed to the Sink again (see Sink)
	Gaps        int64 // jumps in seq (items the sender's source lost)
	GapItems    int64 // seqs missing in those jumps
	Batches     int64 // batches received
	Commits     int64 // cursor writes: batches that arrived together share one

	Connections    int64 // sessions started (hello accepted)
	Disconnects    int64 // sessions ended
	Refused        int64 // sessions refused (name mismatch, version, busy, cursor unreadable)
	ProtocolErrors int64 // sessions ended by a violation of the protocol
	DeliverErrors  int64 // sessions ended by a Sink or cursor-file failure

	LastConnect   time.Time
	LastError     string // why the last session ended or was refused, "" if none
	LastErrorTime time.Time
}

// Stats returns the receiver's counters.
func (r *Receiver) Stats() ReceiverStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.totals
	st.Active = r.conns
	st.Partners = make(map[string]PartnerStats, len(r.partners))
	for name, p := range r.partners {
		st.Partners[name] = p.stats
	}
	return st
}

type recvConfig struct {
	now                 func() time.Time
	log                 *slog.Logger
	dir                 cursorDir
	maxFrame, maxConns  int
	handshake, idle, wt time.Duration
}

func (r *Receiver) config() (recvConfig, error) {
	if err := checkName(r.Name); err != nil {
		return recvConfig{}, fmt.Errorf("%w: receiver name: %w", ErrConfig, err)
	}
	if r.Authorize == nil || r.Sink == nil || r.Cursors == "" {
		return recvConfig{}, fmt.Errorf("%w: receiver needs Authorize, Sink and Cursors", ErrConfig)
	}
	fsys := r.FS
	if r.noSync {
		fsys = noSyncFS{record.OSFS{}}
	}
	c := recvConfig{
		now: r.Now, log: r.Logger, dir: cursorDir{fs: fsys, dir: r.Cursors},
		maxFrame: max(orInt(r.MaxFrame, DefaultMaxFrame), minMaxFrame), maxConns: orInt(r.MaxConns, DefaultMaxConns),
		handshake: orDur(r.HandshakeTimeout, DefaultHandshakeTimeout), idle: orDur(r.IdleTimeout, DefaultIdleTimeout),
		wt: orDur(r.WriteTimeout, DefaultWriteTimeout),
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("component", "link", "side", "receiver")
	return c, nil
}

// Serve accepts connections on l until ctx ends, serving each on its own
// goroutine (at most MaxConns at once); it then closes l and every
// connection and returns nil once all of them are done. It returns an
// error for a bad configuration, an unusable Cursors directory, or when l
// fails for good.
func (r *Receiver) Serve(ctx context.Context, l net.Listener) error {
	c, err := r.config()
	if err != nil {
		return err
	}
	if !r.running.TryLock() {
		return ErrRunning
	}
	defer r.running.Unlock()
	if err := c.dir.fsys().MkdirAll(r.Cursors, 0o755); err != nil {
		return fmt.Errorf("link: cursors directory: %w", err)
	}
	// No session runs yet: temporary cursor files are what a crash left.
	stale, err := c.dir.removeTemps()
	if stale > 0 || err != nil {
		c.log.Info("removed stale temporary cursor files", "dir", r.Cursors, "removed", stale, "err", err)
	}
	r.mu.Lock()
	r.totals.StaleTemps += int64(stale)
	r.mu.Unlock()
	r.mu.Lock()
	if r.partners == nil {
		r.partners = make(map[string]*partner)
	}
	r.mu.Unlock()

	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()

	var delay time.Duration
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("link: accept: %w", err)
			}
			r.mu.Lock()
			r.totals.AcceptErrors++
			r.mu.Unlock()
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			c.log.Warn("accept failed", "err", err, "retry_in", delay)
			if wait(ctx, delay) != nil {
				return nil
			}
			continue
		}
		delay = 0
		if !r.admit(&c) {
			conn.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.leave()
			stop := context.AfterFunc(ctx, func() { conn.Close() })
			defer stop()
			r.handle(ctx, &c, conn)
		}()
	}
}

// admit counts a new connection and reports whether there is room.
func (r *Receiver) admit(c *recvConfig) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.totals.Accepted++
	if r.conns >= c.maxConns {
		r.refusedLocked(c, ErrTooManyConns)
		return false
	}
	r.conns++
	return true
}

func (r *Receiver) leave() {
	r.mu.Lock()
	r.conns--
	r.mu.Unlock()
}

func (r *Receiver) refusedLocked(c *recvConfig, err error) {
	r.totals.Refused++
	if errors.Is(err, ErrUnauthorized) {
		r.totals.Unauthorized++
	}
	r.totals.LastRefusal, r.totals.LastRefusalTime = err.Error(), c.now()
}

// refusal is an error that refuses a session: the reason is sent to the
// peer in a REFUSE frame.
type refusal struct {
	reason string // for the peer
	err    error  // for stats and logs
}

func (e *refusal) Error() string { return e.err.Error() }
func (e *refusal) Unwrap() error { return e.err }

// handle runs one connection.
func (r *Receiver) handle(ctx context.Context, c *recvConfig, conn net.Conn) {
	defer conn.Close()
	remote := conn.RemoteAddr().String()
	conn.SetDeadline(time.Now().Add(c.handshake))
	name, err := r.Authorize(conn)
	if err == nil {
		if nerr := checkName(name); nerr != nil {
			err = fmt.Errorf("authorize returned a bad partner name: %w", nerr)
		}
	}
	if err != nil {
		err = fmt.Errorf("%w: %s: %w", ErrUnauthorized, remote, err)
		r.mu.Lock()
		r.refusedLocked(c, err)
		r.mu.Unlock()
		c.log.Warn("connection refused", "remote", remote, "err", err)
		conn.Write(appendRefuse(nil, "not authorized"))
		return
	}
	p := r.partner(name)
	log := c.log.With("partner", name, "remote", remote)
	err = r.session(ctx, c, conn, p, log)

	var (
		ref *refusal
		pe  *ProtocolError
	)
	now := c.now()
	r.mu.Lock()
	st := &p.stats
	switch {
	case errors.As(err, &ref):
		st.Refused++
	case errors.As(err, &pe):
		st.ProtocolErrors++
	case errors.Is(err, ErrSink), errors.Is(err, errCursor):
		st.DeliverErrors++
	}
	if err != nil && ctx.Err() == nil {
		st.LastError, st.LastErrorTime = err.Error(), now
	}
	r.mu.Unlock()
	switch {
	case ref != nil:
		conn.SetWriteDeadline(time.Now().Add(c.wt))
		conn.Write(appendRefuse(nil, ref.reason))
		log.Warn("session refused", "err", err)
	case ctx.Err() != nil:
		log.Info("session closed", "reason", "shutdown")
	case err != nil:
		log.Info("session closed", "err", err)
	}
}

func (r *Receiver) partner(name string) *partner {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.partners[name]
	if p == nil {
		p = &partner{name: name, sem: make(chan struct{}, 1)}
		r.partners[name] = p
	}
	return p
}

// errCursor marks cursor-file failures.
var errCursor = errors.New("link: cursor file")

// session runs a partner's session after Authorize: hello, welcome,
// batches. It returns nil when the sender closed the connection between
// frames.
func (r *Receiver) session(ctx context.Context, c *recvConfig, conn net.Conn, p *partner, log *slog.Logger) error {
	// A buffer of a whole frame lets batches that arrived during a
	// Deliver and cursor write be committed together (bufferedBatch).
	br := bufio.NewReaderSize(conn, c.maxFrame+frameHeader)
	typ, pl, err := readFrame(br, c.maxFrame, nil)
	if err != nil {
		return readError(err)
	}
	if typ != frameHello {
		return violation(ErrUnexpected, "%s instead of HELLO", frameName(typ))
	}
	h, err := parseHello(pl)
	if err != nil {
		return err
	}
	if h.Version != Version {
		return &refusal{fmt.Sprintf("unsupported version %d (this receiver speaks %d)", h.Version, Version),
			fmt.Errorf("%w: %d", ErrVersion, h.Version)}
	}
	if h.Name != p.name {
		reason := fmt.Sprintf("hello names %q but the peer authenticated as %q", h.Name, p.name)
		return &refusal{reason, fmt.Errorf("%w: %s", ErrNameMismatch, reason)}
	}
	if err := r.acquire(ctx, c, p, conn); err != nil {
		return err
	}
	defer r.release(c, p, conn)
	if !p.loaded {
		cur, pend, err := c.dir.load(p.name)
		if err != nil {
			return &refusal{"receiver cannot read its cursor for this partner", fmt.Errorf("%w: %w", errCursor, err)}
		}
		p.cursor, p.pending, p.loaded = cur, pend, true
		r.mu.Lock()
		p.stats.Cursor = cur
		r.mu.Unlock()
	}
	wbuf := appendWelcome(nil, welcome{Version: Version, Cursor: p.cursor, Name: r.Name})
	conn.SetWriteDeadline(time.Now().Add(c.wt))
	if _, err := conn.Write(wbuf); err != nil {
		return fmt.Errorf("link: write welcome: %w", err)
	}
	log.Info("session started", "cursor", p.cursor)

	var (
		lastSeen  uint64 // highest seq received on this connection
		loggedGap bool
	)
	for {
		conn.SetReadDeadline(time.Now().Add(c.idle))
		typ, pl, err := readFrame(br, c.maxFrame, nil)
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return readError(err)
		}
		switch typ {
		case framePing:
			if len(pl) != 0 {
				return violation(ErrMalformed, "PING with payload")
			}
			wbuf = appendEmpty(wbuf[:0], framePong)
		case frameBatch:
			// Batches already buffered behind this one are delivered with
			// it: one Deliver and one cursor write for all (group commit),
			// then one ACK each.
			var items []Item
			n := 0
			for {
				first := len(items)
				items, err = parseBatch(pl, items)
				if err != nil {
					return err
				}
				if seq := items[first].Seq; seq <= lastSeen {
					return violation(ErrSeqOrder, "batch starts at seq %d after seq %d", seq, lastSeen)
				}
				lastSeen = items[len(items)-1].Seq
				n++
				if !bufferedBatch(br) {
					break
				}
				if _, pl, err = readFrame(br, c.maxFrame, nil); err != nil {
					return readError(err) // cannot happen: the frame is buffered
				}
			}
			if err := r.deliver(c, p, items, n, &loggedGap, log); err != nil {
				return err
			}
			wbuf = wbuf[:0]
			for range n {
				wbuf = appendAck(wbuf, p.cursor)
			}
		default:
			return violation(ErrUnexpected, "%s from a sender", frameName(typ))
		}
		conn.SetWriteDeadline(time.Now().Add(c.wt))
		if _, err := conn.Write(wbuf); err != nil {
			return fmt.Errorf("link: write: %w", err)
		}
	}
}

// bufferedBatch reports whether the next frame in br is a BATCH that is
// wholly buffered, so that reading it cannot block.
func bufferedBatch(br *bufio.Reader) bool {
	if br.Buffered() < frameHeader+1 {
		return false
	}
	h, _ := br.Peek(frameHeader + 1)
	n := uint64(h[0])<<24 | uint64(h[1])<<16 | uint64(h[2])<<8 | uint64(h[3])
	return h[frameHeader] == frameBatch && n > 0 && uint64(br.Buffered()) >= frameHeader+n
}

func readError(err error) error {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("link: read: %w", err)
}

// acquire makes conn the partner's session, closing an older one and
// waiting for it to end (a sender that redials after a silent network
// failure must not wait for the old connection's idle timeout).
func (r *Receiver) acquire(ctx context.Context, c *recvConfig, p *partner, conn net.Conn) error {
	r.mu.Lock()
	old := p.conn
	r.mu.Unlock()
	if old != nil {
		old.Close()
	}
	t := time.NewTimer(c.handshake)
	defer t.Stop()
	select {
	case p.sem <- struct{}{}:
	case <-t.C:
		return &refusal{"another session of this partner is still running", ErrBusy}
	case <-ctx.Done():
		return ctx.Err()
	}
	r.mu.Lock()
	p.conn = conn
	p.stats.Active = true
	p.stats.Connections++
	p.stats.LastConnect = c.now()
	r.mu.Unlock()
	return nil
}

func (r *Receiver) release(c *recvConfig, p *partner, conn net.Conn) {
	r.mu.Lock()
	if p.conn == conn {
		p.conn = nil
	}
	p.stats.Active = false
	p.stats.Disconnects++
	r.mu.Unlock()
	<-p.sem
}

// deliver hands the items above the cursor to the Sink and moves the
// cursor. Items are in increasing seq order.
func (r *Receiver) deliver(c *recvConfig, p *partner, items []Item, batches int, loggedGap *bool, log *slog.Logger) error {
	dups := 0
	for dups < len(items) && items[dups].Seq <= p.cursor {
		dups++
	}
	kept := items[dups:]
	var gaps, gapItems, redelivered, commits int64
	prev := p.cursor
	for i, it := range kept {
		if it.Seq > prev+1 {
			gaps++
			gapItems += int64(it.Seq - prev - 1)
			if !*loggedGap {
				*loggedGap = true
				log.Warn("gap in partner's items (its source lost them)", "after", prev, "next", it.Seq, "missing", it.Seq-prev-1)
			}
		}
		if it.Seq <= p.pending {
			redelivered++
			kept[i].Redelivered = true
		}
		prev = it.Seq
	}
	if len(kept) > 0 {
		last := kept[len(kept)-1].Seq
		if last > p.pending {
			if err := c.dir.savePending(p.name, last); err != nil {
				return fmt.Errorf("%w: %w", errCursor, err)
			}
			p.pending = last
		}
		if err := r.Sink.Deliver(p.name, kept); err != nil {
			return fmt.Errorf("%w: from %s: %w", ErrSink, p.name, err)
		}
		if err := c.dir.save(p.name, last); err != nil {
			return fmt.Errorf("%w: %w", errCursor, err)
		}
		p.cursor = last
		commits = 1
	}
	r.mu.Lock()
	st := &p.stats
	st.Batches += int64(batches)
	st.Commits += commits
	st.Delivered += int64(len(kept))
	st.Duplicates += int64(dups)
	st.Redelivered += redelivered
	st.Gaps += gaps
	st.GapItems += gapItems
	st.Cursor = p.cursor
	r.mu.Unlock()
	return nil
}
