package fusion

import "github.com/tidewatch/tidewatch/internal/vessel"

// MainTrack returns the main track hypothesis (vessel.Position.Track) of
// stored positions of one vessel: the one with the most positions without
// a bad flag (vessel.Bad), which are the reports the picture followed, as
// it flags those of any other hypothesis FlagIdentityConflict; on a tie
// the one with the later such position, then the later position of any
// kind. It returns 0 when no position has a hypothesis (data stored
// before hypotheses were kept: all of it is the one track).
func MainTrack(pts []vessel.Position) uint8 {
	var good [256]int
	var last, lastGood [256]vessel.Time
	var seen [256]bool
	for i := range pts {
		p := &pts[i]
		id := p.Track
		if !seen[id] || p.Time > last[id] {
			last[id] = p.Time
		}
		if p.Flags&vessel.Bad == 0 {
			if good[id] == 0 || p.Time > lastGood[id] {
				lastGood[id] = p.Time
			}
			good[id]++
		}
		seen[id] = true
	}
	main := uint8(0)
	for id := 1; id < 256; id++ {
		if !seen[id] {
			continue
		}
		m := int(main)
		switch {
		case main == 0,
			good[id] > good[m],
			good[id] == good[m] && lastGood[id] > lastGood[m],
			good[id] == good[m] && lastGood[id] == lastGood[m] && last[id] > last[m]:
			main = uint8(id)
		}
	}
	return main
}
