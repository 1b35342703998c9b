package share

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/audit"
	"github.com/tidewatch/tidewatch/internal/identity"
	"github.com/tidewatch/tidewatch/internal/link"
	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// counter is a Local that counts what it receives.
type counter struct {
	mu    sync.Mutex
	items []Envelope
	n     atomic.Int64
	keep  bool
	holds func(*Envelope) bool
}

func (c *counter) Vessel(m vessel.MMSI) policy.Vessel { return policy.Vessel{MMSI: m} }

func (c *counter) Holds(e *Envelope) bool { return c.holds != nil && c.holds(e) }

func (c *counter) Receive(ctx context.Context, from string, items []Envelope) error {
	if c.keep {
		c.mu.Lock()
		c.items = append(c.items, items...)
		c.mu.Unlock()
	}
	c.n.Add(int64(len(items)))
	return nil
}

// pair makes two nodes that are each other's partners, with the given
// policies, and returns their sharers (not running).
func pair(t testing.TB, aPolicy, bPolicy string, aLocal, bLocal Local) (*Sharer, *Sharer) {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	a, err := identity.Init(filepath.Join(dir, "a", "node"), "IN-IFC", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b, err := identity.Init(filepath.Join(dir, "b", "node"), "JP-JCG", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Reserve b's link address, then let b listen on it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bAddr := l.Addr().String()
	l.Close()
	if _, err := a.AddPartner("JP-JCG", b.CertificatePEM(), bAddr, now); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddPartner("IN-IFC", a.CertificatePEM(), "", now); err != nil {
		t.Fatal(err)
	}
	pa, err := policy.Parse([]byte(aPolicy))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := policy.Parse([]byte(bPolicy))
	if err != nil {
		t.Fatal(err)
	}
	sa, err := Open(Config{Node: a, Policy: pa, Dir: filepath.Join(dir, "a", "share"), Local: aLocal, MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := Open(Config{Node: b, Policy: pb, Dir: filepath.Join(dir, "b", "share"), Listen: bAddr, Local: bLocal})
	if err != nil {
		t.Fatal(err)
	}
	return sa, sb
}

func runSharer(t testing.TB, s *Sharer) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
}

func waitUntil(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		case <-tick.C:
		}
	}
}

const (
	policyA = `{"version": 1, "node": "IN-IFC", "areas": {"ior": {"bbox": [40, -20, 100, 25]}},
	  "partners": {"JP-JCG": {"share": {"positions": true, "static": true}, "include_areas": ["ior"],
	    "exclude_vessels": {"mmsi": [419000001]}}}}`
	policyB = `{"version": 1, "node": "JP-JCG", "partners": {"IN-IFC": {"accept": ["position", "static"]}}}`
)

func position(m vessel.MMSI, i int, lat, lon float64) Envelope {
	return Envelope{Kind: KindPosition, Position: vessel.Position{MMSI: m, Time: vessel.Time(1_700_000_000_000 + int64(i)*1000),
		Lat: lat, Lon: lon, SOG: 100, COG: 900, Heading: 90, Status: 0, Source: "receiver:secret"}}
}

// TestShareByPolicy: what the policy allows arrives once, with its origin
// and without the receiver's name; what it denies never leaves; both
// audit logs say so.
func TestShareByPolicy(t *testing.T) {
	recv := &counter{keep: true}
	a, b := pair(t, policyA, policyB, &counter{}, recv)
	stopB := runSharer(t, b)
	stopA := runSharer(t, a)
	a.Offer(position(419123456, 0, 18.9, 72.8))   // in the IOR: goes
	a.Offer(position(419000001, 1, 18.9, 72.8))   // excluded vessel
	a.Offer(position(431000001, 2, 35.6, 139.7))  // Tokyo Bay: outside the areas
	a.Offer(position(419123456, 3, 18.91, 72.81)) // goes
	a.Offer(Envelope{Kind: KindStatic, Static: vessel.Static{MMSI: 419123456, Time: 1_700_000_000_000, Has: vessel.HasName, Name: "<b>SAGAR</b>"}})
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "three items at JP-JCG", func() bool { return recv.n.Load() >= 3 })
	stopA()
	stopB()
	if n := recv.n.Load(); n != 3 {
		t.Fatalf("JP-JCG received %d items, want 3", n)
	}
	for _, e := range recv.items {
		if e.Origin != "IN-IFC" || e.Hops != 1 {
			t.Errorf("origin %q hops %d", e.Origin, e.Hops)
		}
		if e.Kind == KindPosition && (e.Position.MMSI != 419123456 || e.Position.Source != "") {
			t.Errorf("received %+v", e.Position)
		}
	}
	if w, u := b.Weight("IN-IFC"), b.Weight("XX-UNKNOWN"); w != 1 || u != 0 {
		t.Errorf("weights: IN-IFC %v (want the default 1), unknown %v (want 0)", w, u)
	}
	st := a.Stats()
	if st.Denied["JP-JCG.exclude_vessels.mmsi"] != 1 || st.Denied["JP-JCG.include_areas"] != 1 {
		t.Errorf("denied %v", st.Denied)
	}
	for _, c := range []struct {
		dir  string
		d    audit.Direction
		want int
	}{{filepath.Dir(a.cfg.Dir), audit.Sent, 3}, {filepath.Dir(b.cfg.Dir), audit.Received, 3}} {
		l, err := audit.Open(filepath.Join(c.dir, "share", "audit"), audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		es, _ := l.Query(audit.Filter{Direction: c.d})
		l.Close()
		if len(es) != c.want {
			t.Errorf("%s audit: %d %s entries, want %d: %+v", c.dir, len(es), c.d, c.want, es)
		}
	}
}

// TestShareRefusesBadInput: garbage from an authenticated partner is
// refused item by item, counted and audited, and does not stop the items
// around it.
func TestShareRefusesBadInput(t *testing.T) {
	recv := &counter{keep: true}
	_, b := pair(t, policyA, policyB, &counter{}, recv)
	good := position(419123456, 0, 18.9, 72.8)
	good.Origin = "IN-IFC"
	gb, _ := AppendEnvelope(nil, &good)
	loop := good
	loop.Origin = "JP-JCG" // came back to where it started
	lb, _ := AppendEnvelope(nil, &loop)
	eb := append([]byte{1, byte(KindIncident), 0, 6}, "IN-IFC{}"...) // an invalid incident
	items := []linkItem{{1, []byte("garbage")}, {2, gb}, {3, lb}, {4, eb}, {5, gb}}
	if err := b.Deliver("IN-IFC", toItems(items)); err != nil {
		t.Fatal(err)
	}
	if n := recv.n.Load(); n != 2 {
		t.Errorf("received %d, want the 2 good items", n)
	}
	st := b.Stats()
	if st.Refused["bad envelope"] != 2 || st.Refused["loop"] != 1 {
		t.Errorf("refused %v; want 2 bad envelopes and 1 loop", st.Refused)
	}
	b.Close()
}

// BenchmarkShare measures positions through the whole sharing path:
// policy, envelope, durable outbox (synced per 4,096), a link over mutual
// TLS 1.3 on loopback, decoding and the inbound checks, to a Local that
// counts. TIDEWATCH_SHARE_BACKLOG=N also measures the catch-up of a
// backlog of N positions queued while the partner was down (one hour at
// 2,000 positions/s is 7,200,000).
func BenchmarkShare(b *testing.B) {
	recv := &counter{}
	sa, sb := pair(b, policyA, policyB, &counter{}, recv)
	stopB := runSharer(b, sb)
	stopA := runSharer(b, sa)
	defer stopB()
	defer stopA()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sa.Offer(position(419123456+vessel.MMSI(i%1000), i, 10+float64(i%1000)/100, 70+float64(i%977)/100))
		if i%4096 == 4095 {
			sa.Commit()
		}
	}
	sa.Commit()
	waitUntil(b, 10*time.Minute, "everything at the partner", func() bool { return recv.n.Load() >= int64(b.N) })
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "positions/s")
}

