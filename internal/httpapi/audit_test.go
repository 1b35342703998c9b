package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/audit"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
)

// openAudit opens a real audit log in a temporary directory with entries
// a minute apart before the clock, the last one at the clock:
//
//	seq 1 sent     NO-JOC position 257123450 share-north-sea  origin IN-IFC
//	seq 2 received NO-JOC incident incident--… (hostile key)  origin NO-JOC
//	seq 3 refused  JP-JCG position 257123450 tlp-red          origin IN-IFC
//	seq 4 sent     JP-JCG event    gap-1                      origin IN-IFC
//	seq 5 sent     NO-JOC position 636012345 share-north-sea  origin SE-MRCC
func openAudit(t *testing.T) *audit.Log {
	t.Helper()
	l, err := audit.Open(t.TempDir(), audit.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	entries := []audit.Entry{
		{Direction: audit.Sent, Partner: "NO-JOC", Kind: "position", Key: "257123450", Seq: 1, Rule: "share-north-sea", Origin: "IN-IFC"},
		{Direction: audit.Received, Partner: "NO-JOC", Kind: "incident", Key: "<script>alert(1)</script>&", Seq: 2, Rule: "inbound", Origin: "NO-JOC"},
		{Direction: audit.Refused, Partner: "JP-JCG", Kind: "position", Key: "257123450", Seq: 3, Rule: "tlp-red", Origin: "IN-IFC"},
		{Direction: audit.Sent, Partner: "JP-JCG", Kind: "event", Key: "gap-1", Seq: 4, Rule: "share-events", Origin: "IN-IFC"},
		{Direction: audit.Sent, Partner: "NO-JOC", Kind: "position", Key: "636012345", Seq: 5, Rule: "share-north-sea", Origin: "SE-MRCC"},
	}
	for i := range entries {
		entries[i].Time = clock.Add(time.Duration(i-len(entries)+1) * time.Minute)
	}
	if err := l.Append(entries...); err != nil {
		t.Fatal(err)
	}
	return l
}

type auditAnswer struct {
	Entries []struct {
		Time      time.Time `json:"time"`
		Direction string    `json:"direction"`
		Partner   string    `json:"partner"`
		Kind      string    `json:"kind"`
		Key       string    `json:"key"`
		Seq       uint64    `json:"seq"`
		Rule      string    `json:"rule"`
		Origin    string    `json:"origin"`
	} `json:"entries"`
}

// getAdmin GETs url with the admin token, wants 200 and decodes into v;
// it returns the body.
func getAdmin(t *testing.T, url string, v any) []byte {
	t.Helper()
	code, _, body := do(t, "GET", url, fx.admin, nil)
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d %s; want 200", url, code, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, body)
	}
	return body
}

func TestAudit(t *testing.T) {
	l := openAudit(t)
	srv := newServer(t, func(c *httpapi.Config) { c.Audit = bind.Audit(l) })
	base := srv.URL + "/api/v1/audit"

	code, _, body := do(t, "GET", base, fx.read, nil)
	wantError(t, "audit with a read token", code, body, http.StatusForbidden, "forbidden", "admin")
	code, _, body = do(t, "GET", base, "", nil)
	wantError(t, "audit without a token", code, body, http.StatusUnauthorized, "unauthorized", "token")

	// The whole answer, newest first, every member.
	var all auditAnswer
	raw := getAdmin(t, base, &all)
	if len(all.Entries) != 5 {
		t.Fatalf("audit: %d entries; want 5: %s", len(all.Entries), raw)
	}
	first := all.Entries[0]
	if !first.Time.Equal(clock) || first.Direction != "sent" || first.Partner != "NO-JOC" || first.Kind != "position" ||
		first.Key != "636012345" || first.Seq != 5 || first.Rule != "share-north-sea" || first.Origin != "SE-MRCC" {
		t.Errorf("newest entry %+v", first)
	}
	for _, key := range []string{`"time":"2022-01-03T00:30:00Z"`, `"direction":"sent"`, `"seq":5`} {
		if !bytes.Contains(raw, []byte(key)) {
			t.Errorf("audit answer lacks %s: %s", key, raw)
		}
	}
	if all.Entries[3].Key != "<script>alert(1)</script>&" {
		t.Errorf("hostile key %q; want it exactly", all.Entries[3].Key)
	}
	if bytes.ContainsAny(raw, "<>&") {
		t.Errorf("audit answer has unescaped <, > or &: %s", raw)
	}

	tests := []struct {
		query string
		want  []uint64 // seq, newest first
	}{
		{"", []uint64{5, 4, 3, 2, 1}},
		{"partner=NO-JOC", []uint64{5, 2, 1}},
		{"partner=FR-MICA", []uint64{}},
		{"direction=sent", []uint64{5, 4, 1}},
		{"direction=received", []uint64{2}},
		{"direction=refused", []uint64{3}},
		{"kind=position", []uint64{5, 3, 1}},
		{"key=257123450", []uint64{3, 1}},
		{"origin=IN-IFC", []uint64{4, 3, 1}},
		{"from=-2m", []uint64{5, 4, 3}},
		{"to=2022-01-03T00:28:00Z", []uint64{2, 1}}, // exclusive
		{"from=2022-01-03T00:27:00Z&to=2022-01-03T00:29:00Z", []uint64{3, 2}},
		{"limit=2", []uint64{5, 4}},
		{"partner=NO-JOC&direction=sent&kind=position&origin=IN-IFC", []uint64{1}},
		{"unknown=1", []uint64{5, 4, 3, 2, 1}},
	}
	for _, tt := range tests {
		var a auditAnswer
		getAdmin(t, base+"?"+tt.query, &a)
		got := []uint64{}
		for _, e := range a.Entries {
			got = append(got, e.Seq)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("?%s = %v; want %v", tt.query, got, tt.want)
		}
	}

	for _, tt := range []struct{ query, param string }{
		{"direction=sideways", "direction"},
		{"from=soon", "from"},
		{"to=2022-02-30", "to"},
		{"from=2022-01-04&to=2022-01-03", "from"},
		{"limit=0", "limit"},
		{"limit=100001", "limit"},
	} {
		code, _, body := do(t, "GET", base+"?"+tt.query, fx.admin, nil)
		wantError(t, "audit ?"+tt.query, code, body, http.StatusBadRequest, "bad_parameter", tt.param+":")
	}

	// A closed log is unavailable, not an internal error.
	l.Close()
	code, _, body = do(t, "GET", base, fx.admin, nil)
	wantError(t, "audit of a closed log", code, body, http.StatusServiceUnavailable, "unavailable", "closed")
}

