package httpapi_test

import (
	"context"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/httpapi"
)

// TestHubSkip: sequence numbers taken by Skip (no client, no snapshot
// built) are never silently missed: a subscription resuming from before
// one skips ahead with a Gap; one resuming after the last skipped number,
// or a new one, gets the updates that follow.
func TestHubSkip(t *testing.T) {
	h := httpapi.NewHub(16)
	pub := func(id string) { h.Publish(httpapi.Update{Event: &event.Event{ID: id}}) }
	pub("1")
	pub("2")
	h.Skip() // 3
	h.Skip() // 4
	pub("5")
	if got := h.Seq(); got != 5 {
		t.Fatalf("Seq = %d; want 5", got)
	}
	if st := h.Stats(); st.Published != 3 || st.Skipped != 2 {
		t.Errorf("Stats = %+v; want 3 published, 2 skipped", st)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		since   uint64
		resume  bool
		wantGap bool
		want    []string
	}{
		{since: 1, resume: true, wantGap: true}, // 2 is kept, but 3 and 4 were skipped
		{since: 3, resume: true, wantGap: true}, // 4 was skipped
		{since: 4, resume: true, want: []string{"5"}},
		{since: 0, resume: false}, // new: nothing yet
	} {
		s := h.Subscribe(tc.since, tc.resume, 0)
		if !tc.resume {
			pub("6")
			tc.want = []string{"6"}
		}
		got, gap, err := s.Next(ctx, nil, 10)
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if (gap.Missed > 0 || gap.Reset) != tc.wantGap {
			t.Errorf("resume %v from %d: gap %+v; want gap %v", tc.resume, tc.since, gap, tc.wantGap)
		}
		var ids []string
		for _, u := range got {
			id := "(none)" // a slot Skip left: must never be delivered
			if u.Event != nil {
				id = u.Event.ID
			}
			ids = append(ids, id)
		}
		if len(ids) != len(tc.want) || (len(ids) > 0 && ids[0] != tc.want[0]) {
			t.Errorf("resume %v from %d: got %v; want %v", tc.resume, tc.since, ids, tc.want)
		}
	}
}