func BenchmarkShareCatchUp(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("TIDEWATCH_SHARE_BACKLOG"))
	if n <= 0 {
		n = 200_000
	}
	for range b.N {
		recv := &counter{}
		sa, sb := pair(b, policyA, policyB, &counter{}, recv)
		for i := 0; i < n; i++ {
			sa.Offer(position(419123456+vessel.MMSI(i%1000), i, 10+float64(i%1000)/100, 70+float64(i%977)/100))
			if i%4096 == 4095 {
				sa.Commit()
			}
		}
		sa.Commit()
		stopA := runSharer(b, sa)
		start := time.Now()
		stopB := runSharer(b, sb) // the partner comes back
		waitUntil(b, 30*time.Minute, "the backlog at the partner", func() bool { return recv.n.Load() >= int64(n) })
		d := time.Since(start)
		b.ReportMetric(d.Seconds(), "s/catch-up")
		b.ReportMetric(float64(n)/d.Seconds(), "positions/s")
		fmt.Fprintf(os.Stderr, "catch-up of %d positions: %v (%.0f positions/s)\n", n, d, float64(n)/d.Seconds())
		stopA()
		stopB()
	}
}

type linkItem struct {
	seq  uint64
	data []byte
}

func toItems(its []linkItem) []link.Item {
	out := make([]link.Item, len(its))
	for i, it := range its {
		out[i] = link.Item{Seq: it.seq, Data: it.data}
	}
	return out
}

