package incident_test

import (
	"bufio"
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

	"github.com/tidewatch/tidewatch/internal/incident"
)

// The crash test runs a writer in a child process (this test binary, with
// TIDEWATCH_INCIDENT_CRASH set to the log's path), kills it with SIGKILL at
// a random moment, and checks the reopened store: every Put the child
// reported as acknowledged is there, at its version or a later one, and
// every record's history is whole. It repeats on the same log, so
// recovery after recovery is exercised too.

func TestCrashChild(t *testing.T) {
	path := os.Getenv("TIDEWATCH_INCIDENT_CRASH")
	if path == "" {
		t.Skip("runs only as the child of TestCrashKill9")
	}
	s, err := incident.Open(path, incident.Options{Node: node})
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	var last incident.Incident
	for k := 0; ; k++ {
		in := draft("crash")
		if k%3 == 2 {
			in = last // edit the latest record
		}
		in.Narrative = "write " + strconv.Itoa(k)
		got, err := s.Put(in, time.Unix(1_750_000_000+int64(k), 0))
		if err != nil {
			fmt.Println("put error:", err)
			os.Exit(3)
		}
		last = got
		fmt.Fprintf(out, "acked %s %d %s\n", got.ID, got.Version, got.Narrative)
		out.Flush()
	}
}

func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "incidents.log")
	rng := rand.New(rand.NewPCG(7, 8))
	type ack struct {
		version   int
		narrative string
	}
	acked := map[string]ack{}
	total := 0
	for round := 0; round < 10; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "TIDEWATCH_INCIDENT_CRASH="+path)
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
		record := func(l string) {
			f := strings.Fields(l)
			if len(f) == 5 && f[0] == "acked" {
				v, _ := strconv.Atoi(f[2])
				acked[f[1]] = ack{v, f[3] + " " + f[4]}
				total++
			} else if strings.Contains(l, "error") {
				t.Fatalf("round %d: child: %s", round, l)
			}
		}
		// The random moment counts from the child's first
		// acknowledgement, not from its start: on a loaded machine a
		// child may take longer than the whole window to start (every
		// round then acknowledged nothing).
		select {
		case l, ok := <-lines:
			if ok {
				record(l)
			}
		case <-time.After(2 * time.Minute):
			t.Fatalf("round %d: the child acknowledged nothing in 2 minutes", round)
		}
		deadline := time.After(time.Duration(20+rng.IntN(200)) * time.Millisecond)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break wait
				}
				record(l)
			case <-deadline:
				break wait
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines { // acknowledgements printed before the kill
			record(l)
		}
		cmd.Wait()

		s, err := incident.Open(path, incident.Options{Node: node})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		for id, a := range acked {
			got, ok := s.Get(id)
			if !ok || got.Version < a.version {
				t.Fatalf("round %d: %s: held %v version %d; version %d was acknowledged", round, id, ok, got.Version, a.version)
			}
			h := s.History(id)
			for i, v := range h {
				if v.Version != i+1 {
					t.Fatalf("round %d: %s: version %d at position %d", round, id, v.Version, i)
				}
			}
			if h[a.version-1].Narrative != a.narrative {
				t.Fatalf("round %d: %s version %d: narrative %q; want %q", round, id, a.version, h[a.version-1].Narrative, a.narrative)
			}
		}
		t.Logf("round %d: %d puts acknowledged in all, %d records held, recovery %q", round, total, s.Len(), s.Recovery())
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if total == 0 {
		t.Fatal("the child acknowledged nothing")
	}
}
