package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// SyncPolicy says when the store forces written data to stable storage.
type SyncPolicy uint8

const (
	// SyncCommit (the default) syncs the WAL on every Commit: what Commit
	// acknowledged survives a process kill and a power loss.
	SyncCommit SyncPolicy = iota
	// SyncNone only hands the data to the operating system on Commit: it
	// survives a process kill (kill -9) but not a power loss or a kernel
	// crash. For benchmarks and throwaway stores.
	SyncNone
)

// Options configure a store. The zero value is usable.
type Options struct {
	// Logger receives repairs done on open and background errors; nil
	// discards.
	Logger *slog.Logger
	Sync   SyncPolicy
	// HeadPoints is how many positions the in-memory head holds before
	// they are written to a block (default 1,048,576, about 40 MB).
	HeadPoints int
	// ReadOnly opens the store for queries: the WAL is replayed into memory
	// but nothing is written or repaired. A reader takes no lock: it reads
	// a snapshot (the immutable blocks and the WAL as it is) while a writer
	// (serve, ingest) goes on, and never makes the writer fail.
	ReadOnly bool
	// exclusive (with ReadOnly) is set by Check, which holds the writer
	// lock: the directory cannot change, so files the manifest lists and
	// the disk lacks are missing, not a race.
	exclusive bool
	// noSnapshot (benchmarks) opens as before the snapshot existed: it is
	// neither read nor written on open, and no block gets a summary.
	noSnapshot bool
	// FS is the file system every file operation of the store goes
	// through (nil: the operating system's; see FS).
	FS FS
	// Now is the clock that dates write failures and spaces out retries
	// (nil: time.Now).
	Now func() time.Time
	// MaxBacklog bounds what is kept in memory while commits fail (bytes
	// of WAL not yet durable, default 64 MiB). Past it, and past twice
	// HeadPoints in memory while blocks cannot be written, Write refuses
	// new data with ErrBacklog: nothing is taken that cannot be kept.
	MaxBacklog int
	// ManifestEvery is how often Commit records in the manifest how much
	// of the current WAL segment is committed (default 10 s; negative:
	// only when blocks and segments change).
	ManifestEvery time.Duration
}

// DB is an open store. Its methods are safe for concurrent use; writes are
// serialised.
type DB struct {
	dir  string
	opt  Options
	log  *slog.Logger
	lock io.Closer

	fsys      record.FS // every file operation goes through it (Options.FS)
	now       func() time.Time
	hmu       sync.Mutex // guards health
	health    [2]opHealth
	writeMu   sync.Mutex // serialises Write, Commit, Flush and Close
	compactMu sync.Mutex // one compaction at a time
	mu        sync.RWMutex
	closed    bool
	head      *head
	frozen    *head // a head being written to a block; still queried
	blocks    []*block
	wal       *walWriter
	nextBlk   uint64

	sources   []string          // id → name; id 0 is ""
	sourceIDs map[string]uint32 // name → id
	declared  uint32            // sources declared in the current WAL segment
	statics   map[vessel.MMSI][]staticRec
	tails     map[vessel.MMSI]point // last flushed position per vessel
	recovery  []string
	cutShort  []string // WAL segments cut inside their header, removed after the manifest (load)
	stats     counters

	segments   []manSegment // WAL segments in the manifest, oldest first
	keptBlocks []manBlock   // blocks listed but missing or damaged (not opened)
	manifestAt time.Time    // when the manifest was last written
	dmu        sync.Mutex   // guards damage and snap
	damage     []Damage
	snap       SnapshotState

	applied, appliedSaved uint64 // the applied mark, and the one in APPLIED (applied.go)
}

type counters struct {
	positions, statics, prov, flushes, sourceOverflow int64
}

// maxSources bounds the source table; further sources are stored as "".
const maxSources = 1 << 16

const markerName = "TIDEWATCH"

const markerText = "tidewatch data directory\nformat 1\n"

