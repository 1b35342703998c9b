package link_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/link"
)

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// waitProgress polls cond until it holds, failing the test only when
// progress (a counter that grows while the work goes on) has not moved
// for 30 seconds: a long transfer on a loaded machine is slow, not stuck.
func waitProgress(t testing.TB, what string, cond func() bool, progress func() uint64) {
	t.Helper()
	last, since := progress(), time.Now()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if p := progress(); p != last {
			last, since = p, time.Now()
		} else if time.Since(since) > 30*time.Second {
			t.Fatalf("timed out waiting for %s: no progress for 30 s (at %d)", what, p)
		}
		<-tick.C
	}
}

// checkLeaks fails the test if goroutines started during it are still
// running (after a grace deadline) when it ends. Call it first, so that its
// cleanup runs last.
func checkLeaks(t testing.TB) {
	base := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(10 * time.Second)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for runtime.NumGoroutine() > base {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("%d goroutines left, %d before the test:\n%s", runtime.NumGoroutine(), base, buf)
				return
			}
			<-tick.C
		}
	})
}

// itemData is the data of item seq in tests: distinct, of varying length.
func itemData(seq uint64) []byte {
	return fmt.Appendf(nil, "item-%d-%s", seq, strings.Repeat("x", int(seq%23)))
}

// memSource is an in-memory Source that survives a Sender's restart.
type memSource struct {
	mu     sync.Mutex
	items  []link.Item // by increasing Seq
	acked  uint64
	acks   int
	notify chan struct{}
}

func newMemSource() *memSource { return &memSource{notify: make(chan struct{}, 1)} }

// addRange appends items lo..hi with test data and notBefore.
func (m *memSource) addRange(lo, hi uint64, notBefore int64) {
	m.mu.Lock()
	for s := lo; s <= hi; s++ {
		m.items = append(m.items, link.Item{Seq: s, NotBefore: notBefore, Data: itemData(s)})
	}
	m.mu.Unlock()
	select {
	case m.notify <- struct{}{}:
	default:
	}
}

func (m *memSource) Read(after uint64, max, maxBytes int) ([]link.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := sort.Search(len(m.items), func(i int) bool { return m.items[i].Seq > after })
	var out []link.Item
	bytes := 0
	for ; i < len(m.items) && len(out) < max; i++ {
		if len(out) > 0 && bytes+len(m.items[i].Data) > maxBytes {
			break
		}
		bytes += len(m.items[i].Data)
		out = append(out, m.items[i])
	}
	return out, nil
}

func (m *memSource) Ack(seq uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.acks++
	if seq > m.acked {
		m.acked = seq
	}
	return nil
}

func (m *memSource) Notify() <-chan struct{} { return m.notify }

func (m *memSource) Last() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.items) == 0 {
		return 0
	}
	return m.items[len(m.items)-1].Seq
}

func (m *memSource) Acked() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.acked
}

// checkSink is a Sink that checks every item against want (the seqs
// expected, in order) and the test data, once each.
type checkSink struct {
	mu    sync.Mutex
	want  []uint64
	got   int // items received so far
	err   error
	calls int
	fail  error // returned by Deliver when set
	// failedMax is the highest seq passed to a Deliver that failed.
	failedMax uint64
}

func newCheckSink(lo, hi uint64) *checkSink {
	k := &checkSink{}
	for s := lo; s <= hi; s++ {
		k.want = append(k.want, s)
	}
	return k
}

func (k *checkSink) Deliver(from string, items []link.Item) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls++
	if k.fail != nil {
		k.failedMax = max(k.failedMax, items[len(items)-1].Seq)
		return k.fail
	}
	for _, it := range items {
		if k.err != nil {
			break
		}
		switch {
		case k.got >= len(k.want):
			k.err = fmt.Errorf("item %d from %s after all %d expected items", it.Seq, from, len(k.want))
		case it.Seq != k.want[k.got]:
			k.err = fmt.Errorf("item %d from %s, want %d (item #%d)", it.Seq, from, k.want[k.got], k.got)
		case !bytes.Equal(it.Data, itemData(it.Seq)):
			k.err = fmt.Errorf("item %d from %s: data %q", it.Seq, from, it.Data)
		}
		k.got++
	}
	return nil
}

func (k *checkSink) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.got
}

// check fails t if a wrong item came, or not exactly the expected ones.
func (k *checkSink) check(t testing.TB) {
	t.Helper()
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err != nil {
		t.Fatal(k.err)
	}
	if k.got != len(k.want) {
		t.Fatalf("sink got %d items, want %d", k.got, len(k.want))
	}
}

// countSink counts items.
type countSink struct{ n atomic.Int64 }

func (c *countSink) Deliver(_ string, items []link.Item) error {
	c.n.Add(int64(len(items)))
	return nil
}

// named returns an Authorize function that names every peer name.
func named(name string) func(net.Conn) (string, error) {
	return func(net.Conn) (string, error) { return name, nil }
}

// listen returns a loopback TCP listener.
func listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// dialer returns a Dial function for the address addr returns at each
// dial.
func dialer(addr func() string) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr())
	}
}

func fixed(addr string) func() string { return func() string { return addr } }

