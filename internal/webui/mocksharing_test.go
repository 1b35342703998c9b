package webui_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The mock's sharing: two partner nodes (GET /api/v1/partners) and an audit
// log of a few hundred entries over the last week (GET /api/v1/audit), both
// for admins only, as the API has them.

const (
	// mockRevoked is the mock's revoked partner, whose link's last error
	// carries markup.
	mockRevoked        = "NZ-MSC"
	hostileLinkError   = "<img src=x onerror=alert(1)>"
	hostileInboundErr  = `<b onmouseover="alert(5)">refused</b>`
	hostileAuditRule   = "handshake: <script>alert(4)</script>"
	mockAuditEntries   = 720
	mockAuditSpacing   = 14 * time.Minute // 720 entries span 7 days
	mockAuditMaxLimit  = 100_000
	mockAuditDefLimit  = 1000
	mockPartnerSentInc = 7 // the active link's counters grow by this each request
)

type mockAuditEntry struct {
	Time      time.Time `json:"time"`
	Direction string    `json:"direction"`
	Partner   string    `json:"partner"`
	Kind      string    `json:"kind"`
	Key       string    `json:"key"`
	Seq       uint64    `json:"seq"`
	Rule      string    `json:"rule"`
	Origin    string    `json:"origin"`
}

// buildAudit makes the audit log: positions and static reports of the
// mock's vessels, events and incidents sent to both partners (refused by
// rule now and then), positions and events received from the active
// one, and refused connections of the revoked one; newest first.
func (m *mockAPI) buildAudit() {
	r := rand.New(rand.NewPCG(7, 11))
	for i := range mockAuditEntries {
		t := m.t0.Add(-time.Duration(i)*mockAuditSpacing - time.Duration(r.IntN(60))*time.Second)
		v := m.vessels[r.IntN(min(len(m.vessels), 40))]
		e := mockAuditEntry{Time: t, Origin: mockNode}
		switch k := r.IntN(10); {
		case k < 4:
			e.Direction, e.Kind, e.Rule = "sent", "position", "positions-north-sea"
			e.Key = fmt.Sprintf("%s@%s", v.mmsi, t.Add(-3*time.Second).Format(time.RFC3339))
		case k == 4:
			e.Direction, e.Kind, e.Rule = "sent", "static", "static-all"
			e.Key = fmt.Sprintf("%s@%s", v.mmsi, t.Add(-5*time.Second).Format(time.RFC3339))
		case k == 5:
			e.Direction, e.Kind, e.Rule, e.Key = "sent", "event", "events-all", fmt.Sprintf("gap-%d", 9000+i)
		case k == 6:
			e.Direction, e.Kind, e.Rule, e.Key = "refused", "incident", "tlp-red", fmt.Sprintf("inc-%04d", i)
		case k < 9:
			e.Direction, e.Kind, e.Rule, e.Origin = "received", "position", "inbound", mockPartner
			e.Key = fmt.Sprintf("%s@%s", v.mmsi, t.Add(-2*time.Second).Format(time.RFC3339))
		default:
			e.Direction, e.Kind, e.Rule, e.Origin = "received", "event", "inbound", mockPartner
			e.Key = fmt.Sprintf("enc-%d", 7000+i)
		}
		e.Partner = mockPartner
		if e.Direction == "sent" && r.IntN(3) == 0 {
			e.Partner = mockRevoked
		}
		if i%25 == 3 {
			e.Direction, e.Partner, e.Kind, e.Key, e.Origin = "refused", mockRevoked, "link", "203.0.113.9:51234", ""
			e.Rule = hostileAuditRule
		}
		m.audit = append(m.audit, e)
	}
	// Sequence numbers per partner and direction, counted from the oldest.
	seq := map[string]uint64{}
	for i := len(m.audit) - 1; i >= 0; i-- {
		if e := &m.audit[i]; e.Direction == "sent" || e.Direction == "received" {
			seq[e.Partner+" "+e.Direction]++
			e.Seq = seq[e.Partner+" "+e.Direction]
		}
	}
}

// servePartners answers GET /api/v1/partners: the active partner, whose
// counters grow with every request, and the revoked one.
func (m *mockAPI) servePartners(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.partnerRequests++
	n := int64(m.partnerRequests)
	m.mu.Unlock()
	sent := 48211 + mockPartnerSentInc*n
	writeJSON(w, map[string]any{"partners": []map[string]any{
		{
			"name": mockPartner, "addr": "share.jcg.example:7443",
			"fingerprint": "SHA256:3f9a0c5e7b2d4f6a8c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a",
			"status":      "active", "not_after": m.t0.Add(200 * 24 * time.Hour).Format(time.RFC3339),
			"link": map[string]any{
				"connected": true, "cursor": sent - 12, "lag": 12, "sent": sent, "acked": sent - 12,
				"reconnects": 2, "refusals": 0, "held": 0, "last_error": "", "last_connect": m.t0.Add(-3 * time.Hour).Format(time.RFC3339),
				"pending": 12, "dropped": 0, "queued": sent,
			},
			"inbound": map[string]any{
				"active": true, "delivered": 9120, "duplicates": 3, "redelivered": 5, "gaps": 0, "connections": 4,
				"refused": 1, "protocol_errors": 0, "last_error": "", "received": 9125,
			},
		},
		{
			"name": mockRevoked, "addr": "mdc.msc.example:7443",
			"fingerprint": "SHA256:0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c",
			"status":      "revoked", "not_after": m.t0.Add(40 * 24 * time.Hour).Format(time.RFC3339),
			"link": map[string]any{
				"connected": false, "cursor": 5120, "lag": 340, "sent": 5160, "acked": 5120,
				"reconnects": 17, "refusals": 9, "held": 0, "last_error": hostileLinkError,
				"pending": 340, "dropped": 25, "queued": 5485,
			},
			"inbound": map[string]any{
				"active": false, "delivered": 0, "duplicates": 0, "redelivered": 0, "gaps": 0, "connections": 9,
				"refused": 9, "protocol_errors": 0, "last_error": hostileInboundErr, "received": 0,
			},
		},
	}})
}

