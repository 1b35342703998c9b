package ingest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxConns is the default TCPServerConfig.MaxConns.
const DefaultMaxConns = 64

// DefaultMaxConnsPerAddr is the default TCPServerConfig.MaxConnsPerAddr:
// one source address cannot take more than this many of the MaxConns.
const DefaultMaxConnsPerAddr = 8

// DefaultEvictIdle is the default TCPServerConfig.EvictIdle: when
// MaxConns are open, a new connection closes the one that has sent
// nothing for longest, if it has been quiet for at least this long.
const DefaultEvictIdle = 30 * time.Second

// refusalLogEvery is the least time between two log lines about refused
// or evicted connections; the lines in between are counted.
const refusalLogEvery = 10 * time.Second

// DefaultIdleTimeout is the default idle timeout of TCP connections: a
// connection that sends nothing for this long is closed (a TCPClient then
// reconnects).
const DefaultIdleTimeout = 10 * time.Minute

// connReader is what a connection's decoder reads from. Before it waits
// for the network it hands the pending batch to the queue and publishes
// the counters, so a quiet feed is neither delayed nor stale in Stats.
type connReader struct {
	conn net.Conn
	idle time.Duration
	d    *decoder
	b    *batcher
	// last, when set, is the time (Unix nanoseconds of now) of the
	// latest read that brought data.
	last *atomic.Int64
	now  func() time.Time
	// lb, in line mode, is the connection's line batcher: a read waits
	// no longer than the end of its open batch's window, and then
	// publishes the batch and reads on.
	lb *lineBatcher
}

func (r *connReader) Read(p []byte) (int, error) {
	r.b.flush()
	r.d.publish()
	var n int
	var err error
	for {
		// Network deadlines are wall-clock times by nature.
		var deadline time.Time
		if r.idle > 0 {
			deadline = time.Now().Add(r.idle)
		}
		batch := false
		if r.lb != nil {
			if due, ok := r.lb.due(); ok && (deadline.IsZero() || due.Before(deadline)) {
				deadline, batch = due, true
			}
		}
		if r.idle > 0 || r.lb != nil {
			if err := r.conn.SetReadDeadline(deadline); err != nil {
				return 0, err
			}
		}
		n, err = r.conn.Read(p)
		if n == 0 && batch && errors.Is(err, os.ErrDeadlineExceeded) {
			if err := r.lb.flush(false); err != nil {
				return 0, err
			}
			continue
		}
		break
	}
	r.d.bytes += int64(n)
	if n > 0 && r.last != nil {
		r.last.Store(r.now().UnixNano())
	}
	return n, err
}

// newConnDecoder returns the decoder and batcher for one connection.
func newConnDecoder(ctx context.Context, c net.Conn, opt *InputOptions, q *queue, idle time.Duration, source string, last *atomic.Int64) (*decoder, *batcher) {
	cr := &connReader{conn: c, idle: idle, last: last, now: opt.Now}
	var d *decoder
	if opt.Publish != nil {
		cr.lb = newLineBatcher(ctx, opt, opt.lineCount, source)
		d = newLineDecoder(cr, opt.Now, source, cr.lb)
	} else {
		d = newDecoder(cr, opt.NMEA, opt.Now, source, opt.Lines)
	}
	cr.d, cr.b = d, newBatcher(ctx, q, opt.BatchSize)
	return d, cr.b
}

