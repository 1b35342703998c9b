package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestClusterChild runs a cluster node in a child process of
// TestClusterKill9 until it is killed or interrupted. The configuration
// comes in a file; the node writes its HTTP address next to it once it
// serves.
func TestClusterChild(t *testing.T) {
	path := os.Getenv("TIDEWATCH_CLUSTER_CHILD")
	if path == "" {
		t.Skip("runs only as the child of TestClusterKill9")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg Config
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.AllowAnonymousRead = true
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	level := slog.LevelInfo
	if os.Getenv("TIDEWATCH_TEST_CHILD_DEBUG") != "" { // every node's debug lines, for a failure's cause
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	err = Run(ctx, Options{Config: cfg, Logger: logger, Started: func(a net.Addr) {
		os.WriteFile(path+".addr.tmp", []byte(a.String()), 0o600)
		os.Rename(path+".addr.tmp", path+".addr")
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// clusterProc is one node of TestClusterKill9, a child process.
type clusterProc struct {
	name, cfgPath, input string
	cmd                  *exec.Cmd
	base                 string
	startedAt            time.Time // the last start
	logFrom              int64     // the log's size at the last start
}

func (p *clusterProc) start(t *testing.T) {
	t.Helper()
	os.Remove(p.cfgPath + ".addr")
	p.logFrom = 0
	if st, err := os.Stat(p.cfgPath + ".log"); err == nil {
		p.logFrom = st.Size()
	}
	p.startedAt = time.Now()
	p.cmd = exec.Command(os.Args[0], "-test.run=^TestClusterChild$", "-test.v")
	p.cmd.Env = append(os.Environ(), "TIDEWATCH_CLUSTER_CHILD="+p.cfgPath, "GOTRACEBACK=all")
	log, err := os.OpenFile(p.cfgPath+".log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	log.Close()
}

// wait waits until the node started last serves, and logs how long that
// took and the phases of its start (cluster_start_test.go). A node that
// does not serve within 90 s fails the test with its /readyz's reason,
// its start's phases and the goroutine opening it.
func (p *clusterProc) wait(t *testing.T) {
	t.Helper()
	var addr []byte
	// A start gives up when it has shown no progress (a new line marking
	// a phase of its start: joining, the snapshot's attempts, installing,
	// the store's restores) for 90 s, or after 5 minutes in all. A restart
	// past the retention under load 60 took 82.7 and 84.2 s, each phase
	// moving on (joining 14.6 s, the snapshot 36 s, the store 20 s):
	// a fixed 90 s failed such starts in CI while they progressed.
	const stalled, most = 90 * time.Second, 5 * time.Minute
	seen, moved := 0, time.Now()
	waitFor(t, most+10*time.Second, p.name+" to serve", func() bool {
		addr, _ = os.ReadFile(p.cfgPath + ".addr")
		if len(addr) > 0 {
			return true
		}
		if n := len(startLines(p.startLog())); n > seen {
			seen, moved = n, time.Now()
		}
		if time.Since(moved) > stalled || time.Since(p.startedAt) > most {
			t.Fatal(p.startFailure(t, time.Since(p.startedAt)))
		}
		return false
	})
	p.base = "http://" + string(addr)
	t.Logf("%s serves %.1fs after it started: %s", p.name, time.Since(p.startedAt).Seconds(), phases(startLines(p.startLog()), p.startedAt))
}

// refresh reads the node's HTTP address again: a node reopened in its
// process (past the retention while running) serves on a new port.
func (p *clusterProc) refresh() {
	if addr, err := os.ReadFile(p.cfgPath + ".addr"); err == nil && len(addr) > 0 {
		p.base = "http://" + string(addr)
	}
}

// metricIfUp is metricOK for a node that may be down for a moment: 0,
// false when it does not answer.
func metricIfUp(t testing.TB, base, name string) (float64, bool) {
	text, err := metricsText(t, base)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}

// metricsText is the node's /metrics page at base.
func metricsText(t testing.TB, base string) (string, error) {
	resp, err := clusterClient(t).Get(base + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// clusterMetrics is a node's tidewatch_cluster_ metrics, one a line (or
// why there are none), for a failure's report: what each node knew of
// the log, its leader and its routes at that moment.
func clusterMetrics(t testing.TB, p *clusterProc) string {
	text, err := metricsText(t, p.base)
	if err != nil {
		return err.Error()
	}
	var keep []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "tidewatch_cluster_") || strings.HasPrefix(line, "tidewatch_ready") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// dump makes a node that hangs print its goroutines' stacks to its log
// and exit, and waits for it (up to 10 s).
func (p *clusterProc) dump() {
	if p.cmd == nil || p.cmd.Process == nil || dumpProcess(p.cmd.Process) != nil {
		return
	}
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
		p.cmd = nil
	case <-time.After(10 * time.Second):
	}
}

func (p *clusterProc) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
		p.cmd = nil
	}
}

func (p *clusterProc) interrupt(t *testing.T) {
	t.Helper()
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(os.Interrupt)
	if err := p.cmd.Wait(); err != nil {
		log, _ := os.ReadFile(p.cfgPath + ".log")
		t.Errorf("%s did not stop cleanly: %v\n%s", p.name, err, tail(log, 3000))
	}
	p.cmd = nil
}

// keepLogs copies the nodes' whole logs into $TIDEWATCH_TEST_LOG_DIR,
// when set, for a failure whose cause is not in the tails logged.
func keepLogs(t *testing.T, procs []*clusterProc) {
	dir := os.Getenv("TIDEWATCH_TEST_LOG_DIR")
	if dir == "" {
		return
	}
	stamp := time.Now().UTC().Format("150405.000")
	for _, p := range procs {
		b, _ := os.ReadFile(p.cfgPath + ".log")
		path := filepath.Join(dir, fmt.Sprintf("%s-%s-%s.log", strings.ReplaceAll(t.Name(), "/", "_"), stamp, p.name))
		if err := os.WriteFile(path, b, 0o600); err == nil {
			t.Logf("%s's whole log: %s", p.name, path)
		}
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// captureLines are the NMEA lines of a real capture (comments dropped).
func captureLines(t testing.TB, name string, limit int) [][]byte {
	t.Helper()
	b, err := os.ReadFile(aistest.Path(name))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, l := range bytes.Split(b, []byte{'\n'}) {
		l = bytes.TrimRight(l, "\r")
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		out = append(out, l)
		if len(out) == limit {
			break
		}
	}
	return out
}

// clusterClient is apiClient (answers checked against openapi.json) with
// a timeout: a cluster node may stop answering in the middle of a test.
func clusterClient(t testing.TB) *http.Client {
	c := apiClient(t)
	c.Timeout = 10 * time.Second
	return c
}

// getJSON fetches base+path into v and returns the status (0 when the
// node does not answer), the answer checked against openapi.json.
func getJSON(t testing.TB, base, path string, v any) int {
	c := clusterClient(t)
	resp, err := c.Get(base + path)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if resp.StatusCode == 200 && v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			return -1
		}
	} else {
		io.Copy(io.Discard, resp.Body)
	}
	return resp.StatusCode
}

// TestClusterKill9 is issue 14's proof: three nodes on loopback, two of
// them fed over TCP with a real capture, one killed with SIGKILL in the
// middle of the feed while the other two go on being fed and answer the
// API, then restarted: all three end with the same vessels, the same
// latest report times and identical tracks, and every vessel of the
// capture is there (nothing acknowledged is lost). Once with a node that
// does not lead the ingest stream killed, once with its leader.
func TestClusterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	lines := captureLines(t, "raw/aishub-3min.nmea", 24000)
	for _, tc := range []struct {
		name       string
		killLeader bool
	}{{"member", false}, {"leader", true}} {
		t.Run(tc.name, func(t *testing.T) { clusterKill(t, lines, tc.killLeader) })
	}
}

func clusterKill(t *testing.T, lines [][]byte, killLeader bool) {
	procs := startClusterProcs(t, t.TempDir(), func(i int, p *clusterProc, cfg *Config) {
		p.input = freePort(t)
		cfg.Inputs = []Input{{Type: "tcp-server", Name: "feed-" + p.name, Listen: p.input}}
	})

	// The victim: the ingest stream's leader, or a node that is not it.
	leader := -1
	waitFor(t, 60*time.Second, "the ingest stream to have a leader", func() bool {
		for i, p := range procs {
			if v, ok := metricOK(t, procs[0].base, fmt.Sprintf(`tidewatch_cluster_stream_leader{member=%q,stream=%q}`, p.name, cluster.IngestStream)); ok && v == 1 {
				leader = i
				return true
			}
		}
		return false
	})
	victim := (leader + 1) % 3
	if killLeader {
		victim = leader
	}
	var fed []*clusterProc
	for i, p := range procs {
		if i != victim {
			fed = append(fed, p)
		}
	}
	t.Logf("leader %s, killing %s, feeding %s and %s", procs[leader].name, procs[victim].name, fed[0].name, fed[1].name)

	// Feed the two survivors, each half of the capture, at the nodes'
	// pace, and from a third on at their stores' until the victim is
	// killed (feedPace).
	var sent atomic.Int64
	var killed atomic.Bool
	pace := feedPace{peers: procs, sent: &sent, commit: func() bool { return !killed.Load() && sent.Load() >= int64(len(lines)/3) }}
	var feeders sync.WaitGroup
	feedErrs := make([]error, len(fed))
	half := len(lines) / 2
	for i, p := range fed {
		part := lines[i*half : (i+1)*half]
		feeders.Go(func() {
			if err := sendLines(t, p, part, pace); err != nil {
				feedErrs[i] = fmt.Errorf("%s: %w", p.name, err)
			}
		})
	}
	// The survivors answer the API throughout.
	stopProbe := make(chan struct{})
	stopProbes := sync.OnceFunc(func() { close(stopProbe) })
	var probes sync.WaitGroup
	// A test that fails on the way stops its feeders (their waits end
	// with the test's context) and probes before it ends.
	t.Cleanup(func() {
		stopProbes()
		probes.Wait()
		feeders.Wait()
	})
	var probeFail atomic.Int64
	var probeOK atomic.Int64
	for _, p := range fed {
		probes.Go(func() {
			for {
				select {
				case <-stopProbe:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if st := getJSON(t, p.base, "/api/v1/vessels?max_age=36500d&limit=10", nil); st != 200 {
					probeFail.Add(1)
					t.Errorf("%s answered %d during the run", p.name, st)
				} else {
					probeOK.Add(1)
				}
			}
		})
	}
	// Killed once a third is sent and its store committed a few entries
	// (so that the restart resumes from a state older than its store:
	// the entries between go to its picture only).
	waitFor(t, 5*time.Minute, "a third of the capture to be sent", func() bool {
		if sent.Load() < int64(len(lines)/3) {
			return false
		}
		v, _ := metricOK(t, procs[victim].base, fmt.Sprintf(`tidewatch_cluster_committed_sequence{stream=%q}`, cluster.IngestStream))
		return v >= 2
	})
	procs[victim].kill()
	killed.Store(true)
	t.Logf("%s killed after %d of %d lines sent", procs[victim].name, sent.Load(), 2*half)
	feeders.Wait()
	if err := errors.Join(feedErrs...); err != nil {
		t.Fatal(err)
	}
	procs[victim].start(t)
	procs[victim].wait(t)
	// How fast the restarted node catches up (logged, not asserted).
	{
		seqOf := func(name string) float64 {
			v, _ := metricOK(t, procs[victim].base, fmt.Sprintf(`%s{stream=%q}`, name, cluster.IngestStream))
			return v
		}
		start, from := time.Now(), seqOf("tidewatch_cluster_applied_sequence")
		var last float64
		waitFor(t, 120*time.Second, procs[victim].name+" to catch up", func() bool {
			last = seqOf("tidewatch_cluster_stream_last_sequence")
			return last > 0 && seqOf("tidewatch_cluster_applied_sequence") >= last
		})
		el := time.Since(start)
		t.Logf("%s caught up from entry %.0f to %.0f in %v (%.0f entries/s, polled every 20 ms)", procs[victim].name, from, last, el.Round(time.Millisecond), (last-from)/el.Seconds())
	}
	stopProbes()
	probes.Wait()
	t.Logf("API answered %d times during the run, failed %d times", probeOK.Load(), probeFail.Load())

	// All three apply everything, and agree.
	// Applied is not yet committed: the store (which the track query
	// reads) holds an entry from the next commit on, and a loaded machine
	// delays that commit past the 3 s of sameLogEnd (a survivor once
	// lacked its last entries' points).
	waitFor(t, 120*time.Second, "every node to apply the whole log", sameLogEnd(t, procs, true))
	for _, p := range procs {
		if st := getJSON(t, p.base, "/readyz", nil); st != 200 {
			t.Errorf("%s: /readyz %d after catching up", p.name, st)
		}
	}

	type list struct {
		Vessels []httpapi.Summary `json:"vessels"`
	}
	lists := make([]list, 3)
	for i, p := range procs {
		if st := getJSON(t, p.base, "/api/v1/vessels?max_age=36500d&limit=100000", &lists[i]); st != 200 {
			t.Fatalf("%s: vessels: %d", p.name, st)
		}
		for j := range lists[i].Vessels {
			lists[i].Vessels[j].AgeS = nil
		}
	}
	// All three hold the same picture, to the byte: the restarted node
	// loaded its picture's state and replayed into the picture alone the
	// entries its store held beyond it (cluster_state.go), so its fusion
	// decided every later report as the others did.
	surv := make([]int, 0, 2)
	for i := range procs {
		if i != victim {
			surv = append(surv, i)
		}
	}
	a, _ := json.Marshal(lists[surv[0]].Vessels)
	if b, _ := json.Marshal(lists[surv[1]].Vessels); !bytes.Equal(a, b) {
		t.Errorf("%s's vessels (%d) differ from %s's (%d)", procs[surv[1]].name, len(lists[surv[1]].Vessels),
			procs[surv[0]].name, len(lists[surv[0]].Vessels))
	}
	byMMSI := map[uint32][]byte{}
	for _, v := range lists[surv[0]].Vessels {
		byMMSI[v.MMSI], _ = json.Marshal(v)
	}
	union := map[uint32]bool{}
	differ := 0
	for _, v := range lists[victim].Vessels {
		union[v.MMSI] = true
		if b, _ := json.Marshal(v); !bytes.Equal(b, byMMSI[v.MMSI]) {
			differ++
			if differ <= 3 {
				t.Errorf("restarted %s: %s\nsurvivor %s: %s", procs[victim].name, b, procs[surv[0]].name, byMMSI[v.MMSI])
			}
		}
	}
	for m := range byMMSI {
		union[m] = true
	}
	log, _ := os.ReadFile(procs[victim].cfgPath + ".log")
	if i := bytes.Index(log, []byte("cluster: picture restored from the state")); i < 0 {
		t.Errorf("the restarted %s did not restore its picture from the state file", procs[victim].name)
	} else {
		line, _, _ := bytes.Cut(log[i:], []byte{'\n'})
		t.Logf("%s: %s", procs[victim].name, line)
	}
	if v, _ := json.Marshal(lists[victim].Vessels); !bytes.Equal(a, v) {
		t.Errorf("the restarted %s's vessels (%d, %d summaries differ) differ from %s's (%d)", procs[victim].name,
			len(lists[victim].Vessels), differ, procs[surv[0]].name, len(lists[surv[0]].Vessels))
	}

	// Every vessel with a position in the capture is there: nothing
	// acknowledged was lost.
	missing := 0
	for _, o := range decodeBatch(cluster.Batch{Input: "x", Received: time.Now(), Lines: lines[:2*half]}) {
		if o.Kind == vessel.KindPosition && o.Position.Lat <= 90 && byMMSI[uint32(o.Position.MMSI)] == nil {
			missing++
			byMMSI[uint32(o.Position.MMSI)] = []byte{}
		}
	}
	if missing > 0 || len(lists[surv[0]].Vessels) < 1000 {
		t.Errorf("%d vessels with a position in the capture are missing; %d vessels held", missing, len(lists[surv[0]].Vessels))
	}
	// Tracks, flagged reports and provenance included, for every vessel
	// any node lists: identical, to the byte, on all three nodes.
	problems := compareTracks(t, procs, union)
	t.Logf("%d tracks identical on all three nodes; %d differ", len(union)-problems, problems)
	for _, p := range procs {
		p.interrupt(t)
	}
	logsIfFailed(t, procs, 2000)
}

// compareTracks fetches the track of every vessel of union from every
// node and reports each that differs; it returns how many differ.
func compareTracks(t *testing.T, procs []*clusterProc, union map[uint32]bool) int {
	t.Helper()
	return compareTracksNorm(t, procs, union, nil)
}

// compareTracksNorm is compareTracks with each track passed through
// norm first (nil: compared as served).
func compareTracksNorm(t *testing.T, procs []*clusterProc, union map[uint32]bool, norm func(json.RawMessage) json.RawMessage) int {
	t.Helper()
	problems := 0
	for m := range union {
		if m == 0 {
			continue
		}
		var first json.RawMessage
		for i, p := range procs {
			var raw json.RawMessage
			if st := getJSON(t, p.base, fmt.Sprintf("/api/v1/vessels/%d/track?from=2000-01-01&to=2100-01-01&flagged=true", m), &raw); st != 200 {
				t.Fatalf("%s: track of %d: %d", p.name, m, st)
			}
			if norm != nil {
				raw = norm(raw)
			}
			if i == 0 {
				first = raw
				continue
			}
			if !bytes.Equal(first, raw) {
				problems++
				t.Errorf("track of %d differs between %s and %s:\n%s\n%s", m, procs[0].name, p.name, first, raw)
				break
			}
		}
		if problems > 10 {
			t.Fatal("too many differences")
		}
	}
	return problems
}

func TestClusterValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"single node", Config{Data: "d"}, true},
		{"embedded", Config{Data: "d", Cluster: Cluster{Listen: "127.0.0.1:6222", Peers: []string{"127.0.0.1:6223"}},
			Inputs: []Input{{Type: "tcp-server", Listen: ":10110"}}}, true},
		{"external", Config{Data: "d", Cluster: Cluster{NATSURL: "nats://127.0.0.1:4222"}}, true},
		{"both", Config{Data: "d", Cluster: Cluster{Listen: "127.0.0.1:6222", NATSURL: "nats://x"}}, false},
		{"peers alone", Config{Data: "d", Cluster: Cluster{Peers: []string{"127.0.0.1:6223"}}}, false},
		{"bad max_age", Config{Data: "d", Cluster: Cluster{Listen: "127.0.0.1:6222", MaxAge: "soon"}}, false},
		{"every input kind", Config{Data: "d", Cluster: Cluster{Listen: "127.0.0.1:6222"},
			Inputs: []Input{{Type: "udp", Listen: ":10110"}, {Type: "tcp-client", Address: "127.0.0.1:10111"},
				{Type: "replay", File: "day.nmea"}}}, true},
		{"paced replay", Config{Data: "d", Cluster: Cluster{Listen: "127.0.0.1:6222"},
			Inputs: []Input{{Type: "replay", File: "day.nmea", Speed: 1}}}, false},
		{"snapshot schedule", Config{Data: "d", Cluster: Cluster{Listen: "127.0.0.1:6222", SnapshotEvery: "10m"}}, true},
		{"snapshots off", Config{Data: "d", Cluster: Cluster{Listen: "127.0.0.1:6222", SnapshotEvery: "off"}}, true},
		{"bad snapshot schedule", Config{Data: "d", Cluster: Cluster{Listen: "127.0.0.1:6222", SnapshotEvery: "0s"}}, false},
		{"looped replay", Config{Data: "d", Cluster: Cluster{Listen: "127.0.0.1:6222"},
			Inputs: []Input{{Type: "replay", File: "day.nmea", Loop: true}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate: %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Errorf("%v is not ErrConfig", err)
			}
		})
	}
}

// TestDecodeBatchDeterministic: a batch of a real capture decodes to the
// same observations every time, with the batch's receive time as arrival
// and the input's name as the source of reports without one.
func TestDecodeBatchDeterministic(t *testing.T) {
	lines := captureLines(t, "raw/dma-stream-example.nmea", 2000)
	b := cluster.Batch{Input: "feed", Received: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Lines: lines}
	first := decodeBatch(b)
	if len(first) < 500 {
		t.Fatalf("%d observations from %d lines", len(first), len(lines))
	}
	again := decodeBatch(b)
	if fmt.Sprint(first) != fmt.Sprint(again) {
		t.Fatal("the same batch decodes differently")
	}
	for _, o := range first {
		if o.Kind == vessel.KindPosition && o.Position.Source != "feed" {
			t.Fatalf("source %q, want the input's name", o.Position.Source)
		}
	}
}

// FuzzDecodeBatchLines: whatever the lines of a batch hold (they come
// from any sender), decoding them does not panic.
func FuzzDecodeBatchLines(f *testing.F) {
	for _, l := range captureLines(f, "raw/pyais-mixed.nmea", 40) {
		f.Add(l)
	}
	f.Add([]byte("!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E"))
	f.Fuzz(func(t *testing.T, line []byte) {
		decodeBatch(cluster.Batch{Input: "f", Received: time.Unix(1, 0), Lines: [][]byte{line, line}})
	})
}

// getStatusJSON is getJSON that decodes the body of any status into v.
func getStatusJSON(t testing.TB, base, path string, v any) (int, error) {
	c := clusterClient(t)
	resp, err := c.Get(base + path)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(v)
}

// samePicture waits (up to limit) until every node lists the same
// number of vessels and the same last position (time, latitude,
// longitude) for a sample of them, the first node's first, middle and
// last vessels, and fails with the difference otherwise.
func samePicture(t *testing.T, procs []*clusterProc, limit time.Duration) {
	t.Helper()
	type last struct {
		MMSI     uint32
		Time     string
		Lat, Lon float64
	}
	picture := func(p *clusterProc) (int, map[uint32]last, error) {
		var l struct {
			Vessels []httpapi.Summary `json:"vessels"`
		}
		if st := getJSON(t, p.base, "/api/v1/vessels?max_age=36500d&limit=100000", &l); st != 200 {
			return 0, nil, fmt.Errorf("%s: vessels: %d", p.name, st)
		}
		out := map[uint32]last{}
		for _, v := range l.Vessels {
			if v.Time != nil && v.Lat != nil && v.Lon != nil {
				out[v.MMSI] = last{v.MMSI, *v.Time, *v.Lat, *v.Lon}
			}
		}
		return len(l.Vessels), out, nil
	}
	var problem error
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		problem = nil
		count, ref, err := picture(procs[0])
		var sample []uint32
		if err == nil {
			keys := slices.Sorted(maps.Keys(ref))
			if len(keys) < 3 {
				err = fmt.Errorf("%s: %d vessels with a position", procs[0].name, len(keys))
			} else {
				sample = []uint32{keys[0], keys[len(keys)/2], keys[len(keys)-1]}
			}
		}
		problem = err
		for _, p := range procs[1:] {
			if problem != nil {
				break
			}
			n, got, err := picture(p)
			switch {
			case err != nil:
				problem = err
			case n != count:
				problem = fmt.Errorf("%s lists %d vessels, %s %d", p.name, n, procs[0].name, count)
			default:
				for _, m := range sample {
					if got[m] != ref[m] {
						problem = fmt.Errorf("vessel %d: last position %+v on %s, %+v on %s", m, got[m], p.name, ref[m], procs[0].name)
						break
					}
				}
			}
		}
		if problem == nil {
			t.Logf("the same picture on all %d nodes: %d vessels", len(procs), count)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not the same picture on every node after %v: %v", limit, problem)
		}
		<-tick.C
	}
}

// TestClusterPastRetention: three node processes with an ingest log that
// keeps 15 seconds; one is killed, the others take more of the capture,
// the entries after the killed node's state leave the log, and the node
// is started again: it installs a peer's snapshot (store, picture state,
// entry) before its store opens, follows on, and ends with the same
// vessels and tracks as the others, to the byte. Then the same node is
// paused (SIGSTOP) past the retention and resumed: while running it
// fetches and stages a peer's snapshot (its /readyz says so), reopens
// itself in the same process, and serves the same picture again; or,
// when its own replica of the log still holds what it missed, catches
// up in place, without a snapshot.
func TestClusterPastRetention(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	all := captureLines(t, "raw/aishub-3min.nmea", 24000)
	lines, more := all[:16000], all[16000:] // more: for the pause below
	procs := startClusterProcs(t, t.TempDir(), func(i int, p *clusterProc, cfg *Config) {
		p.input = freePort(t)
		cfg.Inputs = []Input{{Type: "tcp-server", Name: "feed-" + p.name, Listen: p.input}}
		// 15 s: with 8 the node being fed fell behind its own log by more
		// than the retention once at load ~20 (its follower applied entry
		// 11 while 12 left the log), reopened itself to install a
		// snapshot, and the lines in flight on the feed's connection were
		// lost with the input it closed.
		cfg.Cluster.MaxAge = "15s"
	})
	t.Cleanup(func() { logsIfFailed(t, procs, 4000) })
	// A node that falls behind the retention while it runs (the victim
	// below, or a survivor this loaded machine slowed down by more than
	// max_age) reopens itself on a new HTTP port: streamSeq reads the
	// address again each time, and a node that does not answer reads as 0.
	seq := func(p *clusterProc, name string) float64 { return streamSeq(t, p, name) }
	third := len(lines) / 3
	feedLines(t, procs[0], lines[:third])
	waitFor(t, 60*time.Second, "every node to apply the first third", allApplied(t, procs))
	victim := procs[2]
	var gone float64
	waitFor(t, 60*time.Second, victim.name+" to commit what it applied", func() bool {
		gone = seq(victim, "tidewatch_cluster_committed_sequence")
		return gone > 0 && gone == seq(victim, "tidewatch_cluster_applied_sequence")
	})
	victim.kill()
	feedLines(t, procs[0], lines[third:2*third])
	feedLines(t, procs[1], lines[2*third:])
	waitFor(t, 60*time.Second, "the others to apply the rest", allApplied(t, procs[:2]))
	waitFor(t, 60*time.Second, "the log to drop the entries after the killed node's", func() bool {
		return seq(procs[0], "tidewatch_cluster_stream_first_sequence") > gone+1
	})
	victim.start(t)
	victim.wait(t)
	waitFor(t, 120*time.Second, "every node to apply the whole log", allApplied(t, procs))
	log, _ := os.ReadFile(victim.cfgPath + ".log")
	if i := bytes.Index(log, []byte("cluster: installed a snapshot")); i < 0 {
		t.Errorf("%s did not install a snapshot", victim.name)
	} else {
		line, _, _ := bytes.Cut(log[i:], []byte{'\n'})
		t.Logf("%s: %s", victim.name, line)
	}
	type list struct {
		Vessels []httpapi.Summary `json:"vessels"`
	}
	same := func(when string, norm func(json.RawMessage) json.RawMessage) {
		t.Helper()
		var first []byte
		union := map[uint32]bool{}
		for i, p := range procs {
			p.refresh()
			var l list
			if st := getJSON(t, p.base, "/api/v1/vessels?max_age=36500d&limit=100000", &l); st != 200 {
				t.Fatalf("%s: %s: vessels: %d", when, p.name, st)
			}
			for j := range l.Vessels {
				l.Vessels[j].AgeS = nil
				union[l.Vessels[j].MMSI] = true
			}
			b, _ := json.Marshal(l.Vessels)
			if i == 0 {
				first = b
				if len(l.Vessels) < 1000 {
					t.Errorf("%s: %s holds %d vessels", when, p.name, len(l.Vessels))
				}
			} else if !bytes.Equal(b, first) {
				t.Errorf("%s: %s's vessels differ from %s's", when, p.name, procs[0].name)
			}
		}
		problems := compareTracksNorm(t, procs, union, norm)
		t.Logf("%s: %d vessels; %d tracks identical on all three nodes, %d differ", when, len(union), len(union)-problems, problems)
	}
	same("after a restart past the retention", nil)

	// Recovery while running: the same node is paused (SIGSTOP, as if cut
	// off from the others) while the two others are fed more of the
	// capture past the retention, then resumed: it finds the entry after
	// its own gone from the log, and installs a peer's snapshot without
	// being restarted (or catches up in place: below).
	applied := seq(victim, "tidewatch_cluster_applied_sequence")
	if applied == 0 {
		t.Fatalf("%s does not answer", victim.name)
	}
	pid := victim.cmd.Process.Pid
	if err := pauseProcess(victim.cmd.Process); errors.Is(err, errors.ErrUnsupported) {
		t.Skip("recovery while running: no SIGSTOP here")
	} else if err != nil {
		t.Fatal(err)
	}
	feedLines(t, procs[0], more) // lines not fed before
	waitFor(t, 60*time.Second, "the others to apply the new entries", allApplied(t, procs[:2]))
	waitFor(t, 60*time.Second, "the log to drop the entries after the paused node's", func() bool {
		return seq(procs[0], "tidewatch_cluster_stream_first_sequence") > applied+1
	})
	os.Remove(victim.cfgPath + ".addr")
	var resumedAt int64 // the victim's log's size when it was resumed
	if st, err := os.Stat(victim.cfgPath + ".log"); err == nil {
		resumedAt = st.Size()
	}
	if err := resumeProcess(victim.cmd.Process); err != nil {
		t.Fatal(err)
	}
	// Until it has a snapshot it answers /readyz 503 with the reason
	// (or not at all while it reopens); once reopened with the snapshot
	// it serves again, on a new address, the same picture as the others:
	// the same vessel count and the same last positions.
	//
	// Or it needs no snapshot: its own replica of the log (the stream
	// has one on every node) may still hold the entries the others'
	// dropped, when the cluster caught that replica up from the leader's
	// raft log rather than from a stream snapshot and its follower's
	// consumer sits on it. The node then applies them in order and
	// catches up where it is, without reopening: also right (seen in 2
	// of about 35 runs at load 10–45). A clean-checkout CI run's "does
	// not serve again 3 min after it was resumed" on an idle machine was
	// this: the test waited for a reopen that never came. It is told
	// apart by having applied up to the others' last entry without having
	// logged, since it was resumed, that it fetches a snapshot (a node
	// that needs one applies nothing until it has staged one, and then
	// its applied entry is the snapshot's before it reopens).
	var reasons []string
	inPlace := false
	deadline := time.Now().Add(3 * time.Minute)
	waitFor(t, 4*time.Minute, victim.name+" to serve again", func() bool {
		if addr, _ := os.ReadFile(victim.cfgPath + ".addr"); len(addr) > 0 {
			return true
		}
		var body struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if st, _ := getStatusJSON(t, victim.base, "/readyz", &body); st == http.StatusServiceUnavailable && body.Error.Message != "" &&
			(len(reasons) == 0 || reasons[len(reasons)-1] != body.Error.Message) {
			reasons = append(reasons, body.Error.Message)
		}
		if a, ok := metricIfUp(t, victim.base, fmt.Sprintf(`tidewatch_cluster_applied_sequence{stream=%q}`, cluster.IngestStream)); ok && a > applied &&
			a >= seq(procs[0], "tidewatch_cluster_applied_sequence") {
			if log, _ := os.ReadFile(victim.cfgPath + ".log"); int64(len(log)) >= resumedAt &&
				!bytes.Contains(log[resumedAt:], []byte("fetching a peer's snapshot")) {
				inPlace = true
				return true
			}
		}
		if time.Now().After(deadline) {
			for _, p := range procs {
				t.Logf("%s at %s, its cluster metrics:\n%s", p.name, p.base, clusterMetrics(t, p))
			}
			victim.dump() // its goroutines' stacks, in its log
			t.Fatalf("%s does not serve again 3 min after it was resumed; /readyz said %q", victim.name, reasons)
		}
		return false
	})
	if inPlace {
		t.Logf("%s caught up from its own replica of the log, without a snapshot: it applied past entry %.0f, which the others' log had dropped; /readyz meanwhile: %q",
			victim.name, applied, reasons)
	} else {
		t.Logf("%s: /readyz while recovering: %q", victim.name, reasons)
		if !slices.ContainsFunc(reasons, func(r string) bool { return strings.Contains(r, "snapshot") }) {
			t.Errorf("%s: /readyz never said it needs or restores a snapshot while recovering: %q", victim.name, reasons)
		}
	}
	victim.refresh()
	samePicture(t, procs, 2*time.Minute)
	waitFor(t, 120*time.Second, "every node to apply the whole log", allApplied(t, procs))
	log, _ = os.ReadFile(victim.cfgPath + ".log")
	installed := bytes.Count(log, []byte("cluster: installed a snapshot"))
	reopened := bytes.Contains(log, []byte("reopening the node to install a peer's snapshot"))
	switch {
	case inPlace && (installed != 1 || reopened):
		t.Errorf("%s caught up in place, yet installed %d snapshots (want the restart's only) and reopened: %v", victim.name, installed, reopened)
	case !inPlace && (installed != 2 || !reopened):
		t.Errorf("%s installed %d snapshots, reopening: %v; want a second one while it ran", victim.name, installed, reopened)
	}
	if victim.cmd.Process.Pid != pid {
		t.Errorf("%s was restarted", victim.name)
	}
	// heard_by included: it used to differ between n0 and n1 here (the
	// store missed provenance recorded in a later block than its position).
	same("after falling behind the retention while running", nil)
	for _, p := range procs {
		p.interrupt(t)
	}
}
