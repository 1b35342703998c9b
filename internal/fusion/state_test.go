package fusion_test

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// stateFeed is a feed that exercises everything the picture keeps: the
// real NOAA day (a second receiver hearing every third report a second
// later: duplicates), four transmitters sharing 412000000 (tracks and an
// identity episode), a receiver stamping five minutes late for two
// minutes (clock records), static data, and base stations.
func stateFeed(tb testing.TB) []vessel.Observation {
	noaa := readTracks(tb, noaaFile, "noaa")
	var out []vessel.Observation
	for i, o := range noaa {
		out = append(out, o)
		if i%3 == 0 {
			d := o
			d.Position.Source, d.Position.Time = "rx2", o.Position.Time+1000
			out = append(out, d)
		}
		if i%500 == 0 {
			out = append(out, vessel.Observation{Kind: vessel.KindStatic, Static: vessel.Static{
				MMSI: o.Position.MMSI, Time: o.Position.Time, Has: vessel.HasName | vessel.HasShipType,
				Name: "SHIP " + o.Position.MMSI.String(), ShipType: 70, Source: "noaa"}})
		}
		if i%1000 == 0 {
			out = append(out, vessel.Observation{Kind: vessel.KindBaseStation, Position: vessel.Position{
				MMSI: 3669000 + vessel.MMSI(i/1000%7), Time: o.Position.Time, Lat: 29 + float64(i%7)/10, Lon: -95, Source: "noaa"}})
		}
	}
	b := newFeed(11, time.Hour)
	for i, c := range []geo.Point{{Lat: 30, Lon: 122.5}, {Lat: 25, Lon: 120}, {Lat: 35, Lon: 125}, {Lat: 22, Lon: 115}} {
		b.movers = append(b.movers, mover{mmsi: 412000000, start: c, course: float64(i * 80), knots: 5 + float64(i)*3,
			every: time.Duration(10+i*7) * time.Second, offset: time.Duration(i) * 3 * time.Second, sources: []string{"rx1"}})
	}
	b.ships(30, 366100000, geo.Point{Lat: 40.4, Lon: -73.8}, "rx1", "rx2")
	rs := b.build()
	for i := range rs {
		p := &rs[i].obs.Position
		if p.Source == "rx2" && rs[i].trueTime >= t0+30*60_000 && rs[i].trueTime < t0+32*60_000 {
			p.Time -= 5 * 60_000
		}
	}
	slices.SortStableFunc(rs, func(a, b report) int { return cmp.Compare(a.trueTime, b.trueTime) })
	// Interleave the two feeds, so that a cut falls inside both.
	k := 0
	merged := make([]vessel.Observation, 0, len(out)+len(rs))
	for i, o := range out {
		merged = append(merged, o)
		for k < len(rs) && k*len(out) <= i*len(rs) {
			merged = append(merged, rs[k].obs)
			k++
		}
	}
	for ; k < len(rs); k++ {
		merged = append(merged, rs[k].obs)
	}
	return merged
}

func stateConfig() fusion.Config {
	return fusion.Config{Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }}
}

// TestStateResumes: a picture loaded from the state of another, taken at
// any point of a real feed, decides every later report exactly as the
// picture that never stopped, and ends with the same state, to the byte.
func TestStateResumes(t *testing.T) {
	feed := stateFeed(t)
	whole := fusion.NewPicture(stateConfig())
	want := make([]fusion.Result, len(feed))
	for i := range feed {
		want[i] = whole.Apply(&feed[i])
	}
	final := whole.AppendState(nil)
	st := whole.Stats()
	if st.Outcomes[fusion.Duplicate] == 0 || st.Episodes == 0 || st.Clock == 0 || st.Outcomes[fusion.Static] == 0 || st.Stations == 0 {
		t.Fatalf("the feed does not exercise the state: %+v", st)
	}
	for _, cut := range []int{0, 1, len(feed) / 3, len(feed) / 2, len(feed) - 1, len(feed)} {
		first := fusion.NewPicture(stateConfig())
		for i := range feed[:cut] {
			first.Apply(&feed[i])
		}
		state := first.AppendState(nil)
		if again := first.AppendState(nil); !bytes.Equal(state, again) {
			t.Fatalf("cut %d: two states of one picture differ", cut)
		}
		resumed := fusion.NewPicture(stateConfig())
		resumed.Apply(&feed[len(feed)-1]) // something to be replaced
		if err := resumed.LoadState(state); err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if got := resumed.AppendState(nil); !bytes.Equal(got, state) {
			t.Fatalf("cut %d: the loaded picture's state differs from the one loaded", cut)
		}
		for i := cut; i < len(feed); i++ {
			if got := resumed.Apply(&feed[i]); !reflect.DeepEqual(got, want[i]) {
				t.Fatalf("cut %d: report %d (%+v):\nresumed %+v\nwant    %+v", cut, i, feed[i], got, want[i])
			}
		}
		if got := resumed.AppendState(nil); !bytes.Equal(got, final) {
			t.Errorf("cut %d: final state differs from the picture's that never stopped", cut)
		}
		if got := resumed.Stats(); !reflect.DeepEqual(got, st) {
			t.Errorf("cut %d: stats %+v; want %+v", cut, got, st)
		}
		if !reflect.DeepEqual(resumed.Receivers(), whole.Receivers()) || !reflect.DeepEqual(resumed.Stations(), whole.Stations()) ||
			resumed.Version() != whole.Version() {
			t.Errorf("cut %d: receivers, stations or version differ", cut)
		}
	}
	t.Logf("%d reports, %d vessels, %d stations; state %d bytes", len(feed), st.Vessels, st.Stations, len(final))
}