// readConn decodes c into b until the peer closes it, reading fails or
// ctx is done (c is then closed), and returns the read error: nil at the
// end of the input or when ctx is done.
func readConn(ctx context.Context, c net.Conn, d *decoder, b *batcher) error {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	err := d.run(b.add)
	stop()
	c.Close()
	b.flush()
	if d.lb != nil {
		d.lb.flushAll()
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func idleTimeout(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultIdleTimeout
	case d < 0:
		return 0
	}
	return d
}

// remoteSource is the SourceRemote name of a connection's peer.
func remoteSource(network string, addr net.Addr) string {
	host := addr.String()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return network + ":" + host
}

// TCPServerConfig configure a TCPServer. Listen and Sink are required.
type TCPServerConfig struct {
	InputOptions
	// Listen is the address to listen on, "host:port" (port 0 picks one;
	// see Addr).
	Listen string
	// MaxConns bounds the open connections. When they are all open, a new
	// connection closes the one that has sent nothing for longest if it
	// has been quiet for EvictIdle (counted as evicted); otherwise the new
	// one is closed at once (counted as refused, reason "full"). Zero
	// means DefaultMaxConns.
	MaxConns int
	// MaxConnsPerAddr bounds the open connections from one source
	// address (IP): more are closed at once (counted as refused, reason
	// "per_address"), so that one host cannot take every slot. Zero
	// means DefaultMaxConnsPerAddr; negative, no bound but MaxConns.
	MaxConnsPerAddr int
	// EvictIdle is how long a connection must have sent nothing before a
	// new connection may take its slot when MaxConns are open. Zero
	// means DefaultEvictIdle; negative, never (the new one is refused).
	EvictIdle time.Duration
	// IdleTimeout closes a connection that sends nothing for this long.
	// Zero means DefaultIdleTimeout; negative, never.
	IdleTimeout time.Duration
	// Source names the observations of messages without a tag-block
	// source: the input's Name (default) or each connection's remote host.
	Source SourceNaming
}

// TCPServer accepts TCP connections from receivers (AIS-catcher, OpenCPN,
// a shore station's forwarder) that push NMEA lines, and delivers their
// observations to its Sink. Each connection is framed and decoded on its
// own goroutine, with its own reassembly of multi-sentence messages and
// its own counters. Its methods are safe for concurrent use.
type TCPServer struct {
	opt  TCPServerConfig
	ln   net.Listener
	q    *queue
	life lifecycle

	mu             sync.Mutex
	conns          map[*tcpConn]struct{}
	perHost        map[string]int // open connections by source address
	closedConns    Counters       // counters of connections that have ended
	accepted       int64
	refused        int64
	refusedPerAddr int64
	evicted        int64
	idleTimeouts   int64
	readErrors     int64
	acceptErrors   int64
	// Refusals and evictions since the last log line, and its time.
	unlogged int64
	lastLog  time.Time
}

type tcpConn struct {
	remote, source string
	host           string
	since          time.Time
	conn           net.Conn
	last           atomic.Int64 // Unix nanoseconds of the last data read (or of the accept)
	d              *decoder
	b              *batcher
}

// NewTCPServer listens on cfg.Listen. Run serves the connections; Close
// releases the socket if Run is never called.
func NewTCPServer(cfg TCPServerConfig) (*TCPServer, error) {
	opt, err := cfg.InputOptions.withDefaults("tcp-server:" + cfg.Listen)
	if err != nil {
		return nil, err
	}
	cfg.InputOptions = opt
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxConnsPerAddr == 0 {
		cfg.MaxConnsPerAddr = DefaultMaxConnsPerAddr
	}
	if cfg.EvictIdle == 0 {
		cfg.EvictIdle = DefaultEvictIdle
	}
	cfg.IdleTimeout = idleTimeout(cfg.IdleTimeout)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("ingest: %s: %w", cfg.Name, err)
	}
	return &TCPServer{
		opt:     cfg,
		ln:      ln,
		q:       newQueue(cfg.QueueBatches, cfg.Overflow),
		conns:   make(map[*tcpConn]struct{}),
		perHost: make(map[string]int),
	}, nil
}

// Addr returns the address the server listens on.
func (s *TCPServer) Addr() net.Addr { return s.ln.Addr() }

// Name returns the input's name.
func (s *TCPServer) Name() string { return s.opt.Name }

