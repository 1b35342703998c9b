package server

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Subscriber sees what the pipeline did: each observation with what the
// picture decided (Result), the events detected or changed (Events), and
// each commit of the store, or each commit interval on a quiet feed
// (Commit). Its methods are called from one goroutine at a time and must
// not block for long. o and r are valid only during the call.
type Subscriber interface {
	Result(o *vessel.Observation, r *fusion.Result)
	Events(evs []event.Event)
	Commit()
}

// Overflow says what a queued subscription does when its queue is full.
type Overflow int

const (
	// DropNewest drops the item that does not fit, and counts it: the
	// publisher (the pipeline) is never slowed.
	DropNewest Overflow = iota
	// Block waits for room: nothing is lost, and a slow subscriber slows
	// the pipeline.
	Block
)

// SubscribeOptions say how a subscriber is delivered to.
type SubscribeOptions struct {
	// Queue, when above 0, gives the subscriber its own goroutine (run by
	// Fanout.Run) and a queue of this many items between it and the
	// publisher. 0 delivers on the publisher's goroutine, in order of
	// subscription: for subscribers that only hand on to structures that
	// never block (the stream hub's ring, the outboxes, a buffered file).
	Queue int
	// Overflow applies when the queue is full.
	Overflow Overflow
}

// Fanout hands what the pipeline did to its subscribers: event
// detection, the live stream and sharing in a node. It is the
// component after the store. Subscribe before publishing; Result,
// Events and Commit are called from one goroutine at a time (the
// pipeline's); Run delivers to the queued subscribers and is needed
// only when there are some. Stats is safe from any goroutine.
type Fanout struct {
	subs []*subscription

	mu      sync.RWMutex // guards the queues' close against publishers
	stopped bool
}

// subscription is one subscriber and its counters.
type subscription struct {
	name      string
	s         Subscriber
	opt       SubscribeOptions
	queue     chan fanItem // nil: inline
	delivered atomic.Int64
	dropped   atomic.Int64
}

// fanItem is one queued delivery.
type fanItem struct {
	kind int // itemResult, itemEvents, itemCommit
	o    vessel.Observation
	r    fusion.Result
	evs  []event.Event
}

const (
	itemResult = iota
	itemEvents
	itemCommit
)

// SubscriberStats are one subscriber's counters.
type SubscriberStats struct {
	Name      string
	Delivered int64 // items handed to it
	Dropped   int64 // items its full queue dropped (DropNewest), or sent after Run stopped
	Queue     int   // items waiting
	QueueCap  int
}

// Subscribe adds a subscriber under a name (for its counters).
func (f *Fanout) Subscribe(name string, s Subscriber, opt SubscribeOptions) {
	sub := &subscription{name: name, s: s, opt: opt}
	if opt.Queue > 0 {
		sub.queue = make(chan fanItem, opt.Queue)
	}
	f.subs = append(f.subs, sub)
}

// Result hands an observation and what the picture decided to every
// subscriber.
func (f *Fanout) Result(o *vessel.Observation, r *fusion.Result) {
	for _, sub := range f.subs {
		if sub.queue == nil {
			sub.delivered.Add(1)
			sub.s.Result(o, r)
			continue
		}
		f.enqueue(sub, fanItem{kind: itemResult, o: *o, r: *r})
	}
}

// Events hands events (new, or new versions) to every subscriber. The
// slice must not be changed afterwards.
func (f *Fanout) Events(evs []event.Event) {
	if len(evs) == 0 {
		return
	}
	for _, sub := range f.subs {
		if sub.queue == nil {
			sub.delivered.Add(1)
			sub.s.Events(evs)
			continue
		}
		f.enqueue(sub, fanItem{kind: itemEvents, evs: evs})
	}
}

// Commit tells every subscriber that the store committed (or that a
// commit interval passed).
func (f *Fanout) Commit() {
	for _, sub := range f.subs {
		if sub.queue == nil {
			sub.delivered.Add(1)
			sub.s.Commit()
			continue
		}
		f.enqueue(sub, fanItem{kind: itemCommit})
	}
}

func (f *Fanout) enqueue(sub *subscription, it fanItem) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.stopped {
		sub.dropped.Add(1)
		return
	}
	if sub.opt.Overflow == Block {
		sub.queue <- it // Run drains until it has taken the write lock
		return
	}
	select {
	case sub.queue <- it:
	default:
		sub.dropped.Add(1)
	}
}

// Run delivers the queued subscriptions' items, each on its own
// goroutine, until ctx is cancelled; it then delivers what is queued and
// returns. Items published after that are dropped and counted. Stop the
// Fanout after its publishers (the pipeline).
func (f *Fanout) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, sub := range f.subs {
		if sub.queue == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range sub.queue {
				sub.delivered.Add(1)
				switch it.kind {
				case itemResult:
					sub.s.Result(&it.o, &it.r)
				case itemEvents:
					sub.s.Events(it.evs)
				case itemCommit:
					sub.s.Commit()
				}
			}
		}()
	}
	<-ctx.Done()
	f.mu.Lock()
	if !f.stopped {
		f.stopped = true
		for _, sub := range f.subs {
			if sub.queue != nil {
				close(sub.queue)
			}
		}
	}
	f.mu.Unlock()
	wg.Wait()
	return nil
}

// Stats returns every subscriber's counters, in order of subscription.
func (f *Fanout) Stats() []SubscriberStats {
	out := make([]SubscriberStats, len(f.subs))
	for i, sub := range f.subs {
		out[i] = SubscriberStats{Name: sub.name, Delivered: sub.delivered.Load(), Dropped: sub.dropped.Load(),
			Queue: len(sub.queue), QueueCap: cap(sub.queue)}
	}
	return out
}
