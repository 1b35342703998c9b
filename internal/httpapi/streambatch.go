package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Bounds of the batched stream (GET /api/v1/stream?batch=): the window a
// client may ask for, and the most one batch event carries. A batch is
// sent when its window ends or as soon as one more item would pass
// either bound, whichever comes first.
const (
	MinStreamBatch = 100 * time.Millisecond
	MaxStreamBatch = 2 * time.Second
	// MaxBatchItems is the most updates, events and contacts (together)
	// one batch event holds.
	MaxBatchItems = 2000
	// MaxBatchBytes is the most bytes of JSON one batch event's data
	// holds (one larger item goes alone).
	MaxBatchBytes = 512 << 10
)

// batcher collects the items of one batch event of a batched stream: the
// vessel summaries, detected events and contacts, each list in sequence
// order, and writes them as
//
//	id: SEQ
//	event: batch
//	data: {"seq":SEQ,"updates":[...],"events":[...],"contacts":[...]}
//
// where SEQ is the sequence number of the last update the batch took
// (the resume point, as an unbatched event's id). It is not safe for
// concurrent use: one stream's goroutine owns it.
type batcher struct {
	window            time.Duration
	maxItems          int
	maxBytes          int
	updates, events   []byte // the members of each array, comma-separated
	contacts          []byte
	n                 int       // items held
	seq               uint64    // the last update taken
	due               time.Time // when the batch held must go (n > 0)
	nUpd, nEvt, nCont int
}

func newBatcher(window time.Duration) *batcher {
	return &batcher{window: window, maxItems: MaxBatchItems, maxBytes: MaxBatchBytes}
}

// size is the bytes of the data line of the batch held.
func (b *batcher) size() int {
	return len(`{"seq":,"updates":[],"events":[],"contacts":[]}`) + 20 + len(b.updates) + len(b.events) + len(b.contacts)
}

// add takes the updates of us inside box (all if box is nil), encoded as
// of ref, at now: a batch that would pass a bound with the next item is
// written to out first, and the batch held when its window has ended
// after them.
func (b *batcher) add(out *bytes.Buffer, us []Update, box *geo.Rect, ref vessel.Time, now time.Time) error {
	var item []byte
	for i := range us {
		u := &us[i]
		var list *[]byte
		var count *int
		item = item[:0]
		if !inBox(u, box) {
			continue
		}
		switch {
		case u.Event != nil:
			data, err := json.Marshal(u.Event)
			if err != nil {
				return err
			}
			item, list, count = append(item, data...), &b.events, &b.nEvt
		case u.Contact != nil:
			data, err := json.Marshal(u.Contact)
			if err != nil {
				return err
			}
			item, list, count = append(item, data...), &b.contacts, &b.nCont
		default:
			item, list, count = appendSummary(item, u, ref), &b.updates, &b.nUpd
		}
		if b.n > 0 && b.size()+len(item)+1 > b.maxBytes {
			b.flush(out)
		}
		if b.n == 0 {
			b.due = now.Add(b.window)
		}
		if *count > 0 {
			*list = append(*list, ',')
		}
		*list = append(*list, item...)
		*count++
		b.n++
		b.seq = u.Seq
		if b.n >= b.maxItems {
			b.flush(out)
		}
	}
	if b.n > 0 && !now.Before(b.due) {
		b.flush(out)
	}
	return nil
}

// wait is how long until the batch held must go; ok is false when none
// is held (or b is nil: the stream is not batched).
func (b *batcher) wait(now time.Time) (d time.Duration, ok bool) {
	if b == nil || b.n == 0 {
		return 0, false
	}
	return b.due.Sub(now), true
}

// flush writes the batch held, if any, to out and empties it (nothing
// when b is nil).
func (b *batcher) flush(out *bytes.Buffer) {
	if b == nil || b.n == 0 {
		return
	}
	seq := strconv.FormatUint(b.seq, 10)
	out.WriteString("id: " + seq + "\nevent: batch\ndata: {\"seq\":" + seq + ",\"updates\":[")
	out.Write(b.updates)
	out.WriteString(`],"events":[`)
	out.Write(b.events)
	out.WriteString(`],"contacts":[`)
	out.Write(b.contacts)
	out.WriteString("]}\n\n")
	b.updates, b.events, b.contacts = b.updates[:0], b.events[:0], b.contacts[:0]
	b.n, b.nUpd, b.nEvt, b.nCont = 0, 0, 0, 0
}
