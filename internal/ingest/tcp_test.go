package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// send writes data to addr over a new connection in chunks of random
// sizes (so lines are split across reads) and closes it.
func send(t testing.TB, addr string, data []byte, seed uint64) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	r := rand.New(rand.NewPCG(seed, 7))
	for len(data) > 0 {
		n := min(len(data), 1+r.IntN(8192))
		if _, err := c.Write(data[:n]); err != nil {
			t.Error(err)
			return
		}
		data = data[n:]
	}
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newTCPServer(t testing.TB, cfg ingest.TCPServerConfig) *ingest.TCPServer {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Now == nil {
		cfg.Now = fixedNow
	}
	s, err := ingest.NewTCPServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestTCPServerMatchesFile(t *testing.T) {
	const name = "tcp:ais-catcher"
	ref, fst := reference(t, dmaStream, name)
	data := readFile(t, dmaStream)

	for _, clients := range []int{1, 4} {
		col := newCollector()
		srv := newTCPServer(t, ingest.TCPServerConfig{
			InputOptions: ingest.InputOptions{Name: name, Sink: col.sink, Overflow: ingest.Block},
		})
		stop := run(t, srv)
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() { send(t, srv.Addr().String(), data, uint64(i)) })
		}
		wg.Wait()
		col.wait(t, clients*len(ref))
		eventually(t, "connections to close", func() bool { return srv.Stats().Active == 0 })
		st := srv.Stats()
		if err := stop(); err != nil {
			t.Errorf("Run = %v", err)
		}
		noLeaks(t)

		got := col.all()
		sameObservations(t, got, ref, clients)
		if clients == 1 {
			// One connection keeps the input's order.
			for i := range min(len(got), len(ref)) {
				if got[i] != ref[i] {
					t.Errorf("observation %d = %+v; want %+v", i, got[i], ref[i])
					break
				}
			}
		}
		n := int64(clients)
		if st.Accepted != n || st.Refused != 0 || st.ReadErrors != 0 {
			t.Errorf("accepted %d, refused %d, read errors %d; want %d, 0, 0", st.Accepted, st.Refused, st.ReadErrors, n)
		}
		if st.Bytes != n*int64(len(data)) || st.Lines != n*fst.NMEA.Lines || st.Messages != n*fst.Messages ||
			st.Observations != n*fst.Observations || st.NotAIS != n*fst.NMEA.NotAIS {
			t.Errorf("counters %+v; want %d× bytes %d, lines %d, messages %d, observations %d, not AIS %d",
				st.Counters, n, len(data), fst.NMEA.Lines, fst.Messages, fst.Observations, fst.NMEA.NotAIS)
		}
		for class, v := range fst.Rejected {
			if st.Rejected[class] != n*v {
				t.Errorf("rejected %s = %d; want %d", class, st.Rejected[class], n*v)
			}
		}
		if q := st.Queue; q.Dropped != 0 || q.Delivered != n*fst.Observations || q.Cap != ingest.DefaultQueueBatches {
			t.Errorf("queue %+v; want nothing dropped, %d delivered", q, n*fst.Observations)
		}
		if st.LastMessage.IsZero() {
			t.Error("LastMessage is zero")
		}
	}
}

func TestTCPServerSourceRemote(t *testing.T) {
	col := newCollector()
	srv := newTCPServer(t, ingest.TCPServerConfig{
		InputOptions: ingest.InputOptions{Sink: col.sink},
		Source:       ingest.SourceRemote,
	})
	stop := run(t, srv)
	defer stop()
	lines := "!BSVDM,1,1,,B,13B2LJ7P0L0f49RQ1IqrPww>2<0m,0*4D\n" +
		tagBlock("s:rx-north,c:1276256798") + "!BSVDM,1,1,,B,13B2LJ7P0L0f49RQ1IqrPww>2<0m,0*4D\n"
	send(t, srv.Addr().String(), []byte(lines), 1)
	col.wait(t, 2)
	got := col.all()
	if s := got[0].Position.Source; s != "tcp:127.0.0.1" {
		t.Errorf("source without tag block = %q; want tcp:127.0.0.1", s)
	}
	if s := got[1].Position.Source; s != "rx-north" {
		t.Errorf("source with tag block = %q", s)
	}
	st := srv.Stats()
	if st.Name != "tcp-server:127.0.0.1:0" {
		t.Errorf("default name %q", st.Name)
	}
}

