package link

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
)

func TestCursorFiles(t *testing.T) {
	d := cursorDir{dir: t.TempDir()}
	if c, p, err := d.load("IN-IFC"); err != nil || c != 0 || p != 0 {
		t.Fatalf("load of a new partner = %d, %d, %v; want 0, 0, nil", c, p, err)
	}
	for _, tc := range []struct {
		save, pending        uint64
		wantCursor, wantPend uint64
	}{
		{save: 10, pending: 10, wantCursor: 10, wantPend: 10},
		{save: 10, pending: 25, wantCursor: 10, wantPend: 25}, // crashed between Deliver and save
		{save: 30, pending: 25, wantCursor: 30, wantPend: 30}, // stale pending reads as the cursor
		{save: 1 << 63, pending: 1 << 63, wantCursor: 1 << 63, wantPend: 1 << 63},
	} {
		if err := d.savePending("IN-IFC", tc.pending); err != nil {
			t.Fatal(err)
		}
		if err := d.save("IN-IFC", tc.save); err != nil {
			t.Fatal(err)
		}
		c, p, err := d.load("IN-IFC")
		if err != nil || c != tc.wantCursor || p != tc.wantPend {
			t.Errorf("save %d, pending %d: load = %d, %d, %v; want %d, %d", tc.save, tc.pending, c, p, err, tc.wantCursor, tc.wantPend)
		}
	}
	for _, bad := range [][]byte{nil, []byte("short"), encodeCursor(pendingMagic, 5), flip(encodeCursor(cursorMagic, 5), 6)} {
		if err := os.WriteFile(d.path("X", cursorSuffix), bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.load("X"); !errors.Is(err, ErrCursorCorrupt) {
			t.Errorf("load of %q: %v, want ErrCursorCorrupt", bad, err)
		}
	}
}

func flip(b []byte, i int) []byte {
	b[i] ^= 1
	return b
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"IN-IFC", true}, {"jp.jcg_1", true}, {"", false}, {".hidden", false}, {"a/b", false},
		{"a b", false}, {"é", false}, {string(make([]byte, 65)), false},
	} {
		if err := checkName(tc.name); (err == nil) != tc.ok {
			t.Errorf("checkName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// TestRedeliveredAfterCrash: a receiver that finds a pending seq above its
// cursor (it crashed between Deliver and the cursor write) counts the
// items delivered again.
func TestRedeliveredAfterCrash(t *testing.T) {
	d := cursorDir{dir: t.TempDir()}
	if err := d.save("IN-IFC", 10); err != nil {
		t.Fatal(err)
	}
	if err := d.savePending("IN-IFC", 20); err != nil {
		t.Fatal(err)
	}
	sink := &orderSink{}
	r := &Receiver{Name: "JP-JCG", Authorize: func(net.Conn) (string, error) { return "IN-IFC", nil },
		Sink: sink, Cursors: d.dir}
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
	var enc batchEncoder
	enc.begin(nil, 10)
	for s := uint64(11); s <= 25; s++ {
		enc.add(Item{Seq: s, Data: []byte("x")})
	}
	br := bufio.NewReader(client)
	client.Write(appendHello(nil, hello{Version: Version, Name: "IN-IFC"}))
	if typ, p, err := readFrame(br, 1<<20, nil); err != nil || typ != frameWelcome {
		t.Fatalf("frame %s, %v; want WELCOME", frameName(typ), err)
	} else if w, _ := parseWelcome(p); w.Cursor != 10 {
		t.Fatalf("welcome cursor %d, want 10", w.Cursor)
	}
	client.Write(enc.finish())
	if typ, p, err := readFrame(br, 1<<20, nil); err != nil || typ != frameAck {
		t.Fatalf("frame %s, %v; want ACK", frameName(typ), err)
	} else if seq, _ := parseAck(p); seq != 25 {
		t.Fatalf("ack %d, want 25", seq)
	}
	client.Close()
	<-done
	ps := r.Stats().Partners["IN-IFC"]
	if ps.Delivered != 15 || ps.Redelivered != 10 || ps.Cursor != 25 {
		t.Errorf("delivered %d, redelivered %d, cursor %d; want 15, 10 (seqs 11..20), 25", ps.Delivered, ps.Redelivered, ps.Cursor)
	}
	if fmt.Sprint(sink.redelivered) != "[11 12 13 14 15 16 17 18 19 20]" {
		t.Errorf("items flagged Redelivered: %v, want 11..20", sink.redelivered)
	}
	if cur, pend, err := d.load("IN-IFC"); err != nil || cur != 25 || pend != 25 {
		t.Errorf("files: cursor %d, pending %d, %v; want 25, 25", cur, pend, err)
	}
}
