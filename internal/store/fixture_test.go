package store

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

var update = flag.Bool("update", false, "rewrite the format fixtures in testdata/")

// The fixture testdata/format-v4 is a data directory written by the
// current format (block version 2, WAL version 3: positions with track
// ids, each batch ended by a commit record): one
// block and one WAL segment (as a crash would leave it: no Close) and the
// manifest. Two tests guard the format: the fixture must still open and
// read back the same positions, statics and provenance, and writing the
// same data now must produce the very same bytes (a change to the format
// must be deliberate: bump the version, keep a reader for the old one, and
// add a new fixture). testdata/format-v4 is the current format (WAL
// version 3); testdata/format-v3 is the same data with a version 2 WAL
// segment (no commit records), frozen; testdata/format-v2 is the same
// data with a version 1 WAL
// segment that already holds tracked records, frozen. testdata/format-v1 (before the manifest) and
// testdata/manifest-v1 are the same data in block version 1 (no track
// ids), frozen: they are never rewritten, and must keep opening.

// fixtureData is the fixtures' content; tracked sets Position.Track (the
// version 1 fixtures were written without it).
func fixtureData(t *testing.T, tracked bool) (rows []vessel.Position, statics []vessel.Static) {
	rows = readTrackRows(t, trackFile(t, "dma_stream_20100611_from_nmea.csv.gz"))[:400]
	for i := range rows {
		rows[i].Source = []string{"", "rx-skagen", "rx-bornholm"}[i%3]
		if i%50 == 7 {
			rows[i].Flags = vessel.FlagTeleport
		}
		if tracked {
			// Runs of track ids, a 0 (unassigned) now and then, and
			// the largest id.
			rows[i].Track = []uint8{1, 1, 1, 2, 1, 0, 255}[i/3%7]
		}
	}
	statics = []vessel.Static{
		{MMSI: rows[0].MMSI, Time: rows[0].Time, Has: vessel.HasName | vessel.HasCallSign | vessel.HasIMO | vessel.HasShipType | vessel.HasDimensions,
			Name: "NORDIC <b>ÆRØ</b>", CallSign: "OXAB2", IMO: 9123456, ShipType: 70, ToBow: 100, ToStern: 20, ToPort: 10, ToStarboard: 12, Source: "rx-skagen"},
		{MMSI: rows[1].MMSI, Time: rows[1].Time, Has: vessel.HasDestination | vessel.HasETA | vessel.HasDraught, Destination: "DKAAR", ETA: "06-12T08:00", Draught: 72},
	}
	return rows, statics
}

// fixtureNow is the clock the fixtures are written with (the manifest
// records when WAL segments were started).
func fixtureNow() time.Time { return time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC) }

func writeFixture(t *testing.T, dir string) {
	rows, statics := fixtureData(t, true)
	db, err := Open(dir, Options{Now: fixtureNow})
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	for i := range rows[:250] {
		b.AddPosition(&rows[i])
	}
	b.AddStatic(&statics[0])
	b.AddProvenance(rows[3].MMSI, rows[3].Time, "rx-gothenburg")
	if err := db.Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	for i := range rows[250:] {
		b.AddPosition(&rows[250+i])
	}
	b.AddStatic(&statics[1])
	b.AddProvenance(rows[300].MMSI, rows[300].Time, "rx-skagen")
	if err := db.Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := db.Commit(); err != nil {
		t.Fatal(err)
	}
	db.wal.close()
	db.unlock()
	os.Remove(filepath.Join(dir, "LOCK"))
}

// fixtureDir is a store of block version 1 from before the manifest.
const fixtureDir = "testdata/format-v1"

// manifestFixtureDir is the same data directory written with a manifest
// (manifest format 1), block version 1.
const manifestFixtureDir = "testdata/manifest-v1"

// trackedFixtureDir is block version 2 with tracked (type 5) WAL records
// in a WAL segment of version 1, frozen.
const trackedFixtureDir = "testdata/format-v2"

// walV2FixtureDir is block version 2 with a WAL segment of version 2
// (tracked records, no commit records), frozen.
const walV2FixtureDir = "testdata/format-v3"

// currentFixtureDir is the current format: block version 2, WAL version 3
// (tracked records, commit records), manifest 1.
const currentFixtureDir = "testdata/format-v4"

