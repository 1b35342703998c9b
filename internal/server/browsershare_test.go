package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/httpapi/apitest"
	"github.com/tidewatch/tidewatch/internal/identity"
	"github.com/tidewatch/tidewatch/internal/share"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The partners of TestBrowserMap's node (IN-IFC): JP-JCG, a real node
// that shares its vessels, events and an incident; AU-MBC, registered
// with a real certificate, whose address is a hostile TLS server.
const (
	browserNode    = "IN-IFC"
	browserPartner = "JP-JCG"
	hostilePartner = "AU-MBC"
	// revokedPartner is registered with a real certificate and revoked
	// while IN-IFC runs (as "tidewatch partner revoke" does): its card
	// must say "revoked" in the warning colour.
	revokedPartner = "NZ-RCC"
	// partnerVessel is the first vessel JP-JCG alone hears (it enters
	// JP-JCG's zone): IN-IFC has it only from JP-JCG, so its panel says
	// "Reported by partner JP-JCG".
	partnerVessel = 431000000
	// hostilePeerName is the common name of the certificate the hostile
	// server at AU-MBC's address presents: the link's last error quotes
	// it ("presented a certificate for ...").
	hostilePeerName = "<img src=x onerror=alert(1)>"
	// hostileClientName is the common name of the certificate a stranger
	// presents to IN-IFC's link listener: the audit entry of the refused
	// handshake quotes it in its rule.
	hostileClientName = "<script>alert(4)</script>"
	// partnerIncident is the title of the incident JP-JCG shares.
	partnerIncident = "Suspicious loitering, Uraga Channel"
)

// strangerCert returns a self-signed TLS certificate for common name
// cn, valid for a day: what a stranger (not in any registry) presents.
func strangerCert(t *testing.T, cn string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// hostileTLSServer listens on loopback and completes TLS handshakes with a
// certificate for hostilePeerName until the test ends; it returns the
// address.
func hostileTLSServer(t *testing.T) string {
	t.Helper()
	cfg := &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{strangerCert(t, hostilePeerName)}}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			c.(*tls.Conn).Handshake() // the dialer refuses our certificate
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// strangerHandshake dials the link listener at addr with a certificate
// for hostileClientName, which no registry holds: the listener refuses it
// and audits the refusal.
func strangerHandshake(addr string, cert tls.Certificate) error {
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second},
		Config: &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true, Certificates: []tls.Certificate{cert}}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	// In TLS 1.3 the server judges the client's certificate after the
	// client's handshake ends: the refusal arrives on the first read.
	_, err = c.Read(make([]byte, 1))
	return err
}