// reseal recomputes the header of a state whose body was changed.
func reseal(b []byte) []byte {
	b = slices.Clone(b)
	binary.LittleEndian.PutUint32(b[8:], uint32(len(b)-16))
	binary.LittleEndian.PutUint32(b[12:], crc32.Checksum(b[16:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// smallState is the state of a picture of a few ships, one identity
// shared by two transmitters, statics and a station.
func smallState(tb testing.TB) []byte {
	p := fusion.NewPicture(stateConfig())
	b := newFeed(5, 20*time.Minute)
	b.ships(3, 366100000, geo.Point{Lat: 40.4, Lon: -73.8}, "rx1", "rx2")
	for i, c := range []geo.Point{{Lat: 30, Lon: 122.5}, {Lat: 25, Lon: 120}} {
		b.movers = append(b.movers, mover{mmsi: 412000000, start: c, course: float64(i * 80), knots: 8,
			every: 20 * time.Second, sources: []string{"rx1"}})
	}
	for _, r := range b.build() {
		p.Apply(&r.obs)
	}
	p.Apply(&vessel.Observation{Kind: vessel.KindStatic, Static: vessel.Static{MMSI: 366100001, Time: t0, Has: vessel.HasName, Name: "A", Source: "rx1"}})
	p.Apply(&vessel.Observation{Kind: vessel.KindBaseStation, Position: vessel.Position{MMSI: 3669000, Time: t0, Lat: 40, Lon: -74, Source: "rx1"}})
	return p.AppendState(nil)
}

// TestStateCorrupt: a damaged state is refused with ErrState and the
// offset, and leaves the picture as it was.
func TestStateCorrupt(t *testing.T) {
	good := smallState(t)
	flip := slices.Clone(good)
	flip[len(flip)/2] ^= 0x40
	version := slices.Clone(good)
	version[6] = 2
	cases := []struct {
		name string
		b    []byte
		off  int
	}{
		{"empty", nil, 0},
		{"magic", append([]byte("TWFUSX"), good[6:]...), 0},
		{"version", version, 6},
		{"truncated", good[:len(good)-1], 8},
		{"checksum", flip, 12},
		{"trailing", reseal(append(slices.Clone(good), 0)), len(good)},
		{"body cut short", reseal(good[:len(good)-5]), -1},
		{"shards", reseal(append(append(slices.Clone(good[:16]), 3), good[17:]...)), 17},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := fusion.NewPicture(stateConfig())
			obs := vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{MMSI: 244123456, Time: t0, Lat: 52, Lon: 4, Source: "a"}}
			p.Apply(&obs)
			before := p.AppendState(nil)
			err := p.LoadState(c.b)
			var se *fusion.StateError
			if !errors.Is(err, fusion.ErrState) || !errors.As(err, &se) {
				t.Fatalf("LoadState = %v; want a StateError wrapping ErrState", err)
			}
			if c.off >= 0 && se.Offset != c.off {
				t.Errorf("offset %d; want %d (%v)", se.Offset, c.off, err)
			}
			if !bytes.Equal(p.AppendState(nil), before) {
				t.Error("a refused state changed the picture")
			}
		})
	}
}

// FuzzLoadState: LoadState never panics; a state it accepts encodes back
// to the same bytes, and the picture goes on applying reports.
func FuzzLoadState(f *testing.F) {
	f.Add(smallState(f))
	f.Add(fusion.NewPicture(fusion.Config{}).AppendState(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 16 {
			b = reseal(b) // get past the checksum to the body
		}
		p := fusion.NewPicture(stateConfig())
		if err := p.LoadState(b); err != nil {
			if !errors.Is(err, fusion.ErrState) {
				t.Fatalf("error %v does not wrap ErrState", err)
			}
			return
		}
		if got := p.AppendState(nil); !bytes.Equal(got, b) {
			t.Fatalf("accepted state encodes back differently:\n%x\n%x", b, got)
		}
		var ms []vessel.MMSI
		p.Range(func(s *fusion.State) bool { ms = append(ms, s.MMSI); return len(ms) < 8 })
		for i, m := range ms {
			o := vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{MMSI: m, Time: t0 + vessel.Time(i)*1000, Lat: 10, Lon: 10, Source: "f"}}
			p.Apply(&o)
			p.Vessel(m)
		}
		p.Stations()
		p.Receivers()
	})
}
