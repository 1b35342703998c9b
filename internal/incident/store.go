package incident

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Options configure a Store.
type Options struct {
	// Node is this node's name (see ValidNode). Records created here get
	// it as their Origin; only records of this origin can be edited or
	// deleted here, and a received record may not claim it. Required.
	Node string
	// Logger receives a warning when Open repairs the log (a torn tail
	// cut). Nil discards.
	Logger *slog.Logger
	// Rand is the source of the random UUIDs of new IDs. Nil means
	// crypto/rand; tests pass a fixed stream.
	Rand io.Reader
	// FS is the file system of the log. Nil means the operating system's
	// (record.OSFS); crash tests pass a record.MemFS.
	FS record.FS
}

// Store keeps records and all their versions in one append-only log file
// (see the format in log.go's comment), with the latest versions indexed
// in memory. It is safe for concurrent use; writes are serialised, and
// each is on disk (fsynced) when it returns.
type Store struct {
	mu       sync.Mutex
	path     string
	fsys     record.FS
	f        record.File
	lock     io.Closer // on path + ".lock"
	opts     Options
	size     int64 // end of the log, where the next record goes
	recs     map[string]*entry
	order    []*entry // every entry; sorted by List's order when sorted is set
	sorted   bool
	recovery []string
	err      error // sticky: closed, or a write failed
}

// entry is one record: all its versions, oldest first.
type entry struct {
	versions []Incident
	bounds   geo.Rect // of the latest version's point and area
}

func (e *entry) latest() *Incident { return &e.versions[len(e.versions)-1] }

// Open opens the log at path, creating it if it does not exist, reads it
// (repairing a torn tail: see Recovery) and locks it against other
// processes (ErrLocked). A damaged log is refused with a *FileError that
// names the offset and wraps ErrCorrupt or ErrFormat.
func Open(path string, opts Options) (*Store, error) {
	if !ValidNode(opts.Node) {
		return nil, fmt.Errorf("%w: node name %s", ErrOptions, quote(opts.Node, 70))
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.FS == nil {
		opts.FS = record.OSFS{}
	}
	f, err := opts.FS.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open incident log: %w", err)
	}
	s, err := open(path, f, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func open(path string, f record.File, opts Options) (*Store, error) {
	// The lock is on a file of its own: on Windows a locked range of the
	// log itself could not be written through the log's handle.
	lock, err := opts.FS.Lock(filepath.Dir(path), filepath.Base(path)+".lock")
	if errors.Is(err, record.ErrLocked) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// Under the lock no other writer is at work: temporary files of an
	// upgrade (record.WriteFileAtomic) are what a crash left.
	stale, rerr := record.RemoveTemps(opts.FS, path)
	s, err := load(path, f, opts)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.lock = lock
	if stale > 0 || rerr != nil {
		note := fmt.Sprintf("removed %d temporary files a crash left beside %s", stale, filepath.Base(path))
		if rerr != nil {
			note += fmt.Sprintf(" (could not remove the rest: %v)", rerr)
		}
		s.recovery = append(s.recovery, note)
		opts.Logger.Info("incident log: stale temporary files", "path", path, "removed", stale, "err", rerr)
	}
	return s, nil
}

// upgrade rewrites a log of an older format version as the current one,
// atomically (a crash leaves the old file or the new one), and reopens
// it. The records are the same; only their framing changes.
func (s *Store) upgrade(sc scanned) error {
	data := header()
	for _, r := range sc.records {
		data = appendFrame(data, recIncident, r.payload)
	}
	// Close first: Windows cannot rename over an open file.
	s.f.Close()
	s.f = nil
	if err := record.WriteFileAtomic(s.fsys, s.path, data, 0o644); err != nil {
		return fmt.Errorf("upgrade %s to format version %d: %w", s.path, logVersion, err)
	}
	f, err := s.fsys.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("upgrade %s: %w", s.path, err)
	}
	s.f = f
	s.size = int64(len(data))
	return nil
}

// load reads the log into a new Store.
func load(path string, f record.File, opts Options) (*Store, error) {
	sc, err := readLog(path, f)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, fsys: opts.FS, f: f, opts: opts, recs: map[string]*entry{}}
	for _, r := range sc.records {
		var in Incident
		if err := in.UnmarshalJSON(r.payload); err != nil {
			return nil, &FileError{Path: path, Offset: r.off, Err: fmt.Errorf("%w: %w", ErrCorrupt, err)}
		}
		if !validID(in.ID) || in.Version < 1 {
			return nil, &FileError{Path: path, Offset: r.off, Err: fmt.Errorf("%w: record without ID or version", ErrCorrupt)}
		}
		if e := s.recs[in.ID]; e != nil && e.latest().Version >= in.Version {
			return nil, &FileError{Path: path, Offset: r.off, Err: fmt.Errorf("%w: version %d of %s after version %d", ErrCorrupt, in.Version, in.ID, e.latest().Version)}
		}
		s.apply(in)
	}
	switch {
	case sc.version < logVersion && !sc.fresh:
		if err := s.upgrade(sc); err != nil {
			return nil, err
		}
		opts.Logger.Info("incident log upgraded", "path", path, "from", sc.version, "to", logVersion)
	case sc.fresh:
		if err := s.create(); err != nil {
			return nil, err
		}
	case sc.end != fileSize(f):
		if err := f.Truncate(sc.end); err != nil {
			return nil, fmt.Errorf("cut torn tail of %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("sync %s: %w", path, err)
		}
		s.size = sc.end
	default:
		s.size = sc.end
	}
	if sc.note != "" {
		s.recovery = append(s.recovery, sc.note)
		opts.Logger.Warn("incident log repaired", "note", sc.note)
	}
	return s, nil
}

func fileSize(f record.File) int64 {
	fi, err := f.Stat()
	if err != nil {
		return -1
	}
	return fi.Size()
}

// create writes the header of a new (or torn-at-birth) log and makes the
// file's directory entry durable.
func (s *Store) create() error {
	if err := s.f.Truncate(0); err != nil {
		return fmt.Errorf("create %s: %w", s.path, err)
	}
	if _, err := s.f.WriteAt(header(), 0); err != nil {
		return fmt.Errorf("create %s: %w", s.path, err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", s.path, err)
	}
	if err := s.fsys.SyncDir(filepath.Dir(s.path)); err != nil {
		return fmt.Errorf("sync directory of %s: %w", s.path, err)
	}
	s.size = headerSize
	return nil
}

// Recovery returns notes on what Open repaired: a torn tail cut, a torn
// header rewritten, stale temporary files removed. Empty when the log
// was intact.
func (s *Store) Recovery() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.recovery)
}

