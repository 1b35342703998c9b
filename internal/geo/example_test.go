package geo_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/tidewatch/tidewatch/internal/geo"
)

func ExampleDistance() {
	a := geo.Point{Lat: 0, Lon: 179.5}
	b := geo.Point{Lat: 0, Lon: -179.5} // across the antimeridian
	fmt.Printf("%.0f m, bearing %.0f°\n", geo.Distance(a, b), geo.Bearing(a, b))
	fmt.Println(geo.Interpolate(a, b, 0.5))
	// Output:
	// 111195 m, bearing 90°
	// 0,-180
}

func ExampleClosestApproach() {
	// Two consecutive reports of a ship, and a buoy.
	a := geo.Point{Lat: 51.90, Lon: 3.90}
	b := geo.Point{Lat: 51.90, Lon: 4.00}
	buoy := geo.Point{Lat: 51.91, Lon: 3.97}
	f, d := geo.ClosestApproach(a, b, buoy)
	fmt.Printf("closest at %.2f of the way, %.0f m, at %v\n", f, d, geo.Interpolate(a, b, f))
	// Output:
	// closest at 0.70 of the way, 1111 m, at 51.900009,3.969996
}

func ExampleDefaultLand() {
	land, err := geo.DefaultLand() // once, at start-up
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(land.OnLand(geo.Point{Lat: 48.8566, Lon: 2.3522})) // Paris
	fmt.Println(land.OnLand(geo.Point{Lat: 30, Lon: -40}))         // mid-Atlantic
	// Output:
	// true
	// false
}

func ExampleIndex() {
	zones, err := geo.ReadGeoJSON(strings.NewReader(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"name":"Fiji box"},
		 "geometry":{"type":"Polygon","coordinates":[[[176,-20],[-178,-20],[-178,-15],[176,-15],[176,-20]]]}},
		{"type":"Feature","properties":{"name":"east of 180"},
		 "geometry":{"type":"Polygon","coordinates":[[[-179,-25],[-170,-25],[-170,-10],[-179,-10],[-179,-25]]]}}]}`))
	if err != nil {
		log.Fatal(err)
	}
	items := make([]geo.MultiPolygon, len(zones))
	for i, z := range zones {
		items[i] = z.Geometry
	}
	idx, err := geo.NewIndex(items, geo.IndexOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range []geo.Point{{Lat: -17, Lon: 179}, {Lat: -17, Lon: -178.5}, {Lat: -17, Lon: 170}} {
		fmt.Print(p, ":")
		for _, i := range idx.Containing(p) {
			fmt.Print(" ", zones[i].Properties["name"])
		}
		fmt.Println()
	}
	// Output:
	// -17,179: Fiji box
	// -17,-178.5: Fiji box east of 180
	// -17,170:
}
