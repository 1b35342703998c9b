package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/recorder"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Pipeline carries observations from the inputs through the picture into
// the store. Inputs hand it batches with Submit, which never blocks: the
// queue between the inputs and the recording goroutine is bounded, and a
// batch that does not fit is dropped and counted (the inputs keep
// reading; the picture catches up with the next reports). One goroutine,
// owned by Run, applies and records; it commits at least every
// CommitInterval so that what the API shows is durable soon after.
type Pipeline struct {
	queue    chan pipeItem
	core     *Core
	log      *slog.Logger
	interval time.Duration

	// counters, read by metrics from any goroutine
	submitted, dropped, applied, batches atomic.Int64
	commitErrors                         atomic.Int64
	lastCommit                           atomic.Int64 // unix ms

	onCommit func()
	now      func() time.Time
	fail     storeFailure // owned by the Run goroutine

	closeOnce sync.Once
	closed    chan struct{}
	mu        sync.RWMutex // guards queue close against Submit, Apply and Do (which may wait for room holding the read lock)
	stopped   bool
}

// pipeItem is one entry of the queue: a batch of observations, or a
// function to run on the pipeline goroutine; done, when set, receives the
// result once the batch is committed or the function has run.
type pipeItem struct {
	batch []vessel.Observation
	fn    func()
	done  chan error
	mark  uint64 // ApplyEntry: the log entry the batch is
	then  func() // ApplyEntryThen: run after the batch, before the mark
	first func() // ApplyEntryAround: run before the batch
}

// PipelineOptions configure a Pipeline.
type PipelineOptions struct {
	// QueueBatches bounds the queue, in batches (default 1024).
	QueueBatches int
	// CommitInterval is the longest time between commits (default 1 s).
	CommitInterval time.Duration
	// OnResult sees what the picture decided for each observation, on the
	// pipeline goroutine (live updates, events); it must not block.
	OnResult func(o *vessel.Observation, r *fusion.Result)
	// OnCommit runs on the pipeline goroutine after each commit, and at
	// each commit interval when there was nothing to commit (to sync what
	// OnResult wrote elsewhere, such as the event log, and to let time
	// pass for event detection).
	OnCommit func()
	Logger   *slog.Logger
	// Now is the clock for retry back-off and log rate limits (nil:
	// time.Now).
	Now func() time.Time
}

// storeFailure follows a run of failing store writes: retries back off
// from the commit interval to maxCommitRetry, and the log says so once
// when it starts, at most once a minute while it lasts, and when it ends.
type storeFailure struct {
	since, lastLog, retryAt time.Time
	count                   int64
	lastErr                 error
}

const (
	maxCommitRetry  = 30 * time.Second
	failureLogEvery = time.Minute
)

// noteStore records the outcome of a write to the store (nil: success).
func (p *Pipeline) noteStore(err error) {
	f := &p.fail
	now := p.now()
	if err == nil {
		if f.count > 0 {
			p.log.Info("store writes resumed", "failed_for", now.Sub(f.since).Round(time.Second).String(), "failures", f.count)
		}
		*f = storeFailure{}
		return
	}
	p.commitErrors.Add(1)
	f.count++
	f.lastErr = err
	switch {
	case f.count == 1:
		f.since, f.lastLog = now, now
		p.log.Error("store writes failing; keeping the data in memory and retrying", "err", err)
	case now.Sub(f.lastLog) >= failureLogEvery:
		f.lastLog = now
		p.log.Error("store writes still failing", "err", err, "since", f.since, "failures", f.count)
	}
	wait := min(p.interval<<min(f.count-1, 8), maxCommitRetry)
	f.retryAt = now.Add(wait)
}

// NewPipeline returns a pipeline recording into pic and db.
func NewPipeline(pic *fusion.Picture, db *store.DB, opt PipelineOptions) *Pipeline {
	core := &Core{Picture: pic, Fanout: &Fanout{}, rec: recorder.New(pic, db, recorder.Options{OnResult: opt.OnResult})}
	return newPipeline(core, opt)
}

