package httpapi_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// streamBatch is the data of a "batch" event, its updates kept as the
// bytes the node wrote.
type streamBatch struct {
	Seq      uint64            `json:"seq"`
	Updates  []json.RawMessage `json:"updates"`
	RawEv    []json.RawMessage `json:"events"`
	Contacts []json.RawMessage `json:"contacts"`
}

// nextBatch reads the next event of c, which must be a batch whose id is
// its seq.
func nextBatch(t *testing.T, c *sseClient) (streamBatch, sseEvent) {
	t.Helper()
	e := c.next(t)
	var b streamBatch
	if e.event != "batch" {
		t.Fatalf("event %+v; want batch", e)
	}
	if err := json.Unmarshal([]byte(e.data), &b); err != nil {
		t.Fatalf("batch %q: %v", e.data, err)
	}
	if e.id != strconv.FormatUint(b.Seq, 10) {
		t.Fatalf("batch id %q, seq %d: want the same", e.id, b.Seq)
	}
	return b, e
}

// seqOf is an update's sequence number.
func seqOf(t *testing.T, raw json.RawMessage) (seq uint64, mmsi uint32) {
	t.Helper()
	var s summary
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("update %s: %v", raw, err)
	}
	return s.Seq, s.MMSI
}

// TestStreamBatched: with batch= the stream sends the updates, events
// and contacts of a window in one event, each list in sequence order,
// each update byte for byte the data of the unbatched stream's event for
// it, filtered by bbox alike; the batch's id is the resume point.
func TestStreamBatched(t *testing.T) {
	hub := httpapi.NewHub(1 << 14)
	srv := newServer(t, func(c *httpapi.Config) { c.Hub = hub; c.StreamLag = 1 << 14 })
	base := srv.URL + "/api/v1/stream?"
	auth := []string{"Authorization", "Bearer " + fx.read}

	plain := openStream(t, base, auth...)
	live := openStream(t, base+"batch=100ms", auth...)
	// 300 updates, every other one in the Gulf of Mexico, and an event
	// and a contact in the gulf among them.
	const n = 300
	for i := range n {
		if i%2 == 0 {
			hub.Publish(update(vessel.MMSI(366000000+i), 25+float64(i)/100, -90, "GULF "+strconv.Itoa(i)))
		} else {
			hub.Publish(update(vessel.MMSI(366000000+i), 47.6, -122.3, "SEATTLE "+strconv.Itoa(i)))
		}
		switch i {
		case 100:
			hub.Publish(httpapi.Update{Event: &event.Event{ID: "ev-1", Type: "encounter", Lat: 29.5, Lon: -94.5, Vessels: []vessel.MMSI{366000001}, Version: 1}})
		case 200:
			hub.Publish(httpapi.Update{Contact: &httpapi.Contact{Lat: 29.5, Lon: -94.5, Sensor: "radar", Source: "radar-1", Target: "7", Score: 0.5}})
		}
	}
	const total = n + 2

	// The unbatched stream, as before: one event per item.
	want := map[uint64]string{} // update seq → data
	for range total {
		e := plain.next(t)
		if e.event == "update" {
			seq, _ := strconv.ParseUint(e.id, 10, 64)
			want[seq] = e.data
		}
	}
	if len(want) != n {
		t.Fatalf("plain stream: %d updates; want %d", len(want), n)
	}

	check := func(name string, c *sseClient, inBox func(i int) bool, wantUpdates int, wantLast uint64) (batches int) {
		t.Helper()
		var last uint64
		var got, events, contacts int
		for got+events+contacts < wantUpdates+2 {
			b, _ := nextBatch(t, c)
			batches++
			if b.Seq <= last {
				t.Fatalf("%s: batch seq %d after %d", name, b.Seq, last)
			}
			if len(b.Updates)+len(b.RawEv)+len(b.Contacts) == 0 {
				t.Fatalf("%s: an empty batch", name)
			}
			for _, raw := range b.Updates {
				seq, mmsi := seqOf(t, raw)
				if seq <= last || seq > b.Seq {
					t.Fatalf("%s: update %d in batch %d after %d: out of order", name, seq, b.Seq, last)
				}
				last = seq
				if string(raw) != want[seq] {
					t.Errorf("%s: update %d is\n%s\nin a batch and\n%s\nunbatched", name, seq, raw, want[seq])
				}
				if i := int(mmsi - 366000000); !inBox(i) {
					t.Errorf("%s: update of %d, outside the box", name, mmsi)
				}
				got++
			}
			last = b.Seq
			for _, raw := range b.RawEv {
				var ev struct{ ID string }
				if json.Unmarshal(raw, &ev); ev.ID != "ev-1" {
					t.Errorf("%s: event %s", name, raw)
				}
				events++
			}
			contacts += len(b.Contacts)
		}
		if got != wantUpdates || events != 1 || contacts != 1 {
			t.Errorf("%s: %d updates, %d events, %d contacts; want %d, 1, 1", name, got, events, contacts, wantUpdates)
		}
		if last != wantLast {
			t.Errorf("%s: last batch's seq %d; want %d", name, last, wantLast)
		}
		return batches
	}
	all := func(int) bool { return true }
	check("live", live, all, n, total)
	// Resumed from the start, everything is in the ring: one window takes
	// it (a second batch only if reading 302 items took the whole window).
	if b := check("resumed", openStream(t, base+"batch=2s&since=0", auth...), all, n, total); b > 2 {
		t.Errorf("resumed: %d batches for %d items in a 2 s window", b, total)
	}
	gulf := func(i int) bool { return i%2 == 0 }
	// (the batch's seq is the last update it took: the last in the box,
	// 298, after the event and the contact)
	check("bbox", openStream(t, base+"batch=2s&since=0&bbox=-98,18,-80,31", auth...), gulf, n/2, 298+3)

	// A batch is sent when its window ends: one update, alone.
	hub.Publish(update(366999999, 1, 1, "ALONE"))
	b, _ := nextBatch(t, live)
	if seq, mmsi := seqOf(t, b.Updates[0]); len(b.Updates) != 1 || seq != total+1 || mmsi != 366999999 || b.Seq != total+1 {
		t.Errorf("after the window: %+v; want update %d alone", b, total+1)
	}

	// Resuming after a batch's id gets what follows it.
	after := openStream(t, base+"batch=100ms", "Last-Event-ID", strconv.Itoa(total), auth[0], auth[1])
	if b, _ := nextBatch(t, after); len(b.Updates) != 1 || b.Seq != total+1 {
		t.Errorf("resumed after %d: %+v", total, b)
	}

	for _, bad := range []string{"batch=50ms", "batch=3s", "batch=soon", "batch=-1s"} {
		if code, _, body := do(t, "GET", base+bad, fx.read, nil); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s; want 400", bad, code, body)
		}
	}
}

