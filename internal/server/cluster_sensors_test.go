package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

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
