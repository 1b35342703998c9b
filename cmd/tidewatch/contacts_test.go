package main

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// contactsScenario writes the simulator's radar scenario (seed 1, dur):
// its AIS ingested into a data directory, its radar NMEA and SAR CSV as
// detection files, and returns them with the fixed radar site's --site
// option (its TLL reports carry no range and bearing without it) and with the same scenario generated
// in-process for the ground truth.
func contactsScenario(t *testing.T, dur time.Duration) (data, radar, sar, site string, sc *simulate.RadarScenario) {
	t.Helper()
	dir := t.TempDir()
	ais := filepath.Join(dir, "ais.csv")
	radar, sar = filepath.Join(dir, "radar.nmea"), filepath.Join(dir, "sar.csv")
	for _, f := range []struct{ format, out string }{{"radar-ais", ais}, {"radar", radar}, {"sar", sar}} {
		code, _, errOut := runCmd(t, "", "simulate", "--duration", dur.String(), "--from", "2026-01-01T00:00:00Z", "--format", f.format, "-o", f.out)
		if code != 0 {
			t.Fatalf("simulate --format %s: exit %d: %s", f.format, code, errOut)
		}
	}
	data = filepath.Join(dir, "data")
	if code, _, errOut := runCmd(t, "", "ingest", "--data", data, "--progress", "never", ais); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, errOut)
	}
	sc = simulate.NewRadarScenario(simulate.RadarConfig{Duration: dur}, rand.New(rand.NewPCG(1, 0x7469646577617463)))
	p := sc.Radars[1].Pos
	site = sc.Radars[1].Name + "=" + strconv.FormatFloat(p.Lat, 'f', -1, 64) + "," + strconv.FormatFloat(p.Lon, 'f', -1, 64)
	return data, radar, sar, site, sc
}

// detKey identifies a detection in the output and in the ground truth.
type detKey struct{ source, target, time string }

// TestContactsSimulated associates the simulated radar and SAR
// detections with the ingested AIS and scores the result against the
// scenario's ground truth: the associated MMSI of every report of a ship
// that transmits AIS (the spoofer's expected association is none: its AIS
// positions are kilometres off), and the dark-target episodes of --dark
// (each ship without AIS has one whose reports are mostly its own; no
// episode's reports are mostly an AIS vessel's).
func TestContactsSimulated(t *testing.T) {
	for _, dur := range []time.Duration{2 * time.Hour, 6 * time.Hour} {
		t.Run(dur.String(), func(t *testing.T) {
			if dur > 2*time.Hour && testing.Short() {
				t.Skip("-short")
			}
			testContactsSimulated(t, dur)
		})
	}
}

