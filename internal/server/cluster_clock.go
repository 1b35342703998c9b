package server

import (
	"sync/atomic"
	"time"
)

// logClock is a cluster node's picture's clock (fusion.Config.Now): the
// receive time of the ingest log entry being applied, not the node's
// wall clock. The picture flags a report dated after its arrival plus a
// tolerance as in the future (vessel.FlagFuture); judged against the
// entry's time, which travels with it in the log, every member flags the
// same reports, however late or early each applies the entry and however
// its own clock is set. The pipeline's goroutine sets it before each
// entry's reports (clusterMember.apply, Pipeline.ApplyEntryAround); an
// entry without a receive time keeps the time before it. Until the first
// entry it reads the wall clock.
type logClock struct {
	ms   atomic.Int64 // Unix ms of the entry being applied; 0: none yet
	wall func() time.Time
}

func newLogClock(wall func() time.Time) *logClock { return &logClock{wall: wall} }

// now is the picture's clock.
func (c *logClock) now() time.Time {
	if ms := c.ms.Load(); ms != 0 {
		return time.UnixMilli(ms)
	}
	return c.wall()
}

// set makes t (an entry's receive time) the clock's time; a zero t
// changes nothing.
func (c *logClock) set(t time.Time) {
	if c != nil && !t.IsZero() {
		c.ms.Store(t.UnixMilli())
	}
}
