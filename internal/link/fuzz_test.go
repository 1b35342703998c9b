package link

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
)

// orderSink checks that a receiver only ever delivers increasing seqs.
type orderSink struct {
	mu          sync.Mutex
	last        uint64
	err         error
	redelivered []uint64 // seqs flagged Redelivered
}

func (s *orderSink) Deliver(_ string, items []Item) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range items {
		if it.Seq <= s.last && s.err == nil {
			s.err = errors.New("seq not increasing")
		}
		s.last = it.Seq
		if it.Redelivered {
			s.redelivered = append(s.redelivered, it.Seq)
		}
	}
	return nil
}

// FuzzFrames feeds arbitrary bytes to a receiver's connection handler
// (after a valid hello when the first byte is odd): it must end the
// session without panicking, deliver only increasing seqs, and count a
// violation when it ends for one.
func FuzzFrames(f *testing.F) {
	hi := appendHello(nil, hello{Version: Version, Name: "IN-IFC"})
	var enc batchEncoder
	enc.begin(nil, 0)
	enc.add(Item{Seq: 1, NotBefore: 5, Data: []byte("one")})
	enc.add(Item{Seq: 3, NotBefore: -2, Data: nil})
	batch := enc.finish()
	ping := appendEmpty(nil, framePing)
	f.Add([]byte{0})
	f.Add(append([]byte{1}, batch...))
	f.Add(append(append([]byte{1}, batch...), batch...))
	f.Add(append(append(append([]byte{1}, ping...), batch...), ping...))
	f.Add(append([]byte{0}, hi...))
	f.Add(append([]byte{1}, appendAck(nil, 3)...))
	f.Add(append([]byte{1}, 0xff, 0xff, 0xff, 0xff, 4))
	f.Add(append([]byte{1}, batch[:len(batch)-2]...))
	base := f.TempDir()

	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		in := data[1:]
		if data[0]&1 == 1 {
			in = append(slices.Clip(hi), in...)
		}
		dir, err := os.MkdirTemp(base, "c")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		sink := &orderSink{}
		r := &Receiver{Name: "JP-JCG", Authorize: func(net.Conn) (string, error) { return "IN-IFC", nil },
			Sink: sink, Cursors: dir, MaxFrame: 4096, noSync: true}
		c, err := r.config()
		if err != nil {
			t.Fatal(err)
		}
		r.partners = map[string]*partner{}
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.conns++
			r.handle(context.Background(), &c, server)
		}()
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			io.Copy(io.Discard, client)
		}()
		client.Write(in) // fails once the receiver has closed
		client.Close()
		<-done
		<-drained
		if sink.err != nil {
			t.Fatal(sink.err)
		}
		ps := r.Stats().Partners["IN-IFC"]
		if ps.Active {
			t.Error("session still active")
		}
		if ps.Delivered > 0 && ps.Cursor != sink.last {
			t.Errorf("cursor %d, last delivered %d", ps.Cursor, sink.last)
		}
	})
}

// FuzzBatch: a BATCH payload that parses re-encodes to the same items.
func FuzzBatch(f *testing.F) {
	var enc batchEncoder
	enc.begin(nil, 7)
	enc.add(Item{Seq: 8, NotBefore: 1 << 40, Data: []byte("a")})
	enc.add(Item{Seq: 1 << 62, NotBefore: -1, Data: bytes.Repeat([]byte("b"), 300)})
	f.Add(enc.finish()[frameHeader+1:])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		items, err := parseBatch(p, nil)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("error %v is not a protocol violation", err)
			}
			return
		}
		var e batchEncoder
		e.begin(nil, p0(p))
		for _, it := range items {
			e.add(it)
		}
		b := e.finish()
		if typ := b[frameHeader]; typ != frameBatch {
			t.Fatalf("type %d", typ)
		}
		again, err := parseBatch(b[frameHeader+1:], nil)
		if err != nil {
			t.Fatalf("re-encoded batch: %v", err)
		}
		if len(again) != len(items) {
			t.Fatalf("%d items, then %d", len(items), len(again))
		}
		for i := range items {
			a, b := items[i], again[i]
			if a.Seq != b.Seq || a.NotBefore != b.NotBefore || !bytes.Equal(a.Data, b.Data) {
				t.Fatalf("item %d: %+v, then %+v", i, a, b)
			}
		}
	})
}

// p0 is the base field of a BATCH payload.
func p0(p []byte) uint64 {
	d := dec{b: p}
	return d.u64("base")
}
