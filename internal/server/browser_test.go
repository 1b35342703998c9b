package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/share"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// hostileName is the ship name injected through a real AIS type 5
// message. The issue's `<img src=x onerror=alert(1)>` cannot be sent that
// way: a type 5 name holds 20 six-bit characters, all upper case (it would
// arrive cut to "<IMG SRC=X ONERROR=A", which is inert). This is the
// strongest payload that fits: HTML tag and attribute names are
// case-insensitive, so "<svg/onload=alert()>" runs at once if the map ever
// parses a name as HTML. (The full lower-case string is tested through a
// CSV in cmd/tidewatch's TestHostileStrings.)
const hostileName = "<SVG/ONLOAD=ALERT()>"

const hostileMMSI = 419999001

// browserWait is the browser scripts' wait for one thing (TIMEOUT_MS, in
// milliseconds). A loaded machine (CI, the other tests of the package,
// eight engineers on two cores) starves Chromium's software renderer:
// TestFederation's Sharing check, at the scripts' default of 30 s, saw no
// ship drawn and a screenshot time out at load 34, so every script run
// here gets the budget the feature scripts and internal/webui's run with.
const browserWait = "90000"

// hostileSentences are a type 1 position off Mumbai and a type 5 static
// report naming the vessel hostileName, tag-blocked with time t.
func hostileSentences(t *testing.T, at time.Time) []byte {
	pos := &ais.PositionReport{Header: ais.Header{Type: 1, MMSI: hostileMMSI}, Status: 0, Speed: 85, Lon: ais.Lon(72.62 * 600000),
		Lat: ais.Lat(18.80 * 600000), Course: 2700, Heading: 270, Second: ais.Second(at.Second())}
	static := &ais.StaticVoyage{Header: ais.Header{Type: 5, MMSI: hostileMMSI}, IMO: 9876543, CallSign: ais.NewText("AUXS"),
		ShipName: ais.NewText(hostileName), ShipType: 70, Destination: ais.NewText("INBOM")}
	opt := ais.NMEAOptions{Time: at, Source: "rx-test"}
	b, err := ais.AppendNMEA(nil, pos, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.SeqID = 3
	if b, err = ais.AppendNMEA(b, static, opt); err != nil {
		t.Fatal(err)
	}
	return b
}

// browser returns the e2e directory, and what is missing to run the
// browser checks ("" when nothing is); with TIDEWATCH_REQUIRE_BROWSER set,
// anything missing fails the test.
func browser(t *testing.T) (e2e, missing string) {
	_, here, _, _ := runtime.Caller(0)
	e2e = filepath.Join(filepath.Dir(here), "..", "..", "e2e")
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node"
	} else if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		missing = "/usr/bin/chromium"
	} else if _, err := os.Stat(filepath.Join(e2e, "node_modules", "playwright-core")); err != nil {
		missing = "e2e/node_modules (run bash e2e/run.sh)"
	}
	if missing != "" && os.Getenv("TIDEWATCH_REQUIRE_BROWSER") != "" {
		t.Fatalf("browser test required but %s is missing", missing)
	}
	return e2e, missing
}

