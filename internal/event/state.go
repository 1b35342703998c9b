package event

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"unsafe"

	"github.com/tidewatch/tidewatch/internal/record"
)

// Engine state: AppendState saves everything an Engine holds between two
// calls, LoadState puts it into a new engine of the same configuration,
// which then emits exactly what the saved one would have: the same
// events, ids, versions, starts and ends (TestStateResumesRealData).
// A cluster node keeps it in its snapshot so that a node restored from a
// peer raises the same events as the peer (docs/cluster.md).
//
// # What is saved
//
// The engine's whole state, walked field by field as the format's
// explicit field list says (stateFormat, below: for each struct type the
// fields saved, in order; stateNotSaved the fields deliberately left
// out; TestStateFormatComplete fails for a field in neither): every vessel's
// detector state (the single-vessel detectors, open gaps, encounters,
// loitering runs, zone memberships and port visits, teleport and
// identity tracks, the late-report histories and their checkpoints), the
// timer heap, the reorder window's held positions, the coverage and
// receiver grids, the anchorage-learning cells and the anchorages known
// (those given in Config.Anchorages when the saving engine started, how
// many they were, and those learned since, each with when it was
// learned), the forgotten vessels, the ship categories, the zones with
// their stable numbers, the clock and the counters. Not saved: what the
// configuration gives (the parameters, ports, land mask, preset, reorder
// window, forget and history settings, sharding), which the loading
// engine takes from its own Config; a fingerprint of it is saved, and a
// state is loaded only into an engine whose fingerprint matches
// (ErrStateConfig). The anchorages are state, not configuration: the
// loading engine's Config.Anchorages (a node gives back the anchorages
// it saved, learned ones among them) are replaced by the state's and do
// not count in the fingerprint, so an engine that learned an anchorage
// resumes from its state (TestStateLearnedAnchorages). Pointers are
// numbered, so a value shared (an open event held by a vessel and its
// history, a vessel in the timer heap and in an encounter pair) is
// shared again after loading.
//
// # Format (version 2)
//
//	file header:  "TWEVST" | uint16 version (LE)          (record.AppendFileHeader)
//	record 1:     config fingerprint (JSON)               (record framing: n, CRC-32C, type, payload)
//	record 2:     schema: uvarint count, each struct type:
//	                name (string), uvarint fields, each: name (string), Go type (string)
//	record 3:     body: the engine's saved fields, in the order of its schema
//
// A string is a uvarint length and the bytes. In the body, by Go kind:
// bool one byte (0 or 1); signed integers zig-zag varints; unsigned
// uvarints; float32 and float64 their IEEE 754 bits, 4 or 8 bytes LE;
// strings as above; arrays their elements; slices and maps a uvarint 0
// for nil, else count+1, then the elements (maps sorted by key, key then
// value); a struct its fields in the order its schema record lists them;
// a pointer a uvarint 0 for nil, else its number: the next number
// (count+1) introduces a new object, whose value follows, a smaller one
// refers to an object already read; an interface (the zones' GeoJSON
// properties) a tag byte (0 nil, 1 string, 2 float64, 3 bool, 4 []any,
// 5 map[string]any, 6 int) and the value.
//
// Decoding follows the file's schema: a field the file lists that the
// engine no longer has, or has with another Go type, refuses the state
// (ErrStateSchema); a field the engine has and the file does not list
// keeps the value a new engine gives it (zero inside vessels). The names
// are the format's (stateFormat), which are the Go names the engine had
// when the version was made: a change of the engine's fields that is more
// than an addition (a rename, another Go type, a field dropped), or of
// what the fingerprint holds, must bump stateVersion, keep reading the
// old versions (a migration in LoadState) and keep their fixtures
// loading (testdata/engine-state-v1.bin, -v2.bin: TestStateFixture).
//
// Version 1 differs in two things. Its fingerprint also held the number
// of anchorages given in Config.Anchorages ("anchorages_given"), so an
// engine given more (learned since) refused the state; and its body does
// not hold that number (startAnch). LoadState reads a version 1 state by
// taking the number out of the fingerprint, comparing the rest, and
// putting the number into the engine as version 2 saves it.
//
// Every count is bounded by the bytes left; what the engine's code relies
// on without checking it is checked once the body is decoded (checkState:
// the vessel table, the timer heap, the reorder window, the slow-vessel
// grid and the encounter pairs against the vessels, the zones, and the
// anchorages, which a peer's snapshot brings: the number given at most
// the number known, each on the globe, the lookup grid the one they
// make, every learning cell's anchorage one of them); and a reflect
// panic the checks missed is recovered into ErrState: a damaged state is
// an error, never a crash (FuzzLoadState, which also feeds every state
// that loads more reports: a state that loads must not crash the engine
// later; TestStateAnchoragesChecked, TestStateEncounterIndexesChecked;
// run it with
// -fuzzminimizetime 100x: minimizing the many inputs the reflective
// decoder finds interesting, at the default 60 s each, leaves no time to
// fuzz).

