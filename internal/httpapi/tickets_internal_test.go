package httpapi

import (
	"testing"
	"time"
)

// TestTicketsBounded fills the ticket store: past MaxTickets outstanding,
// minting fails (the handler answers 503); once they expire, minting
// works again and the expired ones are gone.
func TestTicketsBounded(t *testing.T) {
	var ts tickets
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var first string
	for i := range MaxTickets {
		tk, _, ok := ts.mint(credential{role: RoleRead}, t0)
		if !ok {
			t.Fatalf("mint %d failed below the bound", i)
		}
		if i == 0 {
			first = tk
		}
	}
	if _, _, ok := ts.mint(credential{role: RoleRead}, t0.Add(TicketTTL-time.Second)); ok {
		t.Fatalf("minted beyond MaxTickets (%d) while all were valid", MaxTickets)
	}
	if _, _, ok := ts.mint(credential{role: RoleRead}, t0.Add(TicketTTL)); !ok {
		t.Fatal("minting failed after every ticket expired")
	}
	if len(ts.m) != 1 {
		t.Errorf("%d tickets kept after the expired were dropped; want 1", len(ts.m))
	}
	if _, ok := ts.redeem(first, t0.Add(time.Second)); ok {
		t.Error("a dropped ticket was redeemed")
	}
}