// TestBrowserMap is the browser test of the map, e2e/map.mjs (Playwright
// driving Debian's Chromium), against a real node with partners, as an
// admin and as an anonymous reader. The node (IN-IFC) runs simulated
// traffic (as "tidewatch demo" does), a hostile vessel name injected over
// TCP as real AIS, a zone with a hostile name that the vessel enters, a
// watch zone a new vessel enters every 10 s (events on the live stream),
// and two incidents written through the API (one with a hostile title).
// Its partner JP-JCG is a second real node, linked over TLS, that shares
// its own simulated vessels, the events of its zone near Tokyo and an
// incident: the events and incidents lists mark them "from JP-JCG", and
// the audit log fills past the view's limit of 500. Its partner AU-MBC is
// registered at the address of a hostile TLS server whose certificate is
// for "<img src=x onerror=alert(1)>" (the link's last error quotes it),
// and every 10 s a stranger presents a certificate for
// "<script>alert(4)</script>" to its link listener (the audit entry of
// the refusal quotes it): the Sharing panel must show both as text. The
// browser reaches the node through a proxy that checks every answer under
// /api/ (the live stream event by event) against openapi.json. The
// admin draws, renames and deletes a zone and creates, edits (meeting a
// stale edit) and deletes an incident through the real API; the reader
// sees no editing controls and no Sharing panel. It needs node,
// /usr/bin/chromium and e2e/node_modules (e2e/run.sh installs them; .ci/run
// calls it and sets TIDEWATCH_REQUIRE_BROWSER=1 so that the test cannot
// skip there). Screenshots go to e2e/artifacts (TIDEWATCH_ARTIFACTS).
func TestBrowserMap(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	e2e, missing := browser(t)
	if missing != "" {
		t.Skipf("%s missing", missing)
	}

	// A zone round the hostile vessel's position: its report makes a
	// zone_entry event for the events list; the zone's name is hostile
	// too. The watch zone (in the Gulf of Aden) gets a new vessel every
	// 10 s.
	zones := filepath.Join(t.TempDir(), "zones.geojson")
	if err := os.WriteFile(zones, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"<B>Mumbai approach</B>"},
		"geometry":{"type":"Polygon","coordinates":[[[72.4,18.6],[72.8,18.6],[72.8,19.0],[72.4,19.0],[72.4,18.6]]]}},
		{"type":"Feature","properties":{"name":"`+watchZone+`"},
		"geometry":{"type":"Polygon","coordinates":[[[46.25,12.2],[46.4,12.2],[46.4,12.3],[46.25,12.3],[46.25,12.2]]]}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	fed := newBrowserFederation(t, zones)
	in := fed.in
	// 26 hours of simulated history, so that the time slider reaches back
	// past the live events' 24 h, and an event of 25 h 30 min ago in the
	// node's event log: the past view at the slider's leftmost (the 24 h
	// before the first position) lists it, the live list does not.
	start := time.Now()
	pastEvent := seedPastEvent(t, in.cfg.Data, start.Add(-25*time.Hour-30*time.Minute))
	linkAddr := make(chan string, 1)
	node := startNode(t, Options{Config: in.cfg,
		Extra: func(submit func([]vessel.Observation) bool) []Runner {
			return []Runner{&SimulatedTraffic{Vessels: 300, Seed: 1, Start: start, History: 26 * time.Hour, Submit: submit}}
		},
		Sharing: func(s *share.Sharer) {
			in.proxy.target.Store(s.Addr().String())
			linkAddr <- s.Addr().String()
		}})
	base, admin := node.base, in.admin
	listener := <-linkAddr

	inConn, err := net.Dial("tcp", fed.inTCP)
	if err != nil {
		t.Fatal(err)
	}
	defer inConn.Close()
	if _, err := inConn.Write(hostileSentences(t, time.Now().Add(-5*time.Second))); err != nil {
		t.Fatal(err)
	}
	jpConn, err := net.Dial("tcp", fed.jpTCP)
	if err != nil {
		t.Fatal(err)
	}
	defer jpConn.Close()
	// Every 10 s while the scripts run (every 25 s after the first ten
	// minutes): a new vessel enters IN-IFC's watch zone and one JP-JCG's
	// (events, streamed and shared), and a stranger is refused at IN-IFC's
	// link listener (the hostile audit rule stays among the newest
	// entries). The slower pace later keeps the live events list (its
	// newest 500) holding the hostile zone's event from the start for
	// the reader's session, which a loaded machine starts 45 min in (at
	// 10 s the ticks pushed it off the list: two checks failed).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stranger := strangerCert(t, hostileClientName)
	ticks := make(chan struct{})
	go func() {
		defer close(ticks)
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for n := 0; ; n++ {
			now := time.Now()
			if _, err := inConn.Write(zoneEntrySentence(t, n, now)); err != nil {
				return
			}
			if _, err := jpConn.Write(zoneEntryAt(t, uint32(431000000+n%1000), 35.25, 139.7+0.002*float64(n%20), now)); err != nil {
				return
			}
			strangerHandshake(listener, stranger)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if n == 60 {
				tick.Reset(25 * time.Second)
			}
		}
	}()
	// Incidents for the map's list, details, map and exports: one with a
	// hostile title, narrative and source, one linked to the hostile
	// vessel, through the API as any client would write them; and one
	// JP-JCG writes and shares.
	postIncidentJSON(t, base, admin, fmt.Sprintf(`{"kind":"incident","category":"maritime_incident","title":%q,
		"narrative":"<script>alert(2)</script>","start":%q,"lat":18.9,"lon":72.7,"source":"<b>bold</b>","tlp":"TLP:CLEAR"}`,
		hostileIncident, time.Now().Add(-6*time.Hour).UTC().Format(time.RFC3339)))
	postIncidentJSON(t, base, admin, fmt.Sprintf(`{"kind":"incident","category":"piracy_armed_robbery","title":"Armed approach off Mumbai",
		"start":%q,"lat":18.8,"lon":72.62,"vessels":[%d],"source":"MRCC Mumbai","tlp":"TLP:GREEN","releasable_to":["JP-JCG"]}`,
		time.Now().Add(-3*time.Hour).UTC().Format(time.RFC3339), hostileMMSI))
	postIncidentJSON(t, fed.jp.base, fed.jp.admin, fmt.Sprintf(`{"kind":"incident","category":"maritime_security_threat","title":%q,
		"start":%q,"lat":35.2,"lon":139.75,"source":"JCG 3rd Region","tlp":"TLP:GREEN"}`,
		partnerIncident, time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339)))

	revokePartner(t, in.cfg.Data, revokedPartner)
	linkError, auditRule := waitForBrowserNode(t, base, admin)
	proxied := checkedProxy(t, base)
	artifacts := os.Getenv("TIDEWATCH_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(e2e, "artifacts")
	}
	for _, tc := range []struct {
		name, token, editing string
	}{
		{"admin", admin, "1"},
		{"reader", "", "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sctx, scancel := context.WithTimeout(ctx, 45*time.Minute)
			defer scancel()
			cmd := exec.CommandContext(sctx, "node", filepath.Join(e2e, "map.mjs"))
			cmd.Env = append(os.Environ(), "BASE_URL="+proxied, "TOKEN="+tc.token, "TIMEOUT_MS="+browserWait,
				"ARTIFACTS="+filepath.Join(artifacts, "map-"+tc.name),
				"HOSTILE_NAME="+hostileName, fmt.Sprintf("HOSTILE_MMSI=%d", hostileMMSI),
				"EXPECT_EVENTS=1", "EXPECT_EVENT_ORIGIN="+browserPartner, "EXPECT_LIVE_EVENTS=1",
				"EXPECT_ZONES=1", "HOSTILE_ZONE=<B>Mumbai approach</B>", "ZONE_EDITING="+tc.editing, "EXPECT_PAST_EVENTS=1",
				"EXPECT_INCIDENTS=1", "INCIDENT_EDITING="+tc.editing, "HOSTILE_INCIDENT="+hostileIncident, "PARTNER_ORIGIN="+browserPartner,
				"EXPECT_SHARING="+tc.editing, "HOSTILE_PARTNER_ERROR="+linkError, "HOSTILE_AUDIT_RULE="+auditRule,
				"EXPECT_AUDIT_LIMIT=1", "PAST_EVENT_ID="+pastEvent, "REVOKED_PARTNER="+revokedPartner,
				fmt.Sprintf("PARTNER_VESSEL=%d", partnerVessel), "PARTNER_VESSEL_ORIGIN="+browserPartner)
			out, err := cmd.CombinedOutput()
			t.Logf("e2e/map.mjs:\n%s", out)
			if err != nil {
				t.Fatalf("e2e/map.mjs: %v", err)
			}
			if tc.token != "" {
				checkBrowserIncidents(t, base, admin) // what the admin's editing left
			}
		})
	}
	cancel()
	<-ticks
	node.stop(t)
	fed.jpRunner.stop(t)
}

