package store

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// appliedBatch is the size of entry seq of the applied-mark workload:
// 1 to 60 positions, and none for every seventh entry (an entry that
// stores nothing still moves the mark).
func appliedBatch(seq int) int {
	if seq%7 == 0 {
		return 0
	}
	return 1 + seq*31%60
}

// appliedPositions is how many positions entries 1..seq hold.
func appliedPositions(seq int) int {
	n := 0
	for s := 1; s <= seq; s++ {
		n += appliedBatch(s)
	}
	return n
}

// TestAppliedMark: the mark moves with the commits, survives flushes
// (the WAL that held it gone), Close and reopen, a mark-only batch, and
// never goes back.
func TestAppliedMark(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir, Options{HeadPoints: 200})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Applied(); got != 0 {
		t.Fatalf("new store: Applied = %d", got)
	}
	k := 0
	var b Batch
	for seq := 1; seq <= 100; seq++ {
		b.Reset()
		for range appliedBatch(seq) {
			p := crashPosition(k)
			b.AddPosition(&p)
			k++
		}
		b.SetApplied(uint64(seq))
		if err := db.Write(&b); err != nil {
			t.Fatal(err)
		}
		if err := db.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := db.Applied(); got != uint64(seq) {
			t.Fatalf("after entry %d: Applied = %d", seq, got)
		}
	}
	if db.Stats().Blocks < 3 {
		t.Fatalf("%d blocks: the workload should flush", db.Stats().Blocks)
	}
	b.Reset()
	b.SetApplied(40) // lower: ignored
	if err := db.Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for round, want := range []uint64{100, 101} {
		db, err = Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := db.Applied(); got != want {
			t.Fatalf("reopen %d: Applied = %d; want %d", round, got, want)
		}
		if got := int(db.Stats().Positions); got != appliedPositions(100) {
			t.Fatalf("reopen %d: %d positions; want %d", round, got, appliedPositions(100))
		}
		b.Reset()
		b.SetApplied(101) // nothing but the mark, then closed without a flush of data
		if err := db.Write(&b); err != nil {
			t.Fatal(err)
		}
		if err := db.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"", "tidewatch applied 1\nx\n", "tidewatch applied 2\n5\n", "tidewatch applied 1\n5"} {
		if err := os.WriteFile(filepath.Join(dir, appliedName), []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(dir, Options{})
		var fe *FileError
		if !errors.Is(err, ErrCorrupt) || !errors.As(err, &fe) {
			t.Errorf("APPLIED %q: Open = %v; want a FileError wrapping ErrCorrupt", c, err)
		}
	}
}

func TestAppliedCrashChild(t *testing.T) {
	dir := os.Getenv("TIDEWATCH_APPLIED_DIR")
	if dir == "" {
		t.Skip("runs only as the child of TestAppliedCrashKill9")
	}
	db, err := Open(dir, Options{HeadPoints: 2000, ManifestEvery: time.Millisecond})
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(3)
	}
	seq := int(db.Applied())
	k := appliedPositions(seq)
	out := bufio.NewWriter(os.Stdout)
	var b Batch
	for {
		seq++
		b.Reset()
		for range appliedBatch(seq) {
			p := crashPosition(k)
			b.AddPosition(&p)
			k++
		}
		b.SetApplied(uint64(seq))
		if err := db.Write(&b); err != nil {
			fmt.Println("write error:", err)
			os.Exit(3)
		}
		if err := db.Commit(); err != nil {
			fmt.Println("commit error:", err)
			os.Exit(3)
		}
		fmt.Fprintf(out, "acked %d\n", seq)
		out.Flush()
	}
}

// TestAppliedCrashKill9: a writer that marks every entry it commits is
// killed with SIGKILL at random moments, and reopened (the next child
// goes on from the mark): the mark is at least the last entry
// acknowledged, and the store holds exactly the positions of the entries
// up to the mark, nothing of a later one.
func TestAppliedCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(9, 10))
	acked := 0
	for round := range 8 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAppliedCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "TIDEWATCH_APPLIED_DIR="+dir)
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
		deadline := time.After(time.Duration(30+rng.IntN(300)) * time.Millisecond)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break wait
				}
				if n, ok := strings.CutPrefix(l, "acked "); ok {
					acked, _ = strconv.Atoi(n)
				} else if strings.Contains(l, "error") {
					t.Fatalf("round %d: child: %s", round, l)
				}
			case <-deadline:
				break wait
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			if n, ok := strings.CutPrefix(l, "acked "); ok {
				acked, _ = strconv.Atoi(n)
			}
		}
		cmd.Wait()

		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		mark := int(db.Applied())
		if mark < acked {
			t.Fatalf("round %d: mark %d, entry %d was acknowledged", round, mark, acked)
		}
		if got, want := int(db.Stats().Positions), appliedPositions(mark); got != want {
			t.Fatalf("round %d: mark %d: %d positions stored; the entries up to the mark hold %d", round, mark, got, want)
		}
		t.Logf("round %d: %d acknowledged, mark %d, %d blocks", round, acked, mark, db.Stats().Blocks)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		acked = mark
	}
}