// Errors of LoadState.
var (
	// ErrState: the bytes are not an engine state (damaged, cut short,
	// another file), wrapped in a *StateError.
	ErrState = errors.New("event: engine state damaged")
	// ErrStateVersion: a state of a version this engine does not read.
	ErrStateVersion = errors.New("event: unsupported engine state version")
	// ErrStateSchema: a state of an engine whose fields differ.
	ErrStateSchema = errors.New("event: engine state of another engine layout")
	// ErrStateConfig: a state saved by an engine of another
	// configuration (parameters, preset, reorder window, ...).
	ErrStateConfig = errors.New("event: engine state of another configuration")
	// ErrStateUsed: LoadState into an engine that has already seen data.
	ErrStateUsed = errors.New("event: engine state loaded into a used engine")
)

// StateError is an engine state that does not decode: where (the byte
// offset in the state) and why.
type StateError struct {
	Offset int
	Err    error
}

func (e *StateError) Error() string {
	return fmt.Sprintf("event: engine state at byte %d: %v", e.Offset, e.Err)
}

func (e *StateError) Unwrap() error { return e.Err }

const (
	stateMagic   = "TWEVST"
	stateVersion = 2
	// stateVersion1: the fingerprint holds anchorages_given, the body no
	// startAnch (read by LoadState, never written).
	stateVersion1 = 1

	stateRecConfig = 1
	stateRecSchema = 2
	stateRecBody   = 3

	stateMaxPayload = 1 << 30
	stateMaxDepth   = 10000
)

// stateFormat is the format's field list (version 2), explicit: for
// each struct type a state holds (by its Go name, as the schema record
// writes it), the fields saved, in the order saved. Nothing is saved
// that is not listed here, and a struct type not listed is not saved at
// all (AppendState fails), so a field added to the engine is saved only
// once it is added here, and TestStateFormatComplete fails until it is
// added here or to stateNotSaved. Renaming a field or a type means
// renaming it here, which changes the format: that is a new
// stateVersion, with a migration of the old names in LoadState (the
// fixture testdata/engine-state-v1.bin must go on loading). Adding a
// field keeps the version: a state that does not list it loads, the
// field keeping a new engine's value (zero inside vessels).
var stateFormat = map[string][]string{
	"event.Engine":      {"zones", "zoneNum", "nextNum", "tracks", "timers", "clock", "buf", "seq", "maxSeen", "cov", "slow", "pairs", "stats", "cats", "learnCells", "stoppers", "learned", "learnGrid", "rxCells", "rxAlive", "rxRuns", "gone", "goneQ", "histOn", "sources", "sourceNum", "fresh", "startAnch"},
	"event.Zone":        {"Name", "Area", "Properties"},
	"geo.Polygon":       {"Outer", "Holes"},
	"geo.Point":         {"Lat", "Lon"},
	"event.vesselTable": {"keys", "vals", "n", "mask", "shift"},
	"event.track":       {"mmsi", "mine", "solo", "deadline", "heapIdx", "covKey", "covCell", "gaps", "pcOK", "pc", "pd", "acOK", "ac", "ad", "src", "srcN", "srcOK", "rxKey", "rxMask", "stopOn", "stopDone", "stopRef", "slowIn", "slowKey", "slowIdx", "pairs", "h"},
	"event.solo":        {"has", "last", "prev", "hasPrev", "seen", "ref", "implied", "gapChecked", "gapNext", "openGap", "heard", "first", "passT", "passN", "gapUncov", "gapFinal", "gapWait", "hasAlt", "alt", "altN", "mainSince", "jump", "conflict", "ids", "jumps", "idMode", "epSeq", "epDone", "zones", "zoneEv", "inPort", "visitPort", "entry", "stopped", "stop", "visit", "loit"},
	"vessel.Position":   {"MMSI", "Time", "Lat", "Lon", "SOG", "COG", "Heading", "Status", "Flags", "Track", "Episode", "Source"},
	"event.Event":       {"ID", "Type", "Start", "End", "Lat", "Lon", "Vessels", "Zone", "Preset", "Origin", "Params", "Measures", "Evidence", "Severity", "Reasons", "Version", "Retracted"},
	"event.covCell":     {"last", "bits"},
	"event.idTrack":     {"id", "first", "last", "at", "n", "member", "ep"},
	"event.pendingJump": {"ev", "tracks", "last"},
	"event.loiterRun":   {"active", "first", "last", "n", "sumSpeed", "sumLat", "sumDLon", "npos", "nextCheck", "ev", "checkedBad"},
	"event.pair":        {"a", "b", "start", "last", "speeds", "n", "sumLat", "sumDLon", "lon0", "npos", "ev", "nextCheck", "first", "end", "out", "suspect", "dist", "nd", "sumDist", "minDist", "berthed", "emitted"},
	"event.history":     {"ck", "at", "pos", "pub", "srcName", "srcNum"},
	"event.report":      {"time", "lat", "lon", "sog", "cog", "heading", "status", "flags", "track", "source", "episode"},
	"event.timerHeap":   {"h"},
	"event.reorderBuf":  {"run", "head", "side", "outOfOrder"},
	"event.queued":      {"p", "seq"},
	"event.sideQueue":   {"n", "buckets", "order", "spare", "cur"},
	"event.keyBucket":   {"keys", "pos", "head", "sorted"},
	"event.heapKey":     {"t", "seq", "slot"},
	"event.coverage":    {"cell", "bucket", "cells"},
	"event.slowGrid":    {"cell", "cells"},
	"event.Stats":       {"Positions", "Ignored", "Late", "OutOfOrder", "Held", "Replayed", "Evicted", "Dormant", "Anchorages", "Stoppers", "Vessels", "Events"},
	"event.learnCell":   {"vessels", "at", "sumLat", "sumDLon", "lon0", "n", "idx"},
	"event.Anchorage":   {"Lat", "Lon", "Vessels", "Since"},
	"event.sourceRuns":  {"start", "n", "last"},
	"event.remnant":     {"last", "gap", "at"},
	"event.gone":        {"mmsi", "at"},
}

