package store

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// point is one stored position in the store's own units: time in Unix
// milliseconds, latitude and longitude in 1/600000 degree (the AIS
// resolution, 0.19 m), speed, course and heading as AIS sends them.
type point struct {
	t      int64
	lat    int32
	lon    int32
	sog    uint16 // tenths of a knot, 1023 n/a
	cog    uint16 // tenths of a degree, 3600 n/a
	hdg    uint16 // degrees, 511 n/a
	status uint8
	track  uint8 // fusion's track hypothesis (vessel.Position.Track); 0 = none (in status's padding: a point stays 32 bytes)
	flags  uint16
	src    uint32 // source id in the block's (or head's) source table; 0 = none
}

// coordScale is the number of stored units per degree.
const coordScale = 600000

func toUnits(deg float64) int32 { return int32(math.Round(deg * coordScale)) }
func toDeg(u int32) float64     { return float64(u) / coordScale }

func pointOf(p *vessel.Position, src uint32) point {
	lat, lon := toUnits(p.Lat), toUnits(p.Lon)
	if !p.HasPosition() {
		lat, lon = 91*coordScale, 181*coordScale
	}
	return point{
		t: int64(p.Time), lat: lat, lon: lon,
		sog: uint16(min(p.SOG, vessel.NoSpeed)), cog: uint16(min(p.COG, vessel.NoCourse)),
		hdg: uint16(min(p.Heading, vessel.NoHeading)), status: uint8(p.Status & 15), flags: uint16(p.Flags), src: src,
		track: p.Track,
	}
}

func (p *point) position(mmsi vessel.MMSI, source string) vessel.Position {
	return vessel.Position{
		MMSI: mmsi, Time: vessel.Time(p.t), Lat: toDeg(p.lat), Lon: toDeg(p.lon),
		SOG: vessel.Speed(p.sog), COG: vessel.Course(p.cog), Heading: vessel.Heading(p.hdg),
		Status: vessel.NavStatus(p.status), Flags: vessel.Flags(p.flags), Track: p.track, Source: source,
	}
}

func (p *point) good() bool { return vessel.Flags(p.flags)&vessel.Bad == 0 }

// Chunk encoding (format version 2; version 1 lacks the track column). A
// chunk holds the positions of one vessel in time order:
//
//	uvarint count
//	byte    unit: 0 = times in milliseconds, 1 = every time a whole second
//	tracks  (version 2 only) uvarint n runs, then n × (uvarint length,
//	        byte track): the track ids (vessel.Position.Track) of the
//	        points in order, run-length coded; the lengths add up to count
//	first point: varint t/unit, varint lat, varint lon, uvarint sog, cog, hdg,
//	             byte status, uvarint flags, uvarint src
//	each further point: byte ctrl, then the fields ctrl announces
//
// ctrl bits: 0 sog changed, 1 cog changed, 2 heading changed, 3 status
// changed, 4 flags changed, 5 source changed, 6 the time step repeats the
// previous one (no time field), 7 the position repeats the previous one (no
// position fields). Otherwise the time is a zigzag varint of the change in
// step (delta of delta), and latitude and longitude are zigzag varints of
// the difference from a prediction that continues the previous motion for
// the new time step. Speed is a zigzag delta; course and heading are
// deltas modulo 3601 and 512 so that a course crossing north stays small.
const (
	ctrlSOG = 1 << iota
	ctrlCOG
	ctrlHdg
	ctrlStatus
	ctrlFlags
	ctrlSrc
	ctrlSameStep
	ctrlSamePos
)