// Open opens (creating if needed) the store in dir.
func Open(dir string, opt Options) (*DB, error) {
	if opt.HeadPoints <= 0 {
		opt.HeadPoints = 1 << 20
	}
	if opt.MaxBacklog <= 0 {
		opt.MaxBacklog = 64 << 20
	}
	if opt.FS == nil {
		opt.FS = OSFS{}
	}
	if opt.ManifestEvery == 0 {
		opt.ManifestEvery = 10 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opt.ReadOnly {
		// No lock: the writer may change the directory under a reader
		// (a flush removes the WAL it turned into a block, compaction
		// removes merged blocks). A file that vanishes while being read
		// means the listing is stale: read it all again.
		var err error
		for range 8 {
			var db *DB
			if db, err = open(dir, opt, log); err == nil || !errors.Is(err, errChanged) {
				return db, err
			}
		}
		return nil, fmt.Errorf("store: %s kept changing while being read: %w", dir, err)
	}
	return open(dir, opt, log)
}

// errChanged reports a file of a lock-free reader's listing that is gone.
var errChanged = errors.New("store: a file changed while being read")

func open(dir string, opt Options, log *slog.Logger) (*DB, error) {
	db := &DB{dir: dir, opt: opt, log: log, fsys: asRecordFS(opt.FS), now: opt.Now, head: newHead(), sources: []string{""},
		sourceIDs: map[string]uint32{"": 0}, statics: make(map[vessel.MMSI][]staticRec), tails: make(map[vessel.MMSI]point)}
	if err := db.prepareDir(); err != nil {
		return nil, err
	}
	if err := db.load(); err != nil {
		db.unlock()
		db.closeBlocks()
		return nil, err
	}
	return db, nil
}

// lockFree reports whether the store is read without the directory lock,
// so that a writer may change it meanwhile.
func (db *DB) lockFree() bool { return db.opt.ReadOnly && !db.opt.exclusive }

func (db *DB) prepareDir() error {
	marker := filepath.Join(db.dir, markerName)
	if db.opt.ReadOnly {
		if _, err := db.fsys.Stat(marker); err != nil {
			return fmt.Errorf("%w: %s has no %s file", ErrNotStore, db.dir, markerName)
		}
	} else {
		if err := db.fsys.MkdirAll(db.dir, 0o750); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if _, err := db.fsys.Stat(marker); errors.Is(err, fs.ErrNotExist) {
			ents, err := db.fsys.ReadDir(db.dir)
			if err != nil {
				return fmt.Errorf("store: %w", err)
			}
			// A temporary file is the marker's own write, cut by a crash.
			if slices.ContainsFunc(ents, func(e fs.DirEntry) bool { return !record.IsTemp(e.Name(), markerName) }) {
				return fmt.Errorf("%w: %s is not empty and has no %s file", ErrNotStore, db.dir, markerName)
			}
			// The marker is durable before anything else is created, so
			// that a crash never leaves a directory with files and no
			// marker (which Open would refuse as not a store).
			if err := record.WriteFileAtomic(db.fsys, marker, []byte(markerText), 0o640); err != nil {
				return fmt.Errorf("store: %w", err)
			}
		}
		for _, sub := range []string{"wal", "blocks"} {
			if err := db.fsys.MkdirAll(filepath.Join(db.dir, sub), 0o750); err != nil {
				return fmt.Errorf("store: %w", err)
			}
		}
		if err := syncDir(db.fsys, db.dir); err != nil {
			return err
		}
	}
	text, err := record.ReadFile(db.fsys, marker)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if string(text) != markerText {
		return fmt.Errorf("%w: %s says %q", ErrVersion, marker, text)
	}
	if db.opt.ReadOnly {
		return nil // readers take no lock: they never stop a writer
	}
	l, err := lockDir(db.fsys, db.dir)
	if err != nil {
		return err
	}
	db.lock = l
	return nil
}

func (db *DB) unlock() {
	if db.lock != nil {
		db.lock.Close()
		db.lock = nil
	}
}

func (db *DB) closeBlocks() {
	for _, b := range db.blocks {
		b.f.Close()
	}
	db.blocks = nil
}

// load reads the manifest, opens the blocks, replays the WAL and opens a
// fresh WAL segment. A file that is missing, damaged or unknown is
// reported (Damage) and left out; the rest of the store opens.
func (db *DB) load() error {
	if !db.opt.ReadOnly {
		// Writes cut by a crash (record.WriteFileAtomic's temporary
		// files; those of blocks go with the listing of blocks/).
		for _, name := range []string{manifestName, snapshotName, markerName} {
			record.RemoveTemps(db.fsys, filepath.Join(db.dir, name))
		}
	}
	man, err := readManifest(db.fsys, db.dir)
	if err != nil {
		if errors.Is(err, ErrVersion) || !errors.Is(err, ErrCorrupt) {
			return err
		}
		db.addDamage(Damage{File: manifestName, Kind: Damaged, Err: err})
		man = nil
	}
	migrate := man == nil
	if man == nil {
		man = &manifest{}
	}
	// The WAL is listed before the blocks: a flush in between (by a writer
	// beside a lock-free reader) then shows as a block that holds a listed
	// segment, or as a listed segment gone (errChanged), never as data in
	// neither.
	wseqs, wstrays, err := listSeq(db.fsys, filepath.Join(db.dir, "wal"), walSuffix, !db.opt.ReadOnly)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	bdir := filepath.Join(db.dir, "blocks")
	seqs, strays, err := listSeq(db.fsys, bdir, blockSuffix, !db.opt.ReadOnly)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	for _, name := range strays {
		db.addDamage(Damage{File: "blocks/" + name, Kind: Unknown})
	}
	replaced := map[uint64]bool{}
	onDisk := map[uint64]bool{}
	var checkpoint uint64
	for _, seq := range seqs {
		onDisk[seq] = true
		db.nextBlk = max(db.nextBlk, seq)
		path := filepath.Join(bdir, fmt.Sprintf("%08d%s", seq, blockSuffix))
		b, err := openBlock(db.fsys, path)
		if err != nil && db.lockFree() && errors.Is(err, fs.ErrNotExist) {
			return errChanged
		}
		if err != nil {
			d := Damage{File: "blocks/" + filepath.Base(path), Kind: Damaged, Err: err, Lost: true}
			e := man.block(seq)
			d.heldBy(e)
			if e == nil {
				st, _ := db.fsys.Stat(path)
				e = &manBlock{seq: seq}
				if st != nil {
					e.size = uint64(st.Size())
				}
			}
			db.keptBlocks = append(db.keptBlocks, *e)
			db.addDamage(d)
			continue
		}
		if e := man.block(seq); e != nil && e.size == uint64(b.size) {
			b.fileCRC = e.crc
		} else if b.fileCRC, _, err = fileCRC(db.fsys, path); err != nil {
			b.f.Close()
			if db.lockFree() && errors.Is(err, fs.ErrNotExist) {
				return errChanged
			}
			return fmt.Errorf("store: %w", err)
		}
		db.blocks = append(db.blocks, b)
		for _, r := range b.meta.replaces {
			replaced[r] = true
		}
		checkpoint = max(checkpoint, b.meta.walUpTo)
	}
	// A compaction that crashed before deleting its inputs: drop them.
	live := db.blocks[:0]
	for _, b := range db.blocks {
		if replaced[b.meta.seq] {
			b.f.Close()
			if !db.opt.ReadOnly {
				db.fsys.Remove(b.path)
				db.note("removed block %s, already merged into a compacted block", filepath.Base(b.path))
			}
			continue
		}
		live = append(live, b)
	}
	db.blocks = live
	for i := range man.blocks {
		e := &man.blocks[i]
		db.nextBlk = max(db.nextBlk, e.seq)
		if onDisk[e.seq] || replaced[e.seq] || db.lockFree() {
			continue // a lock-free reader's listing may be older or newer than the manifest
		}
		d := Damage{File: fmt.Sprintf("blocks/%08d%s", e.seq, blockSuffix), Kind: Missing, Lost: true}
		d.heldBy(e)
		db.keptBlocks = append(db.keptBlocks, *e)
		db.addDamage(d)
	}
	db.loadSnapshot()
	for _, b := range db.blocks {
		for _, s := range b.sources {
			db.defineSource(s.id, s.name)
		}
		for i := range b.statics {
			db.addStatic(&b.statics[i])
		}
	}
	if err := db.loadApplied(); err != nil {
		return err
	}
	if err := db.loadWAL(man, checkpoint, wseqs, wstrays); err != nil {
		return err
	}
	if db.opt.ReadOnly {
		return nil
	}
	if err := db.saveManifest(true); err != nil {
		return err
	}
	for _, path := range db.cutShort {
		if err := db.fsys.Remove(path); err != nil {
			return fmt.Errorf("store: repair %s: %w", path, err)
		}
	}
	db.cutShort = nil
	if migrate && len(db.blocks)+len(db.segments) > 1 {
		db.note("built the manifest of %d blocks and %d WAL segments (a store written before the manifest existed)", len(db.blocks), len(db.segments)-1)
	}
	return nil
}

// loadWAL replays the WAL segments after checkpoint (the last segment a
// block holds) and opens a new segment.
func (db *DB) loadWAL(man *manifest, checkpoint uint64, wseqs []uint64, strays []string) error {
	wdir := filepath.Join(db.dir, "wal")
	for _, name := range strays {
		db.addDamage(Damage{File: "wal/" + name, Kind: Unknown})
	}
	present := map[uint64]bool{}
	last := checkpoint
	for _, seq := range wseqs {
		present[seq] = true
	}
	// Segments the manifest lists that are gone.
	for i, e := range man.segments {
		last = max(last, e.seq)
		if present[e.seq] || e.seq <= checkpoint && !e.damaged || db.lockFree() {
			continue
		}
		d := Damage{File: "wal/" + filepath.Base(segmentName("", e.seq)), Kind: Missing, Lost: e.seq > checkpoint, From: vessel.Time(e.created)}
		if i+1 < len(man.segments) {
			d.To = vessel.Time(man.segments[i+1].created)
		}
		db.addDamage(d)
		e.damaged = true
		db.segments = append(db.segments, e)
	}
	var lastT int64
	sink := recordSink{
		pos: func(p *posRec) {
			db.head.add(p.mmsi, p.point)
			lastT = max(lastT, p.t)
		},
		static:  func(s *staticRec) { db.head.statics = append(db.head.statics, *s); db.addStatic(s) },
		prov:    func(p *provRec) { db.head.prov = append(db.head.prov, *p) },
		source:  func(id uint32, name string) { db.defineSource(id, name) },
		applied: func(seq uint64) { db.applied = max(db.applied, seq) },
	}
	for i, seq := range wseqs {
		last = max(last, seq)
		path := segmentName(wdir, seq)
		rel := "wal/" + filepath.Base(path)
		e := man.segment(seq)
		seg := manSegment{seq: seq}
		if e != nil {
			seg = *e
		} else if st, err := db.fsys.Stat(path); err == nil {
			seg.created = st.ModTime().UnixMilli()
		}
		if seq <= checkpoint {
			if seg.damaged {
				// Its readable records are in a block; the file stays
				// for inspection until Repair moves it aside.
				db.addDamage(Damage{File: rel, Kind: Damaged, Err: fmt.Errorf("found damaged earlier; its readable records are stored")})
				db.segments = append(db.segments, seg)
			} else if !db.opt.ReadOnly {
				db.fsys.Remove(path) // already in a block; a crash came before its removal
			}
			continue
		}
		lastT = 0
		end, err := readSegment(db.fsys, path, func(typ byte, payload []byte) error {
			return decodeRecords(typ, payload, &sink)
		})
		if err != nil && db.lockFree() && errors.Is(err, fs.ErrNotExist) {
			return errChanged // turned into a block since it was listed
		}
		if lastT == 0 {
			lastT = seg.created // nothing readable: lost since it was started
		}
		st, serr := db.fsys.Stat(path)
		if serr != nil && db.lockFree() {
			return errChanged
		}
		size := int64(0)
		if st != nil {
			size = st.Size()
		}
		var fe *FileError
		switch {
		case err == nil:
			if seg.committed > uint64(size) {
				db.addDamage(Damage{File: rel, Kind: Truncated, Lost: true, From: vessel.Time(lastT),
					Err: fmt.Errorf("%d bytes long, %d were committed", size, seg.committed)})
				seg.damaged = true
			}
			seg.committed = max(seg.committed, uint64(end))
		case errors.As(err, &fe) && errors.Is(fe.Err, errTorn) && (i == len(wseqs)-1 || end == 0) && uint64(end) >= seg.committed:
			// A torn tail: a write cut by a crash, not acknowledged. A
			// segment cut inside its header (end 0) never had a commit
			// synced, wherever it is: a crash while recovery replaced it
			// may leave it before the new segment.
			dropped := size - end
			if db.opt.ReadOnly {
				db.note("WAL segment %s ends with an incomplete record at offset %d (%d bytes); a writer will remove it", filepath.Base(path), end, dropped)
				break
			}
			if end == 0 {
				// Removed once the manifest no longer lists it (load): a
				// crash in between must not leave it listed and missing.
				db.cutShort = append(db.cutShort, path)
				db.note("repaired torn WAL tail: %s was cut short while being created (%d bytes); removed", filepath.Base(path), dropped)
				continue
			}
			// Synced before a new segment follows it: a torn tail left
			// by a crash during this recovery would then be in a segment
			// that is not the last, which reads as damage.
			if err := truncateSynced(db.fsys, path, end); err != nil {
				return fmt.Errorf("store: repair %s: %w", path, err)
			}
			db.note("repaired torn WAL tail: %s truncated at offset %d, %d bytes of an unacknowledged write dropped", filepath.Base(path), end, dropped)
			seg.committed = uint64(end)
		case errors.As(err, &fe) && errors.Is(fe.Err, errTorn):
			// Cut short below what was committed, or not the newest
			// segment: data is lost, not an unacknowledged write.
			kind, why := Damaged, fmt.Errorf("%w: incomplete record at offset %d in a WAL segment that is not the last", ErrCorrupt, end)
			switch {
			case uint64(size) < seg.committed:
				kind, why = Truncated, fmt.Errorf("readable up to offset %d of %d bytes, %d bytes were committed", end, size, seg.committed)
			case uint64(end) < seg.committed:
				why = fmt.Errorf("%w: bad record at offset %d, %d bytes were committed", ErrCorrupt, end, seg.committed)
			}
			db.addDamage(Damage{File: rel, Kind: kind, Err: why, Lost: true, From: vessel.Time(lastT)})
			seg.damaged = true
		case errors.As(err, &fe) && (errors.Is(fe.Err, ErrCorrupt) || errors.Is(fe.Err, ErrVersion)):
			db.addDamage(Damage{File: rel, Kind: Damaged, Err: err, Lost: true, From: vessel.Time(lastT)})
			seg.damaged = true
		default:
			return err
		}
		db.segments = append(db.segments, seg)
	}
	if db.opt.ReadOnly {
		return nil
	}
	w, err := createSegment(db.fsys, wdir, last+1)
	if err != nil {
		return err
	}
	db.wal = w
	db.segments = append(db.segments, manSegment{seq: w.seq, created: db.now().UnixMilli()})
	return nil
}

func (db *DB) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	db.dmu.Lock()
	db.recovery = append(db.recovery, msg)
	db.dmu.Unlock()
	db.log.Warn("store: " + msg)
}