// stateNotSaved are the fields a state deliberately does not hold: the
// Engine's configuration (taken from the loading engine's Config) and
// what only exists during a call.
var stateNotSaved = map[string][]string{
	"event.Engine": {"p", "preset", "maxEv", "zidx", "ports", "portCap", "portNear", "shore", "reorder", "params", "scratch", "out",
		"excludeCat", "forget", "histAuto", "histAge", "histLen", "cur", "rep", "split", "learnOnly", "inferEp"},
	"event.track": {"judge"}, // derived from the configuration at load (LoadState)
}

// errStateFormat: a struct type or field the state format does not list
// (a programming error, caught by TestStateFormatComplete).
var errStateFormat = errors.New("not in the state format (stateFormat)")

var engineType = reflect.TypeFor[Engine]()

// stateConfig is the fingerprint of what a state depends on in the
// configuration the user gave: not the anchorages, which are state.
type stateConfig struct {
	Params   Params `json:"params"`
	Preset   string `json:"preset"`
	MaxEv    int    `json:"max_evidence"`
	Reorder  int64  `json:"reorder_ms"`
	Forget   int64  `json:"forget_ms"`
	HistAuto bool   `json:"history_auto"`
	HistAge  int64  `json:"history_ms"`
	HistLen  int    `json:"history_reports"`
	Ports    int    `json:"ports"`
	// StartAnch: version 1 only (see LoadState), nil in version 2.
	StartAnch *int `json:"anchorages_given,omitempty"`
	Shore     bool `json:"shore"`
	// Split: the share of the work of one engine of several
	// reprocessing history (shard.go); empty for a whole engine.
	Split     string `json:"split,omitempty"`
	LearnOnly bool   `json:"learn_only"`
	InferEp   bool   `json:"infer_episodes"`
}

func (e *Engine) stateConfig() ([]byte, error) {
	c := stateConfig{Params: e.p, Preset: e.preset, MaxEv: e.maxEv, Reorder: e.reorder, Forget: int64(e.forget),
		HistAuto: e.histAuto, HistAge: int64(e.histAge), HistLen: e.histLen,
		Shore: e.shore != nil, LearnOnly: e.learnOnly, InferEp: e.inferEp}
	if e.ports != nil {
		c.Ports = len(e.ports.ports)
	}
	if e.split != nil {
		c.Split = fmt.Sprintf("%+v", *e.split)
	}
	return json.Marshal(c)
}

