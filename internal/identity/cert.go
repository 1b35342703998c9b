package identity

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"time"
)

// MaxCertificateSize bounds a certificate file (PEM) this package reads.
// A node certificate is about 600 bytes.
const MaxCertificateSize = 64 << 10

// maxNameLen is the longest node name.
const maxNameLen = 64

// uriPrefix starts the URI subject alternative name that carries a node's
// name: "urn:tidewatch:node:IN-IFC".
const uriPrefix = "urn:tidewatch:node:"

// ValidName reports whether name is a valid node name:
// [A-Z0-9][A-Z0-9._-]{0,63}, e.g. "IN-IFC", "JP-JCG".
func ValidName(name string) bool {
	if name == "" || len(name) > maxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

func checkName(name string) error {
	if !ValidName(name) {
		return fmt.Errorf("%w: %q (capital letters, digits, '.', '_' and '-', starting with a letter or digit, at most %d, e.g. IN-IFC)", ErrName, clip(name), maxNameLen)
	}
	return nil
}

// clip shortens untrusted text for an error message (which quotes it).
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// Fingerprint returns the SHA-256 of the certificate's DER encoding as
// upper-case hex bytes separated by colons, as "openssl x509 -noout
// -fingerprint -sha256" prints it. Operators compare it out of band
// (phone, signed letter) before they add a partner.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return formatFingerprint(sum)
}

func formatFingerprint(sum [sha256.Size]byte) string {
	var b strings.Builder
	b.Grow(3*sha256.Size - 1)
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

// ParseFingerprint reads a SHA-256 fingerprint as an operator may type or
// paste it: hex, upper or lower case, with or without colons or spaces,
// optionally after "SHA256 Fingerprint=" (openssl's form). It returns the
// form Fingerprint returns.
func ParseFingerprint(s string) (string, error) {
	t := s
	if i := strings.LastIndexByte(t, '='); i >= 0 {
		t = t[i+1:]
	}
	t = strings.TrimSpace(t)
	t = strings.NewReplacer(":", "", " ", "", "-", "").Replace(t)
	b, err := hex.DecodeString(t)
	if err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("%w: %q: want the SHA-256 as 64 hex digits (colons allowed), as \"tidewatch node show\" prints it", ErrFingerprint, clip(s))
	}
	return formatFingerprint([sha256.Size]byte(b)), nil
}

// newCertificate makes the self-signed node certificate of name for key.
func newCertificate(name string, key ed25519.PrivateKey, now time.Time, validity time.Duration) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("identity: serial number: %w", err)
	}
	uri, err := url.Parse(uriPrefix + name)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)), // positive, never zero
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour).UTC().Truncate(time.Second),
		NotAfter:              now.Add(validity).UTC().Truncate(time.Second),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		URIs:                  []*url.URL{uri},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("identity: create certificate: %w", err)
	}
	return der, nil
}

// ParseCertificate reads a node certificate from PEM: exactly one
// CERTIFICATE block, at most MaxCertificateSize bytes, that parses as
// X.509, carries an Ed25519 or ECDSA P-256 key, is self-signed (its
// signature checks with its own key), is meant for both client and server
// authentication, and names one node: its common name is a valid node
// name and its URI subject alternative name is urn:tidewatch:node:NAME.
// It does not check the validity period.
func ParseCertificate(certPEM []byte) (*x509.Certificate, error) {
	if len(certPEM) > MaxCertificateSize {
		return nil, fmt.Errorf("%w: %d bytes, more than a node certificate's %d", ErrCertificate, len(certPEM), MaxCertificateSize)
	}
	if len(bytes.TrimSpace(certPEM)) == 0 {
		return nil, fmt.Errorf("%w: empty (want the partner's node.crt, a PEM CERTIFICATE)", ErrCertificate)
	}
	var der []byte
	rest := certPEM
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		switch {
		case strings.Contains(blk.Type, "PRIVATE KEY"):
			return nil, fmt.Errorf("%w: the file holds a PRIVATE KEY, not a certificate; "+
				"a private key must never leave its node (ask the partner for node.crt, and tell it to make a new identity)", ErrCertificate)
		case blk.Type != "CERTIFICATE":
			return nil, fmt.Errorf("%w: PEM block %q, want CERTIFICATE", ErrCertificate, clip(blk.Type))
		case der != nil:
			return nil, fmt.Errorf("%w: more than one CERTIFICATE (want only the partner's node.crt)", ErrCertificate)
		}
		der = blk.Bytes
	}
	if der == nil {
		return nil, fmt.Errorf("%w: no PEM CERTIFICATE block found (truncated, or not a PEM file; want the partner's node.crt)", ErrCertificate)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: unreadable text after the certificate (truncated or damaged PEM)", ErrCertificate)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCertificate, err)
	}
	if err := checkNodeCertificate(cert); err != nil {
		return nil, err
	}
	return cert, nil
}

// checkNodeCertificate checks what ParseCertificate promises of a parsed
// certificate.
func checkNodeCertificate(cert *x509.Certificate) error {
	fp := Fingerprint(cert)
	switch k := cert.PublicKey.(type) {
	case ed25519.PublicKey:
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return fmt.Errorf("%w: fingerprint %s: ECDSA key on %s, want Ed25519 or P-256", ErrCertificate, fp, k.Curve.Params().Name)
		}
	default:
		return fmt.Errorf("%w: fingerprint %s: %v key, want Ed25519 (or ECDSA P-256)", ErrCertificate, fp, cert.PublicKeyAlgorithm)
	}
	if !bytes.Equal(cert.RawIssuer, cert.RawSubject) {
		return fmt.Errorf("%w: fingerprint %s: issued by %q, not self-signed (want the partner's own node.crt)", ErrCertificate, fp, clip(cert.Issuer.String()))
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		return fmt.Errorf("%w: fingerprint %s: self-signature does not verify (damaged or forged): %w", ErrCertificate, fp, err)
	}
	if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
		return fmt.Errorf("%w: fingerprint %s: not for both TLS client and server authentication (extended key usage)", ErrCertificate, fp)
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return fmt.Errorf("%w: fingerprint %s: key usage lacks digital signature", ErrCertificate, fp)
	}
	name := cert.Subject.CommonName
	if !ValidName(name) {
		return fmt.Errorf("%w: fingerprint %s: common name %q is not a node name", ErrCertificate, fp, clip(name))
	}
	var uris []string
	for _, u := range cert.URIs {
		if s := u.String(); strings.HasPrefix(s, uriPrefix) {
			uris = append(uris, strings.TrimPrefix(s, uriPrefix))
		}
	}
	if len(uris) != 1 || uris[0] != name {
		return fmt.Errorf("%w: fingerprint %s: common name %s but node names %q in the subject alternative names (want exactly %s%s)",
			ErrCertificate, fp, name, uris, uriPrefix, name)
	}
	return nil
}

// certName returns the name a certificate claims, for messages about
// certificates that are not (yet) trusted.
func certName(cert *x509.Certificate) string {
	return clip(cert.Subject.CommonName)
}

// publicKeysEqual reports whether the certificate's key is pub.
func publicKeysEqual(cert *x509.Certificate, pub crypto.PublicKey) bool {
	k, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(pub)
}

// certPEMOf encodes a certificate as PEM.
func certPEMOf(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}