// Recovery returns what Open found and repaired (torn tails, leftovers of
// an interrupted compaction), as sentences for the user.
func (db *DB) Recovery() []string {
	db.dmu.Lock()
	defer db.dmu.Unlock()
	return slices.Clone(db.recovery)
}

func (db *DB) defineSource(id uint32, name string) {
	if id == 0 || id >= maxSources {
		return
	}
	for uint32(len(db.sources)) <= id {
		db.sources = append(db.sources, "")
	}
	db.sources[id] = name
	db.sourceIDs[name] = id
}

func (db *DB) addStatic(s *staticRec) {
	list := db.statics[s.s.MMSI]
	i := sort.Search(len(list), func(i int) bool { return list[i].s.Time > s.s.Time })
	db.statics[s.s.MMSI] = slices.Insert(list, i, *s)
}

// Batch collects writes for one Write call. Reuse it with Reset.
type Batch struct {
	pos     []vessel.Position
	statics []vessel.Static
	prov    []provItem
	buf     []byte
	recs    []posRec // Write's scratch: the positions as the WAL and the head take them
	applied uint64   // SetApplied (applied.go)
}

type provItem struct {
	mmsi   vessel.MMSI
	t      vessel.Time
	source string
}

// AddPosition adds a position (with its flags and source).
func (b *Batch) AddPosition(p *vessel.Position) { b.pos = append(b.pos, *p) }

