package server

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestEventsStateFile: event detection's part of a snapshot round-trips
// (entry, zones marker, newest report, the engine's state, which loads
// into a new engine and goes on as the saved one), and a damaged one is
// ErrEventsState, never a panic.
func TestEventsStateFile(t *testing.T) {
	cfg := event.Config{Reorder: time.Minute}
	e := event.New(cfg)
	t0 := vessel.Time(1_700_000_000_000)
	for i := range 50 {
		e.Observe(vessel.Position{MMSI: 211000001, Time: t0 + vessel.Time(i)*10_000, Lat: 54, Lon: 10 + float64(i)*1e-3,
			SOG: vessel.SpeedKnots(8), COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus})
	}
	st, err := e.AppendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := eventsState{seq: 42, markerSeq: 7, newest: t0 + 490_000, engine: st}
	b := encodeEventsState(want)
	got, err := decodeEventsState(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.seq != want.seq || got.markerSeq != want.markerSeq || got.newest != want.newest || !bytes.Equal(got.engine, want.engine) {
		t.Fatalf("decoded %d %d %d (%d bytes); want %d %d %d (%d bytes)", got.seq, got.markerSeq, got.newest, len(got.engine), want.seq, want.markerSeq, want.newest, len(want.engine))
	}
	l := &liveEvents{det: Detector{Engine: event.New(cfg)}}
	if err := l.loadState(got); err != nil {
		t.Fatal(err)
	}
	if l.markerSeq != 7 || l.det.Newest != want.newest || l.det.Engine.Stats().Held != e.Stats().Held || e.Stats().Held == 0 {
		t.Errorf("loaded marker %d newest %d held %d; want 7 %d %d (>0)", l.markerSeq, l.det.Newest, l.det.Engine.Stats().Held, want.newest, e.Stats().Held)
	}
	end := t0 + 3*3600_000
	if a, b := e.Flush(end), l.det.Engine.Flush(end); len(a) != len(b) {
		t.Errorf("the loaded engine flushes %d events, the saved one %d", len(b), len(a))
	}
	sa, _ := e.AppendState(nil)
	sb, _ := l.det.Engine.AppendState(nil)
	if !bytes.Equal(sa, sb) || bytes.Equal(sa, st) {
		t.Errorf("after the same flush the loaded engine's state (%d bytes) differs from the saved one's (%d)", len(sb), len(sa))
	}
	for _, bad := range [][]byte{nil, b[:10], b[:len(b)-1], append(slices.Clone(b), 0), func() []byte { c := slices.Clone(b); c[30] ^= 1; return c }()} {
		if _, err := decodeEventsState(bad); !errors.Is(err, ErrEventsState) {
			t.Errorf("decodeEventsState(%d bytes) = %v; want ErrEventsState", len(bad), err)
		}
	}
}