// Run accepts and reads connections until ctx is done or Close is called,
// then closes them, delivers what is queued to the Sink and returns nil;
// it returns an error only if the listener fails for good. Run may be
// called once.
func (s *TCPServer) Run(ctx context.Context) error {
	ctx, err := s.life.start(ctx)
	if err != nil {
		return err
	}
	defer s.life.finish()
	stopDelivery := s.q.startDelivery(s.opt.Sink)
	defer stopDelivery()
	stopAccept := context.AfterFunc(ctx, func() { s.ln.Close() })
	defer stopAccept()
	log := s.opt.Logger.With("component", "ingest", "input", s.opt.Name)

	var wg sync.WaitGroup
	defer wg.Wait()
	var backoff time.Duration
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				s.life.cancel() // stop the connections before returning
				return fmt.Errorf("ingest: %s: accept: %w", s.opt.Name, err)
			}
			// Out of file descriptors and the like: wait and retry, as
			// net/http does.
			s.mu.Lock()
			s.acceptErrors++
			s.mu.Unlock()
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			log.Warn("accept failed", "err", err, "retry_in", backoff)
			if s.opt.Sleep(ctx, backoff) != nil {
				return nil
			}
			continue
		}
		backoff = 0
		tc, note := s.register(ctx, c)
		if note.n > 0 {
			log.Warn("connections refused or evicted", "reason", note.reason, "remote", note.remote,
				"count", note.n, "open", note.open, "max_conns", s.opt.MaxConns, "max_conns_per_addr", s.opt.MaxConnsPerAddr)
		}
		if tc == nil {
			c.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serve(ctx, c, tc)
		}()
	}
}

// refusalNote is a log line about refused or evicted connections: n of
// them since the last line (0: nothing to log now).
type refusalNote struct {
	reason, remote string
	n              int64
	open           int
}

// hostOf is the source address of a connection: its IP.
func hostOf(a net.Addr) string {
	h := a.String()
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return h
}

// register makes the connection's state, or returns nil when it is
// refused: its address has MaxConnsPerAddr open, or MaxConns are open
// and none has been quiet for EvictIdle (else the quietest is closed to
// make room). The note says what to log, at most once per
// refusalLogEvery.
func (s *TCPServer) register(ctx context.Context, c net.Conn) (*tcpConn, refusalNote) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted++
	now := s.opt.Now()
	host := hostOf(c.RemoteAddr())
	if s.opt.MaxConnsPerAddr > 0 && s.perHost[host] >= s.opt.MaxConnsPerAddr {
		s.refusedPerAddr++
		return nil, s.noteLocked(now, "per_address", c)
	}
	var note refusalNote
	if len(s.conns) >= s.opt.MaxConns {
		victim := s.quietestLocked(now)
		if victim == nil {
			s.refused++
			return nil, s.noteLocked(now, "full", c)
		}
		s.dropLocked(victim)
		victim.conn.Close() // its serve goroutine ends and counts it
		s.evicted++
		note = s.noteLocked(now, "evicted_idle", victim.conn)
	}
	tc := &tcpConn{remote: c.RemoteAddr().String(), host: host, source: s.opt.Name, since: now, conn: c}
	tc.last.Store(now.UnixNano())
	if s.opt.Source == SourceRemote {
		tc.source = remoteSource("tcp", c.RemoteAddr())
	}
	tc.d, tc.b = newConnDecoder(ctx, c, &s.opt.InputOptions, s.q, s.opt.IdleTimeout, tc.source, &tc.last)
	s.conns[tc] = struct{}{}
	s.perHost[host]++
	return tc, note
}

// quietestLocked returns the open connection that has sent nothing for
// longest, if that is at least EvictIdle, else nil.
func (s *TCPServer) quietestLocked(now time.Time) *tcpConn {
	if s.opt.EvictIdle < 0 {
		return nil
	}
	var q *tcpConn
	var qLast int64
	for tc := range s.conns {
		if l := tc.last.Load(); q == nil || l < qLast {
			q, qLast = tc, l
		}
	}
	if q == nil || now.Sub(time.Unix(0, qLast)) < s.opt.EvictIdle {
		return nil
	}
	return q
}

