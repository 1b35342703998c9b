package identity

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
)

// registryVersion is the version of the registry file format this package
// writes and reads.
const registryVersion = 1

// maxRegistrySize bounds the registry file: room for thousands of
// partners.
const maxRegistrySize = 8 << 20

// Partner is a registered partner node.
type Partner struct {
	Name        string    `json:"name"`
	Addr        string    `json:"addr,omitempty"` // host:port of its link listener, "" if it only dials in
	Fingerprint string    `json:"fingerprint"`    // of its pinned certificate
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	Added       time.Time `json:"added"`
	Revoked     time.Time `json:"revoked,omitzero"` // zero unless revoked
}

// Status returns "revoked", "expired", "not yet valid" or "active": what a
// handshake with the partner at now would meet.
func (p Partner) Status(now time.Time) string {
	switch {
	case !p.Revoked.IsZero():
		return "revoked"
	case now.After(p.NotAfter):
		return "expired"
	case now.Before(p.NotBefore):
		return "not yet valid"
	}
	return "active"
}

// partnerRecord is a partner in the registry file.
type partnerRecord struct {
	Name        string    `json:"name"`
	Addr        string    `json:"addr,omitempty"`
	Fingerprint string    `json:"fingerprint"`
	Added       time.Time `json:"added"`
	Revoked     time.Time `json:"revoked,omitzero"`
	Certificate string    `json:"certificate"` // PEM
}

// registryFile is the JSON layout of the registry file.
type registryFile struct {
	Version  int             `json:"version"`
	Partners []partnerRecord `json:"partners"`
}

// entry is a partner in memory.
type entry struct {
	rec  partnerRecord
	cert *x509.Certificate
	sum  [sha256.Size]byte
}

func (e *entry) partner() Partner {
	return Partner{
		Name:        e.rec.Name,
		Addr:        e.rec.Addr,
		Fingerprint: e.rec.Fingerprint,
		NotBefore:   e.cert.NotBefore,
		NotAfter:    e.cert.NotAfter,
		Added:       e.rec.Added,
		Revoked:     e.rec.Revoked,
	}
}

// registry is the partner registry as last read from, or written to, its
// file in fs (nil: the operating system's). It is not safe for concurrent
// use; Node guards it.
type registry struct {
	fs      record.FS
	path    string
	raw     []byte // the file's content when last read or written; nil if there was no file
	entries []entry
}

// reload reads the file and, if its content changed, parses it. A missing
// file is an empty registry. On error the registry is unchanged.
func (r *registry) reload() error {
	data, perm, err := readLimitedFS(r.fsys(), r.path, maxRegistrySize)
	if errors.Is(err, fs.ErrNotExist) {
		r.raw, r.entries = nil, nil
		return nil
	}
	if err != nil {
		return err
	}
	if perm&0o077 != 0 {
		return fmt.Errorf("%w: partner registry %s has mode %04o; only its owner may read or write it (chmod 600 %s)", ErrFileMode, r.path, perm, r.path)
	}
	if r.raw != nil && bytes.Equal(data, r.raw) {
		return nil
	}
	entries, err := parseRegistry(r.path, data)
	if err != nil {
		return err
	}
	r.raw, r.entries = data, entries
	return nil
}

