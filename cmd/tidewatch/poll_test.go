package main

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// errNotYet is what a condition given to poll returns while it does not
// hold and has nothing more to say.
var errNotYet = errors.New("not yet")

// poll is the package's one way for a test to wait for state that changes
// without a signal it can wait on (a running node's API, a socket that
// starts accepting): it calls cond every interval until cond returns nil
// and returns nil, or, once limit has passed, returns cond's last error.
// The caller decides what a timeout means (waitFor fails the test; the
// demo test logs what the node has first).
func poll(limit, every time.Duration, cond func() error) error {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		select {
		case <-deadline.C:
			if err = cond(); err == nil {
				return nil
			}
			return fmt.Errorf("still not after %v: %w", limit, err)
		case <-tick.C:
		}
	}
}

// waitFor polls cond every 5 ms for up to two minutes and fails the test
// if it never holds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	err := poll(2*time.Minute, 5*time.Millisecond, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// TestPoll checks the helper itself: a condition that comes true is seen
// as soon as it is, one that never does times out with its last error.
func TestPoll(t *testing.T) {
	calls := 0
	if err := poll(time.Minute, time.Millisecond, func() error {
		if calls++; calls < 3 {
			return fmt.Errorf("call %d", calls)
		}
		return nil
	}); err != nil || calls != 3 {
		t.Errorf("poll returned %v after %d calls; want nil after 3", err, calls)
	}
	errLast := errors.New("the last word")
	err := poll(20*time.Millisecond, time.Millisecond, func() error { return errLast })
	if !errors.Is(err, errLast) {
		t.Errorf("poll that never holds returned %v; want it to wrap the condition's last error", err)
	}
}