// newPipeline returns a pipeline running core; opt.OnResult is not used
// (core's subscribers see the results).
func newPipeline(core *Core, opt PipelineOptions) *Pipeline {
	if opt.QueueBatches <= 0 {
		opt.QueueBatches = 1024
	}
	if opt.CommitInterval <= 0 {
		opt.CommitInterval = time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Pipeline{queue: make(chan pipeItem, opt.QueueBatches), core: core, log: opt.Logger,
		interval: opt.CommitInterval, onCommit: opt.OnCommit, now: opt.Now, closed: make(chan struct{})}
	if p.now == nil {
		p.now = time.Now
	}
	return p
}

// Submit queues a batch of observations (the pipeline takes ownership of
// the slice). It never blocks: when the queue is full the batch is
// dropped and counted. It returns false if the batch was dropped.
func (p *Pipeline) Submit(batch []vessel.Observation) bool {
	if len(batch) == 0 {
		return true
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.stopped {
		p.dropped.Add(int64(len(batch)))
		return false
	}
	select {
	case p.queue <- pipeItem{batch: batch}:
		p.submitted.Add(int64(len(batch)))
		return true
	default:
		p.dropped.Add(int64(len(batch)))
		return false
	}
}

// ErrStopped: the pipeline takes no more work.
var ErrStopped = errors.New("server: pipeline stopped")

// Apply queues a batch and waits until it is recorded and committed: for
// data that must be durable when the call returns (a partner's items,
// acknowledged to the partner afterwards). Unlike Submit it waits for
// room in the queue, so a busy pipeline slows the caller instead of
// losing its data; local inputs, which use Submit, are never slowed.
func (p *Pipeline) Apply(ctx context.Context, batch []vessel.Observation) error {
	return p.wait(ctx, pipeItem{batch: batch})
}

// ApplyEntry queues the batch of entry seq of a replicated log (cluster
// mode) and waits until it is applied, not until it is committed: the
// recorder marks the store with seq (recorder.Mark), and the next commit
// (at most CommitInterval later) makes the batch and the mark durable
// together, so the store says after a crash which entries it holds.
func (p *Pipeline) ApplyEntry(ctx context.Context, batch []vessel.Observation, seq uint64) error {
	return p.wait(ctx, pipeItem{batch: batch, mark: seq})
}

// ApplyEntryThen is ApplyEntry that runs then on the pipeline goroutine
// after the batch (its results delivered to the inline subscribers) and
// before the entry's mark, in the same turn: nothing (no commit) comes
// between them (the contact tracker's part of an entry in cluster mode).
func (p *Pipeline) ApplyEntryThen(ctx context.Context, batch []vessel.Observation, seq uint64, then func()) error {
	return p.wait(ctx, pipeItem{batch: batch, mark: seq, then: then})
}

// ApplyEntryAround is ApplyEntryThen that runs first on the pipeline
// goroutine before the batch, in the same turn (a cluster node sets the
// picture's clock to the entry's time there: logClock).
func (p *Pipeline) ApplyEntryAround(ctx context.Context, batch []vessel.Observation, seq uint64, first, then func()) error {
	return p.wait(ctx, pipeItem{batch: batch, mark: seq, first: first, then: then})
}

// Do runs fn on the pipeline goroutine, between batches, and waits for
// it: for what must not run concurrently with recording (changing the
// event engine's zones).
func (p *Pipeline) Do(ctx context.Context, fn func()) error {
	return p.wait(ctx, pipeItem{fn: fn})
}

func (p *Pipeline) wait(ctx context.Context, it pipeItem) error {
	it.done = make(chan error, 1)
	p.mu.RLock()
	if p.stopped {
		p.mu.RUnlock()
		return ErrStopped
	}
	// Holding the read lock while waiting for room keeps Stop from
	// closing the queue under us without holding up Submit; Stop waits,
	// and Run keeps draining, so room comes.
	select {
	case p.queue <- it:
		p.submitted.Add(int64(len(it.batch)))
		p.mu.RUnlock()
	case <-ctx.Done():
		p.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-it.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop refuses further batches and lets Run drain what is queued and
// return. Call it after the inputs have stopped.
func (p *Pipeline) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped {
		p.stopped = true
		close(p.queue)
	}
}

// Run applies and records until Stop has been called and the queue is
// drained, then commits a last time. Cancelling ctx does not lose queued
// data: it only stops the periodic commits early; the drain still runs.
func (p *Pipeline) Run(ctx context.Context) error {
	tick := time.NewTicker(p.interval)
	defer tick.Stop()
	dirty := false
	commit := func(force bool) error {
		if !dirty {
			if p.onCommit != nil {
				p.onCommit() // time passes on a quiet feed too
			}
			return nil
		}
		if p.fail.count > 0 && !force && p.now().Before(p.fail.retryAt) {
			return p.fail.lastErr // back off while the store fails
		}
		if err := p.core.Commit(); err != nil {
			p.noteStore(err)
			return err
		}
		p.noteStore(nil)
		dirty = false
		p.lastCommit.Store(time.Now().UnixMilli())
		if p.onCommit != nil {
			p.onCommit()
		}
		return nil
	}
	for {
		select {
		case it, ok := <-p.queue:
			if !ok {
				return commit(true)
			}
			if it.fn != nil {
				it.fn()
				it.done <- nil
				continue
			}
			var failed error
			if it.first != nil {
				it.first()
			}
			for i := range it.batch {
				if err := p.core.Observe(&it.batch[i]); err != nil {
					p.noteStore(err)
					failed = err
				}
			}
			p.core.Fanout.Flush() // the queued subscribers get the batch's results
			if it.then != nil {
				it.then()
			}
			p.applied.Add(int64(len(it.batch)))
			p.batches.Add(1)
			dirty = true
			if it.mark > 0 && p.core.rec != nil {
				p.core.rec.Mark(it.mark)
				it.done <- failed
				continue
			}
			if it.done != nil {
				if err := commit(false); err != nil && failed == nil {
					failed = err
				}
				it.done <- failed
			}
		case <-tick.C:
			commit(false)
		}
	}
}

// PipelineStats are the pipeline's counters.
type PipelineStats struct {
	Submitted, Dropped, Applied, Batches, CommitErrors int64
	QueueDepth, QueueCap                               int
	LastCommit                                         time.Time
}

// Stats returns the counters; safe from any goroutine.
func (p *Pipeline) Stats() PipelineStats {
	return PipelineStats{Submitted: p.submitted.Load(), Dropped: p.dropped.Load(), Applied: p.applied.Load(),
		Batches: p.batches.Load(), CommitErrors: p.commitErrors.Load(), QueueDepth: len(p.queue), QueueCap: cap(p.queue),
		LastCommit: time.UnixMilli(p.lastCommit.Load())}
}
