package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func readObservations(t testing.TB, path string) []vessel.Observation {
	t.Helper()
	var obs []vessel.Observation
	_, err := ingest.Observations(context.Background(), path, nil, ingest.ObserveOptions{}, func(o *vessel.Observation) error {
		obs = append(obs, *o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

// TestPipelineDrains: everything submitted before Stop is recorded and
// committed when Run returns; nothing after Stop is accepted.
func TestPipelineDrains(t *testing.T) {
	obs := readObservations(t, aistest.Path("raw/dma-stream-example.nmea"))
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	p := NewPipeline(fusion.NewPicture(fusion.Config{}), db, PipelineOptions{QueueBatches: 1 << 16,
		OnResult: func(o *vessel.Observation, r *fusion.Result) {
			if r.Outcome == fusion.Stored || r.Outcome == fusion.Station && r.Position.HasPosition() {
				stored++
			}
		}})
	done := make(chan error)
	go func() { done <- p.Run(context.Background()) }()
	for i := 0; i < len(obs); i += 7 {
		batch := append([]vessel.Observation(nil), obs[i:min(i+7, len(obs))]...)
		if !p.Submit(batch) {
			t.Fatal("queue full")
		}
	}
	p.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if p.Submit([]vessel.Observation{obs[0]}) {
		t.Error("Submit after Stop accepted")
	}
	st := p.Stats()
	if st.Applied != int64(len(obs)) || st.Dropped != 1 {
		t.Errorf("stats %+v; want %d applied, 1 dropped", st, len(obs))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, _ = store.Open(dir, store.Options{ReadOnly: true})
	defer db.Close()
	if got := db.Stats().Positions; got != int64(stored) || stored == 0 {
		t.Errorf("store holds %d positions after the drain; the picture stored %d", got, stored)
	}
}

// TestPipelineNeverBlocks: with nobody draining, Submit drops and counts
// instead of blocking the input.
func TestPipelineNeverBlocks(t *testing.T) {
	db, err := store.Open(t.TempDir(), store.Options{Sync: store.SyncNone})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := NewPipeline(fusion.NewPicture(fusion.Config{}), db, PipelineOptions{QueueBatches: 4})
	batch := []vessel.Observation{{Kind: vessel.KindPosition}}
	accepted := 0
	for i := 0; i < 100; i++ {
		if p.Submit(batch) {
			accepted++
		}
	}
	if st := p.Stats(); accepted != 4 || st.Dropped != 96 || st.QueueDepth != 4 {
		t.Errorf("accepted %d, stats %+v; want 4 accepted, 96 dropped", accepted, st)
	}
}

// TestPipelineApplyIsDurable: Apply returns once its batch is committed,
// with a commit interval far too long to have committed it otherwise; Do
// runs on the pipeline goroutine between batches; both refuse after Stop.
func TestPipelineApplyIsDurable(t *testing.T) {
	obs := readObservations(t, aistest.Path("raw/dma-stream-example.nmea"))
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inFn := false
	recording := false
	p := NewPipeline(fusion.NewPicture(fusion.Config{}), db, PipelineOptions{CommitInterval: time.Hour,
		OnResult: func(o *vessel.Observation, r *fusion.Result) {
			recording = true
			if inFn {
				t.Error("OnResult ran while a Do function ran")
			}
		}})
	done := make(chan error)
	go func() { done <- p.Run(context.Background()) }()
	ctx := context.Background()
	if err := p.Apply(ctx, obs[:len(obs)/2]); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.LastCommit.Unix() <= 0 || st.Applied != int64(len(obs)/2) {
		t.Fatalf("Apply returned before its batch was recorded and committed: %+v", st)
	}
	ran := false
	if err := p.Do(ctx, func() { inFn = true; ran = recording; inFn = false }); err != nil {
		t.Fatal(err)
	}
	if !ran {
		t.Error("Do ran before the batch queued ahead of it")
	}
	p.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(ctx, obs[len(obs)/2:]); !errors.Is(err, ErrStopped) {
		t.Errorf("Apply after Stop: %v, want ErrStopped", err)
	}
	if err := p.Do(ctx, func() {}); !errors.Is(err, ErrStopped) {
		t.Errorf("Do after Stop: %v, want ErrStopped", err)
	}
}
