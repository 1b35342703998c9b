package server

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// BenchmarkLiveRate feeds a real capture (../shared/testdata/ais/bench.nmea.gz,
// decoded beforehand) through a node's pipeline as fast as it takes it,
// in batches of 256 as the inputs hand them, waiting for room in the
// queue rather than dropping, and stops the node (which drains the
// pipeline into the store and the fan-out into event detection). It
// reports the sustained rate (msg/s), the CPU time per message
// (cpu-ns/msg, user and system of the whole process) and the batches the
// pipeline dropped (drops, 0 when the feeder keeps to the queue), and
// with events the positions event detection still held back when the
// node stopped (held: the capture decodes within a second, so its
// positions' times, the arrival time refined by the AIS second field,
// span under a minute, the reorder window, and most are held: detection
// proper is measured by BenchmarkEventStage). Each
// iteration opens a fresh node with the default land mask; "events"
// runs the gfw event engine, "no-events" switches it off, and
// "events-paced" runs it over the capture decoded with an arrival clock
// that advances 2 ms a message (the aggregated feed's own rate, 85,187
// lines in 3 minutes), so that the reorder window moves during the run
// and detection works beside the pipeline as on a live feed, holding
// only the last minute at the stop.
func BenchmarkLiveRate(b *testing.B) {
	file := filepath.Join("..", "..", "..", "shared", "testdata", "ais", "bench.nmea.gz")
	obs := readObservations(b, file)
	paced := pacedObservations(b, file, 2*time.Millisecond)
	for _, mode := range []struct {
		name string
		off  bool
		obs  []vessel.Observation
	}{{"events", false, obs}, {"no-events", true, obs}, {"events-paced", false, paced}} {
		obs := mode.obs
		b.Run(mode.name, func(b *testing.B) {
			var wall time.Duration
			var cpu, msgs, drops, held int64
			for b.Loop() {
				b.StopTimer()
				w, c, d, h := liveRun(b, obs, mode.off)
				b.StartTimer()
				wall += w
				cpu += c
				drops += d
				held += h
				msgs += int64(len(obs))
			}
			b.ReportMetric(float64(msgs)/wall.Seconds(), "msg/s")
			b.ReportMetric(float64(cpu)/float64(msgs), "cpu-ns/msg")
			b.ReportMetric(float64(drops), "drops")
			if !mode.off {
				b.ReportMetric(float64(held)/float64(b.N), "held")
			}
		})
	}
}

// pacedObservations decodes a capture with an arrival clock that starts
// at a fixed time and advances step at each reading.
func pacedObservations(tb testing.TB, path string, step time.Duration) []vessel.Observation {
	at := time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		at = at.Add(step)
		return at
	}
	var obs []vessel.Observation
	_, err := ingest.Observations(context.Background(), path, nil, ingest.ObserveOptions{Now: clock}, func(o *vessel.Observation) error {
		obs = append(obs, *o)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return obs
}

// liveRun runs one node over obs and returns the wall time from the
// first batch to the drained node, the process CPU time over the same
// span, the observations dropped, and the positions event detection
// held back at the end.
func liveRun(b *testing.B, obs []vessel.Observation, eventsOff bool) (time.Duration, int64, int64, int64) {
	dir := b.TempDir()
	cfg := Config{Data: filepath.Join(dir, "data"), Listen: "127.0.0.1:0", Land: "default", Events: Events{Off: eventsOff},
		AllowAnonymousRead: true}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := Open(ctx, Options{Config: cfg, Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	pipe := n.Pipeline()
	poll := time.NewTicker(50 * time.Microsecond)
	defer poll.Stop()
	cpu0 := cpuNanos()
	start := time.Now()
	for i := 0; i < len(obs); i += 256 {
		batch := append([]vessel.Observation(nil), obs[i:min(i+256, len(obs))]...)
		for {
			st := pipe.Stats()
			if st.QueueDepth < st.QueueCap {
				break
			}
			<-poll.C
		}
		pipe.Submit(batch)
	}
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	wall := time.Since(start)
	cpu := cpuNanos() - cpu0
	st := pipe.Stats()
	if st.Applied+st.Dropped != int64(len(obs)) {
		b.Fatalf("applied %d + dropped %d; want %d", st.Applied, st.Dropped, len(obs))
	}
	var held int64
	if n.events != nil {
		held = int64(n.events.det.Engine.Stats().Held)
	}
	return wall, cpu, st.Dropped, held
}
