package audit_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/audit"
)

// The crash test runs an appender in a child process (this test binary,
// with TIDEWATCH_AUDIT_CRASH_DIR set), kills it with SIGKILL at a random
// moment, eight times on the same directory. After each kill the reopened
// log holds every entry the child reported synced, nothing but a prefix of
// what it appended after, no damage, and entry k has Seq k.

func crashEntry(k int) audit.Entry {
	return audit.Entry{Time: t0.Add(time.Duration(k) * 10 * time.Millisecond), Direction: audit.Sent,
		Partner: fmt.Sprint("p", k%5), Kind: "position", Key: strconv.Itoa(257000000 + k%301), Seq: uint64(k), Rule: "r", Origin: "o"}
}

func TestCrashChild(t *testing.T) {
	dir := os.Getenv("TIDEWATCH_AUDIT_CRASH_DIR")
	if dir == "" {
		t.Skip("runs only as the child of TestCrashKill9")
	}
	c := &clock{}
	l, err := audit.Open(dir, audit.Options{SegmentBytes: 64 << 10, Now: c.Now})
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(3)
	}
	k := int(l.Stats().Entries) + 1
	out := bufio.NewWriter(os.Stdout)
	for {
		n := 1 + k%211
		for i := range n {
			e := crashEntry(k + i)
			c.Set(e.Time)
			if err := l.Append(e); err != nil {
				fmt.Println("append error:", err)
				os.Exit(3)
			}
		}
		if err := l.Sync(); err != nil {
			fmt.Println("sync error:", err)
			os.Exit(3)
		}
		k += n
		fmt.Fprintf(out, "synced %d\n", k-1)
		out.Flush()
	}
}

func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(9, 10))
	synced := 0
	for round := 0; round < 8; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "TIDEWATCH_AUDIT_CRASH_DIR="+dir)
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
				synced, _ = strconv.Atoi(n)
			} else if strings.Contains(l, "error") {
				t.Fatalf("round %d: child: %s", round, l)
			}
		}
		deadline := time.After(time.Duration(20+rng.IntN(250)) * time.Millisecond)
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
		for l := range lines {
			note(l)
		}
		cmd.Wait()

		l, err := audit.Open(dir, audit.Options{SegmentBytes: 64 << 10, Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		st := l.Stats()
		if st.Entries < int64(synced) || st.DamagedSpans != 0 {
			t.Fatalf("round %d: %+v; %d entries were synced", round, st, synced)
		}
		got, err := l.Query(audit.Filter{Limit: audit.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(got)) != min(st.Entries, audit.MaxLimit) {
			t.Fatalf("round %d: query returned %d of %d entries", round, len(got), st.Entries)
		}
		for i, e := range got { // newest first: Seq Entries, Entries-1, …
			w := crashEntry(int(st.Entries) - i)
			if e.Seq != w.Seq || e.Key != w.Key || e.Partner != w.Partner || !e.Time.Equal(w.Time) {
				t.Fatalf("round %d: entry %d is %+v; want %+v", round, i, e, w)
			}
		}
		t.Logf("round %d: %d synced, %d stored, %d segments, %d torn bytes cut", round, synced, st.Entries, st.Segments, st.TornBytes)
		synced = int(st.Entries)
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
