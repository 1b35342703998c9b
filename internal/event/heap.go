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

// posHeap is a min-heap of held-back positions by time, then arrival.
type posHeap struct{ h []queued }

func (q *posHeap) len() int     { return len(q.h) }
func (q *posHeap) min() *queued { return &q.h[0] }
func (q *posHeap) less(i, j int) bool {
	return q.h[i].p.Time < q.h[j].p.Time || q.h[i].p.Time == q.h[j].p.Time && q.h[i].seq < q.h[j].seq
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
