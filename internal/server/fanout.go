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

// Stopper is a Subscriber told when nothing more comes: Fanout.Run calls
// Stop once, after the subscriber's last delivery (a queued one on its
// own goroutine, once its queue is drained; an inline one after the
// queued ones have stopped). Event detection flushes what it holds back
// then (liveEvents.Stop). Events it publishes from Stop reach the inline
// subscribers; the queued ones have stopped and count them as dropped.
type Stopper interface {
	Stop()
}

// Flusher is an inline Subscriber that gathers what it is handed and
// passes it on in batches: Fanout.Flush calls Flush, under the lock of
// the inline deliveries, after the results of each of the pipeline's
// batches (and when the Fanout stops), so that nothing waits longer than
// a batch (the contact tracker hands its AIS states on this way, one
// queue operation a batch instead of one a position).
type Flusher interface {
	Flush()
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
	// Batch, above 1, gathers up to this many items before they are
	// queued together (the queue then holds Queue batches): a queued
	// subscriber costs the publisher a copy per item and a hand-off per
	// batch. What is gathered goes out when the batch is full, with each
	// Events and Commit, and at Flush (the pipeline flushes after each of
	// its batches).
	Batch int
	// Want, when set, picks the results a queued subscriber is handed
	// (the others are neither copied nor counted): event detection wants
	// only stored positions and static reports.
	Want func(o *vessel.Observation, r *fusion.Result) bool
	// Slim: the subscriber reads of a result only r.Outcome, r.MMSI,
	// r.Time and r.Position, and o.Kind and, when r.Outcome is
	// fusion.Static, o.Static (event detection), so its queue keeps only
	// those: a queued position is then 128 bytes instead of 408 (the
	// observation and the whole result), which the publisher copies and
	// the queue holds.
	Slim bool
	// SkipEvents: the subscriber is not handed events. For event detection
	// itself, whose events are published through the same Fanout from its
	// own goroutine: handing them back to its own queue could block it on
	// itself.
	SkipEvents bool
}

// Fanout hands what the pipeline did to its subscribers: event
// detection, the live stream and sharing in a node. It is the
// component after the store. Subscribe before publishing. Result,
// Events, Commit and Flush may be called from several goroutines (the
// pipeline's, and a queued event detection's, which publishes its
// events): inline subscribers are delivered to under a lock, so that
// each sees one call at a time, and a queued subscriber's items keep the
// order they were published in. Run delivers to the queued subscribers
// and stops the Stoppers; it is needed only when there are some. Stats
// is safe from any goroutine.
type Fanout struct {
	subs []*subscription

	inline sync.Mutex // serialises the inline deliveries and guards the batches being gathered

	mu      sync.RWMutex // guards the queues' close against publishers
	stopped bool
}

// subscription is one subscriber and its counters.
type subscription struct {
	name      string
	s         Subscriber
	opt       SubscribeOptions
	queue     chan []fanItem // nil: inline
	pending   []fanItem      // being gathered, under Fanout.inline
	send      sync.Mutex     // keeps the batches in order between publishers
	free      chan []fanItem // delivered batches for reuse
	delivered atomic.Int64
	dropped   atomic.Int64
	blocked   atomic.Int64 // hand-offs that waited for room (Block)
	queued    atomic.Int64 // items in the queue
	// the observation and result a slim item is delivered as, on the
	// subscription's goroutine (a variable of deliverResult would be
	// allocated for every item: the subscriber is an interface)
	slimO vessel.Observation
	slimR fusion.Result
}

// fanItem is one queued delivery: a result is slim for a Slim
// subscriber, full (allocated per item) for the others.
type fanItem struct {
	kind    uint8 // itemResult, itemEvents, itemCommit, itemCall
	outcome fusion.Outcome
	okind   vessel.Kind
	mmsi    vessel.MMSI     // slim: r.MMSI
	time    vessel.Time     // slim: r.Time
	pos     vessel.Position // slim: r.Position
	static  *vessel.Static  // slim: o.Static of a fusion.Static outcome
	full    *fullResult
	evs     []event.Event
	fn      func(Subscriber) // itemCall
}

// fullResult is a queued result for a subscriber that is not Slim.
type fullResult struct {
	o vessel.Observation
	r fusion.Result
}

// resultItem makes sub's queued item of a result.
func (sub *subscription) resultItem(o *vessel.Observation, r *fusion.Result) fanItem {
	if !sub.opt.Slim {
		return fanItem{kind: itemResult, full: &fullResult{o: *o, r: *r}}
	}
	it := fanItem{kind: itemResult, outcome: r.Outcome, okind: o.Kind, mmsi: r.MMSI, time: r.Time, pos: r.Position}
	if r.Outcome == fusion.Static {
		st := o.Static
		it.static = &st
	}
	return it
}