func testContactsSimulated(t *testing.T, dur time.Duration) {
	data, radar, sar, site, sc := contactsScenario(t, dur)
	truth := map[detKey]int{}
	for _, r := range sc.Radar {
		truth[detKey{r.Det.Source, r.Det.Target, r.Det.Time.String()}] = r.Ship
	}
	for _, r := range sc.SAR {
		truth[detKey{"gfw-sar", r.DetectID, r.Det.Time.String()}] = r.Ship
	}
	expect := func(ship int) vessel.MMSI {
		if ship == simulate.FalseAlarm || sc.Ships[ship].Role == simulate.RoleSpoofer {
			return 0
		}
		return sc.Ships[ship].MMSI
	}

	// The scenes' headings, as an operator takes them from the product
	// metadata.
	args := []string{"contacts", "--data", data, "--site", site}
	for _, s := range sc.Scenes {
		args = append(args, "--sar-heading", s.ID+"="+strconv.FormatFloat(s.HeadingDeg, 'f', -1, 64))
	}
	code, out, errOut := runCmd(t, "", append(args, radar, sar)...)
	if code != 0 {
		t.Fatalf("contacts: exit %d: %s", code, errOut)
	}
	t.Log(strings.TrimSpace(errOut))
	objs := objects(t, out)
	if len(objs) != len(sc.Radar)+len(sc.SAR) {
		t.Fatalf("%d contacts; want %d radar and %d SAR", len(objs), len(sc.Radar), len(sc.SAR))
	}
	var n, ok, satN, satOK, allN, allOK int
	eps := map[string]map[int]int{} // episode → ship → reports
	last := ""
	for _, o := range objs {
		if o["time"].(string) < last {
			t.Fatalf("contact at %v after one at %s: not in time order", o["time"], last)
		}
		last = o["time"].(string)
		target, _ := o["target"].(string)
		ship, found := truth[detKey{o["source"].(string), target, o["time"].(string)}]
		if !found {
			t.Fatalf("contact %v is not in the scenario", o)
		}
		var got vessel.MMSI
		if m, isNum := o["mmsi"].(float64); isNum {
			got = vessel.MMSI(m)
		}
		if _, has := o["candidates"].([]any); !has {
			t.Fatalf("contact without candidates: %v", o)
		}
		want := expect(ship)
		allN++
		if got == want {
			allOK++
		}
		switch o["sensor"] {
		case "radar":
			if want != 0 {
				n++
				if got == want {
					ok++
				}
			}
		case "satellite":
			if want != 0 {
				satN++
				if got == want {
					satOK++
				}
			}
		}
		if id, _ := o["episode"].(string); id != "" {
			if eps[id] == nil {
				eps[id] = map[int]int{}
			}
			eps[id][ship]++
		}
	}
	accR, accS := float64(ok)/float64(n), float64(satOK)/float64(satN)
	t.Logf("radar reports of AIS ships associated right: %.4f (%d/%d); satellite: %.4f (%d/%d); all detections incl. dark and clutter: %.4f (%d/%d)",
		accR, ok, n, accS, satOK, satN, float64(allOK)/float64(allN), allOK, allN)
	if n == 0 || satN == 0 || accR < 0.95 || accS < 0.9 {
		t.Errorf("association accuracy below target (radar >= 0.95, satellite >= 0.9)")
	}

	// --dark: the episodes, one line each.
	code, out, errOut = runCmd(t, "", append(args, "--dark", radar, sar)...)
	if code != 0 {
		t.Fatalf("contacts --dark: exit %d: %s", code, errOut)
	}
	darkEps := objects(t, out)
	majority := func(m map[int]int) int {
		best, bn := simulate.FalseAlarm, 0
		for s, c := range m {
			if c > bn || (c == bn && s < best) {
				best, bn = s, c
			}
		}
		return best
	}
	byShip := map[int]int{}
	seen := map[string]bool{}
	mismatches, darkN, truePos := 0, 0, 0
	for _, e := range darkEps {
		id := e["id"].(string)
		if seen[id] {
			t.Errorf("episode %s printed twice", id)
		}
		seen[id] = true
		if e["start"] == nil || e["end"] == nil || e["evidence"] == nil || e["version"].(float64) < 1 {
			t.Errorf("episode lacks fields: %v", e)
		}
		if e["kind"] == "ais_position_mismatch" {
			if vessel.MMSI(e["mmsi"].(float64)) != sc.Ships[spooferIndex(sc)].MMSI {
				t.Errorf("mismatch episode %s names %v; only the spoofer spoofs", id, e["mmsi"])
			}
			mismatches++
			continue
		}
		darkN++
		k := majority(eps[id])
		if k >= 0 && (sc.Ships[k].MMSI == 0 || sc.Ships[k].Role == simulate.RoleSpoofer) {
			truePos++
		}
		if k >= 0 && sc.Ships[k].MMSI != 0 && sc.Ships[k].Role != simulate.RoleSpoofer {
			t.Errorf("dark episode %s is mostly AIS vessel %v (%s): %v", id, sc.Ships[k].MMSI, sc.Ships[k].Role, eps[id])
		}
		if k >= 0 {
			byShip[k]++
		}
	}
	dark, found, maxAlerts := 0, 0, 0
	for i, s := range sc.Ships {
		if s.MMSI != 0 {
			continue
		}
		dark++
		maxAlerts = max(maxAlerts, byShip[i])
		if byShip[i] > 0 {
			found++
		} else {
			t.Errorf("dark ship %d (%s, %.0f m) has no episode", i, s.Role, s.LengthM)
		}
	}
	t.Logf("--dark: %d dark-target episodes, %d AIS position mismatch; dark ships found %d/%d (recall %.3f), precision %.3f (%d/%d on a ship without AIS or the spoofer), at most %d episodes per dark ship",
		darkN, mismatches, found, dark, float64(found)/float64(max(dark, 1)), float64(truePos)/float64(max(darkN, 1)), truePos, darkN, maxAlerts)
	if mismatches < 1 || mismatches > 2 {
		t.Errorf("%d AIS position mismatch episodes; want 1 or 2 (the spoofer)", mismatches)
	}
	if dark == 0 {
		t.Fatal("the scenario has no dark ship")
	}
}

