package event

import "github.com/tidewatch/tidewatch/internal/vessel"

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

func queuedLess(a, b *queued) bool {
	return a.p.Time < b.p.Time || a.p.Time == b.p.Time && a.seq < b.seq
}

// reorderBuf holds positions back and releases them by time, then
// arrival: the order a min-heap by (time, seq) gives. Feeds are nearly in
// time order, so most positions are no older than the newest held one:
// they go to the end of run, a queue already in order, in O(1) with no
// swapping. The others (a receiver lagging behind, a late batch) go to
// side, a heap. The minimum is the smaller of the two heads.
type reorderBuf struct {
	run  []queued // in (time, seq) order from head
	head int
	side posHeap
	// outOfOrder counts positions that went to the side heap.
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

// min returns the next position to release; the buffer must not be empty.
func (r *reorderBuf) min() *queued {
	if r.head == len(r.run) {
		return r.side.min()
	}
	if r.side.len() > 0 && queuedLess(r.side.min(), &r.run[r.head]) {
		return r.side.min()
	}
	return &r.run[r.head]
}

func (r *reorderBuf) pop() queued {
	if r.head == len(r.run) || r.side.len() > 0 && queuedLess(r.side.min(), &r.run[r.head]) {
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

// posHeap is a min-heap of held-back positions by time, then arrival.
type posHeap struct{ h []queued }

func (q *posHeap) len() int     { return len(q.h) }
func (q *posHeap) min() *queued { return &q.h[0] }
func (q *posHeap) less(i, j int) bool {
	return queuedLess(&q.h[i], &q.h[j])
}

func (q *posHeap) push(x queued) {
	q.h = append(q.h, x)
	for i := len(q.h) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q.h[i], q.h[parent] = q.h[parent], q.h[i]
		i = parent
	}
}

func (q *posHeap) pop() queued {
	top := q.h[0]
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h[n] = queued{}
	q.h = q.h[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && q.less(l, m) {
			m = l
		}
		if r < n && q.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}