// serve runs r.Serve on l until the returned stop function is called; stop
// waits for Serve to return and checks its error.
func serve(t testing.TB, r *link.Receiver, l net.Listener) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx, l) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// run runs s.Run until the returned stop function is called.
func run(t testing.TB, s *link.Sender) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// cutProxy forwards connections to a target and cuts each one after a
// random number of bytes (both directions together), at any point of a
// frame. With freeze set, it stops forwarding instead (a dead link that
// stays open).
type cutProxy struct {
	ln             net.Listener
	target         string
	minCut, maxCut int64
	rng            *mrand.Rand // used by the accept goroutine only
	freeze         atomic.Bool

	cuts  atomic.Int64
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func startProxy(t testing.TB, target string, minCut, maxCut int64, seed uint64) *cutProxy {
	p := &cutProxy{ln: listen(t), target: target, minCut: minCut, maxCut: maxCut,
		rng: mrand.New(mrand.NewPCG(seed, 1)), conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *cutProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *cutProxy) accept() {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		p.conns = nil
		p.mu.Unlock()
	}()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		if !p.track(in) || !p.track(out) {
			in.Close()
			out.Close()
			return
		}
		budget := &atomic.Int64{}
		budget.Store(p.minCut + p.rng.Int64N(p.maxCut-p.minCut+1))
		closeBoth := func() {
			if in.Close() == nil {
				p.cuts.Add(1)
			}
			out.Close()
			p.mu.Lock()
			if p.conns != nil {
				delete(p.conns, in)
				delete(p.conns, out)
			}
			p.mu.Unlock()
		}
		p.wg.Add(2)
		go p.pipe(out, in, budget, closeBoth)
		go p.pipe(in, out, budget, closeBoth)
	}
}

func (p *cutProxy) pipe(dst, src net.Conn, budget *atomic.Int64, closeBoth func()) {
	defer p.wg.Done()
	defer closeBoth()
	buf := make([]byte, 1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if p.freeze.Load() {
				// Swallow: the peer sees a link that is up but silent.
				if err != nil {
					return
				}
				continue
			}
			left := budget.Add(-int64(n))
			if left < 0 {
				n += int(left)
			}
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if left <= 0 {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// testPKI is a CA and leaf certificates (Ed25519) for node names.
type testPKI struct {
	ca    *x509.Certificate
	caKey ed25519.PrivateKey
	pool  *x509.CertPool
}

func newPKI(t testing.TB) *testPKI {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tidewatch test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &testPKI{ca: ca, caKey: key, pool: pool}
}

// leaf returns a certificate for node name, valid for client and server
// authentication on 127.0.0.1.
func (p *testPKI) leaf(t testing.TB, name string) tls.Certificate {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, pub, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsListener wraps l in TLS 1.3 for node name, requiring client
// certificates from the CA.
func (p *testPKI) tlsListener(t testing.TB, l net.Listener, name string) net.Listener {
	return tls.NewListener(l, &tls.Config{
		Certificates: []tls.Certificate{p.leaf(t, name)},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    p.pool,
		MinVersion:   tls.VersionTLS13,
	})
}

// tlsDialer returns a Dial for node name to the address addr returns.
func (p *testPKI) tlsDialer(t testing.TB, name string, addr func() string) func(context.Context) (net.Conn, error) {
	cfg := &tls.Config{
		Certificates: []tls.Certificate{p.leaf(t, name)},
		RootCAs:      p.pool,
		MinVersion:   tls.VersionTLS13,
	}
	return func(ctx context.Context) (net.Conn, error) {
		d := tls.Dialer{Config: cfg}
		return d.DialContext(ctx, "tcp", addr())
	}
}

// authorizeTLS names the peer of a TLS connection by its certificate's
// common name (the listener's config has verified the chain).
func authorizeTLS(conn net.Conn) (string, error) {
	tc, ok := conn.(*tls.Conn)
	if !ok {
		return "", errors.New("not a TLS connection")
	}
	if err := tc.Handshake(); err != nil {
		return "", err
	}
	certs := tc.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return "", errors.New("no client certificate")
	}
	return certs[0].Subject.CommonName, nil
}

// rawConn is a hand-driven sender for protocol tests.
type rawConn struct {
	t testing.TB
	net.Conn
}

func frame(typ byte, payload ...[]byte) []byte {
	body := []byte{typ}
	for _, p := range payload {
		body = append(body, p...)
	}
	return append(be32(uint32(len(body))), body...)
}

func be16(v uint16) []byte { return []byte{byte(v >> 8), byte(v)} }
func be32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }
func be64(v uint64) []byte { return append(be32(uint32(v>>32)), be32(uint32(v))...) }

func helloFrame(name string) []byte {
	return frame(0x01, []byte("TWLK"), be16(link.Version), []byte{byte(len(name))}, []byte(name))
}

// batchFrame encodes one item per seq (data: itemData) with base 0 and
// the deltas from it; seqs must increase.
func batchFrame(seqs ...uint64) []byte {
	p := append(be64(0), be32(uint32(len(seqs)))...)
	prev := uint64(0)
	for _, s := range seqs {
		p = append(p, byte(s-prev)) // deltas < 128 in tests
		p = append(p, 0)            // not-before delta
		d := itemData(s)
		p = append(p, byte(len(d)))
		p = append(p, d...)
		prev = s
	}
	return frame(0x04, p)
}

// readFrame reads one frame from the receiver.
func (c rawConn) readFrame() (byte, []byte, error) {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := int(hdr[0])<<24 | int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
	body := make([]byte, n)
	if _, err := io.ReadFull(c, body); err != nil {
		return 0, nil, err
	}
	return body[0], body[1:], nil
}

// expectClosed reads until the receiver closes the connection, failing
// on anything but ACK/PONG/REFUSE frames.
func (c rawConn) expectClosed() {
	c.t.Helper()
	for {
		typ, _, err := c.readFrame()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "reset") {
				return
			}
			c.t.Fatalf("waiting for close: %v", err)
		}
		if !slices.Contains([]byte{0x03, 0x05, 0x07}, typ) {
			c.t.Fatalf("unexpected frame type 0x%02x", typ)
		}
	}
}
