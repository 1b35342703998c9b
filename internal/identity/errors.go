package identity

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors callers branch on. Each error returned by this package wraps one
// of them (test with errors.Is) and says, for the operator, which node,
// partner, file, fingerprint or time it is about.
var (
	// ErrExists: Init found an identity already in the directory.
	ErrExists = errors.New("identity: node identity already exists")
	// ErrNoIdentity: Open found no identity in the directory.
	ErrNoIdentity = errors.New("identity: no node identity")
	// ErrName: a node or partner name that is not [A-Z0-9][A-Z0-9._-]{0,63}.
	ErrName = errors.New("identity: invalid node name")
	// ErrKeyMode: the private key file may be read or written by group or
	// others.
	ErrKeyMode = errors.New("identity: private key file open to group or others")
	// ErrFileMode: the identity directory, certificate or partner registry
	// may be written (the registry: read) by group or others.
	ErrFileMode = errors.New("identity: file open to group or others")
	// ErrKey: the private key file cannot be used.
	ErrKey = errors.New("identity: bad private key")
	// ErrCertificate: a certificate (a partner's, or this node's) is
	// malformed or unfit: not PEM, not X.509, not self-signed, wrong name,
	// wrong key usage.
	ErrCertificate = errors.New("identity: bad certificate")
	// ErrFingerprint: a fingerprint is malformed, or does not match the
	// certificate it should.
	ErrFingerprint = errors.New("identity: bad fingerprint")
	// ErrAddr: a partner address that is not host:port.
	ErrAddr = errors.New("identity: invalid partner address")
	// ErrCorrupt: the partner registry file cannot be read as a registry.
	ErrCorrupt = errors.New("identity: partner registry corrupt")
	// ErrPartnerExists: a partner of that name, or with that certificate,
	// is already registered.
	ErrPartnerExists = errors.New("identity: partner already registered")
	// ErrNoPartner: no partner of that name is registered.
	ErrNoPartner = errors.New("identity: no such partner")

	// ErrUnknownPeer: a peer presented a certificate that is not pinned in
	// the registry (for a dialer: not the one pinned for the partner it
	// dialed).
	ErrUnknownPeer = errors.New("identity: unknown peer")
	// ErrRevoked: a peer presented the certificate of a revoked partner.
	ErrRevoked = errors.New("identity: partner revoked")
	// ErrExpired: a certificate is expired or not yet valid.
	ErrExpired = errors.New("identity: certificate expired")
	// ErrWrongPeer: a dialer reached a registered partner other than the
	// one it dialed.
	ErrWrongPeer = errors.New("identity: wrong peer")
	// ErrNoCertificate: a peer presented no certificate.
	ErrNoCertificate = errors.New("identity: peer presented no certificate")
)

// PeerError is why a TLS peer was refused. It is what a tls.Conn's
// Handshake returns (possibly wrapped) when this package's verification
// refuses the peer, and what PeerName returns.
type PeerError struct {
	Err         error     // ErrUnknownPeer, ErrRevoked, ErrExpired, ErrWrongPeer or ErrNoCertificate
	Expected    string    // the partner a dialer expected; "" on the listener
	Partner     string    // the registered partner the certificate belongs to; "" if unknown
	Claimed     string    // the name in the peer's certificate (untrusted; quoted in messages)
	Fingerprint string    // of the peer's certificate
	Pinned      string    // for ErrUnknownPeer with Expected: the fingerprint pinned for Expected
	Time        time.Time // ErrRevoked: when; ErrExpired: NotAfter (or NotBefore if NotYetValid)
	NotYetValid bool      // ErrExpired: the certificate is not valid yet
	Now         time.Time // ErrExpired: the time it was checked at
}

func (e *PeerError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	b.WriteString(": ")
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	switch e.Err {
	case ErrNoCertificate:
		if e.Expected != "" {
			fmt.Fprintf(&b, "dialed %s", e.Expected)
		} else {
			b.WriteString("a partner link needs the peer's node certificate")
		}
	case ErrUnknownPeer:
		if e.Expected != "" {
			fmt.Fprintf(&b, "dialed %s, which presented a certificate for %q with fingerprint %s, not the pinned %s "+
				"(if %s made a new identity, confirm its fingerprint out of band, then \"tidewatch partner remove\" and \"partner add\" it again)",
				e.Expected, e.Claimed, e.Fingerprint, e.Pinned, e.Expected)
		} else {
			fmt.Fprintf(&b, "certificate for %q with fingerprint %s is not in the partner registry "+
				"(if it is a partner, confirm the fingerprint with it out of band and run \"tidewatch partner add\")",
				e.Claimed, e.Fingerprint)
		}
	case ErrWrongPeer:
		fmt.Fprintf(&b, "dialed %s but reached partner %s (fingerprint %s); check the address of %s", e.Expected, e.Partner, e.Fingerprint, e.Expected)
	case ErrRevoked:
		fmt.Fprintf(&b, "%s (fingerprint %s) was revoked at %s", e.Partner, e.Fingerprint, ts(e.Time))
	case ErrExpired:
		if e.NotYetValid {
			fmt.Fprintf(&b, "the certificate of %s (fingerprint %s) is not valid before %s (now %s; check the clocks)", e.Partner, e.Fingerprint, ts(e.Time), ts(e.Now))
		} else {
			fmt.Fprintf(&b, "the certificate of %s (fingerprint %s) expired at %s (now %s); %s must make a new identity and be added again",
				e.Partner, e.Fingerprint, ts(e.Time), ts(e.Now), e.Partner)
		}
	default:
		fmt.Fprintf(&b, "peer %q (fingerprint %s)", e.Claimed, e.Fingerprint)
	}
	return b.String()
}

func (e *PeerError) Unwrap() error { return e.Err }