// AppendState appends the engine's state (see "Engine state" in
// state.go) to dst. Call it between two calls of Observe, Advance, Flush
// or SetZones; it does not change the engine.
func (e *Engine) AppendState(dst []byte) ([]byte, error) {
	conf, err := e.stateConfig()
	if err != nil {
		return dst, fmt.Errorf("event: engine state: %w", err)
	}
	enc := stateEnc{ptrs: make(map[stateRef]uint64), types: make(map[reflect.Type][]int)}
	enc.structFields(reflect.ValueOf(e).Elem())
	if enc.err != nil {
		return dst, fmt.Errorf("event: engine state: %w", enc.err)
	}
	var schema []byte
	schema = binary.AppendUvarint(schema, uint64(len(enc.order)))
	for _, t := range enc.order {
		schema = appendStateString(schema, t.String())
		fs := enc.types[t]
		schema = binary.AppendUvarint(schema, uint64(len(fs)))
		for _, i := range fs {
			f := t.Field(i)
			schema = appendStateString(schema, f.Name)
			schema = appendStateString(schema, stateTypeName(f.Type))
		}
	}
	dst = record.AppendFileHeader(dst, stateMagic, stateVersion)
	dst = record.Append(dst, stateRecConfig, conf)
	dst = record.Append(dst, stateRecSchema, schema)
	return record.Append(dst, stateRecBody, enc.b), nil
}

// LoadState puts a state saved by AppendState into e, which must be new
// (no report observed) and configured as the engine that saved it. A
// state that does not decode is a *StateError wrapping ErrState,
// ErrStateVersion or ErrStateSchema; one of another configuration
// ErrStateConfig. On error e is unchanged.
func (e *Engine) LoadState(b []byte) error {
	if e.stats.Positions != 0 || e.tracks.tab().Len() != 0 || e.clock != 0 {
		return ErrStateUsed
	}
	v, err := record.ParseFileHeader(b, stateMagic)
	if err != nil {
		return &StateError{0, fmt.Errorf("%w: %w", ErrState, err)}
	}
	if v != stateVersion && v != stateVersion1 {
		return &StateError{record.MagicLen, fmt.Errorf("%w: version %d", ErrStateVersion, v)}
	}
	off := record.FileHeaderLen
	var recs [3][]byte
	for i, want := range []byte{stateRecConfig, stateRecSchema, stateRecBody} {
		typ, payload, n, ok := record.Current.Check(b[off:], stateMaxPayload)
		if !ok {
			return &StateError{off, fmt.Errorf("%w: record %d cut short or checksum mismatch", ErrState, want)}
		}
		if typ != want {
			return &StateError{off, fmt.Errorf("%w: record type %d, want %d", ErrState, typ, want)}
		}
		recs[i] = payload
		off += n
	}
	if off != len(b) {
		return &StateError{off, fmt.Errorf("%w: %d bytes after the state", ErrState, len(b)-off)}
	}
	conf, err := e.stateConfig()
	if err != nil {
		return fmt.Errorf("event: engine state: %w", err)
	}
	saved, given := recs[0], -1
	if v == stateVersion1 {
		var ok bool
		if saved, given, ok = stateConfigV1(saved); !ok {
			return fmt.Errorf("%w: saved %s (version 1), this engine %s", ErrStateConfig, recs[0], conf)
		}
	}
	if string(conf) != string(saved) {
		return fmt.Errorf("%w: saved %s, this engine %s", ErrStateConfig, saved, conf)
	}
	bodyOff := len(b) - len(recs[2])
	if err := e.loadBody(recs[1], recs[2], bodyOff, given); err != nil {
		return err
	}
	// Whether a track's gaps are this engine's to judge follows from the
	// configuration (the reprocessing split), not from the state.
	for _, tr := range e.tracks.tab().All() {
		tr.judge = e.judgesGaps(tr.mmsi)
	}
	return nil
}

// stateConfigV1 reads a version 1 fingerprint: the fingerprint without
// the anchorages given (as version 2 writes it) and their number; false
// for one that does not read back to the same bytes (a field this engine
// does not know, a value it writes otherwise, no anchorages_given),
// which no engine's configuration matches.
func stateConfigV1(b []byte) ([]byte, int, bool) {
	var c stateConfig
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || dec.More() || c.StartAnch == nil || *c.StartAnch < 0 {
		return nil, 0, false
	}
	if again, err := json.Marshal(c); err != nil || !bytes.Equal(again, b) {
		return nil, 0, false
	}
	given := *c.StartAnch
	c.StartAnch = nil
	out, err := json.Marshal(c)
	return out, given, err == nil
}

