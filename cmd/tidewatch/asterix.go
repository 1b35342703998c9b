package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/asterix"
)

const asterixUsage = `Usage: tidewatch asterix [--site SAC/SIC=LAT,LON[,HEIGHT_M]]... [--stats] FILE...

Decode EUROCONTROL ASTERIX radar data (CAT 048 target reports, CAT 062
system tracks, CAT 034 service messages) and write one JSON object per
record. A FILE is a classic libpcap capture of ASTERIX over UDP (recognised
by its magic number) or a raw recording of back-to-back data blocks; "-" is
standard input.

Each object has "cat", "sac", "sic", and when the record carries them
"tod" (time of day, s), "time" (the time of day on the capture's date, for
pcap input), "track", "lat"/"lon" (CAT 062 I105; CAT 048 I040 located from the
radar's site), "rho_nm"/"theta_deg", "speed_ms"/"course_deg", "mode3a", "fl",
then "items": every item decoded field by field ("I010", "I140", ...).
A radar's site is taken from --site, else from the radar's own CAT 034
I120 earlier in the input; CAT 048 targets are placed at their flight
level, or at sea level without one.
Other categories are skipped and counted; malformed records are counted by
class and the first one of each file is reported on stderr. The exit status
is 0 unless reading or writing fails.

Options:
`

