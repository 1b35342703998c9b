package event_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/realdata_golden.tsv from this run (judgements kept by id)")

const goldenPath = "testdata/realdata_golden.tsv"

// reviewed are the judgements of events looked at one by one; the others
// get a judgement from rules over their measures (prefixed "rule:").
var reviewed = map[string]string{
	"gap-498250000-1504818531000": "review: under way at 4.9 kn off Kawau and never heard again: probably left the Auckland Transport feed's area northwards; not proven dark",
	"gap-503511300-1504780854000": "review: small craft that went to anchor near Colville and switched off overnight (back 1.2 km away): a true silence, of low interest",
}

// judge gives an event the judgement of the rules a reviewer applied to
// its kind.
func judge(ev event.Event) string {
	m := ev.Measures
	switch ev.Type {
	case event.Teleport:
		v, ok := m["implied_speed_kn"]
		switch {
		case m["distance_m"] > 500e3:
			return "rule: a jump of hundreds of km: a shared or placeholder MMSI or a bad fix; right to flag, not a movement"
		case !ok:
			return "rule: two positions at the same time: a second transmitter or a bad fix; right to flag"
		default:
			return fmt.Sprintf("rule: %.0f kn implied: a GNSS fault or bad fix; right to flag", v)
		}
	case event.Gap:
		if ev.Open() {
			if _, ok := m["missed_passes"]; ok {
				return "rule: open at the end, significant run of missed passes: possibly dark, or the extract ends for it; unverifiable"
			}
			return "rule: open at the end of the data, others heard where it would be: possibly dark, or the extract ends for it; unverifiable"
		}
		v := m["implied_speed_kn"]
		switch {
		case v > 30:
			return "rule: back too far for the time: a position or identity fault, not a silence"
		case m["distance_m"] < 1000:
			return "rule: back where it was: silent in place (switched off at a mooring no list knows)"
		case v < 1:
			return fmt.Sprintf("rule: back %.1f km away after %.0f h: stayed in the area while silent (anchored or drifting); a true silence of low interest", m["distance_m"]/1000, m["duration_s"]/3600)
		default:
			return fmt.Sprintf("rule: back %.0f km away at %.1f kn: moved on at that speed unheard: dark or not recorded, unverifiable from the data alone", m["distance_m"]/1000, v)
		}
	case event.Encounter:
		return "rule: needs review"
	}
	return ""
}

func summary(ev event.Event) string {
	m := ev.Measures
	switch ev.Type {
	case event.Teleport:
		return fmt.Sprintf("%.1f km, %.0f kn", m["distance_m"]/1000, m["implied_speed_kn"])
	case event.Gap:
		if ev.Open() {
			return fmt.Sprintf("open, coverage %.2f", m["coverage_fraction"])
		}
		return fmt.Sprintf("%.1f h, %.1f km, coverage %.2f", m["duration_s"]/3600, m["distance_m"]/1000, m["coverage_fraction"])
	case event.Encounter:
		return fmt.Sprintf("%.1f h, %.0f m, %.1f kn", m["duration_s"]/3600, m["mean_distance_m"], m["median_speed_kn"])
	}
	return ""
}

