package server

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestSlimQueueSameEvents: event detection behind the fan-out's slim
// queue (the node's: its own goroutine, items keeping only the position
// or the changed static) publishes byte for byte the events an engine
// handed the picture's full results on the pipeline goroutine publishes,
// in the same order, on the real NOAA day (100,000 positions of 10,631
// vessels, with their static reports) and the Auckland track (two days
// of the Hauraki Gulf). The engine is the node's (gfw, one minute of
// reordering, the bundled ports and land).
func TestSlimQueueSameEvents(t *testing.T) {
	land, err := LoadLand("default")
	if err != nil {
		t.Fatal(err)
	}
	ec, err := EventConfig(EventSpec{Reorder: time.Minute}, land)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{
		filepath.Join("..", "..", "testdata", "tracks", "noaa_us_coast_20220103.csv.gz"),
		filepath.Join("..", "..", "..", "shared", "testdata", "tracks", "auckland_hauraki_20170907_09.csv.gz"),
	} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var obs []vessel.Observation
			if _, err := ingest.Observations(context.Background(), file, nil, ingest.ObserveOptions{}, func(o *vessel.Observation) error {
				obs = append(obs, *o)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			now := func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }

			// Direct: the full results, on this goroutine.
			pic := fusion.NewPicture(fusion.Config{Land: land, Now: now})
			var want []event.Event
			direct := Detector{Engine: event.New(ec), Publish: func(evs []event.Event) { want = append(want, evs...) }}
			statics := 0
			for i := range obs {
				r := pic.Apply(&obs[i])
				if detectorWants(&obs[i], &r) {
					direct.Result(&obs[i], &r)
					if r.Outcome == fusion.Static {
						statics++
					}
				}
			}
			want = append(want, direct.Engine.Flush(0)...)

			// Queued: the same results through a Fanout's slim queue, in
			// batches, with a small queue that blocks.
			pic = fusion.NewPicture(fusion.Config{Land: land, Now: now})
			var got []event.Event
			var mu sync.Mutex
			queued := &Detector{Engine: event.New(ec), Publish: func(evs []event.Event) {
				mu.Lock()
				got = append(got, evs...)
				mu.Unlock()
			}}
			var fan Fanout
			fan.Subscribe("events", queued, SubscribeOptions{Queue: 4, Batch: 64, Overflow: Block, Want: detectorWants, Slim: true, SkipEvents: true})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- fan.Run(ctx) }()
			for i := range obs {
				r := pic.Apply(&obs[i])
				fan.Result(&obs[i], &r)
				if i%256 == 255 {
					fan.Flush()
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			got = append(got, queued.Engine.Flush(0)...)
			if st := fan.Stats()[0]; st.Dropped != 0 || st.Blocked == 0 {
				t.Errorf("queue stats %+v: want nothing dropped, and the small queue full at times", st)
			}

			if len(want) < 20 || statics == 0 {
				t.Fatalf("%d events, %d changed statics: the file should have some", len(want), statics)
			}
			if len(got) != len(want) {
				t.Fatalf("queued detection published %d event versions; direct %d", len(got), len(want))
			}
			for i := range want {
				a, _ := json.Marshal(want[i])
				b, _ := json.Marshal(got[i])
				if string(a) != string(b) {
					t.Fatalf("event version %d differs:\nqueued %s\ndirect %s", i, b, a)
				}
			}
			types := map[string]int{}
			for _, ev := range want {
				types[ev.Type]++
			}
			t.Logf("%d observations, %d changed statics, %d event versions (%v), the same", len(obs), statics, len(want), types)
		})
	}
}

// slimRecorder keeps what a Slim subscriber may read of each result.
type slimRecorder struct {
	got []slimSeen
}

type slimSeen struct {
	kind    vessel.Kind
	outcome fusion.Outcome
	mmsi    vessel.MMSI
	time    vessel.Time
	pos     vessel.Position
	static  vessel.Static
}

func seen(o *vessel.Observation, r *fusion.Result) slimSeen {
	s := slimSeen{kind: o.Kind, outcome: r.Outcome, mmsi: r.MMSI, time: r.Time, pos: r.Position}
	if r.Outcome == fusion.Static {
		s.static = o.Static
	}
	return s
}

func (s *slimRecorder) Result(o *vessel.Observation, r *fusion.Result) {
	s.got = append(s.got, seen(o, r))
}
func (s *slimRecorder) Events([]event.Event) {}
func (s *slimRecorder) Commit()              {}

// TestSlimQueueKeeps: a Slim subscriber sees of every result the fields
// Slim promises (the outcome, the position with its MMSI and time, the
// observation's kind, and the static report of a fusion.Static outcome)
// as the picture gave them, on the real NOAA day.
func TestSlimQueueKeeps(t *testing.T) {
	var obs []vessel.Observation
	if _, err := ingest.Observations(context.Background(), filepath.Join("..", "..", "testdata", "tracks", "noaa_us_coast_20220103.csv.gz"),
		nil, ingest.ObserveOptions{}, func(o *vessel.Observation) error {
			obs = append(obs, *o)
			return nil
		}); err != nil {
		t.Fatal(err)
	}
	pic := fusion.NewPicture(fusion.Config{})
	rec := &slimRecorder{}
	var fan Fanout
	fan.Subscribe("slim", rec, SubscribeOptions{Queue: 8, Batch: 100, Overflow: Block, Slim: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fan.Run(ctx) }()
	var want []slimSeen
	for i := range obs {
		r := pic.Apply(&obs[i])
		if r.Outcome == fusion.Stored || r.Outcome == fusion.Static {
			want = append(want, seen(&obs[i], &r))
		}
		fan.Result(&obs[i], &r)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	j, statics := 0, 0
	for _, g := range rec.got {
		if g.outcome != fusion.Stored && g.outcome != fusion.Static {
			continue
		}
		if j >= len(want) || g != want[j] {
			t.Fatalf("result %d: got %+v; want %+v", j, g, want[min(j, len(want)-1)])
		}
		if g.outcome == fusion.Static && g.static.Has != 0 {
			statics++
		}
		j++
	}
	if j != len(want) || statics == 0 {
		t.Fatalf("%d of %d results seen, %d statics with fields", j, len(want), statics)
	}
}
