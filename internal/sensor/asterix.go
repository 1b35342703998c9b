package sensor

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tidewatch/tidewatch/internal/asterix"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// AsterixOptions configures an Asterix converter.
type AsterixOptions struct {
	// Sites are the radars' positions by SAC/SIC, to place CAT 048 polar
	// measurements; a radar's own CAT 034 I120 earlier in the input adds
	// one not configured.
	Sites map[asterix.SourceID]asterix.Site
	// Date resolves the time of day of records in a raw recording (a pcap
	// capture has its own packet times); zero means none, and the records
	// of a raw recording then fail with ErrNoTime.
	Date time.Time
	// Noise gives the PosErrM of CAT 048 polar measurements; the zero
	// value means DefaultNoise(). CAT 062 tracks take theirs from I062/500
	// APC when present, else 0 (unknown).
	Noise Noise
}

// Asterix turns ASTERIX CAT 048 target reports and CAT 062 system tracks
// into Detections: Source "SAC/SIC", Target the track number (I048/161,
// I062/040; "" for a plot without one), Time the record's time of day on
// the date of the reference time, position from I062/105 or from I048/040
// located from the radar's Site (at the record's flight level, sea level
// without one), motion from I048/200 or I062/185. CAT 034 records give
// sites; other records are skipped. It is not safe for concurrent use.
type Asterix struct {
	opt   AsterixOptions
	sites map[asterix.SourceID]asterix.Site
	dec   asterix.Decoder
	recs  []asterix.Record
	stats Stats
}

// NewAsterix returns an Asterix converter.
func NewAsterix(opt AsterixOptions) *Asterix {
	if opt.Noise == (Noise{}) {
		opt.Noise = DefaultNoise()
	}
	a := &Asterix{opt: opt, sites: map[asterix.SourceID]asterix.Site{}}
	for k, v := range opt.Sites {
		a.sites[k] = v
	}
	return a
}

// Stats returns the counters so far: Lines counts records; decoding
// errors are counted once per bad data block, with Line the number of the
// datagram (pcap) or 1 (raw).
func (a *Asterix) Stats() Stats { return a.stats }

// Decoder returns the underlying decoder, for its per-class counters.
func (a *Asterix) Decoder() *asterix.Decoder { return &a.dec }

// Decode decodes one UDP payload or raw recording, numbered n for errors,
// with ref the capture time (zero: AsterixOptions.Date), and appends its
// detections to dst.
func (a *Asterix) Decode(dst []vessel.Detection, payload []byte, n int, ref time.Time) []vessel.Detection {
	var err error
	a.recs, err = a.dec.Decode(a.recs[:0], payload)
	if err != nil {
		a.stats.fail(&LineError{Line: n, Err: err})
	}
	if ref.IsZero() {
		ref = a.opt.Date
	}
	for i := range a.recs {
		r := &a.recs[i]
		a.stats.Lines++
		src, _ := r.Source()
		switch r.Category {
		case 34:
			if r.Has(120) {
				if _, known := a.sites[src]; !known {
					p := r.Cat034.I120
					a.sites[src] = asterix.Site{Lat: p.Lat, Lon: p.Lon, HeightM: p.HeightM}
				}
			}
			a.stats.Skipped++
			continue
		case 48, 62:
		default:
			a.stats.Skipped++
			continue
		}
		d, err := a.detection(r, src, ref, n)
		if err != nil {
			a.stats.fail(err)
			continue
		}
		a.stats.Detections++
		dst = append(dst, d)
	}
	return dst
}