// TestStreamBatchedBounds: a window holding more than MaxBatchItems is
// sent in several batches, none over the bounds, in order.
func TestStreamBatchedBounds(t *testing.T) {
	hub := httpapi.NewHub(1 << 14)
	srv := newServer(t, func(c *httpapi.Config) { c.Hub = hub; c.StreamLag = 1 << 14 })
	const n = 2*httpapi.MaxBatchItems + 5
	for i := range n {
		hub.Publish(update(vessel.MMSI(366000000+i), 1, 1, "BULK"))
	}
	c := openStream(t, srv.URL+"/api/v1/stream?batch=2s&since=0", "Authorization", "Bearer "+fx.read)
	var last uint64
	var sizes []int
	for got := 0; got < n; {
		b, e := nextBatch(t, c)
		if len(b.Updates) > httpapi.MaxBatchItems || len(e.data) > httpapi.MaxBatchBytes {
			t.Errorf("a batch of %d updates, %d bytes: over the bounds", len(b.Updates), len(e.data))
		}
		for _, raw := range b.Updates {
			seq, _ := seqOf(t, raw)
			if seq != last+1 {
				t.Fatalf("update %d after %d", seq, last)
			}
			last = seq
		}
		got += len(b.Updates)
		sizes = append(sizes, len(b.Updates))
	}
	if len(sizes) < 3 || !slices.Contains(sizes, httpapi.MaxBatchItems) {
		t.Errorf("batches of %v; want at least 3, one of %d (the bound)", sizes, httpapi.MaxBatchItems)
	}
}

// TestStreamBatchedLagged: a batched client too far behind gets the
// lagged event of the unbatched stream, is counted, and goes on in
// batches.
func TestStreamBatchedLagged(t *testing.T) {
	hub := httpapi.NewHub(64)
	srv := newServer(t, func(c *httpapi.Config) { c.Hub = hub; c.StreamLag = 32 })
	for i := range 40 {
		hub.Publish(update(vessel.MMSI(367000000+i), 1, 1, "BULK"))
	}
	before := hub.Stats().Lagged
	c := openStream(t, srv.URL+"/api/v1/stream?batch=100ms&since=0", "Authorization", "Bearer "+fx.read)
	if e := c.next(t); e.event != "lagged" || e.id != "40" {
		t.Errorf("%+v; want lagged up to 40", e)
	}
	if got := hub.Stats().Lagged - before; got != 1 {
		t.Errorf("lagged counted %d times; want 1", got)
	}
	hub.Publish(update(366000001, 1, 1, "LIVE"))
	if b, _ := nextBatch(t, c); b.Seq != 41 || len(b.Updates) != 1 {
		t.Errorf("after the gap: %+v; want update 41", b)
	}
}

// BenchmarkStreamEncode: the node's CPU to write about a second of the
// live stream at 20,000 simulated vessels (600 updates of the demo's
// fleet) for one client, as one event per update and batched, and the
// bytes per update on the wire.
func BenchmarkStreamEncode(b *testing.B) {
	start := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	pic := fusion.NewPicture(fusion.Config{})
	sim := simulate.New(simulate.Config{Vessels: 2000}, rand.New(rand.NewPCG(3, 4)))
	var us []httpapi.Update
	err := sim.Run(vessel.TimeOf(start), vessel.TimeOf(start.Add(time.Minute)), func(o *vessel.Observation) error {
		r := pic.Apply(o)
		if r.Outcome == fusion.Stored && r.Position.Flags&(vessel.Bad|vessel.FlagLate) == 0 {
			if s, ok := pic.Vessel(r.MMSI); ok {
				u := bind.Update(&s)
				u.Seq = uint64(len(us) + 1)
				us = append(us, u)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if len(us) < 600 {
		b.Fatalf("%d updates simulated", len(us))
	}
	us = us[len(us)-600:]
	ref := vessel.TimeOf(start.Add(time.Minute))
	var out bytes.Buffer
	for _, batched := range []bool{false, true} {
		name := "events"
		if batched {
			name = "batched"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				out.Reset()
				if err := httpapi.EncodeStream(&out, us, ref, batched); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.Len())/float64(len(us)), "B/update")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(us)), "ns/update")
		})
	}
}
