package link_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/link"
)

// fast are timeouts and backoffs for tests.
func fastSender(s *link.Sender) *link.Sender {
	s.MinBackoff, s.MaxBackoff = time.Millisecond, 5*time.Millisecond
	s.HandshakeTimeout = 5 * time.Second
	return s
}

// TestCutsExactlyOnce streams items through a proxy that cuts every
// connection after a few thousand bytes, at random points, and checks
// that the sink sees every item once, in order.
func TestCutsExactlyOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
		n    uint64
	}{
		{"tcp", false, 200_000},
		{"tls", true, 20_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			n := tc.n
			if testing.Short() {
				n /= 10
			}
			src := newMemSource()
			src.addRange(1, n, 0)
			sink := newCheckSink(1, n)
			l := listen(t)
			var pki *testPKI
			authorize := named("IN-IFC")
			if tc.tls {
				pki = newPKI(t)
				l = pki.tlsListener(t, l, "JP-JCG")
				authorize = authorizeTLS
			}
			r := &link.Receiver{Name: "JP-JCG", Authorize: authorize, Sink: sink, Cursors: t.TempDir()}
			serve(t, r, l)
			minCut, maxCut := int64(1000), int64(16000)
			if tc.tls {
				minCut, maxCut = 3000, 12000 // the TLS handshake takes ~2 KB
			}
			proxy := startProxy(t, l.Addr().String(), minCut, maxCut, 1)
			dial := dialer(fixed(proxy.addr()))
			if tc.tls {
				dial = pki.tlsDialer(t, "IN-IFC", fixed(proxy.addr()))
			}
			s := fastSender(&link.Sender{Name: "IN-IFC", Peer: "JP-JCG", Dial: dial, Source: src,
				BatchItems: 64})
			stop := run(t, s)
			waitProgress(t, "all items acknowledged", func() bool { return src.Acked() == n }, src.Acked)
			stop()

			sink.check(t)
			ss, rs := s.Stats(), r.Stats()
			ps := rs.Partners["IN-IFC"]
			t.Logf("%d items, %d connections cut; sender: %d reconnects, %d sent, %d acked; receiver: %d delivered, %d duplicates",
				n, proxy.cuts.Load(), ss.Reconnects, ss.Sent, ss.Acked, ps.Delivered, ps.Duplicates)
			if ss.Reconnects < 10 {
				t.Errorf("only %d reconnects: the proxy did not cut", ss.Reconnects)
			}
			if ps.Delivered != int64(n) || ps.Cursor != n || ps.Redelivered != 0 || ps.Gaps != 0 {
				t.Errorf("partner stats %+v; want %d delivered, cursor %d, no redeliveries or gaps", ps, n, n)
			}
			if ss.Acked != int64(n) || ss.Cursor != n || ss.Lag != 0 {
				t.Errorf("sender stats %+v; want %d acked, cursor %d, lag 0", ss, n, n)
			}
		})
	}
}

// TestReceiverRestart stops the receiver mid-stream and starts a new one
// on the same cursors directory.
func TestReceiverRestart(t *testing.T) {
	checkLeaks(t)
	const n = 50_000
	src := newMemSource()
	src.addRange(1, n, 0)
	sink := newCheckSink(1, n)
	dir := t.TempDir()
	var addr atomic.Pointer[string]
	newReceiver := func() (*link.Receiver, func()) {
		l := listen(t)
		a := l.Addr().String()
		addr.Store(&a)
		r := &link.Receiver{Name: "JP-JCG", Authorize: named("IN-IFC"), Sink: sink, Cursors: dir}
		return r, serve(t, r, l)
	}
	r1, stop1 := newReceiver()
	s := fastSender(&link.Sender{Name: "IN-IFC", Peer: "JP-JCG", Source: src, BatchItems: 100,
		Dial: dialer(func() string { return *addr.Load() })})
	run(t, s)
	for i, at := range []int{n / 4, n / 2, 3 * n / 4} {
		waitFor(t, "items flowing", func() bool { return sink.count() >= at })
		stop1()
		if i == 0 && r1.Stats().Partners["IN-IFC"].Delivered == 0 {
			t.Fatal("first receiver delivered nothing")
		}
		_, stop1 = newReceiver()
	}
	waitFor(t, "all items acknowledged", func() bool { return src.Acked() == n })
	sink.check(t)
}

