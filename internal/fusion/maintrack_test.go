package fusion_test

import (
	"testing"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestMainTrack(t *testing.T) {
	pos := func(tm vessel.Time, track uint8, flags vessel.Flags) vessel.Position {
		return vessel.Position{MMSI: 366999001, Time: tm, Track: track, Flags: flags}
	}
	conflict := vessel.FlagIdentityConflict
	for _, c := range []struct {
		name string
		pts  []vessel.Position
		want uint8
	}{
		{"none", nil, 0},
		{"stored before hypotheses", []vessel.Position{pos(1, 0, 0), pos(2, 0, 0)}, 0},
		{"one", []vessel.Position{pos(1, 3, 0), pos(2, 3, 0)}, 3},
		{"most good, not most", []vessel.Position{pos(1, 1, 0), pos(2, 1, 0), pos(3, 2, conflict), pos(4, 2, conflict), pos(5, 2, conflict)}, 1},
		{"unassigned never main", []vessel.Position{pos(1, 0, 0), pos(2, 0, 0), pos(3, 0, 0), pos(4, 5, vessel.FlagFuture)}, 5},
		{"tie: the later good", []vessel.Position{pos(1, 2, 0), pos(2, 1, 0), pos(3, 1, conflict)}, 1},
		{"tie: the later good, order free", []vessel.Position{pos(2, 1, 0), pos(1, 2, 0), pos(5, 2, conflict)}, 1},
		{"all flagged: the later", []vessel.Position{pos(1, 4, conflict), pos(2, 7, conflict)}, 7},
	} {
		if got := fusion.MainTrack(c.pts); got != c.want {
			t.Errorf("%s: %d; want %d", c.name, got, c.want)
		}
	}
}