func TestTCPServerHostileInput(t *testing.T) {
	const name = "tcp:hostile"
	ref, fst := reference(t, dmaStream, name)
	col := newCollector()
	srv := newTCPServer(t, ingest.TCPServerConfig{
		InputOptions: ingest.InputOptions{Name: name, Sink: col.sink, Overflow: ingest.Block},
	})
	stop := run(t, srv)
	addr := srv.Addr().String()

	junk := make([]byte, 256<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}
	hostile := [][]byte{
		[]byte("hello world\n!AIVDM,garbage*00\n$GPGGA,1,2,3*00\n\x00\x00\x00\n"),
		append(bytes.Repeat([]byte("!AIVDM,1,1,,B,"), 400), '\n'), // 5600 bytes: over the line limit
		bytes.Repeat([]byte("A"), 1<<20),                          // 1 MiB with no line end at all
		junk,                                                      // binary
		[]byte("!AIVDM,1,1,,B,13B2LJ7P0L0f4"),                     // half a sentence, then disconnect
		[]byte("!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E\n"), // a first fragment, then disconnect
	}
	var wg sync.WaitGroup
	for i, h := range hostile {
		wg.Go(func() { send(t, addr, h, uint64(i)) })
	}
	// A connection that says half a sentence and then goes away without
	// a FIN (reset).
	wg.Go(func() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Error(err)
			return
		}
		c.Write([]byte("!AIVDM,1,1,,A,15M"))
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	})
	wg.Wait()
	eventually(t, "hostile connections to end", func() bool {
		st := srv.Stats()
		return st.Accepted == int64(len(hostile)+1) && st.Active == 0
	})
	hst := srv.Stats()
	if hst.Messages != 0 || hst.Observations != 0 {
		t.Errorf("hostile input gave %d messages, %d observations", hst.Messages, hst.Observations)
	}
	for _, class := range []string{"line_too_long", "malformed_sentence", "fragment"} {
		if hst.Rejected[class] == 0 {
			t.Errorf("rejected %s = 0; rejected: %v", class, hst.Rejected)
		}
	}
	if hst.Rejected["line_too_long"] < 2 {
		t.Errorf("line_too_long = %d; want at least 2", hst.Rejected["line_too_long"])
	}
	if rejectedTotal(hst.Rejected)+hst.NotAIS < 6 {
		t.Errorf("only %d rejected and %d not-AIS lines counted: %v", rejectedTotal(hst.Rejected), hst.NotAIS, hst.Rejected)
	}

	// The listener still serves: the real capture goes through whole.
	send(t, addr, readFile(t, dmaStream), 99)
	col.wait(t, len(ref))
	eventually(t, "the last connection to end", func() bool { return srv.Stats().Active == 0 })
	if err := stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
	sameObservations(t, col.all(), ref, 1)
	st := srv.Stats()
	if st.Observations != fst.Observations {
		t.Errorf("observations %d; want %d", st.Observations, fst.Observations)
	}
	if got, want := st.Rejected["line_too_long"], hst.Rejected["line_too_long"]+fst.Rejected["line_too_long"]; got != want {
		t.Errorf("line_too_long = %d; want %d", got, want)
	}
	noLeaks(t)
}

func TestTCPServerLimits(t *testing.T) {
	col := newCollector()
	srv := newTCPServer(t, ingest.TCPServerConfig{
		InputOptions: ingest.InputOptions{Sink: col.sink},
		MaxConns:     2,
		IdleTimeout:  200 * time.Millisecond,
	})
	stop := run(t, srv)
	addr := srv.Addr().String()

	var open []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		open = append(open, c)
	}
	eventually(t, "two connections", func() bool { return srv.Stats().Active == 2 })
	third, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	third.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := third.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("third connection: read = %v; want EOF (refused)", err)
	}
	// The open connections send nothing: the idle timeout closes them.
	for _, c := range open {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("idle connection: read = %v; want EOF", err)
		}
	}
	eventually(t, "idle connections to close", func() bool { return srv.Stats().Active == 0 })
	st := srv.Stats()
	if st.Refused != 1 || st.IdleTimeouts != 2 || st.Accepted != 3 {
		t.Errorf("refused %d, idle timeouts %d, accepted %d; want 1, 2, 3", st.Refused, st.IdleTimeouts, st.Accepted)
	}
	if err := stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
	noLeaks(t)
}

