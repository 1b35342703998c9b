package cluster

import (
	"errors"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2015, 6, 11, 11, 46, 0, 0, time.UTC)

// TestClusterReplicates: three nodes with an R3 stream; two of them
// publish real AIS batches at once; all three apply the same entries in
// the same order, and every acknowledged batch is among them.
func TestClusterReplicates(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster")
	}
	ms := testCluster(t, 3, nil)
	startAll(t, ms)
	lines := aisLines(t, "aishub-3min.nmea")
	var ack acked
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		bs := batches(lines[i*5000:(i+1)*5000], aishubPerBatch, []string{"north", "south"}[i], t0)
		l := ms[i].node.IngestLog(LogConfig{})
		wg.Go(func() { errs[i] = feed(l, bs, &ack, nil, nil) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got, want := ack.len(), 2*((5000+aishubPerBatch-1)/aishubPerBatch); got != want {
		t.Errorf("%d publishes acknowledged, want %d", got, want)
	}
	converged(t, ms, &ack)
}
