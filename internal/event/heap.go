package event

import (
	"slices"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// timerHeap is a min-heap of vessels by deadline (then MMSI, so that
// timers due together fire in the same order however time advances).
type timerHeap struct{ h []*track }

func (t *timerHeap) len() int    { return len(t.h) }
func (t *timerHeap) min() *track { return t.h[0] }
func (t *timerHeap) less(i, j int) bool {
	a, b := t.h[i], t.h[j]
	return a.deadline < b.deadline || a.deadline == b.deadline && a.mmsi < b.mmsi
}
func (t *timerHeap) swap(i, j int) {
	t.h[i], t.h[j] = t.h[j], t.h[i]
	t.h[i].heapIdx, t.h[j].heapIdx = i, j
}

func (t *timerHeap) push(tr *track) {
	tr.heapIdx = len(t.h)
	t.h = append(t.h, tr)
	for i := tr.heapIdx; i > 0; {
		parent := (i - 1) / 2
		if !t.less(i, parent) {
			break
		}
		t.swap(i, parent)
		i = parent
	}
}

// fix restores the heap order after the deadline of the vessel at i
// decreased.
func (t *timerHeap) fix(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !t.less(i, parent) {
			break
		}
		t.swap(i, parent)
		i = parent
	}
}

// remove takes the vessel at i out of the heap.
func (t *timerHeap) remove(i int) {
	tr := t.h[i]
	n := len(t.h) - 1
	if i != n {
		t.swap(i, n)
	}
	t.h[n] = nil
	t.h = t.h[:n]
	tr.heapIdx = -1
	if i < n {
		t.down(i)
		t.fix(i)
	}
}

func (t *timerHeap) down(i int) {
	n := len(t.h)
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && t.less(l, m) {
			m = l
		}
		if r < n && t.less(r, m) {
			m = r
		}
		if m == i {
			return
		}
		t.swap(i, m)
		i = m
	}
}

func (t *timerHeap) pop() *track {
	top := t.h[0]
	t.remove(0)
	return top
}

// queued is a position held back for reordering.
type queued struct {
	p   vessel.Position
	seq uint64
}

// reorderBuf holds positions back and releases them by time, then
// arrival: the order a min-heap by (time, seq) gives. Feeds are nearly in
// time order, so most positions are no older than the newest held one:
// they go to the end of run, a queue already in order, in O(1) with no
// swapping. The others (a receiver lagging behind, a late batch, a feed
// whose times jitter by the AIS second field) go to side, a bucket
// queue. The minimum is the smaller of the two heads.
type reorderBuf struct {
	run  []queued // in (time, seq) order from head
	head int
	side sideQueue
	// outOfOrder counts positions that went to the side queue.
	outOfOrder int64
}

func (r *reorderBuf) len() int { return len(r.run) - r.head + r.side.len() }

func (r *reorderBuf) push(x queued) {
	if n := len(r.run); n == r.head || x.p.Time >= r.run[n-1].p.Time {
		// seq only grows, so x sorts after the tail
		r.run = append(r.run, x)
		return
	}
	r.outOfOrder++
	r.side.push(x)
}

// sideFirst reports whether the next position to release is the side
// queue's.
func (r *reorderBuf) sideFirst() bool {
	if r.head == len(r.run) {
		return true
	}
	if r.side.len() == 0 {
		return false
	}
	k, q := r.side.minKey(), &r.run[r.head]
	return k.t < q.p.Time || k.t == q.p.Time && k.seq < q.seq
}

// minTime returns the time of the next position to release; the buffer
// must not be empty.
func (r *reorderBuf) minTime() vessel.Time {
	if r.sideFirst() {
		return r.side.minKey().t
	}
	return r.run[r.head].p.Time
}

// minSeq returns the arrival number of the next position to release.
func (r *reorderBuf) minSeq() uint64 {
	if r.sideFirst() {
		return r.side.minKey().seq
	}
	return r.run[r.head].seq
}

func (r *reorderBuf) pop() queued {
	if r.sideFirst() {
		return r.side.pop()
	}
	x := r.run[r.head]
	r.run[r.head] = queued{} // drop its Source for the collector
	r.head++
	switch {
	case r.head == len(r.run):
		r.run, r.head = r.run[:0], 0
	case r.head >= 1024 && r.head*2 >= len(r.run):
		// reuse the front: the copy is amortised over head pops
		n := copy(r.run, r.run[r.head:])
		clear(r.run[n:])
		r.run, r.head = r.run[:n], 0
	}
	return x
}

