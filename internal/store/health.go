package store

import (
	"fmt"
	"time"
)

// Writes that can fail and are retried.
const (
	opCommit = iota // WAL write and sync
	opFlush         // writing the head to a block
)

var opNames = [...]string{opCommit: "commit", opFlush: "block write"}

// opHealth tracks the failures of one kind of write.
type opHealth struct {
	err      error     // the last failure; nil when the last attempt worked
	since    time.Time // first failure in the current run of failures
	inRow    int64     // failures in a row
	total    int64     // failures ever
	retryAt  time.Time // no new attempt before (flush only)
	recovers int64     // runs of failures that ended
}

// WriteError says that writes to the store are failing: which, since
// when, how often in a row, and why. Health returns it.
type WriteError struct {
	Op       string    // "commit" (the WAL) or "block write"
	Since    time.Time // first failure of this run
	Failures int64     // failed attempts in a row
	Err      error     // the last failure
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("store: %s failing since %s (%d attempts): %v", e.Op, e.Since.UTC().Format(time.RFC3339), e.Failures, e.Err)
}

func (e *WriteError) Unwrap() error { return e.Err }

// Retries of a failed block write back off from minRetry to maxRetry.
const (
	minRetry = time.Second
	maxRetry = time.Minute
)

// failed records the outcome of an attempt of op (err nil: success).
func (db *DB) failed(op int, err error) {
	db.hmu.Lock()
	defer db.hmu.Unlock()
	h := &db.health[op]
	if err == nil {
		if h.err != nil {
			h.recovers++
		}
		h.err, h.inRow, h.retryAt = nil, 0, time.Time{}
		return
	}
	now := db.now()
	if h.err == nil {
		h.since = now
	}
	h.err = err
	h.inRow++
	h.total++
	wait := minRetry << min(h.inRow-1, 6)
	h.retryAt = now.Add(min(wait, maxRetry))
}

// retryDue reports whether op may be attempted now (not failing, or its
// back-off has passed).
func (db *DB) retryDue(op int) bool {
	db.hmu.Lock()
	defer db.hmu.Unlock()
	h := &db.health[op]
	return h.err == nil || !db.now().Before(h.retryAt)
}

// Health returns nil while the store's writes succeed, or a *WriteError
// saying which write fails, since when and why (a full disk, an I/O
// error). Failed writes are kept in memory and retried: a commit by the
// next Commit, a block write with back-off by later writes; Health turns
// nil again once they succeed. Safe for concurrent use; it does not wait
// for a write in progress.
func (db *DB) Health() error {
	db.hmu.Lock()
	defer db.hmu.Unlock()
	for op := range db.health {
		if h := &db.health[op]; h.err != nil {
			return &WriteError{Op: opNames[op], Since: h.since, Failures: h.inRow, Err: h.err}
		}
	}
	return nil
}

// WriteStats count write failures.
type WriteStats struct {
	Failures   int64 // failed commits and block writes, ever
	Recoveries int64 // runs of failures that ended in success
	Failing    bool  // a write is failing now
}

// WriteStats returns the write failure counters.
func (db *DB) WriteStats() WriteStats {
	db.hmu.Lock()
	defer db.hmu.Unlock()
	var ws WriteStats
	for _, h := range db.health {
		ws.Failures += h.total
		ws.Recoveries += h.recovers
		ws.Failing = ws.Failing || h.err != nil
	}
	return ws
}