// Close releases the log. Using the store afterwards returns ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return ErrClosed
	}
	err := s.f.Close()
	s.f = nil
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	s.lock = nil
	s.err = ErrClosed
	return err
}

// Put stores a record written on this node and returns it as stored.
//
// With an empty ID it creates a record: it assigns a new ID, Version 1,
// Origin Options.Node, and Created and Updated now. With an ID it edits
// that record: in.Version must be the latest version held (else
// ErrConflict: someone edited it since it was read), the record must be
// this node's (else ErrForeign) and not deleted (ErrDeleted); the stored
// version has Version one more, the same Created and Origin, and Updated
// now. An unknown ID is ErrNotFound. The record must then pass Validate;
// Deleted is cleared (see Delete). The version is on disk when Put
// returns nil.
func (s *Store) Put(in Incident, now time.Time) (Incident, error) {
	return s.put(in, now, false)
}

// PutReplicated is Put for a change that a cluster's control log
// ordered (package server): every member applies the same changes in
// the same order, whichever member took the request, and ends with the
// same records. With create, in.ID is the new record's ID, chosen by the
// member that took the request (NewID); it must be a valid ID (else
// ErrInvalid) and not held (else ErrConflict: a create applied twice
// stores it once). Without create it is Put's edit of in.ID, under the
// same version rule, so that of two concurrent edits of one version the
// one first in the log wins on every member and the other gets
// ErrConflict everywhere. now is the change's time from the log, not
// the member's clock.
func (s *Store) PutReplicated(in Incident, now time.Time, create bool) (Incident, error) {
	if create && in.ID == "" {
		return Incident{}, fieldErr("id", "missing in a replicated create")
	}
	return s.put(in, now, create)
}

func (s *Store) put(in Incident, now time.Time, create bool) (Incident, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return Incident{}, s.err
	}
	in = clone(in)
	t := vessel.TimeOf(now)
	if create {
		if !validID(in.ID) {
			return Incident{}, fieldErr("id", "not incident--<uuid>: %s", quote(in.ID, 60))
		}
		if s.recs[in.ID] != nil {
			return Incident{}, fmt.Errorf("%w: %s exists already", ErrConflict, in.ID)
		}
		in.Version, in.Origin, in.Created = 1, s.opts.Node, t
	} else if in.ID == "" {
		id, err := newID(s.opts.Rand)
		if err != nil {
			return Incident{}, fmt.Errorf("incident: new ID: %w", err)
		}
		in.ID, in.Version, in.Origin, in.Created = id, 1, s.opts.Node, t
	} else {
		e := s.recs[in.ID]
		if e == nil {
			return Incident{}, fmt.Errorf("%w: %s", ErrNotFound, quote(in.ID, 60))
		}
		old := e.latest()
		switch {
		case old.Origin != s.opts.Node:
			return Incident{}, fmt.Errorf("%w: %s is %s's", ErrForeign, in.ID, old.Origin)
		case old.Deleted:
			return Incident{}, fmt.Errorf("%w: %s", ErrDeleted, in.ID)
		case in.Version != old.Version:
			return Incident{}, fmt.Errorf("%w: edit of version %d of %s, the latest is %d", ErrConflict, in.Version, in.ID, old.Version)
		}
		in.Version, in.Origin, in.Created = old.Version+1, old.Origin, old.Created
	}
	in.Updated, in.Deleted = t, false
	if err := in.Validate(); err != nil {
		return Incident{}, err
	}
	if err := s.append(in); err != nil {
		return Incident{}, err
	}
	return clone(in), nil
}

