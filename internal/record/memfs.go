package record

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrCrashed is returned by every operation of a [MemFS] after its
// simulated crash.
var ErrCrashed = errors.New("record: file system crashed (simulated)")

// MemFS is a file system in memory that knows what is durable, for crash
// tests. A file's data is durable up to its last Sync; a directory's
// entries (files created, renamed, removed) up to its last SyncDir.
// Directories themselves are durable once MkdirAll returns. A crash
// ([MemFS.CrashClone], or [MemFS.CrashAfter] at an exact operation) keeps
// only what is durable, optionally with a random part of the unsynced
// writes, the last of them torn at a random byte, as a disk that wrote
// some pages in order before power was lost.
//
// A MemFS is safe for concurrent use. The zero value is not usable; call
// [NewMemFS].
type MemFS struct {
	mu      sync.Mutex
	dirs    map[string]*memDir
	locks   map[string]bool
	ops     int
	crashAt int // crash before mutating operation crashAt+1; -1: never
	crashed bool
	crashFn func() *MemFS
	after   *MemFS // the state at the crash
	inject  func(op Op, path string) error
}

// Op is the kind of a mutating operation of a MemFS, for an injector.
type Op uint8

// The mutating operations.
const (
	OpCreate   Op = 1 // OpenFile creating a file
	OpWrite    Op = 2
	OpSync     Op = 3
	OpTruncate Op = 4 // Truncate, or OpenFile with O_TRUNC
	OpRename   Op = 5
	OpRemove   Op = 6
	OpSyncDir  Op = 7
)

// SetInjector installs fn, called before every mutating operation with
// its kind and path: an error it returns fails the operation, which then
// changes nothing (a full disk, an I/O error), as Pebble's errorfs does.
// nil removes it. Failed operations are not counted by Ops.
func (m *MemFS) SetInjector(fn func(op Op, path string) error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inject = fn
}

type memDir struct {
	entries map[string]*memNode // current
	synced  map[string]*memNode // as of the last SyncDir
}

type memNode struct {
	data    []byte
	synced  []byte
	pending []memWrite // writes and truncations since the last Sync
	perm    fs.FileMode
}

// memWrite is an unsynced write (data at off) or truncation (data nil,
// size off).
type memWrite struct {
	off   int64
	data  []byte
	trunc bool
}

// NewMemFS returns an empty MemFS with the root directory (and the
// current directory, ".") created.
func NewMemFS() *MemFS {
	m := &MemFS{dirs: map[string]*memDir{}, locks: map[string]bool{}, crashAt: -1}
	m.dirs[string(filepath.Separator)] = newMemDir()
	m.dirs["."] = newMemDir()
	return m
}

func newMemDir() *memDir {
	return &memDir{entries: map[string]*memNode{}, synced: map[string]*memNode{}}
}

// Ops returns the number of mutating operations so far (writes, syncs,
// creations, truncations, renames, removals, directory syncs): the crash
// points of a workload, for [MemFS.CrashAfter].
func (m *MemFS) Ops() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ops
}

// CrashAfter arranges a crash right after the first n mutating operations:
// the state then is kept (see [MemFS.Crashed]) and every later operation
// fails with ErrCrashed. rng, if not nil, keeps a random part of the
// unsynced writes as CrashClone does.
func (m *MemFS) CrashAfter(n int, rng *rand.Rand) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.crashAt = n
	m.crashFn = func() *MemFS { return m.cloneLocked(rng) }
	if m.ops >= n {
		m.crashLocked()
	}
}

// Crashed returns the file system as the crash arranged by CrashAfter left
// it, or nil if it has not happened.
func (m *MemFS) Crashed() *MemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.after
}

// CrashClone returns the state a crash now would leave: each file's data
// as of its last Sync, each directory's entries as of its last SyncDir.
// With rng, each file also keeps a random number of its unsynced writes,
// in order, the last kept one cut at a random byte. The MemFS itself goes
// on unchanged.
func (m *MemFS) CrashClone(rng *rand.Rand) *MemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cloneLocked(rng)
}

func (m *MemFS) cloneLocked(rng *rand.Rand) *MemFS {
	c := NewMemFS()
	nodes := map[*memNode]*memNode{}
	for _, path := range slices.Sorted(maps.Keys(m.dirs)) {
		d := m.dirs[path]
		nd := newMemDir()
		for _, name := range slices.Sorted(maps.Keys(d.synced)) {
			n := d.synced[name]
			nn, ok := nodes[n]
			if !ok {
				nn = &memNode{data: survive(n, rng), perm: n.perm}
				nn.synced = slices.Clone(nn.data)
				nodes[n] = nn
			}
			nd.entries[name] = nn
			nd.synced[name] = nn
		}
		c.dirs[path] = nd
	}
	return c
}

