package httpapi

import (
	"net/http"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// Anchorage is an anchorage the node's event detection knows: given in
// its configuration or learned from where vessels stop (package event).
type Anchorage struct {
	Lat, Lon float64
	// Vessels is how many distinct vessels were seen stopped there when it
	// was learned or last saved.
	Vessels int
}

type anchorageProperties struct {
	Vessels int `json:"vessels"`
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
		out.Features = append(out.Features, anchorageFeature{
			Type: "Feature", Geometry: pointOf(an.Lon, an.Lat), Properties: anchorageProperties{Vessels: an.Vessels},
		})
	}
	return writeJSONType(w, http.StatusOK, "application/geo+json", out)
}
