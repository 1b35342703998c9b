package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/audit"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/identity"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/share"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// cutProxy stands between two nodes' link: it forwards TCP to a target
// and can cut every connection, or each one after a random number of
// bytes, anywhere in a frame.
type cutProxy struct {
	ln      net.Listener
	target  atomic.Value // string
	cutAt   atomic.Int64 // when > 0, cut each connection after a random 1..cutAt bytes
	slow    atomic.Int64 // when > 0, forward towards the target at most this many bytes per 10 ms
	cuts    atomic.Int64
	mu      sync.Mutex
	conns   []net.Conn
	wg      sync.WaitGroup
	closing atomic.Bool
}

func newCutProxy(t *testing.T) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln}
	p.target.Store("")
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		target := p.target.Load().(string)
		if target == "" {
			c.Close()
			continue
		}
		u, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, u)
		p.mu.Unlock()
		limit := int64(-1)
		if n := p.cutAt.Load(); n > 0 {
			limit = 1 + rand.Int64N(n)
		}
		p.wg.Add(2)
		if n := p.slow.Load(); n > 0 {
			go func() {
				defer p.wg.Done()
				slowCopy(u, c, int(n))
				u.Close()
				c.Close()
			}()
		} else {
			go p.pipe(u, c, limit) // towards the receiver: cut mid-batch
		}
		go p.pipe(c, u, -1)
	}
}

func (p *cutProxy) pipe(dst, src net.Conn, limit int64) {
	defer p.wg.Done()
	var r io.Reader = src
	if limit >= 0 {
		r = io.LimitReader(src, limit)
	}
	io.Copy(dst, r)
	if limit >= 0 {
		p.cuts.Add(1)
	}
	dst.Close()
	src.Close()
}

// cut closes every open connection.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cutProxy) close() {
	p.ln.Close()
	p.cut()
	p.wg.Wait()
}

// fedNode is one node of the federation test: its configuration, and
// while it runs, its sharing component and incidents.
type fedNode struct {
	name   string
	cfg    Config
	proxy  *cutProxy // partners reach this node's link through it
	cancel context.CancelFunc
	done   chan error
	admin  string // an admin API token
	sharer atomic.Pointer[share.Sharer]
	book   atomic.Pointer[IncidentBook]
	base   string
}

