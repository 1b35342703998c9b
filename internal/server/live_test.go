package server

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestLiveEventsMatchBatch replays a file through a live node (a Replay
// input, the bounded queues, the pipeline, fusion, the event engine on the
// pipeline goroutine, the event log) and detects events on the same file
// in one batch pass; both must find the same events.
func TestLiveEventsMatchBatch(t *testing.T) {
	dir := t.TempDir()
	// Eight hours of 120 simulated vessels with GNSS jumps (teleports),
	// written as a track CSV, and zones round some early positions.
	file, zonesFile, rows := simulatedTraffic(t, dir, 120, 8)

	// Live: a node replaying the file as fast as the pipeline takes it.
	// Its clock is far after the data, so only the reports move the
	// engine's clock, as in the batch pass.
	data := filepath.Join(dir, "data")
	cfg := Config{Data: data, Listen: "127.0.0.1:0", Land: "none", Events: Events{Zones: zonesFile, Reorder: "1m"}, AllowAnonymousRead: true,
		Inputs: []Input{{Type: "replay", File: file, Speed: 0}}}
	node := startNode(t, Options{Config: cfg, Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }})
	base := node.base
	// The replay ends on its own; wait until the pipeline has applied
	// every row (one observation each), then stop the node: the pipeline
	// drains and the event log is synced first.
	waitFor(t, 60*time.Second, "the pipeline to apply the whole file", func() bool {
		return metric(t, base, "tidewatch_pipeline_applied_total") >= float64(rows)
	})
	node.stop(t)
	live := finalEvents(t, filepath.Join(data, "events.jsonl"))

	// Batch: the same file through ingest, fusion and an engine.
	zf, _ := os.Open(zonesFile)
	zfeat, err := geo.ReadGeoJSON(zf)
	zf.Close()
	if err != nil {
		t.Fatal(err)
	}
	eng := event.New(event.Config{Preset: event.PresetGFW, Ports: event.DefaultPorts(), Zones: event.ZonesFromGeoJSON(zfeat), Reorder: time.Minute})
	pic := fusion.NewPicture(fusion.Config{})
	batch := map[string]event.Event{}
	keep := func(evs []event.Event) {
		for _, ev := range evs {
			if old, ok := batch[ev.ID]; !ok || ev.Version >= old.Version {
				batch[ev.ID] = ev
			}
		}
	}
	_, err = ingest.Observations(context.Background(), file, nil, ingest.ObserveOptions{}, func(o *vessel.Observation) error {
		if r := pic.Apply(o); r.Outcome == fusion.Stored {
			keep(eng.Observe(r.Position))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	keep(eng.Flush(0)) // as the node does when it stops
	for id, ev := range batch {
		if ev.Retracted {
			delete(batch, id)
		}
	}
	for id, ev := range live {
		if ev.Retracted {
			delete(live, id)
		}
	}
	types := map[string]int{}
	for _, ev := range batch {
		types[ev.Type]++
	}
	t.Logf("%d rows; batch found %d events %v; live %d", rows, len(batch), types, len(live))
	if len(batch) < 10 || len(types) < 2 {
		t.Fatalf("the data makes too few events to compare: %v", types)
	}
	for id, b := range batch {
		l, ok := live[id]
		if !ok {
			t.Errorf("batch event %s (%s) missing live", id, b.Type)
			continue
		}
		if l.Start != b.Start || l.End != b.End || !slices.Equal(l.Vessels, b.Vessels) || l.Zone != b.Zone {
			t.Errorf("event %s: live %v-%v %v %q, batch %v-%v %v %q", id, l.Start, l.End, l.Vessels, l.Zone, b.Start, b.End, b.Vessels, b.Zone)
		}
	}
	for id, l := range live {
		if _, ok := batch[id]; !ok {
			t.Errorf("live event %s (%s) not found in batch", id, l.Type)
		}
	}
}

// simulatedTraffic writes hours of simulated traffic of n vessels with
// GNSS jumps (teleports) as a track CSV in dir, and a zones file with
// boxes round some early positions (ships leave and enter them); it
// returns both files and the CSV's rows.
func simulatedTraffic(t *testing.T, dir string, n, hours int) (string, string, int) {
	t.Helper()
	sim := simulate.New(simulate.Config{Vessels: n, Rate: 0.2, Noise: simulate.Noise{Jump: 0.002}}, rand.New(rand.NewPCG(5, 5)))
	file := filepath.Join(dir, "traffic.csv.gz")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	w := bufio.NewWriter(zw)
	fmt.Fprintln(w, "mmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type")
	start := vessel.TimeOf(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	var first []geo.Point
	rows := 0
	sim.Run(start, start+vessel.Time(hours)*3600_000, func(o *vessel.Observation) error {
		if o.Kind != vessel.KindPosition || !o.Position.HasPosition() {
			return nil
		}
		p := &o.Position
		sog, cog := "", ""
		if v, ok := p.SOG.Knots(); ok {
			sog = fmt.Sprint(v)
		}
		if v, ok := p.COG.Degrees(); ok {
			cog = fmt.Sprint(v)
		}
		fmt.Fprintf(w, "%d,%s,%.6f,%.6f,%s,%s,,,,\n", p.MMSI, time.UnixMilli(int64(p.Time)).UTC().Format(time.RFC3339), p.Lat, p.Lon, sog, cog)
		if len(first) < 30 && rows%50 == 0 {
			first = append(first, geo.Point{Lat: p.Lat, Lon: p.Lon})
		}
		rows++
		return nil
	})
	w.Flush()
	zw.Close()
	f.Close()
	zonesFile := filepath.Join(dir, "zones.geojson")
	var feats []string
	for i, c := range first {
		d := 0.05
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","properties":{"name":"z%d"},"geometry":{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}}`,
			i, c.Lon-d, c.Lat-d, c.Lon+d, c.Lat-d, c.Lon+d, c.Lat+d, c.Lon-d, c.Lat+d, c.Lon-d, c.Lat-d))
	}
	os.WriteFile(zonesFile, []byte(`{"type":"FeatureCollection","features":[`+joinComma(feats)+`]}`), 0o600)
	return file, zonesFile, rows
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func finalEvents(t *testing.T, path string) map[string]event.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]event.Event{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		if first && strings.HasPrefix(sc.Text(), `{"tidewatch":"events"`) {
			continue // the file's version header (event.LogVersion)
		}
		var ev event.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		if old, ok := out[ev.ID]; !ok || ev.Version >= old.Version {
			out[ev.ID] = ev
		}
	}
	return out
}

// metric reads one value from the node's /metrics (name with its labels,
// as exposed); it fails the test when the metric is absent.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	v, ok := metricOK(t, base, name)
	if !ok {
		t.Fatalf("%s not in /metrics", name)
	}
	return v
}

// metricOK is metric, reporting whether the metric is there (a counter
// with labels appears with its first count).
func metricOK(t *testing.T, base, name string) (float64, bool) {
	t.Helper()
	resp, err := apiClient(t).Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %q", name, v)
			}
			return f, true
		}
	}
	return 0, false
}
