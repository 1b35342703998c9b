package server

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// sink records what it is handed; gate, when set, holds each delivery
// until it can receive.
type sink struct {
	mu   sync.Mutex
	got  []string
	gate chan struct{}
}

func (s *sink) note(x string) {
	if s.gate != nil {
		<-s.gate
	}
	s.mu.Lock()
	s.got = append(s.got, x)
	s.mu.Unlock()
}

func (s *sink) Result(o *vessel.Observation, r *fusion.Result) { s.note("r" + r.Outcome.String()) }
func (s *sink) Events(evs []event.Event)                       { s.note("e" + evs[0].ID) }
func (s *sink) Commit()                                        { s.note("c") }

func (s *sink) items() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func publishN(f *Fanout, n int) {
	for range n {
		f.Result(&vessel.Observation{}, &fusion.Result{Outcome: fusion.Stored})
	}
}

// TestFanoutInline: inline subscribers get everything on the
// publisher's goroutine, in order of subscription, and empty event
// batches are not delivered.
func TestFanoutInline(t *testing.T) {
	var f Fanout
	var order []string
	a, b := &sink{}, &sink{}
	f.Subscribe("a", a, SubscribeOptions{})
	f.Subscribe("b", b, SubscribeOptions{})
	f.Result(&vessel.Observation{}, &fusion.Result{Outcome: fusion.Static})
	f.Events(nil)
	f.Events([]event.Event{{ID: "x"}})
	f.Commit()
	want := []string{"r" + fusion.Static.String(), "ex", "c"}
	for _, s := range []*sink{a, b} {
		order = append(order, s.items()...)
		if !slices.Equal(s.items(), want) {
			t.Errorf("got %q; want %q", s.items(), want)
		}
	}
	st := f.Stats()
	if len(st) != 2 || st[0].Name != "a" || st[0].Delivered != 3 || st[0].Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestFanoutQueued: a queued subscriber that is slow loses what does not
// fit its queue under DropNewest, counted, while the publisher goes on;
// under Block it loses nothing. After Run stops, deliveries are dropped
// and counted, never blocked.
func TestFanoutQueued(t *testing.T) {
	var f Fanout
	drop := &sink{gate: make(chan struct{})}
	block := &sink{}
	f.Subscribe("drop", drop, SubscribeOptions{Queue: 4, Overflow: DropNewest})
	f.Subscribe("block", block, SubscribeOptions{Queue: 2, Overflow: Block})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	// drop's goroutine holds the first item at the gate: 4 more fit the
	// queue, the other 5 of 10 are dropped.
	publishN(&f, 1)
	waitFor(t, 10*time.Second, "the subscriber to take the first item", func() bool { return f.Stats()[0].Queue == 0 })
	publishN(&f, 9)
	if st := f.Stats()[0]; st.Dropped != 5 {
		t.Errorf("dropped %d; want 5 (queue 4, one in hand)", st.Dropped)
	}
	close(drop.gate)
	waitFor(t, 10*time.Second, "the queued items", func() bool { return len(block.items()) == 10 && len(drop.items()) == 5 })
	f.Commit() // queued, then drained by the stop
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := block.items(); len(got) != 11 || got[10] != "c" {
		t.Errorf("block got %d items ending %q; want 10 results and the commit", len(got), got[len(got)-1])
	}
	publishN(&f, 3) // after Run: dropped, not blocked
	st := f.Stats()
	if st[1].Dropped != 3 || st[1].Delivered != 11 {
		t.Errorf("block subscriber after stop: %+v; want 11 delivered, 3 dropped", st[1])
	}
}

// nop is a subscriber that does nothing: what dispatch costs.
type nop struct{}

func (nop) Result(*vessel.Observation, *fusion.Result) {}
func (nop) Events([]event.Event)                       {}
func (nop) Commit()                                    {}

// BenchmarkFanoutResult measures handing one result to the three inline
// subscribers a node has (events, stream, sharing), without their work.
func BenchmarkFanoutResult(b *testing.B) {
	var f Fanout
	for _, name := range []string{"events", "stream", "sharing"} {
		f.Subscribe(name, nop{}, SubscribeOptions{})
	}
	o := &vessel.Observation{}
	r := &fusion.Result{Outcome: fusion.Stored}
	for b.Loop() {
		f.Result(o, r)
	}
}

// BenchmarkCoreObserve measures the node's core on real reports without a
// store: fusion and the fan-out to one inline subscriber.
func BenchmarkCoreObserve(b *testing.B) {
	obs := realObservations(b, 1<<20)
	core, _, err := NewCore(CoreConfig{})
	if err != nil {
		b.Fatal(err)
	}
	core.Fanout.Subscribe("nop", nop{}, SubscribeOptions{})
	i := 0
	for b.Loop() {
		core.Observe(&obs[i%len(obs)])
		i++
	}
}

// TestFanoutBlockCounted: a Block subscriber whose queue is full makes
// the publisher wait (nothing lost) and counts the wait; batches keep
// their order and go out at Flush.
func TestFanoutBlockCounted(t *testing.T) {
	var f Fanout
	s := &sink{gate: make(chan struct{})}
	f.Subscribe("events", s, SubscribeOptions{Queue: 1, Batch: 2, Overflow: Block})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	published := make(chan struct{})
	go func() {
		// 2 batches of 2, then 1 flushed: the first is held at the gate,
		// the second fills the queue (or waits while the first is still
		// in it), the third waits.
		publishN(&f, 5)
		f.Flush()
		close(published)
	}()
	waitFor(t, 10*time.Second, "the publisher to wait for room", func() bool { return f.Stats()[0].Blocked >= 1 })
	close(s.gate)
	<-published
	f.Commit()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := s.items()
	if len(got) != 6 || got[5] != "c" {
		t.Errorf("got %v; want 5 results and the commit", got)
	}
	if st := f.Stats()[0]; st.Dropped != 0 || st.Blocked < 1 || st.Blocked > 2 || st.Delivered != 6 {
		t.Errorf("stats %+v; want 6 delivered, 0 dropped, 1 or 2 blocked", st)
	}
}
