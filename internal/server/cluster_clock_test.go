package server

import (
	"context"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestClusterFutureByLogTime: whether a report is dated in the future
// (vessel.FlagFuture: after its arrival plus two minutes) is judged
// against the receive time of the ingest log entry that carries it, so
// every member decides the same, whatever its own clock says. Three
// members whose clocks are two hours ahead, two hours behind and right
// apply one entry received at t0 with the real reports of two NOAA
// vessels: 368088610's dated from t0+10 min (in the future of the entry:
// flagged on every member, although the clock two hours ahead would take
// them), 366922110's from t0-1 min to within two minutes after t0 (not
// in the future of the entry: taken on every member, although the clock
// two hours behind would flag them). Before, each member judged by its
// own wall clock, and the three disagreed.
func TestClusterFutureByLogTime(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three cluster members")
	}
	t0 := time.Now().Truncate(time.Second)
	future, _ := realTrackNMEA(t, 368088610, t0.Add(10*time.Minute))
	taken, times := realTrackNMEA(t, 366922110, t0.Add(-time.Minute))
	n := 0
	for n < len(taken) && times[n].Before(t0.Add(2*time.Minute)) {
		n++
	}
	if n < 3 {
		t.Fatalf("366922110 has %d reports within three minutes", n)
	}
	taken, times = taken[:n], times[:n]
	future = future[:n]
	cfgs := clusterConfigs(t, t.TempDir(), true, "ahead", "behind", "right")
	offsets := []time.Duration{2 * time.Hour, -2 * time.Hour, 0}
	opts := make([]Options, len(cfgs))
	for i := range cfgs {
		cfgs[i].Events.Off = true
		off := offsets[i]
		opts[i] = Options{Config: cfgs[i], Now: func() time.Time { return time.Now().Add(off) }}
	}
	nodes := runNodesOpt(t, opts, true)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seq, err := nodes[2].cl.log.PublishID(ctx, cluster.Batch{Input: "receivers", Received: t0,
		Lines: append(append([][]byte{}, future...), taken...)}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, nd := range nodes {
		waitFor(t, 60*time.Second, nd.cfg.Cluster.Name+" to apply the entry", func() bool { return nd.cl.follower.Applied() >= seq })
	}
	last := vessel.TimeOf(times[len(times)-1])
	for _, nd := range nodes {
		name := nd.cfg.Cluster.Name
		f, ok := nd.core.Picture.Vessel(368088610)
		if !ok || f.Positions != n || f.Flagged != n || f.Located {
			t.Errorf("%s: 368088610 (dated 10 min after the entry): held %v, %d positions, %d flagged, located %v; want %d, all flagged, not located",
				name, ok, f.Positions, f.Flagged, f.Located, n)
		}
		g, ok := nd.core.Picture.Vessel(366922110)
		if !ok || g.Positions != n || g.Flagged != 0 || !g.Located || g.Position.Time != last {
			t.Errorf("%s: 366922110 (within two minutes of the entry): held %v, %d positions, %d flagged, located %v at %v; want %d, none flagged, located at %v",
				name, ok, g.Positions, g.Flagged, g.Located, g.Position.Time.Std(), n, last.Std())
		}
	}
}
