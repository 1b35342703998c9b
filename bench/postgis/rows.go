package main

import (
	"errors"
	"math/rand/v2"
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
