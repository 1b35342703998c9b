package identity_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/identity"
)

// t0 is the time the test identities are made at.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

const year = 365 * 24 * time.Hour

// clock is a settable clock for Open.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time   { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)  { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func newClock(t time.Time) *clock { return &clock{t: t} }
func fpRE() *regexp.Regexp        { return regexp.MustCompile(`^[0-9A-F]{2}(:[0-9A-F]{2}){31}$`) }
func nodeDir(t *testing.T) string { return filepath.Join(t.TempDir(), "data", "node") }
func perm(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// initNode makes an identity with Init and opens it on clk.
func initNode(t *testing.T, name string, validity time.Duration, clk *clock) *identity.Node {
	t.Helper()
	dir := nodeDir(t)
	if _, err := identity.Init(dir, name, t0, validity); err != nil {
		t.Fatalf("Init(%s): %v", name, err)
	}
	n, err := identity.Open(dir, clk.Now)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	return n
}

// pair makes two nodes that know each other.
func pair(t *testing.T, clk *clock) (a, b *identity.Node) {
	t.Helper()
	a = initNode(t, "IN-IFC", year, clk)
	b = initNode(t, "JP-JCG", year, clk)
	if _, err := a.AddPartner("JP-JCG", b.CertificatePEM(), "", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddPartner("IN-IFC", a.CertificatePEM(), "", t0); err != nil {
		t.Fatal(err)
	}
	return a, b
}

func TestNodeInit(t *testing.T) {
	dir := nodeDir(t)
	n, err := identity.Init(dir, "IN-IFC", t0, 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{
		dir:                                   0o700,
		filepath.Join(dir, identity.KeyFile):  0o600,
		filepath.Join(dir, identity.CertFile): 0o644,
	} {
		if got := perm(t, p); got != want {
			t.Errorf("%s: mode %04o, want %04o", p, got, want)
		}
	}
	if n.Name() != "IN-IFC" {
		t.Errorf("Name() = %q", n.Name())
	}
	if !fpRE().MatchString(n.Fingerprint()) {
		t.Errorf("Fingerprint() = %q, want 32 colon-separated hex bytes", n.Fingerprint())
	}
	c := n.Certificate()
	if c.Subject.CommonName != "IN-IFC" || len(c.URIs) != 1 || c.URIs[0].String() != "urn:tidewatch:node:IN-IFC" {
		t.Errorf("certificate names: CN %q, URIs %v", c.Subject.CommonName, c.URIs)
	}
	if !c.NotBefore.Equal(t0.Add(-time.Hour)) || !c.NotAfter.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("validity %v to %v, want %v to %v", c.NotBefore, c.NotAfter, t0.Add(-time.Hour), t0.Add(48*time.Hour))
	}
	if _, ok := c.PublicKey.(ed25519.PublicKey); !ok {
		t.Errorf("key %T, want Ed25519", c.PublicKey)
	}
	eku := map[x509.ExtKeyUsage]bool{}
	for _, u := range c.ExtKeyUsage {
		eku[u] = true
	}
	if !eku[x509.ExtKeyUsageServerAuth] || !eku[x509.ExtKeyUsageClientAuth] {
		t.Errorf("extended key usage %v", c.ExtKeyUsage)
	}
	if identity.Fingerprint(c) != n.Fingerprint() {
		t.Errorf("Fingerprint(cert) %s != Node.Fingerprint %s", identity.Fingerprint(c), n.Fingerprint())
	}
	certFile, err := os.ReadFile(n.CertificatePath())
	if err != nil || string(certFile) != string(n.CertificatePEM()) {
		t.Errorf("CertificatePEM differs from %s (%v)", n.CertificatePath(), err)
	}
	keyFile, _ := os.ReadFile(filepath.Join(dir, identity.KeyFile))
	if blk, _ := pem.Decode(keyFile); blk == nil || blk.Type != "PRIVATE KEY" {
		t.Errorf("node.key is not a PKCS#8 PEM PRIVATE KEY")
	}

	o, err := identity.Open(dir, newClock(t0.Add(time.Hour)).Now)
	if err != nil {
		t.Fatal(err)
	}
	if o.Name() != "IN-IFC" || o.Fingerprint() != n.Fingerprint() {
		t.Errorf("Open: %s %s, want IN-IFC %s", o.Name(), o.Fingerprint(), n.Fingerprint())
	}

	_, err = identity.Init(dir, "IN-IFC", t0, year)
	if !errors.Is(err, identity.ErrExists) || !strings.Contains(err.Error(), identity.KeyFile) {
		t.Errorf("Init over an identity: %v, want ErrExists naming node.key", err)
	}
	if b, _ := os.ReadFile(n.CertificatePath()); string(b) != string(certFile) {
		t.Errorf("Init over an identity changed the certificate")
	}
}

func TestNodeInitNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"IN-IFC", true},
		{"JP-JCG", true},
		{"A", true},
		{"7TH.FLEET_HQ", true},
		{strings.Repeat("A", 64), true},
		{strings.Repeat("A", 65), false},
		{"", false},
		{"in-ifc", false},
		{"-IN", false},
		{".IN", false},
		{"IN IFC", false},
		{"IN/IFC", false},
		{"IN\nIFC", false},
		{"ÎN", false},
	} {
		_, err := identity.Init(nodeDir(t), tc.name, t0, year)
		if tc.ok && err != nil {
			t.Errorf("Init(%q): %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, identity.ErrName) {
			t.Errorf("Init(%q): %v, want ErrName", tc.name, err)
		}
		if got := identity.ValidName(tc.name); got != tc.ok {
			t.Errorf("ValidName(%q) = %v", tc.name, got)
		}
	}
	if _, err := identity.Init(nodeDir(t), "IN-IFC", t0, 0); err == nil {
		t.Errorf("Init with validity 0: no error")
	}
}

