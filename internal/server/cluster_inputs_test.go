package server

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// staticsOnce decodes lines and returns, for each multi-sentence static
// message (types 5, 19, 24) whose MMSI has no other static message in
// lines, the index of its first fragment and the MMSI.
func staticsOnce(lines [][]byte) map[int]vessel.MMSI {
	count := map[vessel.MMSI]int{}
	at := map[vessel.MMSI]int{}
	for i := 0; i < len(lines); i++ {
		s := ingest.NewStream(bytes.NewReader(lines[i]), ingest.Options{})
		if _, err := s.Next(); err == nil {
			continue // a single-sentence message
		}
		if i+1 >= len(lines) || !bytes.HasPrefix(lines[i], []byte("!AIVDM,2,1,")) || !bytes.HasPrefix(lines[i+1], []byte("!AIVDM,2,2,")) {
			continue
		}
		s = ingest.NewStream(bytes.NewReader(bytes.Join(lines[i:i+2], []byte("\n"))), ingest.Options{})
		d, err := s.Next()
		if err != nil {
			continue
		}
		h := d.Msg.Head()
		if h.Type != 5 && h.Type != 19 && h.Type != 24 {
			continue
		}
		m := vessel.MMSI(h.MMSI)
		count[m]++
		at[m] = i
	}
	out := map[int]vessel.MMSI{}
	for m, n := range count {
		if n == 1 {
			out[at[m]] = m
		}
	}
	return out
}

// TestClusterInputs: three nodes in one process; every AIS input kind
// publishes to the log (a tcp-server, a tcp-client and a replayed file on
// one node, a UDP listener on another), fed with real traffic in which
// the two fragments of multi-sentence static messages (types 5, 19, 24)
// straddle the inputs' 100 ms batches (the sender pauses after the first
// fragment until a batch was published without it); every node ends with
// the same picture, which holds the static data of each of those
// messages, and the third node's NMEA relay forwards the lines it applied
// from the log.
func TestClusterInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs cluster nodes")
	}
	lines := captureLines(t, "raw/aishub-3min.nmea", 9000)
	serverPart, clientPart, udpPart := lines[:3000], lines[3000:6000], lines[6000:6600]
	replayFile := aistest.Path("raw/gpsd-sample.aivdm")

	// The tcp-client input's feed.
	feed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer feed.Close()
	go func() {
		c, err := feed.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write(append(bytes.Join(clientPart, []byte("\r\n")), '\r', '\n'))
		// Hold the connection open: the client would reconnect and read
		// it again.
		bufio.NewReader(c).ReadByte()
	}()

	tcpIn, udpIn := freePort(t), freePort(t)
	cfgs := clusterConfigs(t, t.TempDir(), true, "a", "b", "c")
	cfgs[0].Inputs = []Input{{Type: "tcp-server", Name: "server", Listen: tcpIn},
		{Type: "tcp-client", Name: "client", Address: feed.Addr().String()},
		{Type: "replay", Name: "file", File: replayFile}}
	cfgs[1].Inputs = []Input{{Type: "udp", Name: "udp", Listen: udpIn}}
	cfgs[0].AllowAnonymousRead = true // for /metrics
	cfgs[2].Relay = RelayOutput{Listen: "127.0.0.1:0"}

	nodes := runNodes(t, cfgs, false)
	relayConn, err := net.Dial("tcp", nodes[2].RelayAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer relayConn.Close()
	relayed := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(relayConn)
		n := 0
		for sc.Scan() {
			n++
			select {
			case <-relayed:
			default:
			}
			relayed <- n
		}
	}()

	lineStats := func(n *Node, i int) ingest.LineModeStats { return n.stats[i].stats().LineMode }
	// The tcp-server input: a pause after the first fragment of each
	// static message whose MMSI has no other static message, until the
	// input held that fragment back at a batch's end.
	once := staticsOnce(serverPart)
	if len(once) < 10 {
		t.Fatalf("only %d static messages to straddle", len(once))
	}
	c, err := net.Dial("tcp", tcpIn)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(c)
	straddled := 0
	for i, l := range serverPart {
		w.Write(l)
		w.WriteString("\r\n")
		if _, ok := once[i]; ok && straddled < 12 {
			w.Flush()
			held := lineStats(nodes[0], 0).Held
			waitFor(t, 30*time.Second, "the first fragment held back", func() bool { return lineStats(nodes[0], 0).Held > held })
			straddled++
		}
	}
	w.Flush()
	c.Close()
	// The UDP input: one datagram per line, paced by what was received.
	u, err := net.Dial("udp", udpIn)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range udpPart {
		u.Write(l)
		if i%50 == 49 {
			waitFor(t, 30*time.Second, "datagrams received", func() bool { return lineStats(nodes[1], 0).Lines >= int64(i+1)-1 })
		}
	}
	u.Close()
	replayLines := len(captureLines(t, "raw/gpsd-sample.aivdm", 1<<20))
	waitFor(t, time.Minute, "every input's lines published", func() bool {
		return lineStats(nodes[0], 0).Lines == int64(len(serverPart)) && lineStats(nodes[0], 1).Lines == int64(len(clientPart)) &&
			lineStats(nodes[1], 0).Lines == int64(len(udpPart)) && lineStats(nodes[0], 2).Lines >= int64(replayLines)
	})
	last := nodes[0].cl.follower.Status().Last
	for _, n := range nodes {
		if l := n.cl.follower.Status().Last; l > last {
			last = l
		}
	}
	for _, n := range nodes {
		waitFor(t, 2*time.Minute, "the log applied", func() bool { return n.cl.follower.Applied() >= last })
	}
	var pics [3][]byte
	for i, n := range nodes {
		if err := n.pipe.Do(context.Background(), func() { pics[i] = pictureOf(n.core.Picture) }); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(pics[0], pics[1]) || !bytes.Equal(pics[0], pics[2]) {
		t.Error("the three nodes hold different pictures")
	}
	k := 0
	for _, m := range once {
		for j, n := range nodes {
			st, ok := n.core.Picture.Vessel(m)
			if !ok || st.Static.Name == "" && st.Static.CallSign == "" && st.Static.ShipType == 0 {
				t.Errorf("node %d: vessel %d has no static data", j, m)
			}
		}
		k++
	}
	if st := lineStats(nodes[0], 0); st.Held < int64(straddled) {
		t.Errorf("tcp-server held %d fragments; want at least %d", st.Held, straddled)
	}
	base := "http://" + nodes[0].Addr().String()
	if v, ok := metricOK(t, base, `tidewatch_input_line_mode_total{input="server",type="tcp-server",what="held_fragments"}`); !ok || v < float64(straddled) {
		t.Errorf("held_fragments metric %v (%v); want at least %d", v, ok, straddled)
	}
	if v, ok := metricOK(t, base, `tidewatch_input_line_mode_total{input="client",type="tcp-client",what="published_lines"}`); !ok || v != float64(len(clientPart)) {
		t.Errorf("published_lines metric of the client %v (%v); want %d", v, ok, len(clientPart))
	}
	total := len(serverPart) + len(clientPart) + len(udpPart) // every line of the capture is AIS
	waitFor(t, time.Minute, "the relay to forward the applied lines", func() bool {
		select {
		case n := <-relayed:
			relayed <- n
			return n >= total
		default:
			return false
		}
	})
	t.Logf("%d entries; %d straddled static messages (of %d checked) on every node; %d lines relayed", last, straddled, k, total)
}
