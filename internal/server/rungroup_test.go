package server

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
)

// recorder of what members did, in order.
type trail struct {
	mu  sync.Mutex
	log []string
}

func (t *trail) add(s string) {
	t.mu.Lock()
	t.log = append(t.log, s)
	t.mu.Unlock()
}

func (t *trail) get() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.log)
}

// member blocks until its context ends (or fails at once with fail) and
// records when it stops.
func member(tr *trail, name string, fail error, running *sync.WaitGroup) Component {
	return ComponentFunc(func(ctx context.Context) error {
		running.Done()
		if fail != nil {
			running.Wait() // every member runs before this one fails
			tr.add("fail " + name)
			return fail
		}
		<-ctx.Done()
		tr.add("stop " + name)
		return nil
	})
}

// TestGroupStopsInReverseOrder: a member that fails interrupts the
// others, which are stopped one at a time from the last added to the
// first; Run returns the failure, naming the member.
func TestGroupStopsInReverseOrder(t *testing.T) {
	boom := errors.New("boom")
	tr := &trail{}
	var running sync.WaitGroup
	running.Add(5)
	var g Group
	for _, name := range []string{"store", "pipeline", "inputs"} {
		g.Add(name, member(tr, name, nil, &running))
	}
	g.Add("failing", member(tr, "failing", boom, &running))
	g.Add("http", member(tr, "http", nil, &running))
	err := g.Run(context.Background())
	var ge *GroupError
	if !errors.Is(err, boom) || !errors.As(err, &ge) || ge.Member != "failing" {
		t.Fatalf("Run = %v; want the failing member's error", err)
	}
	want := []string{"fail failing", "stop http", "stop inputs", "stop pipeline", "stop store"}
	if got := tr.get(); !slices.Equal(got, want) {
		t.Errorf("order %q; want %q", got, want)
	}
}

// TestGroupContextStops: cancelling the context stops every member in
// reverse order, and Run returns nil; Started is called once all run.
func TestGroupContextStops(t *testing.T) {
	tr := &trail{}
	var running sync.WaitGroup
	running.Add(3)
	ctx, cancel := context.WithCancel(context.Background())
	g := Group{Started: func() {
		running.Wait()
		tr.add("started")
		cancel()
	}}
	for _, name := range []string{"a", "b", "c"} {
		g.Add(name, member(tr, name, nil, &running))
	}
	if err := g.Run(ctx); err != nil {
		t.Fatalf("Run = %v; want nil", err)
	}
	want := []string{"started", "stop c", "stop b", "stop a"}
	if got := tr.get(); !slices.Equal(got, want) {
		t.Errorf("order %q; want %q", got, want)
	}
}

// TestGroupMemberReturnsNil: a member that returns nil on its own still
// interrupts the group (as in oklog/run), and an error a member returns
// while stopping is reported with the others; context.Canceled is not
// an error.
func TestGroupMemberReturnsNil(t *testing.T) {
	late := errors.New("flush failed")
	var g Group
	g.Add("a", ComponentFunc(func(ctx context.Context) error { <-ctx.Done(); return late }))
	g.Add("b", ComponentFunc(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }))
	g.Add("done", ComponentFunc(func(ctx context.Context) error { return nil }))
	err := g.Run(context.Background())
	if !errors.Is(err, late) || errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v; want only a's error", err)
	}
	var empty Group
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := empty.Run(ctx); err != nil {
		t.Errorf("empty group: %v", err)
	}
}
