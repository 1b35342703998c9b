package simulate

import (
	"math"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// Lane is an ocean shipping lane: the waypoints, at sea, that merchant
// ships on a long voyage follow between two regions, far from the ports
// in between. Ships on a lane (Config.LaneShare) sail it end to end, wait
// at the end for a few hours, and sail it back.
type Lane struct {
	Name     string
	From, To string // the ends, as a ship's AIS destination names them
	Points   []geo.Point
	// Weight is the lane's share of the lane traffic, relative to the
	// others' (the busiest lanes carry several times the traffic of the
	// quietest).
	Weight float64
}

func pt(lat, lon float64) geo.Point { return geo.Point{Lat: lat, Lon: lon} }

// Lanes returns the shipping lanes of the simulation: those of the Indian
// Ocean (the Red Sea and Bab-el-Mandeb, the Gulf of Aden, Hormuz and the
// Gulf of Oman, the Arabian Sea, round Sri Lanka, the Bay of Bengal, the
// approaches to Malacca, the Cape route, the Mozambique Channel and the
// east African coast, the route to Australia) and the world's main ocean
// lanes (the North Atlantic, the Mediterranean, the Cape to Europe,
// Panama, the Pacific, the South China Sea). The waypoints follow the
// usual routes at a coarse scale; every leg is clear of the 1:50m Natural
// Earth land (TestLanesAtSea). A new slice each call.
func Lanes() []Lane {
	// Shared stretches.
	redSea := []geo.Point{pt(29.6, 32.55), pt(28.8, 33.0), pt(28.0, 33.55), pt(27.6, 33.9), pt(24.0, 36.2), pt(20.0, 38.6), pt(16.0, 41.0), pt(14.2, 42.0), pt(13.0, 43.1), pt(12.6, 43.35), pt(12.0, 44.5)}
	adenEast := []geo.Point{pt(12.3, 46.0), pt(13.4, 50.0), pt(14.0, 53.0)}
	hormuz := []geo.Point{pt(26.9, 51.9), pt(26.4, 53.8), pt(26.05, 55.6), pt(26.45, 56.4), pt(25.6, 57.1), pt(24.4, 58.6), pt(22.8, 60.1)}
	dondra := []geo.Point{pt(5.6, 80.6), pt(5.9, 85.0)}
	toMalacca := []geo.Point{pt(6.1, 90.0), pt(6.2, 94.3), pt(5.7, 97.0), pt(4.0, 99.3), pt(2.8, 100.9), pt(1.7, 102.5), pt(1.2, 103.6)}
	cape := []geo.Point{pt(-34.6, 18.2), pt(-35.5, 20.0), pt(-35.2, 24.0)}
	cat := func(parts ...[]geo.Point) []geo.Point {
		var out []geo.Point
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	rev := func(ps []geo.Point) []geo.Point {
		out := make([]geo.Point, len(ps))
		for i, p := range ps {
			out[len(ps)-1-i] = p
		}
		return out
	}
	return []Lane{
		// Indian Ocean.
		{Name: "Suez-Malacca", From: "SUEZ", To: "SINGAPORE", Weight: 6,
			Points: cat(redSea, adenEast, []geo.Point{pt(12.5, 58.0), pt(9.0, 68.0), pt(6.6, 76.5)}, dondra, toMalacca)},
		{Name: "Hormuz-Malacca", From: "RAS TANURA", To: "SINGAPORE", Weight: 6,
			Points: cat(hormuz, []geo.Point{pt(18.0, 64.0), pt(11.0, 72.0), pt(6.6, 78.0)}, dondra, toMalacca)},
		{Name: "Hormuz-Red Sea", From: "RAS TANURA", To: "SUEZ", Weight: 3,
			Points: cat(hormuz, []geo.Point{pt(20.5, 60.3), pt(16.5, 56.5)}, rev(adenEast), rev(redSea))},
		{Name: "Hormuz-Cape", From: "RAS TANURA", To: "CAPE TOWN", Weight: 3,
			Points: cat(hormuz, []geo.Point{pt(16.0, 62.5), pt(5.0, 60.0), pt(-10.0, 56.5), pt(-20.0, 53.5), pt(-27.5, 46.0), pt(-33.0, 32.0)}, rev(cape))},
		{Name: "Cape-Malacca", From: "CAPE TOWN", To: "SINGAPORE", Weight: 2,
			Points: cat(cape, []geo.Point{pt(-32.0, 40.0), pt(-24.0, 60.0), pt(-12.0, 80.0), pt(-1.0, 92.0), pt(6.2, 94.3), pt(5.7, 97.0), pt(4.0, 99.3), pt(2.8, 100.9), pt(1.7, 102.5), pt(1.2, 103.6)})},
		{Name: "Bay of Bengal", From: "KOLKATA", To: "COLOMBO", Weight: 2,
			Points: []geo.Point{pt(21.0, 88.2), pt(17.5, 86.5), pt(12.0, 83.5), pt(7.5, 82.3), pt(5.7, 81.5), pt(5.7, 80.3), pt(6.5, 79.7), pt(6.8, 79.7)}},
		{Name: "Bengal-Malacca", From: "CHITTAGONG", To: "SINGAPORE", Weight: 2,
			Points: cat([]geo.Point{pt(21.6, 91.3), pt(18.0, 90.5), pt(12.0, 91.0), pt(7.0, 92.0)}, toMalacca[1:])},
		{Name: "West India coast", From: "MUMBAI", To: "COLOMBO", Weight: 2,
			Points: []geo.Point{pt(18.9, 72.6), pt(15.0, 73.2), pt(10.0, 75.6), pt(7.6, 76.8), pt(6.6, 78.5), pt(6.8, 79.7)}},
		{Name: "Karachi-Red Sea", From: "KARACHI", To: "JEDDAH", Weight: 1,
			Points: cat([]geo.Point{pt(24.6, 66.8), pt(22.5, 62.0), pt(17.0, 56.2)}, rev(adenEast), rev(redSea[3:]))},
		{Name: "East Africa", From: "DURBAN", To: "DJIBOUTI", Weight: 2,
			Points: []geo.Point{pt(-29.9, 31.2), pt(-25.5, 35.7), pt(-20.0, 36.8), pt(-15.5, 41.2), pt(-10.5, 41.0), pt(-6.5, 40.2), pt(-4.1, 40.0), pt(0.0, 43.5), pt(5.5, 50.5), pt(11.0, 52.6), pt(12.4, 51.3), pt(12.2, 46.0), pt(11.8, 43.6)}},
		{Name: "Australia-Gulf", From: "FREMANTLE", To: "FUJAIRAH", Weight: 2,
			Points: []geo.Point{pt(-32.1, 115.3), pt(-28.0, 108.0), pt(-10.0, 85.0), pt(5.0, 72.5), pt(15.0, 64.0), pt(22.8, 60.1), pt(25.1, 56.6)}},
		{Name: "Sunda-Colombo", From: "SUNDA STRAIT", To: "COLOMBO", Weight: 1,
			Points: []geo.Point{pt(-6.9, 104.8), pt(-6.0, 101.0), pt(-3.0, 97.5), pt(2.5, 90.0), pt(5.5, 81.5), pt(5.7, 80.3), pt(6.5, 79.7), pt(6.8, 79.7)}},
		// The world.
		{Name: "North Atlantic", From: "ROTTERDAM", To: "NEW YORK", Weight: 3,
			Points: []geo.Point{pt(51.9, 3.6), pt(51.0, 1.6), pt(50.0, -1.5), pt(49.4, -5.5), pt(48.0, -12.0), pt(43.5, -40.0), pt(40.5, -60.0), pt(40.4, -73.7)}},
		{Name: "Mediterranean", From: "GIBRALTAR", To: "PORT SAID", Weight: 3,
			Points: []geo.Point{pt(35.95, -5.6), pt(36.6, 0.0), pt(37.5, 9.5), pt(37.3, 11.5), pt(36.2, 14.8), pt(34.0, 24.0), pt(31.6, 32.3)}},
		{Name: "Gibraltar-Channel", From: "GIBRALTAR", To: "HAMBURG", Weight: 2,
			Points: []geo.Point{pt(35.95, -5.6), pt(36.0, -7.0), pt(37.0, -9.6), pt(43.3, -9.9), pt(48.7, -5.6), pt(50.2, -1.0), pt(50.6, 0.6), pt(51.05, 1.55), pt(52.6, 3.2), pt(53.6, 5.0), pt(54.05, 7.5), pt(54.0, 8.3)}},
		{Name: "Cape-Europe", From: "CAPE TOWN", To: "ROTTERDAM", Weight: 2,
			Points: []geo.Point{pt(-34.6, 18.2), pt(-25.0, 11.0), pt(-5.0, 3.0), pt(5.0, -13.0), pt(10.0, -19.0), pt(14.5, -18.2), pt(28.0, -16.0), pt(36.5, -10.5), pt(43.3, -9.9), pt(48.7, -5.6), pt(50.2, -1.0), pt(50.6, 0.6), pt(51.05, 1.55), pt(51.9, 3.6)}},
		{Name: "Panama-Europe", From: "COLON", To: "ROTTERDAM", Weight: 2,
			Points: []geo.Point{pt(9.5, -79.9), pt(14.0, -75.0), pt(17.0, -68.0), pt(18.7, -67.8), pt(21.0, -65.0), pt(35.0, -50.0), pt(46.0, -15.0), pt(49.4, -5.5), pt(50.2, -1.0), pt(50.6, 0.6), pt(51.05, 1.55), pt(51.9, 3.6)}},
		{Name: "Panama-Los Angeles", From: "BALBOA", To: "LOS ANGELES", Weight: 2,
			Points: []geo.Point{pt(8.7, -79.5), pt(7.3, -79.6), pt(6.9, -80.5), pt(7.0, -81.5), pt(12.0, -90.0), pt(16.0, -99.5), pt(17.5, -104.0), pt(22.6, -110.6), pt(27.0, -116.0), pt(31.5, -118.5), pt(33.6, -118.15)}},
		{Name: "North Pacific", From: "YOKOHAMA", To: "VANCOUVER", Weight: 2,
			Points: []geo.Point{pt(34.9, 139.6), pt(34.55, 140.0), pt(34.8, 141.0), pt(40.0, 155.0), pt(47.0, 175.0), pt(49.0, -160.0), pt(48.4, -130.0), pt(48.4, -124.8)}},
		{Name: "South China Sea", From: "SINGAPORE", To: "SHANGHAI", Weight: 4,
			Points: []geo.Point{pt(1.2, 103.9), pt(1.5, 104.6), pt(5.0, 106.0), pt(11.0, 110.0), pt(19.0, 113.5), pt(21.8, 115.2), pt(22.8, 117.9), pt(24.5, 119.6), pt(26.5, 121.0), pt(29.0, 122.9), pt(30.8, 123.0)}},
		{Name: "Shanghai-Los Angeles", From: "SHANGHAI", To: "LOS ANGELES", Weight: 2,
			Points: []geo.Point{pt(30.8, 123.0), pt(29.5, 128.0), pt(30.0, 132.5), pt(33.2, 138.5), pt(38.0, 160.0), pt(38.0, -150.0), pt(32.5, -121.0), pt(33.2, -118.1), pt(33.6, -118.15)}},
	}
}

// laneLength returns the length of a path in metres.
func laneLength(ps []geo.Point) float64 {
	var d float64
	for i := 1; i < len(ps); i++ {
		d += geo.Distance(ps[i-1], ps[i])
	}
	return d
}

// offsetPath returns ps shifted by off metres to the right of the
// direction of travel at every interior waypoint (ships keep to the
// starboard side of a lane, and spread across it); the ends stay.
func offsetPath(ps []geo.Point, off float64) []geo.Point {
	out := make([]geo.Point, len(ps))
	copy(out, ps)
	if off == 0 {
		return out
	}
	for i := 1; i < len(ps)-1; i++ {
		b1 := geo.Bearing(ps[i-1], ps[i])
		b2 := geo.Bearing(ps[i], ps[i+1])
		mean := math.Atan2(math.Sin(b1*math.Pi/180)+math.Sin(b2*math.Pi/180), math.Cos(b1*math.Pi/180)+math.Cos(b2*math.Pi/180)) * 180 / math.Pi
		out[i] = geo.Destination(ps[i], mean+90, off)
	}
	return out
}
