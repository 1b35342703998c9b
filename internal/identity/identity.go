package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
)

// Names of the files in an identity directory.
const (
	KeyFile      = "node.key"      // the private key, PKCS#8 PEM, mode 0600
	CertFile     = "node.crt"      // the self-signed certificate, PEM, mode 0644: give it to partners
	RegistryFile = "partners.json" // the partner registry, JSON, mode 0600
)

// maxKeySize bounds the private key file.
const maxKeySize = 16 << 10

// Node is this node's identity (its name, key and certificate) and its
// registry of partners. It makes the TLS configurations of partner links.
//
// Node is safe for concurrent use. It notices when another process
// changes the registry file and reloads it before it answers.
type Node struct {
	dir      string
	now      func() time.Time
	name     string
	cert     *x509.Certificate
	certPEM  []byte
	fp       string
	fpSum    [sha256.Size]byte
	tlsCert  tls.Certificate
	mu       sync.Mutex
	registry registry // guarded by mu
}

// Init creates a node identity in dir (created with mode 0700 if missing):
// a new Ed25519 private key in node.key (PKCS#8 PEM, mode 0600) and a
// self-signed X.509 certificate in node.crt (mode 0644) whose common name
// and URI subject alternative name (urn:tidewatch:node:NAME) carry name,
// valid from an hour before now for validity, for both TLS client and
// server authentication. It refuses to overwrite an existing identity
// (ErrExists) and an invalid name (ErrName; names are
// [A-Z0-9][A-Z0-9._-]{0,63}).
//
// The returned Node checks validity at times that start at now and advance
// with the machine's monotonic clock; a long-running node should be
// opened with Open and a clock.
func Init(dir, name string, now time.Time, validity time.Duration) (*Node, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if validity <= 0 {
		return nil, fmt.Errorf("identity: validity %v: want a positive duration, e.g. 8760h", validity)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	keyPath, certPath := filepath.Join(dir, KeyFile), filepath.Join(dir, CertFile)
	for _, p := range []string{keyPath, certPath} {
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("%w: %s (partners have pinned its certificate; to start over, move %s away and add the new certificate at every partner)", ErrExists, p, dir)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("identity: %w", err)
		}
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("identity: generate key: %w", err)
	}
	der, err := newCertificate(name, key, now, validity)
	if err != nil {
		return nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	if err := writeNewFile(keyPath, keyPEM, 0o600); err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := writeNewFile(certPath, certPEM, 0o644); err != nil {
		os.Remove(keyPath)
		return nil, err
	}
	syncDir(dir)
	start := time.Now()
	return Open(dir, func() time.Time { return now.Add(time.Since(start)) })
}

// Open loads the identity and the partner registry from dir. It refuses a
// missing identity (ErrNoIdentity), a key file that group or others may
// read or write (ErrKeyMode), a directory or certificate that group or
// others may write or a registry they may read or write (ErrFileMode), a
// key that is not the certificate's (ErrKey), and a certificate that is
// expired at now() (ErrExpired). A nil now means time.Now.
//
// The Node uses now for every validity check, at each TLS handshake.
func Open(dir string, now func() time.Time) (*Node, error) {
	if now == nil {
		now = time.Now
	}
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s (create one with \"tidewatch node init --name NAME\")", ErrNoIdentity, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("identity: %s is not a directory", dir)
	}
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	keyPath, certPath := filepath.Join(dir, KeyFile), filepath.Join(dir, CertFile)
	keyPEM, perm, err := readLimited(keyPath, maxKeySize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: %s is missing (create one with \"tidewatch node init --name NAME\")", ErrNoIdentity, dir, KeyFile)
	}
	if err != nil {
		return nil, err
	}
	if perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o; only its owner may read or write it (chmod 600 %s)", ErrKeyMode, keyPath, perm, keyPath)
	}
	signer, err := parseKey(keyPath, keyPEM)
	if err != nil {
		return nil, err
	}
	certPEM, perm, err := readLimited(certPath, MaxCertificateSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s: %s is missing", ErrNoIdentity, dir, CertFile)
	}
	if err != nil {
		return nil, err
	}
	if perm&0o022 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o; only its owner may write it (chmod 644 %s)", ErrFileMode, certPath, perm, certPath)
	}
	cert, err := ParseCertificate(certPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certPath, err)
	}
	if !publicKeysEqual(cert, signer.Public()) {
		return nil, fmt.Errorf("%w: %s does not belong to the certificate %s", ErrKey, keyPath, certPath)
	}
	n := &Node{
		dir:     dir,
		now:     now,
		name:    cert.Subject.CommonName,
		cert:    cert,
		certPEM: certPEMOf(cert),
		fp:      Fingerprint(cert),
		fpSum:   sha256.Sum256(cert.Raw),
		tlsCert: tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: signer, Leaf: cert},
	}
	if _, err := n.ownCertificate(); err != nil {
		return nil, err
	}
	n.registry.path = filepath.Join(dir, RegistryFile)
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.registry.reload(); err != nil {
		return nil, err
	}
	return n, nil
}