// TestRealGolden lists every encounter, teleport and gap the real days
// produce with the gfw preset, through fusion as the node runs them
// (fusedPositions), anchorages learned from each file in a first pass (as GFW derives anchorages from the data before events), in
// testdata/realdata_golden.tsv with a one-line judgement each, and
// fails when the list changes (-update rewrites it, keeping judgements).
// Files missing from the workspace are left as they are in the golden
// file.
func TestRealGolden(t *testing.T) {
	files := []string{"noaa_us_coast_20220103.csv.gz", "dma_stream_20100611_from_nmea.csv.gz", "boston_201401.csv.gz",
		"auckland_hauraki_20170907_09.csv.gz", "global_sat_20211101_from_nmea.csv.gz", "suez_evergiven_20210320_24.csv.gz"}
	old := map[string][]string{} // by file: rows
	judged := map[string]string{}
	if f, err := os.Open(goldenPath); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "#") {
				continue
			}
			cols := strings.Split(sc.Text(), "\t")
			if len(cols) == 8 {
				old[cols[0]] = append(old[cols[0]], strings.Join(cols[:7], "\t"))
				judged[cols[1]] = cols[7]
			}
		}
		f.Close()
	}
	var out []string
	counts := map[string]map[string]int{}
	for _, name := range files {
		if !present(name) {
			for _, r := range old[name] {
				out = append(out, r+"\t"+judged[strings.Split(r, "\t")[1]])
			}
			continue
		}
		ps, statics := fusedPositions(t, name)
		learn := event.New(event.Config{Ports: ports(), Land: testLand(t)})
		for _, st := range statics {
			learn.ObserveStatic(st)
		}
		final(t, learn, ps, ps[len(ps)-1].Time)
		e := event.New(event.Config{Ports: ports(), Land: testLand(t), Anchorages: learn.Anchorages()})
		for _, st := range statics {
			e.ObserveStatic(st)
		}
		m, _ := final(t, e, ps, ps[len(ps)-1].Time)
		counts[name] = map[string]int{}
		var rows []string
		for _, typ := range []string{event.Encounter, event.Teleport, event.Gap} {
			for _, ev := range ofType(m, typ) {
				counts[name][typ]++
				end := "open"
				if !ev.Open() {
					end = ev.End.Std().Format("2006-01-02T15:04:05Z")
				}
				rows = append(rows, fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%.4f,%.4f\t%s", name, ev.ID, typ,
					ev.Start.Std().Format("2006-01-02T15:04:05Z"), end, ev.Lat, ev.Lon, summary(ev)))
			}
		}
		if !slices.Equal(rows, old[name]) && !*updateGolden {
			t.Errorf("%s: %d events differ from %s (run with -update after review):\n%s", name, len(rows), goldenPath, diffRows(old[name], rows))
		}
		for _, r := range rows {
			id := strings.Split(r, "\t")[1]
			j := reviewed[id]
			if j == "" {
				j = judged[id]
			}
			if j == "" || strings.HasPrefix(j, "rule:") {
				ev := m[id]
				j = judge(ev)
			}
			out = append(out, r+"\t"+j)
		}
		t.Logf("%s: %v (anchorages learned: %d)", name, counts[name], len(learn.Anchorages()))
	}
	if *updateGolden {
		head := "# file\tid\ttype\tstart\tend\tlat,lon\tmeasures\tjudgement (review: looked at; rule: by the rule for its kind)\n"
		if err := os.WriteFile(goldenPath, []byte(head+strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fusedPositions runs a real file through fusion as a node does (the
// bundled land mask, default settings, the reports in time order) and
// returns the positions it stores, flagged and numbered by track, and the
// ship types of the rows as statics. The Suez file's anonymised vessel
// ids 1-256 are not MMSIs (fusion would flag them invalid and the engine
// ignore them): they become 235100000 + id, distinct valid MMSIs.
func fusedPositions(t *testing.T, name string) ([]vessel.Position, []vessel.Static) {
	t.Helper()
	pic := fusion.NewPicture(fusion.Config{Land: testLand(t)})
	var ps []vessel.Position
	var statics []vessel.Static
	var shift vessel.MMSI
	if strings.HasPrefix(name, "suez_") {
		shift = 235100000
	}
	types := map[vessel.MMSI]uint8{}
	for _, r := range aistest.ReadTracks(t, aistest.TrackPath(t, name)) {
		if r.ShipType > 0 && r.ShipType < 256 {
			types[vessel.MMSI(r.MMSI)+shift] = uint8(r.ShipType)
		}
	}
	for _, p := range realPositions(t, name) { // the same rows, in time order
		p.MMSI += shift
		p.Source = "file"
		r := pic.Apply(&vessel.Observation{Kind: vessel.KindPosition, Position: p, TimeSource: vessel.TimeRow})
		if r.Outcome == fusion.Stored {
			ps = append(ps, r.Position)
		}
	}
	for m, ty := range types {
		statics = append(statics, vessel.Static{MMSI: m, Has: vessel.HasShipType, ShipType: ty})
	}
	slices.SortFunc(statics, func(a, b vessel.Static) int { return int(a.MMSI) - int(b.MMSI) })
	return ps, statics
}

func present(name string) bool {
	for _, dir := range []string{filepath.Join("..", "..", "testdata", "tracks"), filepath.Join("..", "..", "..", "shared", "testdata", "tracks")} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

func diffRows(a, b []string) string {
	var s strings.Builder
	for _, r := range a {
		if !slices.Contains(b, r) {
			fmt.Fprintf(&s, "- %s\n", r)
		}
	}
	for _, r := range b {
		if !slices.Contains(a, r) {
			fmt.Fprintf(&s, "+ %s\n", r)
		}
	}
	return s.String()
}
