package incident

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// STIXOptions configure STIXBundle.
type STIXOptions struct {
	// Node is the name of the node producing the bundle (see ValidNode).
	// Required.
	Node string
	// Name is the display name of the producing node's identity object;
	// "" uses Node.
	Name string
}

// stixNamespace is the UUID namespace of the name-based (version 5) UUIDs
// of the objects STIXBundle derives from a record, a node or an MMSI. It
// is fixed: changing it changes every derived ID.
var stixNamespace = uuid.MustParse("a85d1864-88c5-49de-aa5a-add47c920839")

// stixFixedTime is the created and modified time of the objects that do
// not come from a record (node and vessel identities): fixed, so that the
// same node or vessel is always the same object.
const stixFixedTime = "2025-01-01T00:00:00.000Z"

// The TLP 2.0 marking definitions, as published by the OASIS CTI TC in
// cti-stix-common-objects, extension-definition-specifications/tlp-2.0
// (the extension definition extension-definition--60a3c5c5-…): fixed IDs,
// names, created time and the extension that carries the level.
const (
	tlp2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
	tlp2Created   = "2022-10-01T00:00:00.000Z"
)

var tlp2Markings = [...]struct{ id, level string }{
	TLPClear:       {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"},
	TLPGreen:       {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"},
	TLPAmber:       {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"},
	TLPAmberStrict: {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict"},
	TLPRed:         {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red"},
}

// STIXMarkingID returns the ID of the standard STIX 2.1 marking
// definition of a TLP 2.0 marking, or "" for a value that is not one.
func STIXMarkingID(t TLP) string {
	if !t.Valid() {
		return ""
	}
	return tlp2Markings[t].id
}

// STIXBundle exports records as a STIX 2.1 bundle (JSON, indented). Every
// record must pass Validate and have an ID and a Version, and no ID may
// appear twice. The output depends only on the records and opts: objects
// are sorted by ID, and IDs not taken from a record are name-based UUIDs
// derived from it, so the same records give the same bytes.
//
// The bundle holds:
//
//   - An identity (identity_class "organization") for the producing node
//     and one for each origin of a record, the origin's being each
//     object's created_by_ref.
//   - For an incident, an incident object with the record's ID. STIX 2.1
//     defines the incident object only as a stub (name, description), so
//     the rest travels in custom properties named x_tidewatch_*.
//   - For an assessment, a report (report_types ["threat-report"],
//     published when the version was written) whose object_refs are its
//     locations and vessels, with ID "report--" and the record's UUID. A
//     risk assessment is a finished, published piece of analysis about an
//     area and period, which is what a STIX report is ("collections of
//     threat intelligence focused on one or more topics"). A note or an
//     opinion annotate other objects, and a grouping is for shared context
//     that is not finished analysis, so none of those fits; an incident
//     object would claim that something happened.
//   - A location for the record's point (latitude, longitude), and one for
//     its area: STIX 2.1 locations have no polygons, so the area's location
//     has the centroid of its vertices as latitude and longitude, as
//     precision the distance in metres from the centroid to the farthest
//     vertex (a circle that covers the area), and the area itself, as a
//     GeoJSON geometry, in the custom property x_tidewatch_geometry. An
//     incident is linked to its locations by located-at relationships.
//   - An identity for each linked vessel (identity_class "unknown", name
//     "MMSI 419000123", the MMSI in x_tidewatch_mmsi) and, for an incident,
//     a related-to relationship from the incident to it. STIX 2.1 has no
//     vessel object; an identity is what consumers show and link, where a
//     custom object type would be dropped by most of them. A vessel's role
//     (victim, suspect) is not recorded, hence related-to. Vessel
//     identities carry no marking: an MMSI is broadcast in the open by AIS,
//     and what is sensitive, its link to the record, is marked.
//   - The TLP 2.0 marking definitions in use. Each object made from a
//     record (incident or report, locations, relationships) has the
//     record's marking in object_marking_refs.
//
// A deleted version is exported with revoked true. Times have
// milliseconds; created is the record's Created and modified its Updated.
func STIXBundle(ins []Incident, opts STIXOptions) ([]byte, error) {
	if !ValidNode(opts.Node) {
		return nil, fmt.Errorf("%w: node name %s", ErrOptions, quote(opts.Node, 70))
	}
	name := opts.Name
	if name == "" {
		name = opts.Node
	}
	var objs []map[string]any
	add := func(o map[string]any) { objs = append(objs, o) }
	nodes := map[string]bool{opts.Node: true}
	vessels := map[vessel.MMSI]bool{}
	markings := map[TLP]bool{}
	seen := map[string]bool{}
	var members []string // id@version of every record, for the bundle ID
	for i := range ins {
		in := &ins[i]
		if err := in.Validate(); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		if in.ID == "" || in.Version < 1 {
			return nil, fmt.Errorf("record %d: %w", i, fieldErr("id", "a record to export needs an ID and a version"))
		}
		if seen[in.ID] {
			return nil, fmt.Errorf("record %d: %w", i, fieldErr("id", "%s twice", in.ID))
		}
		seen[in.ID] = true
		members = append(members, in.ID+"@"+strconv.Itoa(in.Version))
		origin := in.Origin
		if origin == "" {
			origin = opts.Node
		}
		nodes[origin] = true
		markings[in.TLP] = true
		u := strings.TrimPrefix(in.ID, idPrefix)
		common := func(typ, id string) map[string]any {
			o := map[string]any{
				"type": typ, "spec_version": "2.1", "id": id,
				"created": stixTime(in.Created), "modified": stixTime(in.Updated),
				"created_by_ref":      nodeID(origin),
				"object_marking_refs": []string{tlp2Markings[in.TLP].id},
			}
			if in.Deleted {
				o["revoked"] = true
			}
			return o
		}
		var locs []string
		if in.HasPoint {
			o := common("location", derivedID("location", in.ID+"#point"))
			o["latitude"], o["longitude"] = in.Lat, in.Lon
			locs = append(locs, o["id"].(string))
			add(o)
		}
		if len(in.Area) > 0 {
			o := common("location", derivedID("location", in.ID+"#area"))
			c, r := centroid(in.Area)
			o["latitude"], o["longitude"], o["precision"] = c.Lat, c.Lon, r
			o["x_tidewatch_geometry"] = json.RawMessage(appendGeometry(nil, in.Area))
			locs = append(locs, o["id"].(string))
			add(o)
		}
		var vids []string
		for _, m := range in.Vessels {
			vessels[m] = true
			vids = append(vids, vesselID(m))
		}
		var main map[string]any
		if in.Kind == KindAssessment {
			main = common("report", "report--"+u)
			main["report_types"] = []string{"threat-report"}
			main["published"] = stixTime(in.Updated)
			main["object_refs"] = append(slices.Clone(locs), vids...)
		} else {
			main = common("incident", in.ID)
			rel := func(typ, target string) {
				o := common("relationship", derivedID("relationship", in.ID+"#"+typ+"#"+target))
				o["relationship_type"], o["source_ref"], o["target_ref"] = typ, in.ID, target
				add(o)
			}
			for _, l := range locs {
				rel("located-at", l)
			}
			for _, v := range vids {
				rel("related-to", v)
			}
		}
		main["name"] = in.Title
		if in.Narrative != "" {
			main["description"] = in.Narrative
		}
		main["x_tidewatch_id"] = in.ID
		main["x_tidewatch_version"] = in.Version
		main["x_tidewatch_category"] = string(in.Category)
		main["x_tidewatch_start"] = stixTime(in.Start)
		if in.End != 0 {
			main["x_tidewatch_end"] = stixTime(in.End)
		}
		main["x_tidewatch_origin"] = origin
		if in.Source != "" {
			main["x_tidewatch_source"] = in.Source
		}
		if len(in.Events) > 0 {
			main["x_tidewatch_events"] = in.Events
		}
		if len(in.ReleasableTo) > 0 {
			main["x_tidewatch_releasable_to"] = in.ReleasableTo
		}
		add(main)
	}
	for n := range nodes {
		o := map[string]any{
			"type": "identity", "spec_version": "2.1", "id": nodeID(n),
			"created": stixFixedTime, "modified": stixFixedTime,
			"name": n, "identity_class": "organization", "x_tidewatch_node": n,
		}
		if n == opts.Node {
			o["name"] = name
		}
		add(o)
	}
	for m := range vessels {
		add(map[string]any{
			"type": "identity", "spec_version": "2.1", "id": vesselID(m),
			"created": stixFixedTime, "modified": stixFixedTime,
			"name": "MMSI " + m.String(), "identity_class": "unknown",
			"x_tidewatch_mmsi": m.String(),
		})
	}
	for t := range markings {
		add(map[string]any{
			"type": "marking-definition", "spec_version": "2.1", "id": tlp2Markings[t].id,
			"created": tlp2Created, "name": t.String(),
			"extensions": map[string]any{
				tlp2Extension: map[string]any{"extension_type": "property-extension", "tlp_2_0": tlp2Markings[t].level},
			},
		})
	}
	slices.SortFunc(objs, func(a, b map[string]any) int { return cmp.Compare(a["id"].(string), b["id"].(string)) })
	slices.Sort(members)
	bundle := map[string]any{
		"type":    "bundle",
		"id":      derivedID("bundle", strings.Join(members, ",")),
		"objects": objs,
	}
	return json.MarshalIndent(bundle, "", "  ")
}

// derivedID returns typ--<name-based UUID of name>.
func derivedID(typ, name string) string {
	return typ + "--" + uuid.NewSHA1(stixNamespace, []byte(name)).String()
}

func nodeID(node string) string     { return derivedID("identity", "node:"+node) }
func vesselID(m vessel.MMSI) string { return derivedID("identity", "mmsi:"+m.String()) }

// stixTime formats t as a STIX timestamp with milliseconds.
func stixTime(t vessel.Time) string {
	return t.Std().Format("2006-01-02T15:04:05.000Z")
}

// centroid returns the normalised mean of the area's vertices as unit
// vectors (so that areas across the antimeridian come out right), rounded
// to 6 decimals, and the distance in whole metres from it to the farthest
// vertex.
func centroid(a geo.MultiPolygon) (geo.Point, float64) {
	var x, y, z float64
	for _, pg := range a {
		r := pg.Outer
		if len(r) > 1 && r[0] == r[len(r)-1] {
			r = r[:len(r)-1] // the closing vertex repeats the first
		}
		for _, p := range r {
			φ, λ := p.Lat*math.Pi/180, p.Lon*math.Pi/180
			x += math.Cos(φ) * math.Cos(λ)
			y += math.Cos(φ) * math.Sin(λ)
			z += math.Sin(φ)
		}
	}
	c := geo.Point{
		Lat: math.Atan2(z, math.Hypot(x, y)) * 180 / math.Pi,
		Lon: math.Atan2(y, x) * 180 / math.Pi,
	}
	if x == 0 && y == 0 {
		c.Lon = 0 // at a pole, or vertices that cancel out
	}
	c.Lat, c.Lon = round6(c.Lat), geo.NormalizeLon(round6(c.Lon))
	var far float64
	for _, pg := range a {
		for _, p := range pg.Outer {
			far = max(far, geo.Distance(c, p))
		}
	}
	return c, math.Ceil(far)
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// GeoJSON exports records as a GeoJSON FeatureCollection (RFC 7946). Each
// record is a Feature whose id is the record's ID (none for a record not
// yet stored) and whose geometry is
// its area (a Polygon, or a MultiPolygon for more than one polygon) or,
// without one, its point. The properties are every field of the record's
// JSON form (see MarshalJSON) but "area": "tlp" as text, "lat" and "lon"
// when it has a point, plus "category_label". Every record must pass
// Validate. Text is escaped as encoding/json does, '<', '>' and '&'
// included.
func GeoJSON(ins []Incident) ([]byte, error) {
	b := []byte(`{"type":"FeatureCollection","features":[`)
	for i := range ins {
		in := &ins[i]
		if err := in.Validate(); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		j, err := in.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		var props map[string]json.RawMessage
		if err := json.Unmarshal(j, &props); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		delete(props, "area")
		props["category_label"], _ = json.Marshal(in.Category.Label())
		p, err := json.Marshal(props)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":"Feature",`...)
		if in.ID != "" {
			b = append(b, `"id":`...)
			id, _ := json.Marshal(in.ID)
			b = append(b, id...)
			b = append(b, ',')
		}
		b = append(b, `"geometry":`...)
		switch {
		case len(in.Area) > 0:
			b = appendGeometry(b, in.Area)
		default:
			b = append(b, `{"type":"Point","coordinates":[`...)
			b = appendFloat(b, in.Lon)
			b = append(b, ',')
			b = appendFloat(b, in.Lat)
			b = append(b, "]}"...)
		}
		b = append(b, `,"properties":`...)
		b = append(b, p...)
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	return b, nil
}
