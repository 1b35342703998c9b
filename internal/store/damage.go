package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// DamageKind says what is wrong with a file of the store.
type DamageKind uint8

// Kinds of damage. The values are stable (they appear in reports).
const (
	// Missing: the manifest lists the file, the disk does not have it.
	Missing DamageKind = 1
	// Damaged: the file fails its checksums or does not decode; what
	// could be read was kept.
	Damaged DamageKind = 2
	// Truncated: a WAL segment is shorter than what was committed to it.
	Truncated DamageKind = 3
	// Unknown: a file the store did not write (a stray file); ignored.
	Unknown DamageKind = 4
)

func (k DamageKind) String() string {
	switch k {
	case Missing:
		return "missing"
	case Damaged:
		return "damaged"
	case Truncated:
		return "truncated"
	case Unknown:
		return "unknown file"
	}
	return fmt.Sprintf("DamageKind(%d)", uint8(k))
}

// Damage is a file of the store that Open or Check found missing,
// damaged, cut short or unknown, with what it held as far as the manifest
// knows. Open goes on with the rest of the store; Damage lists what it
// left out, and Repair moves the damaged files aside.
type Damage struct {
	File string // path relative to the data directory, e.g. blocks/00000003.blk
	Kind DamageKind
	Err  error // what is wrong: a *FileError (ErrCorrupt, ErrVersion) or an I/O error; nil if missing
	// What the file held, from the manifest (zero when not known). For a
	// WAL segment, From is when it was started or the time of its last
	// readable report, and what follows From is lost.
	Vessels   []vessel.MMSI
	Positions uint64
	From, To  vessel.Time
	// Lost says whether data is lost (false: only a stray file, or a
	// damaged WAL segment kept whose readable part is stored).
	Lost bool
}

// String says in one sentence what is wrong and what was lost.
func (d *Damage) String() string {
	var b strings.Builder
	if d.Kind == Unknown {
		fmt.Fprintf(&b, "%s is not a file of the store (left alone)", d.File)
	} else {
		fmt.Fprintf(&b, "%s is %s", d.File, d.Kind)
	}
	if d.Err != nil {
		fmt.Fprintf(&b, " (%v)", d.Err)
	}
	if !d.Lost {
		return b.String()
	}
	switch {
	case d.Positions > 0 || len(d.Vessels) > 0:
		fmt.Fprintf(&b, ": it held %d positions of %d vessels", d.Positions, len(d.Vessels))
		if len(d.Vessels) > 0 {
			fmt.Fprintf(&b, " (%s)", mmsiList(d.Vessels, 8))
		}
		if d.From != 0 || d.To != 0 {
			fmt.Fprintf(&b, " from %s to %s", fmtTime(d.From), fmtTime(d.To))
		}
	case d.From != 0 && d.To != 0:
		fmt.Fprintf(&b, ": data written from %s to %s is lost", fmtTime(d.From), fmtTime(d.To))
	case d.From != 0:
		fmt.Fprintf(&b, ": data written after %s is lost", fmtTime(d.From))
	default:
		b.WriteString(": what it held is not known")
	}
	return b.String()
}

func fmtTime(t vessel.Time) string { return t.Std().Format(time.RFC3339) }

func mmsiList(v []vessel.MMSI, n int) string {
	parts := make([]string, 0, n+1)
	for i, m := range v {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(v)-n))
			break
		}
		parts = append(parts, m.String())
	}
	return strings.Join(parts, ", ")
}

// addDamage records d (once per file and kind) and says so in the log and
// Recovery.
func (db *DB) addDamage(d Damage) {
	db.dmu.Lock()
	for _, o := range db.damage {
		if o.File == d.File && o.Kind == d.Kind {
			db.dmu.Unlock()
			return
		}
	}
	db.damage = append(db.damage, d)
	db.dmu.Unlock()
	db.note("%s", d.String())
}

// Damage returns the damaged, missing and unknown files found so far (on
// Open, and by queries that met a damaged chunk), oldest first. An empty
// list means nothing was found wrong.
func (db *DB) Damage() []Damage {
	db.dmu.Lock()
	defer db.dmu.Unlock()
	return slices.Clone(db.damage)
}

// heldBy fills what a block held from its manifest entry.
func (d *Damage) heldBy(e *manBlock) {
	if e == nil {
		return
	}
	d.Vessels, d.Positions, d.From, d.To = e.vessels, e.positions, vessel.Time(e.minT), vessel.Time(e.maxT)
}

// badChunk reports a chunk that fails its checksum or does not decode:
// queries leave it out, and Damage names it, instead of failing. It
// returns false for other errors (I/O), which queries return.
func (db *DB) badChunk(b *block, e *chunkEntry, err error) bool {
	if !errors.Is(err, ErrCorrupt) {
		return false
	}
	db.addDamage(Damage{File: db.rel(b.path), Kind: Damaged, Err: err, Lost: true,
		Vessels: []vessel.MMSI{e.mmsi}, Positions: uint64(e.count), From: vessel.Time(e.minT), To: vessel.Time(e.maxT)})
	return true
}

// rel returns path relative to the data directory.
func (db *DB) rel(path string) string {
	if r, err := filepath.Rel(db.dir, path); err == nil {
		return filepath.ToSlash(r)
	}
	return path
}

// damaged reports whether Damage names the file at path.
func (db *DB) damaged(path string) bool {
	rel := db.rel(path)
	db.dmu.Lock()
	defer db.dmu.Unlock()
	for _, d := range db.damage {
		if d.File == rel {
			return true
		}
	}
	return false
}
