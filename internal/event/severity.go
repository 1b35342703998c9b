package event

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// describe sets the severity and reasons of the event types whose
// detectors do not score them as they go (encounters and gaps do), from
// the event's measures, each time a version is published. See the
// package documentation, "Severity and reasons". Reasons never name a
// zone or port: sharing policies redact Event.Zone, and a reason must not
// leak what they hide.
func describe(ev *Event) {
	m := ev.Measures
	hours := func(s float64) float64 { return s / 3600 }
	switch ev.Type {
	case Loitering:
		d := m["duration_s"]
		ev.Severity = 0.3 + 0.3*min(1, d/(12*3600))
		ev.Reasons = []string{fmt.Sprintf("slow (%.1f kn on average) for %.1f h", m["average_speed_kn"], hours(d))}
		if m["average_speed_kn"] < 1 {
			ev.Severity += 0.1
			ev.Reasons = append(ev.Reasons, "drifting")
		}
		if s, ok := m["shore_distance_m"]; ok {
			ev.Reasons = append(ev.Reasons, fmt.Sprintf("%.0f nm from shore, away from ports and anchorages", s/nm))
		}
	case Teleport:
		ev.Severity = 0.2
		ev.Reasons = []string{fmt.Sprintf("jumped %.1f km", m["distance_m"]/1000)}
		if v, ok := m["implied_speed_kn"]; ok {
			ev.Reasons[0] += fmt.Sprintf(" (%.0f kn implied)", v)
		}
		if n := m["reports"]; n > 1 {
			ev.Reasons = append(ev.Reasons, fmt.Sprintf("%.0f reports in the burst", n))
		}
		ev.Reasons = append(ev.Reasons, "a bad fix or a second transmitter, not a movement")
	case IdentityConflict:
		ev.Severity = 0.6
		if n, ok := m["tracks"]; ok {
			ev.Reasons = []string{fmt.Sprintf("%.0f transmitters with one MMSI, up to %.1f km apart", n, m["distance_m"]/1000),
				"reports per track: " + trackReports(m)}
			break
		}
		ev.Reasons = []string{fmt.Sprintf("two transmitters with one MMSI, %.1f km apart", m["distance_m"]/1000),
			fmt.Sprintf("%.0f reports from the second", m["alt_reports"])}
	case ZoneEntry:
		ev.Severity = 0.5
		ev.Reasons = []string{"inside a user zone"}
		if d, ok := m["dwell_s"]; ok {
			ev.Reasons[0] += fmt.Sprintf(" for %.1f h", hours(d))
		}
	case ZoneExit:
		ev.Severity = 0.3
		ev.Reasons = []string{fmt.Sprintf("left a user zone after %.1f h", hours(m["dwell_s"]))}
	case PortVisit:
		ev.Severity = 0.1
		what := "a port"
		switch {
		case m["learned"] == 1:
			what = "an anchorage learned from the data"
		case m["anchorage"] == 1:
			what = "an anchorage"
		}
		ev.Reasons = []string{"stopped at " + what}
		if d, ok := m["duration_s"]; ok {
			ev.Reasons[0] += fmt.Sprintf(" for %.1f h", hours(d))
		}
	}
	if ev.Retracted {
		ev.Severity = 0
	}
}

// trackReports lists an identity conflict's reports per track from its
// track_<id>_reports measures: "1: 502, 2: 310".
func trackReports(m map[string]float64) string {
	var ids []int
	for k := range m {
		if s, ok := strings.CutPrefix(k, "track_"); ok {
			if s, ok := strings.CutSuffix(s, "_reports"); ok {
				if id, err := strconv.Atoi(s); err == nil {
					ids = append(ids, id)
				}
			}
		}
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%d: %.0f", id, m["track_"+strconv.Itoa(id)+"_reports"])
	}
	return strings.Join(parts, ", ")
}
