package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sync"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/record"
)

// ZonesVersion is the version of the zones file that ZoneBook writes: a
// GeoJSON FeatureCollection (ZonesGeoJSON) with the foreign member
// "tidewatch_zones": 1, which GeoJSON readers ignore. A file without the
// member (version 0, written before versions, or by hand) is read the
// same way.
const ZonesVersion = 1

// Sentinel errors of ZoneBook.
var (
	// ErrZoneNotFound: DeleteZone of a name no zone has.
	ErrZoneNotFound = errors.New("event: no such zone")
	// ErrZoneExists: CreateZone of a name a zone already has.
	ErrZoneExists = errors.New("event: zone exists")
	// ErrZoneRefused wraps what the apply function of a ZoneBook refused.
	ErrZoneRefused = errors.New("event: zone refused")
	// ErrZonesVersion: the zones file was written by a newer version.
	ErrZonesVersion = errors.New("event: unsupported zones file version")
)

// ZoneBook is a node's set of user zones, editable at run time (an
// administrator through the API). Every edit is written to a GeoJSON file
// (zones.geojson in the data directory, replaced atomically) and put into
// effect by the apply function given to OpenZoneBook (the node swaps
// them into its Engine with SetZones, which keeps the state of unchanged
// zones). Once the file exists it is the node's zones, and the zones file
// of the configuration is only read to start it.
//
// ZoneBook is safe for concurrent use; edits are serialised.
type ZoneBook struct {
	mu    sync.Mutex
	fsys  record.FS
	path  string
	zones []Zone
	apply func([]Zone) error
}

// OpenZoneBook reads the zones at path if the file exists (loaded
// reports it), else starts from initial. apply, called with the whole new
// set on every edit before it is kept, puts zones into effect (nil:
// nothing to do) and may refuse them.
func OpenZoneBook(path string, initial []Zone, apply func([]Zone) error) (b *ZoneBook, loaded bool, err error) {
	return OpenZoneBookFS(record.OSFS{}, path, initial, apply)
}

// OpenZoneBookFS is OpenZoneBook with the file read and written through
// fsys (tests use a record.MemFS). Temporary files of writes cut by a
// crash are removed.
func OpenZoneBookFS(fsys record.FS, path string, initial []Zone, apply func([]Zone) error) (b *ZoneBook, loaded bool, err error) {
	b = &ZoneBook{fsys: fsys, path: path, zones: initial, apply: apply}
	record.RemoveTemps(fsys, path)
	data, err := record.ReadFile(fsys, path)
	if errors.Is(err, fs.ErrNotExist) {
		return b, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("event: zones: %w", err)
	}
	var v struct {
		Version int `json:"tidewatch_zones"`
	}
	if json.Unmarshal(data, &v) == nil && v.Version > ZonesVersion {
		return nil, false, fmt.Errorf("%w: %s is version %d; this build reads up to %d", ErrZonesVersion, path, v.Version, ZonesVersion)
	}
	feats, err := geo.ReadGeoJSON(bytes.NewReader(data))
	if err != nil {
		return nil, false, fmt.Errorf("event: zones %s: %w", path, err)
	}
	b.zones = ZonesFromGeoJSON(feats)
	return b, true, nil
}

// Zones returns the zones.
func (b *ZoneBook) Zones() []Zone {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.zones)
}

// PutZone creates the zone, or replaces the zone of the same name.
func (b *ZoneBook) PutZone(z Zone) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	next := slices.Clone(b.zones)
	if i := slices.IndexFunc(next, func(o Zone) bool { return o.Name == z.Name }); i >= 0 {
		next[i] = z
	} else {
		next = append(next, z)
	}
	return b.commitLocked(next)
}

// CreateZone creates the zone, refusing (ErrZoneExists) when one of that
// name exists.
func (b *ZoneBook) CreateZone(z Zone) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if slices.ContainsFunc(b.zones, func(o Zone) bool { return o.Name == z.Name }) {
		return fmt.Errorf("%w: %q", ErrZoneExists, z.Name)
	}
	return b.commitLocked(append(slices.Clone(b.zones), z))
}

// DeleteZone deletes the zone of that name (ErrZoneNotFound if there is
// none).
func (b *ZoneBook) DeleteZone(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.zones, func(o Zone) bool { return o.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrZoneNotFound, name)
	}
	return b.commitLocked(slices.Delete(slices.Clone(b.zones), i, i+1))
}

// commitLocked puts next into effect and then replaces the file with it
// (record.WriteFileAtomic: a temporary file of a unique name, synced,
// renamed, the directory synced): a refused set leaves both the engine
// and the file as they were, and a failed write puts the kept zones back
// into effect. The mutex serialises the read-modify-write of an edit
// (with unique temporary names it is no longer needed for the file).
func (b *ZoneBook) commitLocked(next []Zone) error {
	data, err := MarshalZonesFile(next)
	if err != nil {
		return err
	}
	if b.apply != nil {
		if err := b.apply(next); err != nil {
			return fmt.Errorf("%w: %w", ErrZoneRefused, err)
		}
	}
	if err := record.WriteFileAtomic(b.fsys, b.path, data, 0o640); err != nil {
		if b.apply != nil {
			b.apply(b.zones) // accepted before: put back what the file holds
		}
		return fmt.Errorf("event: zones: %w", err)
	}
	b.zones = next
	return nil
}

// MarshalZonesFile returns zones as the zones file of ZonesVersion: a
// GeoJSON FeatureCollection, indented for the operator who opens it.
func MarshalZonesFile(zones []Zone) ([]byte, error) {
	doc := struct {
		ZoneCollection
		Version int `json:"tidewatch_zones"`
	}{ZonesGeoJSON(zones), ZonesVersion}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("event: zones: %w", err)
	}
	return buf.Bytes(), nil
}
