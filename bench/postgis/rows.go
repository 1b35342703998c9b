package main

import (
	"cmp"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// row is one stored position, as every backend receives it.
type row struct {
	MMSI     vessel.MMSI
	T        vessel.Time
	Lat, Lon float64
	SOG      float32 // knots; NaN when not available
	COG      float32 // degrees; NaN when not available
	Heading  int16   // degrees; -1 when not available
	Status   int16   // AIS navigational status (15: not defined)
}

// benchStart is the first instant of the simulated traffic.
var benchStart = vessel.TimeOf(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))

var errEnough = errors.New("enough positions")

// generate simulates vessels at rate times the AIS rates until it has n
// positions.
func generate(n, vessels int, rate float64, seed uint64) ([]row, error) {
	sim := simulate.New(simulate.Config{Vessels: vessels, Rate: rate}, rand.New(rand.NewPCG(seed, 0)))
	rows := make([]row, 0, n)
	err := sim.Run(benchStart, benchStart+vessel.Time(365*24*time.Hour/time.Millisecond), func(o *vessel.Observation) error {
		if o.Kind != vessel.KindPosition || !o.Position.HasPosition() {
			return nil
		}
		p := &o.Position
		r := row{MMSI: p.MMSI, T: p.Time, Lat: p.Lat, Lon: p.Lon, Heading: -1, Status: int16(p.Status)}
		r.SOG, r.COG = nan32, nan32
		if kn, ok := p.SOG.Knots(); ok {
			r.SOG = float32(kn)
		}
		if c, ok := p.COG.Degrees(); ok {
			r.COG = float32(c)
		}
		if h, ok := p.Heading.Degrees(); ok {
			r.Heading = int16(h)
		}
		rows = append(rows, r)
		if len(rows) == n {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	return rows, nil
}

var nan32 = float32NaN()

func float32NaN() float32 {
	var z float32
	return z / z
}

// nearQuery asks for every vessel within Radius metres of (Lat, Lon) in
// [From, To), with its closest report.
type nearQuery struct {
	Lat, Lon float64
	Radius   float64
	From, To vessel.Time
}

// trackQuery asks for one vessel's reports in [From, To).
type trackQuery struct {
	MMSI     vessel.MMSI
	From, To vessel.Time
}

// nearQueries draws n queries round positions of the data (so that they
// find traffic, as a user's do): 10 km, the hour centred on the report.
func nearQueries(rng *rand.Rand, rows []row, n int) []nearQuery {
	qs := make([]nearQuery, n)
	for i := range qs {
		r := rows[rng.IntN(len(rows))]
		qs[i] = nearQuery{Lat: r.Lat, Lon: r.Lon, Radius: 10_000, From: r.T - 1800_000, To: r.T + 1800_000}
	}
	return qs
}

// trackQueries draws n queries for vessels of the data: the UTC day of a
// random report.
func trackQueries(rng *rand.Rand, rows []row, n int) []trackQuery {
	const day = 24 * 3600_000
	qs := make([]trackQuery, n)
	for i := range qs {
		r := rows[rng.IntN(len(rows))]
		from := r.T - r.T%day
		qs[i] = trackQuery{MMSI: r.MMSI, From: from, To: from + day}
	}
	return qs
}

// busyQueries draws n queries over the busiest places of the data: the
// cells of 0.1° and one hour with the most distinct vessels (ports,
// straits, anchorages), 10 km round the mean position of the cell's
// reports, over the hour round its middle. They find many vessels each,
// where nearQueries find about one.
func busyQueries(rng *rand.Rand, rows []row, n int) []nearQuery {
	type key struct {
		lat, lon int32
		hour     int64
	}
	type cell struct {
		vessels        int
		reports        int
		sumLat, sumLon float64
		key            key
	}
	type seen struct {
		k key
		m vessel.MMSI
	}
	cells := map[key]*cell{}
	heard := map[seen]bool{}
	for i := range rows {
		r := &rows[i]
		k := key{int32(math.Floor(r.Lat * 10)), int32(math.Floor(r.Lon * 10)), int64(r.T) / 3600_000}
		c := cells[k]
		if c == nil {
			c = &cell{key: k}
			cells[k] = c
		}
		if s := (seen{k, r.MMSI}); !heard[s] {
			heard[s] = true
			c.vessels++
		}
		c.reports++
		c.sumLat += r.Lat
		c.sumLon += r.Lon
	}
	all := make([]*cell, 0, len(cells))
	for _, c := range cells {
		all = append(all, c)
	}
	slices.SortFunc(all, func(a, b *cell) int {
		if c := cmp.Compare(b.vessels, a.vessels); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.key.hour, b.key.hour), cmp.Compare(a.key.lat, b.key.lat), cmp.Compare(a.key.lon, b.key.lon))
	})
	top := all[:min(len(all), 2*n)]
	qs := make([]nearQuery, n)
	for i := range qs {
		c := top[rng.IntN(len(top))]
		mid := vessel.Time(c.key.hour*3600_000 + 1800_000)
		qs[i] = nearQuery{Lat: c.sumLat / float64(c.reports), Lon: c.sumLon / float64(c.reports), Radius: 10_000, From: mid - 1800_000, To: mid + 1800_000}
	}
	return qs
}

// emptyQueries draws n queries at random points of the open ocean (the
// South Pacific, far from any port of the simulation) at random hours of
// the data: they find nothing, and measure what an empty answer costs.
func emptyQueries(rng *rand.Rand, rows []row, n int) []nearQuery {
	first, last := rows[0].T, rows[len(rows)-1].T
	qs := make([]nearQuery, n)
	for i := range qs {
		t := first + vessel.Time(rng.Int64N(int64(last-first)+1))
		qs[i] = nearQuery{Lat: -50 + rng.Float64()*10, Lon: -140 + rng.Float64()*20, Radius: 10_000, From: t - 1800_000, To: t + 1800_000}
	}
	return qs
}