func TestNodeOpenRefuses(t *testing.T) {
	other := nodeDir(t)
	if _, err := identity.Init(other, "XX", t0, year); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		now   time.Time
		want  error
		msg   []string
	}{
		{"no identity", func(t *testing.T, dir string) { os.RemoveAll(dir) }, t0, identity.ErrNoIdentity, []string{"tidewatch node init"}},
		{"no key", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, identity.KeyFile)) }, t0, identity.ErrNoIdentity, []string{"node.key"}},
		{"key 0644", func(t *testing.T, dir string) { os.Chmod(filepath.Join(dir, identity.KeyFile), 0o644) }, t0,
			identity.ErrKeyMode, []string{"node.key", "0644", "chmod 600"}},
		{"key 0640", func(t *testing.T, dir string) { os.Chmod(filepath.Join(dir, identity.KeyFile), 0o640) }, t0,
			identity.ErrKeyMode, []string{"0640"}},
		{"key 0602", func(t *testing.T, dir string) { os.Chmod(filepath.Join(dir, identity.KeyFile), 0o602) }, t0,
			identity.ErrKeyMode, []string{"0602"}},
		{"dir 0777", func(t *testing.T, dir string) { os.Chmod(dir, 0o777) }, t0, identity.ErrFileMode, []string{"0777", "chmod 700"}},
		{"certificate 0666", func(t *testing.T, dir string) { os.Chmod(filepath.Join(dir, identity.CertFile), 0o666) }, t0,
			identity.ErrFileMode, []string{"node.crt", "0666"}},
		{"registry 0644", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, identity.RegistryFile), []byte(`{"version":1,"partners":[]}`), 0o644)
		}, t0, identity.ErrFileMode, []string{"partners.json", "0644", "chmod 600"}},
		{"registry garbage", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, identity.RegistryFile), []byte(`{"version":1,"partners":[`), 0o600)
		}, t0, identity.ErrCorrupt, []string{"partners.json"}},
		{"registry version 2", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, identity.RegistryFile), []byte(`{"version":2,"partners":[]}`), 0o600)
		}, t0, identity.ErrCorrupt, []string{"version 2"}},
		{"garbage key", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, identity.KeyFile), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600)
		}, t0, identity.ErrKey, []string{"node.key"}},
		{"another node's key", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(filepath.Join(other, identity.KeyFile))
			os.WriteFile(filepath.Join(dir, identity.KeyFile), b, 0o600)
		}, t0, identity.ErrKey, []string{"does not belong"}},
		{"expired", func(t *testing.T, dir string) {}, t0.Add(year + time.Second), identity.ErrExpired,
			[]string{"IN-IFC", "expired at 2027-03-01T09:00:00Z", "tidewatch node init"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := nodeDir(t)
			if _, err := identity.Init(dir, "IN-IFC", t0, year); err != nil {
				t.Fatal(err)
			}
			tc.setup(t, dir)
			_, err := identity.Open(dir, newClock(tc.now).Now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open: %v, want %v", err, tc.want)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("Open: %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestPartnerRegistry(t *testing.T) {
	clk := newClock(t0)
	a := initNode(t, "IN-IFC", year, clk)
	b := initNode(t, "JP-JCG", year, clk)
	c := initNode(t, "AU-MBC", year, clk)

	p, err := a.AddPartner("JP-JCG", b.CertificatePEM(), "link.jcg.example:7443", t0)
	if err != nil {
		t.Fatal(err)
	}
	want := identity.Partner{Name: "JP-JCG", Addr: "link.jcg.example:7443", Fingerprint: b.Fingerprint(),
		NotBefore: b.Certificate().NotBefore, NotAfter: b.Certificate().NotAfter, Added: t0}
	if p != want {
		t.Errorf("AddPartner = %+v, want %+v", p, want)
	}
	reg := filepath.Join(a.Dir(), identity.RegistryFile)
	if m := perm(t, reg); m != 0o600 {
		t.Errorf("registry mode %04o, want 0600", m)
	}
	var f struct {
		Version  int `json:"version"`
		Partners []struct {
			Name, Fingerprint, Certificate string
		} `json:"partners"`
	}
	data, _ := os.ReadFile(reg)
	if err := json.Unmarshal(data, &f); err != nil || f.Version != 1 || len(f.Partners) != 1 ||
		f.Partners[0].Certificate != string(b.CertificatePEM()) || f.Partners[0].Fingerprint != b.Fingerprint() {
		t.Errorf("registry file: %v %s", err, data)
	}

	// The fingerprint confirmed out of band, in the forms operators type.
	if _, err := a.AddPartnerWithFingerprint("AU-MBC", c.CertificatePEM(), "[2001:db8::1]:7443",
		strings.ToLower(strings.ReplaceAll(c.Fingerprint(), ":", "")), t0); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		desc       string
		name, addr string
		pem        []byte
		fp         string
		want       error
		msg        string
	}{
		{"again", "JP-JCG", "", b.CertificatePEM(), "", identity.ErrPartnerExists, "JP-JCG"},
		{"own name", "IN-IFC", "", a.CertificatePEM(), "", identity.ErrName, "own name"},
		{"bad name", "jp", "", b.CertificatePEM(), "", identity.ErrName, `"jp"`},
		{"name not the certificate's", "KR-KCG", "", b.CertificatePEM(), "", identity.ErrCertificate, "is for JP-JCG"},
		{"wrong fingerprint", "KR-KCG", "", initNode(t, "KR-KCG", year, clk).CertificatePEM(), b.Fingerprint(), identity.ErrFingerprint, b.Fingerprint()},
		{"malformed fingerprint", "JP-JCG", "", b.CertificatePEM(), "12:34", identity.ErrFingerprint, "64 hex digits"},
		{"no port", "KR-KCG", "link.example", b.CertificatePEM(), "", identity.ErrAddr, "no port"},
		{"port 0", "KR-KCG", "link.example:0", b.CertificatePEM(), "", identity.ErrAddr, "1 to 65535"},
		{"bad host", "KR-KCG", "li nk:7443", b.CertificatePEM(), "", identity.ErrAddr, "host"},
	} {
		_, err := a.AddPartnerWithFingerprint(tc.name, tc.pem, tc.addr, tc.fp, t0)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %v mentioning %q", tc.desc, err, tc.want, tc.msg)
		}
	}

	// A second instance on the same directory (another process, the CLI)
	// revokes; the first sees it without reopening.
	a2, err := identity.Open(a.Dir(), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	revoked := t0.Add(30 * 24 * time.Hour)
	if err := a2.RevokePartner("JP-JCG", revoked); err != nil {
		t.Fatal(err)
	}
	if err := a2.RevokePartner("JP-JCG", revoked.Add(time.Hour)); err != nil {
		t.Errorf("revoking again: %v", err)
	}
	if p, ok := a.Partner("JP-JCG"); !ok || !p.Revoked.Equal(revoked) || p.Status(revoked) != "revoked" {
		t.Errorf("after revoke by another instance: %+v %v", p, ok)
	}
	if err := a2.RevokePartner("KR-KCG", revoked); !errors.Is(err, identity.ErrNoPartner) {
		t.Errorf("revoke unknown: %v", err)
	}
	if err := a2.RemovePartner("AU-MBC"); err != nil {
		t.Fatal(err)
	}
	ps := a.Partners()
	if len(ps) != 1 || ps[0].Name != "JP-JCG" {
		t.Errorf("Partners after remove = %+v", ps)
	}
	if err := a.RemovePartner("AU-MBC"); !errors.Is(err, identity.ErrNoPartner) {
		t.Errorf("remove twice: %v", err)
	}
	if m := perm(t, reg); m != 0o600 {
		t.Errorf("registry mode after rewrite %04o, want 0600", m)
	}
	// The revoked certificate cannot come back under its name.
	if _, err := a.AddPartner("JP-JCG", b.CertificatePEM(), "", t0); !errors.Is(err, identity.ErrPartnerExists) {
		t.Errorf("re-adding a revoked partner: %v", err)
	}
}

func TestPartnerStatus(t *testing.T) {
	p := identity.Partner{NotBefore: t0, NotAfter: t0.Add(time.Hour)}
	for _, tc := range []struct {
		p    identity.Partner
		now  time.Time
		want string
	}{
		{p, t0, "active"},
		{p, t0.Add(-time.Second), "not yet valid"},
		{p, t0.Add(time.Hour + time.Second), "expired"},
		{identity.Partner{NotAfter: t0.Add(time.Hour), Revoked: t0}, t0, "revoked"},
	} {
		if got := tc.p.Status(tc.now); got != tc.want {
			t.Errorf("Status(%v) = %q, want %q", tc.now, got, tc.want)
		}
	}
}

// makeCert makes a certificate for name from a template that edit may
// change, signed by signer (nil: self-signed with its own key).
func makeCert(t *testing.T, name string, edit func(*x509.Certificate), signer *x509.Certificate, signerKey ed25519.PrivateKey) []byte {
	t.Helper()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	uri, _ := url.Parse("urn:tidewatch:node:" + name)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    t0.Add(-time.Hour),
		NotAfter:     t0.Add(year),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:         []*url.URL{uri},
	}
	if edit != nil {
		edit(tmpl)
	}
	parent, pkey := tmpl, key
	if signer != nil {
		parent, pkey = signer, signerKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, pkey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestAddPartnerBadCertificate(t *testing.T) {
	clk := newClock(t0)
	a := initNode(t, "IN-IFC", year, clk)
	good := initNode(t, "JP-JCG", year, clk).CertificatePEM()
	keyPEM, _ := os.ReadFile(filepath.Join(a.Dir(), identity.KeyFile))

	_, caKey, _ := ed25519.GenerateKey(rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Some CA"}, NotBefore: t0.Add(-time.Hour),
		NotAfter: t0.Add(year), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	// Same subject as the certificate, so the issuer matches, but signed
	// by another key.
	impostor := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "JP-JCG"}}

	der := func(p []byte) []byte { blk, _ := pem.Decode(p); return blk.Bytes }
	for _, tc := range []struct {
		desc string
		pem  []byte
		want error
		msg  string
	}{
		{"empty", nil, identity.ErrCertificate, "empty"},
		{"garbage", []byte("hello, partner\n"), identity.ErrCertificate, "no PEM CERTIFICATE"},
		{"truncated", good[:len(good)/2], identity.ErrCertificate, "truncated"},
		{"truncated DER", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der(good)[:100]}), identity.ErrCertificate, "x509"},
		{"garbage DER", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER at all")}), identity.ErrCertificate, "x509"},
		{"trailing junk", append(append([]byte{}, good...), "-----BEGIN CERT"...), identity.ErrCertificate, "after the certificate"},
		{"a private key", keyPEM, identity.ErrCertificate, "PRIVATE KEY"},
		{"two certificates", append(append([]byte{}, good...), good...), identity.ErrCertificate, "more than one"},
		{"other block", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}), identity.ErrCertificate, "PUBLIC KEY"},
		{"too large", make([]byte, identity.MaxCertificateSize+1), identity.ErrCertificate, "bytes"},
		{"issued by a CA", makeCert(t, "JP-JCG", nil, ca, caKey), identity.ErrCertificate, "not self-signed"},
		{"bad self-signature", makeCert(t, "JP-JCG", nil, impostor, caKey), identity.ErrCertificate, "does not verify"},
		{"server auth only", makeCert(t, "JP-JCG", func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }, nil, nil),
			identity.ErrCertificate, "client and server"},
		{"no URI name", makeCert(t, "JP-JCG", func(c *x509.Certificate) { c.URIs = nil }, nil, nil), identity.ErrCertificate, "urn:tidewatch:node:JP-JCG"},
		{"URI for another", makeCert(t, "JP-JCG", func(c *x509.Certificate) { c.URIs[0], _ = url.Parse("urn:tidewatch:node:KR-KCG") }, nil, nil),
			identity.ErrCertificate, "KR-KCG"},
		{"expired", makeCert(t, "JP-JCG", func(c *x509.Certificate) { c.NotAfter = t0.Add(-time.Minute) }, nil, nil), identity.ErrExpired, "expired at 2026-03-01T08:59:00Z"},
	} {
		_, err := a.AddPartner("JP-JCG", tc.pem, "", t0)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "JP-JCG") {
			t.Errorf("%s: %v; want %v mentioning JP-JCG and %q", tc.desc, err, tc.want, tc.msg)
		}
	}
	if ps := a.Partners(); len(ps) != 0 {
		t.Errorf("bad certificates were added: %+v", ps)
	}
	if _, err := os.Stat(filepath.Join(a.Dir(), identity.RegistryFile)); err == nil {
		t.Errorf("refused adds wrote the registry")
	}
}

