package event

import "github.com/tidewatch/tidewatch/internal/vessel"

// ReprocessShares returns which of n workers of Reprocess follows the
// pairs (encounters) and which runs the gaps, teleports, identity
// conflicts, zones, port visits and loitering of vessel m.
func ReprocessShares(m vessel.MMSI, n int) (pairs, vessels int) {
	if n <= 1 {
		return 0, 0
	}
	pairs, vessels = -1, -1
	for i, sp := range plan(n) {
		if sp.pairs {
			pairs = i
		}
		if sp.vessels.has(m) {
			vessels = i
		}
	}
	return pairs, vessels
}