// dropLocked forgets an open connection (once).
func (s *TCPServer) dropLocked(tc *tcpConn) {
	if _, ok := s.conns[tc]; !ok {
		return
	}
	delete(s.conns, tc)
	if s.perHost[tc.host]--; s.perHost[tc.host] <= 0 {
		delete(s.perHost, tc.host)
	}
}

// noteLocked counts a refusal or eviction for the log and returns the
// line to write when refusalLogEvery has passed since the last.
func (s *TCPServer) noteLocked(now time.Time, reason string, c net.Conn) refusalNote {
	s.unlogged++
	if !s.lastLog.IsZero() && now.Sub(s.lastLog) < refusalLogEvery {
		return refusalNote{}
	}
	n := refusalNote{reason: reason, remote: c.RemoteAddr().String(), n: s.unlogged, open: len(s.conns)}
	s.unlogged, s.lastLog = 0, now
	return n
}

func (s *TCPServer) serve(ctx context.Context, c net.Conn, tc *tcpConn) {
	err := readConn(ctx, c, tc.d, tc.b)
	final := tc.d.counters()
	s.mu.Lock()
	s.dropLocked(tc)
	s.closedConns.add(final)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.idleTimeouts++
	case err != nil && !errors.Is(err, net.ErrClosed):
		s.readErrors++
	}
	s.mu.Unlock()
	if err != nil {
		s.opt.Logger.Debug("connection closed", "component", "ingest", "input", s.opt.Name, "remote", tc.remote, "err", err)
	}
}

// TCPServerStats are a TCPServer's counters: the input's totals over all
// connections, open and closed, and each open connection's own.
type TCPServerStats struct {
	InputStats
	Active   int   // open connections
	Accepted int64 // connections accepted, refused ones included
	Refused  int64 // connections closed at once because MaxConns were open and none was quiet for EvictIdle
	// RefusedPerAddr counts connections closed at once because their
	// source address had MaxConnsPerAddr open.
	RefusedPerAddr int64
	// Evicted counts open connections closed to make room for a new one
	// because they had sent nothing for EvictIdle or more.
	Evicted      int64
	IdleTimeouts int64 // connections closed for sending nothing for IdleTimeout
	ReadErrors   int64 // connections ended by a read error other than a timeout
	AcceptErrors int64 // transient accept failures
	Conns        []ConnStats
}

// ConnStats are the counters of one open connection.
type ConnStats struct {
	Remote string    // the peer's address
	Source string    // the source given to its observations without a tag-block source
	Since  time.Time // when it was accepted
	Counters
}

