package policy_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// spec is a random policy for one partner, kept alongside its JSON so an
// independent oracle can judge what Partner decides.
type spec struct {
	include, exclude []randArea
	inMMSI, exMMSI   []vessel.MMSI
	inFlags, exFlags []string
	inTypes, exTypes []int // expanded: every listed type
	inCls, exCls     []string
	typesJSON        [2][]any // as written in the file
	shareUnknown     bool     // unknown_type: "share"
	precision        float64
}

type randArea struct {
	rect *geo.Rect
	mp   geo.MultiPolygon
}

func (a randArea) contains(p geo.Point) bool {
	if a.rect != nil {
		return a.rect.Contains(p)
	}
	return a.mp.Contains(p) // not the index the policy uses
}

func (a randArea) json() map[string]any {
	if a.rect != nil {
		r := a.rect
		return map[string]any{"bbox": []float64{r.MinLon, r.MinLat, r.MaxLon, r.MaxLat}}
	}
	var rings [][][2]float64
	var ring [][2]float64
	for _, p := range a.mp[0].Outer {
		ring = append(ring, [2]float64{p.Lon, p.Lat})
	}
	rings = append(rings, ring)
	return map[string]any{"geometry": map[string]any{"type": "Polygon", "coordinates": rings}}
}

// The world of the property test: a box of the Indian Ocean.
const (
	wLat0, wLat1 = -10.0, 30.0
	wLon0, wLon1 = 55.0, 100.0
)

var (
	flagPool = []string{"IN", "JP", "PA", "LR", "CN", "LK", "MH"}
	mmsiPool = []vessel.MMSI{419000001, 419555000, 431000777, 351234000, 636012345, 412000999, 417000123, 538000111, 111419001, 994191234, 970123456, 4190001}
	clsPool  = []string{"ship", "sar_aircraft", "aid_to_navigation", "coast", "sart", "group"}
	catPool  = []string{"cargo", "tanker", "fishing", "military", "law_enforcement", "sar", "unknown", "passenger"}
)

func newRandArea(r *rand.Rand) randArea {
	lat := wLat0 + r.Float64()*(wLat1-wLat0)
	lon := wLon0 + r.Float64()*(wLon1-wLon0)
	w, h := 1+r.Float64()*20, 1+r.Float64()*15
	if r.IntN(2) == 0 {
		return randArea{rect: &geo.Rect{MinLat: lat, MinLon: lon, MaxLat: min(90, lat+h), MaxLon: min(180, lon+w)}}
	}
	// A triangle or a concave quadrilateral.
	ring := geo.Ring{{Lat: lat, Lon: lon}, {Lat: lat, Lon: lon + w}, {Lat: lat + h, Lon: lon + w/2}}
	if r.IntN(2) == 0 {
		ring = append(ring, geo.Point{Lat: lat + h/3, Lon: lon + w/2})
	}
	ring = append(ring, ring[0])
	return randArea{mp: geo.MultiPolygon{{Outer: ring}}}
}

func pick[T any](r *rand.Rand, pool []T, n int) []T {
	var out []T
	for range n {
		x := pool[r.IntN(len(pool))]
		out = append(out, x)
	}
	return out
}

func randTypes(r *rand.Rand) ([]any, []int) {
	var js []any
	set := map[int]bool{}
	for range 1 + r.IntN(3) {
		switch r.IntN(3) {
		case 0:
			t := r.IntN(100)
			js = append(js, t)
			set[t] = true
		case 1:
			lo := r.IntN(90)
			hi := lo + r.IntN(10)
			js = append(js, fmt.Sprintf("%d-%d", lo, hi))
			for t := lo; t <= hi; t++ {
				set[t] = true
			}
		default:
			c := catPool[r.IntN(len(catPool))]
			js = append(js, c)
			cat, _ := vessel.ParseCategory(c)
			for t := range 256 {
				if vessel.ShipCategory(uint8(t)) == cat {
					set[t] = true
				}
			}
		}
	}
	var ts []int
	for t := range set {
		ts = append(ts, t)
	}
	return js, ts
}

func randSpec(r *rand.Rand) spec {
	var s spec
	for range r.IntN(3) {
		s.include = append(s.include, newRandArea(r))
	}
	for range r.IntN(3) {
		s.exclude = append(s.exclude, newRandArea(r))
	}
	if r.IntN(4) == 0 {
		s.inMMSI = pick(r, mmsiPool, 1+r.IntN(6))
	}
	if r.IntN(2) == 0 {
		s.exMMSI = pick(r, mmsiPool, 1+r.IntN(3))
	}
	if r.IntN(3) == 0 {
		s.inFlags = pick(r, flagPool, 1+r.IntN(5))
	}
	if r.IntN(3) == 0 {
		s.exFlags = pick(r, flagPool, 1+r.IntN(2))
	}
	if r.IntN(3) == 0 {
		s.typesJSON[0], s.inTypes = randTypes(r)
	}
	if r.IntN(2) == 0 {
		s.typesJSON[1], s.exTypes = randTypes(r)
	}
	s.shareUnknown = r.IntN(2) == 0
	if r.IntN(4) == 0 {
		s.inCls = pick(r, clsPool, 1+r.IntN(3))
	}
	if r.IntN(3) == 0 {
		s.exCls = pick(r, clsPool, 1+r.IntN(2))
	}
	if r.IntN(2) == 0 {
		s.precision = []float64{1, 100, 1000, 5000, 20000, 100000}[r.IntN(6)]
	}
	return s
}