func runAsterix(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("asterix", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sites := map[asterix.SourceID]asterix.Site{}
	fs.Func("site", "radar site `SAC/SIC=LAT,LON[,HEIGHT_M]` (WGS-84, repeatable) for locating CAT 048 polar positions", func(v string) error {
		id, s, err := parseSite(v)
		if err == nil {
			sites[id] = s
		}
		return err
	})
	stats := fs.Bool("stats", false, "print the records and errors by class on stderr")
	fs.Usage = func() {
		fmt.Fprint(stderr, asterixUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	w := bufio.NewWriterSize(stdout, 64<<10)
	var d asterix.Decoder
	for _, name := range fs.Args() {
		if err := ctx.Err(); err != nil {
			return err
		}
		first, err := asterixFile(ctx, name, stdin, w, &d, sites)
		if err != nil {
			w.Flush()
			return err
		}
		if first != nil {
			fmt.Fprintf(stderr, "tidewatch asterix: %s: first malformed record: %v\n", name, first)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if *stats {
		s := &d.Stats
		fmt.Fprintf(stderr, "blocks %d, records %d (CAT 034 %d, CAT 048 %d, CAT 062 %d), skipped blocks %d",
			s.Blocks, s.Records, s.ByCategory[34], s.ByCategory[48], s.ByCategory[62], s.SkippedBlocks)
		for c, n := range s.SkippedByCat {
			if n > 0 {
				fmt.Fprintf(stderr, " (CAT %03d: %d)", c, n)
			}
		}
		fmt.Fprintf(stderr, "\nerrors %d: truncated %d, block_length %d, undefined_item %d, item %d, empty_record %d, range %d; %d bytes skipped\n",
			s.Errors(), s.Truncated, s.BlockLength, s.UndefinedItem, s.Item, s.EmptyRecord, s.Range, s.SkippedBytes)
	}
	return nil
}

func parseSite(s string) (asterix.SourceID, asterix.Site, error) {
	src, pos, ok := strings.Cut(s, "=")
	sac, sic, ok2 := strings.Cut(src, "/")
	a, err1 := strconv.ParseUint(sac, 10, 8)
	b, err2 := strconv.ParseUint(sic, 10, 8)
	if !ok || !ok2 || err1 != nil || err2 != nil {
		return asterix.SourceID{}, asterix.Site{}, fmt.Errorf("want SAC/SIC=LAT,LON[,HEIGHT_M], got %q", s)
	}
	parts := strings.Split(pos, ",")
	if len(parts) < 2 || len(parts) > 3 {
		return asterix.SourceID{}, asterix.Site{}, fmt.Errorf("want SAC/SIC=LAT,LON[,HEIGHT_M], got %q", s)
	}
	var v [3]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return asterix.SourceID{}, asterix.Site{}, fmt.Errorf("%q: %w", p, err)
		}
		v[i] = f
	}
	if v[0] < -90 || v[0] > 90 || v[1] < -180 || v[1] > 180 {
		return asterix.SourceID{}, asterix.Site{}, fmt.Errorf("%q is not a latitude and longitude", pos)
	}
	return asterix.SourceID{SAC: uint8(a), SIC: uint8(b)}, asterix.Site{Lat: v[0], Lon: v[1], HeightM: v[2]}, nil
}

// maxRawFile bounds a raw (non-pcap) recording read into memory.
const maxRawFile = 1 << 30

// asterixFile decodes one file. first is the first decoding error (counted
// and reported, not fatal); err is a failure to read or write.
// Sites configured with --site are kept; a CAT 034 I120 adds the site of a
// radar not configured.
func asterixFile(ctx context.Context, name string, stdin io.Reader, w *bufio.Writer, d *asterix.Decoder, sites map[asterix.SourceID]asterix.Site) (first, err error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(4)
	var recs []asterix.Record
	emit := func(payload []byte, capture time.Time) error {
		var err error
		recs, err = d.Decode(recs[:0], payload)
		if err != nil && first == nil {
			first = err
		}
		for i := range recs {
			r := &recs[i]
			if src, ok := r.Source(); ok && r.Category == 34 && r.Has(120) {
				if _, known := sites[src]; !known {
					p := r.Cat034.I120
					sites[src] = asterix.Site{Lat: p.Lat, Lon: p.Lon, HeightM: p.HeightM}
				}
			}
			b, err := appendRecord(w.AvailableBuffer(), r, capture, sites)
			if err != nil {
				return err
			}
			if _, err := w.Write(b); err != nil {
				return fmt.Errorf("write: %w", err)
			}
		}
		return nil
	}
	if isPcap(magic) {
		p, err := asterix.NewPcapReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for {
			if err := ctx.Err(); err != nil {
				return first, err
			}
			dg, err := p.Next()
			if err == io.EOF {
				return first, nil
			}
			if err != nil {
				return first, fmt.Errorf("%s: %w", name, err)
			}
			if err := emit(dg.Payload, dg.Time); err != nil {
				return first, err
			}
		}
	}
	data, err := io.ReadAll(io.LimitReader(br, maxRawFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxRawFile {
		return nil, fmt.Errorf("%s: raw recording larger than %d bytes", name, maxRawFile)
	}
	return first, emit(data, time.Time{})
}

func isPcap(m []byte) bool {
	if len(m) < 4 {
		return false
	}
	for _, magic := range [][]byte{{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, {0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}} {
		if bytes.Equal(m[:4], magic) {
			return true
		}
	}
	return false
}

// asterixLine is the JSON object written per record.
type asterixLine struct {
	Cat      uint8          `json:"cat"`
	SAC      *uint8         `json:"sac,omitempty"`
	SIC      *uint8         `json:"sic,omitempty"`
	TOD      *float64       `json:"tod,omitempty"`
	Time     string         `json:"time,omitempty"`
	Track    *uint16        `json:"track,omitempty"`
	Lat      *float64       `json:"lat,omitempty"`
	Lon      *float64       `json:"lon,omitempty"`
	RhoNM    *float64       `json:"rho_nm,omitempty"`
	ThetaDeg *float64       `json:"theta_deg,omitempty"`
	SpeedMS  *float64       `json:"speed_ms,omitempty"`
	Course   *float64       `json:"course_deg,omitempty"`
	Mode3A   string         `json:"mode3a,omitempty"`
	FL       *float64       `json:"fl,omitempty"`
	Items    map[string]any `json:"items"`
}

func ptr[T any](v T) *T { return &v }

func appendRecord(b []byte, r *asterix.Record, capture time.Time, sites map[asterix.SourceID]asterix.Site) ([]byte, error) {
	l := asterixLine{Cat: r.Category, Items: map[string]any{}}
	if s, ok := r.Source(); ok {
		l.SAC, l.SIC = ptr(s.SAC), ptr(s.SIC)
	}
	if tod, ok := r.TimeOfDay(); ok {
		l.TOD = ptr(tod.Seconds())
		if !capture.IsZero() {
			t, _ := r.Time(capture)
			l.Time = t.Format(time.RFC3339Nano)
		}
	}
	if n, ok := r.Track(); ok {
		l.Track = ptr(n)
	}
	fl, hasFL := r.FlightLevel()
	if hasFL {
		l.FL = ptr(fl)
	}
	if p, ok := r.WGS84(); ok && r.Category == 62 {
		l.Lat, l.Lon = ptr(p.Lat), ptr(p.Lon)
	}
	if p, ok := r.Polar(); ok {
		l.RhoNM, l.ThetaDeg = ptr(p.RangeM/1852), ptr(p.Azimuth)
		if site, ok := sites[p.Radar]; ok && r.Category == 48 {
			h := 0.0
			if hasFL {
				h = fl * 100 * 0.3048
			}
			if pos, ok := site.Locate(p.RangeM, p.Azimuth, h); ok {
				l.Lat, l.Lon = ptr(pos.Lat), ptr(pos.Lon)
			}
		}
	}
	if v, ok := r.Velocity(); ok {
		l.SpeedMS, l.Course = ptr(v.Speed), ptr(v.Course)
	}
	if c, ok := r.Mode3A(); ok {
		l.Mode3A = c.String()
	}
	var items reflect.Value
	switch r.Category {
	case 34:
		items = reflect.ValueOf(r.Cat034)
	case 48:
		items = reflect.ValueOf(r.Cat048)
	case 62:
		items = reflect.ValueOf(r.Cat062)
	}
	for _, id := range r.Items() {
		name := fmt.Sprintf("I%03d", id)
		switch id {
		case asterix.ItemSP:
			name = "SP"
		case asterix.ItemRE:
			name = "RE"
		}
		f := items.FieldByName(name)
		if !f.IsValid() {
			continue
		}
		v := f.Interface()
		if d, ok := v.(time.Duration); ok {
			v = d.Seconds()
		}
		l.Items[name] = v
	}
	j, err := json.Marshal(l)
	if err != nil {
		return b, fmt.Errorf("encode record: %w", err)
	}
	return append(append(b, j...), '\n'), nil
}