// Delete withdraws a record of this node: it stores a version with
// Deleted set, Version one more and Updated now, and returns it. The
// record's history stays. ErrNotFound, ErrForeign and ErrDeleted as for
// Put.
func (s *Store) Delete(id string, now time.Time) (Incident, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return Incident{}, s.err
	}
	e := s.recs[id]
	if e == nil {
		return Incident{}, fmt.Errorf("%w: %s", ErrNotFound, quote(id, 60))
	}
	old := e.latest()
	switch {
	case old.Origin != s.opts.Node:
		return Incident{}, fmt.Errorf("%w: %s is %s's", ErrForeign, id, old.Origin)
	case old.Deleted:
		return Incident{}, fmt.Errorf("%w: %s", ErrDeleted, id)
	}
	in := clone(*old)
	in.Version++
	in.Updated = vessel.TimeOf(now)
	in.Deleted = true
	if err := s.append(in); err != nil {
		return Incident{}, err
	}
	return clone(in), nil
}

// Receive stores a version of a record that a partner node sent, keeping
// its ID, Version, Origin, Created and Updated. The record must pass
// Validate and have an ID, a Version of at least 1 and an Origin other
// than this node (else ErrForeign); if the ID is held, the origin must
// match the one held (else ErrForeign).
//
// It reports whether the version was stored: only a version newer than
// the latest held is. An older version is ignored (false, nil), and so is
// the same version again (idempotent); the same version number with
// different content is (false, ErrConflict). A stored version is on disk
// when Receive returns.
func (s *Store) Receive(in Incident) (bool, error) {
	if err := in.Validate(); err != nil {
		return false, err
	}
	switch {
	case in.ID == "":
		return false, fieldErr("id", "missing in a received record")
	case in.Version < 1:
		return false, fieldErr("version", "missing in a received record")
	case in.Origin == "":
		return false, fieldErr("origin", "missing in a received record")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false, s.err
	}
	if in.Origin == s.opts.Node {
		return false, fmt.Errorf("%w: received %s claims to be this node's", ErrForeign, in.ID)
	}
	if e := s.recs[in.ID]; e != nil {
		old := e.latest()
		if old.Origin != in.Origin {
			return false, fmt.Errorf("%w: %s is %s's, received from %s", ErrForeign, in.ID, old.Origin, in.Origin)
		}
		if in.Version < old.Version {
			return false, nil
		}
		if in.Version == old.Version {
			a, err1 := json.Marshal(old)
			b, err2 := json.Marshal(&in)
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				return false, fmt.Errorf("%w: version %d of %s differs from the one held", ErrConflict, in.Version, in.ID)
			}
			return false, nil
		}
	}
	if err := s.append(clone(in)); err != nil {
		return false, err
	}
	return true, nil
}

// append writes a version to the log, fsyncs it, and applies it in
// memory. The caller holds s.mu and has validated in.
func (s *Store) append(in Incident) error {
	payload, err := json.Marshal(&in)
	if err != nil {
		return err
	}
	if len(payload) > maxRecord {
		return fmt.Errorf("%w: record of %d bytes", ErrTooLarge, len(payload))
	}
	frame := appendFrame(make([]byte, 0, frameSize+len(payload)), recIncident, payload)
	if _, err := s.f.WriteAt(frame, s.size); err != nil {
		s.err = fmt.Errorf("%w: %w", ErrClosed, errBroken)
		return fmt.Errorf("append to %s: %w", s.path, err)
	}
	if err := s.f.Sync(); err != nil {
		// After a failed fsync the state of the file is unknown: refuse
		// further writes rather than acknowledge one on top of it.
		s.err = fmt.Errorf("%w: %w", ErrClosed, errBroken)
		return fmt.Errorf("sync %s: %w", s.path, err)
	}
	s.size += int64(len(frame))
	s.apply(in)
	return nil
}

