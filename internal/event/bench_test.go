package event_test

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// benchData is a day of simulated traffic: the positions, their armoured
// AIS payloads, the same as NMEA text, and 1,000 zones along the traffic.
type benchData struct {
	positions []vessel.Position
	payloads  [][]byte
	fills     []int
	nmea      []byte
	zones     []event.Zone
}

var benchSet = sync.OnceValues(func() (*benchData, error) {
	land, err := geo.DefaultLand()
	if err != nil {
		return nil, err
	}
	sim := simulate.New(simulate.Config{Vessels: 2000, Rate: 0.1, Land: land}, rand.New(rand.NewPCG(5, 5)))
	d := &benchData{}
	from := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var pr ais.PositionReport
	var buf []byte
	n := 0
	err = sim.Run(vessel.TimeOf(from), vessel.TimeOf(from.Add(24*time.Hour)), func(o *vessel.Observation) error {
		if o.Kind != vessel.KindPosition || !o.Position.HasPosition() {
			return nil
		}
		p := o.Position
		d.positions = append(d.positions, p)
		pr = ais.PositionReport{Header: ais.Header{Type: 1, MMSI: uint32(p.MMSI)}, Status: ais.NavStatus(p.Status),
			Speed: ais.Speed(p.SOG), Lon: ais.Lon(math.Round(p.Lon * 600000)), Lat: ais.Lat(math.Round(p.Lat * 600000)),
			Course: ais.Course(p.COG), Heading: ais.Heading(p.Heading), Second: ais.Second(p.Time.Std().Second())}
		payload, fill, err := ais.AppendPayload(nil, &pr)
		if err != nil {
			return err
		}
		d.payloads, d.fills = append(d.payloads, payload), append(d.fills, fill)
		n++
		if buf, err = ais.AppendNMEA(buf[:0], &pr, ais.NMEAOptions{Channel: "AB"[n&1], Time: p.Time.Std()}); err != nil {
			return err
		}
		d.nmea = append(d.nmea, buf...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// 1,000 zones of 2 to 20 km, centred on positions spread over the day
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 1000 {
		p := d.positions[rng.IntN(len(d.positions))]
		d.zones = append(d.zones, square("z"+string(rune('A'+i%26)), geo.Point{Lat: p.Lat, Lon: p.Lon}, 1e3+rng.Float64()*9e3))
	}
	return d, nil
})

// BenchmarkDetect runs every detector, with 1,000 zones, the bundled
// 64,078 ports and anchorages and the land mask, over a simulated day of
// 2,000 vessels at a tenth of the AIS rates (856,449 positions), and in the same loop decodes
// the same positions two ways: the armoured AIS payloads alone
// (ais.Decoder) and the NMEA text through ingest.Decode (framing,
// checksums, tag blocks, decode). It reports positions per second of each
// and the ratios. Run on one core:
//
//	go test -run '^$' -bench BenchmarkDetect -benchtime 3x -cpu 1 ./internal/event
func BenchmarkDetect(b *testing.B) {
	d, err := benchSet()
	if err != nil {
		b.Fatal(err)
	}
	land := testLand(b)
	ports := event.DefaultPorts()
	cfg := event.Config{Zones: d.zones, Ports: ports, Land: land}
	var tDetect, tPayload, tNMEA time.Duration
	events := 0
	var dec ais.Decoder
	for b.Loop() {
		start := time.Now()
		for i, pl := range d.payloads {
			if _, err := dec.Decode(pl, d.fills[i]); err != nil {
				b.Fatal(err)
			}
		}
		tPayload += time.Since(start)

		start = time.Now()
		nm := 0
		if _, err := ingest.Decode(context.Background(), bytes.NewReader(d.nmea), ingest.Options{}, func(ingest.Decoded) error { nm++; return nil }); err != nil {
			b.Fatal(err)
		}
		tNMEA += time.Since(start)
		if nm != len(d.positions) {
			b.Fatalf("ingest decoded %d messages of %d", nm, len(d.positions))
		}

		start = time.Now()
		e := event.New(cfg)
		events = 0
		for _, p := range d.positions {
			events += len(e.Observe(p))
		}
		events += len(e.Flush(d.positions[len(d.positions)-1].Time))
		tDetect += time.Since(start)
	}
	n := float64(len(d.positions) * b.N)
	b.ReportMetric(n/tDetect.Seconds(), "detect-pos/s")
	b.ReportMetric(n/tPayload.Seconds(), "payload-decode-pos/s")
	b.ReportMetric(n/tNMEA.Seconds(), "nmea-decode-pos/s")
	b.ReportMetric(tDetect.Seconds()/tPayload.Seconds(), "detect/payload-decode")
	b.ReportMetric(tDetect.Seconds()/tNMEA.Seconds(), "detect/nmea-decode")
	b.ReportMetric(float64(len(d.positions)), "positions")
	b.ReportMetric(float64(events), "event-versions")
}