// AddStatic adds a static report.
func (b *Batch) AddStatic(s *vessel.Static) { b.statics = append(b.statics, *s) }

// AddProvenance records that source also heard the position of mmsi stored
// at time t (a duplicate the picture removed).
func (b *Batch) AddProvenance(mmsi vessel.MMSI, t vessel.Time, source string) {
	b.prov = append(b.prov, provItem{mmsi, t, source})
}

// Len returns the number of items in the batch.
func (b *Batch) Len() int { return len(b.pos) + len(b.statics) + len(b.prov) }

// Reset empties the batch, keeping its memory.
func (b *Batch) Reset() { b.pos, b.statics, b.prov = b.pos[:0], b.statics[:0], b.prov[:0] }

// Write appends the batch to the WAL and the in-memory head. It is not
// durable until Commit returns.
func (db *DB) Write(b *Batch) error {
	if db.opt.ReadOnly {
		return errors.New("store: opened read-only")
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	if db.wal == nil {
		return ErrClosed
	}
	if err := db.backlogFull(); err != nil {
		return err
	}
	db.mu.Lock()
	// Source ids first: a new source is declared before its first use.
	srcOf := func(name string) uint32 {
		if id, ok := db.sourceIDs[name]; ok {
			return id
		}
		if len(db.sources) >= maxSources {
			db.stats.sourceOverflow++
			return 0
		}
		id := uint32(len(db.sources))
		db.sources = append(db.sources, name)
		db.sourceIDs[name] = id
		return id
	}
	recs := b.recs[:0]
	for i := range b.pos {
		recs = append(recs, posRec{mmsi: b.pos[i].MMSI, point: pointOf(&b.pos[i], srcOf(b.pos[i].Source))})
	}
	b.recs = recs
	srecs := make([]staticRec, len(b.statics))
	for i := range b.statics {
		srecs[i] = staticRec{s: b.statics[i], src: srcOf(b.statics[i].Source)}
		srecs[i].s.Source = ""
	}
	precs := make([]provRec, len(b.prov))
	for i := range b.prov {
		precs[i] = provRec{mmsi: b.prov[i].mmsi, t: int64(b.prov[i].t), src: srcOf(b.prov[i].source)}
	}
	newSources := db.sources[db.declared+1:]
	firstNew := db.declared + 1
	db.mu.Unlock()

	if len(newSources) > 0 {
		buf := binaryUvarint(b.buf[:0], len(newSources))
		for i, name := range newSources {
			buf = binaryUvarint(buf, int(firstNew)+i)
			buf = appendString(buf, name)
		}
		db.wal.append(recSources, buf)
		db.declared += uint32(len(newSources))
		b.buf = buf
	}
	const perRecord = 4096
	for i := 0; i < len(recs); i += perRecord {
		part := recs[i:min(i+perRecord, len(recs))]
		buf := binaryUvarint(b.buf[:0], len(part))
		for j := range part {
			buf = appendPosRec(buf, &part[j])
		}
		db.wal.append(recTracked, buf)
		b.buf = buf
	}
	if len(srecs) > 0 {
		buf := binaryUvarint(b.buf[:0], len(srecs))
		for j := range srecs {
			buf = appendStatic(buf, &srecs[j])
		}
		db.wal.append(recStatics, buf)
		b.buf = buf
	}
	if len(precs) > 0 {
		buf := binaryUvarint(b.buf[:0], len(precs))
		for j := range precs {
			buf = appendProv(buf, &precs[j])
		}
		db.wal.append(recProvenance, buf)
		b.buf = buf
	}
	db.appendApplied(b)
	db.wal.endBatch() // the batch counts only with its commit record
	db.mu.Lock()
	for i := range recs {
		db.head.add(recs[i].mmsi, recs[i].point)
	}
	for i := range srecs {
		db.head.statics = append(db.head.statics, srecs[i])
		db.addStatic(&srecs[i])
	}
	db.head.prov = append(db.head.prov, precs...)
	db.stats.positions += int64(len(recs))
	db.stats.statics += int64(len(srecs))
	db.stats.prov += int64(len(precs))
	full := db.head.points >= db.opt.HeadPoints
	db.mu.Unlock()
	if full && db.retryDue(opFlush) {
		// The WAL must be durable before the segment is rotated away:
		// the block written from the head replaces it. The batch is
		// taken either way: a failure here is retried later and shows
		// in Health.
		if err := db.commitLocked(); err != nil {
			return nil
		}
		db.failed(opFlush, db.flushLocked(false))
	}
	return nil
}

// backlogFull returns ErrBacklog when writes fail and memory holds as
// much as it may. Called with writeMu held.
func (db *DB) backlogFull() error {
	h := db.Health()
	if h == nil {
		return nil
	}
	db.mu.RLock()
	points := db.head.points
	db.mu.RUnlock()
	if db.wal.pending() > db.opt.MaxBacklog || points >= 2*db.opt.HeadPoints {
		return fmt.Errorf("%w (%d bytes and %d positions waiting): %w", ErrBacklog, db.wal.pending(), points, h)
	}
	return nil
}

// commitLocked commits the WAL and records the outcome. Called with
// writeMu held.
func (db *DB) commitLocked() error {
	err := db.wal.commit(db.opt.Sync == SyncCommit)
	db.failed(opCommit, err)
	return err
}

func binaryUvarint(b []byte, v int) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// Commit makes everything written so far durable (per the sync policy).
func (db *DB) Commit() error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	if db.wal == nil {
		if db.opt.ReadOnly {
			return nil
		}
		return ErrClosed
	}
	if err := db.commitLocked(); err != nil {
		return err
	}
	if db.opt.ManifestEvery > 0 && db.now().Sub(db.manifestAt) >= db.opt.ManifestEvery {
		// Record how much of the segment is committed, so that a later
		// truncation of it is told from a crash. Best effort: the
		// commit itself succeeded.
		db.saveManifest(false)
	}
	return nil
}

