package ingest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// fakeClock is an injected Now and Sleep: sleeping advances the clock at
// once.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func TestReplayMatchesFile(t *testing.T) {
	for _, tc := range []struct {
		file   string
		format ingest.Format
	}{
		{dmaStream, ingest.FormatNMEA},
		{amsaGzip, ingest.FormatNMEA},
		{dmaCSV, ingest.FormatCSV},
	} {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			name := "replay:" + filepath.Base(tc.file)
			ref, fst := reference(t, tc.file, name)
			col := newCollector()
			r, err := ingest.NewReplay(ingest.ReplayConfig{
				InputOptions: ingest.InputOptions{Name: name, Sink: col.sink, Now: fixedNow, Overflow: ingest.Block, BatchSize: 100},
				File:         tc.file,
			})
			if err != nil {
				t.Fatal(err)
			}
			// Speed 0, no loop: Run returns at the end of the file.
			if err := r.Run(context.Background()); err != nil {
				t.Fatalf("Run = %v", err)
			}
			got := col.all()
			sameObservations(t, got, ref, 1)
			for i := range min(len(got), len(ref)) {
				if got[i] != ref[i] {
					t.Errorf("observation %d = %+v; want %+v (order)", i, got[i], ref[i])
					break
				}
			}
			st := r.Stats()
			if st.Format != tc.format || st.Passes != 1 || st.Observations != fst.Observations || st.Messages != fst.Messages {
				t.Errorf("stats %+v; want format %v, 1 pass, %d observations, %d messages", st, tc.format, fst.Observations, fst.Messages)
			}
			for class, v := range fst.Rejected {
				if st.Rejected[class] != v {
					t.Errorf("rejected %s = %d; want %d", class, st.Rejected[class], v)
				}
			}
			if st.Queue.Delivered != fst.Observations || st.Queue.Dropped != 0 || col.batches < len(ref)/100 {
				t.Errorf("queue %+v, %d batches", st.Queue, col.batches)
			}
			noLeaks(t)
		})
	}
}

// paced returns the first time and the span of the observations that a
// replay paces (those with a time other than their arrival).
func paced(obs []vessel.Observation) (first vessel.Time, span time.Duration) {
	var last vessel.Time
	for i := range obs {
		if obs[i].TimeSource == vessel.TimeArrival {
			continue
		}
		if first == 0 {
			first = obs[i].Time()
		}
		last = max(last, obs[i].Time())
	}
	return first, time.Duration(last-first) * time.Millisecond
}

