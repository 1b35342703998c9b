package httpapi

import (
	"net/http"

	"github.com/tidewatch/tidewatch/internal/geo"
)

type zoneFeature struct {
	Type       string         `json:"type"`
	Geometry   zoneGeometry   `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type zoneGeometry struct {
	Type        string          `json:"type"`
	Coordinates [][][][]float64 `json:"coordinates"`
}

type zoneCollection struct {
	Type     string        `json:"type"`
	Features []zoneFeature `json:"features"`
}

func ringCoords(r geo.Ring) [][]float64 {
	out := make([][]float64, len(r))
	for i, p := range r {
		out[i] = []float64{p.Lon, p.Lat}
	}
	return out
}

// zones answers GET /api/v1/zones: the node's zones for zone entry and
// exit events, as a GeoJSON FeatureCollection of MultiPolygons with their
// properties (and "name").
func (a *api) zones(w http.ResponseWriter, r *http.Request) error {
	fc := zoneCollection{Type: "FeatureCollection", Features: []zoneFeature{}}
	for _, z := range a.cfg.Zones {
		g := zoneGeometry{Type: "MultiPolygon"}
		for _, pg := range z.Area {
			poly := [][][]float64{ringCoords(pg.Outer)}
			for _, h := range pg.Holes {
				poly = append(poly, ringCoords(h))
			}
			g.Coordinates = append(g.Coordinates, poly)
		}
		props := map[string]any{}
		for k, v := range z.Properties {
			props[k] = v
		}
		props["name"] = z.Name
		fc.Features = append(fc.Features, zoneFeature{Type: "Feature", Geometry: g, Properties: props})
	}
	return writeJSONType(w, http.StatusOK, "application/geo+json", fc)
}