// survive returns the data of n after a crash.
func survive(n *memNode, rng *rand.Rand) []byte {
	data := slices.Clone(n.synced)
	if rng == nil || len(n.pending) == 0 {
		return data
	}
	keep := rng.IntN(len(n.pending) + 1)
	for i, w := range n.pending[:keep] {
		if i == keep-1 && !w.trunc && len(w.data) > 0 {
			w.data = w.data[:1+rng.IntN(len(w.data))] // torn
		}
		data = applyWrite(data, w)
	}
	return data
}

func applyWrite(data []byte, w memWrite) []byte {
	if w.trunc {
		if w.off <= int64(len(data)) {
			return data[:w.off]
		}
		return append(data, make([]byte, w.off-int64(len(data)))...)
	}
	end := w.off + int64(len(w.data))
	if end > int64(len(data)) {
		data = append(data, make([]byte, end-int64(len(data)))...)
	}
	copy(data[w.off:], w.data)
	return data
}

// crashLocked takes the crash snapshot.
func (m *MemFS) crashLocked() {
	m.after = m.crashFn()
	m.crashed = true
}

// op counts a mutating operation and reports ErrCrashed if the crash has
// happened (now or before), or the injector's error.
func (m *MemFS) op(kind Op, name string) error {
	if m.crashed {
		return &fs.PathError{Op: "write", Path: name, Err: ErrCrashed}
	}
	if m.crashAt >= 0 && m.ops >= m.crashAt {
		m.crashLocked()
		return &fs.PathError{Op: "write", Path: name, Err: ErrCrashed}
	}
	if m.inject != nil {
		if err := m.inject(kind, name); err != nil {
			return &fs.PathError{Op: "write", Path: name, Err: err}
		}
	}
	m.ops++
	return nil
}

func (m *MemFS) check(name string) error {
	if m.crashed {
		return &fs.PathError{Op: "read", Path: name, Err: ErrCrashed}
	}
	return nil
}

// split returns the directory and base name of a cleaned path.
func split(name string) (dir, base string) {
	name = filepath.Clean(name)
	return filepath.Dir(name), filepath.Base(name)
}

func (m *MemFS) lookup(name string) (*memDir, string, *memNode, error) {
	dir, base := split(name)
	d, ok := m.dirs[dir]
	if !ok {
		return nil, base, nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return d, base, d.entries[base], nil
}

// OpenFile opens or creates a file.
func (m *MemFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(name); err != nil {
		return nil, err
	}
	if _, ok := m.dirs[filepath.Clean(name)]; ok {
		if flag&(os.O_WRONLY|os.O_RDWR) != 0 {
			return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("is a directory")}
		}
	}
	d, base, n, err := m.lookup(name)
	if err != nil {
		return nil, err
	}
	switch {
	case n == nil && flag&os.O_CREATE == 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	case n != nil && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	case n == nil:
		if err := m.op(OpCreate, name); err != nil {
			return nil, err
		}
		n = &memNode{perm: perm}
		d.entries[base] = n
	case flag&os.O_TRUNC != 0 && flag&(os.O_WRONLY|os.O_RDWR) != 0:
		if err := m.op(OpTruncate, name); err != nil {
			return nil, err
		}
		n.data = n.data[:0]
		n.pending = append(n.pending, memWrite{trunc: true})
	}
	return &memFile{fs: m, node: n, name: name,
		read:   flag&(os.O_WRONLY|os.O_RDWR) != os.O_WRONLY,
		write:  flag&(os.O_WRONLY|os.O_RDWR) != 0,
		append: flag&os.O_APPEND != 0}, nil
}

// Rename renames a file, replacing newpath, or a directory, onto a
// newpath that does not exist (os.Rename refuses an existing directory). A file's new
// name is durable once both directories are synced (until then a crash
// may keep the old name, the new one, or both); a directory's rename is
// durable at once, as MkdirAll is.
func (m *MemFS) Rename(oldpath, newpath string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if oc := filepath.Clean(oldpath); m.dirs[oc] != nil {
		return m.renameDir(oc, filepath.Clean(newpath))
	}
	od, obase, n, err := m.lookup(oldpath)
	if err == nil && n == nil {
		err = &fs.PathError{Op: "rename", Path: oldpath, Err: fs.ErrNotExist}
	}
	if err != nil {
		return err
	}
	nd, nbase, _, err := m.lookup(newpath)
	if err != nil {
		return err
	}
	if err := m.op(OpRename, oldpath); err != nil {
		return err
	}
	delete(od.entries, obase)
	nd.entries[nbase] = n
	return nil
}