// loadBody decodes a schema and body into e (the decoder behind
// LoadState, without the framing); base is the body's offset in errors;
// given, when not negative, the number of anchorages given at the start
// (a version 1 state's, from its fingerprint: not in its body).
func (e *Engine) loadBody(schema, body []byte, base, given int) (err error) {
	dec := stateDec{b: schema}
	files, err := dec.schema()
	if err != nil {
		return &StateError{dec.off, err}
	}
	tmp := *e
	// The anchorages Config gave are replaced by the state's, even by
	// none: the decoder leaves a field whose saved value is nil as the
	// new engine made it.
	tmp.learned, tmp.startAnch = nil, 0
	tmp.learnCells, tmp.learnGrid = make(map[int64]*learnCell), make(map[int64][]int32)
	dec = stateDec{b: body, files: files, maps: make(map[reflect.Type][]int)}
	defer func() {
		// reflect panics on a value the checks above missed: a damaged
		// state is an error, never a crash
		if r := recover(); r != nil {
			err = &StateError{base + dec.off, fmt.Errorf("%w: %v", ErrState, r)}
		}
	}()
	dec.structFields(reflect.ValueOf(&tmp).Elem())
	if dec.err == nil && dec.off != len(dec.b) {
		dec.fail(ErrState, "%d bytes after the engine", len(dec.b)-dec.off)
	}
	if dec.err != nil {
		return &StateError{base + dec.off, dec.err}
	}
	if given >= 0 {
		tmp.startAnch = given
	}
	if err := tmp.checkState(); err != nil {
		return &StateError{base, fmt.Errorf("%w: %w", ErrState, err)}
	}
	idx, err := tmp.zoneIndex(tmp.zones)
	if err != nil {
		return &StateError{base, fmt.Errorf("%w: zones: %w", ErrState, err)}
	}
	tmp.zidx = idx
	if tmp.stats.Events == nil {
		tmp.stats.Events = make(map[string]int64)
	}
	*e = tmp
	return nil
}

// checkState checks the invariants the engine's code relies on without
// checking them (so that a loaded state cannot make it crash later); a
// vessel table an earlier build placed by another hash is rebuilt.
func (e *Engine) checkState() error {
	t := e.tracks.tab()
	if err := t.Restore(); err != nil {
		return fmt.Errorf("vessel table: %w", err)
	}
	for m, tr := range t.All() {
		if tr.mmsi != m {
			return fmt.Errorf("vessel table holds %d under %d", tr.mmsi, m)
		}
	}
	for i, tr := range e.timers.h {
		if tr == nil || tr.heapIdx != i {
			return fmt.Errorf("timer %d", i)
		}
		if i > 0 && e.timers.less(i, (i-1)/2) {
			return fmt.Errorf("timer heap order at %d", i)
		}
	}
	for _, tr := range t.All() {
		if tr.heapIdx >= len(e.timers.h) || tr.heapIdx >= 0 && e.timers.h[tr.heapIdx] != tr || tr.heapIdx < -1 {
			return fmt.Errorf("vessel %d's timer", tr.mmsi)
		}
	}
	if e.buf.head < 0 || e.buf.head > len(e.buf.run) {
		return errors.New("reorder window")
	}
	if err := e.checkSlowGrid(); err != nil {
		return err
	}
	if err := e.checkPairs(); err != nil {
		return err
	}
	if len(e.zoneNum) != len(e.zones) {
		return errors.New("zone numbers")
	}
	if len(e.sources) == 0 || e.sources[0] != "" {
		return errors.New("source names")
	}
	return e.checkAnchorages()
}

// checkSlowGrid checks the slow-vessel grid (encounter.go) against the
// vessels: every vessel in it is the vessel table's, at the cell and
// place it says, and every vessel that says it is in it is there.
func (e *Engine) checkSlowGrid() error {
	t := e.tracks.tab()
	for k, s := range e.slow.cells {
		for i, tr := range s {
			if tr == nil || t.Get(tr.mmsi) != tr || !tr.slowIn || tr.slowKey != k || tr.slowIdx != i {
				return fmt.Errorf("slow-vessel grid cell %d", k)
			}
		}
	}
	for _, tr := range t.All() {
		if s := e.slow.cells[tr.slowKey]; tr.slowIn && (tr.slowIdx < 0 || tr.slowIdx >= len(s) || s[tr.slowIdx] != tr) {
			return fmt.Errorf("vessel %d's slow-vessel grid cell", tr.mmsi)
		}
	}
	return nil
}

// checkPairs checks the encounter pairs (encounter.go): each pair a
// vessel holds is of two vessels of the vessel table, that vessel one of
// them and the other holding it too, with its ring of distances at a
// place it can index.
func (e *Engine) checkPairs() error {
	t := e.tracks.tab()
	for _, tr := range t.All() {
		for _, pr := range tr.pairs {
			if pr == nil || pr.a == nil || pr.b == nil || pr.a == pr.b || t.Get(pr.a.mmsi) != pr.a || t.Get(pr.b.mmsi) != pr.b ||
				pr.a != tr && pr.b != tr || !slices.Contains(pr.other(tr).pairs, pr) || pr.nd < 0 {
				return fmt.Errorf("vessel %d's encounter pairs", tr.mmsi)
			}
		}
	}
	return nil
}