// dropSegment removes WAL segment seq from the manifest's list.
func (db *DB) dropSegment(seq uint64) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.segments = slices.DeleteFunc(db.segments, func(s manSegment) bool { return s.seq == seq })
}

// Flush writes the head to a block now.
func (db *DB) Flush() error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	if db.wal == nil {
		return ErrClosed
	}
	if err := db.commitLocked(); err != nil {
		return err
	}
	err := db.flushLocked(false)
	db.failed(opFlush, err)
	return err
}

// flushLocked turns the head into a block. Called with writeMu held.
// Unless final (on Close), the WAL moves on to a new segment first.
func (db *DB) flushLocked(final bool) error {
	db.mu.Lock()
	h := db.head
	if h.points == 0 && len(h.statics) == 0 && len(h.prov) == 0 {
		db.mu.Unlock()
		return nil
	}
	db.mu.Unlock()
	if err := db.saveApplied(); err != nil { // the WAL that holds it goes
		return err
	}
	db.mu.Lock()
	old := db.wal
	if !final {
		next, err := createSegment(db.fsys, filepath.Join(db.dir, "wal"), old.seq+1)
		if err != nil {
			db.mu.Unlock()
			return err
		}
		db.wal = next
		db.segments = append(db.segments, manSegment{seq: next.seq, created: db.now().UnixMilli()})
	}
	for i := range db.segments {
		if db.segments[i].seq == old.seq {
			db.segments[i].committed = uint64(old.synced)
		}
	}
	db.declared = 0
	db.frozen, db.head = h, newHead()
	db.nextBlk++
	d := &blockData{meta: blockMeta{seq: db.nextBlk, walUpTo: old.seq}, statics: h.statics, prov: h.prov}
	for id, name := range db.sources {
		if id > 0 {
			d.sources = append(d.sources, sourceDef{uint32(id), name})
		}
	}
	d.series = h.sortedSeries()
	for i := range d.series {
		s := &d.series[i]
		if t, ok := db.tails[s.mmsi]; ok && t.t <= s.pts[0].t {
			s.prev = &t
		}
	}
	db.mu.Unlock()
	if !final {
		old.close()
	}

	blk, err := writeBlock(db.fsys, filepath.Join(db.dir, "blocks"), d)
	db.mu.Lock()
	defer db.mu.Unlock()
	if err != nil {
		// Keep serving the frozen head; it is still in the WAL (old
		// segment) and will be replayed on the next open.
		db.head.merge(h)
		db.frozen = nil
		return err
	}
	db.blocks = append(db.blocks, blk)
	db.frozen = nil
	for _, s := range d.series {
		last := s.pts[len(s.pts)-1]
		if t, ok := db.tails[s.mmsi]; !ok || t.t <= last.t {
			db.tails[s.mmsi] = last
		}
	}
	db.stats.flushes++
	// The WAL up to old is in the block now: drop it from the manifest,
	// then from the disk (damaged segments stay for inspection).
	keep := map[uint64]bool{}
	segs := db.segments[:0]
	for _, sg := range db.segments {
		if sg.seq > old.seq || sg.damaged {
			segs = append(segs, sg)
			keep[sg.seq] = true
		}
	}
	db.segments = segs
	db.mu.Unlock()
	err = db.saveManifest(false) // what follows only removes WAL the block holds
	db.saveSnapshot()
	db.mu.Lock()
	if err != nil {
		// The next Open finds the block and removes the WAL it holds.
		db.note("%v", err)
		return nil
	}
	wdir := filepath.Join(db.dir, "wal")
	seqs, _, _ := listSeq(db.fsys, wdir, walSuffix, false)
	for _, seq := range seqs {
		if seq <= old.seq && !keep[seq] {
			db.fsys.Remove(segmentName(wdir, seq))
		}
	}
	return nil
}