func (s *spec) file() []byte {
	areas := map[string]any{}
	var inc, exc []string
	for i, a := range s.include {
		n := fmt.Sprintf("in%d", i)
		areas[n], inc = a.json(), append(inc, n)
	}
	for i, a := range s.exclude {
		n := fmt.Sprintf("ex%d", i)
		areas[n], exc = a.json(), append(exc, n)
	}
	block := func(mmsi []vessel.MMSI, flags []string, types []any, cls []string) map[string]any {
		b := map[string]any{}
		if mmsi != nil {
			b["mmsi"] = mmsi
		}
		if flags != nil {
			b["flags"] = flags
		}
		if types != nil {
			b["ship_types"] = types
		}
		if cls != nil {
			b["classes"] = cls
		}
		if len(b) == 0 {
			return nil
		}
		return b
	}
	pt := map[string]any{"share": map[string]any{"positions": true, "events": []string{"all"}}, "precision_m": s.precision}
	if inc != nil {
		pt["include_areas"] = inc
	}
	if exc != nil {
		pt["exclude_areas"] = exc
	}
	if b := block(s.inMMSI, s.inFlags, s.typesJSON[0], s.inCls); b != nil {
		pt["include_vessels"] = b
	}
	if b := block(s.exMMSI, s.exFlags, s.typesJSON[1], s.exCls); b != nil {
		pt["exclude_vessels"] = b
	}
	if s.shareUnknown {
		pt["unknown_type"] = "share"
	}
	f := map[string]any{"version": 1, "node": "A", "areas": areas, "partners": map[string]any{"B": pt}}
	b, err := json.Marshal(f)
	if err != nil {
		panic(err)
	}
	return b
}

// vesselOK is the oracle for the vessel rules, written from the package
// documentation.
func (s *spec) vesselOK(v policy.Vessel) bool {
	t := v.ShipType
	if t < 0 || t > 255 {
		t = 0
	}
	var flags []string
	if v.Flag != "" {
		flags = append(flags, v.Flag)
	}
	if c, ok := v.MMSI.Flag(); ok {
		flags = append(flags, c.Code)
	}
	cls := v.MMSI.Class().String()
	if slices.Contains(s.exMMSI, v.MMSI) || slices.Contains(s.exTypes, t) || slices.Contains(s.exCls, cls) {
		return false
	}
	for _, f := range flags {
		if slices.Contains(s.exFlags, f) {
			return false
		}
	}
	if s.inMMSI != nil && !slices.Contains(s.inMMSI, v.MMSI) {
		return false
	}
	if s.inTypes != nil && !slices.Contains(s.inTypes, t) {
		return false
	}
	if s.inCls != nil && !slices.Contains(s.inCls, cls) {
		return false
	}
	if s.inFlags != nil {
		if len(flags) == 0 {
			return false
		}
		for _, f := range flags {
			if !slices.Contains(s.inFlags, f) {
				return false
			}
		}
	}
	// A vessel of unknown type waits for its type when types are
	// excluded, unless the policy shares them.
	if t == 0 && s.exTypes != nil && !s.shareUnknown {
		return false
	}
	return true
}

func (s *spec) placeOK(p geo.Point) bool {
	if len(s.include) > 0 && !slices.ContainsFunc(s.include, func(a randArea) bool { return a.contains(p) }) {
		return false
	}
	return !slices.ContainsFunc(s.exclude, func(a randArea) bool { return a.contains(p) })
}

func randVessel(r *rand.Rand) policy.Vessel {
	v := policy.Vessel{MMSI: mmsiPool[r.IntN(len(mmsiPool))]}
	switch r.IntN(4) {
	case 0: // unknown type
	case 1:
		v.ShipType = []int{30, 35, 51, 55, 70, 84, 60}[r.IntN(7)]
	default:
		v.ShipType = r.IntN(100)
	}
	switch r.IntN(3) {
	case 0:
		if c, ok := v.MMSI.Flag(); ok {
			v.Flag = c.Code
		}
	case 1:
		v.Flag = flagPool[r.IntN(len(flagPool))]
	}
	return v
}