// checkAnchorages checks the anchorages a state holds (learned anchorages
// are state: a peer's snapshot brings them): each a place on the globe,
// the number given at the start at most their number, the lookup grid
// exactly the one addLearned builds from them, and every learning cell's
// anchorage one of them and its stop times one per vessel. Without it a
// grid or cell naming an anchorage the state does not hold loads and
// crashes the engine at the next report near it.
func (e *Engine) checkAnchorages() error {
	if e.startAnch < 0 || e.startAnch > len(e.learned) {
		return fmt.Errorf("%d anchorages given of %d", e.startAnch, len(e.learned))
	}
	n := 0
	for i, a := range e.learned {
		if !(a.Lat >= -90 && a.Lat <= 90 && a.Lon >= -180 && a.Lon <= 180) {
			return fmt.Errorf("anchorage %d at %v, %v", i, a.Lat, a.Lon)
		}
		k := learnGridKey(a)
		at := slices.Index(e.learnGrid[k], int32(i))
		if at < 0 || slices.Index(e.learnGrid[k][at+1:], int32(i)) >= 0 {
			return fmt.Errorf("anchorage %d not once in the lookup grid", i)
		}
	}
	for _, idx := range e.learnGrid {
		n += len(idx)
	}
	if n != len(e.learned) {
		return fmt.Errorf("lookup grid of %d anchorages, %d known", n, len(e.learned))
	}
	for k, c := range e.learnCells {
		if c != nil && (c.idx < -1 || c.idx >= len(e.learned) || len(c.at) != len(c.vessels)) {
			return fmt.Errorf("learning cell %d", k)
		}
	}
	return nil
}

// stateFields lists the fields of struct type t that a state holds
// (stateFormat), by index, in the format's order.
func stateFields(t reflect.Type) ([]int, error) {
	names, ok := stateFormat[t.String()]
	if !ok {
		return nil, fmt.Errorf("event: engine state: type %s: %w", t, errStateFormat)
	}
	out := make([]int, len(names))
	for k, name := range names {
		f, ok := t.FieldByName(name)
		if !ok || len(f.Index) != 1 {
			return nil, fmt.Errorf("event: engine state: field %s.%s: %w", t, name, errStateFormat)
		}
		out[k] = f.Index[0]
	}
	return out, nil
}

// stateFieldSaved reports whether the format lists field name of t.
func stateFieldSaved(t reflect.Type, name string) bool {
	return slices.Contains(stateFormat[t.String()], name)
}

func appendStateString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// stateRef identifies a pointer: its address and type.
type stateRef struct {
	p uintptr
	t reflect.Type
}

// stateEnc encodes values (see the format above). Values are read
// without Interface, so unexported fields need no unsafe access.
type stateEnc struct {
	b     []byte
	ptrs  map[stateRef]uint64
	types map[reflect.Type][]int // struct types met, and their fields saved (stateFields)
	order []reflect.Type         // struct types, in the order first met
	err   error
}

func (s *stateEnc) structFields(v reflect.Value) {
	if s.err != nil {
		return
	}
	t := v.Type()
	fs, ok := s.types[t]
	if !ok {
		if fs, s.err = stateFields(t); s.err != nil {
			return
		}
		s.types[t] = fs
		s.order = append(s.order, t)
	}
	for _, i := range fs {
		s.value(v.Field(i))
	}
}