// TestSenderRestart stops the sender mid-stream and starts a new one on
// the same source.
func TestSenderRestart(t *testing.T) {
	checkLeaks(t)
	const n = 50_000
	src := newMemSource()
	src.addRange(1, n, 0)
	sink := newCheckSink(1, n)
	l := listen(t)
	r := &link.Receiver{Name: "JP-JCG", Authorize: named("IN-IFC"), Sink: sink, Cursors: t.TempDir()}
	serve(t, r, l)
	newSender := func() func() {
		return run(t, fastSender(&link.Sender{Name: "IN-IFC", Peer: "JP-JCG", Source: src, BatchItems: 100,
			Dial: dialer(fixed(l.Addr().String()))}))
	}
	stop := newSender()
	for _, at := range []int{n / 4, n / 2, 3 * n / 4} {
		waitFor(t, "items flowing", func() bool { return sink.count() >= at })
		stop()
		stop = newSender()
	}
	waitFor(t, "all items acknowledged", func() bool { return src.Acked() == n })
	sink.check(t)
	if c := r.Stats().Partners["IN-IFC"].Connections; c < 4 {
		t.Errorf("%d connections, want at least 4", c)
	}
}

// TestNotBefore holds items until the sender's clock reaches their
// NotBefore, and items after them too.
func TestNotBefore(t *testing.T) {
	checkLeaks(t)
	var nowMs atomic.Int64
	nowMs.Store(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	now := func() time.Time { return time.UnixMilli(nowMs.Load()) }
	later := nowMs.Load() + time.Hour.Milliseconds()

	src := newMemSource()
	src.addRange(1, 10, 0)
	src.addRange(11, 15, later)
	src.addRange(16, 20, 0) // behind a held item: waits with it
	sink := newCheckSink(1, 20)
	l := listen(t)
	r := &link.Receiver{Name: "JP-JCG", Authorize: named("IN-IFC"), Sink: sink, Cursors: t.TempDir()}
	serve(t, r, l)
	s := fastSender(&link.Sender{Name: "IN-IFC", Source: src, Now: now, HoldRecheck: 5 * time.Millisecond,
		Dial: dialer(fixed(l.Addr().String()))})
	run(t, s)

	waitFor(t, "the first 10 items", func() bool { return src.Acked() == 10 })
	waitFor(t, "items held", func() bool { return s.Stats().Held > 0 })
	st := s.Stats()
	if st.Held != 10 || !st.HeldUntil.Equal(time.UnixMilli(later)) {
		t.Errorf("held %d until %v, want 10 until %v", st.Held, st.HeldUntil, time.UnixMilli(later))
	}
	if got := sink.count(); got != 10 {
		t.Fatalf("sink has %d items while 11..20 are held, want 10", got)
	}
	nowMs.Store(later)
	waitFor(t, "all items", func() bool { return src.Acked() == 20 })
	sink.check(t)
	if st := s.Stats(); st.Held != 0 {
		t.Errorf("still %d held", st.Held)
	}
}

// TestRefused: a peer Authorize rejects, or whose hello names another
// node, is refused with a clear error on both sides, and counted.
func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name       string
		authorize  func(net.Conn) (string, error)
		senderName string
		peer       string
		wantSender string // in the sender's LastError
		check      func(t *testing.T, rs link.ReceiverStats)
	}{
		{
			name:       "unauthorized",
			authorize:  func(net.Conn) (string, error) { return "", errors.New("unknown certificate") },
			senderName: "IN-IFC",
			wantSender: "refused by receiver: not authorized",
			check: func(t *testing.T, rs link.ReceiverStats) {
				if rs.Refused == 0 || rs.Unauthorized == 0 || !strings.Contains(rs.LastRefusal, "unknown certificate") {
					t.Errorf("receiver stats %+v; want refusals counted with the cause", rs)
				}
				if len(rs.Partners) != 0 {
					t.Errorf("partners %v, want none", rs.Partners)
				}
			},
		},
		{
			name:       "name mismatch",
			authorize:  named("IN-IFC"),
			senderName: "XX-EVIL",
			wantSender: `hello names "XX-EVIL" but the peer authenticated as "IN-IFC"`,
			check: func(t *testing.T, rs link.ReceiverStats) {
				ps := rs.Partners["IN-IFC"]
				if ps.Refused == 0 || ps.Connections != 0 || !strings.Contains(ps.LastError, "does not match") {
					t.Errorf("partner stats %+v; want refusals counted with the cause", ps)
				}
			},
		},
		{
			name:       "wrong peer",
			authorize:  named("IN-IFC"),
			senderName: "IN-IFC",
			peer:       "KR-KCG",
			wantSender: "receiver is not the expected peer",
			check:      func(t *testing.T, rs link.ReceiverStats) {},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			src := newMemSource()
			src.addRange(1, 10, 0)
			sink := newCheckSink(1, 0)
			l := listen(t)
			r := &link.Receiver{Name: "JP-JCG", Authorize: tc.authorize, Sink: sink, Cursors: t.TempDir()}
			serve(t, r, l)
			s := fastSender(&link.Sender{Name: tc.senderName, Peer: tc.peer, Source: src, Dial: dialer(fixed(l.Addr().String()))})
			run(t, s)
			waitFor(t, "a few attempts", func() bool { return s.Stats().Attempts >= 3 && s.Stats().LastError != "" })
			st := s.Stats()
			if !strings.Contains(st.LastError, tc.wantSender) {
				t.Errorf("sender LastError %q, want it to contain %q", st.LastError, tc.wantSender)
			}
			if st.Acked != 0 || src.Acked() != 0 {
				t.Errorf("acked %d", st.Acked)
			}
			tc.check(t, r.Stats())
			sink.check(t)
		})
	}
}

