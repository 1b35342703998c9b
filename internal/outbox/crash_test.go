package outbox_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/outbox"
)

// The crash test runs an appender and a sender in a child process (this
// test binary, with TIDEWATCH_OUTBOX_CRASH_DIR set) and kills it with
// SIGKILL at a random moment, twelve times on the same directory. After
// each kill the reopened queue must hold every record the child reported
// synced, exactly once, in order, with consecutive sequence numbers and the
// right data, and its cursor must be at least the last one the child
// reported acknowledged and never behind the previous round's.

var crashOpts = outbox.Options{SegmentBytes: 32 << 10, MaxBytes: 1 << 30}

func TestCrashChild(t *testing.T) {
	dir := os.Getenv("TIDEWATCH_OUTBOX_CRASH_DIR")
	if dir == "" {
		t.Skip("runs only as the child of TestCrashKill9")
	}
	fail := func(what string, err error) {
		fmt.Printf("%s error: %v\n", what, err)
		os.Exit(3)
	}
	q, err := outbox.Open(dir, crashOpts)
	if err != nil {
		fail("open", err)
	}
	out := bufio.NewWriter(os.Stdout)
	rng := rand.New(rand.NewPCG(uint64(q.Last()), 1))
	for batch := 0; ; batch++ {
		n := 1 + rng.IntN(300)
		for range n {
			want := q.Last() + 1
			seq, err := q.Append(int64(want), payload(want))
			if err != nil {
				fail("append", err)
			}
			if seq != want {
				fail("append", fmt.Errorf("seq %d, want %d", seq, want))
			}
		}
		if err := q.Sync(); err != nil {
			fail("sync", err)
		}
		fmt.Fprintf(out, "synced %d\n", q.Last())
		out.Flush()
		if batch%3 == 0 {
			recs, err := q.Read(q.Acked(), 1+rng.IntN(500), 1<<20)
			if err != nil {
				fail("read", err)
			}
			if len(recs) > 0 {
				last := recs[len(recs)-1].Seq
				if err := q.Ack(last); err != nil {
					fail("ack", err)
				}
				fmt.Fprintf(out, "acked %d\n", last)
				out.Flush()
			}
		}
	}
}

func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 8))
	var synced, acked, prevAcked uint64
	for round := 0; round < 12; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "TIDEWATCH_OUTBOX_CRASH_DIR="+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		note := func(l string) {
			if n, ok := strings.CutPrefix(l, "synced "); ok {
				synced, _ = strconv.ParseUint(n, 10, 64)
			} else if n, ok := strings.CutPrefix(l, "acked "); ok {
				acked, _ = strconv.ParseUint(n, 10, 64)
			} else if strings.Contains(l, "error") {
				t.Fatalf("round %d: child: %s", round, l)
			}
		}
		deadline := time.After(time.Duration(20+rng.IntN(300)) * time.Millisecond)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break wait
				}
				note(l)
			case <-deadline:
				break wait
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines { // reports printed before the kill
			note(l)
		}
		cmd.Wait()

		q, err := outbox.Open(dir, crashOpts)
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		st := q.Stats()
		if q.Last() < synced {
			t.Fatalf("round %d: last %d; %d were synced", round, q.Last(), synced)
		}
		if q.Acked() < acked || q.Acked() < prevAcked {
			t.Fatalf("round %d: cursor %d; acknowledged %d, previous round %d", round, q.Acked(), acked, prevAcked)
		}
		if st.Dropped != 0 || q.DroppedThrough() != 0 {
			t.Fatalf("round %d: records dropped: %+v", round, st)
		}
		seqs := readAll(t, q, 0, 1000)
		checkRange(t, seqs, q.Acked()+1, q.Last())
		recs, _ := q.Read(q.Acked(), 1, 1<<20)
		if len(recs) > 0 && !bytes.Equal(recs[0].Data, payload(recs[0].Seq)) {
			t.Fatalf("round %d: first pending record differs", round)
		}
		t.Logf("round %d: %d synced, %d stored, cursor %d, %d segments, %d torn bytes cut", round, synced, q.Last(), q.Acked(), st.Segments, st.TornBytes)
		prevAcked = q.Acked()
		synced = q.Last()
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
