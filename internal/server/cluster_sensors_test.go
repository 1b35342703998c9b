package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/asterix"
	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// logEntry is one entry of a simulated ingest log for the contact
// tracker: a batch, and for an AIS batch the results fusion gave its
// positions.
type logEntry struct {
	b   cluster.Batch
	ais []fusion.Result
}

// sensorScenario is the simulated radar scenario the cluster sensor
// tests feed: a patrol ship's radar (TTM with own-ship RMC/HDT), a fixed
// site (TLL), a SAR pass, and the AIS of the ships that transmit (dark
// ones among them), starting at start.
func sensorScenario(start time.Time, d time.Duration) *simulate.RadarScenario {
	return simulate.NewRadarScenario(simulate.RadarConfig{Start: vessel.TimeOf(start), Duration: d,
		SARPasses: []time.Duration{d / 2}}, rand.New(rand.NewPCG(14, 15)))
}

// radarScans splits the scenario's NMEA radar output into its scans
// (each starts with the patrol ship's RMC): the lines and the scan's
// time.
func radarScans(t testing.TB, sc *simulate.RadarScenario) (scans [][][]byte, times []vessel.Time) {
	t.Helper()
	var buf bytes.Buffer
	if err := sc.WriteRadarNMEA(&buf); err != nil {
		t.Fatal(err)
	}
	i := 0
	for line := range bytes.Lines(buf.Bytes()) {
		line = bytes.TrimRight(line, "\r\n")
		if bytes.Contains(line, []byte("GPRMC")) {
			scans = append(scans, nil)
			times = append(times, sc.OwnShip[i].Time)
			i++
		}
		scans[len(scans)-1] = append(scans[len(scans)-1], line)
	}
	return scans, times
}

// sarRows returns the scenario's SAR CSV: its header and its rows.
func sarRows(t testing.TB, sc *simulate.RadarScenario) (header []byte, rows [][]byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := sc.WriteSARCSV(&buf); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimRight(buf.Bytes(), "\n"), []byte("\n"))
	return lines[0], lines[1:]
}

// scenarioLog builds the log of a scenario as inputs would publish it:
// an AIS batch every 10 s of data, a radar batch per scan, the SAR rows
// in batches of 25 (each led by the header), in time order (AIS before
// the sensors of the same instant), then the real ASTERIX capture one
// datagram a batch when payloads is not empty.
func scenarioLog(t testing.TB, sc *simulate.RadarScenario, payloads [][]byte, first time.Time) []logEntry {
	t.Helper()
	type timed struct {
		at   vessel.Time
		rank int
		e    logEntry
	}
	var all []timed
	for w := sc.Start; w < sc.End; w += 10_000 {
		var rs []fusion.Result
		for _, o := range sc.AIS {
			if o.Kind != vessel.KindPosition || o.Time() < w || o.Time() >= w+10_000 {
				continue
			}
			p := o.Position
			rs = append(rs, fusion.Result{Outcome: fusion.Stored, MMSI: p.MMSI, Time: p.Time, Position: p})
		}
		if len(rs) > 0 {
			all = append(all, timed{w + 10_000, 0, logEntry{b: cluster.Batch{Input: "ais", Received: (w + 10_000).Std()}, ais: rs}})
		}
	}
	scans, times := radarScans(t, sc)
	for i, s := range scans {
		all = append(all, timed{times[i], 1, logEntry{b: cluster.Batch{Input: "patrol-radar", Received: times[i].Std(),
			Sensor: cluster.SensorRadarNMEA, Lines: s}}})
	}
	header, rows := sarRows(t, sc)
	for i := 0; i < len(rows); i += 25 {
		at := sc.SAR[i].Det.Time
		all = append(all, timed{at, 2, logEntry{b: cluster.Batch{Input: "sar", Received: at.Std(), Sensor: cluster.SensorSAR,
			Lines: append([][]byte{header}, rows[i:min(i+25, len(rows))]...)}}})
	}
	slices.SortStableFunc(all, func(a, b timed) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return a.rank - b.rank
	})
	out := make([]logEntry, 0, len(all)+len(payloads))
	for _, x := range all {
		out = append(out, x.e)
	}
	for i, p := range payloads {
		rec := append(make([]byte, 8), p...)
		out = append(out, logEntry{b: cluster.Batch{Input: "asterix-site", Received: first.Add(time.Duration(i) * 100 * time.Millisecond),
			Sensor: cluster.SensorASTERIX, Lines: [][]byte{rec}}})
	}
	return out
}