// registerPartner registers name (certificate certPEM) at addr in the
// registry of the node whose data directory is data.
func registerPartner(t *testing.T, data, name string, certPEM []byte, addr string) {
	t.Helper()
	n, err := identity.Open(filepath.Join(data, "node"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.AddPartner(name, certPEM, addr, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// revokePartner revokes the partner name in the registry of the running
// node whose data directory is data, as "tidewatch partner revoke NAME"
// does (identity.Node.RevokePartner): the node reads the change from the
// registry file.
func revokePartner(t *testing.T, data, name string) {
	t.Helper()
	n, err := identity.Open(filepath.Join(data, "node"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.RevokePartner(name, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// seedPastEvent writes to the event log of the node whose data directory
// is data, before the node opens it, a loitering event that ended at
// end: an event the node detected in the past, as it keeps it on disk.
// It returns the event's ID.
func seedPastEvent(t *testing.T, data string, end time.Time) string {
	t.Helper()
	l, err := event.OpenLog(filepath.Join(data, eventsFile), 0)
	if err != nil {
		t.Fatal(err)
	}
	ev := event.Event{ID: "loitering-419000999-past", Type: event.Loitering,
		Start: vessel.TimeOf(end.Add(-2 * time.Hour)), End: vessel.TimeOf(end),
		Lat: 15.1, Lon: 64.2, Vessels: []vessel.MMSI{419000999}, Preset: "gfw", Severity: 0.3}
	if err := l.Add([]event.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return ev.ID
}

// zoneEntryAt is a position report of vessel mmsi at lat, lon at time at
// (a new vessel inside a zone makes a zone_entry event).
func zoneEntryAt(t *testing.T, mmsi uint32, lat, lon float64, at time.Time) []byte {
	t.Helper()
	pos := &ais.PositionReport{Header: ais.Header{Type: 1, MMSI: mmsi}, Status: 0, Speed: 60,
		Lon: ais.Lon(lon * 600000), Lat: ais.Lat(lat * 600000), Course: 900, Heading: 90, Second: ais.Second(at.Second())}
	b, err := ais.AppendNMEA(nil, pos, ais.NMEAOptions{Time: at, Source: "rx-zone"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkedProxy serves the node at base through a reverse proxy whose
// answers under /api/ are checked against openapi.json (apitest.Handler):
// what the browser receives, the live stream event by event, must match
// the contract, or t fails naming the request. It returns the proxy's URL.
func checkedProxy(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.FlushInterval = -1 // the live stream, event by event
	checked := apitest.Handler(t, apitest.Load(t), proxy)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			checked.ServeHTTP(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return "http://" + ln.Addr().String()
}

// getAs decodes the JSON answer of GET base+path, asked as token, into v.
func getAs(c *http.Client, base, path, token string, v any) error {
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// browserFederation is TestBrowserMap's setup around IN-IFC: JP-JCG
// running with simulated traffic of its own and a zone near Tokyo,
// partners of each other; AU-MBC registered at the hostile server.
type browserFederation struct {
	in, jp   *fedNode
	inTCP    string // IN-IFC's AIS input
	jpTCP    string // JP-JCG's AIS input
	jpRunner *runningNode
}

// newBrowserFederation makes IN-IFC's and JP-JCG's configurations and
// registries and starts JP-JCG; IN-IFC is started by the caller with
// in.cfg (and in.proxy's target set from its Sharing).
func newBrowserFederation(t *testing.T, inZones string) *browserFederation {
	t.Helper()
	f := &browserFederation{inTCP: freePort(t), jpTCP: freePort(t)}
	f.in = newFedNode(t, browserNode, []Input{{Type: "tcp-server", Name: "receivers", Listen: f.inTCP}})
	f.jp = newFedNode(t, browserPartner, []Input{{Type: "tcp-server", Name: "receivers", Listen: f.jpTCP}})
	f.in.cfg.Land = ""
	f.in.cfg.Events = Events{Zones: inZones, Reorder: "2s"}
	jpZones := filepath.Join(t.TempDir(), "jp-zones.geojson")
	if err := os.WriteFile(jpZones, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Uraga watch"},
		"geometry":{"type":"Polygon","coordinates":[[[139.6,35.1],[139.9,35.1],[139.9,35.4],[139.6,35.4],[139.6,35.1]]]}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	f.jp.cfg.Events = Events{Zones: jpZones, Reorder: "2s"}
	partners(t, f.in, f.jp)
	// AU-MBC: a real identity, registered at the hostile server's address.
	au := filepath.Join(t.TempDir(), hostilePartner)
	auNode, err := identity.Init(filepath.Join(au, "node"), hostilePartner, time.Now(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	registerPartner(t, f.in.cfg.Data, hostilePartner, auNode.CertificatePEM(), hostileTLSServer(t))
	// NZ-RCC: a real identity that only dials in; revoked once IN-IFC runs
	// (revokePartner).
	nzNode, err := identity.Init(filepath.Join(t.TempDir(), revokedPartner, "node"), revokedPartner, time.Now(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	registerPartner(t, f.in.cfg.Data, revokedPartner, nzNode.CertificatePEM(), "")
	// IN-IFC takes JP-JCG's vessels, events and incidents and sends it its
	// events; JP-JCG shares everything but assessments.
	f.in.policy(t, `{"version": 1, "node": "IN-IFC", "partners": {
	  "JP-JCG": {"share": {"events": ["all"]}, "accept": ["position", "static", "event", "incident", "assessment"]}}}`)
	f.jp.policy(t, `{"version": 1, "node": "JP-JCG", "partners": {
	  "IN-IFC": {"share": {"positions": true, "static": true, "events": ["all"], "incidents": true}, "keep_zone_names": true,
	             "accept": ["event"]}}}`)
	jp := f.jp
	f.jpRunner = startNode(t, Options{Config: jp.cfg,
		Extra: func(submit func([]vessel.Observation) bool) []Runner {
			return []Runner{&SimulatedTraffic{Vessels: 40, Seed: 7, Submit: submit}}
		},
		Sharing: func(s *share.Sharer) { jp.proxy.target.Store(s.Addr().String()) }})
	jp.base = f.jpRunner.base
	return f
}
