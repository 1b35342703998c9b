package event

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// Port is a port or anchorage point.
type Port struct {
	Name string // "AS SUWAYS", "SUEZ PORT"
	// Country is the ISO 3166-1 alpha-3 code ("EGY"), "" when unknown.
	Country  string
	Anchor   bool // an anchorage point rather than a port's reference point
	Lat, Lon float64
}

// ports.csv.gz holds, with the columns kind,lat,lon,label,iso3:
//   - kind "port": the World Port Index point list of
//     GlobalFishingWatch/anchorages_pipeline, path
//     pipe_anchorages/data/port_lists/WPI_ports.csv, commit
//     099169e4d5f29096e7c9421fa198cee0fe09a3ed (3,669 ports; derived from
//     the NGA World Port Index, a US Government work in the public domain;
//     repository licence Apache-2.0);
//   - kind "anchorage": Global Fishing Watch's named anchorages, same
//     repository and commit, path
//     pipe_anchorages/data/port_lists/anchorage_overrides.csv (60,410
//     points; Apache-2.0).
//
// Coordinates are rounded to 1e-5 degree (about a metre); the S2 cell ids
// and sublabels are dropped; one anchorage row with an impossible longitude
// (POINTE NOIRE at 11.84061,1001) is left out. See NOTICE.
//
//go:embed ports.csv.gz
var portsCSV []byte

// DefaultPorts returns the bundled ports and anchorages (64,078 points).
// Each call parses them afresh (about 30 ms): call it once and share the
// slice.
func DefaultPorts() []Port {
	ps, err := ReadPorts(bytes.NewReader(portsCSV))
	if err != nil {
		panic("event: bundled ports: " + err.Error()) // the embedded file is tested
	}
	return ps
}

// ReadPorts reads ports from CSV (plain or gzip) with a header naming at
// least the columns lat (or latitude), lon (or longitude) and label (or
// name); kind ("anchorage" or "port") and iso3 are optional.
func ReadPorts(r io.Reader) ([]Port, error) {
	br := bufio.NewReader(r)
	var rd io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("ports: %w", err)
		}
		rd = zr
	}
	cr := csv.NewReader(rd)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("ports: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	pick := func(names ...string) int {
		for _, n := range names {
			if i, ok := col[n]; ok {
				return i
			}
		}
		return -1
	}
	iLat, iLon, iName := pick("lat", "latitude"), pick("lon", "longitude"), pick("label", "name")
	iKind, iISO := pick("kind"), pick("iso3", "country")
	if iLat < 0 || iLon < 0 || iName < 0 {
		return nil, fmt.Errorf("ports: header needs lat, lon and label columns")
	}
	var ps []Port
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return ps, nil
		}
		if err != nil {
			return nil, fmt.Errorf("ports: %w", err)
		}
		lat, err1 := strconv.ParseFloat(rec[iLat], 64)
		lon, err2 := strconv.ParseFloat(rec[iLon], 64)
		if err1 != nil || err2 != nil || !(geo.Point{Lat: lat, Lon: lon}).Valid() {
			return nil, fmt.Errorf("ports: line %d: bad position", line)
		}
		p := Port{Name: rec[iName], Lat: lat, Lon: lon}
		if iKind >= 0 {
			p.Anchor = rec[iKind] == "anchorage"
		}
		if iISO >= 0 {
			p.Country = rec[iISO]
		}
		ps = append(ps, p)
	}
}

// portCell is the side of the port grid's cells, degrees.
const portCell = 0.25

// portIndex finds the nearest port to a point.
type portIndex struct {
	ports []Port
	cells map[int64][]portPt
	// occ has a bit for each cell of the grid that holds a port (see
	// occBit): most cells scanned are open sea, ruled out without a map
	// lookup.
	occ []uint64
}

// Rows and columns of the port grid: latitudes -90 to 90 (the row of 90
// included), longitudes -180 to 180.
const (
	portRows = int(180/portCell) + 1
	portCols = int(360 / portCell)
)

// occBit returns the bit of cell (row, col) in portIndex.occ, or -1 for
// a row outside the grid; col is in [-portCols/2, portCols/2).
func occBit(row, col int) int {
	row += portRows / 2
	if row < 0 || row >= portRows {
		return -1
	}
	return row*portCols + col + portCols/2
}

// portPt is a port in its cell: its position and index in ports, kept
// together for the scan.
type portPt struct {
	lat, lon float64
	i        int32
}

func cellKey(row, col int) int64 { return int64(row)<<32 | int64(uint32(col)) }

func newPortIndex(ports []Port) *portIndex {
	x := &portIndex{ports: ports, cells: make(map[int64][]portPt), occ: make([]uint64, (portRows*portCols+63)/64)}
	for i, p := range ports {
		row, col := int(math.Floor(p.Lat/portCell)), int(math.Floor(geo.NormalizeLon(p.Lon)/portCell))
		if col >= portCols/2 { // NormalizeLon may give 180
			col -= portCols
		}
		k := cellKey(row, col)
		x.cells[k] = append(x.cells[k], portPt{p.Lat, p.Lon, int32(i)})
		if b := occBit(row, col); b >= 0 {
			x.occ[b/64] |= 1 << (b % 64)
		} else {
			x.occ = nil // a port off the grid (not a valid position): no shortcut
		}
	}
	for _, c := range x.cells {
		// by latitude (then index, the order they came in): nearest
		// scans a cell from the query's latitude outwards
		slices.SortFunc(c, func(a, b portPt) int {
			switch {
			case a.lat < b.lat:
				return -1
			case a.lat > b.lat:
				return 1
			}
			return int(a.i - b.i)
		})
	}
	return x
}

