package ingest_test

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/nmea"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// kindsOfType lists the observation kinds a message of the given type
// (and type 24 part) gives.
func kindsOfType(typ int, part string) []vessel.Kind {
	switch typ {
	case 1, 2, 3, 9, 18, 27:
		return []vessel.Kind{vessel.KindPosition}
	case 19:
		return []vessel.Kind{vessel.KindPosition, vessel.KindStatic}
	case 5, 24:
		return []vessel.Kind{vessel.KindStatic}
	case 4, 11:
		return []vessel.Kind{vessel.KindBaseStation}
	case 21:
		return []vessel.Kind{vessel.KindAidToNav}
	}
	return nil
}

// TestObserveCorpus maps every message of the real captures to
// observations and checks them against gpsdecode's expectations: the
// number of each kind (from the expected message types) and the values.
func TestObserveCorpus(t *testing.T) {
	raws, _ := filepath.Glob(aistest.Path("raw/*"))
	arrival := vessel.TimeOf(time.Date(2026, 1, 1, 12, 0, 30, 0, time.UTC))
	total := map[vessel.Kind]int{}
	for _, raw := range raws {
		base := strings.TrimSuffix(filepath.Base(raw), ".gz")
		t.Run(base, func(t *testing.T) {
			exp, _ := filepath.Glob(aistest.Path("expected/" + strings.TrimSuffix(base, filepath.Ext(base)) + ".jsonl*"))
			if len(exp) != 1 {
				t.Fatalf("no expectation file for %s", base)
			}
			var kept []aistest.Expected
			wantKinds := map[vessel.Kind]int{}
			for _, e := range aistest.LoadExpected(t, filepath.Base(exp[0])) {
				if aistest.FramingRejected(e.Sentences) {
					continue
				}
				kept = append(kept, e)
				part, _ := e.Unscaled["part"].(string)
				for _, k := range kindsOfType(int(e.Unscaled["type"].(float64)), part) {
					wantKinds[k]++
				}
			}
			rc, err := ingest.Open(raw, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			s := ingest.NewStream(rc, ingest.Options{})
			var ob ingest.Observer
			var out []vessel.Observation
			gotKinds := map[vessel.Kind]int{}
			i, bad := 0, 0
			for {
				d, err := s.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if d.NMEA.Talker == [2]byte{'-', '-'} {
					continue // left out of the expectations (see decodeAll)
				}
				out = ob.Observe(d, arrival, out[:0])
				for _, o := range out {
					gotKinds[o.Kind]++
					total[o.Kind]++
				}
				if i < len(kept) {
					if msg := checkObservations(out, d.NMEA, kept[i], arrival); msg != "" {
						if bad++; bad <= 5 {
							t.Errorf("%s %q: %s", kept[i].ID, kept[i].Sentences, msg)
						}
					}
				}
				i++
			}
			if i != len(kept) {
				t.Errorf("%d messages, want %d", i, len(kept))
			}
			if !reflect.DeepEqual(gotKinds, wantKinds) {
				t.Errorf("observations by kind %v, want %v (from the expected message types)", gotKinds, wantKinds)
			}
		})
	}
	t.Logf("observations by kind over the corpus: %v", total)
}

func num(m map[string]any, k string) (float64, bool) {
	v, ok := m[k].(float64)
	return v, ok
}

// checkObservations compares the observations of one message with the
// expectation; it returns what differs, "" if nothing.
func checkObservations(out []vessel.Observation, m *nmea.Message, e aistest.Expected, arrival vessel.Time) string {
	u := e.Unscaled
	typ := int(u["type"].(float64))
	part, _ := u["part"].(string)
	kinds := kindsOfType(typ, part)
	if len(out) != len(kinds) {
		return "wrong number of observations"
	}
	if len(out) == 0 {
		return ""
	}
	for i, o := range out {
		if o.Kind != kinds[i] {
			return "wrong kind"
		}
		if mmsi, _ := num(u, "mmsi"); o.MMSI() != vessel.MMSI(mmsi) {
			return "wrong MMSI"
		}
		// Time: the tag block's, else the receiver's, else arrival; the
		// "second" field may move it by up to 30 s.
		wantSrc, base := vessel.TimeArrival, arrival
		if tt, ok := tagTime(e.TagBlocks); ok && !m.Time.IsZero() {
			wantSrc, base = vessel.TimeTagBlock, vessel.TimeOf(tt)
		} else if !m.RecvTime.IsZero() {
			wantSrc, base = vessel.TimeReceiver, vessel.TimeOf(m.RecvTime)
		}
		if o.TimeSource != wantSrc || math.Abs(float64(o.Time()-base)) > vessel.MaxSecondRefinement {
			return "wrong time " + o.Time().String() + " from " + base.String()
		}
		if sec, ok := num(u, "second"); ok && sec < 60 && o.Kind != vessel.KindStatic && o.Time()/1000%60 != vessel.Time(sec) {
			if d := o.Time() - base; d != 0 {
				return "time not refined to the second field"
			}
		}
	}
	p := &out[0].Position
	switch out[0].Kind {
	case vessel.KindPosition, vessel.KindBaseStation, vessel.KindAidToNav:
		lat, _ := num(u, "lat")
		lon, _ := num(u, "lon")
		scale := 600000.0
		if typ == 27 {
			scale = 600
		}
		la, lo := lat/scale, lon/scale
		if la >= -90 && la <= 90 && lo >= -180 && lo <= 180 {
			if p.Lat != la || p.Lon != lo {
				return "wrong position"
			}
		} else if p.HasPosition() || p.Lat != 91 || p.Lon != 181 {
			return "unavailable position not kept as 91/181"
		}
	}
	switch typ {
	case 1, 2, 3, 18, 19:
		sp, _ := num(u, "speed")
		co, _ := num(u, "course")
		hd, _ := num(u, "heading")
		if (sp >= 1023) != (p.SOG == vessel.NoSpeed) || sp < 1023 && float64(p.SOG) != sp {
			return "wrong speed"
		}
		if (co >= 3600) != (p.COG == vessel.NoCourse) || co < 3600 && float64(p.COG) != co {
			return "wrong course"
		}
		if (hd >= 360) != (p.Heading == vessel.NoHeading) || hd < 360 && float64(p.Heading) != hd {
			return "wrong heading"
		}
		if st, ok := num(u, "status"); ok && float64(p.Status) != st {
			return "wrong status"
		}
	case 9:
		sp, _ := num(u, "speed")
		if (sp >= 1023) != (p.SOG == vessel.NoSpeed) || sp < 1023 && float64(p.SOG) != math.Min(sp*10, 1022) {
			return "wrong SAR speed"
		}
	case 27:
		sp, _ := num(u, "speed")
		co, _ := num(u, "course")
		if (sp == 63) != (p.SOG == vessel.NoSpeed) || sp != 63 && float64(p.SOG) != sp*10 {
			return "wrong long-range speed"
		}
		if (co >= 360) != (p.COG == vessel.NoCourse) || co < 360 && float64(p.COG) != co*10 {
			return "wrong long-range course"
		}
	}
	s := &out[len(out)-1].Static
	text := func(key string, f vessel.StaticFields, got string) string {
		w, _ := u[key].(string)
		w = strings.TrimSpace(w)
		if (w != "") != (s.Has&f != 0) || got != w {
			return "wrong " + key + ": " + got
		}
		return ""
	}
	switch typ {
	case 5:
		for _, msg := range []string{
			text("shipname", vessel.HasName, s.Name),
			text("callsign", vessel.HasCallSign, s.CallSign),
		} {
			if msg != "" {
				return msg
			}
		}
		if w, _ := u["destination"].(string); s.Destination != strings.TrimSpace(w) || s.Has&vessel.HasDestination == 0 {
			return "wrong destination"
		}
		if imo, _ := num(u, "imo"); float64(s.IMO) != imo || (imo != 0) != (s.Has&vessel.HasIMO != 0) {
			return "wrong IMO"
		}
		if d, _ := num(u, "draught"); float64(s.Draught) != d {
			return "wrong draught"
		}
		// gpsd prints "MM-DDTHH:MMZ" whatever the values.
		var mo, dd, hh, mi int
		w, _ := u["eta"].(string)
		if _, err := fmt.Sscanf(w, "%d-%dT%d:%dZ", &mo, &dd, &hh, &mi); err != nil {
			return "unexpected gpsd ETA " + w
		}
		want := ""
		if mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31 && hh < 24 && mi < 60 {
			want = strings.TrimSuffix(w, "Z")
		}
		if s.ETA != want {
			return "wrong ETA " + s.ETA + ", want " + want
		}
	case 19:
		if msg := text("shipname", vessel.HasName, s.Name); msg != "" {
			return msg
		}
	case 21:
		if msg := text("name", vessel.HasName, s.Name); msg != "" {
			return msg
		}
	case 24:
		if part == "A" {
			return text("shipname", vessel.HasName, s.Name)
		}
		if msg := text("callsign", vessel.HasCallSign, s.CallSign); msg != "" {
			return msg
		}
		if st, _ := num(u, "shiptype"); float64(s.ShipType) != st {
			return "wrong ship type"
		}
		if _, aux := u["mothership_mmsi"]; aux && s.Has&vessel.HasDimensions != 0 {
			return "auxiliary craft with dimensions"
		}
	}
	if typ == 5 || typ == 19 || typ == 24 && part == "B" {
		bow, _ := num(u, "to_bow")
		stern, _ := num(u, "to_stern")
		if s.Has&vessel.HasDimensions != 0 && (float64(s.ToBow) != bow || float64(s.ToStern) != stern) {
			return "wrong dimensions"
		}
	}
	return ""
}

// TestObserveCases checks the conversions on hand-built messages.
func TestObserveCases(t *testing.T) {
	tag := time.Date(2024, 5, 1, 10, 0, 7, 500e6, time.UTC)
	meta := &nmea.Message{Time: tag, Source: []byte("rx1")}
	arrival := vessel.TimeOf(tag.Add(time.Hour))
	for _, tc := range []struct {
		name string
		msg  ais.Message
		want []vessel.Observation
	}{
		{
			name: "class A, not available",
			msg: &ais.PositionReport{Header: ais.Header{Type: 1, MMSI: 244017000}, Status: 15, Speed: ais.SpeedNA,
				Lon: ais.LonNA, Lat: ais.LatNA, Course: ais.CourseNA, Heading: ais.HeadingNA, Second: 60},
			want: []vessel.Observation{{Kind: vessel.KindPosition, TimeSource: vessel.TimeTagBlock, Position: vessel.Position{
				MMSI: 244017000, Time: vessel.TimeOf(tag), Lat: 91, Lon: 181, SOG: vessel.NoSpeed, COG: vessel.NoCourse,
				Heading: vessel.NoHeading, Status: vessel.NoStatus, Source: "rx1"}}},
		},
		{
			name: "class A, second refines",
			msg: &ais.PositionReport{Header: ais.Header{Type: 1, MMSI: 244017000}, Status: 5, Speed: 102,
				Lon: 600000, Lat: -600000 / 2, Course: 3599, Heading: 359, Second: 5},
			want: []vessel.Observation{{Kind: vessel.KindPosition, TimeSource: vessel.TimeTagBlock, Position: vessel.Position{
				MMSI: 244017000, Time: vessel.TimeOf(tag.Add(-2500 * time.Millisecond)), Lat: -0.5, Lon: 1, SOG: 102, COG: 3599,
				Heading: 359, Status: 5, Source: "rx1"}}},
		},
		{
			name: "type 19: position and static",
			msg: func() ais.Message {
				m := &ais.ExtClassBPosition{Header: ais.Header{Type: 19, MMSI: 211000000}, Speed: 1022, Lon: 0, Lat: 0,
					Course: 3600, Heading: 400, Second: 63, ShipType: 37, Dim: ais.Dimensions{ToBow: 5, ToStern: 4, ToPort: 1, ToStarboard: 2}}
				return m
			}(),
			want: []vessel.Observation{
				{Kind: vessel.KindPosition, TimeSource: vessel.TimeTagBlock, Position: vessel.Position{
					MMSI: 211000000, Time: vessel.TimeOf(tag), SOG: 1022, COG: vessel.NoCourse,
					Heading: vessel.NoHeading, Status: vessel.NoStatus, Source: "rx1"}},
				{Kind: vessel.KindStatic, TimeSource: vessel.TimeTagBlock, Static: vessel.Static{
					MMSI: 211000000, Time: vessel.TimeOf(tag), Has: vessel.HasShipType | vessel.HasDimensions, ShipType: 37,
					ToBow: 5, ToStern: 4, ToPort: 1, ToStarboard: 2, Source: "rx1"}},
			},
		},
		{
			name: "type 5, ETA not available",
			msg: &ais.StaticVoyage{Header: ais.Header{Type: 5, MMSI: 211000001}, IMO: 9000001, ShipType: 70,
				ETA: ais.ETA{Month: 0, Day: 0, Hour: 24, Minute: 60}, Draught: 95},
			want: []vessel.Observation{{Kind: vessel.KindStatic, TimeSource: vessel.TimeTagBlock, Static: vessel.Static{
				MMSI: 211000001, Time: vessel.TimeOf(tag), Has: vessel.HasIMO | vessel.HasShipType | vessel.HasDraught | vessel.HasDestination | vessel.HasETA,
				IMO: 9000001, ShipType: 70, Draught: 95, Source: "rx1"}}},
		},
		{
			name: "type 5, ETA",
			msg: &ais.StaticVoyage{Header: ais.Header{Type: 5, MMSI: 211000001},
				ETA: ais.ETA{Month: 12, Day: 3, Hour: 4, Minute: 9}},
			want: []vessel.Observation{{Kind: vessel.KindStatic, TimeSource: vessel.TimeTagBlock, Static: vessel.Static{
				MMSI: 211000001, Time: vessel.TimeOf(tag), Has: vessel.HasDestination | vessel.HasETA,
				ETA: "12-03T04:09", Source: "rx1"}}},
		},
		{
			name: "type 24 B, auxiliary craft",
			msg: &ais.StaticDataReport{Header: ais.Header{Type: 24, MMSI: 982110001}, Part: 1, ShipType: 52,
				MotherMMSI: 211000000},
			want: []vessel.Observation{{Kind: vessel.KindStatic, TimeSource: vessel.TimeTagBlock, Static: vessel.Static{
				MMSI: 982110001, Time: vessel.TimeOf(tag), Has: vessel.HasShipType, ShipType: 52, Source: "rx1"}}},
		},
		{
			name: "type 27, not available",
			msg: &ais.LongRangePosition{Header: ais.Header{Type: 27, MMSI: 211000002}, Status: 1,
				Lon: 181 * 600, Lat: 91 * 600, Speed: 63, Course: 511},
			want: []vessel.Observation{{Kind: vessel.KindPosition, TimeSource: vessel.TimeTagBlock, Position: vessel.Position{
				MMSI: 211000002, Time: vessel.TimeOf(tag), Lat: 91, Lon: 181, SOG: vessel.NoSpeed, COG: vessel.NoCourse,
				Heading: vessel.NoHeading, Status: 1, Source: "rx1"}}},
		},
		{
			name: "type 9, fast",
			msg: &ais.SARPosition{Header: ais.Header{Type: 9, MMSI: 111211000}, Speed: 400, Lon: 600000, Lat: 600000,
				Course: 100, Second: 60},
			want: []vessel.Observation{{Kind: vessel.KindPosition, TimeSource: vessel.TimeTagBlock, Position: vessel.Position{
				MMSI: 111211000, Time: vessel.TimeOf(tag), Lat: 1, Lon: 1, SOG: 1022, COG: 100,
				Heading: vessel.NoHeading, Status: vessel.NoStatus, Source: "rx1"}}},
		},
		{
			name: "binary message: nothing",
			msg:  &ais.BroadcastBinary{Header: ais.Header{Type: 8, MMSI: 211000003}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ingest.Observe(ingest.Decoded{Msg: tc.msg, NMEA: meta}, arrival, nil)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n %+v\nwant\n %+v", got, tc.want)
			}
		})
	}
	// No metadata: arrival time, no source.
	got := ingest.Observe(ingest.Decoded{Msg: &ais.BaseStationReport{Header: ais.Header{Type: 4, MMSI: 2190068}, Lon: ais.LonNA, Lat: ais.LatNA}}, arrival, nil)
	if len(got) != 1 || got[0].Kind != vessel.KindBaseStation || got[0].TimeSource != vessel.TimeArrival || got[0].Position.Time != arrival || got[0].Position.Source != "" {
		t.Errorf("base station without metadata: %+v", got)
	}
}