// TestShareRedelivered: items a link hands over again after a crash are
// applied again only if the node does not hold them yet, and audited
// either way.
func TestShareRedelivered(t *testing.T) {
	recv := &counter{keep: true, holds: func(e *Envelope) bool { return e.Position.Time == 1_700_000_000_000 }}
	_, b := pair(t, policyA, policyB, &counter{}, recv)
	defer b.Close()
	var items []link.Item
	for i := range 3 {
		e := position(419123456, i, 18.9, 72.8)
		e.Origin = "IN-IFC"
		data, _ := AppendEnvelope(nil, &e)
		items = append(items, link.Item{Seq: uint64(i + 1), Data: data, Redelivered: i < 2})
	}
	if err := b.Deliver("IN-IFC", items); err != nil {
		t.Fatal(err)
	}
	// Seq 1 was held (applied before the crash), seq 2 was not (the crash
	// came first), seq 3 is new.
	if n := recv.n.Load(); n != 2 || recv.items[0].Position.Time != 1_700_000_001_000 {
		t.Errorf("applied %d items (%+v), want seqs 2 and 3", n, recv.items)
	}
	if st := b.Stats(); st.Redelivered != 1 || st.Received["IN-IFC"] != 2 {
		t.Errorf("redelivered %d, received %v; want 1 and 2", st.Redelivered, st.Received)
	}
}

// TestShareRedeliveredAudit: the receiver crashed after its audit of a
// batch was written and before its link cursor was, so the link hands the
// whole batch over again. Every item stays audited "accept" exactly once;
// the second delivery is audited as a redelivery, whether the node could
// tell it already held the item (a position) or not (static data, a
// position it did not store).
func TestShareRedeliveredAudit(t *testing.T) {
	recv := &counter{holds: func(e *Envelope) bool {
		return e.Kind == KindPosition && e.Position.Time == 1_700_000_000_000
	}}
	_, b := pair(t, policyA, policyB, &counter{}, recv)
	st := Envelope{Kind: KindStatic, Static: vessel.Static{MMSI: 419123456, Time: 1_700_000_000_000, Has: vessel.HasName, Name: "SAGAR"}}
	envs := []Envelope{position(419123456, 0, 18.9, 72.8), st, position(419123456, 1, 18.9, 72.8)}
	batch := func(redelivered bool) []link.Item {
		var items []link.Item
		for i := range envs {
			e := envs[i]
			e.Origin = "IN-IFC"
			data, err := AppendEnvelope(nil, &e)
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, link.Item{Seq: uint64(i + 1), Data: data, Redelivered: redelivered})
		}
		return items
	}
	for _, again := range []bool{false, true} {
		if err := b.Deliver("IN-IFC", batch(again)); err != nil {
			t.Fatal(err)
		}
	}
	if n := recv.n.Load(); n != 5 {
		t.Errorf("applied %d items; want 5 (3, then the 2 not known to be held)", n)
	}
	b.Close()
	l, err := audit.Open(filepath.Join(filepath.Dir(b.cfg.Dir), "share", "audit"), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	es, err := l.Query(audit.Filter{Direction: audit.Received, Partner: "IN-IFC"})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[uint64][]string{}
	for i := len(es) - 1; i >= 0; i-- { // oldest first
		rules[es[i].Seq] = append(rules[es[i].Seq], es[i].Rule)
	}
	want := map[uint64][]string{
		1: {"accept", RuleRedelivered},
		2: {"accept", RuleRedeliveredApplied},
		3: {"accept", RuleRedeliveredApplied},
	}
	for seq, w := range want {
		if g := rules[seq]; strings.Join(g, "|") != strings.Join(w, "|") {
			t.Errorf("seq %d audited as %q; want %q", seq, g, w)
		}
	}
	if len(rules) != len(want) {
		t.Errorf("audited seqs %v; want 1 to 3", rules)
	}
}

