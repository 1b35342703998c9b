package identity_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/identity"
)

// result is one side of a handshake.
type result struct {
	err  error
	peer string // PeerName after a successful handshake
}

// handshake runs one TLS connection over loopback TCP: the server
// handshakes, names its peer and writes a greeting; the client handshakes,
// names its peer and reads the greeting. It returns the server's and the
// client's errors and the client's view of the server's name.
func handshake(t *testing.T, srv, cli *tls.Config) (srvErr, cliErr error, names [2]string) {
	t.Helper()
	return handshakeNamed(t, nil, nil, srv, cli)
}

// handshakeNamed is handshake with the server node sn and client node cn
// asked for PeerName (either may be nil).
func handshakeNamed(t *testing.T, sn, cn *identity.Node, srv, cli *tls.Config) (srvErr, cliErr error, names [2]string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// The deadline only keeps a broken test from hanging; no result
	// depends on it.
	deadline := time.Now().Add(30 * time.Second)
	done := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer c.Close()
		c.SetDeadline(deadline)
		tc := tls.Server(c, srv)
		if err := tc.Handshake(); err != nil {
			done <- result{err: err}
			return
		}
		var r result
		if sn != nil {
			r.peer, r.err = sn.PeerName(tc.ConnectionState())
		}
		if r.err == nil {
			_, r.err = tc.Write([]byte("picture\n"))
		}
		done <- r
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(deadline)
	tc := tls.Client(c, cli)
	cliErr = tc.Handshake()
	if cliErr == nil && cn != nil {
		names[1], cliErr = cn.PeerName(tc.ConnectionState())
	}
	if cliErr == nil {
		var got []byte
		got, cliErr = io.ReadAll(tc)
		if cliErr == nil && string(got) != "picture\n" {
			cliErr = errors.New("no greeting from the server")
		}
	}
	tc.Close()
	r := <-done
	return r.err, cliErr, [2]string{r.peer, names[1]}
}

func mustClientTLS(t *testing.T, n *identity.Node, partner string) *tls.Config {
	t.Helper()
	cfg, err := n.ClientTLS(partner)
	if err != nil {
		t.Fatalf("%s.ClientTLS(%s): %v", n.Name(), partner, err)
	}
	return cfg
}

// wantPeerError checks that err is a *PeerError wrapping want whose message
// mentions every one of msgs.
func wantPeerError(t *testing.T, side string, err, want error, msgs ...string) {
	t.Helper()
	var pe *identity.PeerError
	if !errors.Is(err, want) || !errors.As(err, &pe) {
		t.Errorf("%s: %v; want a PeerError wrapping %v", side, err, want)
		return
	}
	for _, m := range msgs {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("%s: %q does not mention %q", side, err, m)
		}
	}
}

func TestPartnerTLSMutual(t *testing.T) {
	clk := newClock(t0)
	a, b := pair(t, clk)
	srvErr, cliErr, names := handshakeNamed(t, a, b, a.ServerTLS(), mustClientTLS(t, b, "IN-IFC"))
	if srvErr != nil || cliErr != nil {
		t.Fatalf("handshake: server %v, client %v", srvErr, cliErr)
	}
	if names != [2]string{"JP-JCG", "IN-IFC"} {
		t.Errorf("peer names %q, want the server to see JP-JCG and the client IN-IFC", names)
	}
	// And the other way round.
	srvErr, cliErr, names = handshakeNamed(t, b, a, b.ServerTLS(), mustClientTLS(t, a, "JP-JCG"))
	if srvErr != nil || cliErr != nil || names != [2]string{"IN-IFC", "JP-JCG"} {
		t.Errorf("reverse handshake: server %v, client %v, names %q", srvErr, cliErr, names)
	}
	if _, err := a.PeerName(tls.ConnectionState{}); err == nil {
		t.Errorf("PeerName of no handshake: no error")
	}
}