// apply adds a version in memory.
func (s *Store) apply(in Incident) {
	e := s.recs[in.ID]
	if e == nil {
		e = &entry{}
		s.recs[in.ID] = e
		s.order = append(s.order, e)
	}
	e.versions = append(e.versions, in)
	e.bounds = bounds(&in)
	s.sorted = false
}

// bounds returns the box of the record's point and area.
func bounds(in *Incident) geo.Rect {
	var r geo.Rect
	if len(in.Area) > 0 {
		r = in.Area.Bounds()
		if in.HasPoint {
			r = r.Union(geo.Rect{MinLat: in.Lat, MinLon: in.Lon, MaxLat: in.Lat, MaxLon: in.Lon})
		}
	} else if in.HasPoint {
		r = geo.Rect{MinLat: in.Lat, MinLon: in.Lon, MaxLat: in.Lat, MaxLon: in.Lon}
	}
	return r
}

// Get returns the latest version of a record, a deleted one included
// (check Deleted), and whether the ID is known.
func (s *Store) Get(id string) (Incident, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.recs[id]
	if e == nil {
		return Incident{}, false
	}
	return clone(*e.latest()), true
}

// History returns every version of a record held, oldest first: all the
// versions of a record of this node, the versions received of a
// partner's (which may skip numbers). Nil for an unknown ID.
func (s *Store) History(id string) []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.recs[id]
	if e == nil {
		return nil
	}
	out := make([]Incident, len(e.versions))
	for i := range e.versions {
		out[i] = clone(e.versions[i])
	}
	return out
}

// Len returns the number of records held, deleted ones included.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recs)
}

// Filter selects records for List. The zero Filter selects every record
// that is not deleted.
type Filter struct {
	Kind     Kind     // "" for any
	Category Category // "" for any
	Origin   string   // "" for any
	// From and To select records whose time overlaps [From, To]; 0 leaves
	// that side open. A record's time is [Start, End], or the moment Start
	// when End is 0.
	From, To vessel.Time
	// BBox, when set, selects records whose point or area's bounding box
	// intersects it.
	BBox *geo.Rect
	// Vessel, when not 0, selects records that link it.
	Vessel vessel.MMSI
	// MaxTLP, when set, selects records marked at most this restrictively.
	MaxTLP *TLP
	// UpdatedAfter, when not 0, selects records whose latest version was
	// written (Updated) after it.
	UpdatedAfter vessel.Time
	// IncludeDeleted selects deleted records too.
	IncludeDeleted bool
	// Limit, when positive, returns at most this many records.
	Limit int
}

// List returns the latest versions of the records that f selects, newest
// first: by Start, latest first, then by Updated, latest first, then by
// ID.
func (s *Store) List(f Filter) []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.sorted {
		slices.SortFunc(s.order, func(a, b *entry) int {
			x, y := a.latest(), b.latest()
			if c := cmp.Compare(y.Start, x.Start); c != 0 {
				return c
			}
			if c := cmp.Compare(y.Updated, x.Updated); c != 0 {
				return c
			}
			return cmp.Compare(x.ID, y.ID)
		})
		s.sorted = true
	}
	var out []Incident
	for _, e := range s.order {
		if f.Limit > 0 && len(out) >= f.Limit {
			break
		}
		in := e.latest()
		if f.matches(in, e.bounds) {
			out = append(out, clone(*in))
		}
	}
	return out
}

func (f *Filter) matches(in *Incident, box geo.Rect) bool {
	end := in.End
	if end == 0 {
		end = in.Start
	}
	switch {
	case in.Deleted && !f.IncludeDeleted,
		f.Kind != "" && in.Kind != f.Kind,
		f.Category != "" && in.Category != f.Category,
		f.Origin != "" && in.Origin != f.Origin,
		f.To != 0 && in.Start > f.To,
		f.From != 0 && end < f.From,
		f.MaxTLP != nil && in.TLP > *f.MaxTLP,
		f.UpdatedAfter != 0 && in.Updated <= f.UpdatedAfter,
		f.BBox != nil && !box.Intersects(*f.BBox),
		f.Vessel != 0 && !slices.Contains(in.Vessels, f.Vessel):
		return false
	}
	return true
}

// clone returns a copy of in that shares no memory with it.
func clone(in Incident) Incident {
	in.Vessels = slices.Clone(in.Vessels)
	in.Events = slices.Clone(in.Events)
	in.ReleasableTo = slices.Clone(in.ReleasableTo)
	if in.Area != nil {
		a := make(geo.MultiPolygon, len(in.Area))
		for i, pg := range in.Area {
			a[i].Outer = slices.Clone(pg.Outer)
			if pg.Holes != nil {
				a[i].Holes = make([]geo.Ring, len(pg.Holes))
				for j, h := range pg.Holes {
					a[i].Holes[j] = slices.Clone(h)
				}
			}
		}
		in.Area = a
	}
	return in
}
