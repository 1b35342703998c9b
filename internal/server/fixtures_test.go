package server

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/asterix"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// runningNode is a node a test started with startNode.
type runningNode struct {
	addr   net.Addr
	base   string // http://addr
	cancel context.CancelFunc
	done   chan error

	once sync.Once
	err  error
}

// startNode runs a node with opts (its Started is set here) on a goroutine
// and waits until it listens; a node that fails to start fails t. The node
// runs until stop, or the end of the test.
func startNode(t *testing.T, opts Options) *runningNode {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n := &runningNode{cancel: cancel, done: make(chan error, 1)}
	started := make(chan net.Addr, 1)
	opts.Started = func(a net.Addr) { started <- a }
	go func() { n.done <- Run(ctx, opts) }()
	t.Cleanup(func() { n.wait() })
	select {
	case n.addr = <-started:
	case err := <-n.done:
		n.done <- err
		t.Fatalf("node did not start: %v", err)
	}
	n.base = "http://" + n.addr.String()
	return n
}

// wait stops the node and returns what Run returned.
func (n *runningNode) wait() error {
	n.once.Do(func() {
		n.cancel()
		n.err = <-n.done
	})
	return n.err
}

// stop stops the node, failing t when Run returns an error.
func (n *runningNode) stop(t *testing.T) {
	t.Helper()
	if err := n.wait(); err != nil {
		t.Fatal(err)
	}
}

// dmaClock is the clock of a node fed the DMA capture
// (raw/dma-stream-example.nmea, from 2010-06-11 11:46): just after it, as
// a replay would set it.
func dmaClock() time.Time { return time.Date(2010, 6, 11, 11, 50, 0, 0, time.UTC) }

// sendCapture writes the AIS capture at aistest's path name to the
// TCP input listening on addr, and closes the connection.
func sendCapture(t *testing.T, addr, name string) {
	t.Helper()
	capture, err := os.ReadFile(aistest.Path(name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(capture); err != nil {
		t.Fatal(err)
	}
}

// asterixCapture returns the UDP payloads of the real CAT 034/048
// capture (read from ../shared/testdata at test time, see its README) and
// the time of the first, or skips.
func asterixCapture(t *testing.T) (payloads [][]byte, first time.Time) {
	t.Helper()
	f, err := os.Open("../../../shared/testdata/radar/asterix/cat_034_048.pcap")
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("the ASTERIX captures are not here (../shared/testdata/radar/asterix)")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, err := asterix.NewPcapReader(f)
	if err != nil {
		t.Fatal(err)
	}
	for {
		d, err := pr.Next()
		if err == io.EOF {
			return payloads, first
		}
		if err != nil {
			t.Fatal(err)
		}
		if first.IsZero() {
			first = d.Time
		}
		payloads = append(payloads, append([]byte(nil), d.Payload...))
	}
}

// applyAISBefore submits the observations of obs from *next on that are
// dated before end to n's pipeline, advancing *next, and waits until the
// pipeline has applied them: the scenario tests step AIS and sensor input
// together through time.
func applyAISBefore(t *testing.T, n *Node, obs []vessel.Observation, next *int, end vessel.Time) {
	t.Helper()
	first := *next
	for *next < len(obs) && obs[*next].Time() < end {
		*next++
	}
	batch := obs[first:*next]
	if len(batch) == 0 {
		return
	}
	applied := n.Pipeline().Stats().Applied
	n.Pipeline().Submit(slices.Clone(batch))
	waitFor(t, 20*time.Second, "AIS applied", func() bool { return n.Pipeline().Stats().Applied >= applied+int64(len(batch)) })
}

// dialSensorUDP is n's first sensor input and a UDP connection to it,
// closed at the end of the test.
func dialSensorUDP(t *testing.T, n *Node) (*SensorInput, net.Conn) {
	t.Helper()
	in := n.Sensors()[0]
	conn, err := net.Dial("udp", in.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return in, conn
}
