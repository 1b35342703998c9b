package store

import (
	"math"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// fusedRows runs real positions through fusion and returns what it stores:
// each position with its flags and the track hypothesis (Position.Track)
// fusion assigned it.
func fusedRows(t testing.TB, name string) []vessel.Position {
	t.Helper()
	pic := fusion.NewPicture(fusion.Config{})
	var out []vessel.Position
	for _, r := range readTrackRows(t, trackFile(t, name)) {
		o := vessel.Observation{Kind: vessel.KindPosition, Position: r}
		if res := pic.Apply(&o); res.Outcome == fusion.Stored {
			out = append(out, res.Position)
		}
	}
	return out
}

// tracksPerMMSI counts the distinct non-zero track ids of each MMSI.
func tracksPerMMSI(rows []vessel.Position) map[vessel.MMSI]int {
	ids := map[vessel.MMSI]map[uint8]bool{}
	for _, r := range rows {
		if r.Track == 0 {
			continue
		}
		if ids[r.MMSI] == nil {
			ids[r.MMSI] = map[uint8]bool{}
		}
		ids[r.MMSI][r.Track] = true
	}
	out := map[vessel.MMSI]int{}
	for m, s := range ids {
		out[m] = len(s)
	}
	return out
}

// TestTrackIDsPersisted: the track hypotheses fusion assigns to a real day
// of traffic survive the store: from the head, from blocks, after a
// restart (WAL replay and blocks), and after compaction; Track, At and
// Near return them.
func TestTrackIDsPersisted(t *testing.T) {
	rows := fusedRows(t, "noaa_us_coast_20220103.csv.gz")
	multi := 0
	for _, n := range tracksPerMMSI(rows) {
		if n > 1 {
			multi++
		}
	}
	t.Logf("%d stored positions, %d MMSIs with more than one track", len(rows), multi)
	if multi == 0 {
		t.Fatal("fusion gave no MMSI two tracks: the test data no longer exercises track ids")
	}
	want := wantTracks(rows)
	dir := t.TempDir()
	db, err := Open(dir, Options{HeadPoints: 30000})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, db, rows, 4096) // blocks of 30,000 and the rest in the head
	checkTracks(t, db, want)
	// A crash (no Close): the head comes back from the WAL.
	db.wal.close()
	db.unlock()
	if db, err = Open(dir, Options{HeadPoints: 30000}); err != nil {
		t.Fatal(err)
	}
	checkTracks(t, db, want)
	if _, err := db.Compact(CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	checkTracks(t, db, want)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(dir, Options{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkTracks(t, db, want)

	// At returns the last good position with its track; Near the track
	// of the report it found closest.
	end := rows[len(rows)-1].Time
	at, err := db.At(end, end+1, false)
	if err != nil {
		t.Fatal(err)
	}
	tracked := 0
	for _, v := range at {
		tr := want[v.MMSI]
		var last vessel.Position
		for _, p := range tr {
			if p.Flags&vessel.Bad == 0 && p.Time >= last.Time {
				last = p
			}
		}
		if v.Position != last {
			t.Fatalf("At: %v at %v, want %+v", v.MMSI, v.Position, last)
		}
		if last.Track != 0 {
			tracked++
		}
	}
	if tracked == 0 {
		t.Error("At returned no track id")
	}
	for m, n := range tracksPerMMSI(rows) {
		if n < 2 {
			continue
		}
		for _, p := range want[m] {
			if p.Flags&vessel.Bad != 0 || !p.HasPosition() {
				continue
			}
			hits, err := db.Near(geo.Point{Lat: p.Lat, Lon: p.Lon}, 1, p.Time, p.Time, NearOptions{})
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(hits, func(a Approach) bool { return a.MMSI == m })
			if i < 0 || hits[i].Track != p.Track || hits[i].Distance > 1 {
				t.Fatalf("Near %v at %v: %+v, want track %d", m, p.Time, hits, p.Track)
			}
		}
	}
}

// TestTrackIDsUnassigned: positions without a track (0, as fusion leaves
// reports it cannot place, and every report stored before track ids) read
// back as 0 beside assigned ones, in one chunk and across chunks.
func TestTrackIDsUnassigned(t *testing.T) {
	rows := readTrackRows(t, trackFile(t, "auckland_hauraki_20170907_09.csv.gz"))
	for i := range rows {
		rows[i].Track = uint8([]int{0, 1, 1, 1, 2, 0, 3}[i%7] * (i / 1000 % 2))
	}
	db, err := Open(t.TempDir(), Options{HeadPoints: 7000})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	writeAll(t, db, rows, 1000)
	checkTracks(t, db, wantTracks(rows))
	var n int
	for _, tr := range wantTracks(rows) {
		got, err := db.Track(tr[0].MMSI, math.MinInt64/2, math.MaxInt64/2, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range got {
			if p.Track != 0 {
				n++
			}
		}
	}
	if n == 0 {
		t.Error("no track id read back")
	}
}