// Close flushes the head to a block and closes the store.
func (db *DB) Close() error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	var err error
	if db.wal != nil {
		err = db.commitLocked()
		if err != nil {
			// What the failed commit did not acknowledge goes: the
			// store holds exactly what Commit acknowledged.
			db.wal.abandon()
		} else {
			// The last block takes the current segment with it.
			err = db.flushLocked(true)
			if err2 := db.wal.close(); err == nil {
				err = err2
			}
			// An empty segment (nothing written since the last flush)
			// is harmless; remove it, from the manifest first.
			if st, e := db.fsys.Stat(db.wal.path); e == nil && st.Size() <= walHdrLen && err == nil {
				db.dropSegment(db.wal.seq)
				if db.saveManifest(true) == nil {
					db.fsys.Remove(db.wal.path)
				}
			}
		}
		db.wal = nil
	}
	db.mu.Lock()
	db.closed = true
	db.closeBlocks()
	db.mu.Unlock()
	db.unlock()
	return err
}

// head is the in-memory part of the store: positions not yet in a block.
type head struct {
	series  map[vessel.MMSI]*headSeries
	statics []staticRec
	prov    []provRec
	points  int
}

type headSeries struct {
	pts    []point
	sorted bool
	// bounding box and ext of the series, for queries
	minLat, maxLat, minLon, maxLon int32
}

