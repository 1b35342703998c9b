package event

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Filter selects events: the API's GET /api/v1/events and the event log's
// Events use it.
type Filter struct {
	Types    []string    // event types; empty: all
	MMSI     vessel.MMSI // 0: any vessel
	From, To vessel.Time // events overlapping [From, To]; an open event lasts until now
	BBox     *geo.Rect   // events whose position is inside; nil: anywhere
	OpenOnly bool        // only events still open
	Limit    int
}

// Match reports whether f selects ev (Limit aside).
func (f *Filter) Match(ev *Event) bool {
	if len(f.Types) > 0 && !slices.Contains(f.Types, ev.Type) {
		return false
	}
	if f.MMSI != 0 && !slices.Contains(ev.Vessels, f.MMSI) {
		return false
	}
	if f.OpenOnly && ev.End != 0 {
		return false
	}
	end := ev.End
	if end == 0 {
		end = vessel.Time(1<<62 - 1)
	}
	if ev.Start > f.To || end < f.From {
		return false
	}
	if f.BBox != nil && !f.BBox.Contains(geo.Point{Lat: ev.Lat, Lon: ev.Lon}) {
		return false
	}
	return true
}

// LogVersion is the version of the event log's file format that this
// package writes. Version 1 starts with a header line,
// {"tidewatch":"events","version":1}, and then holds one event (one
// version of it, Event's JSON) per line. Version 0, written before the
// header existed, is the same without the header line; it is still
// read (and appended to as it is).
const LogVersion = 1

// logHeader is the first line of a versioned event log.
type logHeader struct {
	Tidewatch string `json:"tidewatch"`
	Version   int    `json:"version"`
}

// ErrLogVersion: the event log's file was written by a newer format
// version than this package reads.
var ErrLogVersion = errors.New("event: unsupported event log version")

// Log keeps the events a node detected: every version is appended to a
// JSON Lines file (events.jsonl in the data directory), and the latest
// version of the most recent events is held in memory for the API. On
// open the file is read back; an incomplete last line (a crash while
// writing) is cut off and a line that does not parse is skipped and
// counted (Broken).
//
// Log is safe for concurrent use.
type Log struct {
	mu      sync.RWMutex
	f       record.File
	w       *bufio.Writer
	byID    map[string]int // index into list
	list    []Event
	max     int
	version int // of the file: 0 (no header) or LogVersion
	closed  bool
	Broken  int // lines skipped as unreadable on open
}

// OpenLog opens (creating) the log at path, keeping at most max events in
// memory (default 100,000). A new file gets the header of LogVersion.
func OpenLog(path string, max int) (*Log, error) {
	return OpenLogFS(record.OSFS{}, path, max)
}

// OpenLogFS is OpenLog on the file system fsys (record.MemFS in the crash
// tests). A new file's directory entry is synced before the log is used,
// so that the events a Sync made durable survive a crash with the file.
func OpenLogFS(fsys record.FS, path string, max int) (*Log, error) {
	if max <= 0 {
		max = 100_000
	}
	l := &Log{byID: map[string]int{}, max: max, version: LogVersion}
	data, err := record.ReadFile(fsys, path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("event: open log: %w", err)
	}
	good, err := l.load(path, data)
	if err != nil {
		return nil, err
	}
	f, err := fsys.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, fmt.Errorf("event: open log: %w", err)
	}
	if !exists {
		if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, fmt.Errorf("event: open log: %w", err)
		}
	}
	if err := f.Truncate(int64(good)); err != nil {
		f.Close()
		return nil, fmt.Errorf("event: open log: %w", err)
	}
	if _, err := f.Seek(int64(good), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("event: open log: %w", err)
	}
	l.f, l.w = f, bufio.NewWriter(f)
	if good == 0 {
		b, _ := json.Marshal(logHeader{Tidewatch: "events", Version: LogVersion})
		l.w.Write(append(b, '\n'))
	}
	return l, nil
}

