package ingest_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestLines checks InputOptions.Lines: a replay and a TCP client hand on
// every line of a real capture, as in the file (line ending removed),
// with the input's name, in order.
func TestLines(t *testing.T) {
	raw, err := os.ReadFile(dmaStream)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for _, l := range bytes.Split(raw, []byte("\n")) {
		if l = bytes.TrimRight(l, "\r"); len(l) > 0 {
			want = append(want, l)
		}
	}
	type got struct {
		mu    sync.Mutex
		lines [][]byte
		bad   string
	}
	collect := func(g *got, name string) func(string, []byte) {
		return func(source string, line []byte) {
			g.mu.Lock()
			defer g.mu.Unlock()
			if source != name {
				g.bad = source
			}
			g.lines = append(g.lines, bytes.Clone(line))
		}
	}
	check := func(t *testing.T, g *got, name string) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.bad != "" {
			t.Errorf("source %q; want %q", g.bad, name)
		}
		if len(g.lines) != len(want) {
			t.Fatalf("%d lines handed on; the file has %d", len(g.lines), len(want))
		}
		for i := range want {
			if !bytes.Equal(g.lines[i], want[i]) {
				t.Fatalf("line %d: %q; want %q", i, g.lines[i], want[i])
			}
		}
	}
	sink := func([]vessel.Observation) {}

	t.Run("replay", func(t *testing.T) {
		var g got
		r, err := ingest.NewReplay(ingest.ReplayConfig{
			InputOptions: ingest.InputOptions{Name: "rp", Sink: sink, Now: fixedNow, Overflow: ingest.Block, Lines: collect(&g, "rp")},
			File:         dmaStream,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		check(t, &g, "rp")
	})

	t.Run("tcp-client", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write(raw)
			c.Close()
		}()
		var g got
		c, err := ingest.NewTCPClient(ingest.TCPClientConfig{InputOptions: ingest.InputOptions{Name: "feed", Sink: sink, Lines: collect(&g, "feed")}, Address: ln.Addr().String()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx) }()
		eventually(t, "every line of the feed", func() bool {
			g.mu.Lock()
			defer g.mu.Unlock()
			return len(g.lines) >= len(want)
		})
		cancel()
		<-done
		check(t, &g, "feed")
	})
}
