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
}

// portPt is a port in its cell: its position and index in ports, kept
// together for the scan.
type portPt struct {
	lat, lon float64
	i        int32
}

func cellKey(row, col int) int64 { return int64(row)<<32 | int64(uint32(col)) }

func newPortIndex(ports []Port) *portIndex {
	x := &portIndex{ports: ports, cells: make(map[int64][]portPt)}
	for i, p := range ports {
		k := cellKey(int(math.Floor(p.Lat/portCell)), int(math.Floor(geo.NormalizeLon(p.Lon)/portCell)))
		x.cells[k] = append(x.cells[k], portPt{p.Lat, p.Lon, int32(i)})
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
	for row := r0; row <= r1; row++ {
		for c := c0; c <= c1; c++ {
			col := c
			if col >= ncol/2 {
				col -= ncol
			}
			for _, q := range x.cells[cellKey(row, col)] {
				dφ := (q.lat - p.Lat) * toRad
				dλ := geo.NormalizeLon(q.lon-p.Lon) * toRad
				kφ, kλ := 1-dφ*dφ/24, 1-dλ*dλ/24
				if rr*(dφ*dφ*kφ*kφ+cc*dλ*dλ*kλ*kλ) > bestD*bestD {
					continue
				}
				if d := geo.Distance(p, geo.Point{Lat: q.lat, Lon: q.lon}); d <= bestD {
					best, bestD = int(q.i), d
				}
			}
		}
	}
	return best, bestD
}
