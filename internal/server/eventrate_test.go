package server

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// benchObservations decodes the bench capture as BenchmarkLiveRate's
// feed does, with one arrival time for every message (the capture
// decodes within a second there; here it is the same every run): the
// positions' times are that time refined by the AIS second field, up to
// a minute earlier and out of order.
func benchObservations(tb testing.TB) []vessel.Observation {
	var obs []vessel.Observation
	at := time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)
	_, err := ingest.Observations(context.Background(), filepath.Join("..", "..", "..", "shared", "testdata", "ais", "bench.nmea.gz"),
		nil, ingest.ObserveOptions{Now: func() time.Time { return at }}, func(o *vessel.Observation) error {
			obs = append(obs, *o)
			return nil
		})
	if err != nil {
		tb.Fatal(err)
	}
	return obs
}

// storedResults runs the bench capture through a picture once and
// returns what event detection is handed: the stored positions and the
// static reports, in order.
func storedResults(b testing.TB, obs []vessel.Observation) ([]vessel.Observation, []fusion.Result) {
	land, err := LoadLand("default")
	if err != nil {
		b.Fatal(err)
	}
	pic := fusion.NewPicture(fusion.Config{Land: land, Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }})
	var os []vessel.Observation
	var rs []fusion.Result
	for i := range obs {
		r := pic.Apply(&obs[i])
		if detectorWants(&obs[i], &r) {
			os = append(os, obs[i])
			rs = append(rs, r)
		}
	}
	return os, rs
}

// BenchmarkEventStage runs the live node's event detection (the gfw
// engine with the node's configuration: one minute of reordering, the
// bundled ports and land) over what the picture stored of the bench
// capture, without the pipeline: the CPU per message event detection
// costs (cpu-ns/msg, per message of the capture). "burst" decodes the
// capture with one arrival time (detection holds nearly every position
// until the flush), "paced" with the arrival clock BenchmarkLiveRate's
// "events" feed uses (2 ms a message: the reorder window moves through
// the positions as on a live feed).
func BenchmarkEventStage(b *testing.B) {
	file := filepath.Join("..", "..", "..", "shared", "testdata", "ais", "bench.nmea.gz")
	land, err := LoadLand("default")
	if err != nil {
		b.Fatal(err)
	}
	ec, err := EventConfig(EventSpec{Reorder: time.Minute}, land)
	if err != nil {
		b.Fatal(err)
	}
	for _, feed := range []struct {
		name string
		obs  func() []vessel.Observation
	}{
		{"burst", func() []vessel.Observation { return benchObservations(b) }},
		{"paced", func() []vessel.Observation { return pacedObservations(b, file, 2*time.Millisecond) }},
	} {
		b.Run(feed.name, func(b *testing.B) {
			obs := feed.obs()
			os, rs := storedResults(b, obs)
			var cpu int64
			events := 0
			for b.Loop() {
				c0 := cpuNanos()
				eng := event.New(ec)
				events = 0
				d := Detector{Engine: eng, Publish: func(evs []event.Event) { events += len(evs) }}
				for i := range os {
					d.Result(&os[i], &rs[i])
				}
				events += len(eng.Flush(d.Newest))
				cpu += cpuNanos() - c0
			}
			b.ReportMetric(float64(cpu)/float64(b.N*len(obs)), "cpu-ns/msg")
			b.ReportMetric(float64(len(os)), "handed")
			b.ReportMetric(float64(events), "event-versions")
		})
	}
}
