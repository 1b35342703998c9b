package recorder

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// ingestFiles runs files through the production path (ingest → fusion →
// store) with the bundled land mask.
func ingestFiles(t *testing.T, dir string, files ...string) (*fusion.Picture, Stats) {
	t.Helper()
	land, err := geo.DefaultLand()
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir, store.Options{Sync: store.SyncNone, HeadPoints: 20000})
	if err != nil {
		t.Fatal(err)
	}
	pic := fusion.NewPicture(fusion.Config{Land: land})
	rec := New(pic, db, Options{CommitEvery: 5000})
	for _, f := range files {
		if _, err := ingest.Observations(context.Background(), f, nil, ingest.ObserveOptions{}, rec.Record); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return pic, rec.Stats()
}

type key struct {
	t        int64
	lat, lon int32
}

func keyOf(t vessel.Time, lat, lon float64) key {
	return key{int64(t), int32(math.Round(lat * 600000)), int32(math.Round(lon * 600000))}
}

// TestPictureMatchesRows ingests real tracks and checks the picture and the
// store against an independent computation from the raw rows (parsed with
// encoding/csv in aistest): counts per vessel, duplicates removed, flagged
// points out of tracks, last positions and static data.
func TestPictureMatchesRows(t *testing.T) {
	for _, name := range []string{"noaa_us_coast_20220103.csv.gz", "dma_stream_20100611_from_nmea.csv.gz", "suez_evergiven_20210320_24.csv.gz"} {
		t.Run(name, func(t *testing.T) {
			path := aistest.TrackPath(t, name)
			rows := aistest.ReadTracks(t, path)
			dir := t.TempDir()
			pic, st := ingestFiles(t, dir, path)
			db, err := store.Open(dir, store.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()

			perVessel := map[uint32][]aistest.TrackRow{}
			for _, r := range rows {
				perVessel[r.MMSI] = append(perVessel[r.MMSI], r)
			}
			if pic.Len() != len(perVessel) {
				t.Errorf("picture has %d vessels, the rows %d", pic.Len(), len(perVessel))
			}
			var exactDups, checkedLast int
			for m, vr := range perVessel {
				mm := vessel.MMSI(m)
				all, err := db.Track(mm, math.MinInt64/2, math.MaxInt64/2, true)
				if err != nil {
					t.Fatal(err)
				}
				// Every distinct (time, position) of the rows is stored once.
				distinct := map[key]bool{}
				for _, r := range vr {
					distinct[keyOf(vessel.TimeOf(r.Time), r.Lat, r.Lon)] = true
				}
				exactDups += len(vr) - len(distinct)
				stored := map[key]bool{}
				for _, p := range all {
					k := keyOf(p.Time, p.Lat, p.Lon)
					if stored[k] {
						t.Fatalf("vessel %d: %v stored twice", m, p)
					}
					stored[k] = true
					if !distinct[k] {
						t.Fatalf("vessel %d: stored %v is in no row", m, p)
					}
				}
				// The picture may merge a repeat heard seconds later (the
				// dedup window); it never loses a distinct report otherwise.
				for k := range distinct {
					if stored[k] {
						continue
					}
					merged := false
					for s := range stored {
						if s.lat == k.lat && s.lon == k.lon && max(s.t-k.t, k.t-s.t) <= 30_000 {
							merged = true
						}
					}
					if !merged {
						t.Fatalf("vessel %d: the row at %v (%d, %d) is lost: not stored and no stored report repeats it", m, vessel.Time(k.t), k.lat, k.lon)
					}
				}
				// Flagged positions are kept but out of the track.
				good, _ := db.Track(mm, math.MinInt64/2, math.MaxInt64/2, false)
				var nBad int
				for _, p := range all {
					if p.Flags&vessel.Bad != 0 {
						nBad++
					}
				}
				for _, p := range good {
					if p.Flags&vessel.Bad != 0 {
						t.Fatalf("vessel %d: flagged %v in its track", m, p)
					}
				}
				if len(good)+nBad != len(all) {
					t.Fatalf("vessel %d: %d good + %d flagged != %d", m, len(good), nBad, len(all))
				}
				// The latest position is the last good one; for vessels
				// with nothing flagged it is the last row by time.
				s, ok := pic.Vessel(mm)
				if !ok {
					t.Fatalf("vessel %d missing from the picture", m)
				}
				if nBad == 0 && len(good) > 0 {
					// The last row that does not repeat an earlier row
					// (same position, speed, course, heading and status)
					// within the 30 s dedup window: a repeat is the same
					// report heard again.
					sorted := slices.SortedStableFunc(slices.Values(vr), func(a, b aistest.TrackRow) int { return a.Time.Compare(b.Time) })
					var last aistest.TrackRow
					for i, r := range sorted {
						repeat := false
						for _, e := range sorted[:i] {
							if e.Lat == r.Lat && e.Lon == r.Lon && sameNum(e.SOG, r.SOG) && sameNum(e.COG, r.COG) &&
								e.Heading == r.Heading && e.Status == r.Status && r.Time.Sub(e.Time) <= 30*time.Second {
								repeat = true
							}
						}
						if !repeat {
							last = r
						}
					}
					if !s.Located || s.Position.Time != vessel.TimeOf(last.Time) ||
						math.Abs(s.Position.Lat-last.Lat) > 1e-6 || math.Abs(s.Position.Lon-last.Lon) > 1e-6 {
						t.Fatalf("vessel %d: latest %+v, last row %+v", m, s.Position, last)
					}
					checkedLast++
				}
				if s.Located && s.Position.Flags&vessel.Bad != 0 {
					t.Fatalf("vessel %d: latest position is flagged: %+v", m, s.Position)
				}
				// Static data: the last non-empty name and type of the rows.
				var wantName string
				wantType := -1
				for _, r := range vr { // rows are in time order
					if r.Name != "" {
						wantName = r.Name
					}
					if r.ShipType > 0 {
						wantType = r.ShipType
					}
				}
				if s.Static.Name != wantName || wantType > 0 && int(s.Static.ShipType) != wantType {
					t.Fatalf("vessel %d: static %q type %d; rows say %q type %d", m, s.Static.Name, s.Static.ShipType, wantName, wantType)
				}
				if sv, _, ok := db.Static(mm, math.MaxInt64/2); wantName != "" && (!ok || sv.Name != wantName) {
					t.Fatalf("vessel %d: stored static %q, want %q", m, sv.Name, wantName)
				}
			}
			if st.Duplicates < int64(exactDups) {
				t.Errorf("%d duplicates removed, the rows hold %d exact repeats", st.Duplicates, exactDups)
			}
			t.Logf("%d rows, %d vessels, %d exact repeats, %d duplicates removed, flags %v; latest checked on %d unflagged vessels",
				len(rows), len(perVessel), exactDups, st.Duplicates, st.Flagged, checkedLast)
		})
	}
}

// TestRestore: a picture rebuilt from the store after a restart continues
// the same dedup: ingesting the same file again stores nothing new.
func TestRestore(t *testing.T) {
	path := aistest.TrackPath(t, "dma_stream_20100611_from_nmea.csv.gz")
	dir := t.TempDir()
	_, first := ingestFiles(t, dir, path)
	db, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pic := fusion.NewPicture(fusion.Config{})
	n, err := Restore(pic, db)
	if err != nil || n == 0 {
		t.Fatalf("restore: %d, %v", n, err)
	}
	before := db.Stats().Positions
	rec := New(pic, db, Options{})
	if _, err := ingest.Observations(context.Background(), path, nil, ingest.ObserveOptions{}, rec.Record); err != nil {
		t.Fatal(err)
	}
	rec.Commit()
	after := db.Stats().Positions
	db.Close()
	t.Logf("first run stored %d; the second stored %d more, %d duplicates", first.Stored, after-before, rec.Stats().Duplicates)
	// The ring of recent reports is rebuilt from the last position only:
	// vessels with one report are fully deduplicated, others may store
	// their older reports again as late ones. At least the latest report
	// of every vessel must be recognised.
	if rec.Stats().Duplicates < int64(n)/2 {
		t.Errorf("only %d duplicates recognised after restoring %d vessels", rec.Stats().Duplicates, n)
	}
}

func sameNum(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// TestPictureFromNMEA ingests a real NMEA capture and checks the picture
// against gpsdecode's decode of the same capture (testdata/ais/expected):
// every vessel gpsd saw a position or static report of is in the picture,
// and each vessel's name, call sign and IMO are the last ones gpsd decoded
// for it (the capture is in time order; an empty field means "not
// available" and keeps the earlier value).
func TestPictureFromNMEA(t *testing.T) {
	for _, name := range []string{"aishub-3min", "dma-stream-example", "amsa-exactearth-tagblock"} {
		t.Run(name, func(t *testing.T) {
			raw := aistest.Path("raw/" + name + ".nmea")
			dir := t.TempDir()
			pic, _ := ingestFiles(t, dir, raw)
			type want struct {
				name, callsign string
				imo            float64
				positions      int
			}
			wants := map[uint32]*want{}
			file := name + ".jsonl"
			if name == "aishub-3min" {
				file += ".gz"
			}
			for _, e := range aistest.LoadExpected(t, file) {
				m := e.Scaled
				typ, _ := m["type"].(float64)
				mmsi := uint32(m["mmsi"].(float64))
				cls := vessel.MMSI(mmsi).Class()
				if cls == vessel.ClassCoast || cls == vessel.ClassAidToNav || typ == 4 || typ == 11 || typ == 21 {
					continue // stations are kept apart
				}
				w := wants[mmsi]
				switch typ {
				case 1, 2, 3, 9, 18, 19, 27, 5, 24:
					if w == nil {
						w = &want{}
						wants[mmsi] = w
					}
				default:
					continue
				}
				// The picture trims leading spaces too (gpsd keeps them),
				// and an empty field ("@@@@", not available) does not
				// erase what was known.
				if n, _ := m["shipname"].(string); strings.TrimSpace(n) != "" {
					w.name = strings.TrimSpace(n)
				}
				if c, _ := m["callsign"].(string); strings.TrimSpace(c) != "" {
					w.callsign = strings.TrimSpace(c)
				}
				if i, ok := m["imo"].(float64); ok && i != 0 {
					w.imo = i
				}
				if typ != 5 && typ != 24 {
					w.positions++
				}
			}
			if len(wants) == 0 {
				t.Fatal("no expectations")
			}
			for m, w := range wants {
				s, ok := pic.Vessel(vessel.MMSI(m))
				if !ok {
					t.Errorf("vessel %d (gpsd: %d position reports) is not in the picture", m, w.positions)
					continue
				}
				if s.Static.Name != w.name || s.Static.CallSign != w.callsign || float64(s.Static.IMO) != w.imo {
					t.Errorf("vessel %d: picture %q %q %d; gpsd's last %q %q %v", m, s.Static.Name, s.Static.CallSign, s.Static.IMO, w.name, w.callsign, w.imo)
				}
			}
			t.Logf("%d vessels checked against gpsdecode", len(wants))
		})
	}
}

// TestRecorderMark: a recorder that marks its entries (a cluster node's
// log) writes each mark with the entry's items, never commits in the
// middle of an entry however small CommitEvery is, and the store says
// after a reopen exactly which entries it holds.
func TestRecorderMark(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, store.Options{HeadPoints: 3000})
	if err != nil {
		t.Fatal(err)
	}
	pic := fusion.NewPicture(fusion.Config{})
	rec := New(pic, db, Options{CommitEvery: 10})
	var obs []vessel.Observation
	if _, err := ingest.Observations(context.Background(), aistest.Path("raw/dma-stream-example.nmea"), nil, ingest.ObserveOptions{},
		func(o *vessel.Observation) error { obs = append(obs, *o); return nil }); err != nil {
		t.Fatal(err)
	}
	const per = 50
	var seq uint64
	for len(obs) > 0 {
		n := min(per, len(obs))
		seq++
		if seq%9 == 0 {
			n = 0 // an entry with nothing in it moves the mark too
		}
		for i := range obs[:n] {
			if err := rec.Record(&obs[i]); err != nil {
				t.Fatal(err)
			}
		}
		obs = obs[n:]
		if got := db.Applied(); got != (seq-1)/4*4 {
			t.Fatalf("entry %d recorded: the store's mark is %d; want %d (committed only when told)", seq, got, (seq-1)/4*4)
		}
		rec.Mark(seq)
		if m, settled := rec.Marked(); settled || m != (seq-1)/4*4 {
			t.Fatalf("entry %d marked, not committed: Marked = %d, %v", seq, m, settled)
		}
		if seq%4 == 0 {
			if err := rec.Commit(); err != nil {
				t.Fatal(err)
			}
			if m, settled := rec.Marked(); !settled || m != seq || db.Applied() != seq {
				t.Fatalf("entry %d committed: Marked = %d, %v; store %d", seq, m, settled, db.Applied())
			}
		}
	}
	if seq < 20 {
		t.Fatalf("only %d entries", seq)
	}
	committed := seq / 4 * 4
	stored := db.Stats().Positions
	if err := db.Close(); err != nil { // what was not committed may be there or not; the mark says
		t.Fatal(err)
	}
	db, err = store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Applied(); got != committed && got != seq {
		t.Errorf("reopened: mark %d; want %d", got, committed)
	}
	if got := db.Stats().Positions; got != stored {
		t.Errorf("reopened: %d positions; %d were written", got, stored)
	}
	t.Logf("%d entries, %d positions, mark %d", seq, stored, db.Applied())
}