// logTracker is a log-driven tracker that records what it makes.
type logTracker struct {
	t        *ContactTracker
	contacts []string
	events   []string
}

func newLogTracker(t testing.TB, cs *contactsState) *logTracker {
	t.Helper()
	tr, err := OpenContactTracker(ContactTrackerOptions{logDriven: true, clusterState: cs})
	if err != nil {
		t.Fatal(err)
	}
	if cs != nil {
		if err := tr.loadClusterState(cs); err != nil {
			t.Fatal(err)
		}
	}
	lt := &logTracker{t: tr}
	tr.lg.publish = func(evs []event.Event) {
		for _, ev := range evs {
			b, _ := json.Marshal(ev)
			lt.events = append(lt.events, string(b))
		}
	}
	tr.AddSink(func(c *contact.Contact) {
		b, _ := json.Marshal(contactView(c))
		lt.contacts = append(lt.contacts, string(b))
	})
	return lt
}

// apply applies entries from..to (1-based sequences) as a node's
// follower and pipeline do.
func (lt *logTracker) apply(log []logEntry, from, to uint64) {
	for seq := from; seq <= to; seq++ {
		e := &log[seq-1]
		lt.t.startEntry(seq)
		for i := range e.ais {
			lt.t.Result(nil, &e.ais[i])
		}
		lt.t.applyEntry(seq, &e.b)
	}
}

