package server

import (
	"context"
	"errors"
	"fmt"
)

// Component is a part of a running node that owns goroutines: an input,
// the pipeline, the fan-out's queues, sharing, the HTTP server, the
// maintenance ticker. Run blocks until ctx is cancelled (the component
// then stops, finishing what it must, and returns nil) or until the
// component fails (it returns the error). What a component opened
// (files, listeners) is closed by whoever opened it, after Run returns.
type Component interface {
	Run(ctx context.Context) error
}

// ComponentFunc adapts a function to a Component.
type ComponentFunc func(ctx context.Context) error

// Run calls f(ctx).
func (f ComponentFunc) Run(ctx context.Context) error { return f(ctx) }

// Group runs components together, in the manner of oklog/run's Group (as
// Prometheus uses it): every member starts in the order added, each on
// its own goroutine; the first member to return, or the cancellation of
// the context given to Run, interrupts the rest. Members are stopped in
// reverse order, one at a time: the context of the last added is
// cancelled and its Run waited for before the one before it is stopped.
// So a member added after the members it depends on (inputs after the
// pipeline they feed) is stopped before them.
//
// A Group is used once, from one goroutine.
type Group struct {
	names   []string
	members []Component
	// Started, when set, is called once every member's goroutine is
	// started.
	Started func()
}

// Add adds a member; name labels its error.
func (g *Group) Add(name string, c Component) {
	g.names = append(g.names, name)
	g.members = append(g.members, c)
}

// GroupError is the error of one member of a Group.
type GroupError struct {
	Member string
	Err    error
}

func (e *GroupError) Error() string { return fmt.Sprintf("server: %s: %v", e.Member, e.Err) }
func (e *GroupError) Unwrap() error { return e.Err }

// Run runs the members until ctx is cancelled or one returns, stops the
// others in reverse order and returns the members' errors (joined, as
// *GroupError; a member returning context.Canceled counts as nil). With
// no members it waits for ctx.
func (g *Group) Run(ctx context.Context) error {
	type result struct {
		i   int
		err error
	}
	n := len(g.members)
	results := make(chan result, n)
	cancels := make([]context.CancelFunc, n)
	for i, m := range g.members {
		mctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		go func() { results <- result{i, m.Run(mctx)} }()
	}
	if g.Started != nil {
		g.Started()
	}
	done := make([]bool, n)
	errs := make([]error, n)
	record := func(r result) {
		done[r.i] = true
		if r.err != nil && !errors.Is(r.err, context.Canceled) {
			errs[r.i] = &GroupError{Member: g.names[r.i], Err: r.err}
		}
	}
	select {
	case <-ctx.Done():
	case r := <-results:
		record(r)
	}
	for i := n - 1; i >= 0; i-- {
		cancels[i]()
		for !done[i] {
			record(<-results)
		}
	}
	return errors.Join(errs...)
}