func TestTCPServerStalledSink(t *testing.T) {
	ref, fst := reference(t, dmaStream, "stalled")
	data := readFile(t, dmaStream)
	for _, policy := range []ingest.Overflow{ingest.DropNewest, ingest.DropOldest} {
		t.Run(policy.String(), func(t *testing.T) {
			release := make(chan struct{})
			var mu sync.Mutex
			var got []vessel.Observation
			sink := func(b []vessel.Observation) {
				<-release
				mu.Lock()
				got = append(got, b...)
				mu.Unlock()
			}
			srv := newTCPServer(t, ingest.TCPServerConfig{InputOptions: ingest.InputOptions{
				Name: "stalled", Sink: sink, QueueBatches: 4, BatchSize: 16, Overflow: policy,
			}})
			stop := run(t, srv)
			send(t, srv.Addr().String(), data, 3)
			// The sink holds its first batch: the reader still reads the
			// whole input, and the queue drops what does not fit.
			eventually(t, "the whole input to be read", func() bool {
				st := srv.Stats()
				return st.Active == 0 && st.Bytes == int64(len(data))
			})
			st := srv.Stats()
			if st.Observations != fst.Observations {
				t.Errorf("observations %d; want %d", st.Observations, fst.Observations)
			}
			q := st.Queue
			// Full, less the batch the sink holds if it took it after the
			// reader had finished.
			if q.Len < 3 || q.Dropped == 0 || q.DroppedBatches == 0 || q.Policy != policy {
				t.Errorf("queue %+v; want full (4, or 3) with drops", q)
			}
			close(release)
			eventually(t, "the queue to drain", func() bool { return srv.Stats().Queue.Len == 0 })
			if err := stop(); err != nil {
				t.Errorf("Run = %v", err)
			}
			q = srv.Stats().Queue
			mu.Lock()
			defer mu.Unlock()
			if int64(len(got)) != q.Delivered || q.Delivered+q.Dropped != fst.Observations {
				t.Errorf("sink got %d, delivered %d + dropped %d; want %d in all", len(got), q.Delivered, q.Dropped, fst.Observations)
			}
			// DropNewest keeps the input's start, DropOldest its end.
			// (DropOldest may drop the first batch too, if the reader fills
			// the queue before the sink is first called.)
			if policy == ingest.DropNewest && got[0] != ref[0] {
				t.Errorf("first observation delivered %+v; want %+v", got[0], ref[0])
			}
			lastKept := got[len(got)-1] == ref[len(ref)-1]
			if lastKept != (policy == ingest.DropOldest) {
				t.Errorf("%v: the input's last observation delivered = %v", policy, lastKept)
			}
			noLeaks(t)
		})
	}
}

// sleeper is an injected Sleep: it records the waits, returns at once for
// the first allow of them, then blocks until the context is done.
type sleeper struct {
	allow int
	calls chan time.Duration
	mu    sync.Mutex
	n     int
}

