package incident

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The bounds Validate enforces. Text lengths count characters (runes).
const (
	MaxTitle        = 200    // characters of Title (at least 1)
	MaxNarrative    = 20_000 // characters of Narrative
	MaxSource       = 200    // characters of Source
	MaxVessels      = 1000   // linked MMSIs
	MaxEvents       = 1000   // linked event IDs
	MaxEventID      = 128    // bytes of one event ID
	MaxReleasableTo = 256    // names in ReleasableTo
	MaxPolygons     = 100    // polygons in Area
	MaxVertices     = 10_000 // vertices of all rings of Area together
)

// The instants RFC 3339 can write: years 0001 to 9999.
var (
	minTime = vessel.TimeOf(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))
	maxTime = vessel.TimeOf(time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC))
)

// Validate checks the record against the rules every stored, sent or
// exported record meets, and returns a *FieldError naming the first field
// that breaks one:
//
//   - ID is empty (a record not yet stored) or "incident--" and a UUID in
//     canonical lowercase form; Version is not negative.
//   - Kind and Category are known.
//   - Title has 1 to MaxTitle characters, not all space; Narrative at most
//     MaxNarrative; Source at most MaxSource. Text is valid UTF-8 without
//     control characters (C0, DEL, C1), except that Narrative may hold
//     newlines, carriage returns and tabs.
//   - Start is set; End is 0 or not before Start; Updated is not before
//     Created when both are set; all times lie in the years 0001 to 9999.
//   - With HasPoint, Lat is in [-90, 90] and Lon in [-180, 180]; without
//     it, both are 0.
//   - Area has at most MaxPolygons polygons and MaxVertices vertices; each
//     polygon has an outer ring; each ring has at least 4 vertices and is
//     closed (the last vertex repeats the first), as in GeoJSON; latitudes
//     are in [-90, 90] and longitudes in [-540, 540] (as geo.ReadGeoJSON
//     accepts near the antimeridian).
//   - An incident has a point or an area; an assessment has an area.
//   - At most MaxVessels vessels, each a valid MMSI (vessel.MMSI.Valid),
//     and at most MaxEvents event IDs of 1 to MaxEventID printable ASCII
//     characters; neither list repeats a value.
//   - Origin is empty or a node name; ReleasableTo holds at most
//     MaxReleasableTo distinct node names. A node name matches
//     [A-Z0-9][A-Z0-9._-]{0,63}.
//   - TLP is one of the five markings.
func (in *Incident) Validate() error {
	if in.ID != "" && !validID(in.ID) {
		return fieldErr("id", "not incident--<uuid>: %s", quote(in.ID, 60))
	}
	if in.Version < 0 {
		return fieldErr("version", "negative")
	}
	if !in.Kind.Valid() {
		return fieldErr("kind", "unknown kind %s", quote(string(in.Kind), 40))
	}
	if !in.Category.Valid() {
		return fieldErr("category", "unknown category %s", quote(string(in.Category), 40))
	}
	if strings.TrimSpace(in.Title) == "" {
		return fieldErr("title", "empty")
	}
	if err := checkText("title", in.Title, MaxTitle, false); err != nil {
		return err
	}
	if err := checkText("narrative", in.Narrative, MaxNarrative, true); err != nil {
		return err
	}
	if err := checkText("source", in.Source, MaxSource, false); err != nil {
		return err
	}
	if in.Start == 0 {
		return fieldErr("start", "not set")
	}
	for _, t := range []struct {
		name string
		v    vessel.Time
	}{{"start", in.Start}, {"end", in.End}, {"created", in.Created}, {"updated", in.Updated}} {
		if t.v < minTime || t.v > maxTime {
			return fieldErr(t.name, "outside the years 0001 to 9999")
		}
	}
	if in.End != 0 && in.End < in.Start {
		return fieldErr("end", "before start")
	}
	if in.Created != 0 && in.Updated != 0 && in.Updated < in.Created {
		return fieldErr("updated", "before created")
	}
	if in.HasPoint {
		if !(in.Lat >= -90 && in.Lat <= 90) {
			return fieldErr("lat", "out of range: %v", in.Lat)
		}
		if !(in.Lon >= -180 && in.Lon <= 180) {
			return fieldErr("lon", "out of range: %v", in.Lon)
		}
	} else if in.Lat != 0 || in.Lon != 0 {
		return fieldErr("lat", "set without HasPoint")
	}
	if err := checkArea(in.Area); err != nil {
		return err
	}
	switch {
	case in.Kind == KindAssessment && len(in.Area) == 0:
		return fieldErr("area", "an assessment needs an area")
	case !in.HasPoint && len(in.Area) == 0:
		return fieldErr("lat", "an incident needs a point or an area")
	}
	if len(in.Vessels) > MaxVessels {
		return fieldErr("vessels", "%d, at most %d", len(in.Vessels), MaxVessels)
	}
	seenV := make(map[vessel.MMSI]bool, len(in.Vessels))
	for i, m := range in.Vessels {
		if !m.Valid() {
			return fieldErr(indexed("vessels", i), "not a valid MMSI: %d", uint32(m))
		}
		if seenV[m] {
			return fieldErr(indexed("vessels", i), "repeated: %s", m)
		}
		seenV[m] = true
	}
	if len(in.Events) > MaxEvents {
		return fieldErr("events", "%d, at most %d", len(in.Events), MaxEvents)
	}
	seenE := make(map[string]bool, len(in.Events))
	for i, e := range in.Events {
		if !validEventID(e) {
			return fieldErr(indexed("events", i), "not 1 to %d printable ASCII characters: %s", MaxEventID, quote(e, 40))
		}
		if seenE[e] {
			return fieldErr(indexed("events", i), "repeated: %s", quote(e, 40))
		}
		seenE[e] = true
	}
	if in.Origin != "" && !ValidNode(in.Origin) {
		return fieldErr("origin", "not a node name: %s", quote(in.Origin, 70))
	}
	if !in.TLP.Valid() {
		return fieldErr("tlp", "not a marking: %d", int(in.TLP))
	}
	if len(in.ReleasableTo) > MaxReleasableTo {
		return fieldErr("releasable_to", "%d names, at most %d", len(in.ReleasableTo), MaxReleasableTo)
	}
	seenN := make(map[string]bool, len(in.ReleasableTo))
	for i, n := range in.ReleasableTo {
		if !ValidNode(n) {
			return fieldErr(indexed("releasable_to", i), "not a node name: %s", quote(n, 70))
		}
		if seenN[n] {
			return fieldErr(indexed("releasable_to", i), "repeated: %s", n)
		}
		seenN[n] = true
	}
	return nil
}