// TestContactTrackerLogDriven: two log-driven trackers given the same
// log (a simulated patrol ship's radar, a fixed site, a SAR pass and the
// ships' AIS, then the real CAT 034/048 capture) make the same contacts
// and dark-target events in the same order; a third, stopped halfway,
// its state written, encoded and loaded into a new tracker that is given
// the log again from a few entries before the state (as a restarted
// node's picture resumes from an older state), ends with exactly the
// same contacts and events, none twice. The log's time drives it: no
// wall clock is read.
func TestContactTrackerLogDriven(t *testing.T) {
	start := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	sc := sensorScenario(start, 40*time.Minute)
	payloads, first, ok := readAsterixCapture(t)
	if !ok {
		t.Log("the ASTERIX capture is not here (../shared/testdata/radar/asterix): simulated data only")
	}
	log := scenarioLog(t, sc, payloads, first)
	n := uint64(len(log))

	a, b := newLogTracker(t, nil), newLogTracker(t, nil)
	a.apply(log, 1, n)
	b.apply(log, 1, n)
	if len(a.contacts) == 0 || !slices.Equal(a.contacts, b.contacts) || !slices.Equal(a.events, b.events) {
		t.Fatalf("two trackers on the same log: %d and %d contacts, %d and %d events", len(a.contacts), len(b.contacts), len(a.events), len(b.events))
	}
	dark, assoc, radar, sat, ax := 0, 0, 0, 0, 0
	for _, c := range a.contacts {
		var v struct {
			MMSI   uint32 `json:"mmsi"`
			Sensor string `json:"sensor"`
			Source string `json:"source"`
		}
		json.Unmarshal([]byte(c), &v)
		if v.MMSI != 0 {
			assoc++
		}
		switch {
		case v.Sensor == "satellite":
			sat++
		case strings.Contains(v.Source, "/"):
			ax++
		default:
			radar++
		}
	}
	for _, e := range a.events {
		if strings.Contains(e, `"dark_target"`) {
			dark++
		}
	}
	t.Logf("%d entries: %d contacts (%d radar, %d satellite, %d ASTERIX; %d associated), %d episode events (%d dark_target)",
		n, len(a.contacts), radar, sat, ax, assoc, len(a.events), dark)
	if assoc == 0 || radar == 0 || sat == 0 || dark == 0 || (len(payloads) > 0 && ax == 0) {
		t.Errorf("want associated, radar, satellite, ASTERIX contacts and dark_target events")
	}

	// Stopped halfway, restarted from its state.
	half := n / 2
	c := newLogTracker(t, nil)
	c.apply(log, 1, half)
	st, err := c.t.appendClusterState(nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := decodeContactsState(st)
	if err != nil {
		t.Fatal(err)
	}
	if cs.seq != half || len(cs.assoc) == 0 {
		t.Fatalf("state at entry %d with %d bytes of associator; want entry %d", cs.seq, len(cs.assoc), half)
	}
	d := newLogTracker(t, cs)
	d.apply(log, half-5, n) // the picture's state was 5 entries older
	got := append(slices.Clone(c.contacts), d.contacts...)
	gotEv := append(slices.Clone(c.events), d.events...)
	if !slices.Equal(got, a.contacts) {
		t.Errorf("restarted tracker: %d contacts; want %d, the same", len(got), len(a.contacts))
		for i := range min(len(got), len(a.contacts)) {
			if got[i] != a.contacts[i] {
				t.Errorf("first difference at contact %d:\n got %s\nwant %s", i, got[i], a.contacts[i])
				break
			}
		}
	}
	if !slices.Equal(gotEv, a.events) {
		t.Errorf("restarted tracker: %d events; want %d, the same", len(gotEv), len(a.events))
	}
}

// readAsterixCapture returns the UDP payloads of the real CAT 034/048
// capture (read from ../shared/testdata at test time, see its README)
// and the time of the first; false when it is not here.
func readAsterixCapture(tb testing.TB) (payloads [][]byte, first time.Time, ok bool) {
	tb.Helper()
	f, err := os.Open("../../../shared/testdata/radar/asterix/cat_034_048.pcap")
	if errors.Is(err, os.ErrNotExist) {
		return nil, time.Time{}, false
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	pr, err := asterix.NewPcapReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	for {
		d, err := pr.Next()
		if err == io.EOF {
			return payloads, first, true
		}
		if err != nil {
			tb.Fatal(err)
		}
		if first.IsZero() {
			first = d.Time
		}
		payloads = append(payloads, append([]byte(nil), d.Payload...))
	}
}

// TestContactsStateCorrupt: a damaged or foreign state file is refused
// with ErrContactsState (the tracker then starts afresh), never a panic.
func TestContactsStateCorrupt(t *testing.T) {
	start := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	sc := sensorScenario(start, 10*time.Minute)
	log := scenarioLog(t, sc, nil, time.Time{})
	lt := newLogTracker(t, nil)
	lt.apply(log, 1, uint64(len(log)))
	good, err := lt.t.appendClusterState(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeContactsState(good); err != nil {
		t.Fatalf("good state: %v", err)
	}
	flip := slices.Clone(good)
	flip[len(flip)/2] ^= 1
	cases := map[string][]byte{
		"empty":      nil,
		"magic":      append([]byte("TWCLST"), good[6:]...),
		"version":    append(append([]byte(contactsStateMagic), 9, 0), good[8:]...),
		"bit flip":   flip,
		"cut":        good[:len(good)-7],
		"header cut": good[:contactsStateHdr-1],
	}
	for name, b := range cases {
		if _, err := decodeContactsState(b); !errors.Is(err, ErrContactsState) {
			t.Errorf("%s: %v; want ErrContactsState", name, err)
		}
	}
}

// FuzzSensorBatchDecode decodes arbitrary sensor batches as a node's
// follower does (decodeSensorBatch, learning ASTERIX sites): never a
// panic, whatever the records hold; the counts are sane.
func FuzzSensorBatchDecode(f *testing.F) {
	start := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	sc := sensorScenario(start, 5*time.Minute)
	log := scenarioLog(f, sc, nil, time.Time{})
	for _, e := range log[:min(len(log), 20)] {
		if e.b.Sensor != cluster.SensorNone {
			f.Add(cluster.AppendBatch(nil, e.b))
		}
	}
	if payloads, first, ok := readAsterixCapture(f); ok {
		for _, p := range payloads[:min(len(payloads), 5)] {
			rec := append(make([]byte, 8), p...)
			f.Add(cluster.AppendBatch(nil, cluster.Batch{Input: "ax", Received: first, Sensor: cluster.SensorASTERIX, Lines: [][]byte{rec}}))
		}
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := cluster.DecodeBatch(p)
		if err != nil || b.Sensor == cluster.SensorNone {
			return
		}
		dets, errs := decodeSensorBatch(&b, &logDriven{})
		if errs < 0 || (len(b.Lines) == 0 && len(dets) > 0) {
			t.Fatalf("%d detections, %d errors of %d records", len(dets), errs, len(b.Lines))
		}
	})
}

// aisPositionLine encodes a position report as a type 1 message with a
// tag block carrying its time (the time the cluster decodes it with).
func aisPositionLine(p *vessel.Position) []byte {
	var bits []byte
	put := func(v int64, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, byte(v>>i)&1)
		}
	}
	sog, cog := int64(1023), int64(3600)
	if kn, ok := p.SOG.Knots(); ok {
		sog = int64(math.Round(kn * 10))
	}
	if d, ok := p.COG.Degrees(); ok {
		cog = int64(math.Round(d * 10))
	}
	put(1, 6)
	put(0, 2)
	put(int64(p.MMSI), 30)
	put(0, 4)
	put(-128, 8)
	put(sog, 10)
	put(0, 1)
	put(int64(math.Round(p.Lon*600000)), 28)
	put(int64(math.Round(p.Lat*600000)), 27)
	put(cog, 12)
	put(511, 9)
	put(int64(p.Time/1000%60), 6)
	put(0, 2+3+1+19)
	payload, fill := aistest.Armour(bits)
	tag := "c:" + strconv.FormatInt(int64(p.Time)/1000, 10)
	line := aistest.WithChecksum("!AIVDM,1,1,,A," + payload + "," + strconv.Itoa(fill))
	var sum byte
	for i := range len(tag) {
		sum ^= tag[i]
	}
	return fmt.Appendf(nil, "\\%s*%02X\\%s", tag, sum, line)
}

