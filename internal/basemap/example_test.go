package basemap_test

import (
	"bytes"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/tidewatch/tidewatch/internal/basemap"
)

// Example builds an archive of one island and one port, detailed to zoom
// 10 around them, and checks it as a node does before serving it.
func Example() {
	island := geojson.NewFeature(orb.Polygon{{{103.6, 1.2}, {104.0, 1.2}, {104.0, 1.47}, {103.6, 1.47}, {103.6, 1.2}}})
	port := geojson.NewFeature(orb.Point{103.85, 1.283})
	port.Properties = geojson.Properties{"name": "KEPPEL"}
	var buf bytes.Buffer
	st, err := basemap.Build(&buf, []basemap.Layer{
		{Name: "land", Features: []*geojson.Feature{island}},
		{Name: "ports", MinZoom: 5, Features: []*geojson.Feature{port}},
	}, basemap.Options{MaxZoom: 10, WorldMaxZoom: 4, Detail: []orb.Bound{{Min: orb.Point{103.5, 1.1}, Max: orb.Point{104.1, 1.5}}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	info, err := basemap.Inspect(bytes.NewReader(buf.Bytes()), int64(buf.Len()), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.PerZoom[10] > 0, info.MaxZoom, info.Layers)
	// Output: true 10 [land ports]
}