func newFedNode(t *testing.T, name string, inputs []Input) *fedNode {
	data := filepath.Join(t.TempDir(), name)
	db, err := store.Open(data, store.Options{}) // what tidewatch node init does first
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := identity.Init(filepath.Join(data, "node"), name, time.Now(), 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	n := &fedNode{name: name, proxy: newCutProxy(t)}
	tokens, err := OpenTokens(data)
	if err != nil {
		t.Fatal(err)
	}
	if n.admin, err = tokens.Create("liaison", httpapi.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	n.cfg = Config{Data: data, Listen: "127.0.0.1:0", Land: "none", Inputs: inputs,
		Share: Share{Listen: "127.0.0.1:0", RetryMax: "200ms"}, AllowAnonymousRead: true}
	return n
}

// partners registers each node with the other: certificates exchanged,
// each reached through the other's proxy.
func partners(t *testing.T, a, b *fedNode) {
	for _, pair := range [][2]*fedNode{{a, b}, {b, a}} {
		me, peer := pair[0], pair[1]
		n, err := identity.Open(filepath.Join(me.cfg.Data, "node"), nil)
		if err != nil {
			t.Fatal(err)
		}
		pn, err := identity.Open(filepath.Join(peer.cfg.Data, "node"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.AddPartner(peer.name, pn.CertificatePEM(), peer.proxy.addr(), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

func (n *fedNode) policy(t *testing.T, doc string) {
	if err := os.WriteFile(filepath.Join(n.cfg.Data, "policy.json"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (n *fedNode) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel, n.done = cancel, make(chan error, 1)
	started := make(chan net.Addr, 1)
	go func() {
		n.done <- Run(ctx, Options{Config: n.cfg, Started: func(a net.Addr) { started <- a },
			Sharing: func(s *share.Sharer) {
				n.sharer.Store(s)
				n.proxy.target.Store(s.Addr().String())
			},
			Incidents: func(b *IncidentBook) { n.book.Store(b) }})
	}()
	select {
	case a := <-started:
		n.base = "http://" + a.String()
	case err := <-n.done:
		t.Fatalf("%s: %v", n.name, err)
	}
}

func (n *fedNode) stop(t *testing.T) {
	t.Helper()
	n.cancel()
	if err := <-n.done; err != nil {
		t.Fatalf("%s: %v", n.name, err)
	}
	n.proxy.target.Store("")
}

// storedPositions reads every position a stopped node's store holds, by
// source.
func storedPositions(t *testing.T, data string) map[string][]vessel.Position {
	t.Helper()
	db, err := store.Open(data, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var world geo.MultiPolygon // in quarters: a ring round the Earth would enclose a pole
	for w := -180.0; w < 180; w += 90 {
		world = append(world, geo.Polygon{Outer: geo.Ring{{Lat: -90, Lon: w}, {Lat: -90, Lon: w + 90}, {Lat: 90, Lon: w + 90}, {Lat: 90, Lon: w}, {Lat: -90, Lon: w}}})
	}
	hits, err := db.Area(world, 0, 1<<50, true)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]vessel.Position{}
	for _, h := range hits {
		tr, err := db.Track(h.MMSI, 0, 1<<50, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tr {
			out[p.Source] = append(out[p.Source], p)
		}
	}
	return out
}

// expected applies partner's policy, as the sender's file has it, to the
// positions the sender's own sources gave it: what the partner should
// hold.
func expected(t *testing.T, pol *policy.Policy, partner string, own []vessel.Position) []vessel.Position {
	pt := pol.Partner(partner)
	var out []vessel.Position
	for _, p := range own {
		if p.Flags&vessel.Bad != 0 || station(p.MMSI) {
			continue // never offered, or (stations) not known here
		}
		v := policy.Vessel{MMSI: p.MMSI}
		if c, ok := p.MMSI.Flag(); ok {
			v.Flag = c.Code
		}
		q, _, d := pt.Position(p, v, "", 0)
		if d.Allow {
			out = append(out, q)
		}
	}
	return out
}

// TestFederation runs three nodes on loopback with real AIS in: IN-IFC
// (the global aishub capture), JP-JCG (the Danish DMA capture) and
// MY-MMEA, a third country with a narrower policy. IN-IFC shares its
// Asian picture with JP-JCG minus a naval area and two vessels, and only
// the Singapore Strait, rounded to 1 km, with MY-MMEA; JP-JCG shares its
// Baltic picture with IN-IFC. JP-JCG is down while IN-IFC ingests (its
// outbox fills), then comes up behind a link that is cut every few
// kilobytes, and is stopped and restarted while it catches up. At the end
// each partner holds exactly what its policy allows, once; the audit logs
// of both sides agree item for item; incidents reach exactly the
// partners their marking and releasable-to list allow.
func TestFederation(t *testing.T) {
	// IN-IFC also holds satellite detections (in the Singapore Strait,
	// which both partners' areas hold, and in the naval area): contacts
	// never cross a link, so the partners' contacts (the OGC API's
	// contacts collection among them) must show none of them.
	sar := filepath.Join(t.TempDir(), "sar.geojson")
	var feats []string
	for i, p := range [][2]float64{{1.2, 103.7}, {1.21, 103.75}, {1.35, 104.0}, {1.32, 104.05}} {
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","id":"det-%d","geometry":{"type":"Point","coordinates":[%v,%v]},
		 "properties":{"time":%q,"scene":"S1A_LEAKTEST_SCENE","length_m":40,"score":0.9}}`, i, p[1], p[0], time.Now().Add(-2*time.Minute).UTC().Format(time.RFC3339)))
	}
	if err := os.WriteFile(sar, []byte(`{"type":"FeatureCollection","features":[`+strings.Join(feats, ",")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	in := newFedNode(t, "IN-IFC", []Input{{Type: "replay", File: aistest.Path("raw/aishub-3min.nmea"), Speed: 0, Now: true},
		{Type: "sar", Name: "leaktest-sar", File: sar}})
	jp := newFedNode(t, "JP-JCG", []Input{{Type: "replay", File: aistest.Path("raw/dma-stream-example.nmea"), Speed: 0}})
	my := newFedNode(t, "MY-MMEA", nil)
	partners(t, in, jp)
	partners(t, in, my)
	zones := filepath.Join(t.TempDir(), "zones.geojson")
	os.WriteFile(zones, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Singapore Strait TSS"},
	 "geometry":{"type":"Polygon","coordinates":[[[103.6,1.1],[104.0,1.1],[104.0,1.3],[103.6,1.3],[103.6,1.1]]]}}]}`), 0o600)
	in.cfg.Events.Zones = zones
	in.cfg.Events.Reorder = "0s" // the capture spans less than a reorder window: detect at once
	// The two vessels IN-IFC reports most in Asia, outside the naval
	// area, are the ones it keeps from JP-JCG.
	excluded := busiest(t, aistest.Path("raw/aishub-3min.nmea"), 2)
	in.policy(t, `{"version": 1, "node": "IN-IFC",
	 "areas": {"asia": {"bbox": [90, -10, 150, 50]},
	           "changi_naval": {"bbox": [103.95, 1.3, 104.1, 1.4]},
	           "singapore_strait": {"bbox": [103, 1, 105, 2]}},
	 "partners": {
	  "JP-JCG": {"share": {"positions": true, "static": true, "events": ["all"], "incidents": true, "assessments": true},
	             "include_areas": ["asia"], "exclude_areas": ["changi_naval"],
	             "exclude_vessels": {"mmsi": [`+fmt.Sprint(excluded[0])+`, `+fmt.Sprint(excluded[1])+`], "classes": ["sar_aircraft", "aid_to_navigation", "coast"]},
	             "tlp_ceiling": "AMBER", "accept": ["position", "static"]},
	  "MY-MMEA": {"share": {"positions": true, "incidents": true},
	             "include_areas": ["singapore_strait"], "precision_m": 1000, "tlp_ceiling": "GREEN"}}}`)
	jp.policy(t, `{"version": 1, "node": "JP-JCG", "areas": {"baltic": {"bbox": [0, 50, 30, 70]}},
	 "partners": {"IN-IFC": {"share": {"positions": true}, "include_areas": ["baltic"],
	   "accept": ["position", "static", "event", "incident", "assessment"]}}}`)
	my.policy(t, `{"version": 1, "node": "MY-MMEA", "partners": {"IN-IFC": {"accept": ["position", "incident", "assessment"]}}}`)

	// IN-IFC and MY-MMEA run; JP-JCG is down: IN-IFC's outbox for it
	// fills.
	in.start(t)
	my.start(t)
	waitFor(t, 60*time.Second, "IN-IFC to apply the capture", func() bool {
		return metric(t, in.base, "tidewatch_pipeline_applied_total") >= 60000
	})
	prev := -1.0
	waitFor(t, 30*time.Second, "IN-IFC to settle", func() bool {
		a := metric(t, in.base, "tidewatch_pipeline_applied_total")
		settled := a == prev && metric(t, in.base, "tidewatch_pipeline_queue_batches") == 0
		prev = a
		return settled
	})

	// Incidents: GREEN for everyone its policy allows, AMBER for JP-JCG
	// only, AMBER for MY-MMEA (above its GREEN ceiling: nobody), RED for
	// nobody. All at a point both partners' areas hold.
	now := time.Now()
	mk := func(title string, tlp incident.TLP, to ...string) string {
		out, err := in.book.Load().Put(incident.Incident{Kind: incident.KindIncident, Category: incident.Piracy, Title: title,
			Narrative: "<script>alert(1)</script> boarded at anchor", Start: vessel.TimeOf(now.Add(-time.Hour)),
			Lat: 1.2, Lon: 103.5, HasPoint: true, Source: "IFC-IOR watch", TLP: tlp, ReleasableTo: to}, now)
		if err != nil {
			t.Fatal(err)
		}
		return out.ID
	}
	green := mk("robbery, Phillip Channel", incident.TLPGreen)
	amberJP := mk("boarding, Singapore Strait", incident.TLPAmber, "JP-JCG")
	amberMY := mk("suspicious approach", incident.TLPAmber, "MY-MMEA")
	red := mk("source-sensitive report", incident.TLPRed, "JP-JCG", "MY-MMEA")

	// JP-JCG comes up behind a link cut after 1 B to 256 KiB, and is stopped
	// and restarted while it catches up.
	in.sharer.Load() // set by start
	jp.proxy.cutAt.Store(256 << 10)
	jp.start(t)
	queued := in.sharer.Load().Stats().Queued["JP-JCG"]
	if queued == 0 {
		t.Fatal("IN-IFC queued nothing for JP-JCG")
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("IN-IFC links: %+v", in.sharer.Load().Stats().Links)
		}
	})
	waitFor(t, 60*time.Second, "JP-JCG to take a part of the backlog", func() bool {
		return jp.sharer.Load().Stats().Received["IN-IFC"] > 0
	})
	jp.stop(t)
	jp.cfg.Inputs = nil // a restart does not replay the capture again
	jp.start(t)
	waitFor(t, 120*time.Second, "IN-IFC's outboxes to drain", func() bool {
		st := in.sharer.Load().Stats()
		return st.Outboxes["JP-JCG"].PendingRecords == 0 && st.Outboxes["MY-MMEA"].PendingRecords == 0
	})
	waitFor(t, 60*time.Second, "JP-JCG's outbox to drain", func() bool {
		st := jp.sharer.Load().Stats()
		return st.Outboxes["IN-IFC"].PendingRecords == 0 && st.Links["IN-IFC"].Cursor > 0
	})
	cuts := jp.proxy.cuts.Load()
	if cuts < 3 {
		t.Errorf("the link to JP-JCG was cut %d times; the test wants several", cuts)
	}

	// Incidents as each partner sees them, while they run.
	ids := func(n *fedNode) []string {
		var out []string
		for _, r := range n.book.Load().List(incident.Filter{}) {
			out = append(out, r.ID)
		}
		slices.Sort(out)
		return out
	}
	want := []string{green, amberJP}
	slices.Sort(want)
	if got := ids(jp); !slices.Equal(got, want) {
		t.Errorf("JP-JCG holds incidents %v, want GREEN and its AMBER %v (not %s, %s)", got, want, amberMY, red)
	}
	if got := ids(my); !slices.Equal(got, []string{green}) {
		t.Errorf("MY-MMEA holds incidents %v, want only the GREEN %s", got, green)
	}
	if r, ok := jp.book.Load().Get(green); !ok || r.Origin != "IN-IFC" || r.Narrative != "<script>alert(1)</script> boarded at anchor" {
		t.Errorf("JP-JCG's copy of the GREEN incident: %+v", r)
	}

	// The leak test: every route of the partners' APIs, asked for what
	// their policies keep from them, shows none of it.
	ids4 := []string{green, amberJP, amberMY, red}
	inSources := tagSources(t, aistest.Path("raw/aishub-3min.nmea"))
	places := [][2]float64{{1.35, 104.02}, {1.25, 103.8}, {22.7, 113.6}, {38.6, -9.8}, {35.4, 139.7}}
	for _, m := range excluded {
		if s, ok := lastPlace(t, in.base, m); ok {
			places = append(places, s)
		}
	}
	inAsia := func(lat, lon float64) bool {
		return lon >= 90 && lon <= 150 && lat >= -10 && lat <= 50 && !(lon >= 103.95 && lon <= 104.1 && lat >= 1.3 && lat <= 1.4)
	}
	// JP-JCG's own capture (the DMA feed, worldwide): its places are its own.
	jpOwn := map[[2]float64]bool{}
	for _, o := range readObservations(t, aistest.Path("raw/dma-stream-example.nmea")) {
		if o.Kind != vessel.KindStatic {
			jpOwn[[2]float64{math.Round(o.Position.Lat * 1e5), math.Round(o.Position.Lon * 1e5)}] = true
		}
	}
	jpOwnPlace := func(lat, lon float64) bool { return jpOwn[[2]float64{math.Round(lat * 1e5), math.Round(lon * 1e5)}] }
	// IN-IFC's own contacts exist (so the check below can fail); the
	// partners' contacts collections hold none of them.
	ogcContacts := func(base string) int {
		var fc struct {
			Features []json.RawMessage `json:"features"`
		}
		resp, err := apiClient(t).Get(base + "/ogc/collections/contacts/items?limit=10000&datetime=../..")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(b, &fc); err != nil {
			t.Fatalf("%s: contacts: %v: %s", base, err, b)
		}
		return len(fc.Features)
	}
	if k := ogcContacts(in.base); k == 0 {
		t.Error("IN-IFC's OGC contacts collection is empty: its satellite detections were not taken in, and the leak check of contacts checks nothing")
	}
	for _, n := range []*fedNode{jp, my} {
		if k := ogcContacts(n.base); k != 0 {
			t.Errorf("%s's OGC contacts collection has %d features; contacts never cross a link", n.name, k)
		}
	}
	checkLeaks(t, crawl(t, jp.base, append(excluded, 563000000), ids4, places), leakRule{node: "JP-JCG",
		placeOK:   func(lat, lon float64) bool { return inAsia(lat, lon) || jpOwnPlace(lat, lon) },
		forbidden: []*regexp.Regexp{word(fmt.Sprint(excluded[0])), word(fmt.Sprint(excluded[1])), word(red), word(amberMY), word("source-sensitive report"), word("suspicious approach"), word("Singapore Strait TSS"), word("LEAKTEST"), word("leaktest-sar")},
		sources:   inSources})
	checkLeaks(t, crawl(t, my.base, excluded, ids4, places), leakRule{node: "MY-MMEA",
		placeOK:   func(lat, lon float64) bool { return lon >= 103 && lon <= 105 && lat >= 1 && lat <= 2 },
		forbidden: []*regexp.Regexp{word(red), word(amberMY), word(amberJP), word("source-sensitive report"), word("suspicious approach"), word("boarding, Singapore Strait"), word("Singapore Strait TSS"), regexp.MustCompile(`"name":"`), word("LEAKTEST"), word("leaktest-sar")},
		sources:   inSources})

	// The map's Sharing panel on a real federated node, as an admin.
	if e2e, missing := browser(t); missing != "" {
		t.Logf("Sharing panel not checked in a browser: %s missing", missing)
	} else {
		cmd := exec.Command("node", filepath.Join(e2e, "map.mjs"))
		cmd.Env = append(os.Environ(), "BASE_URL="+in.base, "TOKEN="+in.admin, "EXPECT_SHARING=1", "LIVE_UPDATES=0", "SEARCH=0", "TIMEOUT_MS="+browserWait,
			"ARTIFACTS="+filepath.Join(t.TempDir(), "artifacts"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("browser checks of the Sharing panel on IN-IFC failed: %v\n%s", err, out)
		} else {
			t.Logf("browser checks of the Sharing panel on IN-IFC: %s", lastLine(out))
		}
	}

	if q := metric(t, in.base, `tidewatch_share_queued_total{partner="JP-JCG"}`); q == 0 {
		t.Error("/metrics: nothing queued for JP-JCG")
	}
	if up := metric(t, in.base, `tidewatch_share_link_connected{partner="JP-JCG"}`); up != 1 {
		t.Errorf("/metrics: the link to JP-JCG is %v, want 1 (up)", up)
	}
	in.stop(t)
	jp.stop(t)
	my.stop(t)

	// What left and what arrived: the audit logs of both ends of each
	// link hold the same items, each once (nothing lost, nothing
	// duplicated across the cuts and the restart).
	inPol, err := policy.Load(filepath.Join(in.cfg.Data, "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	jpPol, err := policy.Load(filepath.Join(jp.cfg.Data, "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	links := []struct {
		from, to *fedNode
		pol      *policy.Policy
	}{{in, jp, inPol}, {in, my, inPol}, {jp, in, jpPol}}
	sentKeys := map[string]map[string]int{}
	for _, l := range links {
		sent := auditKeys(t, l.from.cfg.Data, audit.Filter{Partner: l.to.name, Direction: audit.Sent})
		recv := auditKeys(t, l.to.cfg.Data, audit.Filter{Partner: l.from.name, Direction: audit.Received})
		what := l.from.name + " → " + l.to.name
		if len(sent) == 0 {
			t.Errorf("%s: nothing sent", what)
		}
		for k, n := range sent {
			// n > 1: different reports of one vessel at one time (two
			// receivers heard it at different places); each went once.
			if recv[k] != n {
				t.Errorf("%s: %s sent %d times, received %d", what, k, n, recv[k])
			}
		}
		for k, n := range recv {
			if sent[k] == 0 {
				t.Errorf("%s: %s received %d times, never sent", what, k, n)
			}
		}
		sentKeys[what] = sent
		t.Logf("%s: %d items sent, and received once each", what, len(sent))
	}

	// What the policy allows: the sender's own positions (as its store
	// holds them now) through the policy are the positions it sent. The
	// picture may re-judge a report after it was offered (a bad first fix
	// found later, an identity conflict resolved), so a few reports may
	// differ; every one that differs must be such a case.
	inPos, jpPos, myPos := storedPositions(t, in.cfg.Data), storedPositions(t, jp.cfg.Data), storedPositions(t, my.cfg.Data)
	own := func(m map[string][]vessel.Position) []vessel.Position {
		var out []vessel.Position
		for src, ps := range m {
			if _, partner := share.OriginOf(src); !partner {
				out = append(out, ps...)
			}
		}
		return out
	}
	for _, l := range links {
		what := l.from.name + " → " + l.to.name
		ownPos := own(map[string]map[string][]vessel.Position{"IN-IFC": inPos, "JP-JCG": jpPos}[l.from.name])
		want := map[string]bool{}
		for _, p := range expected(t, l.pol, l.to.name, ownPos) {
			want[fmt.Sprintf("position %d@%s", p.MMSI, p.Time)] = true
		}
		flagged := map[string]bool{}
		for _, p := range ownPos {
			if p.Flags&vessel.Bad != 0 {
				flagged[fmt.Sprintf("position %d@%s", p.MMSI, p.Time)] = true
			}
		}
		sentPos, extra, missing := 0, 0, 0
		for k := range sentKeys[what] {
			if !strings.HasPrefix(k, "position ") {
				continue
			}
			sentPos++
			if !want[k] {
				var m uint32
				fmt.Sscanf(k, "position %d@", &m)
				if !flagged[k] && !station(vessel.MMSI(m)) {
					t.Errorf("%s: sent %s, which the policy does not allow", what, k)
				}
				extra++
			}
		}
		for k := range want {
			if sentKeys[what][k] == 0 {
				missing++
			}
		}
		if missing > len(want)/200 || len(want) == 0 {
			t.Errorf("%s: the policy allows %d positions; %d of them were not sent", what, len(want), missing)
		}
		t.Logf("%s: %d positions sent; the policy allows %d of the sender's stored positions now (%d flagged since, %d flagged when offered)",
			what, sentPos, len(want), extra, missing)
	}

	// Events: JP-JCG holds IN-IFC's events that its policy allows, marked
	// with their origin, under IDs of their own.
	inEvents := finalEvents(t, filepath.Join(in.cfg.Data, "events.jsonl"))
	jpEvents := finalEvents(t, filepath.Join(jp.cfg.Data, "events.jsonl"))
	fromIN := 0
	for _, ev := range jpEvents {
		if ev.Origin == "IN-IFC" {
			fromIN++
			if !strings.HasPrefix(ev.ID, "IN-IFC/") {
				t.Errorf("JP-JCG holds IN-IFC's event %s under a bare ID", ev.ID)
			}
		}
	}
	sentEvents := 0
	for k := range sentKeys["IN-IFC → JP-JCG"] {
		if strings.HasPrefix(k, "event ") {
			sentEvents++
		}
	}
	if sentEvents == 0 || fromIN == 0 {
		t.Errorf("events: IN-IFC detected %d, sent %d to JP-JCG, which holds %d of them; the zone should give some", len(inEvents), sentEvents, fromIN)
	}
	if sentEvents != fromIN {
		t.Errorf("events: IN-IFC sent %d events to JP-JCG, which holds %d", sentEvents, fromIN)
	}
	t.Logf("events: IN-IFC detected %d, sent %d to JP-JCG, which holds %d of IN-IFC's events", len(inEvents), sentEvents, fromIN)

	// Nothing outside policy reached a partner's store, checked without
	// the policy code: JP-JCG's copy of IN-IFC's picture is in Asia, out
	// of the naval area, without the excluded vessels and stations;
	// MY-MMEA's is in the Singapore Strait on a 1 km grid.
	for _, p := range jpPos["partner:IN-IFC"] {
		c := p.MMSI.Class()
		switch {
		case p.Lon < 90 || p.Lon > 150 || p.Lat < -10 || p.Lat > 50:
			t.Errorf("JP-JCG holds %d at %.4f,%.4f, outside Asia", p.MMSI, p.Lat, p.Lon)
		case p.Lon >= 103.95 && p.Lon <= 104.1 && p.Lat >= 1.3 && p.Lat <= 1.4:
			t.Errorf("JP-JCG holds %d in the naval area", p.MMSI)
		case p.MMSI == excluded[0] || p.MMSI == excluded[1] || c == vessel.ClassCoast || c == vessel.ClassAidToNav || c == vessel.ClassSARAircraft:
			t.Errorf("JP-JCG holds the excluded %d", p.MMSI)
		}
	}
	var lats []float64
	for _, p := range myPos["partner:IN-IFC"] {
		if p.Lon < 103 || p.Lon > 105 || p.Lat < 1 || p.Lat > 2 {
			t.Errorf("MY-MMEA holds %d at %.4f,%.4f, outside the Singapore Strait", p.MMSI, p.Lat, p.Lon)
		}
		lats = append(lats, p.Lat)
	}
	// On a grid of about 1 km, the latitudes held are a few rows about
	// 0.009° apart (to the store's 1e-6° resolution).
	slices.Sort(lats)
	lats = slices.CompactFunc(lats, func(a, b float64) bool { return math.Abs(b-a) < 1e-5 })
	if len(lats) < 2 || len(lats) > 20 {
		t.Errorf("MY-MMEA holds %d distinct latitudes (%v) in %d positions; a 1 km grid over the strait has a few", len(lats), lats, len(myPos["partner:IN-IFC"]))
	} else {
		step := lats[1] - lats[0]
		for i := 1; i < len(lats); i++ {
			step = min(step, lats[i]-lats[i-1])
		}
		span := lats[len(lats)-1] - lats[0]
		step = span / math.Round(span/step) // the minimum carries the store's rounding twice; the span once
		if step < 0.0085 || step > 0.0095 {
			t.Errorf("MY-MMEA's latitudes are %.5f° apart, not 1 km", step)
		}
		for _, l := range lats {
			if k := (l - lats[0]) / step; math.Abs(k-math.Round(k))*step > 3e-6 {
				t.Errorf("MY-MMEA holds latitude %.7f, off the 1 km grid", l)
			}
		}
	}
	if len(myPos["partner:JP-JCG"]) != 0 || len(jpPos["partner:MY-MMEA"]) != 0 {
		t.Error("data crossed between JP-JCG and MY-MMEA, which are not partners")
	}
}

// station reports whether m is a base station or aid to navigation. The
// picture keeps their reports apart and does not offer them, but the
// store does not say whether a station's stored position came as a
// station report or as a position report (which is offered), so the
// comparisons leave stations out.
func station(m vessel.MMSI) bool {
	c := m.Class()
	return c == vessel.ClassCoast || c == vessel.ClassAidToNav
}

func auditKeys(t *testing.T, data string, f audit.Filter) map[string]int {
	t.Helper()
	l, err := audit.Open(filepath.Join(data, "share", "audit"), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f.Limit = audit.MaxLimit
	es, err := l.Query(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == audit.MaxLimit {
		t.Fatalf("audit query hit its limit")
	}
	n := map[string]int{}
	for _, e := range es {
		n[e.Kind+" "+e.Key]++
	}
	return n
}

// busiest returns the n vessels with the most position reports in Asia
// (outside the naval area of the test's policy) in an NMEA file.
func busiest(t *testing.T, path string, n int) []vessel.MMSI {
	count := map[vessel.MMSI]int{}
	for _, o := range readObservations(t, path) {
		p := o.Position
		if o.Kind != vessel.KindPosition || p.MMSI.Class() != vessel.ClassShip || p.Lon < 90 || p.Lon > 150 || p.Lat < -10 || p.Lat > 50 ||
			(p.Lon >= 103.95 && p.Lon <= 104.1 && p.Lat >= 1.3 && p.Lat <= 1.4) {
			continue
		}
		count[p.MMSI]++
	}
	var ms []vessel.MMSI
	for m := range count {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b vessel.MMSI) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return int(a) - int(b)
	})
	if len(ms) < n {
		t.Fatalf("only %d vessels in Asia", len(ms))
	}
	return ms[:n]
}

// lastPlace returns where a node last saw a vessel.
func lastPlace(t *testing.T, base string, m vessel.MMSI) ([2]float64, bool) {
	resp, err := apiClient(t).Get(fmt.Sprintf("%s/api/v1/vessels/%d?max_age=36500d", base, m))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Lat, Lon *float64 }
	if json.NewDecoder(resp.Body).Decode(&v) != nil || v.Lat == nil || v.Lon == nil {
		return [2]float64{}, false
	}
	return [2]float64{*v.Lat, *v.Lon}, true
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