// sideQueue holds the side's positions and releases them by time, then
// arrival. Positions are kept in buckets of bucketMs of time; a bucket
// is sorted once, when it becomes the first (then positions are taken
// from its head, and one that arrives in it after that is inserted in
// order), and a small heap orders the buckets. The engine never pushes a
// position older than one it released (one older than its clock is
// processed at once), so the first bucket rarely takes an insertion; the
// order stays exact if it does (TestReorderBufOrder). A
// feed whose times jitter within a minute (the AIS second field) fills
// tens of buckets of a few thousand positions each: sorting one costs a
// fraction of sifting every position through a heap of them all. Each
// bucket keeps its own positions, in arrival order, beside its keys (a
// key's slot is the position's index there), so that sorting moves
// 24-byte keys, not positions, and taking a bucket's positions in order
// reads one bucket's memory: a bucket of one second of a live feed
// arrives over a minute of others', and positions kept together in one
// slab were scattered over megabytes of it (a cache miss for nearly
// every position taken).
type sideQueue struct {
	n       int
	buckets map[vessel.Time]*keyBucket // by number (time / bucketMs)
	order   []vessel.Time              // a min-heap of the buckets' numbers
	spare   []*keyBucket               // emptied buckets for reuse
	cur     *keyBucket                 // the first bucket, sorted; nil: not known
}

// bucketMs is the span of time of a bucket of the side queue.
const bucketMs = 1000

// keyBucket is one bucket: keys from head on, sorted when sorted, and
// the positions they index, in arrival order.
type keyBucket struct {
	keys   []heapKey
	pos    []vessel.Position
	head   int
	sorted bool
}

type heapKey struct {
	t    vessel.Time
	seq  uint64
	slot int32
}

func keyLess(a, b *heapKey) bool { return a.t < b.t || a.t == b.t && a.seq < b.seq }

func keyCmp(a, b heapKey) int {
	switch {
	case keyLess(&a, &b):
		return -1
	case keyLess(&b, &a):
		return 1
	}
	return 0
}

func bucketOf(t vessel.Time) vessel.Time {
	if t < 0 {
		return (t - bucketMs + 1) / bucketMs
	}
	return t / bucketMs
}

func (q *sideQueue) len() int { return q.n }

func (q *sideQueue) push(x queued) {
	k := heapKey{t: x.p.Time, seq: x.seq}
	q.n++
	id := bucketOf(k.t)
	b := q.buckets[id]
	if b == nil {
		if q.buckets == nil {
			q.buckets = make(map[vessel.Time]*keyBucket)
		}
		if n := len(q.spare); n > 0 {
			b = q.spare[n-1]
			q.spare = q.spare[:n-1]
		} else {
			b = &keyBucket{}
		}
		q.buckets[id] = b
		q.pushOrder(id)
		if q.order[0] == id {
			q.cur = nil // a new first bucket
		}
	}
	k.slot = int32(len(b.pos))
	b.pos = append(b.pos, x.p)
	if !b.sorted {
		b.keys = append(b.keys, k)
		return
	}
	// the first bucket, being taken from: in order (k has the highest
	// seq, so it goes after the keys of its time)
	i := len(b.keys)
	for i > b.head && b.keys[i-1].t > k.t {
		i--
	}
	b.keys = slices.Insert(b.keys, i, k)
}

// first returns the first bucket, sorted; the queue must not be empty.
func (q *sideQueue) first() *keyBucket {
	if q.cur != nil {
		return q.cur
	}
	b := q.buckets[q.order[0]]
	if !b.sorted {
		slices.SortFunc(b.keys, keyCmp)
		b.sorted = true
	}
	q.cur = b
	return b
}

// minKey returns the key of the next position to release.
func (q *sideQueue) minKey() heapKey {
	b := q.first()
	return b.keys[b.head]
}

func (q *sideQueue) pop() queued {
	b := q.first()
	top := b.keys[b.head]
	b.head++
	q.n--
	out := queued{p: b.pos[top.slot], seq: top.seq}
	if b.head == len(b.keys) {
		delete(q.buckets, q.popOrder())
		clear(b.pos) // drop the Sources for the collector
		b.keys, b.pos, b.head, b.sorted = b.keys[:0], b.pos[:0], 0, false
		q.cur = nil
		q.spare = append(q.spare, b)
	}
	return out
}

func (q *sideQueue) pushOrder(id vessel.Time) {
	i := len(q.order)
	q.order = append(q.order, id)
	for i > 0 {
		parent := (i - 1) / 2
		if q.order[parent] <= id {
			break
		}
		q.order[i] = q.order[parent]
		i = parent
	}
	q.order[i] = id
}

func (q *sideQueue) popOrder() vessel.Time {
	top := q.order[0]
	n := len(q.order) - 1
	last := q.order[n]
	q.order = q.order[:n]
	if n > 0 {
		i := 0
		for {
			l := 2*i + 1
			if l >= n {
				break
			}
			m := l
			if r := l + 1; r < n && q.order[r] < q.order[l] {
				m = r
			}
			if q.order[m] >= last {
				break
			}
			q.order[i] = q.order[m]
			i = m
		}
		q.order[i] = last
	}
	return top
}
