package event

import (
	"github.com/tidewatch/tidewatch/internal/mmsitable"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// vesselTable maps MMSIs to the engine's vessels: an mmsitable.Table,
// because looking a vessel up is the first thing done for every
// position (the map it replaced was 7% of the live detection's
// profile). It is a type of its own, with the table's fields, so that
// an engine state (state.go) names it as the states of earlier builds
// do; LoadState has the table check itself (Restore).
type vesselTable mmsitable.Table[vessel.MMSI, track]

// tab returns the table itself.
func (t *vesselTable) tab() *mmsitable.Table[vessel.MMSI, track] {
	return (*mmsitable.Table[vessel.MMSI, track])(t)
}