func TestReplayPacing(t *testing.T) {
	ref, _ := reference(t, dmaStream, "pace")
	first, span := paced(ref)
	if span < time.Second {
		t.Fatalf("the capture spans %v: too short to test pacing", span)
	}
	for _, speed := range []float64{0, 1, 60} {
		for _, shift := range []bool{false, true} {
			clock := &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
			start := clock.now
			var mu sync.Mutex
			var got []vessel.Observation
			var seenAt []time.Time // the clock when each observation reached the sink
			sink := func(b []vessel.Observation) {
				now := clock.Now()
				mu.Lock()
				for range b {
					seenAt = append(seenAt, now)
				}
				got = append(got, b...)
				mu.Unlock()
			}
			r, err := ingest.NewReplay(ingest.ReplayConfig{
				InputOptions: ingest.InputOptions{Name: "pace", Sink: sink, Now: clock.Now, Sleep: clock.Sleep, Overflow: ingest.Block},
				File:         dmaStream,
				Speed:        speed,
				ShiftToNow:   shift,
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			elapsed := clock.Now().Sub(start)
			var sum time.Duration
			for _, d := range clock.sleeps {
				sum += d
			}
			want := time.Duration(0)
			if speed > 0 {
				want = time.Duration(float64(span) / speed)
			}
			if elapsed != sum || elapsed > want || elapsed < want-10*time.Millisecond {
				t.Errorf("speed %v: replay took %v of fake time (slept %v in %d sleeps); want %v", speed, elapsed, sum, len(clock.sleeps), want)
			}
			if len(got) != len(ref) {
				t.Fatalf("speed %v: %d observations; want %d", speed, len(got), len(ref))
			}
			for i := range got {
				o, w := got[i], ref[i]
				if w.TimeSource == vessel.TimeArrival {
					if o != w {
						t.Fatalf("speed %v: unpaced observation %d = %+v; want %+v", speed, i, o, w)
					}
					continue
				}
				// Each paced report is due at start + (t - first)/speed; it
				// never reaches the sink before then (less the shortest pause).
				offset := time.Duration(w.Time()-first) * time.Millisecond
				if speed > 0 {
					offset = time.Duration(float64(offset) / speed)
				}
				due := start.Add(offset)
				if speed > 0 && seenAt[i].Before(due.Add(-10*time.Millisecond)) {
					t.Fatalf("speed %v: observation %d reached the sink at %v, before it was due at %v", speed, i, seenAt[i], due)
				}
				wantTime := w.Time()
				if shift {
					wantTime = vessel.TimeOf(due)
				}
				if shift && speed == 0 {
					// As fast as it goes: the pass lands as history
					// ending now, never in the future.
					wantTime = vessel.TimeOf(due.Add(-span))
					if wantTime > vessel.TimeOf(start) {
						t.Fatalf("speed 0: observation %d stamped %v, after now %v", i, wantTime, start)
					}
				}
				if o.Time() != wantTime {
					t.Fatalf("speed %v shift %v: observation %d at %v; want %v", speed, shift, i, o.Time(), wantTime)
				}
				o.Position.Time, o.Static.Time = w.Position.Time, w.Static.Time
				if o != w {
					t.Fatalf("observation %d = %+v; want %+v", i, o, w)
				}
			}
		}
	}
	noLeaks(t)
}

func TestReplayLoopShiftToNow(t *testing.T) {
	ref, _ := reference(t, dmaCSV, "loop")
	n := len(ref)
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := &fakeClock{now: start}
	// The sink takes three passes, then stalls; Block makes the replay
	// wait instead of dropping.
	var mu sync.Mutex
	var got []vessel.Observation
	full := make(chan struct{})
	stall := make(chan struct{})
	future := 0
	sink := func(b []vessel.Observation) {
		mu.Lock()
		got = append(got, b...)
		for i := range b {
			// the clock only moves forward: what was in the future when
			// emitted is still in the future now
			if b[i].Time() > vessel.TimeOf(clock.Now()) {
				future++
			}
		}
		enough := len(got) >= 3*n
		mu.Unlock()
		if enough {
			select {
			case <-full:
			default:
				close(full)
			}
			<-stall
		}
	}
	r, err := ingest.NewReplay(ingest.ReplayConfig{
		InputOptions: ingest.InputOptions{Name: "loop", Sink: sink, Now: clock.Now, Sleep: clock.Sleep, Overflow: ingest.Block},
		File:         dmaCSV,
		Loop:         true,
		ShiftToNow:   true,
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, r)
	<-full
	close(stall)
	if err := stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
	noLeaks(t)
	mu.Lock()
	defer mu.Unlock()
	if st := r.Stats(); st.Passes < 3 {
		t.Errorf("passes %d; want at least 3", st.Passes)
	}
	var prevLast vessel.Time
	for pass := range 3 {
		obs := got[pass*n : (pass+1)*n]
		lo, hi := obs[0].Time(), obs[0].Time()
		for i := range obs {
			lo, hi = min(lo, obs[i].Time()), max(hi, obs[i].Time())
			// Shifted by one offset per pass: relative times kept.
			if d, w := obs[i].Time()-obs[0].Time(), ref[i].Time()-ref[0].Time(); d != w {
				t.Fatalf("pass %d, observation %d: %v after the first; want %v", pass, i, d, w)
			}
		}
		if pass == 0 && hi != vessel.TimeOf(start) {
			// At speed 0 the first pass lands as history ending now.
			t.Errorf("first pass ends at %v; want the start, %v", hi, start)
		}
		if lo <= prevLast {
			t.Errorf("pass %d starts at %v, not after the previous pass's last time %v", pass, lo, prevLast)
		}
		prevLast = hi
	}
	if future != 0 {
		t.Errorf("%d observations stamped in the future when delivered", future)
	}
}

func TestReplayErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.nmea")
	os.WriteFile(empty, []byte("# nothing here\n"), 0o644)
	notAIS := filepath.Join(dir, "words.txt")
	os.WriteFile(notAIS, []byte("hello\nworld\n"), 0o644)
	sink := func([]vessel.Observation) {}
	for _, tc := range []struct {
		file string
		loop bool
		want error
	}{
		{filepath.Join(dir, "missing.nmea"), false, os.ErrNotExist},
		{notAIS, false, ingest.ErrFormat},
		{empty, true, ingest.ErrEmptyReplay},
		{empty, false, nil},
	} {
		r, err := ingest.NewReplay(ingest.ReplayConfig{InputOptions: ingest.InputOptions{Sink: sink}, File: tc.file, Loop: tc.loop})
		if err != nil {
			t.Fatal(err)
		}
		err = r.Run(context.Background())
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("Run(%s, loop %v) = %v; want %v", filepath.Base(tc.file), tc.loop, err, tc.want)
		}
	}
	if _, err := ingest.NewReplay(ingest.ReplayConfig{InputOptions: ingest.InputOptions{Sink: sink}, File: empty, Speed: -1}); err == nil {
		t.Error("negative speed: no error")
	}
	noLeaks(t)
}