func spooferIndex(sc *simulate.RadarScenario) int {
	for i, s := range sc.Ships {
		if s.Role == simulate.RoleSpoofer {
			return i
		}
	}
	return -1
}

// TestContactsOptions covers --sensor, --unassociated, --from/--to, the
// store adapter against the scenario's AIS, and the command-line errors.
func TestContactsOptions(t *testing.T) {
	data, radar, sar, site, sc := contactsScenario(t, 2*time.Hour)
	base := []string{"contacts", "--data", data, "--site", site}

	code, out, errOut := runCmd(t, "", append(base, "--sensor", "satellite", radar, sar)...)
	if objs := objects(t, out); code != 0 || len(objs) != len(sc.SAR) || objs[0]["sensor"] != "satellite" ||
		!strings.Contains(errOut, "28020 detections outside --from/--to/--sensor") {
		t.Errorf("--sensor satellite: exit %d, %d objects; want %d: %s", code, len(objs), len(sc.SAR), errOut)
	}
	code, out, errOut = runCmd(t, "", append(base, "--unassociated", "--from", "2026-01-01T01:00:00Z", "--to", "2026-01-01T01:10:00Z", radar)...)
	objs := objects(t, out)
	if code != 0 || len(objs) == 0 {
		t.Fatalf("--unassociated: exit %d, %d objects: %s", code, len(objs), errOut)
	}
	for _, o := range objs {
		if o["mmsi"] != nil || o["time"].(string) < "2026-01-01T01:00:00Z" || o["time"].(string) > "2026-01-01T01:10:00Z" {
			t.Fatalf("--unassociated --from --to printed %v", o)
		}
	}

	// The adapter: Near finds exactly the vessels whose last AIS report
	// at or before t lies within the radius (brute force over the
	// scenario's AIS; the CSV rounds positions to 1e-6°, so vessels
	// within a metre of the radius are not judged, and times down to the
	// second).
	db, err := openReadOnly(data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var dets []vessel.Detection
	for _, r := range sc.Radar {
		dets = append(dets, r.Det)
	}
	vs, err := loadVessels(t.Context(), db, dets, contact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	checked, inside := 0, 0
	for i := 0; i < len(sc.Radar); i += 997 {
		d := sc.Radar[i].Det
		last := map[vessel.MMSI]vessel.Position{}
		for _, o := range sc.AIS {
			if p := o.Position; o.Kind == vessel.KindPosition && p.Time-p.Time%1000 <= d.Time {
				p.Time -= p.Time % 1000
				last[p.MMSI] = p
			}
		}
		got := map[vessel.MMSI]contact.VesselState{}
		vs.Near(d.Lat, d.Lon, 3000, d.Time, func(v contact.VesselState) bool { got[v.MMSI] = v; return true })
		c := geo.Point{Lat: d.Lat, Lon: d.Lon}
		inside += len(got)
		for m, p := range last {
			dist := geo.Distance(c, geo.Point{Lat: p.Lat, Lon: p.Lon})
			v, in := got[m]
			_, hasSOG := p.SOG.Knots()
			_, hasCOG := p.COG.Degrees()
			switch {
			case math.Abs(dist-3000) < 1:
			case (dist < 3000) != in:
				t.Errorf("Near(%v, %v): vessel %v at %.0f m: returned %v", c, d.Time, m, dist, in)
			case in && (v.Time != p.Time || math.Abs(v.Lat-p.Lat) > 2e-6 || v.HasMotion != (hasSOG && hasCOG)):
				t.Errorf("Near(%v, %v): vessel %v = %+v; want the report %+v", c, d.Time, m, v, p)
			}
			checked++
		}
		vs.now = d.Time
		for m, p := range last {
			if v, ok := vs.Vessel(m); !ok || v.Time != p.Time {
				t.Errorf("Vessel(%v) at %v = %+v, %v; want the report at %v", m, d.Time, v, ok, p.Time)
			}
		}
	}
	if checked == 0 || inside == 0 {
		t.Fatalf("%d vessels checked, %d found near", checked, inside)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"contacts", "--data", data}, 2, "no detection files"},
		{append(base, "--from", "2026-01-02T00:00:00Z", "--to", "2026-01-01T00:00:00Z", radar), 2, "is after --to"},
		{append(base, "--sensor", "sonar", radar), 2, `--sensor "sonar"`},
		{append(base, "--sar-heading", "400", sar), 2, `want [SCENE=]DEGREES from 0 to 360, got "400"`},
		{[]string{"contacts", "--data", filepath.Join(t.TempDir(), "none"), radar}, 1, "no data directory"},
		{append(base, "../../testdata/ais/raw/dma-stream-example.nmea"), 1, "not a radar or satellite detection file"},
		{append(base, filepath.Join(t.TempDir(), "missing.nmea")), 1, "missing.nmea"},
		{[]string{"contacts", "-h"}, 0, "Usage: tidewatch contacts"},
	} {
		code, _, errOut := runCmd(t, "", c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want exit %d and %q", c.args[1:], code, errOut, c.code, c.want)
		}
	}
}