func parseRegistry(path string, data []byte) ([]entry, error) {
	var f registryFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
	}
	if f.Version != registryVersion {
		return nil, fmt.Errorf("%w: %s: version %d, this tidewatch reads version %d", ErrCorrupt, path, f.Version, registryVersion)
	}
	entries := make([]entry, 0, len(f.Partners))
	for i, rec := range f.Partners {
		e, err := recordEntry(rec)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: partner %d: %w", ErrCorrupt, path, i+1, err)
		}
		for _, o := range entries {
			if o.rec.Name == e.rec.Name || o.sum == e.sum {
				return nil, fmt.Errorf("%w: %s: partner %d: %s and %s share a name or certificate", ErrCorrupt, path, i+1, o.rec.Name, e.rec.Name)
			}
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// recordEntry checks a record from the file and makes its entry.
func recordEntry(rec partnerRecord) (entry, error) {
	if err := checkName(rec.Name); err != nil {
		return entry{}, err
	}
	if err := checkAddr(rec.Addr); err != nil {
		return entry{}, err
	}
	cert, err := ParseCertificate([]byte(rec.Certificate))
	if err != nil {
		return entry{}, fmt.Errorf("%s: %w", rec.Name, err)
	}
	if cert.Subject.CommonName != rec.Name {
		return entry{}, fmt.Errorf("%s: the certificate is for %s", rec.Name, cert.Subject.CommonName)
	}
	if fp := Fingerprint(cert); fp != rec.Fingerprint {
		return entry{}, fmt.Errorf("%s: fingerprint %s recorded, but the certificate's is %s", rec.Name, clip(rec.Fingerprint), fp)
	}
	return entry{rec: rec, cert: cert, sum: sha256.Sum256(cert.Raw)}, nil
}

// write replaces the file with entries atomically (record.WriteFileAtomic,
// mode 0600) and makes them the registry.
func (r *registry) write(entries []entry) error {
	f := registryFile{Version: registryVersion, Partners: make([]partnerRecord, len(entries))}
	for i, e := range entries {
		f.Partners[i] = e.rec
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("identity: registry: %w", err)
	}
	data = append(data, '\n')
	// One writer at a time across processes (a running node and the
	// partner command): each applies its edit to what it read, so two at
	// once would lose one's edit. (The lock was added when the temporary
	// file had one fixed name; record.WriteFileAtomic now gives each write
	// its own, so it only serialises this read-modify-write.)
	fsys := r.fsys()
	lock, err := fsys.Lock(filepath.Dir(r.path), filepath.Base(r.path)+".lock")
	if err != nil {
		return fmt.Errorf("identity: another process is writing the partner registry %s, try again: %w", r.path, err)
	}
	defer lock.Close()
	// Temporary files of writes cut by a crash: stale (every writer
	// holds the lock), never read.
	record.RemoveTemps(fsys, r.path)
	if err := record.WriteFileAtomic(fsys, r.path, data, 0o600); err != nil {
		return fmt.Errorf("identity: write partner registry %s: %w", r.path, err)
	}
	r.raw, r.entries = data, entries
	return nil
}

func (r *registry) fsys() record.FS {
	if r.fs == nil {
		return record.OSFS{}
	}
	return r.fs
}

func (r *registry) byName(name string) *entry {
	for i := range r.entries {
		if r.entries[i].rec.Name == name {
			return &r.entries[i]
		}
	}
	return nil
}

func (r *registry) bySum(sum [sha256.Size]byte) *entry {
	for i := range r.entries {
		if r.entries[i].sum == sum {
			return &r.entries[i]
		}
	}
	return nil
}

// checkAddr accepts "" and host:port, where host is a name, an IPv4
// address or a bracketed IPv6 address and port is 1 to 65535.
func checkAddr(addr string) error {
	if addr == "" {
		return nil
	}
	bad := func(why string) error {
		return fmt.Errorf("%w: %q: %s (want host:port, e.g. link.jcg.example:7443 or [2001:db8::1]:7443)", ErrAddr, clip(addr), why)
	}
	if len(addr) > 260 {
		return bad("too long")
	}
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return bad("no port")
	}
	host, port := addr[:i], addr[i+1:]
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || port[0] == '+' {
		return bad("port must be 1 to 65535")
	}
	if strings.HasPrefix(host, "[") {
		if !strings.HasSuffix(host, "]") || len(host) < 4 {
			return bad("unclosed IPv6 bracket")
		}
		host = host[1 : len(host)-1]
		for _, c := range host {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.') {
				return bad("bad IPv6 address")
			}
		}
		return nil
	}
	if host == "" {
		return bad("no host")
	}
	for _, c := range host {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '_') {
			return bad("bad host name")
		}
	}
	return nil
}

