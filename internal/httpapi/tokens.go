package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
)

// Roles a token may have. An admin token may do everything a read token
// may.
const (
	RoleRead  = "read"
	RoleAdmin = "admin"
)

// TokenPrefix starts every token, so that leaked tokens are easy to find
// with secret scanners.
const TokenPrefix = "tw_"

// TokenInfo describes a token; the token itself is never kept.
type TokenInfo struct {
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	Created time.Time `json:"created"`
	// Expires is when the token stops being valid; nil: never.
	Expires *time.Time `json:"expires,omitempty"`
}

// expired reports whether the token is past its expiry at now.
func (ti *TokenInfo) expired(now time.Time) bool {
	return ti.Expires != nil && !now.Before(*ti.Expires)
}

// tokenRecord is one token in the file: its SHA-256 in hex, never the
// token.
type tokenRecord struct {
	TokenInfo
	SHA256 string `json:"sha256"`
}

// tokensVersion is the format version of the tokens file, in its
// "version" field. Version 1: {"version": 1, "tokens": [{"name",
// "role", "created", "expires" (optional), "sha256" (hex of the SHA-256
// of the token)}]}. A file of another version is refused, not guessed at
// (testdata/tokens-v1.json is a frozen version 1 file).
const tokensVersion = 1

// tokensFile is the JSON layout of the tokens file.
type tokensFile struct {
	Version int           `json:"version"`
	Tokens  []tokenRecord `json:"tokens"`
}

// Tokens is the set of API tokens, kept in a JSON file (mode 0600) that
// holds for each token its name, role, creation time and SHA-256 hash —
// never the token. Tokens are TokenPrefix followed by 32 random bytes in
// unpadded base64url.
//
// Tokens notices when another process (the "tidewatch token" command)
// changes the file and reloads it on the next Check, so that tokens
// created or revoked while a server runs take effect at once.
//
// Tokens is safe for concurrent use.
type Tokens struct {
	path string
	fs   record.FS

	mu      sync.Mutex
	recs    []tokenRecord
	hashes  [][sha256.Size]byte // parallel to recs
	modTime time.Time           // of the file when last read
	size    int64
	control TokenControl // SetControl; nil: revocations are this node's
}

// TokenControl takes the API's token revocations in place of Tokens
// when set (SetControl): in cluster mode the node publishes the
// revocation to the cluster's control log, and every member, this one
// included, applies it with DeleteRecord. RevokeToken returns once this
// node applied it; an unknown name wraps ErrNoToken.
type TokenControl interface {
	RevokeToken(name string) error
}

// SetControl makes Revoke go through c (nil: back to the file alone).
func (t *Tokens) SetControl(c TokenControl) {
	t.mu.Lock()
	t.control = c
	t.mu.Unlock()
}

// OpenTokens opens the tokens file at path, which need not exist yet (it
// is created, mode 0600, by the first Create). It refuses a file that
// anyone but its owner may read or write (ErrTokensFileMode).
func OpenTokens(path string) (*Tokens, error) {
	return OpenTokensFS(record.OSFS{}, path)
}

// OpenTokensFS is OpenTokens on the file system fsys (record.MemFS in the
// crash tests).
func OpenTokensFS(fsys record.FS, path string) (*Tokens, error) {
	t := &Tokens{path: path, fs: fsys}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.reloadLocked(true); err != nil {
		return nil, err
	}
	return t, nil
}

// reloadLocked reads the file if it changed since it was last read (or
// always, if force).
func (t *Tokens) reloadLocked(force bool) error {
	fi, err := t.fs.Stat(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		t.recs, t.hashes, t.modTime, t.size = nil, nil, time.Time{}, 0
		return nil
	}
	if err != nil {
		return fmt.Errorf("httpapi: tokens: %w", err)
	}
	if !force && fi.ModTime().Equal(t.modTime) && fi.Size() == t.size {
		return nil
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%w: %s has mode %04o (chmod 600 it)", ErrTokensFileMode, t.path, fi.Mode().Perm())
	}
	data, err := record.ReadFile(t.fs, t.path)
	if err != nil {
		return fmt.Errorf("httpapi: tokens: %w", err)
	}
	var f tokensFile
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("httpapi: tokens file %s: %w", t.path, err)
	}
	if f.Version != tokensVersion {
		return fmt.Errorf("httpapi: tokens file %s: unknown version %d (this binary reads version %d)", t.path, f.Version, tokensVersion)
	}
	hashes := make([][sha256.Size]byte, len(f.Tokens))
	for i, r := range f.Tokens {
		b, err := hex.DecodeString(r.SHA256)
		if err != nil || len(b) != sha256.Size {
			return fmt.Errorf("httpapi: tokens file %s: token %q: bad sha256", t.path, r.Name)
		}
		if r.Role != RoleRead && r.Role != RoleAdmin {
			return fmt.Errorf("%w: tokens file %s: token %q has role %q", ErrRole, t.path, r.Name, r.Role)
		}
		copy(hashes[i][:], b)
	}
	t.recs, t.hashes, t.modTime, t.size = f.Tokens, hashes, fi.ModTime(), fi.Size()
	return nil
}

