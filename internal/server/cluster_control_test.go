package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/identity"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/store"
)

// controlNode is one running member of TestClusterControl.
type controlNode struct {
	cfg    Config
	n      *Node
	base   string
	cancel func()
	done   chan error
}

func startControlNode(t *testing.T, cfg Config) *controlNode {
	t.Helper()
	n, err := Open(context.Background(), Options{Config: cfg})
	if err != nil {
		t.Errorf("open %s: %v", cfg.Cluster.Name, err)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &controlNode{cfg: cfg, n: n, base: "http://" + n.ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { c.done <- n.Run(ctx) }()
	return c
}

func (c *controlNode) stop(t *testing.T) {
	t.Helper()
	if c == nil || c.n == nil {
		return
	}
	c.cancel()
	if err := <-c.done; err != nil {
		t.Errorf("%s: %v", c.cfg.Cluster.Name, err)
	}
	if err := c.n.Close(); err != nil {
		t.Errorf("%s: close: %v", c.cfg.Cluster.Name, err)
	}
	c.n = nil
}

// call makes an API request and returns the status and body.
func (c *controlNode) call(t *testing.T, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := apiClient(t).Do(req)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, path, c.cfg.Cluster.Name, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// TestClusterControl: three members on loopback, each with its own data
// directory; zones, incidents, API tokens and the partner registry
// changed through any member (the API, and the token and partner
// commands writing a member's files while it runs) end the same on all
// three, refusals are decided alike, and a member stopped during changes
// applies them after its restart.
func TestClusterControl(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three cluster nodes")
	}
	dir := t.TempDir()
	routes := []string{freePort(t), freePort(t), freePort(t)}
	feed := freePort(t)
	now := time.Now()
	cfgs := make([]Config, 3)
	for i := range cfgs {
		var peers []string
		for j, r := range routes {
			if j != i {
				peers = append(peers, r)
			}
		}
		data := filepath.Join(dir, string(rune('a'+i)))
		// The members of a cluster are one party: one identity name
		// (each its own key), the origin of the incidents made on any.
		// The store first: it takes only an empty directory or its own.
		db, err := store.Open(data, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		if _, err := identity.Init(filepath.Join(data, "node"), "IFC-TEST", now, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		cfgs[i] = Config{Data: data, Listen: "127.0.0.1:0", Land: "none", Events: Events{Reorder: "1s"}, Share: Share{Off: true},
			Cluster: Cluster{Name: string(rune('a' + i)), Listen: routes[i], Peers: peers}}
	}
	cfgs[0].Inputs = []Input{{Type: "tcp-server", Name: "receivers", Listen: feed}}
	// An admin token made with the token command's code before a's
	// first start (how an operator begins) is published once a runs.
	tokensA, err := OpenTokens(cfgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := tokensA.Create("ops", httpapi.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]*controlNode, 3)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { nodes[i] = startControlNode(t, cfgs[i]) })
	}
	wg.Wait()
	defer func() {
		for _, c := range nodes {
			c.stop(t)
		}
	}()
	if t.Failed() {
		t.FailNow()
	}
	a, b, c := nodes[0], nodes[1], nodes[2]
	const wait = 60 * time.Second

	// A token made by the token command in a's data directory while a
	// runs works on b and c.
	reader, err := tokensA.Create("watch", httpapi.RoleRead)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*controlNode{b, c} {
		waitFor(t, wait, "the command's tokens on "+m.cfg.Cluster.Name, func() bool {
			s1, _ := m.call(t, "GET", "/api/v1/tokens", admin, nil)
			s2, _ := m.call(t, "GET", "/api/v1/zones", reader, nil)
			return s1 == http.StatusOK && s2 == http.StatusOK
		})
	}

	// A zone created through a's API: on b and c, the same.
	const name = "Mumbai approach"
	zone := map[string]any{"type": "Feature", "properties": map[string]any{"name": name, "authority": "IFC-IOR"},
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{72.4, 18.6}, {72.8, 18.6}, {72.8, 19.0}, {72.4, 19.0}, {72.4, 18.6}}}}}
	if st, body := a.call(t, "POST", "/api/v1/zones", admin, zone); st != http.StatusCreated {
		t.Fatalf("create zone on a: %d %s", st, body)
	}
	_, zonesA := a.call(t, "GET", "/api/v1/zones", reader, nil)
	if !bytes.Contains(zonesA, []byte(name)) {
		t.Fatalf("a answered the creation before applying it: %s", zonesA)
	}
	for _, m := range []*controlNode{b, c} {
		waitFor(t, wait, "the zone on "+m.cfg.Cluster.Name, func() bool {
			_, got := m.call(t, "GET", "/api/v1/zones", reader, nil)
			return bytes.Equal(got, zonesA)
		})
	}
	// Creating it again through c is refused where it falls in the log.
	if st, body := c.call(t, "POST", "/api/v1/zones", admin, zone); st != http.StatusConflict {
		t.Errorf("create the zone again on c: %d %s; want 409", st, body)
	}
	// A vessel in the zone, fed to a's input: the same zone entry on all.
	conn, err := net.Dial("tcp", feed)
	if err != nil {
		t.Fatal(err)
	}
	conn.Write(hostileSentences(t, time.Now().Add(-3*time.Second)))
	conn.Close()
	entry := func(m *controlNode) string {
		_, body := m.call(t, "GET", "/api/v1/events?type=zone_entry", reader, nil)
		var out struct{ Events []map[string]any }
		json.Unmarshal(body, &out)
		for _, e := range out.Events {
			if e["zone"] == name {
				return fmt.Sprint(e["id"], " ", e["mmsi"], " ", e["start"])
			}
		}
		return ""
	}
	var entries []string
	for _, m := range nodes {
		waitFor(t, wait, "the zone entry on "+m.cfg.Cluster.Name, func() bool { return entry(m) != "" })
		entries = append(entries, entry(m))
	}
	if entries[0] != entries[1] || entries[0] != entries[2] {
		t.Errorf("zone entries differ: a %q, b %q, c %q", entries[0], entries[1], entries[2])
	}

	// An incident created on b, edited on c; then two edits of one
	// version at once, on a and c: one wins, on every member.
	st, body := b.call(t, "POST", "/api/v1/incidents", admin, `{"kind":"incident","category":"piracy_armed_robbery",
		"title":"Skiff approach","start":"2022-01-02T22:00:00Z","lat":12.5,"lon":45.25,"tlp":"TLP:AMBER"}`)
	if st != http.StatusCreated {
		t.Fatalf("create incident on b: %d %s", st, body)
	}
	var v1 struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	json.Unmarshal(body, &v1)
	if v1.Version != 1 || v1.ID == "" {
		t.Fatalf("incident created on b: %s", body)
	}
	edit := func(version int, title string) string {
		return fmt.Sprintf(`{"kind":"incident","category":"piracy_armed_robbery","title":%q,"start":"2022-01-02T22:00:00Z",
			"lat":12.5,"lon":45.25,"tlp":"TLP:AMBER","version":%d}`, title, version)
	}
	waitFor(t, wait, "the incident on c", func() bool {
		st, _ := c.call(t, "GET", "/api/v1/incidents/"+v1.ID, reader, nil)
		return st == http.StatusOK
	})
	if st, body := c.call(t, "PUT", "/api/v1/incidents/"+v1.ID, admin, edit(1, "Skiff approach, boarding attempt")); st != http.StatusOK ||
		!bytes.Contains(body, []byte(`"version":2`)) {
		t.Fatalf("edit on c: %d %s", st, body)
	}
	var codes [2]int
	var ewg sync.WaitGroup
	for i, m := range []*controlNode{a, c} {
		ewg.Go(func() {
			codes[i], _ = m.call(t, "PUT", "/api/v1/incidents/"+v1.ID, admin, edit(2, "edit by "+m.cfg.Cluster.Name))
		})
	}
	ewg.Wait()
	if !(codes[0] == http.StatusOK && codes[1] == http.StatusConflict || codes[0] == http.StatusConflict && codes[1] == http.StatusOK) {
		t.Errorf("two edits of version 2 at once: %v; want one 200 and one 409", codes)
	}
	incidentOf := func(m *controlNode) string {
		_, body := m.call(t, "GET", "/api/v1/incidents/"+v1.ID+"/history", reader, nil)
		return string(body)
	}
	want := incidentOf(a)
	if !bytes.Contains([]byte(want), []byte(`"version":3`)) {
		t.Errorf("history on a: %s; want 3 versions", want)
	}
	for _, m := range []*controlNode{b, c} {
		waitFor(t, wait, "the incident's history on "+m.cfg.Cluster.Name, func() bool { return incidentOf(m) == want })
	}

	// The read token revoked through b's API: refused on a and c.
	if st, body := b.call(t, "DELETE", "/api/v1/tokens/watch", admin, nil); st != http.StatusNoContent {
		t.Fatalf("revoke on b: %d %s", st, body)
	}
	if st, _ := b.call(t, "GET", "/api/v1/zones", reader, nil); st != http.StatusUnauthorized {
		t.Errorf("the revoked token on b: %d; want 401 once the revocation answered", st)
	}
	for _, m := range []*controlNode{a, c} {
		waitFor(t, wait, "the revocation on "+m.cfg.Cluster.Name, func() bool {
			st, _ := m.call(t, "GET", "/api/v1/zones", reader, nil)
			return st == http.StatusUnauthorized
		})
	}
	if st, _ := c.call(t, "DELETE", "/api/v1/tokens/watch", admin, nil); st != http.StatusNotFound {
		t.Errorf("revoke the revoked token on c: %d; want 404", st)
	}

	// The partner command adds a partner in a's registry, then revokes
	// it in c's: the same registry on all three.
	partner, err := identity.Init(filepath.Join(dir, "partner"), "JP-JCG", now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(partner.CertificatePath())
	if err != nil {
		t.Fatal(err)
	}
	registry := func(m *controlNode) []identity.Partner { return m.n.ident.Partners() }
	regA, err := identity.Open(filepath.Join(cfgs[0].Data, "node"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := regA.AddPartner("JP-JCG", pem, "link.jcg.example:7443", now); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*controlNode{b, c} {
		waitFor(t, wait, "the partner on "+m.cfg.Cluster.Name, func() bool {
			ps := registry(m)
			return len(ps) == 1 && ps[0].Fingerprint == partner.Fingerprint() && ps[0].Addr == "link.jcg.example:7443"
		})
	}
	regC, err := identity.Open(filepath.Join(cfgs[2].Data, "node"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := regC.RevokePartner("JP-JCG", now); err != nil {
		t.Fatal(err)
	}
	revoked := registry(c)[0].Revoked
	for _, m := range []*controlNode{a, b} {
		waitFor(t, wait, "the partner's revocation on "+m.cfg.Cluster.Name, func() bool {
			ps := registry(m)
			return len(ps) == 1 && ps[0].Revoked.Equal(revoked)
		})
	}

	// c stopped; changes through a and b, and a token made with the
	// command in c's data directory; c restarted applies the changes,
	// and its token works on a.
	c.stop(t)
	tokensC, err := OpenTokens(cfgs[2].Data)
	if err != nil {
		t.Fatal(err)
	}
	late, err := tokensC.Create("late", httpapi.RoleRead)
	if err != nil {
		t.Fatal(err)
	}
	zone["properties"] = map[string]any{"name": "Gulf of Aden IRTC"}
	if st, body := a.call(t, "PUT", "/api/v1/zones/"+url.PathEscape("Gulf of Aden IRTC"), admin, zone); st != http.StatusOK {
		t.Fatalf("put zone on a with c down: %d %s", st, body)
	}
	if st, body := b.call(t, "DELETE", "/api/v1/zones/"+url.PathEscape(name), admin, nil); st != http.StatusNoContent {
		t.Fatalf("delete zone on b with c down: %d %s", st, body)
	}
	if st, body := b.call(t, "DELETE", "/api/v1/incidents/"+v1.ID, admin, nil); st != http.StatusOK {
		t.Fatalf("delete incident on b with c down: %d %s", st, body)
	}
	_, zonesA = a.call(t, "GET", "/api/v1/zones", admin, nil)
	want = incidentOf(a)
	nodes[2] = startControlNode(t, cfgs[2])
	c = nodes[2]
	waitFor(t, wait, "the restarted c to apply what it missed", func() bool {
		_, z := c.call(t, "GET", "/api/v1/zones", admin, nil)
		return bytes.Equal(z, zonesA) && incidentOf(c) == want
	})
	// The follower counts an entry applied once its apply returned,
	// a moment after the API shows its effect.
	waitFor(t, wait, "c's applied control sequence to be a's", func() bool {
		return c.n.ctl.follower.Applied() == a.n.ctl.follower.Applied()
	})
	if !bytes.Contains(zonesA, []byte("Gulf of Aden IRTC")) || bytes.Contains(zonesA, []byte(name)) {
		t.Errorf("zones after the changes: %s", zonesA)
	}
	waitFor(t, wait, "the token made on c while it was down to work on a", func() bool {
		st, _ := a.call(t, "GET", "/api/v1/zones", late, nil)
		return st == http.StatusOK
	})
	waitFor(t, wait, "c ready", func() bool {
		st, _ := c.call(t, "GET", "/readyz", "", nil)
		return st == http.StatusOK
	})
}

// FuzzControlApply: any control record body, of any kind and op, is
// applied or refused, never a crash; the items stay readable.
func FuzzControlApply(f *testing.F) {
	zone, _ := event.MarshalZonesFile([]event.Zone{{Name: "box", Area: geo.MultiPolygon{{Outer: geo.Ring{
		{Lat: 18.6, Lon: 72.4}, {Lat: 18.6, Lon: 72.8}, {Lat: 19.0, Lon: 72.8}, {Lat: 19.0, Lon: 72.4}, {Lat: 18.6, Lon: 72.4}}}}}})
	inc := `{"kind":"incident","category":"piracy_armed_robbery","title":"t","start":"2022-01-02T22:00:00Z","lat":1,"lon":2,"tlp":"TLP:AMBER"}`
	for _, s := range []struct {
		kind, op uint8
		id, body string
	}{
		{1, 1, "box", `{"zone":` + string(zone) + `}`},
		{1, 1, "box", `{"create":true,"zone":` + string(zone) + `}`},
		{1, 2, "box", `{}`},
		{2, 1, "incident--0b7c2a58-4f3e-4d0c-9d7e-2f1b6c1e8a11", `{"create":true,"incident":` + strings.Replace(inc, "{", `{"id":"incident--0b7c2a58-4f3e-4d0c-9d7e-2f1b6c1e8a11",`, 1) + `}`},
		{2, 2, "incident--0b7c2a58-4f3e-4d0c-9d7e-2f1b6c1e8a11", `{}`},
		{3, 1, "ops", `{"record":{"name":"ops","role":"admin","created":"2026-01-02T03:04:05Z","sha256":"` + strings.Repeat("ab", 32) + `"}}`},
		{3, 2, "ops", `{}`},
		{4, 1, "JP-JCG", `{"record":{"name":"JP-JCG","fingerprint":"x","certificate":"-----BEGIN CERTIFICATE-----"}}`},
	} {
		f.Add(s.kind, s.op, s.id, []byte(s.body))
	}
	dir := f.TempDir()
	zones, _, err := event.OpenZoneBook(filepath.Join(dir, "zones.geojson"), nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	tokens, err := httpapi.OpenTokens(filepath.Join(dir, "tokens.json"))
	if err != nil {
		f.Fatal(err)
	}
	st, err := incident.Open(filepath.Join(dir, "incidents.log"), incident.Options{Node: "LOCAL"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	id, err := identity.Init(filepath.Join(dir, "node"), "IFC-TEST", time.Now(), time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	m := &controlMember{zones: zones, book: &IncidentBook{store: st}, logger: slog.New(slog.DiscardHandler),
		sets:    map[cluster.ControlKind]recordSet{cluster.KindToken: tokens, cluster.KindPartner: partnerSet{id}},
		applied: map[cluster.ControlKind]map[string][]byte{}, waiters: map[string]chan controlResult{},
		path: filepath.Join(dir, controlFilesName)}
	if err := m.loadApplied(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind, op uint8, id string, body []byte) {
		r := cluster.ControlRecord{Kind: cluster.ControlKind(kind%5 + 1), Op: cluster.ControlOp(op%3 + 1), ID: id, Time: time.Unix(1700000000, 0), Body: body}
		err := m.apply(1, r)
		if _, ok := errors.AsType[*cluster.DecodeError](err); err != nil && !ok {
			t.Fatalf("apply(%v %v %q %q): %v, not a decode error", r.Kind, r.Op, id, body, err)
		}
		zones.Zones()
		tokens.List()
		st.List(incident.Filter{})
	})
}