// AddPartner registers the partner name with its certificate (PEM, as
// "tidewatch node show --pem" prints it or node.crt holds it) and the
// address of its link listener ("" if it only dials in), at now. It
// validates the certificate (see ParseCertificate), that it is for name,
// that it is not expired at now, and that neither name nor certificate is
// registered already (ErrPartnerExists). The certificate is pinned: only
// a peer presenting exactly it is this partner.
func (n *Node) AddPartner(name string, certPEM []byte, addr string, now time.Time) (Partner, error) {
	return n.AddPartnerWithFingerprint(name, certPEM, addr, "", now)
}

// AddPartnerWithFingerprint is AddPartner that, when fingerprint is not
// "", also refuses a certificate whose fingerprint is not fingerprint
// (ErrFingerprint): the one the partner's operator confirmed out of band.
func (n *Node) AddPartnerWithFingerprint(name string, certPEM []byte, addr, fingerprint string, now time.Time) (Partner, error) {
	if err := checkName(name); err != nil {
		return Partner{}, err
	}
	if name == n.name {
		return Partner{}, fmt.Errorf("%w: %s is this node's own name", ErrName, name)
	}
	if err := checkAddr(addr); err != nil {
		return Partner{}, fmt.Errorf("partner %s: %w", name, err)
	}
	cert, err := ParseCertificate(certPEM)
	if err != nil {
		return Partner{}, fmt.Errorf("partner %s: %w", name, err)
	}
	fp := Fingerprint(cert)
	if cn := cert.Subject.CommonName; cn != name {
		return Partner{}, fmt.Errorf("%w: partner %s: the certificate (fingerprint %s) is for %s", ErrCertificate, name, fp, cn)
	}
	if fingerprint != "" {
		want, err := ParseFingerprint(fingerprint)
		if err != nil {
			return Partner{}, fmt.Errorf("partner %s: %w", name, err)
		}
		if want != fp {
			return Partner{}, fmt.Errorf("%w: partner %s: the certificate has fingerprint %s, but %s was confirmed; do not add it (the file may have been altered or swapped)",
				ErrFingerprint, name, fp, want)
		}
	}
	sum := sha256.Sum256(cert.Raw)
	if sum == n.fpSum {
		return Partner{}, fmt.Errorf("%w: partner %s: this is this node's own certificate", ErrCertificate, name)
	}
	if now.After(cert.NotAfter) {
		return Partner{}, fmt.Errorf("%w: partner %s: the certificate (fingerprint %s) expired at %s; ask %s for a new one",
			ErrExpired, name, fp, cert.NotAfter.UTC().Format(time.RFC3339), name)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.registry.reload(); err != nil {
		return Partner{}, err
	}
	if e := n.registry.byName(name); e != nil {
		return Partner{}, fmt.Errorf("%w: %s (fingerprint %s, added %s; remove it first to replace its certificate)",
			ErrPartnerExists, name, e.rec.Fingerprint, e.rec.Added.Format(time.RFC3339))
	}
	if e := n.registry.bySum(sum); e != nil {
		return Partner{}, fmt.Errorf("%w: the certificate with fingerprint %s is registered as %s", ErrPartnerExists, fp, e.rec.Name)
	}
	e := entry{
		rec: partnerRecord{
			Name:        name,
			Addr:        addr,
			Fingerprint: fp,
			Added:       now.UTC().Truncate(time.Second),
			Certificate: string(certPEMOf(cert)),
		},
		cert: cert,
		sum:  sum,
	}
	entries := append(slices.Clip(n.registry.entries), e)
	if err := n.registry.write(entries); err != nil {
		return Partner{}, err
	}
	return e.partner(), nil
}

// RevokePartner marks the partner revoked at now: every later handshake
// with it is refused (ErrRevoked), in this process and, once they reload
// the registry, in others. Its record stays, so that the refusal says
// when; a partner already revoked keeps its first revocation time.
func (n *Node) RevokePartner(name string, now time.Time) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.registry.reload(); err != nil {
		return err
	}
	e := n.registry.byName(name)
	if e == nil {
		return fmt.Errorf("%w: %q", ErrNoPartner, clip(name))
	}
	if !e.rec.Revoked.IsZero() {
		return nil
	}
	entries := slices.Clone(n.registry.entries)
	i := slices.IndexFunc(entries, func(o entry) bool { return o.rec.Name == name })
	entries[i].rec.Revoked = now.UTC().Truncate(time.Second)
	return n.registry.write(entries)
}

