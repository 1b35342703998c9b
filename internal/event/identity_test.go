package event_test

import (
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// fusedFeed returns positions as fusion numbers and flags them (the
// event package cannot import fusion; the end-to-end tests through
// fusion are in internal/server, identity_test.go):
//
//   - 412000000, a placeholder MMSI used by four transmitters hundreds of
//     km apart for 12 hours: track 1 the main one, unflagged; the first
//     report of each other track FlagTeleport, the rest
//     FlagIdentityConflict. Transmitters 2-4 fall silent from 5 h to 9 h
//     and return as tracks 5-7: two episodes.
//   - 366000001, a ship with a burst of three bad fixes at 2 h (each a new
//     tentative track, FlagTeleport) and a lone one at 6 h.
//   - 366000002, a ship whose reports from 3 h to 3 h 02 (receiver rx2)
//     are stamped five minutes late and flagged clock (Track 0), and one
//     dated in 2100, flagged future.
//
// It also returns how many clock and future reports it holds.
func fusedFeed() (ps []vessel.Position, skipped int) {
	const m = vessel.MMSI(412000000)
	starts := []geo.Point{ocean, geo.Destination(ocean, 0, 400e3), geo.Destination(ocean, 90, 500e3), geo.Destination(ocean, 200, 700e3)}
	var tl timeline
	for i, c := range starts {
		from := time.Duration(i) * 20 * time.Second
		for part, span := range [][2]time.Duration{{from, 5 * time.Hour}, {9*time.Hour + from, 12 * time.Hour}} {
			if i == 0 && part == 1 {
				continue
			}
			to := span[1]
			if i == 0 {
				to = 12 * time.Hour
			}
			n := len(tl.ps)
			tl.sail(m, span[0], to, time.Minute, geo.Destination(c, 0, float64(span[0]/time.Second)*5), 0, 10)
			for k := n; k < len(tl.ps); k++ {
				p := &tl.ps[k]
				p.Track = uint8(1 + i + 3*part)
				if i == 0 {
					p.Track = 1
					continue
				}
				if k == n {
					p.Flags = vessel.FlagTeleport
				} else {
					p.Flags = vessel.FlagIdentityConflict
				}
			}
		}
	}
	ship := geo.Destination(ocean, 300, 200e3)
	n := len(tl.ps)
	tl.sail(366000001, 0, 8*time.Hour, time.Minute, ship, 90, 12)
	for k := n; k < len(tl.ps); k++ {
		p := &tl.ps[k]
		p.Track = 1
		d := time.Duration(p.Time-at(0)) * time.Millisecond
		if d >= 2*time.Hour && d < 2*time.Hour+3*time.Minute || d == 6*time.Hour {
			q := geo.Destination(geo.Point{Lat: p.Lat, Lon: p.Lon}, float64(k%360), 300e3)
			p.Lat, p.Lon = q.Lat, q.Lon
			p.Track, p.Flags = uint8(2+k%3), vessel.FlagTeleport
		}
	}
	other := geo.Destination(ocean, 120, 250e3)
	n = len(tl.ps)
	tl.sail(366000002, 0, 8*time.Hour, 10*time.Second, other, 180, 15)
	for k := n; k < len(tl.ps); k++ {
		p := &tl.ps[k]
		p.Track = 1
		d := time.Duration(p.Time-at(0)) * time.Millisecond
		if d >= 3*time.Hour && d < 3*time.Hour+2*time.Minute {
			p.Time -= 5 * 60_000
			p.Track, p.Flags, p.Source = 0, vessel.FlagClock, "rx2"
			skipped++
		}
		if d == 4*time.Hour {
			p.Time = vessel.TimeOf(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
			p.Track, p.Flags = 0, vessel.FlagFuture
			skipped++
		}
	}
	return tl.sortedByArrival(), skipped
}

// sortedByArrival sorts by time, but a clock-flagged report arrives when
// it was made (five minutes after its stamp) and a future one at its
// place in the feed.
func (tl *timeline) sortedByArrival() []vessel.Position {
	type arrival struct {
		at vessel.Time
		p  vessel.Position
	}
	var as []arrival
	for _, p := range tl.ps {
		a := arrival{p.Time, p}
		switch {
		case p.Flags&vessel.FlagClock != 0:
			a.at += 5 * 60_000
		case p.Flags&vessel.FlagFuture != 0:
			a.at = at(4 * time.Hour)
		}
		as = append(as, a)
	}
	for i := 1; i < len(as); i++ { // insertion sort: stable, nearly sorted
		for j := i; j > 0 && as[j].at < as[j-1].at; j-- {
			as[j], as[j-1] = as[j-1], as[j]
		}
	}
	out := make([]vessel.Position, len(as))
	for i, a := range as {
		out[i] = a.p
	}
	return out
}

// inferEngine returns a gfw engine that infers identity episodes from
// the tracks (fusedFeed numbers tracks as fusion would but, like a
// store, gives no Position.Episode).
func inferEngine(t testing.TB) *event.Engine {
	t.Helper()
	e, err := event.NewChecked(event.Config{Preset: "gfw", Ports: testPort, Land: testLand(t), InferEpisodes: true})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestFusedIdentity: on fusion-numbered reports, one identity event per
// episode, listing its tracks, closed when the episode ends; the
// teleports of the later transmitters' first reports retracted; one
// teleport per burst of bad fixes; nothing from clock or future reports.
func TestFusedIdentity(t *testing.T) {
	ps, skipped := fusedFeed()
	e := inferEngine(t)
	m, _ := final(t, e, ps, at(12*time.Hour))
	type key struct {
		typ string
		v   vessel.MMSI
	}
	counts := map[key]int{}
	retracted := 0
	for _, ev := range m {
		if ev.Retracted {
			retracted++
			continue
		}
		counts[key{ev.Type, ev.Vessels[0]}]++
		switch {
		case ev.Type == event.IdentityConflict:
			if ev.Measures["tracks"] != 4 || ev.Measures["distance_m"] < 400e3 || len(ev.Reasons) != 2 {
				t.Errorf("identity event %s: measures %v reasons %q", ev.ID, ev.Measures, ev.Reasons)
			}
			// the first episode ends with the last report before the
			// silence; the second is going on when the data ends
			if ev.Start < at(time.Hour) && (ev.End < at(5*time.Hour-time.Minute) || ev.End > at(5*time.Hour)) ||
				ev.Start > at(9*time.Hour) && ev.End != 0 {
				t.Errorf("identity event %s: %v to %v", ev.ID, ev.Start, ev.End)
			}
			t.Logf("%s v%d %v-%v %q", ev.ID, ev.Version, ev.Start, ev.End, ev.Reasons)
		case ev.Type == event.Teleport && ev.Vessels[0] == 366000001:
			want := 3.0
			if ev.End == at(6*time.Hour) {
				want = 1
			}
			if ev.Measures["reports"] != want {
				t.Errorf("teleport %s at %v: %v reports; want %v", ev.ID, ev.End, ev.Measures["reports"], want)
			}
		}
	}
	want := map[key]int{
		{event.IdentityConflict, 412000000}: 2,
		{event.Teleport, 366000001}:         2,
	}
	for k, n := range counts {
		if k.typ != event.Teleport && k.typ != event.IdentityConflict {
			continue
		}
		if n != want[k] {
			t.Errorf("%d %s events of %v; want %d", n, k.typ, k.v, want[k])
		}
	}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%d %s events of %v; want %d", counts[k], k.typ, k.v, n)
		}
	}
	if retracted != 2 {
		t.Errorf("%d retracted events; want 2 (the teleports that started each episode's tracks)", retracted)
	}
	for k, n := range counts {
		if k.v == 366000002 {
			t.Errorf("%d %s events of the ship with clock and future reports; want none", n, k.typ)
		}
	}
	if st := e.Stats(); st.Ignored < int64(skipped) || st.Late != 0 {
		t.Errorf("stats %+v: want the %d clock and future reports ignored, none late", st, skipped)
	}
	t.Logf("%d positions (%d clock or future); events %v, %d retracted", len(ps), skipped, counts, retracted)
}

// TestFusedEquivalence: on fusion-numbered reports, live (with Advance
// ticks) gives the batch's events, and 5% of the reports delivered up to
// 90 minutes late give the same live events as time order.
func TestFusedEquivalence(t *testing.T) {
	ps, _ := fusedFeed()
	end := at(12 * time.Hour)
	batch, _ := final(t, inferEngine(t), ps, end)
	live := inferEngine(t)
	var all []event.Event
	next := ps[0].Time
	for _, p := range ps {
		for p.Flags&vessel.FlagFuture == 0 && next < p.Time {
			all = append(all, live.Advance(next)...)
			next += 7 * 60 * 1000
		}
		all = append(all, live.Observe(p)...)
	}
	all = append(all, live.Flush(end)...)
	compareFinal(t, batch, latest(t, all))

	e, err := event.NewChecked(event.Config{Preset: "gfw", Ports: testPort, Land: testLand(t), HistoryReports: 4096, Replay: event.ReplayAlways,
		InferEpisodes: true})
	if err != nil {
		t.Fatal(err)
	}
	late, _ := final(t, e, delayed(ps, 0.05, 5*time.Minute, 90*time.Minute, 9), end)
	st := e.Stats()
	if st.Late == 0 || st.Replayed != st.Late {
		t.Errorf("%d late reports, %d replayed; want all replayed", st.Late, st.Replayed)
	}
	a, b := happenings(batch, singleTypes), happenings(late, singleTypes)
	checkSameHappenings(t, a, b)
	checkNoDuplicates(t, late)
	t.Logf("%d events; %d late reports replayed", len(a), st.Replayed)
}