func newHead() *head { return &head{series: make(map[vessel.MMSI]*headSeries)} }

func (h *head) add(m vessel.MMSI, p point) {
	s := h.series[m]
	if s == nil {
		s = &headSeries{sorted: true, minLat: math.MaxInt32, maxLat: math.MinInt32, minLon: math.MaxInt32, maxLon: math.MinInt32}
		h.series[m] = s
	}
	if n := len(s.pts); n > 0 && s.pts[n-1].t > p.t {
		s.sorted = false
	}
	s.pts = append(s.pts, p)
	s.minLat, s.maxLat = min(s.minLat, p.lat), max(s.maxLat, p.lat)
	s.minLon, s.maxLon = min(s.minLon, p.lon), max(s.maxLon, p.lon)
	h.points++
}

func (s *headSeries) sort() {
	if !s.sorted {
		sort.SliceStable(s.pts, func(i, j int) bool { return s.pts[i].t < s.pts[j].t })
		s.sorted = true
	}
}

func (h *head) merge(o *head) {
	for m, s := range o.series {
		for _, p := range s.pts {
			h.add(m, p)
		}
	}
	h.statics = append(o.statics, h.statics...)
	h.prov = append(o.prov, h.prov...)
}

func (h *head) sortedSeries() []series {
	out := make([]series, 0, len(h.series))
	for m, s := range h.series {
		s.sort()
		out = append(out, series{mmsi: m, pts: s.pts})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].mmsi < out[j].mmsi })
	return out
}