// BenchmarkContacts measures the command's association of the radar
// scenario's 28,020 radar reports (2 h) against the ingested AIS: the
// store read once, then every scan; detections per second.
func BenchmarkContacts(b *testing.B) {
	dir := b.TempDir()
	ais, radarF := filepath.Join(dir, "ais.csv"), filepath.Join(dir, "radar.nmea")
	var out, errb strings.Builder
	for _, f := range []struct{ format, out string }{{"radar-ais", ais}, {"radar", radarF}} {
		if code := run(b.Context(), []string{"simulate", "--duration", "2h", "--from", "2026-01-01T00:00:00Z", "--format", f.format, "-o", f.out}, strings.NewReader(""), &out, &errb); code != 0 {
			b.Fatal(errb.String())
		}
	}
	data := filepath.Join(dir, "data")
	if code := run(b.Context(), []string{"ingest", "--data", data, "--progress", "never", ais}, strings.NewReader(""), &out, &errb); code != 0 {
		b.Fatal(errb.String())
	}
	db, err := openReadOnly(data)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	so, _ := (&sensorFlags{format: "auto"}).options()
	var dets []vessel.Detection
	if _, _, err := readSensorFile(radarF, nil, so, func(d *vessel.Detection) error { dets = append(dets, *d); return nil }); err != nil {
		b.Fatal(err)
	}
	groups := groupDetections(dets)
	b.ResetTimer()
	var cs []contact.Contact
	for b.Loop() {
		vs, err := loadVessels(b.Context(), db, dets, contact.Config{})
		if err != nil {
			b.Fatal(err)
		}
		a := contact.New(contact.Config{}, vs)
		for _, g := range groups {
			vs.now = g.t
			cs = a.Radar(dets[g.lo:g.hi], cs[:0])
		}
	}
	b.ReportMetric(float64(len(dets))*float64(b.N)/b.Elapsed().Seconds(), "detections/s")
}