// TestShareRefusesRevokedPartner: a partner revoked in the registry (by
// the CLI, in another process) is refused at the handshake with a clear
// error on both sides, and nothing it sends is taken.
func TestShareRefusesRevokedPartner(t *testing.T) {
	recv := &counter{}
	a, b := pair(t, policyA, policyB, &counter{}, recv)
	other, err := identity.Open(b.Node().Dir(), nil) // as tidewatch partner revoke would
	if err != nil {
		t.Fatal(err)
	}
	if err := other.RevokePartner("IN-IFC", time.Now()); err != nil {
		t.Fatal(err)
	}
	stopB := runSharer(t, b)
	stopA := runSharer(t, a)
	a.Offer(position(419123456, 0, 18.9, 72.8))
	a.Commit()
	waitUntil(t, 10*time.Second, "the handshake refused", func() bool {
		return b.Stats().Refused["handshake"] > 0 && a.Stats().Links["JP-JCG"].LastError != ""
	})
	stopA()
	stopB()
	if recv.n.Load() != 0 {
		t.Errorf("a revoked partner's items were taken")
	}
	l, err := audit.Open(filepath.Join(filepath.Dir(b.cfg.Dir), "share", "audit"), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	es, _ := l.Query(audit.Filter{Direction: audit.Refused, Kind: "link"})
	why := ""
	for _, e := range es {
		if strings.Contains(e.Rule, "revoked") {
			why = e.Rule
		}
	}
	if why == "" {
		t.Errorf("audit of the refused link: %+v; want the reason, revoked", es)
	}
	t.Logf("sender sees: %s; receiver audits: %s", a.Stats().Links["JP-JCG"].LastError, why)
}

// TestShareReloads: a policy file edited while the node runs takes
// effect without a restart, and a partner added to the registry by
// another process (tidewatch partner add) gets an outbox and a link.
func TestShareReloads(t *testing.T) {
	recvB, recvC := &counter{}, &counter{}
	a, b := pair(t, `{"version": 1, "node": "IN-IFC"}`, policyB, &counter{}, recvB)
	path := filepath.Join(t.TempDir(), "policy.json")
	a.cfg.PolicyPath, a.cfg.Refresh = path, 10*time.Millisecond
	stopB := runSharer(t, b)
	stopA := runSharer(t, a)
	defer stopB()

	a.Offer(position(419123456, 0, 18.9, 72.8))
	a.Commit()
	if st := a.Stats(); st.Queued["JP-JCG"] != 0 || st.Denied["default deny"] != 1 {
		t.Fatalf("before the policy: queued %v, denied %v", st.Queued, st.Denied)
	}
	// A third node, MY-MMEA, comes up and is added while IN-IFC runs.
	dir := t.TempDir()
	my, err := identity.Init(filepath.Join(dir, "node"), "MY-MMEA", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	myAddr := l.Addr().String()
	l.Close()
	if _, err := my.AddPartner("IN-IFC", a.Node().CertificatePEM(), "", time.Now()); err != nil {
		t.Fatal(err)
	}
	pm, _ := policy.Parse([]byte(`{"version": 1, "node": "MY-MMEA", "partners": {"IN-IFC": {"accept": ["position"]}}}`))
	c, err := Open(Config{Node: my, Policy: pm, Dir: filepath.Join(dir, "share"), Listen: myAddr, Local: recvC})
	if err != nil {
		t.Fatal(err)
	}
	stopC := runSharer(t, c)
	defer stopC()
	cli, err := identity.Open(a.Node().Dir(), nil) // as the CLI would, in another process
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.AddPartner("MY-MMEA", my.CertificatePEM(), myAddr, time.Now()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "IN-IFC to open an outbox for MY-MMEA", func() bool {
		_, ok := a.Stats().Outboxes["MY-MMEA"]
		return ok
	})
	// The policy file appears: positions to both.
	os.WriteFile(path, []byte(`{"version": 1, "node": "IN-IFC", "partners": {
	  "JP-JCG": {"share": {"positions": true}}, "MY-MMEA": {"share": {"positions": true}}}}`), 0o600)
	waitUntil(t, 10*time.Second, "the new policy", func() bool {
		a.Offer(position(419123456, 1, 18.9, 72.8))
		a.Commit()
		return recvB.n.Load() > 0 && recvC.n.Load() > 0
	})
	// A broken edit keeps the policy in force.
	os.WriteFile(path, []byte(`{"version": 1, "node": "IN-IFC", "partners": {"JP-JCG": {"share": {"positons": true}}}}`), 0o600)
	fi, _ := os.Stat(path)
	waitUntil(t, 10*time.Second, "the broken edit to be read", func() bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.policyAt.Equal(fi.ModTime())
	})
	before := a.Stats().Queued["JP-JCG"]
	for i := range 20 {
		a.Offer(position(419123456, 100+i, 18.9, 72.8))
	}
	a.Commit()
	if got := a.Stats().Queued["JP-JCG"]; got < before+20 {
		t.Errorf("after a broken policy edit: %d queued for JP-JCG, want the 20 more the policy in force allows", got-before)
	}
	stopA()
}