func TestFormatFixture(t *testing.T) {
	if *update {
		os.RemoveAll(currentFixtureDir)
		writeFixture(t, currentFixtureDir)
	}
	dir := t.TempDir()
	copyDir(t, fixtureDir, dir)
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Written before the manifest existed: Open builds it.
	if rec := db.Recovery(); len(rec) != 1 || !strings.Contains(rec[0], "built the manifest of 1 blocks and 1 WAL segments") {
		t.Errorf("recovery %q", rec)
	}
	if m, err := readManifest(OSFS{}, dir); err != nil || len(m.blocks) != 1 || m.blocks[0].positions != 250 || len(m.segments) != 2 {
		t.Errorf("manifest built on open: %+v, %v", m, err)
	}
	rows, statics := fixtureData(t, false)
	checkTracks(t, db, wantTracks(rows))
	src, _ := db.Provenance(rows[3].MMSI, rows[3].Time)
	if !slices.Equal(src, []string{"", "rx-gothenburg"}) {
		t.Errorf("provenance %q", src)
	}
	at, err := db.At(rows[len(rows)-1].Time, 3600_000, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range at {
		if v.MMSI == statics[0].MMSI && (v.Static.Name != statics[0].Name || v.Static.IMO != 9123456 || v.Static.Source != "rx-skagen") {
			t.Errorf("static of %v: %+v", v.MMSI, v.Static)
		}
		if v.MMSI == statics[1].MMSI && (v.Static.Destination != "DKAAR" || v.Static.Draught != 72) {
			t.Errorf("static of %v: %+v", v.MMSI, v.Static)
		}
	}
}

// TestManifestFixture: a store written with the manifest opens with
// nothing to build, repair or report.
func TestManifestFixture(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, manifestFixtureDir, dir)
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if rec, d := db.Recovery(), db.Damage(); len(rec) != 0 || len(d) != 0 {
		t.Errorf("recovery %q, damage %v", rec, d)
	}
	rows, _ := fixtureData(t, false)
	checkTracks(t, db, wantTracks(rows))
	dir2 := t.TempDir()
	copyDir(t, manifestFixtureDir, dir2)
	rep, err := Check(dir2)
	if err != nil || !rep.OK() || !rep.Manifest || rep.Positions != int64(len(rows)) {
		t.Errorf("Check of %s = %+v, %v", manifestFixtureDir, rep, err)
	}
}

// TestCurrentFixture: the store in the current format opens clean and
// reads back every position with its track id, from the block and from
// the WAL; Check finds it whole. A mixed store (a version 1 block beside
// version 2 ones) reads both.
func TestCurrentFixture(t *testing.T) {
	for _, tt := range []struct {
		dir        string
		walVersion uint16
	}{{trackedFixtureDir, 1}, {walV2FixtureDir, 2}, {currentFixtureDir, walVersion}} {
		t.Run(tt.dir, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(tt.dir, "wal", "00000002.wal"))
			if err != nil {
				t.Fatal(err)
			}
			if v, err := record.ParseFileHeader(b[:walHdrLen], walMagic); err != nil || v != tt.walVersion {
				t.Fatalf("WAL version %d, %v; want %d", v, err, tt.walVersion)
			}
			testTrackedFixture(t, tt.dir)
		})
	}
	testMixedVersions(t)
}

func testTrackedFixture(t *testing.T, fixture string) {
	dir := t.TempDir()
	copyDir(t, fixture, dir)
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rec, d := db.Recovery(), db.Damage(); len(rec) != 0 || len(d) != 0 {
		t.Errorf("recovery %q, damage %v", rec, d)
	}
	if v := db.blocks[0].version; v != blockVersion {
		t.Errorf("fixture block version %d, want %d", v, blockVersion)
	}
	rows, statics := fixtureData(t, true)
	want := wantTracks(rows)
	checkTracks(t, db, want)
	// Reopened: the WAL part went into a block of the current version.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	checkTracks(t, db, want)
	if got, _, _ := db.Static(statics[0].MMSI, rows[len(rows)-1].Time); got.Name != statics[0].Name {
		t.Errorf("static name %q", got.Name)
	}
	db.Close()
	if rep, err := Check(dir); err != nil || !rep.OK() || rep.Positions != int64(len(rows)) {
		t.Errorf("Check = %+v, %v", rep, err)
	}

}

// testMixedVersions: a version 1 store written to by today's code: old
// blocks keep answering (track 0), new ones carry track ids.
func testMixedVersions(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, manifestFixtureDir, dir)
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	old, _ := fixtureData(t, false)
	more, _ := fixtureData(t, true)
	for i := range more {
		more[i].Time += 86400_000 // a day later
	}
	writeAll(t, db, more, 100)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if vs := []uint16{db.blocks[0].version, db.blocks[len(db.blocks)-1].version}; vs[0] != 1 || vs[1] != blockVersion {
		t.Errorf("block versions %v, want 1 then %d", vs, blockVersion)
	}
	checkTracks(t, db, wantTracks(append(old, more...)))
}

func TestFormatBytesStable(t *testing.T) {
	dir := t.TempDir()
	writeFixture(t, dir)
	for _, rel := range []string{"TIDEWATCH", "blocks/00000001.blk", "wal/00000002.wal", manifestName} {
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(currentFixtureDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: writing the fixture data now gives %d bytes that differ from the committed %d: the on-disk format changed", rel, len(got), len(want))
		}
	}
}