// Stats describe the store's contents.
type Stats struct {
	Positions  int64 // stored positions
	Statics    int64 // stored static reports
	Provenance int64 // provenance records (duplicates heard by other sources)
	Vessels    int   // distinct MMSIs with positions
	Blocks     int
	HeadPoints int   // positions in memory, not yet in a block
	DiskBytes  int64 // size of the block and WAL files
	Recovered  int   // repairs made on open
}

// Stats returns counts of what the store holds.
func (db *DB) Stats() Stats {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var st Stats
	vessels := map[vessel.MMSI]struct{}{}
	for _, b := range db.blocks {
		st.Positions += int64(b.meta.positions)
		st.Statics += int64(len(b.statics))
		st.Provenance += int64(len(b.prov))
		st.DiskBytes += b.size
		for i := range b.index {
			vessels[b.index[i].mmsi] = struct{}{}
		}
	}
	for _, h := range []*head{db.head, db.frozen} {
		if h == nil {
			continue
		}
		st.Positions += int64(h.points)
		st.HeadPoints += h.points
		st.Statics += int64(len(h.statics))
		st.Provenance += int64(len(h.prov))
		for m := range h.series {
			vessels[m] = struct{}{}
		}
	}
	if db.wal != nil {
		st.DiskBytes += db.wal.size
	}
	st.Vessels = len(vessels)
	st.Blocks = len(db.blocks)
	st.Recovered = len(db.Recovery())
	return st
}