// RemovePartner deletes the partner from the registry: its certificate
// becomes unknown (ErrUnknownPeer).
func (n *Node) RemovePartner(name string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.registry.reload(); err != nil {
		return err
	}
	i := slices.IndexFunc(n.registry.entries, func(o entry) bool { return o.rec.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrNoPartner, clip(name))
	}
	return n.registry.write(slices.Delete(slices.Clone(n.registry.entries), i, i+1))
}

// Partners returns the registered partners, by name. If the registry file
// cannot be read now, it returns the partners as last read.
func (n *Node) Partners() []Partner {
	n.mu.Lock()
	defer n.mu.Unlock()
	_ = n.registry.reload()
	out := make([]Partner, len(n.registry.entries))
	for i := range n.registry.entries {
		out[i] = n.registry.entries[i].partner()
	}
	slices.SortFunc(out, func(a, b Partner) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Partner returns the registered partner name. If the registry file cannot
// be read now, it answers from the registry as last read.
func (n *Node) Partner(name string) (Partner, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	_ = n.registry.reload()
	if e := n.registry.byName(name); e != nil {
		return e.partner(), true
	}
	return Partner{}, false
}

// PartnerRecords returns the partners as the registry file holds them
// now, by name: each the JSON of its record in the file (certificate,
// address, times). A cluster member compares them with what its control
// log applied, to publish the edits of the partner command.
func (n *Node) PartnerRecords() (map[string][]byte, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.registry.reload(); err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(n.registry.entries))
	for _, e := range n.registry.entries {
		b, err := json.Marshal(e.rec)
		if err != nil {
			return nil, fmt.Errorf("identity: registry: %w", err)
		}
		out[e.rec.Name] = b
	}
	return out, nil
}

// PutPartnerRecord adds the partner record rec (as PartnerRecords gives
// it), or replaces the partner of its name, and writes the registry: how
// a cluster member applies a partner added, revoked or changed on
// another. The record is checked as one read from the file (ErrCorrupt);
// a certificate registered under another name is refused
// (ErrPartnerExists).
func (n *Node) PutPartnerRecord(rec []byte) error {
	var r partnerRecord
	if err := json.Unmarshal(rec, &r); err != nil {
		return fmt.Errorf("%w: partner record: %w", ErrCorrupt, err)
	}
	e, err := recordEntry(r)
	if err != nil {
		return fmt.Errorf("%w: partner record: %w", ErrCorrupt, err)
	}
	if e.rec.Name == n.name || e.sum == n.fpSum {
		return fmt.Errorf("%w: partner %s: this node's own name or certificate", ErrName, e.rec.Name)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.registry.reload(); err != nil {
		return err
	}
	if o := n.registry.bySum(e.sum); o != nil && o.rec.Name != e.rec.Name {
		return fmt.Errorf("%w: the certificate with fingerprint %s is registered as %s", ErrPartnerExists, e.rec.Fingerprint, o.rec.Name)
	}
	entries := slices.Clone(n.registry.entries)
	if i := slices.IndexFunc(entries, func(o entry) bool { return o.rec.Name == e.rec.Name }); i >= 0 {
		entries[i] = e
	} else {
		entries = append(entries, e)
	}
	return n.registry.write(entries)
}

// DeletePartnerRecord removes the partner name from the registry
// (ErrNoPartner if it has none): RemovePartner, for a cluster member
// applying a removal made on another.
func (n *Node) DeletePartnerRecord(name string) error { return n.RemovePartner(name) }
