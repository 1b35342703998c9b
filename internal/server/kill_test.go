package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/audit"
	"github.com/tidewatch/tidewatch/internal/share"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestFedChild runs a node in a child process of TestFederationKill9,
// until it is killed or interrupted. The configuration comes in a file;
// the node writes its HTTP address to a file next to it once it serves.
func TestFedChild(t *testing.T) {
	path := os.Getenv("TIDEWATCH_FED_CHILD")
	if path == "" {
		t.Skip("runs only as the child of TestFederationKill9")
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
	err = Run(ctx, Options{Config: cfg, Started: func(a net.Addr) {
		os.WriteFile(path+".addr.tmp", []byte(a.String()), 0o600)
		os.Rename(path+".addr.tmp", path+".addr")
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// slowProxy forwards towards a node at about rate bytes a second, so
// that a backlog takes long enough to be interrupted.
func slowCopy(dst io.Writer, src io.Reader, perTick int) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	buf := make([]byte, perTick)
	for range tick.C {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// TestFederationKill9: JP-JCG, receiving IN-IFC's backlog through a slow
// link, is killed with SIGKILL three times at random moments and
// restarted. At the end it holds every position IN-IFC sent exactly once,
// and its audit log has every item IN-IFC's audit log says it sent.
func TestFederationKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	in := newFedNode(t, "IN-IFC", []Input{{Type: "replay", File: aistest.Path("raw/aishub-3min.nmea"), Speed: 0, Now: true}})
	jp := newFedNode(t, "JP-JCG", nil)
	partners(t, in, jp)
	in.policy(t, `{"version": 1, "node": "IN-IFC", "areas": {"asia": {"bbox": [90, -10, 150, 50]}},
	 "partners": {"JP-JCG": {"share": {"positions": true, "static": true}, "include_areas": ["asia"]}}}`)
	jp.policy(t, `{"version": 1, "node": "JP-JCG", "partners": {"IN-IFC": {"accept": ["position", "static"]}}}`)
	jp.proxy.slow.Store(2048) // about 200 KB/s towards JP-JCG
	jp.cfg.Share.Listen = freePort(t)
	jp.proxy.target.Store(jp.cfg.Share.Listen)

	in.start(t)
	waitFor(t, 60*time.Second, "IN-IFC to apply the capture", func() bool {
		return metric(t, in.base, "tidewatch_pipeline_applied_total") >= 60000
	})
	queued := func() float64 { return metric(t, in.base, `tidewatch_share_queued_total{partner="JP-JCG"}`) }
	prev := -1.0
	waitFor(t, 30*time.Second, "IN-IFC to queue everything for JP-JCG", func() bool {
		q := queued()
		done := q == prev && q > 0
		prev = q
		return done
	})

	cfgPath := filepath.Join(t.TempDir(), "jp.json")
	b, _ := json.Marshal(jp.cfg)
	os.WriteFile(cfgPath, b, 0o600)
	startChild := func() (*exec.Cmd, string) {
		os.Remove(cfgPath + ".addr")
		cmd := exec.Command(os.Args[0], "-test.run=^TestFedChild$", "-test.v")
		cmd.Env = append(os.Environ(), "TIDEWATCH_FED_CHILD="+cfgPath)
		log, _ := os.Create(filepath.Join(filepath.Dir(cfgPath), "child.log"))
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var addr []byte
		waitFor(t, 30*time.Second, "the JP-JCG process to serve", func() bool {
			addr, _ = os.ReadFile(cfgPath + ".addr")
			return len(addr) > 0
		})
		return cmd, "http://" + string(addr)
	}
	received := func(base string) float64 {
		v, _ := metricOK(t, base, `tidewatch_share_received_total{partner="IN-IFC"}`)
		return v
	}
	acked := func() float64 {
		v, _ := metricOK(t, in.base, `tidewatch_share_link_acked_total{partner="JP-JCG"}`)
		return v
	}
	total := queued()
	for round := range 3 {
		cmd, base := startChild()
		// Kill at a random point of the rest of the backlog.
		before := acked()
		target := before + (total-before)*(0.1+0.3*rand.Float64())
		waitFor(t, 60*time.Second, "JP-JCG to take part of the backlog", func() bool {
			return received(base) > 0 && acked() >= target
		})
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		t.Logf("round %d: JP-JCG killed at %.0f of %.0f items acknowledged", round, acked(), total)
	}
	cmd, base := startChild()
	waitFor(t, 120*time.Second, "the backlog to drain", func() bool {
		return metric(t, in.base, `tidewatch_share_outbox_pending{partner="JP-JCG"}`) == 0
	})
	_ = base
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		log, _ := os.ReadFile(filepath.Join(filepath.Dir(cfgPath), "child.log"))
		t.Fatalf("JP-JCG did not stop cleanly: %v\n%s", err, log)
	}
	in.stop(t)

	// Every position sent is held, never twice; every item sent is audited as
	// received: "accept" exactly once, or, when the kill took the first
	// record, only as redelivered. Items handed over again after a kill are
	// also audited as redelivered. The accounting is per link sequence
	// number: one vessel's static data, or its reports in one second, are
	// several items under one key.
	sent := auditKeys(t, in.cfg.Data, audit.Filter{Partner: "JP-JCG", Direction: audit.Sent})
	sentEntries := auditEntries(t, in.cfg.Data, audit.Filter{Partner: "JP-JCG", Direction: audit.Sent})
	recvAll := auditEntries(t, jp.cfg.Data, audit.Filter{Partner: "IN-IFC", Direction: audit.Received})
	type record struct {
		key              string
		accept, redelivs int
	}
	bySeq := map[uint64]*record{}
	for _, e := range sentEntries {
		bySeq[e.Seq] = &record{key: e.Kind + " " + e.Key}
	}
	redelivered := 0
	for _, e := range recvAll {
		r := bySeq[e.Seq]
		if r == nil || r.key != e.Kind+" "+e.Key {
			t.Errorf("received seq %d (%s %s, %s): not sent as such", e.Seq, e.Kind, e.Key, e.Rule)
			continue
		}
		switch e.Rule {
		case "accept":
			r.accept++
		case share.RuleRedelivered, share.RuleRedeliveredApplied:
			r.redelivs++
			redelivered++
		default:
			t.Errorf("received seq %d (%s): rule %q", e.Seq, r.key, e.Rule)
		}
	}
	for seq, r := range bySeq {
		if r.accept > 1 || r.accept == 0 && r.redelivs == 0 {
			t.Errorf("seq %d (%s): audited as accepted %d times and redelivered %d times; want accepted once, or only redelivered",
				seq, r.key, r.accept, r.redelivs)
		}
	}
	held := map[string]int{}
	byMMSI := map[vessel.MMSI][]vessel.Position{}
	for _, p := range storedPositions(t, jp.cfg.Data)[share.SourcePrefix+"IN-IFC"] {
		held[fmt.Sprintf("position %d@%s", p.MMSI, p.Time)]++
		byMMSI[p.MMSI] = append(byMMSI[p.MMSI], p)
	}
	sentPos := map[string]vessel.Position{}
	for src, ps := range storedPositions(t, in.cfg.Data) {
		if _, partner := share.OriginOf(src); !partner {
			for _, p := range ps {
				sentPos[fmt.Sprintf("position %d@%s", p.MMSI, p.Time)] = p
			}
		}
	}
	// repeats reports whether the receiver holds the same report of the
	// vessel within 30 s: its picture took this one for a repeat.
	repeats := func(k string) bool {
		p, ok := sentPos[k]
		if !ok {
			return false
		}
		for _, q := range byMMSI[p.MMSI] {
			if d := q.Time - p.Time; d > -30_000 && d < 30_000 && q.SOG == p.SOG && q.COG == p.COG &&
				math.Abs(q.Lat-p.Lat) < 2e-6 && math.Abs(q.Lon-p.Lon) < 2e-6 {
				return true
			}
		}
		return false
	}
	positions := 0
	for k, n := range sent {
		if !strings.HasPrefix(k, "position ") {
			continue
		}
		positions++
		// n > 1: reports of one vessel in one second that the sender's
		// picture kept apart; the receiver's picture may merge some of
		// them, but never holds more, and none only when it holds the same
		// report a moment apart (its dedup window).
		if held[k] > n || held[k] == 0 && !repeats(k) {
			t.Errorf("%s: sent %d times, JP-JCG holds it %d times", k, n, held[k])
		}
	}
	for k, n := range held {
		if sent[k] == 0 {
			t.Errorf("%s: JP-JCG holds it %d times, never sent", k, n)
		}
	}
	t.Logf("%d items (%d keys, %d positions) through 3 kills: each held once, audited as accepted once; %d handed over again and audited as redelivered",
		len(bySeq), len(sent), positions, redelivered)
}

func auditEntries(t *testing.T, data string, f audit.Filter) []audit.Entry {
	t.Helper()
	l, err := audit.Open(filepath.Join(data, "share", "audit"), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f.Limit = audit.MaxLimit
	es, err := l.Query(f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}
