package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// EventLog keeps the events a node detected: every version is appended to
// a JSON Lines file in the data directory (events.jsonl), and the latest
// version of the most recent events is held in memory for the API. On
// open the file is read back; an incomplete last line (a crash while
// writing) is cut off.
type EventLog struct {
	mu     sync.RWMutex
	f      *os.File
	w      *bufio.Writer
	byID   map[string]int // index into list
	list   []event.Event
	max    int
	Broken int // lines skipped as unreadable on open
}

// OpenEventLog opens (creating) the log at path, keeping at most max
// events in memory (default 100,000).
func OpenEventLog(path string, max int) (*EventLog, error) {
	if max <= 0 {
		max = 100_000
	}
	l := &EventLog{byID: map[string]int{}, max: max}
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	good := 0
	for len(data[good:]) > 0 {
		rest := data[good:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break // torn last line: cut below
		}
		var ev event.Event
		if err := json.Unmarshal(rest[:i], &ev); err != nil {
			l.Broken++
		} else {
			l.put(ev)
		}
		good += i + 1
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(int64(good)); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(int64(good), 0); err != nil {
		f.Close()
		return nil, err
	}
	l.f, l.w = f, bufio.NewWriter(f)
	return l, nil
}

func (l *EventLog) put(ev event.Event) {
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

// Add records new events or new versions.
func (l *EventLog) Add(evs []event.Event) error {
	if len(evs) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("server: event log: %w", err)
		}
		l.w.Write(b)
		l.w.WriteByte('\n')
		l.put(ev)
	}
	return nil
}

// Version returns the latest version held of an event, and whether the
// event is held in memory at all.
func (l *EventLog) Version(id string) (int, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	i, ok := l.byID[id]
	if !ok {
		return 0, false
	}
	return l.list[i].Version, true
}

// Sync writes buffered events to the file and syncs it.
func (l *EventLog) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.w.Flush(); err != nil {
		return err
	}
	return l.f.Sync()
}

// Close syncs and closes the file.
func (l *EventLog) Close() error {
	err := l.Sync()
	if err2 := l.f.Close(); err == nil {
		err = err2
	}
	return err
}

// Events implements httpapi.EventSource.
func (l *EventLog) Events(q httpapi.EventQuery) []event.Event {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []event.Event
	for i := len(l.list) - 1; i >= 0 && (q.Limit <= 0 || len(out) < q.Limit); i-- {
		ev := &l.list[i]
		if ev.Retracted || !matches(ev, &q) {
			continue
		}
		out = append(out, *ev)
	}
	slices.SortStableFunc(out, func(a, b event.Event) int {
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

func matches(ev *event.Event, q *httpapi.EventQuery) bool {
	if len(q.Types) > 0 && !slices.Contains(q.Types, ev.Type) {
		return false
	}
	if q.MMSI != 0 && !slices.Contains(ev.Vessels, q.MMSI) {
		return false
	}
	if q.OpenOnly && ev.End != 0 {
		return false
	}
	end := ev.End
	if end == 0 {
		end = vessel.Time(1<<62 - 1)
	}
	if ev.Start > q.To || end < q.From {
		return false
	}
	if q.BBox != nil && !q.BBox.Contains(geo.Point{Lat: ev.Lat, Lon: ev.Lon}) {
		return false
	}
	return true
}

// anchoragesFile is the learned anchorages' file in the data directory
// (event.MarshalAnchorages format).
const anchoragesFile = "anchorages.bin"

// loadAnchorages reads the anchorages learned by earlier runs; none when
// the file does not exist.
func loadAnchorages(dir string) ([]event.Anchorage, error) {
	b, err := os.ReadFile(filepath.Join(dir, anchoragesFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	as, err := event.UnmarshalAnchorages(b)
	if err != nil {
		return nil, fmt.Errorf("server: %s (delete it to learn again): %w", filepath.Join(dir, anchoragesFile), err)
	}
	return as, nil
}

// saveAnchorages replaces the learned anchorages' file atomically: a
// temporary file, synced, renamed over it, and the directory synced.
func saveAnchorages(dir string, as []event.Anchorage) error {
	path := filepath.Join(dir, anchoragesFile)
	f, err := os.CreateTemp(dir, anchoragesFile+".tmp*")
	if err != nil {
		return err
	}
	_, err = f.Write(event.MarshalAnchorages(as))
	if err == nil {
		err = f.Sync()
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("server: save %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("server: save %s: sync directory: %w", path, err)
		}
	}
	return nil
}
