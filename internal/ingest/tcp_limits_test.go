package ingest_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ingest"
)

// movingClock is a clock the test moves forward.
type movingClock struct{ ns atomic.Int64 }

func (c *movingClock) now() time.Time { return time.Unix(0, c.ns.Load()) }

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// dialFrom connects to addr from the loopback address local (any of
// 127.0.0.0/8 on Linux), as a different host would.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Skipf("cannot dial from %s (a loopback address other than 127.0.0.1): %v", local, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestTCPServerIdleFlood reproduces the lock-out: connections that send
// nothing used to fill every slot (64) until the 10-minute idle timeout,
// and no receiver could connect. Now one host gets at most
// MaxConnsPerAddr slots; when many hosts fill them all, a new receiver
// takes the slot of the connection that has been quiet longest (past
// EvictIdle); and what is refused or evicted is counted and logged, at
// most one line per 10 s.
func TestTCPServerIdleFlood(t *testing.T) {
	const name = "tcp:ais-catcher"
	ref, _ := reference(t, dmaStream, name)
	data := readFile(t, dmaStream)
	clk := &movingClock{}
	clk.ns.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	var logs lockedBuffer
	col := newCollector()
	srv := newTCPServer(t, ingest.TCPServerConfig{
		InputOptions: ingest.InputOptions{Name: name, Sink: col.sink, Overflow: ingest.Block, Now: clk.now,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))},
	})
	stop := run(t, srv)
	addr := srv.Addr().String()

	// One host opens 70 idle connections: it gets DefaultMaxConnsPerAddr.
	for range 70 {
		dialFrom(t, "127.0.0.2", addr)
	}
	eventually(t, "70 connections accepted", func() bool { return srv.Stats().Accepted == 70 })
	if st := srv.Stats(); st.Active != ingest.DefaultMaxConnsPerAddr || st.RefusedPerAddr != 70-ingest.DefaultMaxConnsPerAddr {
		t.Fatalf("one host, 70 connections: %d open, %d refused per address; want %d and %d",
			st.Active, st.RefusedPerAddr, ingest.DefaultMaxConnsPerAddr, 70-ingest.DefaultMaxConnsPerAddr)
	}
	// Many hosts fill every slot with idle connections.
	for i := range ingest.DefaultMaxConns - ingest.DefaultMaxConnsPerAddr {
		dialFrom(t, fmt.Sprintf("127.0.1.%d", i+1), addr)
	}
	eventually(t, "every slot taken", func() bool { return srv.Stats().Active == ingest.DefaultMaxConns })
	// Right away, nothing is quiet long enough to give way: refused.
	late := dialFrom(t, "127.0.2.1", addr)
	late.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := late.Read(make([]byte, 1)); err == nil {
		t.Error("a connection beyond MaxConns was kept while the others were fresh")
	}
	if st := srv.Stats(); st.Refused != 1 || st.Evicted != 0 {
		t.Errorf("refused %d, evicted %d; want 1, 0", st.Refused, st.Evicted)
	}

	// The idle connections have been quiet past EvictIdle: a receiver
	// connects, takes the quietest slot, and everything it sends arrives.
	clk.ns.Add(int64(ingest.DefaultEvictIdle + time.Second))
	rx := dialFrom(t, "127.0.0.3", addr)
	if _, err := rx.Write(data); err != nil {
		t.Fatal(err)
	}
	rx.Close()
	col.wait(t, len(ref))
	eventually(t, "the receiver's connection to end", func() bool { return srv.Stats().Active == ingest.DefaultMaxConns-1 })
	st := srv.Stats()
	if st.Evicted != 1 || st.Observations != int64(len(ref)) {
		t.Errorf("evicted %d, observations %d; want 1, %d", st.Evicted, st.Observations, len(ref))
	}
	if err := stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
	// 62 + 1 refusals and an eviction, but the clock moved only once past
	// the log interval: two log lines, the first counting one, the second
	// the 63 since.
	lines := strings.Count(logs.String(), "connections refused or evicted")
	if lines != 2 || !strings.Contains(logs.String(), "reason=evicted_idle") || !strings.Contains(logs.String(), "count=63") {
		t.Errorf("%d log lines about refusals; want 2, the second counting 63 and naming the eviction:\n%s", lines, logs.String())
	}
}