func TestPartnerTLSProtocol(t *testing.T) {
	clk := newClock(t0)
	a, b := pair(t, clk)
	for _, cfg := range []*tls.Config{a.ServerTLS(), mustClientTLS(t, a, "JP-JCG")} {
		if cfg.MinVersion != tls.VersionTLS13 {
			t.Errorf("MinVersion %x, want TLS 1.3", cfg.MinVersion)
		}
	}
	old := mustClientTLS(t, b, "IN-IFC")
	old.MinVersion, old.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	srvErr, cliErr, _ := handshake(t, a.ServerTLS(), old)
	if srvErr == nil || cliErr == nil || !strings.Contains(srvErr.Error(), "version") {
		t.Errorf("TLS 1.2 client: server %v, client %v; want both refused for the protocol version", srvErr, cliErr)
	}
}

func TestPartnerTLSUnknownPeer(t *testing.T) {
	clk := newClock(t0)
	a := initNode(t, "IN-IFC", year, clk)
	b := initNode(t, "JP-JCG", year, clk)
	if _, err := b.AddPartner("IN-IFC", a.CertificatePEM(), "", t0); err != nil {
		t.Fatal(err)
	}
	// The listener IN-IFC does not know JP-JCG.
	srvErr, cliErr, _ := handshake(t, a.ServerTLS(), mustClientTLS(t, b, "IN-IFC"))
	wantPeerError(t, "server", srvErr, identity.ErrUnknownPeer, `"JP-JCG"`, b.Fingerprint(), "tidewatch partner add")
	if cliErr == nil || !strings.Contains(cliErr.Error(), "bad certificate") {
		t.Errorf("client: %v; want the server's bad certificate alert", cliErr)
	}

	// The dialer JP-JCG pinned another certificate for IN-IFC (an
	// impostor, or an identity made again): it refuses the real one.
	b2 := initNode(t, "JP-JCG", year, clk)
	other := initNode(t, "IN-IFC", year, clk)
	if _, err := b2.AddPartner("IN-IFC", other.CertificatePEM(), "", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddPartner("JP-JCG", b2.CertificatePEM(), "", t0); err != nil {
		t.Fatal(err)
	}
	srvErr, cliErr, _ = handshake(t, a.ServerTLS(), mustClientTLS(t, b2, "IN-IFC"))
	wantPeerError(t, "client", cliErr, identity.ErrUnknownPeer, "dialed IN-IFC", a.Fingerprint(), other.Fingerprint())
	if srvErr == nil {
		t.Errorf("server: the handshake the client refused succeeded")
	}

	if _, err := a.ClientTLS("KR-KCG"); !errors.Is(err, identity.ErrNoPartner) || !strings.Contains(err.Error(), "KR-KCG") {
		t.Errorf("ClientTLS of an unregistered partner: %v, want ErrNoPartner", err)
	}
}

func TestPartnerTLSRevoked(t *testing.T) {
	clk := newClock(t0)
	a, b := pair(t, clk)
	// Configurations made before the revocation, used after it.
	srv, dial := a.ServerTLS(), mustClientTLS(t, a, "JP-JCG")
	revoked := t0.Add(time.Hour)
	clk.Set(revoked.Add(time.Minute))

	// Another process (the CLI) revokes JP-JCG in IN-IFC's registry.
	cli, err := identity.Open(a.Dir(), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.RevokePartner("JP-JCG", revoked); err != nil {
		t.Fatal(err)
	}
	srvErr, cliErr, _ := handshake(t, srv, mustClientTLS(t, b, "IN-IFC"))
	wantPeerError(t, "server", srvErr, identity.ErrRevoked, "JP-JCG", b.Fingerprint(), "revoked at 2026-03-01T10:00:00Z")
	if cliErr == nil {
		t.Errorf("client: the revoked partner got data")
	}

	// IN-IFC will not dial it either: ClientTLS refuses, and so does a
	// configuration made before the revocation, in the handshake.
	if _, err := a.ClientTLS("JP-JCG"); !errors.Is(err, identity.ErrRevoked) {
		t.Errorf("ClientTLS of a revoked partner: %v", err)
	}
	srvErr, cliErr, _ = handshake(t, b.ServerTLS(), dial)
	wantPeerError(t, "client", cliErr, identity.ErrRevoked, "JP-JCG", "revoked at")
	if srvErr == nil {
		t.Errorf("server: the handshake the client refused succeeded")
	}
}

func TestPartnerTLSExpired(t *testing.T) {
	clk := newClock(t0)
	a := initNode(t, "IN-IFC", year, clk)
	bclk := newClock(t0)
	b := initNode(t, "JP-JCG", 24*time.Hour, bclk)
	if _, err := a.AddPartner("JP-JCG", b.CertificatePEM(), "", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddPartner("IN-IFC", a.CertificatePEM(), "", t0); err != nil {
		t.Fatal(err)
	}
	srv, cli := a.ServerTLS(), mustClientTLS(t, b, "IN-IFC")
	if srvErr, cliErr, _ := handshake(t, srv, cli); srvErr != nil || cliErr != nil {
		t.Fatalf("before expiry: server %v, client %v", srvErr, cliErr)
	}
	// IN-IFC's clock passes JP-JCG's expiry while both run.
	clk.Set(t0.Add(25 * time.Hour))
	srvErr, cliErr, _ := handshake(t, srv, cli)
	wantPeerError(t, "server", srvErr, identity.ErrExpired, "JP-JCG", b.Fingerprint(), "expired at 2026-03-02T09:00:00Z", "now 2026-03-02T10:00:00Z")
	if cliErr == nil {
		t.Errorf("client: the expired partner got data")
	}
	// As a dialer, IN-IFC refuses too, before and during the handshake.
	if _, err := a.ClientTLS("JP-JCG"); !errors.Is(err, identity.ErrExpired) {
		t.Errorf("ClientTLS of an expired partner: %v", err)
	}

	// JP-JCG's own clock passes its expiry: it refuses to present it.
	bclk.Set(t0.Add(25 * time.Hour))
	_, cliErr, _ = handshake(t, a.ServerTLS(), cli)
	if !errors.Is(cliErr, identity.ErrExpired) || !strings.Contains(cliErr.Error(), "this node's certificate") {
		t.Errorf("client with an expired certificate: %v, want ErrExpired about its own certificate", cliErr)
	}

	// A certificate not valid yet: AU-MBC's was made two days later, by
	// IN-IFC's clock.
	clk.Set(t0)
	dir := nodeDir(t)
	if _, err := identity.Init(dir, "AU-MBC", t0.Add(48*time.Hour), year); err != nil {
		t.Fatal(err)
	}
	c, err := identity.Open(dir, newClock(t0.Add(48*time.Hour)).Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddPartner("AU-MBC", c.CertificatePEM(), "", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddPartner("IN-IFC", a.CertificatePEM(), "", t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	srvErr, _, _ = handshake(t, srv, mustClientTLS(t, c, "IN-IFC"))
	wantPeerError(t, "server", srvErr, identity.ErrExpired, "AU-MBC", "not valid before 2026-03-03T08:00:00Z", "check the clocks")
}

func TestPartnerTLSWrongPeer(t *testing.T) {
	clk := newClock(t0)
	a, b := pair(t, clk)
	c := initNode(t, "AU-MBC", year, clk)
	if _, err := a.AddPartner("AU-MBC", c.CertificatePEM(), "", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddPartner("IN-IFC", a.CertificatePEM(), "", t0); err != nil {
		t.Fatal(err)
	}
	// IN-IFC dials JP-JCG's address but AU-MBC answers.
	srvErr, cliErr, _ := handshake(t, c.ServerTLS(), mustClientTLS(t, a, "JP-JCG"))
	wantPeerError(t, "client", cliErr, identity.ErrWrongPeer, "dialed JP-JCG but reached partner AU-MBC", c.Fingerprint())
	if srvErr == nil {
		t.Errorf("server: the handshake the client refused succeeded")
	}
	_ = b
}

func TestPartnerTLSNoClientCertificate(t *testing.T) {
	clk := newClock(t0)
	a, _ := pair(t, clk)
	anon := &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true}
	srvErr, cliErr, _ := handshake(t, a.ServerTLS(), anon)
	if srvErr == nil || !strings.Contains(srvErr.Error(), "certificate") {
		t.Errorf("server: %v; want a refusal for the missing certificate", srvErr)
	}
	if cliErr == nil {
		t.Errorf("client without a certificate got data")
	}
}