func zz(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzz(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// predict continues the motion from p0 to p1 (dt0 apart) for dt.
func predict(p0, p1 int32, dt0, dt int64) int32 {
	if dt0 <= 0 || dt <= 0 || dt > 4*dt0 {
		return p1
	}
	d := int64(p1-p0) * dt / dt0
	v := int64(p1) + d
	if v > math.MaxInt32 || v < math.MinInt32 {
		return p1
	}
	return int32(v)
}

func modDelta(a, b, m int) int64 { // b-a mod m, in [-m/2, m/2]
	d := (b - a) % m
	if d < 0 {
		d += m
	}
	if d > m/2 {
		d -= m
	}
	return int64(d)
}

func modAdd(a int, d int64, m int) int {
	v := (int64(a) + d) % int64(m)
	if v < 0 {
		v += int64(m)
	}
	return int(v)
}

// appendChunk encodes pts (sorted by time) to dst.
func appendChunk(dst []byte, pts []point) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(pts)))
	if len(pts) == 0 {
		return dst
	}
	unit := int64(1000)
	for i := range pts {
		if pts[i].t%1000 != 0 {
			unit = 1
			break
		}
	}
	if unit == 1000 {
		dst = append(dst, 1)
	} else {
		dst = append(dst, 0)
	}
	dst = appendTrackRuns(dst, pts)
	p := &pts[0]
	dst = binary.AppendVarint(dst, p.t/unit)
	dst = binary.AppendVarint(dst, int64(p.lat))
	dst = binary.AppendVarint(dst, int64(p.lon))
	dst = binary.AppendUvarint(dst, uint64(p.sog))
	dst = binary.AppendUvarint(dst, uint64(p.cog))
	dst = binary.AppendUvarint(dst, uint64(p.hdg))
	dst = append(dst, p.status)
	dst = binary.AppendUvarint(dst, uint64(p.flags))
	dst = binary.AppendUvarint(dst, uint64(p.src))
	var step, prevStep int64 // in units
	for i := 1; i < len(pts); i++ {
		a, b := &pts[i-1], &pts[i]
		step = (b.t - a.t) / unit
		var ctrl byte
		if b.sog != a.sog {
			ctrl |= ctrlSOG
		}
		if b.cog != a.cog {
			ctrl |= ctrlCOG
		}
		if b.hdg != a.hdg {
			ctrl |= ctrlHdg
		}
		if b.status != a.status {
			ctrl |= ctrlStatus
		}
		if b.flags != a.flags {
			ctrl |= ctrlFlags
		}
		if b.src != a.src {
			ctrl |= ctrlSrc
		}
		if i > 1 && step == prevStep {
			ctrl |= ctrlSameStep
		}
		if b.lat == a.lat && b.lon == a.lon {
			ctrl |= ctrlSamePos
		}
		dst = append(dst, ctrl)
		if ctrl&ctrlSameStep == 0 {
			dst = binary.AppendUvarint(dst, zz(step-prevStep))
		}
		if ctrl&ctrlSamePos == 0 {
			var plat, plon int32 = a.lat, a.lon
			if i > 1 {
				z := &pts[i-2]
				dt0 := (a.t - z.t) / unit
				plat = predict(z.lat, a.lat, dt0, step)
				plon = predict(z.lon, a.lon, dt0, step)
			}
			dst = binary.AppendUvarint(dst, zz(int64(b.lat)-int64(plat)))
			dst = binary.AppendUvarint(dst, zz(int64(b.lon)-int64(plon)))
		}
		if ctrl&ctrlSOG != 0 {
			dst = binary.AppendUvarint(dst, zz(int64(b.sog)-int64(a.sog)))
		}
		if ctrl&ctrlCOG != 0 {
			dst = binary.AppendUvarint(dst, zz(modDelta(int(a.cog), int(b.cog), 3601)))
		}
		if ctrl&ctrlHdg != 0 {
			dst = binary.AppendUvarint(dst, zz(modDelta(int(a.hdg), int(b.hdg), 512)))
		}
		if ctrl&ctrlStatus != 0 {
			dst = append(dst, b.status)
		}
		if ctrl&ctrlFlags != 0 {
			dst = binary.AppendUvarint(dst, uint64(b.flags))
		}
		if ctrl&ctrlSrc != 0 {
			dst = binary.AppendUvarint(dst, uint64(b.src))
		}
		prevStep = step
	}
	return dst
}

// appendTrackRuns appends the track column of pts (version 2).
func appendTrackRuns(dst []byte, pts []point) []byte {
	runs := 1
	for i := 1; i < len(pts); i++ {
		if pts[i].track != pts[i-1].track {
			runs++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(runs))
	start := 0
	for i := 1; i <= len(pts); i++ {
		if i == len(pts) || pts[i].track != pts[start].track {
			dst = binary.AppendUvarint(dst, uint64(i-start))
			dst = append(dst, pts[start].track)
			start = i
		}
	}
	return dst
}

// chunkReader decodes a chunk; errors are ErrCorrupt.
type chunkReader struct {
	b   []byte
	err error
}

func (r *chunkReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *chunkReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *chunkReader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *chunkReader) fail() {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated chunk", ErrCorrupt)
	}
	r.b = nil
}

// maxChunkPoints bounds a chunk's declared count so that a corrupt count
// cannot make the decoder allocate without limit.
const maxChunkPoints = 1 << 20

// maxPointsPerChunk is how many positions the writer puts in one chunk.
const maxPointsPerChunk = 256

// chunkVersion is the chunk encoding appendChunk writes (the block
// version: a block's chunks are in its own version).
const chunkVersion = 2

// decodeChunk appends the points of chunk b (in the current version) to
// dst.
func decodeChunk(dst []point, b []byte) ([]point, error) {
	return decodeChunkUntil(dst, b, chunkVersion, math.MaxInt64)
}