// waitForBrowserNode waits until TestBrowserMap's node holds what the
// scripts check: the hostile vessel's zone entry, an event and an
// incident from JP-JCG, JP-JCG's link up, AU-MBC's link failed on the
// hostile certificate (it returns that error, as the API answers it),
// and an audit log past 500 entries with the stranger's refusal among
// them (it returns that entry's rule).
func waitForBrowserNode(t *testing.T, base, admin string) (linkError, auditRule string) {
	t.Helper()
	api := apiClient(t)
	waitFor(t, 60*time.Second, "the zone_entry event of the injected vessel", func() bool {
		var evs struct {
			Events []struct {
				Zone    string   `json:"zone"`
				Vessels []uint32 `json:"vessels"`
			} `json:"events"`
		}
		if getAs(api, base, "/api/v1/events?type=zone_entry", "", &evs) != nil {
			return false
		}
		for _, e := range evs.Events {
			if e.Zone == "<B>Mumbai approach</B>" && len(e.Vessels) == 1 && e.Vessels[0] == hostileMMSI {
				return true
			}
		}
		return false
	})
	waitFor(t, 120*time.Second, "an event and an incident from "+browserPartner, func() bool {
		var evs struct {
			Events []struct {
				Origin string `json:"origin"`
			} `json:"events"`
		}
		var incs struct {
			Incidents []struct {
				Origin string `json:"origin"`
				Title  string `json:"title"`
			} `json:"incidents"`
		}
		if getAs(api, base, "/api/v1/events", "", &evs) != nil || getAs(api, base, "/api/v1/incidents", "", &incs) != nil {
			return false
		}
		ev, inc := false, false
		for _, e := range evs.Events {
			ev = ev || e.Origin == browserPartner
		}
		for _, r := range incs.Incidents {
			inc = inc || (r.Origin == browserPartner && r.Title == partnerIncident)
		}
		return ev && inc
	})
	waitFor(t, 120*time.Second, "the links: "+browserPartner+" up, "+hostilePartner+" refused for its certificate", func() bool {
		var ps struct {
			Partners []struct {
				Name string `json:"name"`
				Link struct {
					Connected bool   `json:"connected"`
					LastError string `json:"last_error"`
				} `json:"link"`
			} `json:"partners"`
		}
		if getAs(api, base, "/api/v1/partners", admin, &ps) != nil {
			return false
		}
		up := false
		linkError = ""
		for _, p := range ps.Partners {
			switch p.Name {
			case browserPartner:
				up = p.Link.Connected
			case hostilePartner:
				if strings.Contains(p.Link.LastError, `"`+hostilePeerName+`"`) {
					linkError = p.Link.LastError
				}
			}
		}
		return up && linkError != ""
	})
	waitFor(t, 60*time.Second, revokedPartner+" revoked and "+browserPartner+" reporting vessel "+strconv.Itoa(partnerVessel), func() bool {
		var ps struct {
			Partners []struct {
				Name   string `json:"name"`
				Status string `json:"status"`
			} `json:"partners"`
		}
		var v struct {
			Source string `json:"source"`
		}
		if getAs(api, base, "/api/v1/partners", admin, &ps) != nil || getAs(api, base, "/api/v1/vessels/"+strconv.Itoa(partnerVessel), "", &v) != nil {
			return false
		}
		revoked := false
		for _, p := range ps.Partners {
			revoked = revoked || p.Name == revokedPartner && p.Status == "revoked"
		}
		return revoked && v.Source == "partner:"+browserPartner
	})
	from := url.QueryEscape(time.Now().Add(-7 * 24 * time.Hour).UTC().Format(time.RFC3339))
	waitFor(t, 180*time.Second, "500 audit entries of the last 7 days, the stranger's refusal among the newest", func() bool {
		var au struct {
			Entries []struct {
				Rule string `json:"rule"`
			} `json:"entries"`
		}
		if getAs(api, base, "/api/v1/audit?limit=500&from="+from, admin, &au) != nil || len(au.Entries) < 500 {
			return false
		}
		for _, e := range au.Entries {
			if strings.Contains(e.Rule, `"`+hostileClientName+`"`) {
				auditRule = e.Rule
				return true
			}
		}
		return false
	})
	return linkError, auditRule
}

