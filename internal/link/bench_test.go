package link_test

import (
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/link"
)

// genSource is a Source of limit items of 100 bytes, made on demand (no
// memory per item), all available at once.
type genSource struct {
	limit uint64
	data  []byte
	acked atomic.Uint64
	buf   []link.Item // reused: the link does not keep items across Reads
}

func newGenSource(limit uint64) *genSource {
	d := make([]byte, 100)
	for i := range d {
		d[i] = byte('a' + i%26)
	}
	return &genSource{limit: limit, data: d}
}

func (g *genSource) Read(after uint64, max, maxBytes int) ([]link.Item, error) {
	n := min(uint64(max), uint64(maxBytes/len(g.data)), g.limit-min(after, g.limit))
	g.buf = g.buf[:0]
	for s := after + 1; s <= after+n; s++ {
		g.buf = append(g.buf, link.Item{Seq: s, Data: g.data})
	}
	return g.buf, nil
}

func (g *genSource) Ack(seq uint64) error {
	g.acked.Store(seq)
	return nil
}

func (g *genSource) Notify() <-chan struct{} { return nil }
func (g *genSource) Last() uint64            { return g.limit }

// drain streams n items of 100 bytes over a loopback link (TLS 1.3 with
// Ed25519 certificates if pki is set) and returns the time from the
// sender's start to the last ack.
func drain(tb testing.TB, n uint64, pki *testPKI) (time.Duration, link.SenderStats, link.PartnerStats) {
	src := newGenSource(n)
	sink := &countSink{}
	var l net.Listener = listen(tb)
	authorize := named("IN-IFC")
	dial := dialer(fixed(l.Addr().String()))
	if pki != nil {
		dial = pki.tlsDialer(tb, "IN-IFC", fixed(l.Addr().String()))
		l = pki.tlsListener(tb, l, "JP-JCG")
		authorize = authorizeTLS
	}
	r := &link.Receiver{Name: "JP-JCG", Authorize: authorize, Sink: sink, Cursors: tb.TempDir()}
	stopR := serve(tb, r, l)
	s := &link.Sender{Name: "IN-IFC", Peer: "JP-JCG", Dial: dial, Source: src}
	start := time.Now()
	stopS := run(tb, s)
	done := make(chan struct{})
	var once sync.Once
	go func() { // wait for the last ack without polling too hard
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for src.acked.Load() < n {
			<-tick.C
		}
		once.Do(func() { close(done) })
	}()
	<-done
	elapsed := time.Since(start)
	stopS()
	stopR()
	if got := sink.n.Load(); got != int64(n) {
		tb.Fatalf("sink got %d items, want %d", got, n)
	}
	return elapsed, s.Stats(), r.Stats().Partners["IN-IFC"]
}

// BenchmarkLink streams b.N items of 100 bytes through a loopback link
// with the default settings (Window 8, batches of 1024 items), over TCP
// and over TLS 1.3, and reports items/s. Each batch (or group of batches
// that arrived together) costs the receiver a cursor write with two
// fsyncs.
func BenchmarkLink(b *testing.B) {
	for _, tc := range []struct {
		name string
		tls  bool
	}{{"tcp", false}, {"tls13-ed25519", true}} {
		b.Run(tc.name, func(b *testing.B) {
			var pki *testPKI
			if tc.tls {
				pki = newPKI(b)
			}
			b.SetBytes(100)
			b.ResetTimer()
			elapsed, _, ps := drain(b, uint64(b.N), pki)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "items/s")
			b.ReportMetric(float64(b.N)/float64(max(ps.Commits, 1)), "items/commit")
		})
	}
}

// BenchmarkCatchUp measures the time to drain one hour of backlog at
// 2,000 items/s (7.2M items of 100 bytes) over a loopback TLS 1.3 link
// after an outage, and reports it (no assertion). Run it with
// -benchtime=1x; TIDEWATCH_LINK_BACKLOG=<items> scales the backlog (the
// report then extrapolates to one hour).
func BenchmarkCatchUp(b *testing.B) {
	const rate, hour = 2000, 3600
	n := uint64(rate * hour)
	if v := os.Getenv("TIDEWATCH_LINK_BACKLOG"); v != "" {
		var err error
		if n, err = strconv.ParseUint(v, 10, 64); err != nil {
			b.Fatal(err)
		}
	}
	pki := newPKI(b)
	for b.Loop() {
		elapsed, ss, ps := drain(b, n, pki)
		perHour := elapsed.Seconds() * float64(rate*hour) / float64(n)
		b.ReportMetric(float64(n)/elapsed.Seconds(), "items/s")
		b.ReportMetric(perHour, "s/hour-of-backlog")
		b.Logf("drained %d items in %v (%.0f items/s, %.0f× the arrival rate); %d batches in %d cursor commits, %d bytes sent",
			n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), float64(n)/elapsed.Seconds()/rate, ps.Batches, ps.Commits, ss.BytesSent)
	}
}