// TestAuditLimit checks that limit reaches the log: more entries than the
// default limit are cut to it, and a larger limit returns them all.
func TestAuditLimit(t *testing.T) {
	l, err := audit.Open(t.TempDir(), audit.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	entries := make([]audit.Entry, httpapi.DefaultAuditEntries+5)
	for i := range entries {
		entries[i] = audit.Entry{Time: clock.Add(time.Duration(i) * time.Millisecond), Direction: audit.Sent,
			Partner: "NO-JOC", Kind: "position", Key: fmt.Sprint(i), Seq: uint64(i + 1)}
	}
	if err := l.Append(entries...); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, func(c *httpapi.Config) { c.Audit = bind.Audit(l) })
	var a auditAnswer
	getAdmin(t, srv.URL+"/api/v1/audit", &a)
	if len(a.Entries) != httpapi.DefaultAuditEntries || a.Entries[0].Seq != uint64(len(entries)) {
		t.Errorf("default: %d entries, newest seq %d; want %d, %d", len(a.Entries), a.Entries[0].Seq, httpapi.DefaultAuditEntries, len(entries))
	}
	getAdmin(t, srv.URL+"/api/v1/audit?limit=100000", &a)
	if len(a.Entries) != len(entries) {
		t.Errorf("limit=100000: %d entries; want %d", len(a.Entries), len(entries))
	}
}

func TestPartners(t *testing.T) {
	notAfter := time.Date(2027, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	list := []httpapi.PartnerInfo{
		{Name: "NO-JOC", Addr: "joc.example.no:7443", Fingerprint: "sha256:ab12", Status: "active", NotAfter: notAfter,
			Link:    map[string]any{"connected": true, "lag": 3, "sent": 120, "acked": 117, "last_error": "</script><script>alert(1)</script>"},
			Inbound: map[string]any{"connected": false, "received": 40}},
		{Name: "JP-JCG", Addr: "jcg.example.jp:7443", Fingerprint: "sha256:cd34", Status: "revoked"},
	}
	var mu sync.Mutex // the handler runs on the server's goroutines
	calls := 0
	srv := newServer(t, func(c *httpapi.Config) {
		c.Partners = func() []httpapi.PartnerInfo {
			mu.Lock()
			defer mu.Unlock()
			calls++
			return list
		}
	})
	url := srv.URL + "/api/v1/partners"

	code, _, body := do(t, "GET", url, fx.read, nil)
	wantError(t, "partners with a read token", code, body, http.StatusForbidden, "forbidden", "admin")
	mu.Lock()
	if calls != 0 {
		t.Errorf("a refused request listed the partners")
	}
	mu.Unlock()

	var got struct {
		Partners []struct {
			Name        string         `json:"name"`
			Addr        string         `json:"addr"`
			Fingerprint string         `json:"fingerprint"`
			Status      string         `json:"status"`
			NotAfter    *time.Time     `json:"not_after"`
			Link        map[string]any `json:"link"`
			Inbound     map[string]any `json:"inbound"`
		} `json:"partners"`
	}
	raw := getAdmin(t, url, &got)
	if len(got.Partners) != 2 {
		t.Fatalf("partners: %s", raw)
	}
	jp, no := got.Partners[0], got.Partners[1]
	if jp.Name != "JP-JCG" || no.Name != "NO-JOC" {
		t.Errorf("partners %q, %q; want them by name", jp.Name, no.Name)
	}
	if no.Addr != "joc.example.no:7443" || no.Fingerprint != "sha256:ab12" || no.Status != "active" ||
		no.NotAfter == nil || !no.NotAfter.Equal(notAfter) {
		t.Errorf("NO-JOC %+v", no)
	}
	if no.Link["connected"] != true || no.Link["acked"] != 117.0 || no.Link["last_error"] != "</script><script>alert(1)</script>" || no.Inbound["received"] != 40.0 {
		t.Errorf("NO-JOC link %v inbound %v", no.Link, no.Inbound)
	}
	if jp.Status != "revoked" || jp.NotAfter != nil || jp.Link == nil || len(jp.Link) != 0 || jp.Inbound == nil {
		t.Errorf("JP-JCG %+v; want revoked, not_after null, link and inbound {}", jp)
	}
	for _, want := range []string{`"not_after":"2027-03-01T11:00:00Z"`, `"not_after":null`, `"link":{}`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("partners answer lacks %s: %s", want, raw)
		}
	}
	if bytes.ContainsAny(raw, "<>") {
		t.Errorf("partners answer has unescaped < or >: %s", raw)
	}
	mu.Lock()
	if list[0].Name != "NO-JOC" {
		t.Errorf("the handler reordered the server's slice")
	}
	// No partners is an empty list, not null.
	list = nil
	mu.Unlock()
	raw = getAdmin(t, url, &got)
	if !bytes.Contains(raw, []byte(`"partners":[]`)) {
		t.Errorf("no partners: %s", raw)
	}
}
