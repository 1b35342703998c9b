package event

import (
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
			ev := e.newEvent(ZoneEntry, tr.mmsi, 0, z, p.Time, *p)
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
	ev := e.newEvent(ZoneExit, tr.mmsi, 0, z, p.Time, *p)
	ev.End = p.Time
	ev.Zone = e.zones[z].Name
	ev.Measures["dwell_s"] = dwell
	ev.Measures["entry_time_s"] = float64(entry.Start) / 1000
	e.evidence(ev, tr.last, *p)
	e.emit(ev)
}