// TestClusterSensors: three nodes in their own processes on loopback.
// The first takes the real CAT 034/048 capture over UDP (an "asterix"
// input) and a SAR detection file (a "sar" input, the scenario's Global
// Fishing Watch CSV); the second a simulated patrol ship's radar (TTM
// with own-ship RMC/HDT) and a fixed site (TLL) over TCP (an
// "nmea-radar" input) with the ships' AIS over TCP, some of the ships
// dark; the third is fed nothing and is killed with SIGKILL in the
// middle of the feed, then restarted. All three end with the same
// contacts (history: times, positions, radar track ids, MMSI
// associations, candidates, episodes) and the same dark_target and
// ais_position_mismatch events, to the byte; every record the inputs
// counted as accepted made a contact (nothing acknowledged was lost).
//
// Subtest past_retention: the log keeps 8 s; the third node is killed
// after a third of the feed, kept down until the log dropped the entries
// after its own, and restarted: it installs a peer's snapshot (the
// picture, the store, and the contact tracker's state and contact log
// at the snapshot's entry) and ends with the same contacts and events.
func TestClusterSensors(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	t.Run("kill9", func(t *testing.T) { clusterSensors(t, false) })
	t.Run("past_retention", func(t *testing.T) { clusterSensors(t, true) })
}