func newSleeper(allow int) *sleeper {
	return &sleeper{allow: allow, calls: make(chan time.Duration, 1000)}
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	s.calls <- d
	if n > s.allow {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func TestTCPClientReconnects(t *testing.T) {
	const name = "tcp:feed"
	ref, fst := reference(t, dmaStream, name)
	data := readFile(t, dmaStream)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()

	// The feed: serves the capture twice, dropping the client after each,
	// then goes away (connections refused).
	proceed := make(chan struct{})
	feedDone := make(chan struct{})
	go func() {
		defer close(feedDone)
		for i := range 2 {
			c, err := ln.Accept()
			if err != nil {
				t.Error(err)
				return
			}
			c.Write(data)
			if i == 0 {
				<-proceed
			} else {
				ln.Close() // before the client can reconnect
			}
			c.Close()
		}
	}()

	col := newCollector()
	sl := newSleeper(6)
	cl, err := ingest.NewTCPClient(ingest.TCPClientConfig{
		InputOptions: ingest.InputOptions{Name: name, Sink: col.sink, Now: fixedNow, Sleep: sl.sleep, Overflow: ingest.Block},
		Address:      addr,
		MinBackoff:   time.Second,
		MaxBackoff:   8 * time.Second,
		Rand:         rand.NewPCG(1, 2),
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, cl)

	col.wait(t, len(ref))
	h := cl.Health()
	if !h.Connected || h.Connects != 1 || h.Reconnects != 0 || h.LastMessage.IsZero() || h.LastError != "" {
		t.Errorf("health while connected: %+v", h)
	}
	close(proceed)

	// Waits: after each of the two good connections up to MinBackoff; then,
	// the feed gone, doubling up to MaxBackoff; the seventh blocks.
	want := []time.Duration{1, 1, 2, 4, 8, 8, 8}
	for i, w := range want {
		var d time.Duration
		select {
		case d = <-sl.calls:
		case <-time.After(20 * time.Second):
			t.Fatalf("wait %d: no reconnection attempt", i)
		}
		hi := w * time.Second
		if d < hi/2 || d > hi {
			t.Errorf("wait %d = %v; want in [%v, %v]", i, d, hi/2, hi)
		}
	}
	<-feedDone
	h = cl.Health()
	if h.Connected || h.Connects != 2 || h.Reconnects != 1 || h.Disconnects != 2 || h.Failures != 5 {
		t.Errorf("health after the feed went away: %+v; want 2 connects, 1 reconnect, 2 disconnects, 5 failures", h)
	}
	if h.LastError == "" || h.Backoff < 4*time.Second || !h.NextAttempt.Equal(fixedTime.Add(h.Backoff)) {
		t.Errorf("health: last error %q, backoff %v, next attempt %v", h.LastError, h.Backoff, h.NextAttempt)
	}
	st := cl.Stats()
	if st.Observations != 2*fst.Observations || st.Messages != 2*fst.Messages || st.Bytes != 2*int64(len(data)) {
		t.Errorf("counters %+v; want twice the file's", st.Counters)
	}
	if err := stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
	sameObservations(t, col.all(), ref, 2)
	noLeaks(t)
}

func TestInputLifecycle(t *testing.T) {
	sink := func([]vessel.Observation) {}
	srv := newTCPServer(t, ingest.TCPServerConfig{InputOptions: ingest.InputOptions{Sink: sink}})
	udp, err := ingest.NewUDPListener(ingest.UDPConfig{InputOptions: ingest.InputOptions{Sink: sink}, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := ingest.NewTCPClient(ingest.TCPClientConfig{InputOptions: ingest.InputOptions{Sink: sink}, Address: srv.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := ingest.NewReplay(ingest.ReplayConfig{InputOptions: ingest.InputOptions{Sink: sink}, File: dmaStream, Speed: 1, Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	inputs := []interface {
		Run(context.Context) error
		Close() error
	}{srv, udp, cl, rp}

	// Close stops a running Run promptly and leaves nothing behind; Run
	// after Close is refused.
	done := make(chan error, len(inputs))
	for _, in := range inputs {
		go func() { done <- in.Run(context.Background()) }()
	}
	eventually(t, "the client to connect", func() bool { return cl.Health().Connected })
	for _, in := range inputs {
		if err := in.Close(); err != nil {
			t.Errorf("%T.Close = %v", in, err)
		}
	}
	for range inputs {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after Close")
		}
	}
	for _, in := range inputs {
		if err := in.Run(context.Background()); !errors.Is(err, ingest.ErrClosed) {
			t.Errorf("%T.Run after Close = %v; want ErrClosed", in, err)
		}
		if err := in.Close(); err != nil {
			t.Errorf("second %T.Close = %v", in, err)
		}
	}
	noLeaks(t)

	// A second Run while one is running is refused.
	rp2, err := ingest.NewReplay(ingest.ReplayConfig{InputOptions: ingest.InputOptions{Sink: sink}, File: dmaStream, Speed: 1, Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, rp2)
	eventually(t, "the replay to start", func() bool { return rp2.Stats().Observations > 0 })
	if err := rp2.Run(context.Background()); !errors.Is(err, ingest.ErrRunning) {
		t.Errorf("second Run = %v; want ErrRunning", err)
	}
	if err := stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
	noLeaks(t)

	if _, err := ingest.NewTCPServer(ingest.TCPServerConfig{Listen: "127.0.0.1:0"}); err == nil {
		t.Error("NewTCPServer without a sink: no error")
	}
}

// BenchmarkTCPIngest measures messages per second from NMEA bytes on a
// loopback connection to observations at the sink, four connections at
// once.
func BenchmarkTCPIngest(b *testing.B) {
	data := readFile(b, dmaStream)
	_, fst := reference(b, dmaStream, "bench")
	const conns = 4
	var got atomic.Int64
	more := make(chan struct{}, 1)
	srv := newTCPServer(b, ingest.TCPServerConfig{InputOptions: ingest.InputOptions{
		Name: "bench", Overflow: ingest.Block, Now: time.Now,
		Sink: func(batch []vessel.Observation) {
			got.Add(int64(len(batch)))
			select {
			case more <- struct{}{}:
			default:
			}
		},
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	b.SetBytes(conns * int64(len(data)))
	start := time.Now()
	var msgs int64
	for b.Loop() {
		want := got.Load() + conns*fst.Observations
		var wg sync.WaitGroup
		for range conns {
			wg.Go(func() {
				c, err := net.Dial("tcp", srv.Addr().String())
				if err != nil {
					b.Error(err)
					return
				}
				c.Write(data)
				c.Close()
			})
		}
		wg.Wait()
		for got.Load() < want {
			<-more
		}
		msgs += conns * fst.Messages
	}
	b.ReportMetric(float64(msgs)/time.Since(start).Seconds(), "msgs/s")
	cancel()
	<-done
}

// tagBlock returns an NMEA 4.10 tag block with fields and its checksum.
func tagBlock(fields string) string {
	var sum byte
	for i := range len(fields) {
		sum ^= fields[i]
	}
	return fmt.Sprintf("\\%s*%02X\\", fields, sum)
}