// load reads the complete lines of data and returns the length of them.
func (l *Log) load(path string, data []byte) (int, error) {
	good := 0
	first := true
	for len(data[good:]) > 0 {
		rest := data[good:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break // torn last line: cut by the caller
		}
		line := rest[:i]
		good += i + 1
		if first {
			first = false
			var h logHeader
			if json.Unmarshal(line, &h) == nil && h.Tidewatch == "events" {
				if h.Version < 1 || h.Version > LogVersion {
					return 0, fmt.Errorf("%w: %s is version %d; this build reads up to %d", ErrLogVersion, path, h.Version, LogVersion)
				}
				l.version = h.Version
				continue
			}
			l.version = 0 // written before the header existed
		}
		var ev Event
		if err := json.Unmarshal(line, &ev); err != nil {
			l.Broken++
		} else {
			l.put(ev)
		}
	}
	if good == 0 {
		l.version = LogVersion
	}
	return good, nil
}

// FileVersion returns the format version of the log's file: LogVersion,
// or 0 for a file written before versions.
func (l *Log) FileVersion() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.version
}

func (l *Log) put(ev Event) {
	if i, ok := l.byID[ev.ID]; ok {
		if ev.Version >= l.list[i].Version {
			l.list[i] = ev
		}
		return
	}
	if len(l.list) >= l.max {
		// Forget the oldest half: the file keeps them.
		drop := len(l.list) / 2
		for _, old := range l.list[:drop] {
			delete(l.byID, old.ID)
		}
		l.list = append(l.list[:0], l.list[drop:]...)
		for i, e := range l.list {
			l.byID[e.ID] = i
		}
	}
	l.byID[ev.ID] = len(l.list)
	l.list = append(l.list, ev)
}

// Add records new events or new versions; Sync makes them durable.
func (l *Log) Add(evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("event: log: %w", err)
		}
		l.w.Write(b)
		l.w.WriteByte('\n')
		l.put(ev)
	}
	return nil
}

// Version returns the latest version held of an event, and whether the
// event is held in memory at all.
func (l *Log) Version(id string) (int, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	i, ok := l.byID[id]
	if !ok {
		return 0, false
	}
	return l.list[i].Version, true
}

// Sync writes buffered events to the file and syncs it.
func (l *Log) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.syncLocked()
}

func (l *Log) syncLocked() error {
	if l.closed {
		return nil
	}
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("event: log: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("event: log: %w", err)
	}
	return nil
}

// Close syncs and closes the file. Closing again does nothing.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	err := l.syncLocked()
	l.closed = true
	if err2 := l.f.Close(); err == nil && err2 != nil {
		err = fmt.Errorf("event: log: %w", err2)
	}
	return err
}

// Events returns the latest version of each event f selects, newest
// start first, at most f.Limit (all when 0). Retracted events are left
// out.
func (l *Log) Events(f Filter) []Event {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []Event
	for i := len(l.list) - 1; i >= 0 && (f.Limit <= 0 || len(out) < f.Limit); i-- {
		ev := &l.list[i]
		if ev.Retracted || !f.Match(ev) {
			continue
		}
		out = append(out, *ev)
	}
	slices.SortStableFunc(out, func(a, b Event) int {
		switch {
		case a.Start > b.Start:
			return -1
		case a.Start < b.Start:
			return 1
		}
		return 0
	})
	return out
}

// LoadAnchorages reads the anchorages learned by earlier runs from the
// file at path (MarshalAnchorages format); none when the file does not
// exist. A corrupt file is an error wrapping ErrAnchorages.
func LoadAnchorages(path string) ([]Anchorage, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("event: anchorages: %w", err)
	}
	as, err := UnmarshalAnchorages(b)
	if err != nil {
		return nil, fmt.Errorf("event: %s (delete it to learn again): %w", path, err)
	}
	return as, nil
}

// SaveAnchorages replaces the learned anchorages' file at path
// atomically (record.WriteFileAtomic: a temporary file, synced, renamed
// over it, and the directory synced).
func SaveAnchorages(path string, as []Anchorage) error {
	if err := record.WriteFileAtomic(record.OSFS{}, path, MarshalAnchorages(as), 0o640); err != nil {
		return fmt.Errorf("event: save anchorages: %w", err)
	}
	return nil
}