// TestProtocolViolations sends bad frames to a receiver: each closes the
// connection and is counted, and the receiver goes on serving.
func TestProtocolViolations(t *testing.T) {
	for _, tc := range []struct {
		name      string
		hello     bool // send a valid hello first
		waitAck   bool // read an ACK after each frame but the last
		send      [][]byte
		delivered int64
		wantErr   string
		protocol  bool // counted as a protocol error
	}{
		{name: "oversized frame", hello: true, send: [][]byte{be32(64 << 20)}, wantErr: "frame length out of range", protocol: true},
		{name: "zero-length frame", hello: true, send: [][]byte{be32(0)}, wantErr: "frame length out of range", protocol: true},
		{name: "bad type", hello: true, send: [][]byte{frame(0x7f)}, wantErr: "unexpected frame", protocol: true},
		{name: "ack from sender", hello: true, send: [][]byte{frame(0x05, be64(1))}, wantErr: "unexpected frame", protocol: true},
		{name: "second hello", hello: true, send: [][]byte{helloFrame("IN-IFC")}, wantErr: "unexpected frame", protocol: true},
		{name: "batch before hello", send: [][]byte{batchFrame(1)}, wantErr: "instead of HELLO", protocol: true},
		{name: "bad magic", send: [][]byte{frame(0x01, []byte("XXXX"), be16(1), []byte{6}, []byte("IN-IFC"))}, wantErr: "bad magic", protocol: true},
		{name: "bad name", send: [][]byte{frame(0x01, []byte("TWLK"), be16(1), []byte{3}, []byte("../"))}, wantErr: "bad sender name", protocol: true},
		{
			name: "seq going backwards", hello: true, waitAck: true, delivered: 3,
			send:    [][]byte{batchFrame(1, 2, 3), batchFrame(2)},
			wantErr: "sequence out of order", protocol: true,
		},
		{
			name: "seq repeated in batch", hello: true,
			send:    [][]byte{frame(0x04, be64(0), be32(2), []byte{1, 0, 0}, []byte{0, 0, 0})},
			wantErr: "sequence out of order", protocol: true,
		},
		{name: "empty batch", hello: true, send: [][]byte{frame(0x04, be64(0), be32(0))}, wantErr: "empty batch", protocol: true},
		{
			name: "batch count too big", hello: true,
			send:    [][]byte{frame(0x04, be64(0), be32(1e9), []byte{1, 0, 0})},
			wantErr: "malformed frame", protocol: true,
		},
		{
			name: "truncated item", hello: true,
			send:    [][]byte{frame(0x04, be64(0), be32(1), []byte{1, 0, 50}, []byte("short"))},
			wantErr: "malformed frame", protocol: true,
		},
		{
			name: "trailing bytes", hello: true,
			send:    [][]byte{frame(0x04, append(append(be64(0), be32(1)...), 1, 0, 0, 9))},
			wantErr: "trailing bytes", protocol: true,
		},
		{name: "ping with payload", hello: true, send: [][]byte{frame(0x06, []byte{1})}, wantErr: "PING with payload", protocol: true},
		{name: "garbage", send: [][]byte{[]byte("\x00\x00\x00\x10GET / HTTP/1.1\r\n\r\n")}, wantErr: "", protocol: true},
		{name: "unsupported version", send: [][]byte{frame(0x01, []byte("TWLK"), be16(99))}, wantErr: "unsupported protocol version"},
		{name: "truncated frame", hello: true, send: [][]byte{be32(100), []byte{0x04, 1, 2}}, wantErr: "unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkLeaks(t)
			sink := newCheckSink(1, uint64(tc.delivered))
			l := listen(t)
			r := &link.Receiver{Name: "JP-JCG", Authorize: named("IN-IFC"), Sink: sink, Cursors: t.TempDir(),
				MaxFrame: 1 << 16}
			serve(t, r, l)
			conn, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			c := rawConn{t, conn}
			if tc.hello {
				if _, err := conn.Write(helloFrame("IN-IFC")); err != nil {
					t.Fatal(err)
				}
				if typ, _, err := c.readFrame(); err != nil || typ != 0x02 {
					t.Fatalf("after hello: frame 0x%02x, %v; want WELCOME", typ, err)
				}
			}
			for i, b := range tc.send {
				conn.Write(b)
				if tc.waitAck && i < len(tc.send)-1 {
					if typ, _, err := c.readFrame(); err != nil || typ != 0x05 {
						t.Fatalf("frame 0x%02x, %v; want ACK", typ, err)
					}
				}
			}
			if tc.name == "truncated frame" {
				conn.(*net.TCPConn).CloseWrite()
			}
			c.expectClosed()
			waitFor(t, "the session to end", func() bool {
				ps := r.Stats().Partners["IN-IFC"]
				return ps.LastError != "" && !ps.Active
			})
			ps := r.Stats().Partners["IN-IFC"]
			if !strings.Contains(ps.LastError, tc.wantErr) {
				t.Errorf("LastError %q, want it to contain %q", ps.LastError, tc.wantErr)
			}
			if got := ps.ProtocolErrors > 0; got != tc.protocol {
				t.Errorf("ProtocolErrors %d, want counted: %v (LastError %q)", ps.ProtocolErrors, tc.protocol, ps.LastError)
			}
			if ps.Delivered != tc.delivered {
				t.Errorf("delivered %d, want %d", ps.Delivered, tc.delivered)
			}
			sink.check(t)

			// The receiver still serves a good sender.
			src := newMemSource()
			src.addRange(1, 5+uint64(tc.delivered), 0)
			sink.mu.Lock()
			sink.want = append(sink.want, 1+uint64(tc.delivered), 2+uint64(tc.delivered), 3+uint64(tc.delivered),
				4+uint64(tc.delivered), 5+uint64(tc.delivered))
			sink.mu.Unlock()
			run(t, fastSender(&link.Sender{Name: "IN-IFC", Source: src, Dial: dialer(fixed(l.Addr().String()))}))
			waitFor(t, "a good sender's items", func() bool { return src.Acked() == 5+uint64(tc.delivered) })
			sink.check(t)
		})
	}
}