func TestPartnerParseFingerprint(t *testing.T) {
	const fp = "3F:A2:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{fp, true},
		{strings.ToLower(fp), true},
		{strings.ReplaceAll(fp, ":", ""), true},
		{strings.ReplaceAll(fp, ":", " "), true},
		{"sha256 Fingerprint=" + fp, true},
		{"  " + fp + "\n", true},
		{fp[:len(fp)-3], false},
		{fp + ":00", false},
		{"", false},
		{strings.ReplaceAll(fp, "3F", "3G"), false},
	} {
		got, err := identity.ParseFingerprint(tc.in)
		if tc.ok && (err != nil || got != fp) {
			t.Errorf("ParseFingerprint(%q) = %q, %v; want %q", tc.in, got, err, fp)
		}
		if !tc.ok && err == nil {
			t.Errorf("ParseFingerprint(%q) = %q; want an error", tc.in, got)
		}
	}
}

func TestPartnerRegistryTampered(t *testing.T) {
	clk := newClock(t0)
	a, b := pair(t, clk)
	reg := filepath.Join(a.Dir(), identity.RegistryFile)
	data, _ := os.ReadFile(reg)
	// Another partner's fingerprint written next to JP-JCG's certificate.
	bad := strings.Replace(string(data), b.Fingerprint(), a.Fingerprint(), 1)
	if err := os.WriteFile(reg, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := identity.Open(a.Dir(), clk.Now); !errors.Is(err, identity.ErrCorrupt) || !strings.Contains(err.Error(), "fingerprint") {
		t.Errorf("Open on a tampered registry: %v, want ErrCorrupt about the fingerprint", err)
	}
	// The node already running keeps what it read for listing, and
	// refuses handshakes (fail closed).
	if ps := a.Partners(); len(ps) != 1 {
		t.Errorf("Partners = %+v, want the last good registry", ps)
	}
	if _, err := a.ClientTLS("JP-JCG"); !errors.Is(err, identity.ErrCorrupt) {
		t.Errorf("ClientTLS on a tampered registry: %v, want ErrCorrupt", err)
	}
	srvErr, _, _ := handshake(t, a.ServerTLS(), mustClientTLS(t, b, "IN-IFC"))
	if !errors.Is(srvErr, identity.ErrCorrupt) {
		t.Errorf("handshake on a tampered registry: %v, want ErrCorrupt", srvErr)
	}
}

func FuzzParseCertificate(f *testing.F) {
	dir := filepath.Join(f.TempDir(), "node")
	n, err := identity.Init(dir, "JP-JCG", t0, year)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(n.CertificatePEM())
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := identity.ParseCertificate(data)
		if err == nil && !identity.ValidName(c.Subject.CommonName) {
			t.Errorf("accepted a certificate named %q", c.Subject.CommonName)
		}
		if err != nil && !errors.Is(err, identity.ErrCertificate) {
			t.Errorf("error %v is not ErrCertificate", err)
		}
	})
}