// ValidNode reports whether s is a node name: 1 to 64 characters of
// upper-case ASCII letters, digits, '.', '_' and '-', starting with a
// letter or digit ("IN-IFC-IOR", "JP-JCG").
func ValidNode(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '.' || c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// validID reports whether s is "incident--" and a canonical UUID.
func validID(s string) bool {
	rest, ok := strings.CutPrefix(s, idPrefix)
	if !ok || len(rest) != 36 {
		return false
	}
	u, err := uuid.Parse(rest)
	return err == nil && u.String() == rest && u.Variant() == uuid.RFC4122
}

func validEventID(s string) bool {
	if len(s) == 0 || len(s) > MaxEventID {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// checkText checks length in characters, UTF-8 and control characters.
func checkText(field, s string, max int, multiline bool) error {
	if len(s) > 4*max || utf8.RuneCountInString(s) > max {
		return fieldErr(field, "longer than %d characters", max)
	}
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				return fieldErr(field, "invalid UTF-8 at byte %d", i)
			}
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			return fieldErr(field, "control character %U at byte %d", r, i)
		}
	}
	return nil
}

func checkArea(a geo.MultiPolygon) error {
	if len(a) > MaxPolygons {
		return fieldErr("area", "%d polygons, at most %d", len(a), MaxPolygons)
	}
	n := 0
	for i, pg := range a {
		if len(pg.Outer) == 0 {
			return fieldErr(indexed("area", i), "no outer ring")
		}
		for j := -1; j < len(pg.Holes); j++ {
			r, name := pg.Outer, indexed("area", i)+".outer"
			if j >= 0 {
				r, name = pg.Holes[j], indexed(indexed("area", i)+".holes", j)
			}
			n += len(r)
			if n > MaxVertices {
				return fieldErr("area", "more than %d vertices", MaxVertices)
			}
			if len(r) < 4 {
				return fieldErr(name, "%d vertices, at least 4", len(r))
			}
			if r[0] != r[len(r)-1] {
				return fieldErr(name, "not closed: the last vertex must repeat the first")
			}
			for k, p := range r {
				if !(p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -540 && p.Lon <= 540) {
					return fieldErr(indexed(name, k), "out of range: %v,%v", p.Lat, p.Lon)
				}
			}
		}
	}
	return nil
}

func indexed(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}