func TestObserverDoesNotAllocate(t *testing.T) {
	meta := &nmea.Message{Time: time.Unix(1700000000, 0), Source: []byte("rx1")}
	d := ingest.Decoded{Msg: &ais.PositionReport{Header: ais.Header{Type: 1, MMSI: 244017000}}, NMEA: meta}
	var ob ingest.Observer
	dst := make([]vessel.Observation, 0, 2)
	if n := testing.AllocsPerRun(100, func() { dst = ob.Observe(d, 0, dst[:0]) }); n != 0 {
		t.Errorf("Observer.Observe allocates %v times per position report", n)
	}
}

// BenchmarkObserve maps the messages of the benchmark corpus (decoded
// and copied beforehand) to observations.
func BenchmarkObserve(b *testing.B) {
	s := ingest.NewStream(bytes.NewReader(aistest.ReadFile(b, "bench.nmea.gz")), ingest.Options{})
	var msgs []ingest.Decoded
	for {
		d, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		// Copy the message (a pointer to the decoder's struct) and its
		// metadata.
		v := reflect.New(reflect.TypeOf(d.Msg).Elem())
		v.Elem().Set(reflect.ValueOf(d.Msg).Elem())
		m := *d.NMEA
		m.Payload, m.Source = nil, bytes.Clone(d.NMEA.Source)
		msgs = append(msgs, ingest.Decoded{Msg: v.Interface().(ais.Message), NMEA: &m})
	}
	var ob ingest.Observer
	dst := make([]vessel.Observation, 0, 2)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, d := range msgs {
			dst = ob.Observe(d, 1, dst[:0])
			n += len(dst)
		}
	}
	b.ReportMetric(float64(len(msgs)*b.N)/b.Elapsed().Seconds(), "msgs/s")
}
