package server

import (
	"context"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// aisResult is a stored good position of vessel m, as the picture
// reports it to the fan-out.
func aisResult(m vessel.MMSI, t vessel.Time) fusion.Result {
	p := vessel.Position{MMSI: m, Time: t, Lat: 51 + float64(m%100)/1000, Lon: 1.5}
	return fusion.Result{Outcome: fusion.Stored, MMSI: m, Time: t, Position: p}
}

// TestTrackerAISBatches: the contact tracker, an inline subscriber of the
// fan-out, gathers the AIS states and queues them by contactAISBatch and
// at the fan-out's Flush (after each of the pipeline's batches); its Run
// applies every one of them, in order, and a bad position is not taken.
func TestTrackerAISBatches(t *testing.T) {
	tr := NewContactTracker(ContactTrackerOptions{})
	var f Fanout
	f.Subscribe("contacts", tr, SubscribeOptions{})
	const n = 2*contactAISBatch + 88
	t0 := vessel.Time(1_800_000_000_000)
	for i := range n {
		r := aisResult(vessel.MMSI(200000000+i%300), t0+vessel.Time(i))
		f.Result(&vessel.Observation{}, &r)
	}
	bad := aisResult(200000001, t0+n)
	bad.Position.Flags |= vessel.Bad
	f.Result(&vessel.Observation{}, &bad)
	if got := tr.Stats().AIS; got != 2*contactAISBatch {
		t.Fatalf("before the flush %d AIS states queued; want the two full batches, %d", got, 2*contactAISBatch)
	}
	if len(tr.ais) != 2 {
		t.Fatalf("%d batches queued; want 2", len(tr.ais))
	}
	f.Flush()
	if got := tr.Stats().AIS; got != n {
		t.Fatalf("after the flush %d AIS states queued; want %d", got, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if tr.idx.n != 300 {
		t.Fatalf("the AIS index holds %d vessels; want 300", tr.idx.n)
	}
	// Each vessel's current state is its last report (in order), and
	// the bad one was not taken.
	for m := range vessel.MMSI(300) {
		i := int(m) + 300*((n-1-int(m))/300)
		sl := tr.idx.slot(tr.idx.byMMSI[200000000+m])
		if want := t0 + vessel.Time(i); sl.cur.Time != want {
			t.Fatalf("vessel %d: last state at %d; want %d", m, sl.cur.Time, want)
		}
	}
	if st := tr.Stats(); st.AIS != n || st.AISDropped != 0 {
		t.Fatalf("stats %+v; want %d AIS states, none dropped", st, n)
	}
}

// TestTrackerAISQueueFull: with the tracker not running, the AIS queue
// takes contactAISQueue batches; the next is dropped and its states
// counted, and the publisher is never held up.
func TestTrackerAISQueueFull(t *testing.T) {
	tr := NewContactTracker(ContactTrackerOptions{})
	t0 := vessel.Time(1_800_000_000_000)
	for i := range contactAISQueue {
		r := aisResult(vessel.MMSI(200000000+i), t0)
		tr.Result(&vessel.Observation{}, &r)
		tr.Flush()
	}
	for i := range 3 {
		r := aisResult(vessel.MMSI(300000000+i), t0)
		tr.Result(&vessel.Observation{}, &r)
	}
	tr.Flush()
	if st := tr.Stats(); st.AIS != contactAISQueue+3 || st.AISDropped != 3 {
		t.Fatalf("stats %+v; want %d AIS states, 3 dropped", st, contactAISQueue+3)
	}
}

// BenchmarkTrackerAIS measures the contact tracker's AIS path on the
// publisher's side and the tracker's together: Result for each stored
// position (as the fan-out hands them), Flush every 256 (as after each
// of the pipeline's batches), and the tracker's goroutine taking them
// into its index (the positions of 20,000 vessels moving). cpu-ns/state
// is the process's CPU time (both goroutines) per position.
func BenchmarkTrackerAIS(b *testing.B) {
	tr := NewContactTracker(ContactTrackerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx) }()
	t0 := vessel.Time(1_800_000_000_000)
	o := &vessel.Observation{}
	i := 0
	cpu0 := cpuNanos()
	for b.Loop() {
		r := aisResult(vessel.MMSI(200000000+i%20000), t0+vessel.Time(i))
		r.Position.Lat += float64(i/20000) * 1e-3
		tr.Result(o, &r)
		if i++; i%256 == 0 {
			tr.Flush()
			for len(tr.ais) > contactAISQueue/2 {
				<-time.After(50 * time.Microsecond) // the publisher keeps to the queue, as the pipeline's batches do
			}
		}
	}
	tr.Flush()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	if st := tr.Stats(); st.AISDropped != 0 {
		b.Fatalf("%d AIS states dropped", st.AISDropped)
	}
	b.ReportMetric(float64(cpuNanos()-cpu0)/float64(i), "cpu-ns/state")
}
