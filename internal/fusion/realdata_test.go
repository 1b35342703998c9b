package fusion_test

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const (
	noaaFile = "../../testdata/tracks/noaa_us_coast_20220103.csv.gz"
	dmaFile  = "../../testdata/tracks/dma_stream_20100611_from_nmea.csv.gz"
)

// readTracks reads a gzipped track CSV (mmsi,timestamp,lat,lon,sog_knots,
// cog_deg,heading,nav_status,name,ship_type) into position observations,
// in file order, with source src. A test-only reader: the production one
// is ingest's.
func readTracks(tb testing.TB, path, src string) []vessel.Observation {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	r := csv.NewReader(zr)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // header
		tb.Fatal(err)
	}
	var out []vessel.Observation
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		p, err := parseRow(rec)
		if err != nil {
			tb.Fatalf("%s:%d: %v", path, line, err)
		}
		p.Source = src
		out = append(out, vessel.Observation{Kind: vessel.KindPosition, Position: p, TimeSource: vessel.TimeRow})
	}
	return out
}

func parseRow(rec []string) (vessel.Position, error) {
	var p vessel.Position
	m, err := strconv.ParseUint(rec[0], 10, 32)
	if err != nil {
		return p, err
	}
	ts, err := time.Parse(time.RFC3339, rec[1])
	if err != nil {
		return p, err
	}
	p.MMSI, p.Time = vessel.MMSI(m), vessel.TimeOf(ts)
	if p.Lat, err = strconv.ParseFloat(rec[2], 64); err != nil {
		return p, err
	}
	if p.Lon, err = strconv.ParseFloat(rec[3], 64); err != nil {
		return p, err
	}
	num := func(s string) (float64, bool, error) {
		if s == "" {
			return 0, false, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil, err
	}
	p.SOG, p.COG, p.Heading, p.Status = vessel.NoSpeed, vessel.NoCourse, vessel.NoHeading, vessel.NoStatus
	if v, ok, err := num(rec[4]); err != nil {
		return p, err
	} else if ok {
		p.SOG = vessel.SpeedKnots(v)
	}
	if v, ok, err := num(rec[5]); err != nil {
		return p, err
	} else if ok {
		p.COG = vessel.CourseDegrees(v)
	}
	if v, ok, err := num(rec[6]); err != nil {
		return p, err
	} else if ok {
		p.Heading = vessel.Heading(v)
	}
	if v, ok, err := num(rec[7]); err != nil {
		return p, err
	} else if ok {
		p.Status = vessel.NavStatus(v)
	}
	return p, nil
}

// The independent side of the real-data checks: plain definitions over the
// rows, computed without the picture's ring, shards or hypotheses.

// kinematicKey is everything dedup compares but the time.
type kinematicKey struct {
	mmsi     vessel.MMSI
	lat, lon float64
	sog      vessel.Speed
	cog      vessel.Course
	hdg      vessel.Heading
	status   vessel.NavStatus
}

// placeKey is a report's time and place.
type placeKey struct {
	mmsi     vessel.MMSI
	t        vessel.Time
	lat, lon float64
}

func keyOf(p *vessel.Position) kinematicKey {
	return kinematicKey{p.MMSI, p.Lat, p.Lon, p.SOG, p.COG, p.Heading, p.Status}
}

// reachable is the plausibility rule of the package doc, restated: one
// vessel can be at a and b if they are at most 1 km plus 60 knots times
// the time between them apart.
func reachable(a, b *vessel.Position) bool {
	d := geo.Distance(geo.Point{Lat: a.Lat, Lon: a.Lon}, geo.Point{Lat: b.Lat, Lon: b.Lon})
	dt := math.Abs(float64(a.Time-b.Time)) / 1000
	return d <= 1000+dt*60*1852/3600
}

// feed applies rows in the order of idx and checks what can be checked row
// by row; it returns the results by row, and which rows repeat an earlier
// one (same kinematics within 30 s, or same time and place).
func feed(t *testing.T, p *fusion.Picture, rows []vessel.Observation, idx []int) (res []fusion.Result, repeat []bool) {
	t.Helper()
	res = make([]fusion.Result, len(rows))
	repeat = make([]bool, len(rows))
	place := make(map[placeKey]bool)
	seen := make(map[kinematicKey][]vessel.Time) // arrival-order history per key
	exactDup, windowMiss := 0, 0
	for _, i := range idx {
		o := &rows[i]
		r := p.Apply(o)
		res[i] = r
		k := keyOf(&o.Position)
		prior := seen[k]
		exact := slices.Contains(prior, o.Position.Time)
		inWindow := slices.ContainsFunc(prior, func(tm vessel.Time) bool { return absTime(tm-o.Position.Time) <= 30_000 })
		seen[k] = append(prior, o.Position.Time)
		pk := placeKey{o.MMSI(), o.Position.Time, o.Position.Lat, o.Position.Lon}
		inWindow = inWindow || place[pk]
		place[pk] = true
		repeat[i] = inWindow
		switch {
		case exact:
			exactDup++
			if r.Outcome != fusion.Duplicate {
				t.Errorf("row %d %v at %v: exact repeat of an earlier row: %v; want duplicate", i, o.MMSI(), o.Time(), r.Outcome)
			}
		case r.Outcome == fusion.Duplicate && !inWindow:
			t.Errorf("row %d %v at %v: duplicate of %v, but no earlier row repeats it", i, o.MMSI(), o.Time(), r.Time)
		case r.Outcome != fusion.Duplicate && inWindow:
			windowMiss++ // its original left the ring, or was itself a duplicate
		}
		if r.Outcome != fusion.Duplicate && r.Outcome != fusion.Stored {
			t.Errorf("row %d: outcome %v", i, r.Outcome)
		}
	}
	t.Logf("exact repeats %d (all duplicates); repeats within 30 s of an earlier row not recognised: %d", exactDup, windowMiss)
	return res, repeat
}

func absTime(t vessel.Time) vessel.Time {
	if t < 0 {
		return -t
	}
	return t
}

type realCase struct {
	name, file string
	shuffle    bool
}

// TestRealTracks feeds real feeds through the picture, in file order and
// with every row up to five minutes late, and checks it against plain
// computations over the rows: the number of vessels; per vessel, stored
// plus duplicates is its number of rows, every exact repeat is a
// duplicate and every duplicate repeats an earlier row; a vessel whose
// rows are all reachable from each other is never flagged and its latest
// is its last row by time; in file order, a vessel is flagged if and only
// if some row is unreachable from the one before it; and every vessel's
// latest is its last row stored unflagged.
//
// What the flags found (Land nil; run with -v to see the teleports):
//
//   - NOAA, 99,999 rows, 10,631 vessels, file order: 4 duplicates, 176
//     invalid MMSIs (tracked: each is located), 74 teleports and 17
//     identity conflicts on 53 vessels, 23 swaps (77, 8 and 24 with one
//     alternative track per MMSI and invalid MMSIs untracked). Nearly all of them are an artefact of the source: the day
//     file starts with rows stamped 2022-01-03T00:00:00Z (and :01) that
//     are older positions of vessels, mostly on the US Pacific coast. MAERSK
//     LAUNCHER (220580000) has three rows at 00:00:00, one off Washington
//     at 13.6 kn where its track continues and two 140-150 km away in the
//     Strait of Juan de Fuca; CMA CGM MARCO POLO (311000923) has its whole
//     approach to an anchorage off San Diego (32.44,-121.19 to
//     31.45,-118.11, 300 km) at 00:00:00-00:00:01. The picture takes the
//     first row as main, flags the rest teleport, and swaps to the track
//     that continues once it has three reports. Two are real: 211002010
//     (a German MID, no name) transmits alternately from Santa Barbara and
//     from Pensacola, 3,042 km apart, minutes apart: two transmitters on
//     one MMSI, an identity conflict after the swap; WINEDOWN (338337491)
//     has a first fix 66 km west of the Key West berth where every later
//     report is: a bad first fix, swapped after two reports.
//   - NOAA shuffled: 21,772 late reports; the same vessels flagged; no
//     clock fault (one receiver whose reports are merely late).
//   - DMA, 2,963 rows, 1,390 vessels, 28 s: 34 duplicates (the stream
//     repeats reports heard by several base stations), 10 invalid MMSIs,
//     one teleport: the placeholder 111111111, heard off Rügen and off
//     Bergen (1,014 km apart) 7 s apart, two transmitters. One "duplicate" is a new report:
//     219005941, moored, reports 10.586833 at :14, 10.586850 at :24 and
//     10.586833 again at :33, and the third is taken as the first heard
//     again (same kinematics within 30 s). Harmless: the position is the
//     same.
func TestRealTracks(t *testing.T) {
	for _, c := range []realCase{
		{"noaa", noaaFile, false},
		{"noaa shuffled", noaaFile, true},
		{"dma", dmaFile, false},
		{"dma shuffled", dmaFile, true},
	} {
		t.Run(c.name, func(t *testing.T) { testRealTracks(t, c) })
	}
}

func testRealTracks(t *testing.T, c realCase) {
	rows := readTracks(t, c.file, "feed")
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	if c.shuffle {
		// Every row arrives up to 5 minutes late: sort by time plus a
		// random delay.
		rng := rand.New(rand.NewPCG(1, 2))
		arrive := make([]vessel.Time, len(rows))
		for i := range rows {
			arrive[i] = rows[i].Position.Time + vessel.Time(rng.IntN(300_000))
		}
		slices.SortStableFunc(idx, func(a, b int) int { return int(arrive[a] - arrive[b]) })
	}
	p := fusion.NewPicture(fusion.Config{})
	res, repeat := feed(t, p, rows, idx)

	// Per vessel: its rows in arrival order.
	byVessel := make(map[vessel.MMSI][]int)
	for _, i := range idx {
		m := rows[i].MMSI()
		byVessel[m] = append(byVessel[m], i)
	}
	if p.Len() != len(byVessel) {
		t.Errorf("Len = %d; want %d vessels", p.Len(), len(byVessel))
	}
	var clean, checkedLatest, teleportVessels int
	for m, is := range byVessel {
		v, ok := p.Vessel(m)
		if !ok {
			t.Errorf("vessel %v missing", m)
			continue
		}
		stored, dups, flagged := 0, 0, false
		for _, i := range is {
			switch res[i].Outcome {
			case fusion.Stored:
				stored++
				if res[i].Position.Flags&(vessel.FlagTeleport|vessel.FlagIdentityConflict) != 0 {
					flagged = true
				}
			case fusion.Duplicate:
				dups++
			}
		}
		if v.Positions != stored || v.Duplicates != dups || stored+dups != len(is) {
			t.Errorf("%v: state counts %d stored, %d duplicates; results %d, %d of %d rows", m, v.Positions, v.Duplicates, stored, dups, len(is))
		}
		if flagged {
			teleportVessels++
		}
		if !m.Valid() && !v.Located {
			// Invalid MMSIs are tracked and flagged, not hidden.
			t.Errorf("%v: invalid MMSI not located", m)
		}
		// Every pair of the vessel's rows is reachable from the other:
		// whatever the order, no comparison can fail, so nothing may be
		// flagged and the latest must be the last row by time.
		allPairs := true
		for a := 0; a < len(is) && allPairs; a++ {
			for b := a + 1; b < len(is); b++ {
				if !reachable(&rows[is[a]].Position, &rows[is[b]].Position) {
					allPairs = false
					break
				}
			}
		}
		// In file order (time order), flagging nothing is the same as
		// every row being reachable from the one before it in time.
		consecutive := true
		if !c.shuffle {
			for a := 1; a < len(is); a++ {
				if !reachable(&rows[is[a-1]].Position, &rows[is[a]].Position) {
					consecutive = false
					break
				}
			}
			if consecutive == flagged {
				t.Errorf("%v: consecutive rows reachable %v, but flagged %v", m, consecutive, flagged)
			}
		}
		if allPairs {
			clean++
			if flagged {
				t.Errorf("%v: every pair of rows is reachable, yet a row was flagged", m)
			}
			// The last row by time that does not repeat an earlier one.
			last, missed := -1, false
			for _, i := range is {
				if res[i].Outcome != fusion.Duplicate && repeat[i] {
					missed = true
				}
				if !repeat[i] && (last < 0 || rows[i].Position.Time >= rows[last].Position.Time) {
					last = i
				}
			}
			lp := &rows[last].Position
			if !v.Located || v.Position.Lat != lp.Lat || v.Position.Lon != lp.Lon || v.Position.Time != lp.Time {
				if !missed {
					t.Errorf("%v: latest %v %v,%v; want the last row %v %v,%v", m, v.Position.Time, v.Position.Lat, v.Position.Lon, lp.Time, lp.Lat, lp.Lon)
				}
			} else {
				checkedLatest++
			}
		}
		// Whatever the flags: the latest is the last row by time that was
		// stored unflagged (a swap moves it to the second track: skipped).
		swapped := slices.ContainsFunc(is, func(i int) bool { return res[i].Swapped })
		if !swapped {
			want := -1
			for _, i := range is {
				r := &res[i]
				if r.Outcome == fusion.Stored && r.Position.Flags&vessel.Bad == 0 && (want < 0 || rows[i].Position.Time >= rows[want].Position.Time) {
					want = i
				}
			}
			if (want >= 0) != v.Located {
				t.Errorf("%v: located %v; a good row exists: %v", m, v.Located, want >= 0)
			} else if want >= 0 && (v.Position.Time != rows[want].Position.Time || v.Position.Lat != rows[want].Position.Lat || v.Position.Lon != rows[want].Position.Lon) {
				t.Errorf("%v: latest %v %v,%v; want the last good row %v", m, v.Position.Time, v.Position.Lat, v.Position.Lon, rows[want].Position)
			}
		}
	}
	s := p.Stats()
	var flags []string
	for i := range 8 {
		f := vessel.Flags(1 << i)
		flags = append(flags, fmt.Sprintf("%s %d", f.Names()[0], s.Flag(f)))
	}
	// One receiver, and reports only late (shuffled) or in order: no
	// clock can be judged off, and nothing is dated in the future.
	if s.Flag(vessel.FlagClock) != 0 || s.Flag(vessel.FlagFuture) != 0 {
		t.Errorf("clock %d, future %d; want none", s.Flag(vessel.FlagClock), s.Flag(vessel.FlagFuture))
	}
	t.Logf("%d rows, %d vessels: %d stored, %d duplicates; flags: %v; %d swaps; %d vessels with a teleport or conflict; %d vessels clean (every pair reachable), latest equal to the last row on %d",
		len(rows), s.Vessels, s.Outcomes[fusion.Stored], s.Outcomes[fusion.Duplicate], flags, s.Swaps, teleportVessels, clean, checkedLatest)

	if testing.Verbose() && !c.shuffle {
		logTeleports(t, rows, res, 12)
	}
}

// logTeleports logs the first n teleports with the good report before them,
// to eyeball.
func logTeleports(t *testing.T, rows []vessel.Observation, res []fusion.Result, n int) {
	last := make(map[vessel.MMSI]int)
	for i := range rows {
		r := &res[i]
		p := &rows[i].Position
		if r.Outcome != fusion.Stored {
			continue
		}
		if r.Position.Flags&vessel.Bad == 0 {
			last[p.MMSI] = i
			continue
		}
		if r.Position.Flags&(vessel.FlagTeleport|vessel.FlagIdentityConflict) == 0 || n == 0 {
			continue
		}
		n--
		j, ok := last[p.MMSI]
		if !ok {
			continue
		}
		q := &rows[j].Position
		d := geo.Distance(geo.Point{Lat: q.Lat, Lon: q.Lon}, geo.Point{Lat: p.Lat, Lon: p.Lon})
		dt := float64(p.Time-q.Time) / 1000
		t.Logf("%v %v: %v,%v at %v -> %v,%v at %v: %.1f km in %.0f s (%.0f kn), sog %v",
			p.MMSI, r.Position.Flags.Names(), q.Lat, q.Lon, q.Time, p.Lat, p.Lon, p.Time, d/1000, dt, d/1852/(dt/3600), p.SOG)
	}
}
