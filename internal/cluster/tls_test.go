package cluster

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// testCA is a certificate authority made in the test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // its certificate, PEM
}

func newTestCA(t *testing.T, dir, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &testCA{cert: cert, key: key, file: filepath.Join(dir, name+"-ca.pem")}
	writePEM(t, ca.file, "CERTIFICATE", der)
	return ca
}

// issue makes a certificate for name, valid for 127.0.0.1 as a server
// and as a client, and returns its certificate and key files.
func (ca *testCA) issue(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", kder)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// serverInfo reads the INFO a NATS server sends first on a plain TCP
// connection to addr.
func serverInfo(t *testing.T, addr string) map[string]any {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("INFO from %s: %v", addr, err)
	}
	var info map[string]any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(strings.TrimSpace(line), "INFO ")), &info); err != nil {
		t.Fatalf("INFO from %s: %q: %v", addr, line, err)
	}
	return info
}

// routeHello makes a TLS connection to a route port, with the client
// certificate certFile (none if empty), and reads the server's first
// line: the INFO a member gets, or the error of a refused handshake.
func routeHello(caFile, addr, certFile, keyFile string) error {
	pool := x509.NewCertPool()
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	pool.AppendCertsFromPEM(caPEM)
	tc := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return err
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, tc)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "INFO ") {
		return errors.New("no INFO: " + line)
	}
	return nil
}

// TestClusterTLS: three members with certificates of a CA made in the
// test form the cluster over TLS routes and replicate; their route and
// client ports require TLS; a client without a certificate, or with one
// of another CA, is refused; a would-be member with a certificate of
// another CA, or with no TLS at all, does not join (no route, no
// quorum).
func TestClusterTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	dir := t.TempDir()
	ca := newTestCA(t, dir, "tidewatch-test")
	rogueCA := newTestCA(t, dir, "rogue")
	ms := testCluster(t, 3, func(cfg *Config) {
		cfg.TLSCert, cfg.TLSKey = ca.issue(t, dir, cfg.Name)
		cfg.TLSCA = ca.file
	})
	startAll(t, ms)
	lines := aisLines(t, "aishub-3min.nmea")
	var ack acked
	if err := feed(ms[1].node.IngestLog(LogConfig{}), batches(lines[:2000], aishubPerBatch, "tls", t0), &ack, nil, nil); err != nil {
		t.Fatal(err)
	}
	converged(t, ms, &ack)
	goodCert, goodKey := ca.issue(t, dir, "client")
	rogueCert, rogueKey := rogueCA.issue(t, dir, "rogue-client")
	for _, m := range ms {
		if n := m.node.Status(t.Context()).Routes; n != 2 {
			t.Errorf("%s routes to %d peers, want 2", m.cfg.Name, n)
		}
		addr := strings.TrimPrefix(strings.TrimPrefix(m.node.ClientURL(), "tls://"), "nats://")
		if info := serverInfo(t, addr); info["tls_required"] != true || info["tls_verify"] != true {
			t.Errorf("%s client port: tls_required %v, tls_verify %v; want both", m.cfg.Name, info["tls_required"], info["tls_verify"])
		}
		// The route port speaks TLS at once, and answers only a peer
		// with a certificate of the CA.
		for _, c := range []struct {
			name      string
			cert, key string
			ok        bool
		}{{"no certificate", "", "", false}, {"another CA's", rogueCert, rogueKey, false}, {"the CA's", goodCert, goodKey, true}} {
			err := routeHello(ca.file, m.node.ClusterAddr(), c.cert, c.key)
			if (err == nil) != c.ok {
				t.Errorf("%s route port, a peer with %s certificate: %v; want ok=%v", m.cfg.Name, c.name, err, c.ok)
			}
		}
	}

	// Clients of the client port.
	url := ms[0].node.ClientURL()
	for _, c := range []struct {
		name string
		opts []nats.Option
		ok   bool
	}{
		{"no TLS", nil, false},
		{"no client certificate", []nats.Option{nats.RootCAs(ca.file)}, false},
		{"another CA's certificate", []nats.Option{nats.RootCAs(ca.file), nats.ClientCert(rogueCert, rogueKey)}, false},
		{"the CA's certificate", []nats.Option{nats.RootCAs(ca.file), nats.ClientCert(goodCert, goodKey)}, true},
	} {
		nc, err := nats.Connect(url, append(c.opts, nats.Timeout(5*time.Second), nats.NoReconnect())...)
		if err == nil {
			err = nc.Flush()
			nc.Close()
		}
		if (err == nil) != c.ok {
			t.Errorf("client with %s: %v; want ok=%v", c.name, err, c.ok)
		}
	}

	// Would-be members: one with another CA's certificate, one without
	// TLS. Neither gets a route nor a quorum.
	addrs := freeAddrs(t, 2)
	var peers []string
	for _, m := range ms {
		peers = append(peers, m.node.ClusterAddr())
	}
	rc, rk := rogueCA.issue(t, dir, "rogue")
	for i, tweak := range []func(*Config){
		func(c *Config) { c.TLSCert, c.TLSKey, c.TLSCA = rc, rk, rogueCA.file },
		func(c *Config) {},
	} {
		cfg := Config{Name: []string{"rogue", "plain"}[i], Dir: t.TempDir(), ClusterListen: addrs[i], Peers: peers, StartTimeout: 8 * time.Second}
		tweak(&cfg)
		n, err := Start(t.Context(), cfg, nil)
		if err == nil {
			n.Close()
			t.Errorf("%s joined the cluster", cfg.Name)
			continue
		}
		if !strings.Contains(err.Error(), "not available") {
			t.Errorf("%s: %v; want the streams not available", cfg.Name, err)
		}
	}
	for _, m := range ms {
		if st := m.node.Status(t.Context()); st.Routes != 2 {
			t.Errorf("%s routes to %d peers after the rogues, want 2", m.cfg.Name, st.Routes)
		}
	}
}

// TestConfigTLS: the certificate, key and CA go together, and bad files
// are a ConfigError at Start.
func TestConfigTLS(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, dir, "ca")
	cert, key := ca.issue(t, dir, "n")
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not pem"), 0o600)
	for _, c := range []struct {
		cert, key, ca, field string
	}{
		{cert, "", "", "TLSCert"},
		{cert, key, "", "TLSCert"},
		{cert, key, junk, "TLSCA"},
		{cert, cert, ca.file, "TLSCert"},
		{filepath.Join(dir, "missing.pem"), key, ca.file, "TLSCert"},
		{cert, key, filepath.Join(dir, "missing.pem"), "TLSCA"},
	} {
		_, err := Start(t.Context(), Config{Name: "n", Dir: t.TempDir(), TLSCert: c.cert, TLSKey: c.key, TLSCA: c.ca}, nil)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != c.field {
			t.Errorf("cert %q key %q ca %q: %v; want a ConfigError of %s", filepath.Base(c.cert), filepath.Base(c.key), filepath.Base(c.ca), err, c.field)
		}
	}
}
