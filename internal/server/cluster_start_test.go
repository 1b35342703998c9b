package server

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// How a node process of the cluster tests started: the phases its log
// shows (joining, asking the log where it starts, asking a peer for a
// snapshot, installing it, opening the store, serving), each with the
// time since the test started the process, so that every run shows
// where a slow start spent its time, and a start that gives up shows
// the phase it was in.

// startLine is one line of a node's log that marks a phase of its start.
type startLine struct {
	at   time.Time
	msg  string
	line string
}

// isStartMark says whether a log line's message marks a phase of a
// node's start: the cluster's own lines (not the embedded NATS server's,
// which carry no "cluster" prefix), the store's and the state's
// restores, errors but the server's routes not yet up, and "serving".
func isStartMark(level, msg string) bool {
	return strings.HasPrefix(msg, "cluster") || strings.Contains(msg, "restored") || msg == "serving" ||
		level == "ERROR" && !strings.HasPrefix(msg, "Error trying to connect to route")
}

// parseLogLine reads the time, level and message of a line of the node's
// text log (log/slog's TextHandler: time=… level=… msg=… key=value…).
func parseLogLine(line string) (at time.Time, level, msg string, ok bool) {
	rest, ok := strings.CutPrefix(line, "time=")
	if !ok {
		return time.Time{}, "", "", false
	}
	ts, rest, _ := strings.Cut(rest, " ")
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, "", "", false
	}
	if rest, ok = strings.CutPrefix(rest, "level="); !ok {
		return time.Time{}, "", "", false
	}
	level, rest, _ = strings.Cut(rest, " ")
	if rest, ok = strings.CutPrefix(rest, "msg="); !ok {
		return time.Time{}, "", "", false
	}
	if strings.HasPrefix(rest, `"`) {
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return time.Time{}, "", "", false
		}
		msg, _ = strconv.Unquote(q)
	} else {
		msg, _, _ = strings.Cut(rest, " ")
	}
	return at, level, msg, true
}

// startLines are the lines of log that mark the phases of a start.
func startLines(log []byte) []startLine {
	var out []startLine
	for _, l := range strings.Split(string(log), "\n") {
		at, level, msg, ok := parseLogLine(l)
		if ok && isStartMark(level, msg) {
			out = append(out, startLine{at: at, msg: msg, line: l})
		}
	}
	return out
}

// phases is a one-line summary of a start: each marking line's message,
// cut short, after the seconds since t0.
func phases(lines []startLine, t0 time.Time) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteString("; ")
		}
		msg := l.msg
		if len(msg) > 60 {
			msg = msg[:60] + "…"
		}
		fmt.Fprintf(&b, "+%.1fs %s", l.at.Sub(t0).Seconds(), msg)
	}
	return b.String()
}

// earlyAddr is the address of the early HTTP server (cluster_early.go)
// of the last start in log, "" when it did not get that far.
func earlyAddr(lines []startLine) string {
	addr := ""
	for _, l := range lines {
		if l.msg != "cluster: serving /readyz and /metrics while the node starts" {
			continue
		}
		if _, a, ok := strings.Cut(l.line, " addr="); ok {
			addr, _, _ = strings.Cut(a, " ")
		}
	}
	return addr
}

// earlyReason is what the early /readyz at addr says, or why it does
// not answer.
func earlyReason(t testing.TB, addr string) string {
	if addr == "" {
		return "(no early HTTP server in its log yet)"
	}
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	st, err := getStatusJSON(t, "http://"+addr, "/readyz", &body)
	if err != nil || st == 0 {
		return fmt.Sprintf("(no answer from %s: %v)", addr, err)
	}
	return fmt.Sprintf("%d %q", st, body.Error.Message)
}

// openingStack is the goroutine of a goroutine dump in log that opens
// the node (server.Open: the start's phases run there), "" when there is
// none.
func openingStack(log []byte) string {
	for _, g := range bytes.Split(log, []byte("\n\n")) {
		if bytes.HasPrefix(g, []byte("goroutine ")) && bytes.Contains(g, []byte("internal/server.Open(")) {
			return string(g)
		}
	}
	return ""
}

// startLog is the part of a node's log written since its last start.
func (p *clusterProc) startLog() []byte {
	log, _ := os.ReadFile(p.cfgPath + ".log")
	if p.logFrom <= int64(len(log)) {
		log = log[p.logFrom:]
	}
	return log
}

