package httpapi

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// DefaultHubSize is the number of recent updates a Hub keeps for clients
// that resume, when NewHub is given no size.
const DefaultHubSize = 1 << 16

// Hub fans picture updates out to live-stream clients. It keeps the last
// updates in a ring, numbered from 1 up; each client reads the ring from
// its own cursor, so Publish never waits for a client: it stores the
// update, wakes the waiting clients and returns. A client that falls more
// than its allowed lag behind, or resumes from an update that has left the
// ring, skips ahead and is told so (see Subscription.Next); one whose
// connection does not take data in time is dropped by the stream handler.
// Both are counted (Stats).
//
// A Hub owns no goroutine and needs no Close. It is safe for concurrent
// use.
type Hub struct {
	mu   sync.RWMutex
	ring []Update
	next uint64        // sequence number of the next update
	wake chan struct{} // closed by Publish when clients wait; nil if none
	grid *grid         // the vessels by place, for bbox queries
	hole uint64        // the newest sequence number Skip took (0: none)

	published atomic.Uint64
	skipped   atomic.Uint64
	clients   atomic.Int64
	lagged    atomic.Uint64
	dropped   atomic.Uint64
}

// NewHub returns a Hub that keeps the last size updates (DefaultHubSize
// when size <= 0).
func NewHub(size int) *Hub {
	if size <= 0 {
		size = DefaultHubSize
	}
	return &Hub{ring: make([]Update, size), next: 1, grid: newGrid()}
}

// Publish adds u to the stream with the next sequence number. It never
// blocks on clients: it holds the Hub's lock only to copy u into the ring.
// The server's pipeline calls it for every stored good position and every
// static data change (with UpdateOf of the vessel's new state).
//
// Publish also keeps the spatial index of the live picture's bbox
// queries: the API that has this Hub in its Config finds a vessel by the
// place of its last published update, so every change of a vessel's
// latest position must be published, whether or not a client streams.
// One Hub serves one picture.
func (h *Hub) Publish(u Update) {
	if u.Event == nil {
		h.grid.move(u.MMSI, u.Located, u.Position.Lat, u.Position.Lon)
	}
	h.mu.Lock()
	u.Seq = h.next
	h.ring[(h.next-1)%uint64(len(h.ring))] = u
	h.next++
	if h.wake != nil {
		close(h.wake)
		h.wake = nil
	}
	h.mu.Unlock()
	h.published.Add(1)
}

// Clients returns the number of subscriptions open now: a publisher
// with none may Skip instead of building an update.
func (h *Hub) Clients() int { return int(h.clients.Load()) }

// Skip takes the next sequence number without keeping an update, for a
// publisher that had no client to build one for (the live picture's
// snapshots are built only while someone listens). The number is not
// silently lost: a subscription whose cursor is before a skipped number
// (a client resuming from before it, or one that subscribed while it was
// taken) skips ahead with a Gap, as a lagging one does, and reloads the
// picture.
func (h *Hub) Skip() {
	h.mu.Lock()
	h.hole = h.next
	h.next++
	h.mu.Unlock()
	h.skipped.Add(1)
}

// Place keeps the spatial index of bbox queries for a vessel whose new
// latest position was not published (Skip, no client listening): the
// bbox answers must follow the picture whether or not anyone streams.
func (h *Hub) Place(m vessel.MMSI, lat, lon float64) {
	h.grid.move(m, true, lat, lon)
}

// Seq returns the sequence number of the last update published, 0 before
// the first.
func (h *Hub) Seq() uint64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.next - 1
}

// HubStats are a Hub's counters.
type HubStats struct {
	Published uint64 // updates published
	Skipped   uint64 // sequence numbers taken by Skip, with no client to build an update for
	Clients   int    // subscriptions open now
	// Lagged counts the times a client fell too far behind (or resumed
	// from an update no longer kept) and skipped ahead.
	Lagged uint64
	// Dropped counts the clients disconnected because their connection
	// did not take data in time.
	Dropped uint64
}

// Stats returns the Hub's counters.
func (h *Hub) Stats() HubStats {
	return HubStats{
		Published: h.published.Load(),
		Skipped:   h.skipped.Load(),
		Clients:   int(h.clients.Load()),
		Lagged:    h.lagged.Load(),
		Dropped:   h.dropped.Load(),
	}
}

// Subscription is one client's cursor in a Hub. It is not safe for
// concurrent use: one goroutine reads it.
type Subscription struct {
	h      *Hub
	cursor uint64 // the last update delivered (or skipped)
	maxLag uint64
	closed bool
}

// Subscribe opens a subscription. With resume it delivers the updates
// after since (those still kept); without, only updates published from
// now on. A client more than maxLag updates behind skips ahead (maxLag <=
// 0 allows the whole ring). Close it when done.
func (h *Hub) Subscribe(since uint64, resume bool, maxLag int) *Subscription {
	h.mu.RLock()
	last := h.next - 1
	h.mu.RUnlock()
	s := &Subscription{h: h, cursor: last, maxLag: uint64(len(h.ring))}
	if maxLag > 0 {
		s.maxLag = uint64(maxLag)
	}
	if resume {
		s.cursor = since
	}
	h.clients.Add(1)
	return s
}

// Close ends the subscription.
func (s *Subscription) Close() {
	if !s.closed {
		s.closed = true
		s.h.clients.Add(-1)
	}
}

// Cursor returns the sequence number of the last update delivered or
// skipped.
func (s *Subscription) Cursor() uint64 { return s.cursor }

// Gap reports updates a subscription skipped.
type Gap struct {
	// Missed is the number of updates skipped.
	Missed uint64
	// Reset is true when the resume point was ahead of the Hub (a client
	// of an earlier run of the server): how much was missed is unknown.
	Reset bool
}

// Next waits until there are updates after the cursor and appends up to
// max of them to buf, advancing the cursor. When the subscription must
// skip ahead — more than maxLag behind, or resuming from an update no
// longer kept, or from one the Hub never published — it moves the cursor
// to the newest update and returns no updates but a non-zero Gap, and the
// Hub counts a lag. It returns ctx.Err() when ctx is done.
func (s *Subscription) Next(ctx context.Context, buf []Update, max int) ([]Update, Gap, error) {
	h := s.h
	size := uint64(len(h.ring))
	for {
		h.mu.RLock()
		last := h.next - 1
		var oldest uint64 = 1
		if last > size {
			oldest = last - size + 1
		}
		var gap Gap
		switch {
		case s.cursor > last:
			gap.Reset = true
		case s.cursor+1 < oldest || last-s.cursor > s.maxLag || s.cursor < h.hole:
			gap.Missed = last - s.cursor
		}
		if gap.Reset || gap.Missed > 0 {
			s.cursor = last
			h.mu.RUnlock()
			h.lagged.Add(1)
			return buf, gap, nil
		}
		if last > s.cursor {
			n := min(last-s.cursor, uint64(max))
			for seq := s.cursor + 1; seq <= s.cursor+n; seq++ {
				buf = append(buf, h.ring[(seq-1)%size])
			}
			s.cursor += n
			h.mu.RUnlock()
			return buf, Gap{}, nil
		}
		h.mu.RUnlock()

		h.mu.Lock()
		if h.next-1 > s.cursor {
			h.mu.Unlock()
			continue
		}
		if h.wake == nil {
			h.wake = make(chan struct{})
		}
		wake := h.wake
		h.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return buf, Gap{}, ctx.Err()
		}
	}
}