// serveAudit answers GET /api/v1/audit with the entries that match the
// query, newest first, as the API does: partner, direction, kind, key and
// origin match exactly; from is inclusive, to exclusive; limit defaults
// to 1000.
func (m *mockAPI) serveAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m.mu.Lock()
	m.auditQueries = append(m.auditQueries, q.Encode())
	m.mu.Unlock()
	switch q.Get("direction") {
	case "", "sent", "received", "refused":
	default:
		apiError(w, http.StatusBadRequest, "bad_parameter", "direction: want sent, received or refused")
		return
	}
	var from, to time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if s := q.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				apiError(w, http.StatusBadRequest, "bad_parameter", p.name+": want an RFC 3339 time")
				return
			}
			*p.t = t
		}
	}
	limit := mockAuditDefLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > mockAuditMaxLimit {
			apiError(w, http.StatusBadRequest, "bad_parameter", "limit: want 1 to 100000")
			return
		}
		limit = n
	}
	out := []mockAuditEntry{}
	for _, e := range m.audit {
		if len(out) == limit {
			break
		}
		if !auditMatch(q, e) || (!from.IsZero() && e.Time.Before(from)) || (!to.IsZero() && !e.Time.Before(to)) {
			continue
		}
		out = append(out, e)
	}
	writeJSON(w, map[string]any{"entries": out})
}

func auditMatch(q url.Values, e mockAuditEntry) bool {
	for _, f := range [...]struct{ name, v string }{
		{"partner", e.Partner}, {"direction", e.Direction}, {"kind", e.Kind}, {"key", e.Key}, {"origin", e.Origin},
	} {
		if want := q.Get(f.name); want != "" && want != f.v {
			return false
		}
	}
	return true
}

// auditQueried reports whether the mock was asked for the audit with all
// of the given parameters set (name=value, or name for any value).
func (m *mockAPI) auditQueried(params ...string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
next:
	for _, enc := range m.auditQueries {
		q, _ := url.ParseQuery(enc)
		for _, p := range params {
			name, val, withVal := strings.Cut(p, "=")
			if !q.Has(name) || (withVal && q.Get(name) != val) {
				continue next
			}
		}
		return true
	}
	return false
}

// TestMockSharing checks the mock's sharing endpoints against the API's
// contract, so that the browser test checks the map against the real
// thing: admins only, filters honoured, newest first, limit kept.
func TestMockSharing(t *testing.T) {
	m := newMockAPI(50, "", "admin")
	srv := httptest.NewServer(m.handler(t))
	defer srv.Close()
	get := func(path string, into any) int {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if into != nil && res.StatusCode == http.StatusOK {
			if err := json.NewDecoder(res.Body).Decode(into); err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
		return res.StatusCode
	}
	var partners struct {
		Partners []struct {
			Name, Status string
			Link         map[string]any
		}
	}
	if code := get("/api/v1/partners", &partners); code != http.StatusOK || len(partners.Partners) != 2 ||
		partners.Partners[1].Status != "revoked" || partners.Partners[1].Link["last_error"] != hostileLinkError {
		t.Errorf("GET /api/v1/partners: %d %+v; want 200, an active partner and a revoked one with a hostile error", code, partners)
	}
	from := m.t0.Add(-24 * time.Hour).Format(time.RFC3339)
	for _, tc := range []struct {
		query string
		match func(mockAuditEntry) bool
	}{
		{"limit=500", func(mockAuditEntry) bool { return true }},
		{"direction=received&kind=position&from=" + from, func(e mockAuditEntry) bool {
			return e.Direction == "received" && e.Kind == "position" && !e.Time.Before(m.t0.Add(-24*time.Hour))
		}},
		{"partner=" + mockRevoked + "&direction=refused", func(e mockAuditEntry) bool { return e.Partner == mockRevoked && e.Direction == "refused" }},
		{"key=" + url.QueryEscape(m.audit[10].Key), func(e mockAuditEntry) bool { return e.Key == m.audit[10].Key }},
	} {
		var want []mockAuditEntry
		for _, e := range m.audit {
			if tc.match(e) {
				want = append(want, e)
			}
		}
		if len(want) > 500 && strings.Contains(tc.query, "limit=500") {
			want = want[:500]
		}
		var got struct{ Entries []mockAuditEntry }
		if code := get("/api/v1/audit?"+tc.query, &got); code != http.StatusOK || len(got.Entries) != len(want) || len(want) == 0 {
			t.Errorf("GET /api/v1/audit?%s: %d, %d entries; want 200, %d", tc.query, code, len(got.Entries), len(want))
			continue
		}
		for i := range want {
			if got.Entries[i].Key != want[i].Key || !got.Entries[i].Time.Equal(want[i].Time) {
				t.Errorf("GET /api/v1/audit?%s: entry %d is %+v; want %+v", tc.query, i, got.Entries[i], want[i])
				break
			}
		}
	}
	if code := get("/api/v1/audit?direction=up", nil); code != http.StatusBadRequest {
		t.Errorf("GET /api/v1/audit?direction=up: %d; want 400", code)
	}

	reader := newMockAPI(50, "", "read")
	rsrv := httptest.NewServer(reader.handler(t))
	defer rsrv.Close()
	for _, path := range []string{"/api/v1/partners", "/api/v1/audit"} {
		res, err := http.Get(rsrv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s as a reader: %d; want 403", path, res.StatusCode)
		}
	}
}