// startFailure is the message of a node that does not serve: its early
// /readyz's reason, the phases of its start, the goroutine that opens it
// (it is made to dump its stacks), and the tail of its log.
func (p *clusterProc) startFailure(t testing.TB, waited time.Duration) string {
	lines := startLines(p.startLog())
	reason := earlyReason(t, earlyAddr(lines))
	p.dump()
	log := p.startLog()
	var b strings.Builder
	fmt.Fprintf(&b, "%s does not serve %v after it started; its /readyz: %s\nits start (seconds since the process started):\n",
		p.name, waited.Round(time.Second), reason)
	for _, l := range lines {
		fmt.Fprintf(&b, "  +%.1fs %s\n", l.at.Sub(p.startedAt).Seconds(), l.line)
	}
	if g := openingStack(log); g != "" {
		fmt.Fprintf(&b, "the goroutine opening it:\n%s\n", g)
	}
	fmt.Fprintf(&b, "its log's tail:\n%s", tail(log, 3000))
	return b.String()
}

// TestParseStartLines reads the phases of a start from a node's log as
// the child process writes it.
func TestParseStartLines(t *testing.T) {
	log := []byte(`=== RUN   TestClusterChild
time=2026-12-07T19:32:00.385Z level=INFO msg="cluster: serving /readyz and /metrics while the node starts" addr=127.0.0.1:35581
time=2026-12-07T19:32:00.400Z level=ERROR msg="Error trying to connect to route (attempt 1): dial tcp 127.0.0.1:23692: connect: connection refused" component=cluster node=n2
time=2026-12-07T19:32:00.415Z level=WARN msg="Filestore [_meta_] Stream state outdated, last block has additional entries, will rebuild" component=cluster node=n2
time=2026-12-07T19:32:00.476Z level=INFO msg="cluster member started" component=cluster node=n2 client_url=nats://127.0.0.1:45277
time=2026-12-07T19:32:00.477Z level=INFO msg="cluster: the log no longer holds the entry after this node's state; asking a peer for a snapshot" state_seq=0
time=2026-12-07T19:32:01.000Z level=WARN msg="not ready" component=httpapi err="cluster: installing a peer's snapshot (attempt 1)"
time=2026-12-07T19:32:03.268Z level=INFO msg="cluster: installed a snapshot" seq=33 files=8
time=2026-12-07T19:32:03.344Z level=INFO msg="picture restored from the store" vessels=6484
time=2026-12-07T19:32:04.100Z level=ERROR msg=failed err=x
time=2026-12-07T19:32:04.354Z level=INFO msg=serving addr=127.0.0.1:35581 tls=false inputs=1
time=bad level=INFO msg=serving
`)
	lines := startLines(log)
	var msgs []string
	for _, l := range lines {
		msgs = append(msgs, l.msg)
	}
	want := []string{"cluster: serving /readyz and /metrics while the node starts", "cluster member started",
		"cluster: the log no longer holds the entry after this node's state; asking a peer for a snapshot",
		"cluster: installed a snapshot", "picture restored from the store", "failed", "serving"}
	if strings.Join(msgs, "|") != strings.Join(want, "|") {
		t.Fatalf("start lines\n%q\nwant\n%q", msgs, want)
	}
	if a := earlyAddr(lines); a != "127.0.0.1:35581" {
		t.Errorf("early address %q", a)
	}
	t0, _ := time.Parse(time.RFC3339, "2026-12-07T19:32:00Z")
	got := phases(lines[:2], t0)
	if want := "+0.4s cluster: serving /readyz and /metrics while the node starts; +0.5s cluster member started"; got != want {
		t.Errorf("phases %q, want %q", got, want)
	}
	dump := []byte("SIGQUIT: quit\n\ngoroutine 1 [chan receive]:\ntesting.(*T).Run()\n\n" +
		"goroutine 7 [select]:\ngithub.com/tidewatch/tidewatch/internal/cluster.waitOrDone()\n" +
		"github.com/tidewatch/tidewatch/internal/server.Open(...)\n\ngoroutine 9 [IO wait]:\nnet.accept()\n")
	if g := openingStack(dump); !strings.HasPrefix(g, "goroutine 7 ") || !strings.Contains(g, "waitOrDone") {
		t.Errorf("opening goroutine %q", g)
	}
	if g := openingStack(log); g != "" {
		t.Errorf("opening goroutine in a log without a dump: %q", g)
	}
}
