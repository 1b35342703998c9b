package httpapi_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// BenchmarkPicture measures /api/v1/vessels on a live picture of 20,000
// simulated vessels (7 minutes of traffic at the AIS rates, every change
// published as the server does): the full picture, a bbox holding 1% of
// the vessels and an empty bbox, uncompressed and compressed. The clock
// moves one second per request, so every request builds its answer
// (ages change every second); "cached" keeps the clock, as clients
// polling the same picture within a second do. wire-B/op is the size of
// the body on the wire; cpu-ms/op the process's CPU time per request,
// which a machine shared with other work measures better than ns/op. The file uses only the API of httpapi that main
// had before the fast reads, so it runs there too for the comparison
// (README, Performance).
func BenchmarkPicture(b *testing.B) {
	const nVessels = 20_000
	start := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	end := start.Add(7 * time.Minute)
	sim := simulate.New(simulate.Config{Vessels: nVessels}, rand.New(rand.NewPCG(1, 2)))
	pic := fusion.NewPicture(fusion.Config{})
	hub := httpapi.NewHub(1 << 16)
	err := sim.Run(vessel.TimeOf(start), vessel.TimeOf(end), func(o *vessel.Observation) error {
		r := pic.Apply(o)
		if (r.Outcome == fusion.Stored && r.Position.Flags&(vessel.Bad|vessel.FlagLate) == 0) || r.Outcome == fusion.Static {
			if s, ok := pic.Vessel(r.MMSI); ok {
				hub.Publish(bind.Update(&s))
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var pos [][2]float64
	pic.Range(func(s *fusion.State) bool {
		if s.Located {
			pos = append(pos, [2]float64{s.Position.Lat, s.Position.Lon})
		}
		return true
	})
	if len(pos) < nVessels*95/100 {
		b.Fatalf("%d located vessels of %d", len(pos), nVessels)
	}
	slices.SortFunc(pos, func(a, b [2]float64) int {
		if a[0] != b[0] {
			return int(math.Copysign(1, a[0]-b[0]))
		}
		return int(math.Copysign(1, a[1]-b[1]))
	})
	count := func(c [2]float64, h float64) int {
		n := 0
		for _, p := range pos {
			if math.Abs(p[0]-c[0]) <= h && math.Abs(p[1]-c[1]) <= h {
				n++
			}
		}
		return n
	}
	// The box of 1%: around the median vessel, the smallest square (to
	// 0.01°) holding at least 1% of them.
	center := pos[len(pos)/2]
	lo, hi := 0.0, 40.0
	for hi-lo > 0.01 {
		if mid := (lo + hi) / 2; count(center, mid) >= len(pos)/100 {
			hi = mid
		} else {
			lo = mid
		}
	}
	onePct := fmt.Sprintf("%.4f,%.4f,%.4f,%.4f", center[1]-hi, center[0]-hi, center[1]+hi, center[0]+hi)
	const empty = "-130,-50,-125,-45" // the South Pacific
	if n := count([2]float64{-47.5, -127.5}, 2.5); n != 0 {
		b.Fatalf("the empty box holds %d vessels", n)
	}

	var nowMs atomic.Int64
	nowMs.Store(end.UnixMilli())
	api := httpapi.New(httpapi.Config{
		DB: bind.History(fx.db), Picture: bind.Picture(pic), Hub: hub, AllowAnonymousRead: true,
		Registry: prometheus.NewRegistry(), Now: func() time.Time { return time.UnixMilli(nowMs.Load()).UTC() },
	})
	for _, c := range []struct {
		name, query, accept string
		cached              bool
	}{
		{"full/identity", "", "", false},
		{"full/gzip", "", "gzip", false},
		{"full/zstd", "", "zstd", false},
		{"full/gzip-cached", "", "gzip", true},
		{"bbox1pct/identity", "?bbox=" + onePct, "", false},
		{"bbox1pct/gzip", "?bbox=" + onePct, "gzip", false},
		{"bbox-empty/identity", "?bbox=" + empty, "", false},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/api/v1/vessels"+c.query, nil)
			if c.accept != "" {
				req.Header.Set("Accept-Encoding", c.accept)
			}
			// One request untimed: the first bbox query adds the
			// vessels already in the picture to the grid.
			api.ServeHTTP(httptest.NewRecorder(), req)
			benchAnswers(b, api, req, c.cached, &nowMs)
		})
	}
	b.Logf("%d vessels located; the 1%% box %s holds %d", len(pos), onePct, count(center, hi))
}

// benchAnswers times req against api, reporting the bytes of an answer
// (wire-B/op) and the process's CPU a request (cpu-ms/op); unless cached,
// the clock moves a second before each request, so that every answer is
// built anew as on a live node.
func benchAnswers(b *testing.B, api http.Handler, req *http.Request, cached bool, nowMs *atomic.Int64) {
	b.Helper()
	var wire int
	cpu := cpuTime()
	for b.Loop() {
		if !cached {
			nowMs.Add(1000)
		}
		w := httptest.NewRecorder()
		api.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s = %d %s", req.URL, w.Code, w.Body.Bytes())
		}
		wire = w.Body.Len()
	}
	b.ReportMetric(float64(wire), "wire-B/op")
	b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
}