// renameDir renames the directory oc and everything under it to nc.
func (m *MemFS) renameDir(oc, nc string) error {
	if err := m.check(nc); err != nil {
		return err
	}
	if _, ok := m.dirs[filepath.Dir(nc)]; !ok {
		return &fs.PathError{Op: "rename", Path: nc, Err: fs.ErrNotExist}
	}
	if _, _, n, err := m.lookup(nc); err == nil && n != nil {
		return &fs.PathError{Op: "rename", Path: nc, Err: errors.New("not a directory")}
	}
	if _, ok := m.dirs[nc]; ok {
		return &fs.PathError{Op: "rename", Path: nc, Err: fs.ErrExist} // as os.Rename
	}
	if nc == oc || strings.HasPrefix(nc, oc+string(filepath.Separator)) {
		return &fs.PathError{Op: "rename", Path: nc, Err: fs.ErrInvalid}
	}
	if err := m.op(OpRename, oc); err != nil {
		return err
	}
	for _, p := range slices.Collect(maps.Keys(m.dirs)) {
		if p == oc || strings.HasPrefix(p, oc+string(filepath.Separator)) {
			d := m.dirs[p]
			delete(m.dirs, p)
			m.dirs[nc+strings.TrimPrefix(p, oc)] = d
		}
	}
	return nil
}

// Remove removes a file or an empty directory.
func (m *MemFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	clean := filepath.Clean(name)
	if d, ok := m.dirs[clean]; ok {
		if len(d.entries) > 0 || m.hasSubdir(clean) {
			return &fs.PathError{Op: "remove", Path: name, Err: errors.New("directory not empty")}
		}
		if err := m.op(OpRemove, name); err != nil {
			return err
		}
		delete(m.dirs, clean)
		return nil
	}
	d, base, n, err := m.lookup(name)
	if err == nil && n == nil {
		err = &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	if err != nil {
		return err
	}
	if err := m.op(OpRemove, name); err != nil {
		return err
	}
	delete(d.entries, base)
	return nil
}

func (m *MemFS) hasSubdir(dir string) bool {
	for p := range m.dirs {
		if p != dir && filepath.Dir(p) == dir {
			return true
		}
	}
	return false
}

// MkdirAll creates a directory and its parents, durably.
func (m *MemFS) MkdirAll(path string, perm fs.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(path); err != nil {
		return err
	}
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		if _, ok := m.dirs[p]; ok {
			break
		}
		if _, _, n, err := m.lookup(p); err == nil && n != nil {
			return &fs.PathError{Op: "mkdir", Path: p, Err: errors.New("not a directory")}
		}
		m.dirs[p] = newMemDir()
		if filepath.Dir(p) == p {
			break
		}
	}
	return nil
}