// trackColumn reads the track runs of a chunk (validated beforehand).
type trackColumn struct {
	r     chunkReader
	left  uint64 // points left in the current run
	track uint8
}

// refill moves to the next run (called when left is 0; the hot path in
// the decoder checks left inline).
func (c *trackColumn) refill() {
	c.left, c.track = c.r.uvarint(), c.r.byte()
}

// decodeChunkUntil decodes chunk b in the given version (1 or 2) like
// decodeChunk, but stops after the first point later than until (a chunk
// is in time order); the rest is not validated.
func decodeChunkUntil(dst []point, b []byte, version uint16, until int64) ([]point, error) {
	r := chunkReader{b: b}
	n := r.uvarint()
	if n == 0 || r.err != nil {
		return dst, r.err
	}
	if n > maxChunkPoints || n > uint64(len(b)) {
		return dst, fmt.Errorf("%w: chunk declares %d points in %d bytes", ErrCorrupt, n, len(b))
	}
	unit := int64(1)
	if r.byte() == 1 {
		unit = 1000
	}
	// The track column (version 2): validated whole here, then read
	// run by run through tc as the points are decoded.
	var tc trackColumn
	if version >= 2 {
		nruns := r.uvarint()
		if r.err != nil || nruns == 0 || nruns > n {
			return dst, fmt.Errorf("%w: chunk of %d points declares %d track runs", ErrCorrupt, n, nruns)
		}
		tc.r.b = r.b
		var total uint64
		for k := uint64(0); k < nruns && r.err == nil; k++ {
			l := r.uvarint()
			r.byte()
			if l == 0 || l > n-total {
				r.fail()
			}
			total += l
		}
		if r.err != nil || total != n {
			return dst, fmt.Errorf("%w: chunk track runs do not add up to its %d points", ErrCorrupt, n)
		}
	} else {
		tc.left = n // version 1: no track ids
	}
	var p point
	p.t = r.varint() * unit
	p.lat = int32(r.varint())
	p.lon = int32(r.varint())
	p.sog = uint16(r.uvarint())
	p.cog = uint16(r.uvarint())
	p.hdg = uint16(r.uvarint())
	p.status = r.byte()
	p.flags = uint16(r.uvarint())
	p.src = uint32(r.uvarint())
	if tc.left == 0 {
		tc.refill()
	}
	tc.left--
	p.track = tc.track
	start := len(dst)
	dst = append(dst, p)
	var step, prevStep int64
	for i := uint64(1); i < n && r.err == nil; i++ {
		a := dst[len(dst)-1]
		b := a
		ctrl := r.byte()
		if ctrl&ctrlSameStep != 0 {
			step = prevStep
		} else {
			step = prevStep + unzz(r.uvarint())
		}
		b.t = a.t + step*unit
		if ctrl&ctrlSamePos == 0 {
			plat, plon := a.lat, a.lon
			if len(dst)-start > 1 {
				z := dst[len(dst)-2]
				dt0 := (a.t - z.t) / unit
				plat = predict(z.lat, a.lat, dt0, step)
				plon = predict(z.lon, a.lon, dt0, step)
			}
			b.lat = int32(int64(plat) + unzz(r.uvarint()))
			b.lon = int32(int64(plon) + unzz(r.uvarint()))
		}
		if ctrl&ctrlSOG != 0 {
			b.sog = uint16(int64(a.sog) + unzz(r.uvarint()))
		}
		if ctrl&ctrlCOG != 0 {
			b.cog = uint16(modAdd(int(a.cog), unzz(r.uvarint()), 3601))
		}
		if ctrl&ctrlHdg != 0 {
			b.hdg = uint16(modAdd(int(a.hdg), unzz(r.uvarint()), 512))
		}
		if ctrl&ctrlStatus != 0 {
			b.status = r.byte()
		}
		if ctrl&ctrlFlags != 0 {
			b.flags = uint16(r.uvarint())
		}
		if ctrl&ctrlSrc != 0 {
			b.src = uint32(r.uvarint())
		}
		if tc.left == 0 {
			tc.refill()
		}
		tc.left--
		b.track = tc.track
		prevStep = step
		dst = append(dst, b)
		if b.t > until {
			if r.err != nil {
				return dst[:start], r.err
			}
			return dst, nil
		}
	}
	if r.err != nil {
		return dst[:start], r.err
	}
	if len(r.b) != 0 {
		return dst[:start], fmt.Errorf("%w: %d bytes after the last point of a chunk", ErrCorrupt, len(r.b))
	}
	return dst, nil
}