// writeLocked replaces the file atomically (record.WriteFileAtomic: a
// crash leaves the old file or the new one), mode 0600.
func (t *Tokens) writeLocked() error {
	data, err := json.MarshalIndent(tokensFile{Version: tokensVersion, Tokens: t.recs}, "", "  ")
	if err != nil {
		return fmt.Errorf("httpapi: tokens: %w", err)
	}
	if err := t.fs.MkdirAll(filepath.Dir(t.path), 0o700); err != nil {
		return fmt.Errorf("httpapi: tokens: %w", err)
	}
	// One writer at a time across processes (a running node and the
	// token command): each applies its edit to what it read, so two at
	// once would lose one's edit. (The lock was added when the temporary
	// file had one fixed name; record.WriteFileAtomic now gives each write
	// its own, so it only serialises this read-modify-write.)
	lock, err := t.fs.Lock(filepath.Dir(t.path), filepath.Base(t.path)+".lock")
	if err != nil {
		return fmt.Errorf("httpapi: tokens: another process is writing %s, try again: %w", t.path, err)
	}
	defer lock.Close()
	// Temporary files of writes cut by a crash: stale (every writer
	// holds the lock), never read.
	record.RemoveTemps(t.fs, t.path)
	if err := record.WriteFileAtomic(t.fs, t.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("httpapi: tokens: %w", err)
	}
	if fi, err := t.fs.Stat(t.path); err == nil {
		t.modTime, t.size = fi.ModTime(), fi.Size()
	}
	return nil
}

