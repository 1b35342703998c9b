package policy_test

import (
	"testing"

	"github.com/tidewatch/tidewatch/internal/policy"
)

// BenchmarkPosition: one decision for a position, with the example
// policy's three areas (an include polygon of 15 vertices, an exclude
// box and an exclude multipolygon) and vessel lists. JP-JCG shares exact
// positions; LK-MRCC rounds them to 1 km and includes by type.
func BenchmarkPosition(b *testing.B) {
	p := loadExample(b)
	for _, name := range []string{"JP-JCG", "LK-MRCC"} {
		b.Run(name, func(b *testing.B) {
			pt := p.Partner(name)
			in := pos(tankerLR, offColombo)
			allowed := 0
			for b.Loop() {
				if _, _, d := pt.Position(in, tankerLR, "", 0); d.Allow {
					allowed++
				}
			}
			if allowed == 0 {
				b.Fatal("denied")
			}
		})
	}
	b.Run("denied-exclude-mmsi", func(b *testing.B) {
		pt := p.Partner("JP-JCG")
		in := pos(navyIN, offColombo)
		for b.Loop() {
			pt.Position(in, navyIN, "", 0)
		}
	})
}

// BenchmarkEvent: an encounter with two evidence positions, shared
// rounded (the copy allocates its vessels, measures and evidence).
func BenchmarkEvent(b *testing.B) {
	p := loadExample(b)
	pt := p.Partner("LK-MRCC")
	ev := encounter(fishLK, tankerLR, offColombo)
	vs := []policy.Vessel{fishLK, tankerLR}
	for b.Loop() {
		if _, _, d := pt.Event(ev, vs, "", 0); !d.Allow {
			b.Fatal(d)
		}
	}
}