// TestSenderViolation: a receiver that acknowledges what was never sent
// is a protocol violation on the sender's side.
func TestSenderViolation(t *testing.T) {
	checkLeaks(t)
	l := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { // a fake receiver: welcome, then ACK 1000 for every batch
		defer close(done)
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			c := rawConn{t, conn}
			if _, _, err := c.readFrame(); err == nil {
				conn.Write(frame(0x02, be16(link.Version), be64(0), []byte{6}, []byte("JP-JCG")))
				if _, _, err := c.readFrame(); err == nil {
					conn.Write(frame(0x05, be64(1000)))
				}
			}
			conn.Close()
		}
	}()
	t.Cleanup(func() { cancel(); l.Close(); <-done })
	src := newMemSource()
	src.addRange(1, 10, 0)
	s := fastSender(&link.Sender{Name: "IN-IFC", Peer: "JP-JCG", Source: src, Dial: dialer(fixed(l.Addr().String()))})
	run(t, s)
	waitFor(t, "a protocol error", func() bool { return s.Stats().ProtocolErrors >= 2 })
	if st := s.Stats(); !strings.Contains(st.LastError, "ack 1000") || st.Acked != 0 || src.Acked() != 0 {
		t.Errorf("stats %+v, want the bad ack refused", st)
	}
	_ = ctx
}

