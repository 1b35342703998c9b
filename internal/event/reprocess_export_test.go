package event

import "github.com/tidewatch/tidewatch/internal/vessel"

// ReprocessShares returns which of n workers of Reprocess judges the
// gaps of vessel m and which runs its zones, port visits and loitering
// (encounters are all one worker's).
func ReprocessShares(m vessel.MMSI, n int) (gaps, local int) {
	if n <= 1 {
		return 0, 0
	}
	gaps, local = -1, -1
	for i, sp := range plan(n) {
		if sp.gaps {
			gaps = i
		}
		if sp.local.has(m) {
			local = i
		}
	}
	return gaps, local
}