// hostileIncident is the title of an incident written through the API:
// the map must show it as text.
const hostileIncident = "<img src=x onerror=alert(1)>"

// postIncidentJSON creates an incident through the API as token, failing
// t unless it is created.
func postIncidentJSON(t *testing.T, base, token, body string) {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/api/v1/incidents", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := apiClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /api/v1/incidents: %s %s", resp.Status, msg)
	}
}

// checkBrowserIncidents checks what the map's incident editing left in
// the node: the incident the browser created is deleted, and its history
// holds its creation, the edit, the edit made elsewhere, the save after
// Reload (from the latest version; the stale edit was refused) and the
// deletion; the assessment it
// drew is deleted; the two records written before are untouched.
func checkBrowserIncidents(t *testing.T, base, token string) {
	t.Helper()
	get := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := apiClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s %v", path, resp.Status, err)
		}
	}
	type record struct {
		ID      string `json:"id"`
		Kind    string `json:"kind"`
		Title   string `json:"title"`
		Version int    `json:"version"`
		Deleted bool   `json:"deleted"`
	}
	var list struct {
		Incidents []record `json:"incidents"`
	}
	get("/api/v1/incidents?include_deleted=true&limit=500", &list)
	var made, drawn []record
	kept := 0
	for _, r := range list.Incidents {
		switch {
		case strings.HasPrefix(r.Title, "E2E <b>incident</b> "):
			made = append(made, r)
		case strings.HasPrefix(r.Title, "E2E assessment "):
			drawn = append(drawn, r)
		case !r.Deleted && (r.Title == hostileIncident || r.Title == "Armed approach off Mumbai") && r.Version == 1:
			kept++
		}
	}
	if len(made) != 1 || !made[0].Deleted || !strings.HasSuffix(made[0].Title, " edited elsewhere") {
		t.Fatalf("incidents the browser made: %+v; want one, deleted, last titled \"... edited elsewhere\"", made)
	}
	if len(drawn) != 1 || !drawn[0].Deleted || drawn[0].Kind != "assessment" {
		t.Errorf("assessments the browser drew: %+v; want one, deleted", drawn)
	}
	if kept != 2 {
		t.Errorf("%d of the 2 records written before are untouched (version 1, not deleted): %+v", kept, list.Incidents)
	}
	type version struct {
		Title     string `json:"title"`
		Narrative string `json:"narrative"`
		Deleted   bool   `json:"deleted"`
	}
	var hist struct {
		Versions []version `json:"versions"`
	}
	get("/api/v1/incidents/"+url.PathEscape(made[0].ID)+"/history", &hist)
	var steps []string
	for _, v := range hist.Versions {
		steps = append(steps, fmt.Sprintf("%s|%s|%v", strings.TrimPrefix(v.Title, "E2E <b>incident</b> "), v.Narrative, v.Deleted))
	}
	t.Logf("history of the browser's incident: %q", steps)
	stale := slices.ContainsFunc(hist.Versions, func(v version) bool { return v.Narrative == "Stale edit" })
	if n := len(hist.Versions); n != 5 || stale ||
		strings.HasSuffix(hist.Versions[0].Title, "edited") || !strings.HasSuffix(hist.Versions[1].Title, " edited") ||
		!strings.HasSuffix(hist.Versions[2].Title, " edited elsewhere") || !strings.HasSuffix(hist.Versions[3].Title, " edited elsewhere") ||
		hist.Versions[3].Deleted || !hist.Versions[4].Deleted {
		t.Errorf("history %q; want created, edited, edited elsewhere, saved again after Reload (the stale edit refused), deleted", steps)
	}
}
