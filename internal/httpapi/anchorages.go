package httpapi

import (
	"math"
	"net/http"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// Anchorage is an anchorage the node's event detection knows: given in
// its configuration or learned from where vessels stop (package event).
type Anchorage struct {
	// ID is its number on the node, from 1, stable across restarts.
	ID       int
	Lat, Lon float64
	// Vessels is how many distinct vessels were seen stopped there when it
	// was learned or last saved.
	Vessels int
	// Since is when it was learned (data time); zero when it was known at
	// start (given, or learned by an earlier run).
	Since time.Time
	// RadiusM is the radius, metres, within which a vessel stopped is on
	// a port visit there.
	RadiusM float64
	// NearestPort is the nearest port of the node's port list, nil when
	// none is near.
	NearestPort *NearbyPort
}

// NearbyPort is a port near something, and how far.
type NearbyPort struct {
	Name    string
	Country string // ISO 3166-1 alpha-3, "" when unknown
	// DistanceM is the distance in metres.
	DistanceM float64
}

type nearbyPortJSON struct {
	Name      string  `json:"name"`
	Country   string  `json:"country"`
	DistanceM float64 `json:"distance_m"`
}

type anchorageProperties struct {
	ID          int             `json:"id"`
	Vessels     int             `json:"vessels"`
	Since       *string         `json:"since"`
	RadiusM     float64         `json:"radius_m"`
	NearestPort *nearbyPortJSON `json:"nearest_port"`
}

type anchorageFeature struct {
	Type       string              `json:"type"`
	Geometry   pointGeom           `json:"geometry"`
	Properties anchorageProperties `json:"properties"`
}

type anchorageCollection struct {
	Type     string             `json:"type"`
	Features []anchorageFeature `json:"features"`
}

// anchorages answers GET /api/v1/anchorages?bbox=: the anchorages event
// detection knows, as a GeoJSON FeatureCollection of Points.
func (a *api) anchorages(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Anchorages == nil {
		return errorf(http.StatusNotImplemented, CodeNotImplemented, "this node does not detect events")
	}
	box, err := a.params(r).bbox("bbox")
	if err != nil {
		return err
	}
	list := a.cfg.Anchorages()
	out := anchorageCollection{Type: "FeatureCollection", Features: make([]anchorageFeature, 0, len(list))}
	for _, an := range list {
		if box != nil && !box.Contains(geo.Point{Lat: an.Lat, Lon: an.Lon}) {
			continue
		}
		props := anchorageProperties{ID: an.ID, Vessels: an.Vessels, RadiusM: math.Round(an.RadiusM)}
		if !an.Since.IsZero() {
			s := an.Since.UTC().Format(time.RFC3339)
			props.Since = &s
		}
		if np := an.NearestPort; np != nil {
			props.NearestPort = &nearbyPortJSON{Name: np.Name, Country: np.Country, DistanceM: math.Round(np.DistanceM)}
		}
		out.Features = append(out.Features, anchorageFeature{
			Type: "Feature", Geometry: pointOf(an.Lon, an.Lat), Properties: props,
		})
	}
	return writeJSONType(w, http.StatusOK, "application/geo+json", out)
}