// TestGap: items the source lost are reported and the cursor moves on.
func TestGap(t *testing.T) {
	checkLeaks(t)
	src := newMemSource()
	src.addRange(1, 10, 0)
	src.addRange(20, 30, 0)
	src.addRange(35, 40, 0)
	sink := newCheckSink(1, 10)
	for s := uint64(20); s <= 30; s++ {
		sink.want = append(sink.want, s)
	}
	for s := uint64(35); s <= 40; s++ {
		sink.want = append(sink.want, s)
	}
	l := listen(t)
	r := &link.Receiver{Name: "JP-JCG", Authorize: named("IN-IFC"), Sink: sink, Cursors: t.TempDir()}
	serve(t, r, l)
	run(t, fastSender(&link.Sender{Name: "IN-IFC", Source: src, Dial: dialer(fixed(l.Addr().String()))}))
	waitFor(t, "all items", func() bool { return src.Acked() == 40 })
	sink.check(t)
	ps := r.Stats().Partners["IN-IFC"]
	if ps.Gaps != 2 || ps.GapItems != 9+4 || ps.Cursor != 40 {
		t.Errorf("gaps %d of %d items, cursor %d; want 2 of 13, 40", ps.Gaps, ps.GapItems, ps.Cursor)
	}
}

// TestHeartbeat: an idle link stays up on heartbeats, and a link that
// goes silent (the proxy swallows everything) is dropped and redialled.
func TestHeartbeat(t *testing.T) {
	checkLeaks(t)
	src := newMemSource()
	src.addRange(1, 3, 0)
	sink := newCheckSink(1, 6)
	l := listen(t)
	r := &link.Receiver{Name: "JP-JCG", Authorize: named("IN-IFC"), Sink: sink, Cursors: t.TempDir(),
		IdleTimeout: 20 * time.Second}
	serve(t, r, l)
	proxy := startProxy(t, l.Addr().String(), 1<<40, 1<<40, 1)
	s := fastSender(&link.Sender{Name: "IN-IFC", Source: src, Dial: dialer(fixed(proxy.addr())),
		HeartbeatInterval: 10 * time.Millisecond, IdleTimeout: 500 * time.Millisecond})
	run(t, s)
	waitFor(t, "many heartbeats", func() bool { return s.Stats().Pings >= 100 })
	if st := s.Stats(); st.Connects != 1 || st.Disconnects != 0 || !st.Connected {
		t.Fatalf("idle link with heartbeats: %+v; want one connection, up", st)
	}
	proxy.freeze.Store(true)
	// The disconnect is counted a moment before its error is recorded.
	waitFor(t, "the dead link detected", func() bool { st := s.Stats(); return st.Disconnects >= 1 && st.LastError != "" })
	if st := s.Stats(); !strings.Contains(st.LastError, "timeout") {
		t.Errorf("LastError %q, want a timeout", st.LastError)
	}
	proxy.freeze.Store(false)
	src.addRange(4, 6, 0)
	waitFor(t, "items after the redial", func() bool { return src.Acked() == 6 })
	sink.check(t)
}

