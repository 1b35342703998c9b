package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fileState is a durable state machine for the child process: each
// applied entry is a line "seq digest" appended and fsynced before Apply
// returns. It skips sequences it already holds, which happens once after
// a kill between its write and the follower's cursor write.
type fileState struct {
	f    *os.File
	last uint64
}

func openFileState(path string) (*fileState, error) {
	entries, err := readFileState(path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	s := &fileState{f: f}
	if n := len(entries); n > 0 {
		s.last = entries[n-1].Seq
	}
	return s, nil
}

func (s *fileState) apply(seq uint64, b Batch) error {
	if seq <= s.last {
		return nil
	}
	if _, err := fmt.Fprintf(s.f, "%d %s\n", seq, digest(b)); err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return err
	}
	s.last = seq
	return nil
}

func readFileState(path string) ([]applied, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []applied
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		seqText, d, ok := strings.Cut(sc.Text(), " ")
		seq, err := strconv.ParseUint(seqText, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("state line %q", sc.Text())
		}
		out = append(out, applied{seq, d})
	}
	return out, sc.Err()
}

// TestClusterChild runs one cluster member in a child process of
// TestClusterKill9 until it is killed: the configuration comes in a JSON
// file; it writes a ".ready" file next to it once its follower runs.
func TestClusterChild(t *testing.T) {
	path := os.Getenv("TIDEWATCH_CLUSTER_CHILD")
	if path == "" {
		t.Skip("runs only as the child of TestClusterKill9")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	n, err := Start(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	st, err := openFileState(filepath.Join(cfg.Dir, "state.log"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := n.IngestFollower(FollowerConfig{IdleWait: 200 * time.Millisecond}, st.apply)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path+".ready", nil, 0o600)
	if err := f.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// child is a cluster member in a child process.
type child struct {
	cfgPath string
	dir     string
	cmd     *exec.Cmd
}

func (c *child) start(t *testing.T) {
	t.Helper()
	os.Remove(c.cfgPath + ".ready")
	cmd := exec.Command(os.Args[0], "-test.run=^TestClusterChild$", "-test.v")
	cmd.Env = append(os.Environ(), "TIDEWATCH_CLUSTER_CHILD="+c.cfgPath)
	out, err := os.OpenFile(filepath.Join(filepath.Dir(c.cfgPath), "child.out"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	c.cmd = cmd
}

func (c *child) waitReady(t *testing.T) {
	t.Helper()
	poll(t, 3*time.Minute, "child member ready", func() error {
		if c.cmd.ProcessState != nil {
			return fmt.Errorf("child exited: %v", c.cmd.ProcessState)
		}
		_, err := os.Stat(c.cfgPath + ".ready")
		return err
	})
}

func (c *child) kill(t *testing.T) {
	t.Helper()
	if c.cmd == nil {
		return
	}
	c.cmd.Process.Kill() // SIGKILL on Unix
	c.cmd.Wait()
	c.cmd = nil
}

// TestClusterKill9: a three-member cluster whose third member is a
// separate process; two members feed real AIS; in the middle of the feed
// the third is killed with SIGKILL, the other two keep publishing; it is
// started again from its data directory, catches up, and its durable
// state holds exactly the entries the others applied, in the same order,
// with every acknowledged batch.
func TestClusterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts member processes")
	}
	ms := testCluster(t, 3, nil)
	kid := &child{dir: ms[2].cfg.Dir, cfgPath: filepath.Join(t.TempDir(), "child.json")}
	raw, err := json.Marshal(ms[2].cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kid.cfgPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kid.kill(t) })
	kid.start(t)
	live := ms[:2]
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, m := range live {
		wg.Go(func() { errs[i] = m.startNode() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, m := range live {
		if err := m.follow(); err != nil {
			t.Fatal(err)
		}
	}
	kid.waitReady(t)

	lines := aisLines(t, "aishub-3min.nmea")
	const per = 9000
	nb := (per + aishubPerBatch - 1) / aishubPerBatch
	killing, restarting := make(chan struct{}), make(chan struct{})
	pace := func(i int) {
		var gate chan struct{}
		switch i {
		case nb / 3:
			gate = killing
		case 2 * nb / 3:
			gate = restarting
		default:
			return
		}
		select {
		case <-gate:
		case <-t.Context().Done():
		}
	}
	var ack acked
	for i, m := range live {
		bs := batches(lines[i*per:(i+1)*per], aishubPerBatch, m.cfg.Name+"-tcp", t0)
		l := m.node.IngestLog(LogConfig{})
		wg.Go(func() { errs[i] = feed(l, bs, &ack, nil, pace) })
	}
	total := 2 * nb
	poll(t, 2*time.Minute, "a third of the feed", func() error {
		if n := ack.len(); n < 2*(nb/3) {
			return fmt.Errorf("%d of %d acknowledged", n, total)
		}
		return nil
	})
	killedAt := ack.len()
	close(killing)
	kid.kill(t)
	before, err := readFileState(filepath.Join(kid.dir, "state.log"))
	if err != nil {
		t.Fatal(err)
	}
	poll(t, 2*time.Minute, "two thirds of the feed", func() error {
		if n := ack.len(); n < 2*(2*nb/3) {
			return fmt.Errorf("%d of %d acknowledged", n, total)
		}
		return nil
	})
	restartAt := ack.len()
	close(restarting)
	kid.start(t)
	t.Logf("killed with %d of %d batches acknowledged (%d applied by the child), restarted at %d", killedAt, total, len(before), restartAt)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := ack.len(); got != total {
		t.Errorf("%d publishes acknowledged, want all %d", got, total)
	}
	kid.waitReady(t)
	converged(t, live, &ack)
	want, _ := live[0].state.snapshot()
	statePath := filepath.Join(kid.dir, "state.log")
	poll(t, 2*time.Minute, "the restarted process catches up", func() error {
		got, err := readFileState(statePath)
		if err != nil {
			return err
		}
		if len(got) < len(want) {
			return fmt.Errorf("%d of %d entries", len(got), len(want))
		}
		return nil
	})
	got, err := readFileState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("the killed member holds %d entries, the others %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d: the killed member holds %+v, the others %+v", i, got[i], want[i])
		}
	}
}