// TestPropertyNothingMore: for random policies, vessels and positions,
// every position and event allowed satisfies the rules (inside an include
// area, outside the exclude areas, as sent and as it was; the vessel
// passes; rounded within the bound; no source), by an oracle that does
// not share the package's code, and everything the oracle allows is
// allowed (no over-denial either).
func TestPropertyNothingMore(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var allowed, denied, evAllowed, evDenied, evidenceDropped int
	for range 300 {
		s := randSpec(r)
		p, err := policy.Parse(s.file())
		if err != nil {
			t.Fatalf("random policy rejected: %v\n%s", err, s.file())
		}
		b := p.Partner("B")
		for range 200 {
			v := randVessel(r)
			at := geo.Point{Lat: wLat0 + r.Float64()*(wLat1-wLat0), Lon: wLon0 + r.Float64()*(wLon1-wLon0)}
			in := vessel.Position{MMSI: v.MMSI, Time: 1e12, Lat: at.Lat, Lon: at.Lon, Source: "rx"}
			out, _, d := b.Position(in, v, "", 0)
			sent := geo.Point{Lat: out.Lat, Lon: out.Lon}
			rl, rn := b.Round(at.Lat, at.Lon)
			want := s.vesselOK(v) && s.placeOK(at) && s.placeOK(geo.Point{Lat: rl, Lon: rn})
			if d.Allow != want {
				t.Fatalf("policy %s\nvessel %+v at %v: %+v; oracle says %v", s.file(), v, at, d, want)
			}
			if !d.Allow {
				denied++
				continue
			}
			allowed++
			if !s.placeOK(sent) || out.Source != "" || out.MMSI != v.MMSI {
				t.Fatalf("sent %+v breaks the rules", out)
			}
			if dist := geo.Distance(at, sent); dist > s.precision*math.Sqrt2/2*1.001 {
				t.Fatalf("moved %v m with precision %v", dist, s.precision)
			}
			if a, b2 := b.Round(sent.Lat, sent.Lon); a != sent.Lat || b2 != sent.Lon {
				t.Fatalf("sent %v not on the grid", sent)
			}
		}
		// Encounters with random evidence.
		for range 50 {
			v1, v2 := randVessel(r), randVessel(r)
			if v1.MMSI == v2.MMSI {
				continue
			}
			c := geo.Point{Lat: wLat0 + r.Float64()*(wLat1-wLat0), Lon: wLon0 + r.Float64()*(wLon1-wLon0)}
			ev := event.Event{ID: "x", Type: event.Encounter, Lat: c.Lat, Lon: c.Lon, Vessels: []vessel.MMSI{v1.MMSI, v2.MMSI}, Zone: "z"}
			for range 6 {
				m := []vessel.MMSI{v1.MMSI, v2.MMSI, mmsiPool[r.IntN(len(mmsiPool))]}[r.IntN(3)]
				ev.Evidence = append(ev.Evidence, vessel.Position{MMSI: m, Lat: c.Lat + r.NormFloat64()*3, Lon: c.Lon + r.NormFloat64()*3, Source: "rx"})
			}
			vs := []policy.Vessel{v1, v2}
			out, _, d := b.Event(ev, vs, "", 0)
			rl, rn := b.Round(c.Lat, c.Lon)
			want := s.vesselOK(v1) && s.vesselOK(v2) && s.placeOK(c) && s.placeOK(geo.Point{Lat: rl, Lon: rn})
			if d.Allow != want {
				t.Fatalf("policy %s\nevent %+v: %+v; oracle says %v", s.file(), ev, d, want)
			}
			if !d.Allow {
				evDenied++
				continue
			}
			evAllowed++
			if !s.placeOK(geo.Point{Lat: out.Lat, Lon: out.Lon}) || out.Zone != "" {
				t.Fatalf("event sent %+v breaks the rules", out)
			}
			kept := 0
			for _, e := range ev.Evidence {
				w := vs[0]
				if e.MMSI == v2.MMSI {
					w = v2
				} else if e.MMSI != v1.MMSI {
					w = policy.Vessel{MMSI: e.MMSI}
				}
				erl, ern := b.Round(e.Lat, e.Lon)
				if s.vesselOK(w) && s.placeOK(geo.Point{Lat: e.Lat, Lon: e.Lon}) && s.placeOK(geo.Point{Lat: erl, Lon: ern}) {
					kept++
				}
			}
			if kept != len(out.Evidence) {
				t.Fatalf("evidence: %d kept; oracle keeps %d", len(out.Evidence), kept)
			}
			evidenceDropped += len(ev.Evidence) - kept
			for _, e := range out.Evidence {
				w := policy.Vessel{MMSI: e.MMSI}
				for _, x := range vs {
					if x.MMSI == e.MMSI {
						w = x
					}
				}
				if !s.vesselOK(w) || !s.placeOK(geo.Point{Lat: e.Lat, Lon: e.Lon}) || e.Source != "" {
					t.Fatalf("evidence %+v breaks the rules", e)
				}
			}
		}
	}
	t.Logf("positions: %d allowed, %d denied; events: %d allowed, %d denied; %d evidence positions dropped", allowed, denied, evAllowed, evDenied, evidenceDropped)
	if allowed < 1000 || denied < 1000 || evAllowed < 100 || evDenied < 100 || evidenceDropped < 50 {
		t.Error("the random cases do not exercise both outcomes enough")
	}
}