// TestCorruptCursor: a damaged cursor file refuses the partner instead
// of delivering everything again.
func TestCorruptCursor(t *testing.T) {
	checkLeaks(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "IN-IFC.cursor"), []byte("garbage garbage!"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := newMemSource()
	src.addRange(1, 3, 0)
	sink := newCheckSink(1, 0)
	l := listen(t)
	r := &link.Receiver{Name: "JP-JCG", Authorize: named("IN-IFC"), Sink: sink, Cursors: dir}
	serve(t, r, l)
	s := fastSender(&link.Sender{Name: "IN-IFC", Source: src, Dial: dialer(fixed(l.Addr().String()))})
	run(t, s)
	waitFor(t, "refusals", func() bool { return s.Stats().Refusals >= 2 })
	ps := r.Stats().Partners["IN-IFC"]
	if !strings.Contains(ps.LastError, "cursor file corrupt") || ps.Refused == 0 {
		t.Errorf("partner stats %+v; want refused for a corrupt cursor", ps)
	}
	if st := s.Stats(); !strings.Contains(st.LastError, "cannot read its cursor") {
		t.Errorf("sender LastError %q", st.LastError)
	}
	sink.check(t)
}

// TestSinkFailure: a failing Sink closes the session; the items come
// again, counted as redelivered, and nothing is lost.
func TestSinkFailure(t *testing.T) {
	checkLeaks(t)
	src := newMemSource()
	src.addRange(1, 100, 0)
	sink := newCheckSink(1, 100)
	sink.fail = errors.New("disk full")
	l := listen(t)
	r := &link.Receiver{Name: "JP-JCG", Authorize: named("IN-IFC"), Sink: sink, Cursors: t.TempDir()}
	serve(t, r, l)
	s := fastSender(&link.Sender{Name: "IN-IFC", Source: src, Dial: dialer(fixed(l.Addr().String())), BatchItems: 10})
	run(t, s)
	waitFor(t, "failed deliveries", func() bool { return r.Stats().Partners["IN-IFC"].DeliverErrors >= 3 })
	if ps := r.Stats().Partners["IN-IFC"]; !strings.Contains(ps.LastError, "disk full") || ps.Delivered != 0 {
		t.Errorf("partner stats %+v", ps)
	}
	sink.mu.Lock()
	sink.fail = nil
	sink.mu.Unlock()
	waitFor(t, "all items", func() bool { return src.Acked() == 100 })
	sink.check(t)
	sink.mu.Lock()
	failedMax := sink.failedMax
	sink.mu.Unlock()
	if ps := r.Stats().Partners["IN-IFC"]; ps.Redelivered != int64(failedMax) || failedMax == 0 {
		t.Errorf("redelivered %d, want the %d items handed to the failing Sink", ps.Redelivered, failedMax)
	}
}

// TestConfig: missing fields are reported, not panicked on.
func TestConfig(t *testing.T) {
	ctx := context.Background()
	for _, s := range []*link.Sender{
		{},
		{Name: "bad name", Dial: dialer(fixed("")), Source: newMemSource()},
		{Name: "IN-IFC", Source: newMemSource()},
	} {
		if err := s.Run(ctx); !errors.Is(err, link.ErrConfig) {
			t.Errorf("Run(%+v) = %v, want ErrConfig", s, err)
		}
	}
	l := listen(t)
	defer l.Close()
	for _, r := range []*link.Receiver{
		{},
		{Name: "JP-JCG", Sink: &countSink{}, Cursors: t.TempDir()},
	} {
		if err := r.Serve(ctx, l); !errors.Is(err, link.ErrConfig) {
			t.Errorf("Serve(%+v) = %v, want ErrConfig", r, err)
		}
	}
}

// TestMaxConns: connections over MaxConns are closed and counted.
func TestMaxConns(t *testing.T) {
	checkLeaks(t)
	l := listen(t)
	r := &link.Receiver{Name: "JP-JCG", Authorize: named("IN-IFC"), Sink: &countSink{}, Cursors: t.TempDir(), MaxConns: 2}
	serve(t, r, l)
	var conns []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	waitFor(t, "two connections", func() bool { return r.Stats().Active == 2 })
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rawConn{t, c}.expectClosed()
	if st := r.Stats(); st.Refused != 1 || !strings.Contains(st.LastRefusal, "too many") {
		t.Errorf("stats %+v, want one refusal", st)
	}
}
