package simulate

import "github.com/tidewatch/tidewatch/internal/vessel"

// queue orders the vessels' next reports by time: a calendar queue, a ring
// of buckets each width milliseconds wide, each bucket a binary heap. A
// report is never scheduled further ahead than the ring spans, so a push
// goes into a small heap that stays in cache, and the pop order is exactly
// that of one big heap: by time, then by vessel index.
type queue struct {
	width   vessel.Time
	buckets [][]event
	cur     int         // bucket being drained
	start   vessel.Time // start time of bucket cur
	n       int
}

// event is one queue entry: a vessel's next report time.
type event struct {
	t vessel.Time
	v int32
}

func less(a, b event) bool { return a.t < b.t || a.t == b.t && a.v < b.v }

// reset empties the queue for times from from on, with buckets of width
// and room for events up to span ahead.
func (q *queue) reset(from, width, span vessel.Time) {
	q.width = max(width, 1)
	nb := int(span/q.width) + 2
	if cap(q.buckets) >= nb {
		q.buckets = q.buckets[:nb]
	} else {
		q.buckets = make([][]event, nb)
	}
	for i := range q.buckets {
		q.buckets[i] = q.buckets[i][:0]
	}
	q.start = from
	q.cur = 0
	q.n = 0
}

// push adds e; e.t must be at least the start of the current bucket and
// less than a ring's span after it.
func (q *queue) push(e event) {
	if e.t < q.start || e.t >= q.start+q.width*vessel.Time(len(q.buckets)) {
		panic("simulate: event outside the queue's span")
	}
	i := q.cur + int((e.t-q.start)/q.width)
	if i >= len(q.buckets) {
		i -= len(q.buckets)
	}
	h := append(q.buckets[i], e)
	// Sift up.
	j := len(h) - 1
	for j > 0 {
		p := (j - 1) / 2
		if !less(e, h[p]) {
			break
		}
		h[j] = h[p]
		j = p
	}
	h[j] = e
	q.buckets[i] = h
	q.n++
}

// peek returns the earliest event, moving to the bucket that holds it;
// false when the queue is empty.
func (q *queue) peek() (event, bool) {
	if q.n == 0 {
		return event{}, false
	}
	for len(q.buckets[q.cur]) == 0 {
		q.cur++
		if q.cur == len(q.buckets) {
			q.cur = 0
		}
		q.start += q.width
	}
	return q.buckets[q.cur][0], true
}

// pop removes the event peek returned.
func (q *queue) pop() {
	h := q.buckets[q.cur]
	n := len(h) - 1
	e := h[n]
	h = h[:n]
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && less(h[c+1], h[c]) {
			c++
		}
		if !less(h[c], e) {
			break
		}
		h[i] = h[c]
		i = c
	}
	if n > 0 {
		h[i] = e
	}
	q.buckets[q.cur] = h
	q.n--
}