// ReadDir lists a directory's files and subdirectories, sorted by name.
func (m *MemFS) ReadDir(name string) ([]fs.DirEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(name); err != nil {
		return nil, err
	}
	clean := filepath.Clean(name)
	d, ok := m.dirs[clean]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	var out []fs.DirEntry
	for base, n := range d.entries {
		out = append(out, fs.FileInfoToDirEntry(memInfo{name: base, size: int64(len(n.data)), mode: n.perm}))
	}
	for p := range m.dirs {
		if p != clean && filepath.Dir(p) == clean {
			out = append(out, fs.FileInfoToDirEntry(memInfo{name: filepath.Base(p), mode: fs.ModeDir | 0o755}))
		}
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// Stat describes a file or directory.
func (m *MemFS) Stat(name string) (fs.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(name); err != nil {
		return nil, err
	}
	if _, ok := m.dirs[filepath.Clean(name)]; ok {
		return memInfo{name: filepath.Base(name), mode: fs.ModeDir | 0o755}, nil
	}
	_, base, n, err := m.lookup(name)
	if err == nil && n == nil {
		err = &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	if err != nil {
		return nil, err
	}
	return memInfo{name: base, size: int64(len(n.data)), mode: n.perm}, nil
}

// Truncate changes a file's size (not durable until the file is synced).
func (m *MemFS) Truncate(name string, size int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, _, n, err := m.lookup(name)
	if err == nil && n == nil {
		err = &fs.PathError{Op: "truncate", Path: name, Err: fs.ErrNotExist}
	}
	if err != nil {
		return err
	}
	return m.truncate(n, name, size)
}

func (m *MemFS) truncate(n *memNode, name string, size int64) error {
	if size < 0 {
		return &fs.PathError{Op: "truncate", Path: name, Err: fs.ErrInvalid}
	}
	if err := m.op(OpTruncate, name); err != nil {
		return err
	}
	w := memWrite{off: size, trunc: true}
	n.data = applyWrite(n.data, w)
	n.pending = append(n.pending, w)
	return nil
}

// SyncDir makes the directory's current entries durable.
func (m *MemFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.dirs[filepath.Clean(dir)]
	if !ok {
		return &fs.PathError{Op: "sync", Path: dir, Err: fs.ErrNotExist}
	}
	if err := m.op(OpSyncDir, dir); err != nil {
		return err
	}
	d.synced = maps.Clone(d.entries)
	return nil
}

// Lock takes an in-memory lock on dir/name, creating the (durable, empty)
// lock file as [Lock] does.
func (m *MemFS) Lock(dir, name string) (io.Closer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	path := filepath.Join(dir, name)
	if err := m.check(path); err != nil {
		return nil, err
	}
	d, base, n, err := m.lookup(path)
	if err != nil {
		return nil, fmt.Errorf("record: lock %s: %w", path, err)
	}
	if m.locks[path] {
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if n == nil {
		n = &memNode{perm: 0o600}
		d.entries[base] = n
		d.synced[base] = n
	}
	m.locks[path] = true
	return &memLock{fs: m, path: path}, nil
}

type memLock struct {
	fs   *MemFS
	path string
	done bool
}

func (l *memLock) Close() error {
	l.fs.mu.Lock()
	defer l.fs.mu.Unlock()
	if !l.done {
		delete(l.fs.locks, l.path)
		l.done = true
	}
	return nil
}

// memFile is an open file of a MemFS.
type memFile struct {
	fs     *MemFS
	node   *memNode
	name   string
	pos    int64
	read   bool
	write  bool
	append bool
	closed bool
}

func (f *memFile) usable(write bool) error {
	if f.closed {
		return &fs.PathError{Op: "use", Path: f.name, Err: fs.ErrClosed}
	}
	if write && !f.write || !write && !f.read {
		return &fs.PathError{Op: "use", Path: f.name, Err: fs.ErrPermission}
	}
	return nil
}

func (f *memFile) Read(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	n, err := f.readAt(p, f.pos)
	f.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	return f.readAt(p, off)
}

func (f *memFile) readAt(p []byte, off int64) (int, error) {
	if err := f.usable(false); err != nil {
		return 0, err
	}
	if err := f.fs.check(f.name); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrInvalid}
	}
	if off >= int64(len(f.node.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.node.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	off := f.pos
	if f.append {
		off = int64(len(f.node.data))
	}
	n, err := f.writeAt(p, off)
	f.pos = off + int64(n)
	return n, err
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.append {
		return 0, &fs.PathError{Op: "writeat", Path: f.name, Err: errors.New("file opened with O_APPEND")}
	}
	return f.writeAt(p, off)
}

func (f *memFile) writeAt(p []byte, off int64) (int, error) {
	if err := f.usable(true); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "write", Path: f.name, Err: fs.ErrInvalid}
	}
	if err := f.fs.op(OpWrite, f.name); err != nil {
		return 0, err
	}
	w := memWrite{off: off, data: slices.Clone(p)}
	f.node.data = applyWrite(f.node.data, w)
	f.node.pending = append(f.node.pending, w)
	return len(p), nil
}

func (f *memFile) Seek(offset int64, whence int) (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrClosed}
	}
	switch whence {
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += int64(len(f.node.data))
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrInvalid}
	}
	f.pos = offset
	return offset, nil
}

// Sync makes the file's data durable.
func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return &fs.PathError{Op: "sync", Path: f.name, Err: fs.ErrClosed}
	}
	if err := f.fs.op(OpSync, f.name); err != nil {
		return err
	}
	for _, w := range f.node.pending {
		f.node.synced = applyWrite(f.node.synced, w)
	}
	f.node.pending = nil
	return nil
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.usable(true); err != nil {
		return err
	}
	return f.fs.truncate(f.node, f.name, size)
}

func (f *memFile) Stat() (fs.FileInfo, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return nil, &fs.PathError{Op: "stat", Path: f.name, Err: fs.ErrClosed}
	}
	return memInfo{name: filepath.Base(f.name), size: int64(len(f.node.data)), mode: f.node.perm}, nil
}

func (f *memFile) Close() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	f.closed = true
	return nil
}

// memInfo describes a file or directory of a MemFS.
type memInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return i.mode }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.mode.IsDir() }
func (i memInfo) Sys() any           { return nil }