func clusterSensors(t *testing.T, pastRetention bool) {
	payloads, _, haveAX := readAsterixCapture(t)
	if !haveAX {
		t.Log("the ASTERIX capture is not here (../shared/testdata/radar/asterix): radar and SAR only")
	}
	dir := t.TempDir()
	start := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Minute)
	sc := sensorScenario(start, 30*time.Minute)
	var sarCSV bytes.Buffer
	if err := sc.WriteSARCSV(&sarCSV); err != nil {
		t.Fatal(err)
	}
	sarFile := filepath.Join(dir, "sar.csv")
	if err := os.WriteFile(sarFile, sarCSV.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	scans, times := radarScans(t, sc)

	axAddr, radarAddr, aisAddr := freePort(t), freePort(t), freePort(t)
	inputs := [][]Input{
		{{Type: "asterix", Name: "asterix-site", Listen: axAddr}, {Type: "sar", Name: "sar", File: sarFile}},
		{{Type: "nmea-radar", Name: "patrol-radar", Transport: "tcp-server", Listen: radarAddr}, {Type: "tcp-server", Name: "ais", Listen: aisAddr}},
		nil,
	}
	procs := startClusterProcs(t, dir, func(i int, p *clusterProc, cfg *Config) {
		cfg.Inputs = inputs[i]
		if pastRetention {
			cfg.Cluster.MaxAge = "8s"
		}
	})
	victim := procs[2]

	// The radar and AIS feeds of the second node, 20 s of data at a
	// time, the AIS first; the capture to the first node's UDP input.
	dial := func(addr string) net.Conn {
		var c net.Conn
		waitFor(t, 30*time.Second, "the input at "+addr, func() bool {
			var err error
			c, err = net.Dial("tcp", addr)
			return err == nil
		})
		return c
	}
	aisConn, radarConn := dial(aisAddr), dial(radarAddr)
	var sentWindows, radarLines, axSent atomic.Int64
	var killed atomic.Bool
	windows := int((sc.End - sc.Start) / 20_000)
	var feeders sync.WaitGroup
	// In past_retention the feed stops after a third until the victim is
	// down (resume), the capture goes in the second part.
	third := sc.Start + vessel.Time(windows/3)*20_000
	resume := make(chan struct{})
	if !pastRetention {
		close(resume)
	}
	feeders.Go(func() {
		ai, si := 0, 0
		var aisLines int64
		for w := sc.Start; w < sc.End; w += 20_000 {
			if w == third {
				<-resume
			}
			var ab, rb bytes.Buffer
			for ; ai < len(sc.AIS) && sc.AIS[ai].Time() < w+20_000; ai++ {
				if o := &sc.AIS[ai]; o.Kind == vessel.KindPosition {
					ab.Write(aisPositionLine(&o.Position))
					ab.WriteString("\r\n")
				}
			}
			for ; si < len(scans) && times[si] < w+20_000; si++ {
				for _, l := range scans[si] {
					rb.Write(l)
					rb.WriteString("\r\n")
					radarLines.Add(1)
				}
			}
			if _, err := aisConn.Write(ab.Bytes()); err != nil {
				t.Error(err)
				return
			}
			// The AIS ahead of the radar in the log: the radar goes once
			// the AIS input published the window's AIS.
			aisLines += int64(bytes.Count(ab.Bytes(), []byte{'\n'}))
			if !pollMetric(t, procs[1], `tidewatch_input_line_mode_total{input="ais",type="tcp-server",what="published_lines"}`, aisLines, time.Minute) {
				t.Errorf("%s did not publish the AIS sent (%d lines) within a minute", procs[1].name, aisLines)
				return
			}
			if _, err := radarConn.Write(rb.Bytes()); err != nil {
				t.Error(err)
				return
			}
			sentWindows.Add(1)
			// The next window once the radar is published and every node
			// up applied it; from a third on until the victim is killed,
			// once they committed it too (feedPace).
			if !pollMetric(t, procs[1], `tidewatch_sensor_records_total{input="patrol-radar",type="nmea-radar"}`, radarLines.Load(), time.Minute) {
				t.Errorf("%s did not publish the radar sent (%d lines) within a minute", procs[1].name, radarLines.Load())
				return
			}
			if err := caughtUp(t, procs[1], procs, !pastRetention && w >= third && !killed.Load(), time.Minute); err != nil {
				t.Error(err)
				return
			}
		}
		radarConn.(*net.TCPConn).CloseWrite()
		radarConn.SetReadDeadline(time.Now().Add(60 * time.Second))
		io.Copy(io.Discard, radarConn) // the node closes once it published the rest
		radarConn.Close()
	})
	feeders.Go(func() {
		<-resume
		c, err := net.Dial("udp", axAddr)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		// One datagram at a time, each once the input received the one
		// before (UDP drops what the socket cannot hold).
		for _, p := range payloads {
			c.Write(p)
			n := axSent.Add(1)
			if !pollMetric(t, procs[0], `tidewatch_sensor_datagrams_total{input="asterix-site",type="asterix"}`, n, 10*time.Second) {
				t.Errorf("%s did not receive datagram %d of the capture within 10 s", procs[0].name, n)
				return
			}
		}
	})
	// A node that falls behind the retention while it runs reopens
	// itself on a new HTTP port: streamSeq reads the address again each
	// time, and a node that does not answer reads as 0.
	seq := func(p *clusterProc, name string) float64 { return streamSeq(t, p, name) }
	var gone float64
	if pastRetention {
		waitFor(t, 5*time.Minute, "a third of the feed to be sent", func() bool { return sentWindows.Load() >= int64(windows/3) })
		waitFor(t, 60*time.Second, "every node to apply the first third", allApplied(t, procs))
		waitFor(t, 60*time.Second, victim.name+" to commit what it applied", func() bool {
			gone = seq(victim, "tidewatch_cluster_committed_sequence")
			return gone > 0 && gone == seq(victim, "tidewatch_cluster_applied_sequence")
		})
		victim.kill()
		close(resume)
	} else {
		// Killed once a third is sent and it wrote its states at an
		// entry of the feed (the picture's and the tracker's; written
		// every 10 s), and committed entries beyond them: the restart
		// loads both, replays into the picture alone what its store
		// holds beyond them, while its tracker skips what it had done.
		waitFor(t, 5*time.Minute, "a third of the feed to be sent and a state written", func() bool {
			if sentWindows.Load() < int64(windows/3) {
				return false
			}
			st := seq(victim, "tidewatch_cluster_state_sequence")
			return st >= 2 && seq(victim, "tidewatch_cluster_committed_sequence") > st
		})
		victim.kill()
		killed.Store(true)
	}
	t.Logf("%s killed after %d of %d windows sent", victim.name, sentWindows.Load(), windows)
	feeders.Wait()
	if pastRetention {
		waitFor(t, 120*time.Second, "the others to apply the rest", allApplied(t, procs[:2]))
		waitFor(t, 60*time.Second, "the log to drop the entries after the killed node's", func() bool {
			return seq(procs[0], "tidewatch_cluster_stream_first_sequence") > gone+1
		})
	}
	victim.start(t)
	victim.wait(t)

	// Every record the inputs accepted (acknowledged by the cluster).
	accepted := func(p *clusterProc, input string) float64 {
		p.refresh()
		v, _ := sensorsMetric(t, p.base, fmt.Sprintf(`tidewatch_sensor_records_total{input=%q,type=%q}`, input, map[string]string{"asterix-site": "asterix", "sar": "sar", "patrol-radar": "nmea-radar"}[input]))
		return v
	}
	waitFor(t, 60*time.Second, "the sensor inputs to publish what was sent", func() bool {
		return accepted(procs[1], "patrol-radar") >= float64(radarLines.Load()) && accepted(procs[0], "asterix-site") >= float64(axSent.Load()) &&
			accepted(procs[0], "sar") >= float64(len(sc.SAR))
	})
	// A last AIS report, received more than a second after every sensor
	// batch, moves the log's time on: the last scans are associated on
	// every node.
	done := time.Now()
	waitFor(t, 10*time.Second, "a second of the log's time", func() bool { return time.Since(done) > 1500*time.Millisecond })
	last := sc.AIS[len(sc.AIS)-1].Position
	last.Time = sc.End + 60_000
	aisConn.Write(append(aisPositionLine(&last), '\r', '\n'))
	aisConn.(*net.TCPConn).CloseWrite()
	aisConn.SetReadDeadline(time.Now().Add(60 * time.Second))
	io.Copy(io.Discard, aisConn) // the node closes once it published the rest
	aisConn.Close()
	waitFor(t, 180*time.Second, "every node to apply the whole log", sameLogEnd(t, procs, false))

	// The detections every record makes, decoded here as a node does.
	wantAX := 0
	lg := &logDriven{}
	for _, p := range payloads {
		b := cluster.Batch{Input: "asterix-site", Received: time.Now(), Sensor: cluster.SensorASTERIX, Lines: [][]byte{append(make([]byte, 8), p...)}}
		dets, _ := decodeSensorBatch(&b, lg)
		wantAX += len(dets)
	}
	want := len(sc.Radar) + len(sc.SAR) + wantAX

	type contactList struct {
		Count    int               `json:"count"`
		Contacts []json.RawMessage `json:"contacts"`
	}
	type eventList struct {
		Events []json.RawMessage `json:"events"`
	}
	from, to := start.Add(-24*time.Hour).Format(time.RFC3339), time.Now().Add(24*time.Hour).Format(time.RFC3339)
	cls := make([]contactList, 3)
	evs := make([][]byte, 3)
	for i, p := range procs {
		p.refresh()
		if st := sensorsGet(t, p.base, "/api/v1/contacts?history=true&limit=20000", &cls[i]); st != 200 {
			t.Fatalf("%s: contacts: %d", p.name, st)
		}
		var all []json.RawMessage
		for _, typ := range []string{"dark_target", "ais_position_mismatch"} {
			var el eventList
			if st := sensorsGet(t, p.base, "/api/v1/events?type="+typ+"&from="+from+"&to="+to+"&limit=10000", &el); st != 200 {
				t.Fatalf("%s: events: %d", p.name, st)
			}
			all = append(all, el.Events...)
		}
		evs[i], _ = json.Marshal(all)
	}
	var assoc, tracked, dark int
	for _, c := range cls[0].Contacts {
		var v struct {
			MMSI  uint32 `json:"mmsi"`
			Track uint64 `json:"track"`
		}
		json.Unmarshal(c, &v)
		if v.MMSI != 0 {
			assoc++
		}
		if v.Track != 0 {
			tracked++
		}
	}
	dark = bytes.Count(evs[0], []byte(`"dark_target"`))
	t.Logf("%d contacts (%d with a radar track, %d associated with an MMSI; %d expected from what was sent), %d episode event versions (%d dark_target)",
		cls[0].Count, tracked, assoc, want, bytes.Count(evs[0], []byte(`"id"`)), dark)
	if cls[0].Count != want {
		t.Errorf("%s holds %d contacts; want %d, one for every record sent (radar %d, SAR %d, ASTERIX %d)", procs[0].name, cls[0].Count, want, len(sc.Radar), len(sc.SAR), wantAX)
	}
	if assoc == 0 || tracked == 0 || dark == 0 {
		t.Errorf("want associated contacts, radar tracks and dark_target events")
	}
	// The history is newest first; contacts of the same time come in
	// the order of the contact log's blocks, which depend on when each
	// node wrote it: compared in a canonical order.
	for i := range cls {
		slices.SortFunc(cls[i].Contacts, func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
	}
	a, _ := json.Marshal(cls[0].Contacts)
	for i, p := range procs[1:] {
		if b, _ := json.Marshal(cls[i+1].Contacts); !bytes.Equal(a, b) {
			t.Errorf("%s's contacts (%d) differ from %s's (%d)", p.name, cls[i+1].Count, procs[0].name, cls[0].Count)
			for j := range min(len(cls[0].Contacts), len(cls[i+1].Contacts)) {
				if !bytes.Equal(cls[0].Contacts[j], cls[i+1].Contacts[j]) {
					t.Errorf("first difference, at %d in canonical order:\n%s: %s\n%s: %s", j, procs[0].name, cls[0].Contacts[j], p.name, cls[i+1].Contacts[j])
					break
				}
			}
		}
		if !bytes.Equal(evs[0], evs[i+1]) {
			// a node restored from a snapshot too: the snapshot carries
			// the event log (cluster_snapshot.go)
			t.Errorf("%s's dark_target and ais_position_mismatch events differ from %s's:\n%s\n%s", p.name, procs[0].name, tail(evs[i+1], 600), tail(evs[0], 600))
		}
	}
	if log, _ := os.ReadFile(victim.cfgPath + ".log"); pastRetention {
		if i := bytes.Index(log, []byte("cluster: installed a snapshot")); i < 0 {
			t.Errorf("%s did not install a snapshot", victim.name)
		} else if !bytes.Contains(log, []byte("cluster: contact tracker restored from its state")) {
			t.Errorf("the restarted %s did not restore its contact tracker from the snapshot's state", victim.name)
		} else {
			line, _, _ := bytes.Cut(log[i:], []byte{'\n'})
			t.Logf("%s: %s", victim.name, line)
		}
	} else if !bytes.Contains(log, []byte("cluster: picture restored from the state")) {
		t.Errorf("the restarted %s did not restore its picture from the state file", victim.name)
	} else if i := bytes.Index(log, []byte("cluster: contact tracker restored from its state")); i < 0 {
		t.Errorf("the restarted %s did not restore its contact tracker from its state file", victim.name)
	} else {
		line, _, _ := bytes.Cut(log[i:], []byte{'\n'})
		t.Logf("%s: %s", victim.name, line)
		if bytes.Contains(line, []byte(" seq=0 ")) {
			t.Errorf("the restarted %s's tracker state is at entry 0; want one written during the feed", victim.name)
		}
	}
	for _, p := range procs {
		p.interrupt(t)
	}
	logsIfFailed(t, procs, 2000)
}

// TestClusterValidateSensors: cluster mode takes the radar, ASTERIX and
// SAR inputs of every transport, and refuses a paced or looped sensor
// file (a file is published once, as fast as the cluster acknowledges).
func TestClusterValidateSensors(t *testing.T) {
	cl := Cluster{Listen: "127.0.0.1:6222"}
	for _, tc := range []struct {
		name string
		in   Input
		ok   bool
	}{
		{"asterix udp", Input{Type: "asterix", Listen: "127.0.0.1:8600", Site: &SensorSite{Lat: 45.8, Lon: 16, SAC: 25, SIC: 201}}, true},
		{"asterix tcp-client", Input{Type: "asterix", Transport: "tcp-client", Address: "127.0.0.1:8601"}, true},
		{"nmea-radar tcp-server", Input{Type: "nmea-radar", Transport: "tcp-server", Listen: "127.0.0.1:8602"}, true},
		{"sar file", Input{Type: "sar", File: "scene.csv"}, true},
		{"asterix file", Input{Type: "asterix", File: "capture.pcap"}, true},
		{"paced sensor file", Input{Type: "nmea-radar", File: "radar.nmea", Speed: 10}, false},
		{"looped sensor file", Input{Type: "sar", File: "scene.csv", Loop: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := (&Config{Data: "d", Cluster: cl, Inputs: []Input{tc.in}}).Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate: %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Errorf("%v is not ErrConfig", err)
			}
		})
	}
}