func (s *stateEnc) value(v reflect.Value) {
	if s.err != nil {
		return
	}
	v = stateSaved(v)
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			s.b = append(s.b, 1)
		} else {
			s.b = append(s.b, 0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s.b = binary.AppendVarint(s.b, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		s.b = binary.AppendUvarint(s.b, v.Uint())
	case reflect.Float32:
		s.b = binary.LittleEndian.AppendUint32(s.b, math.Float32bits(float32(v.Float())))
	case reflect.Float64:
		s.b = binary.LittleEndian.AppendUint64(s.b, math.Float64bits(v.Float()))
	case reflect.String:
		s.b = appendStateString(s.b, v.String())
	case reflect.Array:
		for i := range v.Len() {
			s.value(v.Index(i))
		}
	case reflect.Slice:
		if v.IsNil() {
			s.b = append(s.b, 0)
			return
		}
		s.b = binary.AppendUvarint(s.b, uint64(v.Len())+1)
		for i := range v.Len() {
			s.value(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			s.b = append(s.b, 0)
			return
		}
		keys := v.MapKeys()
		if err := sortStateKeys(keys); err != nil {
			s.err = err
			return
		}
		s.b = binary.AppendUvarint(s.b, uint64(len(keys))+1)
		for _, k := range keys {
			s.value(k)
			s.value(v.MapIndex(k))
		}
	case reflect.Struct:
		s.structFields(v)
	case reflect.Pointer:
		if v.IsNil() {
			s.b = append(s.b, 0)
			return
		}
		ref := stateRef{v.Pointer(), v.Type()}
		if id, ok := s.ptrs[ref]; ok {
			s.b = binary.AppendUvarint(s.b, id)
			return
		}
		id := uint64(len(s.ptrs)) + 1
		s.ptrs[ref] = id
		s.b = binary.AppendUvarint(s.b, id)
		s.value(v.Elem())
	case reflect.Interface:
		s.any(v)
	default:
		s.err = fmt.Errorf("a %v cannot be saved", v.Type())
	}
}

// Tags of interface values (GeoJSON properties).
const (
	anyNil = iota
	anyString
	anyFloat
	anyBool
	anySlice
	anyMap
	anyInt
)

func (s *stateEnc) any(v reflect.Value) {
	if v.IsNil() {
		s.b = append(s.b, anyNil)
		return
	}
	x := v.Elem()
	switch {
	case x.Type() == reflect.TypeFor[string]():
		s.b = append(s.b, anyString)
	case x.Type() == reflect.TypeFor[float64]():
		s.b = append(s.b, anyFloat)
	case x.Type() == reflect.TypeFor[bool]():
		s.b = append(s.b, anyBool)
	case x.Type() == reflect.TypeFor[[]any]():
		s.b = append(s.b, anySlice)
	case x.Type() == reflect.TypeFor[map[string]any]():
		s.b = append(s.b, anyMap)
	case x.Type() == reflect.TypeFor[int]():
		s.b = append(s.b, anyInt)
	default:
		s.err = fmt.Errorf("a %v in an interface cannot be saved", x.Type())
		return
	}
	s.value(x)
}

// sortStateKeys sorts map keys, so that a state's bytes do not depend on
// map order.
func sortStateKeys(keys []reflect.Value) error {
	if len(keys) == 0 {
		return nil
	}
	switch keys[0].Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.Int(), b.Int()) })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.Uint(), b.Uint()) })
	case reflect.String:
		slices.SortFunc(keys, func(a, b reflect.Value) int { return cmp.Compare(a.String(), b.String()) })
	default:
		return fmt.Errorf("a map keyed by %v cannot be saved", keys[0].Type())
	}
	return nil
}

// stateDec decodes values with a sticky error.
type stateDec struct {
	b     []byte
	off   int
	err   error
	files map[string][]stateField // the file's schema, by type name
	maps  map[reflect.Type][]int  // file field k of a type → its field index
	ptrs  []reflect.Value
	depth int
}

type stateField struct{ name, typ string }

func (d *stateDec) fail(sentinel error, format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
	}
}

func (d *stateDec) uvarint() uint64 { return stateNumber(d, binary.Uvarint) }

func (d *stateDec) varint() int64 { return stateNumber(d, binary.Varint) }

// stateNumber reads a number with read (binary.Uvarint or binary.Varint).
func stateNumber[T uint64 | int64](d *stateDec, read func([]byte) (T, int)) T {
	if d.err != nil {
		return 0
	}
	v, n := read(d.b[d.off:])
	if n <= 0 {
		d.fail(ErrState, "bad number")
		return 0
	}
	d.off += n
	return v
}

func (d *stateDec) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.off {
		d.fail(ErrState, "cut short")
		return nil
	}
	b := d.b[d.off : d.off+n]
	d.off += n
	return b
}

// count reads a count of items, each at least one byte: beyond the bytes
// left it is damage.
func (d *stateDec) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)-d.off) {
		d.fail(ErrState, "count %d beyond the %d bytes left", n, len(d.b)-d.off)
		return 0
	}
	return int(n)
}

func (d *stateDec) string() string { return string(d.bytes(d.count())) }

// schema reads the schema record.
func (d *stateDec) schema() (map[string][]stateField, error) {
	n := d.count()
	files := make(map[string][]stateField, n)
	for range n {
		name := d.string()
		nf := d.count()
		fs := make([]stateField, 0, nf)
		for range nf {
			fs = append(fs, stateField{d.string(), d.string()})
		}
		if d.err != nil {
			break
		}
		if _, ok := files[name]; ok {
			d.fail(ErrState, "type %s twice in the schema", name)
			break
		}
		files[name] = fs
	}
	if d.err == nil && d.off != len(d.b) {
		d.fail(ErrState, "bytes after the schema")
	}
	return files, d.err
}