// deliverResult hands a queued result to sub's subscriber.
func (sub *subscription) deliverResult(it *fanItem) {
	if it.full != nil {
		sub.s.Result(&it.full.o, &it.full.r)
		return
	}
	o, r := &sub.slimO, &sub.slimR
	*o, *r = vessel.Observation{Kind: it.okind}, fusion.Result{Outcome: it.outcome, MMSI: it.mmsi, Time: it.time, Position: it.pos}
	if it.static != nil {
		o.Static = *it.static
	}
	sub.s.Result(o, r)
}

const (
	itemResult = iota
	itemEvents
	itemCommit
	itemCall
)

// SubscriberStats are one subscriber's counters.
type SubscriberStats struct {
	Name      string
	Delivered int64 // items handed to it (a queued batch counted as it is taken)
	Dropped   int64 // items its full queue dropped (DropNewest), or sent after Run stopped
	Blocked   int64 // hand-offs that waited for room in its full queue (Block)
	Queue     int   // items waiting (gathered ones not counted)
	QueueCap  int   // in batches
}

// Subscribe adds a subscriber under a name (for its counters).
func (f *Fanout) Subscribe(name string, s Subscriber, opt SubscribeOptions) {
	sub := &subscription{name: name, s: s, opt: opt}
	if opt.Queue > 0 {
		sub.queue = make(chan []fanItem, opt.Queue)
		sub.free = make(chan []fanItem, opt.Queue+2)
	}
	f.subs = append(f.subs, sub)
}

// batchOf is the most items gathered before a hand-off.
func (s *subscription) batchOf() int { return max(s.opt.Batch, 1) }

// add appends an item to sub's batch, under f.inline, and returns the
// batch if it must go out now.
func (sub *subscription) add(it fanItem, flush bool) []fanItem {
	if sub.pending == nil {
		select {
		case b := <-sub.free:
			sub.pending = b[:0]
		default:
			sub.pending = make([]fanItem, 0, sub.batchOf())
		}
	}
	sub.pending = append(sub.pending, it)
	if !flush && len(sub.pending) < sub.batchOf() {
		return nil
	}
	b := sub.pending
	sub.pending = nil
	return b
}

// outgoing is a batch to queue once f.inline is released.
type outgoing struct {
	sub   *subscription
	batch []fanItem
}

// publish delivers to the inline subscribers with deliver and gathers
// item (made by mk) for the queued ones, all under f.inline; the batches
// that are full (or all of them, with flush) are then queued outside the
// lock, each subscription's in order.
func (f *Fanout) publish(deliver func(Subscriber), mk func(sub *subscription) (fanItem, bool), flush bool) {
	var out [4]outgoing
	outs := out[:0]
	f.inline.Lock()
	for _, sub := range f.subs {
		if sub.queue == nil {
			sub.delivered.Add(1)
			deliver(sub.s)
			continue
		}
		it, ok := mk(sub)
		if !ok {
			if flush && len(sub.pending) > 0 {
				outs = append(outs, outgoing{sub, sub.pending})
				sub.pending = nil
				sub.send.Lock()
			}
			continue
		}
		if b := sub.add(it, flush); b != nil {
			outs = append(outs, outgoing{sub, b})
			sub.send.Lock() // before f.inline is released: batches leave in the order they were made
		}
	}
	f.inline.Unlock()
	for _, o := range outs {
		f.enqueue(o.sub, o.batch)
		o.sub.send.Unlock()
	}
}

// Result hands an observation and what the picture decided to every
// subscriber.
func (f *Fanout) Result(o *vessel.Observation, r *fusion.Result) {
	f.publish(func(s Subscriber) { s.Result(o, r) }, func(sub *subscription) (fanItem, bool) {
		if sub.opt.Want != nil && !sub.opt.Want(o, r) {
			return fanItem{}, false
		}
		return sub.resultItem(o, r), true
	}, false)
}

// Events hands events (new, or new versions) to every subscriber but
// those that skip them. The slice must not be changed afterwards.
func (f *Fanout) Events(evs []event.Event) {
	if len(evs) == 0 {
		return
	}
	var out [4]outgoing
	outs := out[:0]
	f.inline.Lock()
	for _, sub := range f.subs {
		switch {
		case sub.opt.SkipEvents:
		case sub.queue == nil:
			sub.delivered.Add(1)
			sub.s.Events(evs)
		default:
			outs = append(outs, outgoing{sub, sub.add(fanItem{kind: itemEvents, evs: evs}, true)})
			sub.send.Lock()
		}
	}
	f.inline.Unlock()
	for _, o := range outs {
		f.enqueue(o.sub, o.batch)
		o.sub.send.Unlock()
	}
}

