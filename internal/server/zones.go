package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/httpapi"
)

// ZoneBook is the node's set of user zones, editable by admins through
// the API (it implements httpapi.ZoneEditor). Edits are written to a
// GeoJSON file in the data directory (zones.geojson, replaced atomically)
// and swapped into the event engine without losing its state: vessels
// inside an unchanged zone stay inside, a deleted zone closes its open
// entries. Once the file exists it is the node's zones, and the zones
// file of the configuration is only read to start it.
//
// ZoneBook is safe for concurrent use; edits are serialised.
type ZoneBook struct {
	mu    sync.Mutex
	path  string
	zones []event.Zone
	apply func([]event.Zone) error
}

// OpenZoneBook reads the zones at path if the file exists (loaded
// reports it), else starts from initial. apply, called with the whole new
// set on every edit before it is kept, puts zones into effect (nil:
// nothing to do) and may refuse them.
func OpenZoneBook(path string, initial []event.Zone, apply func([]event.Zone) error) (b *ZoneBook, loaded bool, err error) {
	b = &ZoneBook{path: path, zones: initial, apply: apply}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return b, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("server: zones: %w", err)
	}
	defer f.Close()
	feats, err := geo.ReadGeoJSON(f)
	if err != nil {
		return nil, false, fmt.Errorf("server: zones %s: %w", path, err)
	}
	b.zones = event.ZonesFromGeoJSON(feats)
	return b, true, nil
}

// Zones returns the zones.
func (b *ZoneBook) Zones() []event.Zone {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.zones)
}

// PutZone creates the zone, or replaces the zone of the same name.
func (b *ZoneBook) PutZone(z event.Zone) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	next := slices.Clone(b.zones)
	if i := slices.IndexFunc(next, func(o event.Zone) bool { return o.Name == z.Name }); i >= 0 {
		next[i] = z
	} else {
		next = append(next, z)
	}
	return b.commitLocked(next)
}

// CreateZone creates the zone, refusing (httpapi.ErrZoneExists) when one
// of that name exists.
func (b *ZoneBook) CreateZone(z event.Zone) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if slices.ContainsFunc(b.zones, func(o event.Zone) bool { return o.Name == z.Name }) {
		return fmt.Errorf("%w: %q", httpapi.ErrZoneExists, z.Name)
	}
	return b.commitLocked(append(slices.Clone(b.zones), z))
}

// DeleteZone deletes the zone of that name (httpapi.ErrZoneNotFound if
// there is none).
func (b *ZoneBook) DeleteZone(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.zones, func(o event.Zone) bool { return o.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: %q", httpapi.ErrZoneNotFound, name)
	}
	next := slices.Delete(slices.Clone(b.zones), i, i+1)
	return b.commitLocked(next)
}

// commitLocked writes next to a temporary file, puts it into effect,
// and then renames the file into place: a refused set leaves both the
// engine and the file as they were.
func (b *ZoneBook) commitLocked(next []event.Zone) error {
	data, err := zonesGeoJSON(next)
	if err != nil {
		return err
	}
	tmp := b.path + ".tmp"
	if err := writeSynced(tmp, data); err != nil {
		return fmt.Errorf("server: zones: %w", err)
	}
	if b.apply != nil {
		if err := b.apply(next); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("%w: %w", httpapi.ErrZoneInvalid, err)
		}
	}
	if err := os.Rename(tmp, b.path); err != nil {
		return fmt.Errorf("server: zones: %w", err)
	}
	if d, err := os.Open(filepath.Dir(b.path)); err == nil {
		d.Sync()
		d.Close()
	}
	b.zones = next
	return nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// zonesGeoJSON writes zones as a GeoJSON FeatureCollection, indented
// for the operator who opens the file.
func zonesGeoJSON(zones []event.Zone) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	if err := enc.Encode(event.ZonesGeoJSON(zones)); err != nil {
		return nil, fmt.Errorf("server: zones: %w", err)
	}
	return buf.Bytes(), nil
}
