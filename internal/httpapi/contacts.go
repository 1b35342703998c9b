package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Contact is a radar report or satellite detection after association
// with the AIS picture, as the API and the live stream show it.
type Contact struct {
	Time   vessel.Time `json:"-"`
	Lat    float64     `json:"lat"`
	Lon    float64     `json:"lon"`
	Sensor string      `json:"sensor"` // "radar" or "satellite"
	Source string      `json:"source"`
	Target string      `json:"target,omitempty"` // the radar's target number
	Scene  string      `json:"scene,omitempty"`
	// MMSI is the AIS vessel that explains the contact, 0 (null in JSON)
	// when none does: a dark contact.
	MMSI       vessel.MMSI        `json:"-"`
	Score      float64            `json:"score"`
	Held       bool               `json:"held,omitempty"`
	Track      uint64             `json:"track,omitempty"`
	Confirmed  bool               `json:"confirmed,omitempty"`
	Doubtful   bool               `json:"doubtful,omitempty"`
	Episode    string             `json:"episode,omitempty"`
	HasMotion  bool               `json:"-"`
	SpeedKn    float64            `json:"-"`
	CourseDeg  float64            `json:"-"`
	LengthM    float64            `json:"length_m,omitempty"`
	Candidates []ContactCandidate `json:"candidates,omitempty"`
}

// ContactCandidate is an AIS vessel considered for a contact.
type ContactCandidate struct {
	MMSI  vessel.MMSI `json:"mmsi"`
	Score float64     `json:"score"`
	DistM float64     `json:"distance_m"`
	D2    float64     `json:"d2"`
	AgeS  float64     `json:"age_s"`
}

// Dark says no AIS vessel explains the contact and it is not a doubtful
// satellite detection.
func (c *Contact) Dark() bool { return c.MMSI == 0 && !c.Doubtful }

// MarshalJSON writes the contact with its time in RFC 3339, mmsi null
// when dark, and speed and course only when known.
func (c Contact) MarshalJSON() ([]byte, error) {
	type plain Contact
	out := struct {
		Time string       `json:"time"`
		MMSI *vessel.MMSI `json:"mmsi"`
		Dark bool         `json:"dark"`
		plain
		SpeedKn   *float64 `json:"speed_kn,omitempty"`
		CourseDeg *float64 `json:"course_deg,omitempty"`
	}{Time: c.Time.Std().Format(time.RFC3339Nano), Dark: c.Dark(), plain: plain(c)}
	if c.MMSI != 0 {
		m := c.MMSI
		out.MMSI = &m
	}
	if c.HasMotion {
		s, k := c.SpeedKn, c.CourseDeg
		out.SpeedKn, out.CourseDeg = &s, &k
	}
	return json.Marshal(out)
}

// ContactQuery selects contacts.
type ContactQuery struct {
	BBox     *geo.Rect   // nil: everywhere
	Since    vessel.Time // contacts at or after this time (0: all)
	DarkOnly bool        // only contacts no AIS vessel explains
	History  bool        // the recent history rather than the current contacts
	Limit    int         // at most this many, newest first (0: no limit)
}

// Match says whether c is selected by q (Limit aside).
func (q *ContactQuery) Match(c *Contact) bool {
	if c.Time < q.Since || (q.DarkOnly && !c.Dark()) {
		return false
	}
	return q.BBox == nil || q.BBox.Contains(geo.Point{Lat: c.Lat, Lon: c.Lon})
}

// ContactSource is where the API reads contacts: the node's contact
// tracker.
type ContactSource interface {
	Contacts(q ContactQuery) []Contact
}

// MaxContacts bounds the contacts of one answer.
const MaxContacts = 20_000

type contactsResponse struct {
	Count    int       `json:"count"`
	Contacts []Contact `json:"contacts"`
}

// contacts answers GET /api/v1/contacts?bbox=&since=&dark=true&history=true&limit=&format=json|geojson
func (a *api) contacts(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Contacts == nil {
		return errorf(http.StatusNotImplemented, CodeNotImplemented, "this node has no radar or satellite inputs")
	}
	p := a.params(r)
	var q ContactQuery
	var err error
	if q.BBox, err = p.bbox("bbox"); err != nil {
		return err
	}
	if t, ok, err := p.time("since"); err != nil {
		return err
	} else if ok {
		q.Since = t
	}
	if q.DarkOnly, err = p.boolean("dark"); err != nil {
		return err
	}
	if q.History, err = p.boolean("history"); err != nil {
		return err
	}
	if q.Limit, err = p.limit("limit", 1000, MaxContacts); err != nil {
		return err
	}
	format := p.get("format")
	if format != "" && format != "json" && format != "geojson" {
		return badParam("format", "%q: want json or geojson", format)
	}
	cs := a.cfg.Contacts.Contacts(q)
	if cs == nil {
		cs = []Contact{}
	}
	if format == "geojson" {
		type feat struct {
			Type       string    `json:"type"`
			Geometry   pointGeom `json:"geometry"`
			Properties Contact   `json:"properties"`
		}
		fc := struct {
			Type     string `json:"type"`
			Features []feat `json:"features"`
		}{Type: "FeatureCollection", Features: make([]feat, 0, len(cs))}
		for _, c := range cs {
			fc.Features = append(fc.Features, feat{Type: "Feature", Geometry: pointOf(c.Lon, c.Lat), Properties: c})
		}
		return writeJSONType(w, http.StatusOK, "application/geo+json", fc)
	}
	return writeJSON(w, http.StatusOK, contactsResponse{Count: len(cs), Contacts: cs})
}
