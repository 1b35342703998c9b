package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// batchUpdate is an update of vessel i with sequence number seq and a
// name of nameLen letters.
func batchUpdate(seq uint64, i, nameLen int) Update {
	m := vessel.MMSI(366000000 + i)
	return Update{Seq: seq, MMSI: m, Located: true,
		Position: vessel.Position{MMSI: m, Time: vessel.TimeOf(time.Unix(1700000000, 0)), Lat: 10, Lon: 20, SOG: 100, COG: 900, Heading: 90},
		Static:   vessel.Static{MMSI: m, Has: vessel.HasName, Name: strings.Repeat("N", nameLen)}}
}

// readBatches splits the batch events written to out.
func readBatches(t *testing.T, out *bytes.Buffer) (ids []string, data []string) {
	t.Helper()
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		switch line := sc.Text(); {
		case strings.HasPrefix(line, "id: "):
			ids = append(ids, line[4:])
		case strings.HasPrefix(line, "data: "):
			data = append(data, line[6:])
		case line == "", line == "event: batch":
		default:
			t.Fatalf("unexpected line %q", line)
		}
	}
	if len(ids) != len(data) {
		t.Fatalf("%d ids, %d data lines", len(ids), len(data))
	}
	return ids, data
}

// TestBatcher: the window is measured from a batch's first item, with
// the times given; the count and byte bounds cut a window's batch
// wherever they are reached; a lone item over the byte bound goes alone.
func TestBatcher(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	ref := vessel.TimeOf(t0)
	type step struct {
		at      time.Duration // after t0
		updates []Update
		flushed int // batch events written by this step
	}
	us := func(from uint64, n, nameLen int) []Update {
		var out []Update
		for i := range n {
			out = append(out, batchUpdate(from+uint64(i), i, nameLen))
		}
		return out
	}
	for _, tc := range []struct {
		name            string
		maxItems, bytes int
		steps           []step
		wantSizes       []int // updates per batch, in order
	}{
		{name: "window", maxItems: 100, bytes: 1 << 20, steps: []step{
			{at: 0, updates: us(1, 3, 4)},
			{at: 400 * time.Millisecond, updates: us(4, 2, 4)},
			{at: 500 * time.Millisecond, updates: us(6, 1, 4), flushed: 1}, // the window of the first ends
			{at: 600 * time.Millisecond, updates: us(7, 1, 4)},
			{at: 1099 * time.Millisecond, updates: us(8, 1, 4)},
			{at: 1100 * time.Millisecond, flushed: 1},
		}, wantSizes: []int{6, 2}},
		{name: "count", maxItems: 4, bytes: 1 << 20, steps: []step{
			{at: 0, updates: us(1, 10, 4), flushed: 2},
			{at: time.Second, flushed: 1},
		}, wantSizes: []int{4, 4, 2}},
		{name: "bytes", maxItems: 100, bytes: 1000, steps: []step{
			{at: 0, updates: us(1, 9, 100), flushed: 4}, // about 330 bytes each: 2 fit in 1000
			{at: time.Second, flushed: 1},
		}, wantSizes: []int{2, 2, 2, 2, 1}},
		{name: "one over the byte bound", maxItems: 100, bytes: 200, steps: []step{
			{at: 0, updates: us(1, 2, 100), flushed: 1},
			{at: time.Second, flushed: 1},
		}, wantSizes: []int{1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBatcher(500 * time.Millisecond)
			b.maxItems, b.maxBytes = tc.maxItems, tc.bytes
			var out bytes.Buffer
			var sizes []int
			var nextSeq uint64 = 1
			for _, st := range tc.steps {
				now := t0.Add(st.at)
				if err := b.add(&out, st.updates, nil, ref, now); err != nil {
					t.Fatal(err)
				}
				if d, ok := b.wait(now); ok && d <= 0 {
					b.flush(&out)
				}
				ids, data := readBatches(t, &out)
				if len(ids) != st.flushed {
					t.Fatalf("at %v: %d batches written; want %d", st.at, len(ids), st.flushed)
				}
				for i, d := range data {
					var got struct {
						Seq     uint64
						Updates []struct{ Seq uint64 }
					}
					if err := json.Unmarshal([]byte(d), &got); err != nil {
						t.Fatalf("batch %s: %v", d, err)
					}
					if len(d) > tc.bytes && len(got.Updates) > 1 {
						t.Errorf("a batch of %d bytes; bound %d", len(d), tc.bytes)
					}
					for _, u := range got.Updates {
						if u.Seq != nextSeq {
							t.Fatalf("update %d; want %d", u.Seq, nextSeq)
						}
						nextSeq++
					}
					if ids[i] != fmt.Sprint(got.Seq) || got.Seq != nextSeq-1 {
						t.Errorf("batch id %s, seq %d; want the last update's, %d", ids[i], got.Seq, nextSeq-1)
					}
					sizes = append(sizes, len(got.Updates))
				}
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tc.wantSizes) {
				t.Errorf("batches of %v; want %v", sizes, tc.wantSizes)
			}
			if _, ok := b.wait(t0); ok {
				t.Error("a batch still held at the end")
			}
		})
	}
}

// TestBatcherKinds: events and contacts go in their own lists, and the
// batch is valid JSON with all three lists even when some are empty.
func TestBatcherKinds(t *testing.T) {
	b := newBatcher(time.Second)
	var out bytes.Buffer
	now := time.Unix(1700000000, 0)
	b.add(&out, []Update{
		{Seq: 1, Event: &event.Event{ID: "e1", Type: "gap"}},
		{Seq: 2, Contact: &Contact{Sensor: "radar", Source: "r1"}},
		{Seq: 3, Event: &event.Event{ID: "e2", Type: "gap"}},
	}, nil, vessel.TimeOf(now), now)
	b.flush(&out)
	_, data := readBatches(t, &out)
	var got struct {
		Seq      uint64
		Updates  []json.RawMessage
		Events   []struct{ ID string }
		Contacts []struct{ Source string }
	}
	if len(data) != 1 || json.Unmarshal([]byte(data[0]), &got) != nil {
		t.Fatalf("batches %q", data)
	}
	if got.Seq != 3 || got.Updates == nil || len(got.Updates) != 0 || len(got.Events) != 2 || got.Events[1].ID != "e2" || len(got.Contacts) != 1 || got.Contacts[0].Source != "r1" {
		t.Errorf("batch %s", data[0])
	}
}

// EncodeStream writes the updates of us in chunks of the stream's
// reads, as the stream writes them for one client: one event per update,
// or (batched) in batch events, for BenchmarkStreamEncode.
func EncodeStream(out *bytes.Buffer, us []Update, ref vessel.Time, batched bool) error {
	bt := newBatcher(time.Second)
	now := time.Unix(1700000000, 0)
	for i := 0; i < len(us); i += maxStreamBatch {
		chunk := us[i:min(i+maxStreamBatch, len(us))]
		var err error
		if batched {
			err = bt.add(out, chunk, nil, ref, now)
		} else {
			err = appendUpdates(out, chunk, nil, ref)
		}
		if err != nil {
			return err
		}
	}
	bt.flush(out)
	return nil
}