// nearest returns the nearest port within radius metres of p and its
// distance, or -1 and radius when there is none.
//
// Most ports of the cells scanned are farther than the best so far: a
// lower bound of their distance, from the differences of latitude and
// longitude without trigonometry, rules them out before geo.Distance is
// computed. With h the haversine of the distance d,
// d = 2R·asin(√h) ≥ 2R·√h, and h ≥ sin²(Δφ/2) + c²·sin²(Δλ/2) where c is
// the cosine of the highest latitude scanned, and sin x ≥ x(1 - x²/6):
// so d² ≥ R²·(Δφ²k(Δφ)² + c²Δλ²k(Δλ)²) with k(x) = 1 - x²/24. A port is
// skipped only when that bound, less a margin for rounding, is beyond
// the best distance: the answer is the one every distance would give.
func (x *portIndex) nearest(p geo.Point, radius float64) (int, float64) {
	best, bestD := -1, radius
	if x == nil || len(x.ports) == 0 {
		return best, bestD
	}
	r := geo.RectAround(p, radius)
	r0, r1 := int(math.Floor(r.MinLat/portCell)), int(math.Floor(r.MaxLat/portCell))
	c0, c1 := int(math.Floor(r.MinLon/portCell)), int(math.Floor(r.MaxLon/portCell))
	ncol := int(360 / portCell)
	if c1 < c0 { // crosses the antimeridian
		c1 += ncol
	}
	if c1-c0 >= ncol {
		c0, c1 = -ncol/2, ncol/2-1
	}
	const toRad = math.Pi / 180
	top := min(90, max(math.Abs(float64(r0)*portCell), math.Abs(float64(r1+1)*portCell), math.Abs(p.Lat)))
	cc := math.Cos(top * toRad)
	cc *= cc
	rr := geo.EarthRadius * geo.EarthRadius * 0.999 // the margin for rounding
	// Ties: the port found last in the order of a plain scan (cells by
	// row, then column; ports of a cell by index) wins, as with "d <=
	// bestD" over every port in that order: rank is a port's place in
	// it.
	bestRank := [2]int{-1, -1}
	take := func(q *portPt, cell int) {
		d := geo.Distance(p, geo.Point{Lat: q.lat, Lon: q.lon})
		if d < bestD || d == bestD && (best < 0 || cell > bestRank[0] || cell == bestRank[0] && int(q.i) > bestRank[1]) {
			best, bestD, bestRank = int(q.i), d, [2]int{cell, int(q.i)}
		}
	}
	cell := 0
	for row := r0; row <= r1; row++ {
		for c := c0; c <= c1; c++ {
			cell++
			col := c
			if col >= ncol/2 {
				col -= ncol
			}
			if x.occ != nil {
				if b := occBit(row, col); b < 0 || x.occ[b/64]&(1<<(b%64)) == 0 {
					continue
				}
			}
			// A cell's ports are sorted by latitude: scan north and south
			// from the query's latitude, each way until the difference of
			// latitude alone (the bound with Δλ = 0, which grows with
			// |Δφ|) puts the ports beyond the best distance.
			pts := x.cells[cellKey(row, col)]
			j := sort.Search(len(pts), func(k int) bool { return pts[k].lat >= p.Lat })
			for _, dir := range [2]int{1, -1} {
				k := j
				if dir < 0 {
					k = j - 1
				}
				for ; k >= 0 && k < len(pts); k += dir {
					q := &pts[k]
					dφ := (q.lat - p.Lat) * toRad
					kφ := 1 - dφ*dφ/24
					if rr*dφ*dφ*kφ*kφ > bestD*bestD {
						break
					}
					dλ := geo.NormalizeLon(q.lon-p.Lon) * toRad
					kλ := 1 - dλ*dλ/24
					if rr*(dφ*dφ*kφ*kφ+cc*dλ*dλ*kλ*kλ) > bestD*bestD {
						continue
					}
					take(q, cell)
				}
			}
		}
	}
	return best, bestD
}

// nearCell is the side, in degrees, of the cells in which nearCache
// keeps a distance: about 1.1 km of latitude, so that two points of a
// cell are at most about 1.6 km apart.
const nearCell = 0.01

// nearCells bounds the cells a nearCache holds (about 3 MB): when it is
// full, it starts again empty.
const nearCells = 1 << 16

// nearCache keeps, per cell of nearCell degrees, the first point at
// which a distance was measured there (the nearest port's, capped) and
// that distance: another point's own distance is within the two points'
// distance of it, which often decides a comparison without a search. A
// miss costs no search of its own: the caller searches at its point, as
// it would without the cache, and puts the answer. The zero value is
// empty; it is a cache of what the port list gives, not engine state
// (LoadState starts it empty).
type nearCache struct {
	m      map[int64]nearPoint
	resets int // the times it was full and started again
}

// nearPoint is a point and the distance measured there.
type nearPoint struct {
	at geo.Point
	d  float64
}

func nearKey(pt geo.Point) int64 {
	return cellKey(int(math.Floor(pt.Lat/nearCell)), int(math.Floor(geo.NormalizeLon(pt.Lon)/nearCell)))
}

// get returns the point measured in pt's cell and its distance, ok false
// if none.
func (c *nearCache) get(pt geo.Point) (geo.Point, float64, bool) {
	n, ok := c.m[nearKey(pt)]
	return n.at, n.d, ok
}

// put keeps d, measured at pt, for pt's cell unless the cell has one.
func (c *nearCache) put(pt geo.Point, d float64) {
	k := nearKey(pt)
	if _, ok := c.m[k]; ok {
		return
	}
	if c.m == nil || len(c.m) >= nearCells {
		if c.m != nil {
			c.resets++
		}
		c.m = make(map[int64]nearPoint, 1024)
	}
	c.m[k] = nearPoint{at: pt, d: d}
}
