package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/ingest"
)

// published collects what an input in line mode publishes.
type published struct {
	mu      sync.Mutex
	batches []ingest.LineBatch
}

func (p *published) publish(_ context.Context, b ingest.LineBatch) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.batches = append(p.batches, b)
	return nil
}

func (p *published) get() []ingest.LineBatch {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.batches)
}

// fileLines are the non-empty lines of a file, without line endings.
func fileLines(t testing.TB, path string) [][]byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, l := range bytes.Split(raw, []byte("\n")) {
		if l = bytes.TrimRight(l, "\r"); len(l) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// messageCounts decodes each group of lines on its own (as a cluster
// node decodes each batch of the log) and counts the AIS messages by
// type, and the multi-sentence ones.
func messageCounts(groups [][][]byte) (byType map[int]int, multi int) {
	byType = map[int]int{}
	for _, g := range groups {
		s := ingest.NewStream(bytes.NewReader(bytes.Join(g, []byte("\n"))), ingest.Options{})
		for {
			d, err := s.Next()
			if err != nil {
				break
			}
			byType[int(d.Msg.Head().Type)]++
			if d.NMEA.Sentences > 1 {
				multi++
			}
		}
	}
	return byType, multi
}

// TestLineModeReplayKeepsFragments replays real captures with
// multi-sentence messages (types 5, 19, 24; tag-block groups) in line
// mode with batches so small that fragments straddle batch boundaries:
// every batch decoded on its own gives every message the whole file
// gives (cutting the same lines into the same sizes without holding
// fragments back loses some, so the straddles are there), every line is
// published once, and a second pass over the file (a restart) gives the
// same batches with the same ids.
func TestLineModeReplayKeepsFragments(t *testing.T) {
	for _, tc := range []struct {
		file     string
		maxLines int
	}{
		{"raw/aishub-3min.nmea", 50},
		{"raw/amsa-exactearth-tagblock.nmea", 3},
		{"raw/gpsd-ais-nmea-type6-fid55.log", 4},
		{"raw/gpsd-sample.aivdm", 5},
	} {
		t.Run(fmt.Sprintf("%s/%d", tc.file, tc.maxLines), func(t *testing.T) {
			path := aistest.Path(tc.file)
			lines := fileLines(t, path)
			wantTypes, wantMulti := messageCounts([][][]byte{lines})
			if wantMulti == 0 {
				t.Fatalf("%s has no multi-sentence message", tc.file)
			}
			// The same lines cut naively at the same size lose messages.
			var naive [][][]byte
			for c := range slices.Chunk(lines, tc.maxLines) {
				naive = append(naive, c)
			}
			if _, m := messageCounts(naive); m >= wantMulti {
				t.Fatalf("naive cut keeps %d of %d multi-sentence messages: no straddle to test", m, wantMulti)
			}

			run := func() ([]ingest.LineBatch, ingest.ReplayStats) {
				var p published
				r, err := ingest.NewReplay(ingest.ReplayConfig{File: path, InputOptions: ingest.InputOptions{
					Name: "feed", Publish: p.publish, LineBatch: ingest.LineBatchOptions{MaxLines: tc.maxLines}}})
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				return p.get(), r.Stats()
			}
			batches, st := run()
			var groups [][][]byte
			var all [][]byte
			for _, b := range batches {
				if b.Source != "feed" || b.ID == "" || len(b.Lines) == 0 {
					t.Fatalf("batch source %q id %q lines %d", b.Source, b.ID, len(b.Lines))
				}
				groups = append(groups, b.Lines)
				all = append(all, b.Lines...)
			}
			gotTypes, gotMulti := messageCounts(groups)
			if gotMulti != wantMulti || fmt.Sprint(gotTypes) != fmt.Sprint(wantTypes) {
				t.Errorf("batches decoded alone: %d multi-sentence messages, types %v; want %d, %v", gotMulti, gotTypes, wantMulti, wantTypes)
			}
			if !sameLines(all, lines) {
				t.Errorf("published %d lines; want the file's %d, each once", len(all), len(lines))
			}
			if st.LineMode.Lines != int64(len(lines)) || st.LineMode.Batches != int64(len(batches)) || st.LineMode.Held == 0 || st.LineMode.Lost != 0 {
				t.Errorf("stats %+v; want %d lines in %d batches, some held, none lost", st.LineMode, len(lines), len(batches))
			}
			again, _ := run()
			if len(again) != len(batches) {
				t.Fatalf("second pass: %d batches; want %d", len(again), len(batches))
			}
			ids := map[string]bool{}
			for i := range again {
				if again[i].ID != batches[i].ID || !slices.EqualFunc(again[i].Lines, batches[i].Lines, bytes.Equal) {
					t.Fatalf("second pass: batch %d id %q differs from %q", i, again[i].ID, batches[i].ID)
				}
				if ids[again[i].ID] {
					t.Fatalf("id %q used twice", again[i].ID)
				}
				ids[again[i].ID] = true
			}
		})
	}
}

// sameLines reports whether a and b hold the same lines, each as often.
func sameLines(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, l := range a {
		m[string(l)]++
	}
	for _, l := range b {
		m[string(l)]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestLineModeTCPWindow: a TCP server in line mode publishes a batch
// when its window ends (the sender paused after the first fragment of
// a type 5 message), holds that fragment back, and publishes it with the
// rest of its message when it comes; a fragment whose rest never comes
// is given up after HeldBatches batches, published and counted.
func TestLineModeTCPWindow(t *testing.T) {
	lines := fileLines(t, aistest.Path("raw/aishub-3min.nmea"))
	split := -1
	for i, l := range lines {
		if bytes.HasPrefix(l, []byte("!AIVDM,2,1,")) && i > 10 && i+1 < len(lines) && bytes.HasPrefix(lines[i+1], []byte("!AIVDM,2,2,")) {
			split = i + 1
			break
		}
	}
	if split < 0 {
		t.Fatal("no two-sentence message in the capture")
	}
	first, rest := lines[:split], lines[split:split+20]
	var orphan []byte // a first fragment sent without its second
	for _, l := range lines[split+20:] {
		if bytes.HasPrefix(l, []byte("!AIVDM,2,1,")) {
			orphan = l
			break
		}
	}

	var p published
	s, err := ingest.NewTCPServer(ingest.TCPServerConfig{Listen: "127.0.0.1:0", InputOptions: ingest.InputOptions{
		Name: "tcp", Publish: p.publish, LineBatch: ingest.LineBatchOptions{Window: 20 * time.Millisecond, HeldBatches: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()

	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	write := func(ls [][]byte) {
		if _, err := c.Write(append(bytes.Join(ls, []byte("\r\n")), '\r', '\n')); err != nil {
			t.Fatal(err)
		}
	}
	write(first)
	eventually(t, "the first window's batch", func() bool { return len(p.get()) == 1 })
	b := p.get()[0]
	if len(b.Lines) != len(first)-1 || s.Stats().LineMode.Held != 1 {
		t.Fatalf("first batch: %d lines, held %d; want %d (the fragment held back)", len(b.Lines), s.Stats().LineMode.Held, len(first)-1)
	}
	write(rest)
	eventually(t, "the second batch", func() bool { return len(p.get()) == 2 })
	second := p.get()[1]
	if !bytes.Equal(second.Lines[0], first[len(first)-1]) || !bytes.Equal(second.Lines[1], rest[0]) {
		t.Errorf("second batch begins %q, %q; want the held fragment and its rest", second.Lines[0], second.Lines[1])
	}
	if _, multi := messageCounts([][][]byte{second.Lines}); multi == 0 {
		t.Error("second batch decodes to no multi-sentence message")
	}
	write([][]byte{orphan})
	eventually(t, "the orphan fragment given up", func() bool { return s.Stats().LineMode.FragmentsDropped == 1 })
	eventually(t, "the orphan published", func() bool { return len(p.get()) == 3 })
	if got := p.get()[2]; len(got.Lines) != 1 || !bytes.Equal(got.Lines[0], orphan) {
		t.Errorf("third batch %q; want the orphan alone", got.Lines)
	}
	c.Close()
	st := s.Stats().LineMode
	if want := int64(len(first) + len(rest) + 1); st.Lines != want || st.Batches != 3 {
		t.Errorf("stats %+v; want %d lines in 3 batches", st, want)
	}
	if !strings.HasPrefix(string(second.Lines[1]), "!AIVDM,2,2,") {
		t.Errorf("second batch's second line %q is not the second fragment", second.Lines[1])
	}
}

// TestLineModeUDPAndClient: a UDP listener and a TCP client in line mode
// publish every line they receive, with their name as the source.
func TestLineModeUDPAndClient(t *testing.T) {
	lines := fileLines(t, dmaStream)
	payload := append(bytes.Join(lines, []byte("\n")), '\n')

	t.Run("udp", func(t *testing.T) {
		var p published
		u, err := ingest.NewUDPListener(ingest.UDPConfig{Listen: "127.0.0.1:0", InputOptions: ingest.InputOptions{Name: "udp", Publish: p.publish}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- u.Run(ctx) }()
		defer func() { cancel(); <-done }()
		c, err := net.Dial("udp", u.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// One datagram per line, as receivers send; resend what the
		// loopback may have dropped until every line is published once.
		sent := 0
		for _, l := range lines {
			c.Write(l)
			sent++
			if sent%50 == 0 {
				eventually(t, "the datagrams received", func() bool { return u.Stats().Datagrams >= int64(sent) })
			}
		}
		eventually(t, "every datagram received", func() bool { return u.Stats().Datagrams == int64(len(lines)) })
		eventually(t, "every line published", func() bool { return u.Stats().LineMode.Lines == int64(len(lines)) })
		var all [][]byte
		for _, b := range p.get() {
			if b.Source != "udp" {
				t.Fatalf("source %q", b.Source)
			}
			all = append(all, b.Lines...)
		}
		if !slices.EqualFunc(all, lines, bytes.Equal) {
			t.Errorf("published %d lines, not the %d sent in order", len(all), len(lines))
		}
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
			c.Write(payload)
			c.Close()
		}()
		var p published
		cl, err := ingest.NewTCPClient(ingest.TCPClientConfig{Address: ln.Addr().String(), InputOptions: ingest.InputOptions{Name: "feed", Publish: p.publish}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- cl.Run(ctx) }()
		defer func() { cancel(); <-done }()
		eventually(t, "every line published", func() bool { return cl.Stats().LineMode.Lines == int64(len(lines)) })
		var all [][]byte
		for _, b := range p.get() {
			if b.Source != "feed" {
				t.Fatalf("source %q", b.Source)
			}
			all = append(all, b.Lines...)
		}
		if !slices.EqualFunc(all, lines, bytes.Equal) {
			t.Errorf("published %d lines, not the %d sent in order", len(all), len(lines))
		}
	})
}
