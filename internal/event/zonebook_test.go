package event_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/record"
)

// TestZoneBookV0Fixture opens a frozen zones file of version 0 (written
// before versions: a plain FeatureCollection), edits it, and checks that
// the file is then of ZonesVersion and still holds every zone.
func TestZoneBookV0Fixture(t *testing.T) {
	orig, err := os.ReadFile("testdata/zonebook-v0.geojson")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "zones.geojson")
	os.WriteFile(path, orig, 0o640)
	var applied [][]event.Zone
	b, loaded, err := event.OpenZoneBook(path, nil, func(zs []event.Zone) error {
		applied = append(applied, zs)
		return nil
	})
	if err != nil || !loaded {
		t.Fatalf("open: loaded %v, err %v", loaded, err)
	}
	zs := b.Zones()
	if len(zs) != 2 || zs[1].Name != "Bayport approach" || !strings.HasPrefix(zs[0].Name, "Galveston Bay north") {
		t.Fatalf("zones %v", zs)
	}
	// Morgan's Point, inside; the open Gulf, outside.
	if !zs[0].Area.Contains(geo.Point{Lat: 29.68, Lon: -94.99}) || zs[0].Area.Contains(geo.Point{Lat: 28.5, Lon: -94}) {
		t.Error("the fixture's polygon does not hold Morgan's Point, or holds the Gulf")
	}
	if err := b.DeleteZone("Bayport approach"); err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || len(applied[0]) != 1 {
		t.Errorf("apply saw %v; want one set of one zone", applied)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"tidewatch_zones": 1`) {
		t.Errorf("the rewritten file has no version member:\n%.200s", data)
	}
	b2, _, err := event.OpenZoneBook(path, nil, nil)
	if err != nil || len(b2.Zones()) != 1 || b2.Zones()[0].Name != zs[0].Name {
		t.Fatalf("reopened: %v, %v", b2, err)
	}
	// Other GeoJSON readers ignore the member.
	feats, err := geo.ReadGeoJSON(strings.NewReader(string(data)))
	if err != nil || len(feats) != 1 {
		t.Errorf("geo.ReadGeoJSON of the new file: %d features, %v", len(feats), err)
	}
}

// TestZoneBookEdits: the sentinels of each refusal, and a set the apply
// function refuses leaves the file and the zones as they were.
func TestZoneBookEdits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zones.geojson")
	refuse := false
	b, loaded, err := event.OpenZoneBook(path, nil, func([]event.Zone) error {
		if refuse {
			return errors.New("too many")
		}
		return nil
	})
	if err != nil || loaded {
		t.Fatalf("open of no file: loaded %v, err %v", loaded, err)
	}
	sq := func(name string, lat float64) event.Zone {
		return event.Zone{Name: name, Area: geo.MultiPolygon{{Outer: geo.Ring{{Lat: lat, Lon: 0}, {Lat: lat, Lon: 1}, {Lat: lat + 1, Lon: 1}, {Lat: lat + 1, Lon: 0}, {Lat: lat, Lon: 0}}}}}
	}
	if err := b.CreateZone(sq("a", 0)); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateZone(sq("a", 5)); !errors.Is(err, event.ErrZoneExists) {
		t.Errorf("create again: %v; want ErrZoneExists", err)
	}
	if err := b.PutZone(sq("a", 5)); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteZone("nope"); !errors.Is(err, event.ErrZoneNotFound) {
		t.Errorf("delete unknown: %v; want ErrZoneNotFound", err)
	}
	before, _ := os.ReadFile(path)
	refuse = true
	if err := b.PutZone(sq("b", 10)); !errors.Is(err, event.ErrZoneRefused) {
		t.Errorf("refused put: %v; want ErrZoneRefused", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) || len(b.Zones()) != 1 {
		t.Error("a refused set changed the file or the zones")
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("a refused set left %d files; want the zones file alone", len(ents))
	}
	b2, _, err := event.OpenZoneBook(path, nil, nil)
	if err != nil || len(b2.Zones()) != 1 || !b2.Zones()[0].Area.Contains(geo.Point{Lat: 5.5, Lon: 0.5}) {
		t.Errorf("reopened: %v, %v; want zone a at its put place", b2.Zones(), err)
	}
}

// TestZoneBookNewerVersion: a zones file of a newer version is refused.
func TestZoneBookNewerVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zones.geojson")
	os.WriteFile(path, []byte(`{"type":"FeatureCollection","features":[],"tidewatch_zones":7}`), 0o640)
	if _, _, err := event.OpenZoneBook(path, nil, nil); !errors.Is(err, event.ErrZonesVersion) {
		t.Fatalf("err %v; want ErrZonesVersion", err)
	}
}

func zoneSquare(name string, lat float64) event.Zone {
	return event.Zone{Name: name, Area: geo.MultiPolygon{{Outer: geo.Ring{{Lat: lat, Lon: 0}, {Lat: lat, Lon: 1}, {Lat: lat + 1, Lon: 1}, {Lat: lat + 1, Lon: 0}, {Lat: lat, Lon: 0}}}}}
}

// TestZoneBookWriteFailure: when the file cannot be written (a full
// disk), the edit fails, the engine gets the kept zones back, and the
// file and the book are as they were.
func TestZoneBookWriteFailure(t *testing.T) {
	m := record.NewMemFS()
	m.MkdirAll("/data", 0o700)
	var applied [][]event.Zone
	b, _, err := event.OpenZoneBookFS(m, "/data/zones.geojson", nil, func(zs []event.Zone) error {
		applied = append(applied, zs)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.PutZone(zoneSquare("a", 0)); err != nil {
		t.Fatal(err)
	}
	before, _ := record.ReadFile(m, "/data/zones.geojson")
	full := errors.New("no space left on device")
	m.SetInjector(func(op record.Op, path string) error {
		if op == record.OpWrite {
			return full
		}
		return nil
	})
	if err := b.PutZone(zoneSquare("b", 5)); !errors.Is(err, full) {
		t.Fatalf("put on a full disk: %v; want it to wrap the disk's error", err)
	}
	m.SetInjector(nil)
	after, _ := record.ReadFile(m, "/data/zones.geojson")
	if string(before) != string(after) || len(b.Zones()) != 1 {
		t.Error("a failed write changed the file or the zones")
	}
	if len(applied) != 3 || len(applied[1]) != 2 || len(applied[2]) != 1 || applied[2][0].Name != "a" {
		t.Errorf("apply saw %d sets; want a, then a and b, then a again", len(applied))
	}
	if ents, _ := m.ReadDir("/data"); len(ents) != 1 {
		t.Errorf("%d files after a failed write; want the zones file alone", len(ents))
	}
}

// TestZoneBookCrash crashes an edit in memory after every write, sync,
// rename and directory sync: the reopened book holds the zones before or
// after the edit, never neither.
func TestZoneBookCrash(t *testing.T) {
	const path = "/data/zones.geojson"
	edit := func(m *record.MemFS) {
		m.MkdirAll("/data", 0o700)
		b, _, err := event.OpenZoneBookFS(m, path, nil, nil)
		if err != nil {
			return
		}
		if b.PutZone(zoneSquare("a", 0)) != nil {
			return
		}
		b.PutZone(zoneSquare("b", 5))
	}
	dry := record.NewMemFS()
	edit(dry)
	for n := 0; n <= dry.Ops(); n++ {
		m := record.NewMemFS()
		m.CrashAfter(n, rand.New(rand.NewPCG(uint64(n), 1)))
		edit(m)
		after := m.Crashed()
		if after == nil {
			after = m.CrashClone(nil)
		}
		b, _, err := event.OpenZoneBookFS(after, path, nil, nil)
		if err != nil {
			t.Fatalf("crash after %d: reopen: %v", n, err)
		}
		var names []string
		for _, z := range b.Zones() {
			names = append(names, z.Name)
		}
		if got := strings.Join(names, ","); got != "" && got != "a" && got != "a,b" {
			t.Fatalf("crash after %d: zones %q; want none, a, or a and b", n, got)
		}
	}
}
