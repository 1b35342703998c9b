package identity

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"time"
)

// ServerTLS returns the TLS configuration of the link listener: TLS 1.3
// only, this node's certificate, and a client certificate required and
// verified by pinning against the registry (not by a certificate
// authority): the client must present exactly the pinned certificate of a
// registered partner that is not revoked, and the certificate must be
// valid at the Node's now. Otherwise the handshake fails with a PeerError
// (ErrUnknownPeer, ErrRevoked, ErrExpired). The registry is reloaded at
// every handshake, so a revocation by another process applies to the next
// one. Session tickets are off: every connection is a full handshake.
//
// Each call returns a new configuration the caller may add to (NextProtos,
// for one).
func (n *Node) ServerTLS() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		// Require a certificate, but verify it ourselves in
		// VerifyConnection: there is no CA, only the registry's pins.
		ClientAuth:             tls.RequireAnyClientCert,
		GetCertificate:         func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return n.ownCertificate() },
		VerifyConnection:       func(cs tls.ConnectionState) error { _, err := n.verifyPeer(cs, ""); return err },
		SessionTicketsDisabled: true,
	}
}

// ClientTLS returns the TLS configuration to dial the registered partner:
// TLS 1.3 only, this node's certificate, and the server verified by
// pinning: it must present exactly the certificate pinned for partner
// (another registered partner's is ErrWrongPeer, any other ErrUnknownPeer),
// not revoked (ErrRevoked) and valid at the Node's now (ErrExpired). These
// checks run in every handshake, which fails with a PeerError. ClientTLS
// itself refuses a partner that is not registered (ErrNoPartner) or is
// revoked or expired already.
//
// A dialer that the listener refuses sees the listener's alert ("remote
// error: tls: bad certificate") on its first Read; the reason is in the
// listener's error.
func (n *Node) ClientTLS(partner string) (*tls.Config, error) {
	n.mu.Lock()
	err := n.registry.reload()
	var e *entry
	if err == nil {
		e = n.registry.byName(partner)
	}
	var p Partner
	if e != nil {
		p = e.partner()
	}
	n.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, fmt.Errorf("%w: %q (add it with \"tidewatch partner add\")", ErrNoPartner, clip(partner))
	}
	if err := checkPartner(p, n.now()); err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		// The server is verified by pinning in VerifyConnection, not by a
		// CA and a host name: crypto/tls's own verification is off.
		InsecureSkipVerify:   true,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return n.ownCertificate() },
		VerifyConnection:     func(cs tls.ConnectionState) error { _, err := n.verifyPeer(cs, partner); return err },
	}, nil
}

// PeerName returns the partner authenticated by a completed handshake
// whose configuration came from ServerTLS or ClientTLS. It checks the
// peer's certificate against the registry again, at the Node's now.
func (n *Node) PeerName(cs tls.ConnectionState) (string, error) {
	if !cs.HandshakeComplete {
		return "", fmt.Errorf("identity: peer name: the TLS handshake is not complete")
	}
	return n.verifyPeer(cs, "")
}

// verifyPeer checks the certificate a peer presented against the registry:
// it must be pinned (for the partner expected, if not ""), the partner not
// revoked, the certificate valid now. It returns the partner's name.
func (n *Node) verifyPeer(cs tls.ConnectionState, expected string) (string, error) {
	if len(cs.PeerCertificates) == 0 {
		return "", &PeerError{Err: ErrNoCertificate, Expected: expected}
	}
	cert := cs.PeerCertificates[0]
	sum := sha256.Sum256(cert.Raw)
	now := n.now()
	n.mu.Lock()
	if err := n.registry.reload(); err != nil {
		n.mu.Unlock()
		// Fail closed: a registry that cannot be read cannot say the
		// peer is not revoked.
		return "", fmt.Errorf("identity: verify peer %q: %w", certName(cert), err)
	}
	var p, want Partner
	e := n.registry.bySum(sum)
	if e != nil {
		p = e.partner()
	}
	var w *entry
	if expected != "" {
		w = n.registry.byName(expected)
		if w != nil {
			want = w.partner()
		}
	}
	n.mu.Unlock()

	pe := &PeerError{Expected: expected, Claimed: certName(cert), Fingerprint: formatFingerprint(sum), Partner: p.Name}
	switch {
	case expected != "" && w == nil:
		return "", fmt.Errorf("%w: %q was removed from the registry", ErrNoPartner, expected)
	case expected != "" && e == nil:
		pe.Err, pe.Pinned = ErrUnknownPeer, want.Fingerprint
		return "", pe
	case expected != "" && e.rec.Name != expected:
		pe.Err = ErrWrongPeer
		return "", pe
	case e == nil:
		pe.Err = ErrUnknownPeer
		return "", pe
	}
	if err := checkPartner(p, now); err != nil {
		return "", err
	}
	return p.Name, nil
}

// checkPartner refuses a revoked partner, and one whose certificate is not
// valid at now.
func checkPartner(p Partner, now time.Time) error {
	pe := &PeerError{Partner: p.Name, Claimed: p.Name, Fingerprint: p.Fingerprint}
	switch {
	case !p.Revoked.IsZero():
		pe.Err, pe.Time = ErrRevoked, p.Revoked
	case now.After(p.NotAfter):
		pe.Err, pe.Time, pe.Now = ErrExpired, p.NotAfter, now
	case now.Before(p.NotBefore):
		pe.Err, pe.Time, pe.Now, pe.NotYetValid = ErrExpired, p.NotBefore, now, true
	default:
		return nil
	}
	return pe
}