// Commit tells every subscriber that the store committed (or that a
// commit interval passed).
func (f *Fanout) Commit() {
	f.publish(func(s Subscriber) { s.Commit() }, func(*subscription) (fanItem, bool) {
		return fanItem{kind: itemCommit}, true
	}, true)
}

// Call runs fn with every subscriber, in order with what was published
// before it: at once for an inline subscriber, on its own goroutine after
// the items queued before for a queued one (a queue that drops when full,
// DropNewest, may drop the call too, counted). A cluster node moves event
// detection's time and zones this way at defined places of the ingest
// log (cluster.go). fn tells the subscribers apart by their type.
func (f *Fanout) Call(fn func(Subscriber)) {
	var out [4]outgoing
	outs := out[:0]
	f.inline.Lock()
	for _, sub := range f.subs {
		if sub.queue == nil {
			sub.delivered.Add(1)
			fn(sub.s)
			continue
		}
		outs = append(outs, outgoing{sub, sub.add(fanItem{kind: itemCall, fn: fn}, true)})
		sub.send.Lock()
	}
	f.inline.Unlock()
	for _, o := range outs {
		f.enqueue(o.sub, o.batch)
		o.sub.send.Unlock()
	}
}

// Flush queues what the queued subscribers' batches have gathered, and
// flushes the inline subscribers that are Flushers.
func (f *Fanout) Flush() {
	var out [4]outgoing
	outs := out[:0]
	f.inline.Lock()
	for _, sub := range f.subs {
		if sub.queue == nil {
			if fl, ok := sub.s.(Flusher); ok {
				fl.Flush()
			}
			continue
		}
		if len(sub.pending) > 0 {
			outs = append(outs, outgoing{sub, sub.pending})
			sub.pending = nil
			sub.send.Lock()
		}
	}
	f.inline.Unlock()
	for _, o := range outs {
		f.enqueue(o.sub, o.batch)
		o.sub.send.Unlock()
	}
}

func (f *Fanout) enqueue(sub *subscription, b []fanItem) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.stopped {
		sub.dropped.Add(int64(len(b)))
		return
	}
	if sub.opt.Overflow == Block {
		sub.queued.Add(int64(len(b)))
		select {
		case sub.queue <- b:
		default:
			sub.blocked.Add(1)
			sub.queue <- b // Run drains until it has taken the write lock
		}
		return
	}
	select {
	case sub.queue <- b:
		sub.queued.Add(int64(len(b)))
	default:
		sub.dropped.Add(int64(len(b)))
	}
}

// Run delivers the queued subscriptions' items, each on its own
// goroutine, until ctx is cancelled; it then delivers what is queued and
// returns, telling each Stopper subscriber that nothing more comes.
// Items published after that are dropped and counted. Stop the Fanout
// after its publishers (the pipeline).
func (f *Fanout) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, sub := range f.subs {
		if sub.queue == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range sub.queue {
				// counted once a batch as it is taken, not with two
				// atomic additions an item
				sub.delivered.Add(int64(len(b)))
				sub.queued.Add(-int64(len(b)))
				for i := range b {
					it := &b[i]
					switch it.kind {
					case itemResult:
						sub.deliverResult(it)
					case itemEvents:
						sub.s.Events(it.evs)
					case itemCommit:
						sub.s.Commit()
					case itemCall:
						it.fn(sub.s)
					}
					*it = fanItem{}
				}
				select {
				case sub.free <- b:
				default:
				}
			}
			if st, ok := sub.s.(Stopper); ok {
				st.Stop()
			}
		}()
	}
	<-ctx.Done()
	f.Flush()
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
	for _, sub := range f.subs {
		if st, ok := sub.s.(Stopper); ok && sub.queue == nil {
			st.Stop() // the publishers have stopped: nothing else delivers now
		}
	}
	return nil
}

// Stats returns every subscriber's counters, in order of subscription.
func (f *Fanout) Stats() []SubscriberStats {
	out := make([]SubscriberStats, len(f.subs))
	for i, sub := range f.subs {
		out[i] = SubscriberStats{Name: sub.name, Delivered: sub.delivered.Load(), Dropped: sub.dropped.Load(),
			Blocked: sub.blocked.Load(), Queue: int(sub.queued.Load()), QueueCap: cap(sub.queue)}
	}
	return out
}