// Stats returns the counters so far. Counters of an open connection are
// as of its last read from the network.
func (s *TCPServer) Stats() TCPServerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := TCPServerStats{
		InputStats:     InputStats{Name: s.opt.Name, Counters: s.closedConns.clone(), Queue: s.q.stats(), LineMode: s.opt.lineCount.stats()},
		Active:         len(s.conns),
		Accepted:       s.accepted,
		Refused:        s.refused,
		RefusedPerAddr: s.refusedPerAddr,
		Evicted:        s.evicted,
		IdleTimeouts:   s.idleTimeouts,
		ReadErrors:     s.readErrors,
		AcceptErrors:   s.acceptErrors,
	}
	for tc := range s.conns {
		c := tc.d.counters()
		st.Counters.add(c)
		st.Conns = append(st.Conns, ConnStats{Remote: tc.remote, Source: tc.source, Since: tc.since, Counters: c})
	}
	slices.SortFunc(st.Conns, func(a, b ConnStats) int {
		if c := a.Since.Compare(b.Since); c != 0 {
			return c
		}
		return compareStrings(a.Remote, b.Remote)
	})
	return st
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Close stops Run if it is running and waits for it to return, and closes
// the listener.
func (s *TCPServer) Close() error {
	s.life.close()
	err := s.ln.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// TCPClientConfig configure a TCPClient. Address and Sink are required.
type TCPClientConfig struct {
	InputOptions
	// Address is the feed's "host:port".
	Address string
	// DialTimeout bounds one connection attempt (default 10 s).
	DialTimeout time.Duration
	// IdleTimeout drops a connection that sends nothing for this long, to
	// reconnect. Zero means DefaultIdleTimeout; negative, never.
	IdleTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before reconnecting
	// (defaults 1 s and 1 min); see TCPClient.
	MinBackoff, MaxBackoff time.Duration
	// Rand is the source of the backoff's jitter. Nil means math/rand/v2's
	// global generator.
	Rand rand.Source
	// Dial connects; nil means a net.Dialer.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// TCPClient connects to a remote NMEA feed (a receiver's TCP server, an
// aggregator) and delivers its observations to its Sink, reconnecting
// whenever the connection fails or ends.
//
// Before each reconnection it waits: after a connection that delivered
// messages, between MinBackoff/2 and MinBackoff; after each further
// failure (a refused dial, a connection closed before any message) twice
// as long, up to MaxBackoff; the wait is drawn uniformly from the upper
// half of that range (jitter, so that many clients do not reconnect in
// step). Its methods are safe for concurrent use.
type TCPClient struct {
	opt  TCPClientConfig
	q    *queue
	rand *rand.Rand // nil: the global generator; used by Run only
	life lifecycle

	mu     sync.Mutex
	health Health
	ended  Counters // counters of connections that have ended
	cur    *decoder // the open connection's, or nil
}

// Health is the state of a TCPClient's feed, for metrics and readiness.
type Health struct {
	Connected bool
	// Since is when the feed last connected or disconnected; zero before
	// the first attempt ends.
	Since time.Time
	// LastMessage is the arrival time of the last decoded message.
	LastMessage time.Time
	Connects    int64 // successful connections
	Reconnects  int64 // successful connections after the first
	Failures    int64 // failed connection attempts
	Disconnects int64 // connections that ended
	// LastError is the last dial or read error, "" if none ("EOF" when
	// the feed closed the connection).
	LastError     string
	LastErrorTime time.Time
	// Backoff is the wait before the next attempt while disconnected, and
	// NextAttempt when it ends.
	Backoff     time.Duration
	NextAttempt time.Time
}

// NewTCPClient returns a client for cfg.Address; Run connects.
func NewTCPClient(cfg TCPClientConfig) (*TCPClient, error) {
	opt, err := cfg.InputOptions.withDefaults("tcp:" + cfg.Address)
	if err != nil {
		return nil, err
	}
	cfg.InputOptions = opt
	if cfg.Address == "" {
		return nil, errors.New("ingest: tcp client needs an address")
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	cfg.IdleTimeout = idleTimeout(cfg.IdleTimeout)
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Minute
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.MinBackoff)
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = d.DialContext
	}
	c := &TCPClient{opt: cfg, q: newQueue(cfg.QueueBatches, cfg.Overflow)}
	if cfg.Rand != nil {
		c.rand = rand.New(cfg.Rand)
	}
	return c, nil
}

// Name returns the input's name.
func (c *TCPClient) Name() string { return c.opt.Name }

// Run connects to the feed and reads it, reconnecting with backoff, until
// ctx is done or Close is called; it then delivers what is queued to the
// Sink and returns nil. Run may be called once.
func (c *TCPClient) Run(ctx context.Context) error {
	ctx, err := c.life.start(ctx)
	if err != nil {
		return err
	}
	defer c.life.finish()
	stopDelivery := c.q.startDelivery(c.opt.Sink)
	defer stopDelivery()
	log := c.opt.Logger.With("component", "ingest", "input", c.opt.Name)

	attempt := 0
	for {
		dctx, cancel := context.WithTimeout(ctx, c.opt.DialTimeout)
		conn, err := c.opt.Dial(dctx, "tcp", c.opt.Address)
		cancel()
		if ctx.Err() != nil {
			if conn != nil {
				conn.Close()
			}
			return nil
		}
		if err != nil {
			c.failed(err)
			log.Debug("connect failed", "err", err)
		} else {
			log.Info("connected", "remote", conn.RemoteAddr().String())
			got, err := c.read(ctx, conn)
			if ctx.Err() != nil {
				return nil
			}
			log.Info("disconnected", "err", err)
			if got {
				attempt = 0
			}
		}
		attempt++
		d := c.backoff(attempt)
		c.mu.Lock()
		c.health.Backoff, c.health.NextAttempt = d, c.opt.Now().Add(d)
		c.mu.Unlock()
		if c.opt.Sleep(ctx, d) != nil {
			return nil
		}
	}
}

// read reads one connection until it ends and reports whether it
// delivered any message.
func (c *TCPClient) read(ctx context.Context, conn net.Conn) (bool, error) {
	d, b := newConnDecoder(ctx, conn, &c.opt.InputOptions, c.q, c.opt.IdleTimeout, c.opt.Name, nil)
	now := c.opt.Now()
	c.mu.Lock()
	c.cur = d
	h := &c.health
	h.Connected, h.Since, h.Backoff, h.NextAttempt = true, now, 0, time.Time{}
	if h.Connects++; h.Connects > 1 {
		h.Reconnects++
	}
	c.mu.Unlock()

	err := readConn(ctx, conn, d, b)
	final := d.counters()
	if err == nil && ctx.Err() == nil {
		err = errEOF
	}
	now = c.opt.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur = nil
	c.ended.add(final)
	h.Connected, h.Since = false, now
	h.Disconnects++
	if err != nil {
		h.LastError, h.LastErrorTime = err.Error(), now
	}
	return final.Messages > 0, err
}

// errEOF is the LastError of a connection the feed closed.
var errEOF = errors.New("EOF")

func (c *TCPClient) failed(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.health.Failures++
	c.health.LastError, c.health.LastErrorTime = err.Error(), c.opt.Now()
	if c.health.Since.IsZero() {
		c.health.Since = c.health.LastErrorTime
	}
}

// backoff returns the wait before attempt n (1, 2, ...): MinBackoff
// doubled n-1 times, capped at MaxBackoff, with its lower half replaced by
// jitter.
func (c *TCPClient) backoff(n int) time.Duration {
	d := c.opt.MinBackoff
	for i := 1; i < n && d < c.opt.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.opt.MaxBackoff)
	half := int64(d / 2)
	var j int64
	if c.rand != nil {
		j = c.rand.Int64N(half + 1)
	} else {
		j = rand.Int64N(half + 1)
	}
	return time.Duration(int64(d) - half + j)
}

// Health returns the feed's state.
func (c *TCPClient) Health() Health {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.health
	if c.cur != nil {
		if last := c.cur.counters().LastMessage; last.After(c.ended.LastMessage) {
			h.LastMessage = last
			return h
		}
	}
	h.LastMessage = c.ended.LastMessage
	return h
}

// TCPClientStats are a TCPClient's counters over all its connections, and
// its health.
type TCPClientStats struct {
	InputStats
	Health Health
}

// Stats returns the counters so far.
func (c *TCPClient) Stats() TCPClientStats {
	h := c.Health()
	c.mu.Lock()
	defer c.mu.Unlock()
	st := TCPClientStats{
		InputStats: InputStats{Name: c.opt.Name, Counters: c.ended.clone(), Queue: c.q.stats(), LineMode: c.opt.lineCount.stats()},
		Health:     h,
	}
	if c.cur != nil {
		st.Counters.add(c.cur.counters())
	}
	return st
}

// Close stops Run if it is running and waits for it to return.
func (c *TCPClient) Close() error {
	c.life.close()
	return nil
}