func (a *Asterix) detection(r *asterix.Record, src asterix.SourceID, ref time.Time, n int) (vessel.Detection, error) {
	d := vessel.Detection{Sensor: vessel.SensorRadar,
		Source: strconv.Itoa(int(src.SAC)) + "/" + strconv.Itoa(int(src.SIC))}
	if ref.IsZero() {
		return d, &LineError{Line: n, Field: fmt.Sprintf("CAT %03d record at byte %d", r.Category, r.Offset), Err: ErrNoTime}
	}
	t, ok := r.Time(ref)
	if !ok {
		return d, &LineError{Line: n, Field: fmt.Sprintf("CAT %03d record at byte %d", r.Category, r.Offset), Err: ErrNoTime}
	}
	d.Time = vessel.TimeOf(t)
	d.Scene = d.Source + " " + d.Time.String()
	if tr, ok := r.Track(); ok {
		d.Target = strconv.Itoa(int(tr))
	}
	if v, ok := r.Velocity(); ok {
		d.SpeedKn, d.CourseDeg = v.Speed*3600/1852, v.Course
		d.Has |= vessel.HasMotion
	}
	if p, ok := r.WGS84(); ok {
		d.Lat, d.Lon = p.Lat, p.Lon
		if acc := &r.Cat062.I500; r.Category == 62 && r.Has(500) && acc.Has(0) {
			d.PosErrM = (acc.APCX + acc.APCY) / 2
		}
		return d, nil
	}
	p, ok := r.Polar()
	if !ok {
		return d, &LineError{Line: n, Field: fmt.Sprintf("CAT %03d record at byte %d", r.Category, r.Offset), Err: ErrNoPosition}
	}
	site, known := a.sites[p.Radar]
	if !known {
		return d, &LineError{Line: n, Field: fmt.Sprintf("radar %d/%d", p.Radar.SAC, p.Radar.SIC), Err: ErrNoPosition}
	}
	h := 0.0
	if fl, ok := r.FlightLevel(); ok && fl > 0 {
		h = fl * 100 * 0.3048
	}
	pos, ok := site.Locate(p.RangeM, p.Azimuth, h)
	if !ok {
		return d, &LineError{Line: n, Field: fmt.Sprintf("CAT %03d record at byte %d", r.Category, r.Offset), Err: ErrNoPosition}
	}
	d.Lat, d.Lon = pos.Lat, pos.Lon
	d.Has |= vessel.HasPolar
	d.RangeM, d.BearingDeg = p.RangeM, p.Azimuth
	d.SensorLat, d.SensorLon = site.Lat, site.Lon
	d.PosErrM = a.opt.Noise.PosErrM(p.RangeM)
	return d, nil
}

// maxRaw bounds a raw (non-pcap) ASTERIX recording read into memory.
const maxRaw = 1 << 30

// IsPcap reports whether b starts with a classic libpcap magic number.
func IsPcap(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	for _, m := range [][]byte{{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, {0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}} {
		if bytes.Equal(b[:4], m) {
			return true
		}
	}
	return false
}

// ReadAsterix reads a pcap capture of ASTERIX over UDP (recognised by its
// magic number) or a raw recording of data blocks, and calls emit for
// every detection. Bad records are counted in Stats; the error is the
// first from rd or emit, or a pcap file header that cannot be read.
func ReadAsterix(rd io.Reader, opt AsterixOptions, emit func(*vessel.Detection) error) (Stats, error) {
	a := NewAsterix(opt)
	br := bufio.NewReaderSize(rd, 64<<10)
	magic, _ := br.Peek(4)
	var out []vessel.Detection
	send := func() error {
		for i := range out {
			if err := emit(&out[i]); err != nil {
				return err
			}
		}
		out = out[:0]
		return nil
	}
	if IsPcap(magic) {
		p, err := asterix.NewPcapReader(br)
		if err != nil {
			return a.stats, err
		}
		for n := 1; ; n++ {
			dg, err := p.Next()
			if err == io.EOF {
				return a.stats, nil
			}
			if err != nil {
				return a.stats, err
			}
			out = a.Decode(out, dg.Payload, n, dg.Time)
			if err := send(); err != nil {
				return a.stats, err
			}
		}
	}
	data, err := io.ReadAll(io.LimitReader(br, maxRaw+1))
	if err != nil {
		return a.stats, err
	}
	if len(data) > maxRaw {
		return a.stats, fmt.Errorf("sensor: raw ASTERIX recording larger than %d bytes", maxRaw)
	}
	out = a.Decode(out, data, 1, time.Time{})
	return a.stats, send()
}
