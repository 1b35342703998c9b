package contact

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// bruteForce returns the least total cost of assigning rows to distinct
// columns or leaving them unassigned, by trying every assignment.
func bruteForce(n, m int, cost func(i, j int) float64, miss []float64) float64 {
	used := make([]bool, m)
	var rec func(i int) float64
	rec = func(i int) float64 {
		if i == n {
			return 0
		}
		best := miss[i] + rec(i+1)
		for j := range m {
			if used[j] || cost(i, j) >= forbidden {
				continue
			}
			used[j] = true
			best = min(best, cost(i, j)+rec(i+1))
			used[j] = false
		}
		return best
	}
	return rec(0)
}

func TestSolverOptimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var s solver
	for trial := range 2000 {
		n, m := 1+rng.IntN(6), rng.IntN(7)
		costs := make([]float64, n*m)
		for i := range costs {
			if rng.Float64() < 0.3 {
				costs[i] = forbidden
			} else {
				costs[i] = rng.Float64()*20 - 4 // stickiness makes costs negative
			}
		}
		miss := make([]float64, n)
		for i := range miss {
			miss[i] = 5 + rng.Float64()*10
		}
		cost := func(i, j int) float64 { return costs[i*m+j] }
		out := s.solve(n, m, cost, miss, nil)
		got := 0.0
		seen := map[int]bool{}
		for i, j := range out {
			if j < 0 {
				got += miss[i]
				continue
			}
			if seen[j] {
				t.Fatalf("trial %d: column %d assigned twice: %v", trial, j, out)
			}
			seen[j] = true
			if cost(i, j) >= forbidden {
				t.Fatalf("trial %d: row %d assigned to forbidden column %d", trial, i, j)
			}
			got += cost(i, j)
		}
		if want := bruteForce(n, m, cost, miss); math.Abs(got-want) > 1e-9 {
			t.Fatalf("trial %d (%d×%d): cost %v; want optimum %v (assignment %v)", trial, n, m, got, want, out)
		}
	}
}

// TestAssignGlobal is the case a greedy assignment gets wrong: detection
// 0 is a little closer to vessel A than detection 1 is, but detection 1
// has no other candidate, so the best whole answer gives A to detection 1
// and B to detection 0.
func TestAssignGlobal(t *testing.T) {
	a := New(Config{}, nil)
	a.rows = []row{
		{miss: 13.8, edges: []Candidate{{MMSI: 1, Cost: 1}, {MMSI: 2, Cost: 2}}},
		{miss: 13.8, edges: []Candidate{{MMSI: 1, Cost: 1.5}}},
		{miss: 13.8, edges: []Candidate{{MMSI: 3, Cost: 20}}}, // outside the miss cost: stays unassociated
	}
	a.assign()
	want := []vessel.MMSI{2, 1, 0}
	for i, w := range want {
		var got vessel.MMSI
		if j := a.choice[i]; j >= 0 {
			got = a.rows[i].edges[j].MMSI
		}
		if got != w {
			t.Errorf("row %d: assigned %v; want %v", i, got, w)
		}
	}
}

func TestMahalanobis(t *testing.T) {
	tests := []struct {
		name string
		c    cov
		x, y float64
		want float64
	}{
		{"isotropic", iso(10), 30, 40, 25},
		{"along north, offset along", axes(0, 100, 10), 0, 100, 1},
		{"along north, offset across", axes(0, 100, 10), 10, 0, 1},
		{"along east, offset across", axes(90, 100, 10), 0, 20, 4},
		{"degenerate", cov{}, 1, 1, math.Inf(1)},
	}
	for _, tt := range tests {
		if got := tt.c.d2(tt.x, tt.y); math.Abs(got-tt.want) > 1e-9 && !(math.IsInf(got, 1) && math.IsInf(tt.want, 1)) {
			t.Errorf("%s: d2(%v, %v) = %v; want %v", tt.name, tt.x, tt.y, got, tt.want)
		}
	}
}

// TestSARShiftDirection pins the sign of the azimuth shift: a ship moving
// towards a right-looking satellite appears ahead of it along track, one
// moving away behind it, one moving along track not at all.
func TestSARShiftDirection(t *testing.T) {
	a := New(Config{}, nil)
	tests := []struct {
		name         string
		heading      float64 // satellite ground track
		vx, vy       float64 // ship velocity, m/s east and north
		wantX, wantY float64 // expected shift, metres east and north
	}{
		{"north-bound pass, ship steaming west (towards)", 0, -5, 0, 0, 500},
		{"north-bound pass, ship steaming east (away)", 0, 5, 0, 0, -500},
		{"north-bound pass, ship steaming north (along track)", 0, 0, 5, 0, 0},
		{"south-bound pass, ship steaming east (towards)", 180, 5, 0, 0, -500},
	}
	for _, tt := range tests {
		g := a.geometry(Pass{SAR: true, HeadingDeg: tt.heading, HasHeading: true})
		x, y, _ := g.shift(0, 0, tt.vx, tt.vy, iso(10))
		if math.Abs(x-tt.wantX) > 1e-6 || math.Abs(y-tt.wantY) > 1e-6 {
			t.Errorf("%s: shift (%.1f, %.1f); want (%.1f, %.1f)", tt.name, x, y, tt.wantX, tt.wantY)
		}
	}
	if g := a.geometry(Pass{SAR: true}); g.heading != 348 {
		t.Errorf("default heading %v; want 348 (ascending sun-synchronous)", g.heading)
	}
}