// fieldMap maps the file's fields of struct type t to t's.
func (d *stateDec) fieldMap(t reflect.Type) []int {
	if m, ok := d.maps[t]; ok {
		return m
	}
	fs, ok := d.files[t.String()]
	if !ok {
		d.fail(ErrStateSchema, "no schema for %s", t)
		return nil
	}
	m := make([]int, len(fs))
	for k, f := range fs {
		sf, ok := t.FieldByName(f.name)
		if !ok || len(sf.Index) != 1 || !stateFieldSaved(t, f.name) {
			d.fail(ErrStateSchema, "%s has no field %s", t, f.name)
			return nil
		}
		if stateTypeName(sf.Type) != f.typ {
			d.fail(ErrStateSchema, "%s.%s is a %s, the state's a %s", t, f.name, sf.Type, f.typ)
			return nil
		}
		m[k] = sf.Index[0]
	}
	d.maps[t] = m
	return m
}

// settable returns v's field i, settable even if unexported (v is
// addressable: every value decoded is made by reflect.New).
func settable(v reflect.Value, i int) reflect.Value {
	f := v.Field(i)
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}

func (d *stateDec) structFields(v reflect.Value) {
	m := d.fieldMap(v.Type())
	for _, i := range m {
		if d.err != nil {
			return
		}
		d.value(settable(v, i))
	}
}

// value decodes into v, which is settable.
func (d *stateDec) value(v reflect.Value) {
	if d.err != nil {
		return
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > stateMaxDepth {
		d.fail(ErrState, "nested too deep")
		return
	}
	if d.stateLoad(v) {
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		b := d.bytes(1)
		if d.err == nil {
			if b[0] > 1 {
				d.fail(ErrState, "bool %d", b[0])
				return
			}
			v.SetBool(b[0] == 1)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x := d.varint()
		if v.OverflowInt(x) {
			d.fail(ErrState, "%d overflows %v", x, v.Type())
			return
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		x := d.uvarint()
		if v.OverflowUint(x) {
			d.fail(ErrState, "%d overflows %v", x, v.Type())
			return
		}
		v.SetUint(x)
	case reflect.Float32:
		if b := d.bytes(4); d.err == nil {
			v.SetFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
		}
	case reflect.Float64:
		if b := d.bytes(8); d.err == nil {
			v.SetFloat(math.Float64frombits(binary.LittleEndian.Uint64(b)))
		}
	case reflect.String:
		v.SetString(d.string())
	case reflect.Array:
		for i := range v.Len() {
			d.value(v.Index(i))
		}
	case reflect.Slice:
		n := d.count()
		if n == 0 || d.err != nil {
			return
		}
		s := reflect.MakeSlice(v.Type(), n-1, n-1)
		for i := range n - 1 {
			d.value(s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		n := d.count()
		if n == 0 || d.err != nil {
			return
		}
		t := v.Type()
		m := reflect.MakeMapWithSize(t, n-1)
		for range n - 1 {
			k := reflect.New(t.Key()).Elem()
			d.value(k)
			x := reflect.New(t.Elem()).Elem()
			d.value(x)
			if d.err != nil {
				return
			}
			m.SetMapIndex(k, x)
		}
		if m.Len() != n-1 {
			d.fail(ErrState, "a key twice in a map")
			return
		}
		v.Set(m)
	case reflect.Struct:
		d.structFields(v)
	case reflect.Pointer:
		id := d.uvarint()
		switch {
		case d.err != nil || id == 0:
		case id <= uint64(len(d.ptrs)):
			p := d.ptrs[id-1]
			if p.Type() != v.Type() {
				d.fail(ErrState, "object %d is a %v, not a %v", id, p.Type(), v.Type())
				return
			}
			v.Set(p)
		case id == uint64(len(d.ptrs))+1:
			p := reflect.New(v.Type().Elem())
			d.ptrs = append(d.ptrs, p)
			d.value(p.Elem())
			v.Set(p)
		default:
			d.fail(ErrState, "object %d before %d", id, len(d.ptrs)+1)
		}
	case reflect.Interface:
		d.any(v)
	default:
		d.fail(ErrStateSchema, "a %v cannot be loaded", v.Type())
	}
}

func (d *stateDec) any(v reflect.Value) {
	tag := d.bytes(1)
	if d.err != nil {
		return
	}
	var t reflect.Type
	switch tag[0] {
	case anyNil:
		return
	case anyString:
		t = reflect.TypeFor[string]()
	case anyFloat:
		t = reflect.TypeFor[float64]()
	case anyBool:
		t = reflect.TypeFor[bool]()
	case anySlice:
		t = reflect.TypeFor[[]any]()
	case anyMap:
		t = reflect.TypeFor[map[string]any]()
	case anyInt:
		t = reflect.TypeFor[int]()
	default:
		d.fail(ErrState, "interface tag %d", tag[0])
		return
	}
	x := reflect.New(t).Elem()
	d.value(x)
	if d.err == nil {
		v.Set(x)
	}
}
