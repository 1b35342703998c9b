package event

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// zonesOnReport compares the zones containing p with those the vessel was
// in. Entering a zone opens a zone_entry event (start = the first report
// inside, the first report heard counting as an entry, as Skylight's Entry
// does); leaving closes it (end = the first report outside, so its
// duration is the dwell time) and emits a zone_exit event at that report
// with the dwell time.
func (e *Engine) zonesOnReport(tr *track, p *vessel.Position, pt geo.Point) {
	if e.zidx == nil {
		return
	}
	e.scratch = e.zidx.AppendContaining(e.scratch[:0], pt)
	if len(e.scratch) == 0 && len(tr.zones) == 0 {
		return
	}
	if len(e.scratch) == len(tr.zones) {
		same := true
		for i, z := range tr.zones {
			if int(z) != e.scratch[i] {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	// both lists are in increasing order: merge
	var zones []int32
	var evs []*Event
	if len(e.scratch) > 0 {
		zones = make([]int32, 0, len(e.scratch))
		evs = make([]*Event, 0, len(e.scratch))
	}
	i, j := 0, 0
	for i < len(tr.zones) || j < len(e.scratch) {
		switch {
		case j == len(e.scratch) || i < len(tr.zones) && int(tr.zones[i]) < e.scratch[j]:
			e.zoneExit(tr, int(tr.zones[i]), tr.zoneEv[i], p)
			i++
		case i == len(tr.zones) || e.scratch[j] < int(tr.zones[i]):
			z := e.scratch[j]
			ev := e.newEvent(ZoneEntry, tr.mmsi, 0, e.zoneNum[z], p.Time, *p)
			ev.Zone = e.zones[z].Name
			if !tr.has {
				ev.Measures["first_report"] = 1
			}
			e.evidence(ev, *p)
			e.emit(ev)
			zones, evs = append(zones, int32(z)), append(evs, ev)
			j++
		default:
			zones, evs = append(zones, tr.zones[i]), append(evs, tr.zoneEv[i])
			i++
			j++
		}
	}
	tr.zones, tr.zoneEv = zones, evs
}

func (e *Engine) zoneExit(tr *track, z int, entry *Event, p *vessel.Position) {
	entry.End = p.Time
	dwell := float64(p.Time-entry.Start) / 1000
	entry.Measures["dwell_s"] = dwell
	e.evidence(entry, *p)
	e.emit(entry)
	ev := e.newEvent(ZoneExit, tr.mmsi, 0, e.zoneNum[z], p.Time, *p)
	ev.End = p.Time
	ev.Zone = e.zones[z].Name
	ev.Measures["dwell_s"] = dwell
	ev.Measures["entry_time_s"] = float64(entry.Start) / 1000
	e.evidence(ev, tr.last, *p)
	e.emit(ev)
}

// zoneIndex builds the spatial index of zones, or nil when there are none
// or zone events are switched off.
func (e *Engine) zoneIndex(zones []Zone) (*geo.Index, error) {
	if len(zones) == 0 || !e.p.Zone.Enabled {
		return nil, nil
	}
	areas := make([]geo.MultiPolygon, len(zones))
	for i, z := range zones {
		areas[i] = z.Area
	}
	idx, err := geo.NewIndex(areas, geo.IndexOptions{})
	if err != nil {
		return nil, fmt.Errorf("event: zones: %w", err)
	}
	return idx, nil
}

// Zones returns the engine's zones (a copy of the slice; the zones' areas
// and properties are shared and must not be modified).
func (e *Engine) Zones() []Zone { return slices.Clone(e.zones) }

// zoneKey identifies a zone across SetZones: its name, and which of the
// zones of that name it is (names should be unique; duplicates are
// matched in order).
type zoneKey struct {
	name string
	nth  int
}

func zoneKeys(zones []Zone) []zoneKey {
	seen := make(map[string]int, len(zones))
	keys := make([]zoneKey, len(zones))
	for i, z := range zones {
		keys[i] = zoneKey{z.Name, seen[z.Name]}
		seen[z.Name]++
	}
	return keys
}

// SetZones replaces the engine's zones at time now (an administrator
// created, edited or deleted zones) and returns the events the change
// emits. Zones are identified by name:
//
//   - a zone whose name and geometry are unchanged keeps its open
//     zone_entry events and which vessels are inside it: nothing is
//     emitted for it;
//   - a removed zone closes each open zone_entry at now and emits the
//     zone_exit an ordinary exit would, both with Measures
//     "zone_removed" = 1;
//   - a zone whose geometry changed keeps inside the vessels whose last
//     position is inside the new geometry (their entry continues); the
//     others' entries close at now with a zone_exit, both with Measures
//     "zone_changed" = 1;
//   - a new zone takes effect from each vessel's next report: a vessel
//     already inside gets a zone_entry then, as for any entry.
//
// A zone_exit of SetZones is placed at the vessel's last position, with
// that report as evidence. Properties may change freely. Late reports
// older than the change no longer replay the vessels' histories (see
// Config.History): their zone events would be judged against the wrong
// zones.
//
// On error (a zone that cannot be indexed) the engine is unchanged. With
// zone events switched off (Params.Zone.Enabled false) the zones are only
// stored.
func (e *Engine) SetZones(zones []Zone, now vessel.Time) ([]Event, error) {
	idx, err := e.zoneIndex(zones)
	if err != nil {
		return nil, err
	}
	oldKeys, newKeys := zoneKeys(e.zones), zoneKeys(zones)
	byKey := make(map[zoneKey]int, len(oldKeys))
	for i, k := range oldKeys {
		byKey[k] = i
	}
	remap := make([]int, len(e.zones)) // old position → new, -1 removed
	for i := range remap {
		remap[i] = -1
	}
	changed := make([]bool, len(e.zones))
	anyChange := false
	num := make([]int, len(zones))
	for j, k := range newKeys {
		i, ok := byKey[k]
		if !ok {
			num[j] = e.nextNum
			e.nextNum++
			continue
		}
		num[j], remap[i] = e.zoneNum[i], j
		if !sameArea(e.zones[i].Area, zones[j].Area) {
			changed[i], anyChange = true, true
		}
	}

	var inside []*track
	for _, tr := range e.tracks.tab().All() {
		if len(tr.zones) > 0 {
			inside = append(inside, tr)
		}
	}
	slices.SortFunc(inside, func(a, b *track) int { return cmp.Compare(a.mmsi, b.mmsi) })
	var now0 []int
	for _, tr := range inside {
		now0 = now0[:0]
		if anyChange && idx != nil {
			now0 = idx.AppendContaining(now0, posPoint(&tr.last))
		}
		type kept struct {
			z  int32
			ev *Event
		}
		var keep []kept
		for k, z := range tr.zones {
			ev := tr.zoneEv[k]
			j := remap[z]
			switch {
			case j < 0:
				e.zoneClose(tr, int(z), ev, now, "zone_removed")
			case changed[z] && !slices.Contains(now0, j):
				e.zoneClose(tr, int(z), ev, now, "zone_changed")
			default:
				keep = append(keep, kept{int32(j), ev})
			}
		}
		slices.SortFunc(keep, func(a, b kept) int { return cmp.Compare(a.z, b.z) })
		tr.zones, tr.zoneEv = tr.zones[:0], tr.zoneEv[:0]
		for _, k := range keep {
			tr.zones, tr.zoneEv = append(tr.zones, k.z), append(tr.zoneEv, k.ev)
		}
	}
	e.zones, e.zoneNum, e.zidx = slices.Clone(zones), num, idx
	for _, tr := range e.tracks.tab().All() {
		tr.h.reset()
	}
	out := e.out
	e.out = nil
	return out, nil
}

// zoneClose ends a vessel's stay in zone z at time now without a report
// (the zone was removed or changed): the entry closes and a zone_exit is
// emitted at the vessel's last position, both marked with the measure
// named mark.
func (e *Engine) zoneClose(tr *track, z int, entry *Event, now vessel.Time, mark string) {
	end := max(now, entry.Start)
	entry.End = end
	dwell := float64(end-entry.Start) / 1000
	entry.Measures["dwell_s"] = dwell
	entry.Measures[mark] = 1
	e.emit(entry)
	ev := e.newEvent(ZoneExit, tr.mmsi, 0, e.zoneNum[z], end, tr.last)
	ev.End = end
	ev.Zone = e.zones[z].Name
	ev.Measures["dwell_s"] = dwell
	ev.Measures["entry_time_s"] = float64(entry.Start) / 1000
	ev.Measures[mark] = 1
	e.evidence(ev, tr.last)
	e.emit(ev)
}

// sameArea reports whether two areas have the same vertices.
func sameArea(a, b geo.MultiPolygon) bool {
	return slices.EqualFunc(a, b, func(p, q geo.Polygon) bool {
		return slices.Equal(p.Outer, q.Outer) && slices.EqualFunc(p.Holes, q.Holes, func(r, s geo.Ring) bool { return slices.Equal(r, s) })
	})
}