// parseKey reads a PKCS#8 PEM private key.
func parseKey(path string, data []byte) (crypto.Signer, error) {
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%w: %s holds no PEM PRIVATE KEY block", ErrKey, path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKey, path, err)
	}
	switch k := k.(type) {
	case ed25519.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("%w: %s: %T, want Ed25519 or ECDSA", ErrKey, path, k)
}

// ownCertificate returns the node's TLS certificate, or ErrExpired if it
// is not valid now.
func (n *Node) ownCertificate() (*tls.Certificate, error) {
	now := n.now()
	if now.After(n.cert.NotAfter) {
		return nil, fmt.Errorf("%w: this node's certificate (%s, fingerprint %s, %s) expired at %s (now %s); make a new identity with \"tidewatch node init\" and give it to every partner",
			ErrExpired, n.name, n.fp, filepath.Join(n.dir, CertFile), n.cert.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.Before(n.cert.NotBefore) {
		return nil, fmt.Errorf("%w: this node's certificate (%s, fingerprint %s) is not valid before %s (now %s; check the clock)",
			ErrExpired, n.name, n.fp, n.cert.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return &n.tlsCert, nil
}

// Name returns the node's name, e.g. "IN-IFC".
func (n *Node) Name() string { return n.name }

// Dir returns the identity directory.
func (n *Node) Dir() string { return n.dir }

// CertificatePath returns the path of the certificate file to give
// partners.
func (n *Node) CertificatePath() string { return filepath.Join(n.dir, CertFile) }

// Certificate returns the node's certificate. The caller must not modify
// it.
func (n *Node) Certificate() *x509.Certificate { return n.cert }

// CertificatePEM returns the node's certificate in PEM, as partners add
// it.
func (n *Node) CertificatePEM() []byte { return append([]byte(nil), n.certPEM...) }

// Fingerprint returns the SHA-256 fingerprint of the node's certificate
// (see the package function Fingerprint), which partners confirm out of
// band.
func (n *Node) Fingerprint() string { return n.fp }

// checkDir refuses an identity directory that group or others may write.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("%w: directory %s has mode %04o; only its owner may write it (chmod 700 %s)", ErrFileMode, dir, perm, dir)
	}
	return nil
}

// readLimited reads at most max bytes of the file at path and returns them
// with the file's permission bits.
func readLimited(path string, max int64) ([]byte, fs.FileMode, error) {
	return readLimitedFS(record.OSFS{}, path, max)
}

// readLimitedFS is readLimited in fsys.
func readLimitedFS(fsys record.FS, path string, max int64) ([]byte, fs.FileMode, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, 0, fmt.Errorf("identity: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("identity: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("identity: %s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, 0, fmt.Errorf("identity: %w", err)
	}
	if int64(len(data)) > max {
		return nil, 0, fmt.Errorf("identity: %s is larger than %d bytes", path, max)
	}
	return data, fi.Mode().Perm(), nil
}

// writeNewFile creates path (which must not exist) with mode perm and
// data, synced.
func writeNewFile(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", ErrExists, path)
	}
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	err = f.Chmod(perm) // whatever the umask
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("identity: write %s: %w", path, err)
	}
	return nil
}

// syncDir makes a directory's new entries durable, where the system
// allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