func validTokenName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Create makes a new token with the given name and role (RoleRead or
// RoleAdmin), stores its hash and returns the token, which is shown to the
// user once and never again. Names are unique.
func (t *Tokens) Create(name, role string) (plain string, err error) {
	return t.CreateAt(name, role, time.Now())
}

// CreateAt is Create with the creation time given.
func (t *Tokens) CreateAt(name, role string, now time.Time) (plain string, err error) {
	return t.CreateExpiring(name, role, now, time.Time{})
}

// CreateExpiring is CreateAt for a token that stops being valid at
// expires (the zero time: never). Every request checks it (see CheckAt),
// and an open stream of an expired token is closed.
func (t *Tokens) CreateExpiring(name, role string, now, expires time.Time) (plain string, err error) {
	if !expires.IsZero() && !expires.After(now) {
		return "", fmt.Errorf("%w: %s is not after the creation time %s", ErrTokenExpiry, expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if !validTokenName(name) {
		return "", fmt.Errorf("%w: %q (letters, digits, '.', '_', '-', at most 64)", ErrTokenName, name)
	}
	if role != RoleRead && role != RoleAdmin {
		return "", fmt.Errorf("%w: %q (want %s or %s)", ErrRole, role, RoleRead, RoleAdmin)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("httpapi: token: %w", err)
	}
	plain = TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(plain))
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.reloadLocked(false); err != nil {
		return "", err
	}
	if slices.ContainsFunc(t.recs, func(r tokenRecord) bool { return r.Name == name }) {
		return "", fmt.Errorf("%w: %q", ErrTokenExists, name)
	}
	rec := tokenRecord{TokenInfo: TokenInfo{Name: name, Role: role, Created: now.UTC().Truncate(time.Second)}, SHA256: hex.EncodeToString(sum[:])}
	if !expires.IsZero() {
		e := expires.UTC().Truncate(time.Second)
		rec.Expires = &e
	}
	t.recs = append(slices.Clip(t.recs), rec)
	t.hashes = append(slices.Clip(t.hashes), sum)
	if err := t.writeLocked(); err != nil {
		t.recs, t.hashes = t.recs[:len(t.recs)-1], t.hashes[:len(t.hashes)-1]
		return "", err
	}
	return plain, nil
}

// Check returns the role of the token plain, and false if it is not a
// valid token at the wall-clock time. See CheckAt.
func (t *Tokens) Check(plain string) (role string, ok bool) {
	return t.CheckAt(plain, time.Now())
}

// CheckAt returns the role of the token plain, and false if it is not a
// valid token at now: unknown, revoked, or expired. It compares the
// token's hash with every stored hash in constant time. A nil Tokens
// knows no token.
func (t *Tokens) CheckAt(plain string, now time.Time) (role string, ok bool) {
	info, ok := t.lookupHash(tokenHash(plain), now)
	return info.Role, ok
}

// tokenHash is the SHA-256 of a token, as the file keeps it.
func tokenHash(plain string) [sha256.Size]byte { return sha256.Sum256([]byte(plain)) }

// lookupHash returns the TokenInfo of the token whose hash is sum, and
// false if there is none or it has expired at now. It reloads the file
// when it changed, so that a token revoked by another process is refused
// from the next call on.
func (t *Tokens) lookupHash(sum [sha256.Size]byte, now time.Time) (TokenInfo, bool) {
	if t == nil {
		return TokenInfo{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	// A file that became unreadable keeps the tokens last read: an
	// operator's mistake must not lock everyone out mid-flight.
	_ = t.reloadLocked(false)
	found := -1
	for i := range t.hashes {
		if subtle.ConstantTimeCompare(sum[:], t.hashes[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 || t.recs[found].expired(now) {
		return TokenInfo{}, false
	}
	return t.recs[found].TokenInfo, true
}

// List returns the tokens' names, roles and creation times, by name.
func (t *Tokens) List() []TokenInfo {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_ = t.reloadLocked(false)
	out := make([]TokenInfo, len(t.recs))
	for i, r := range t.recs {
		out[i] = r.TokenInfo
	}
	slices.SortFunc(out, func(a, b TokenInfo) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// Revoke deletes the token with the given name (ErrNoToken if none),
// through the TokenControl when one is set.
func (t *Tokens) Revoke(name string) error {
	t.mu.Lock()
	c := t.control
	t.mu.Unlock()
	if c != nil {
		return c.RevokeToken(name)
	}
	return t.DeleteRecord(name)
}

// Records returns the tokens as the file holds them now, by name: each
// the JSON of its record in the file (name, role, times and the hash,
// never the token). A cluster member compares them with what its
// control log applied, to publish the edits of the token command.
func (t *Tokens) Records() (map[string][]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.reloadLocked(false); err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(t.recs))
	for _, r := range t.recs {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("httpapi: tokens: %w", err)
		}
		out[r.Name] = b
	}
	return out, nil
}

// PutRecord adds the token record rec (as Records gives it), or
// replaces the token of its name, and writes the file: how a cluster
// member applies a token created on another. A record that is not one
// wraps ErrTokenName, ErrRole or ErrTokenRecord.
func (t *Tokens) PutRecord(rec []byte) error {
	var r tokenRecord
	if err := json.Unmarshal(rec, &r); err != nil {
		return fmt.Errorf("%w: %w", ErrTokenRecord, err)
	}
	if !validTokenName(r.Name) {
		return fmt.Errorf("%w: %q", ErrTokenName, r.Name)
	}
	if r.Role != RoleRead && r.Role != RoleAdmin {
		return fmt.Errorf("%w: %q", ErrRole, r.Role)
	}
	sum, err := hex.DecodeString(r.SHA256)
	if err != nil || len(sum) != sha256.Size {
		return fmt.Errorf("%w: token %q: bad sha256", ErrTokenRecord, r.Name)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.reloadLocked(false); err != nil {
		return err
	}
	oldR, oldH := t.recs, t.hashes
	recs, hashes := slices.Clone(t.recs), slices.Clone(t.hashes)
	if i := slices.IndexFunc(recs, func(o tokenRecord) bool { return o.Name == r.Name }); i >= 0 {
		recs[i] = r
		copy(hashes[i][:], sum)
	} else {
		recs = append(recs, r)
		hashes = append(hashes, [sha256.Size]byte(sum))
	}
	t.recs, t.hashes = recs, hashes
	if err := t.writeLocked(); err != nil {
		t.recs, t.hashes = oldR, oldH
		return err
	}
	return nil
}

// DeleteRecord deletes the token with the given name from the file
// (ErrNoToken if none): Revoke without the TokenControl.
func (t *Tokens) DeleteRecord(name string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.reloadLocked(false); err != nil {
		return err
	}
	i := slices.IndexFunc(t.recs, func(r tokenRecord) bool { return r.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrNoToken, name)
	}
	oldR, oldH := t.recs, t.hashes
	t.recs = slices.Delete(slices.Clone(t.recs), i, i+1)
	t.hashes = slices.Delete(slices.Clone(t.hashes), i, i+1)
	if err := t.writeLocked(); err != nil {
		t.recs, t.hashes = oldR, oldH
		return err
	}
	return nil
}
