package store

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

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The crash test runs a writer in a child process (this test binary, with
// TIDEWATCH_CRASH_DIR set), kills it with SIGKILL at a random moment, and
// checks the reopened store: every position the child reported as
// committed is there, nothing else but a prefix of what it wrote after is
// there, and every file reads back without error. It repeats on the same
// directory, so recovery after recovery is exercised too.

// crashPosition is the k-th position the writer writes: a deterministic
// sequence over 37 vessels.
func crashPosition(k int) vessel.Position {
	m := vessel.MMSI(419000000 + k%37)
	step := k / 37
	return vessel.Position{MMSI: m, Time: vessel.Time(1_700_000_000_000 + int64(step)*10_000 + int64(k%37)),
		Lat: 10 + float64(k%37)/10 + float64(step)*1e-4, Lon: 70 + float64(step)*1e-4,
		SOG: vessel.Speed(step % 200), COG: vessel.Course(step % 3600), Heading: vessel.Heading(step % 360), Status: 0,
		Source: "rx-" + strconv.Itoa(k%3)}
}

func TestCrashChild(t *testing.T) {
	dir := os.Getenv("TIDEWATCH_CRASH_DIR")
	if dir == "" {
		t.Skip("runs only as the child of TestCrashKill9")
	}
	db, err := Open(dir, Options{HeadPoints: 3000, ManifestEvery: time.Millisecond})
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(3)
	}
	k := int(db.Stats().Positions)
	out := bufio.NewWriter(os.Stdout)
	var b Batch
	for {
		b.Reset()
		n := 1 + k%97
		for i := 0; i < n; i++ {
			p := crashPosition(k + i)
			b.AddPosition(&p)
		}
		if err := db.Write(&b); err != nil {
			fmt.Println("write error:", err)
			os.Exit(3)
		}
		if err := db.Commit(); err != nil {
			fmt.Println("commit error:", err)
			os.Exit(3)
		}
		k += n
		fmt.Fprintf(out, "acked %d\n", k)
		out.Flush()
	}
}

func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 8))
	acked := 0
	for round := 0; round < 12; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "TIDEWATCH_CRASH_DIR="+dir)
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
		deadline := time.After(time.Duration(20+rng.IntN(300)) * time.Millisecond)
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
		for l := range lines { // acknowledgements printed before the kill
			if n, ok := strings.CutPrefix(l, "acked "); ok {
				acked, _ = strconv.Atoi(n)
			}
		}
		cmd.Wait()

		db, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		if d := db.Damage(); len(d) != 0 {
			t.Fatalf("round %d: a crash reported as damage: %v", round, d)
		}
		got := int(db.Stats().Positions)
		if got < acked {
			t.Fatalf("round %d: %d positions stored, %d were acknowledged", round, got, acked)
		}
		// Exactly the first got positions of the sequence, per vessel.
		want := map[vessel.MMSI][]vessel.Position{}
		for k := 0; k < got; k++ {
			p := crashPosition(k)
			want[p.MMSI] = append(want[p.MMSI], quantize(p))
		}
		checkTracks(t, db, want)
		t.Logf("round %d: %d acknowledged, %d stored, %d blocks, recovery %q", round, acked, got, db.Stats().Blocks, db.Recovery())
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		acked = got // the next child continues from what is stored
	}
}