// TestPartnerRecords: the records of one registry, put into another
// (a cluster member applying its control log), make the same registry;
// a revocation and a removal carry over; bad records are refused.
func TestPartnerRecords(t *testing.T) {
	clk := newClock(t0)
	a := initNode(t, "IN-IFC", year, clk)
	b := initNode(t, "IN-IFC", year, clk) // another member of the same party
	jp := initNode(t, "JP-JCG", year, clk)
	au := initNode(t, "AU-MBC", year, clk)
	if _, err := a.AddPartner("JP-JCG", jp.CertificatePEM(), "link.jcg.example:7443", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddPartner("AU-MBC", au.CertificatePEM(), "", t0); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokePartner("AU-MBC", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	recs, err := a.PartnerRecords()
	if err != nil || len(recs) != 2 {
		t.Fatalf("PartnerRecords = %d records, %v", len(recs), err)
	}
	for _, name := range []string{"AU-MBC", "JP-JCG", "JP-JCG"} { // twice: idempotent
		if err := b.PutPartnerRecord(recs[name]); err != nil {
			t.Fatal(err)
		}
	}
	if pa, pb := fmt.Sprint(a.Partners()), fmt.Sprint(b.Partners()); pa != pb {
		t.Errorf("registries differ:\n%s\n%s", pa, pb)
	}
	got, _ := b.PartnerRecords()
	for name, r := range recs {
		if string(got[name]) != string(r) {
			t.Errorf("record %s: %s, want %s", name, got[name], r)
		}
	}
	if err := b.DeletePartnerRecord("AU-MBC"); err != nil {
		t.Fatal(err)
	}
	if err := b.DeletePartnerRecord("AU-MBC"); !errors.Is(err, identity.ErrNoPartner) {
		t.Errorf("delete again: %v; want ErrNoPartner", err)
	}
	// Another name with JP-JCG's certificate, a forged fingerprint, junk.
	var r map[string]any
	json.Unmarshal(recs["JP-JCG"], &r)
	r["fingerprint"] = au.Fingerprint()
	forged, _ := json.Marshal(r)
	for _, bad := range [][]byte{forged, []byte("{"), []byte(`{"name":"X"}`)} {
		if err := b.PutPartnerRecord(bad); !errors.Is(err, identity.ErrCorrupt) {
			t.Errorf("PutPartnerRecord(%.40s): %v; want ErrCorrupt", bad, err)
		}
	}
	if ps := b.Partners(); len(ps) != 1 || ps[0].Name != "JP-JCG" {
		t.Errorf("partners after the refusals: %+v", ps)
	}
}
