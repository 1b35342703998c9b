package fusion_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The messy-feed builder: deterministic ships on straight courses with
// GPS noise, heard by receivers, with ground truth for every report, and
// the faults of real feeds injected on top (bad fixes, shared
// identities, receiver clocks stamped off).

// report is one generated report and its ground truth.
type report struct {
	obs  vessel.Observation
	ship int // index of the transmitter
	// bad: a fault injected into the position (not the ship's real one).
	bad bool
	// trueTime is when the report was really made (the time stamp may be
	// off when the receiver's clock is).
	trueTime vessel.Time
}

// mover is one transmitter: a ship on a straight course.
type mover struct {
	mmsi    vessel.MMSI
	start   geo.Point
	course  float64 // degrees
	knots   float64
	every   time.Duration // reporting interval
	offset  time.Duration // first report after t0
	sources []string      // receivers that hear it
}

func (m *mover) at(t vessel.Time) geo.Point {
	return geo.Destination(m.start, m.course, m.knots*1852/3600*float64(t-t0)/1000)
}

// feedBuilder generates reports of movers over a span, in time order.
type feedBuilder struct {
	rng    *rand.Rand
	movers []mover
	span   time.Duration
	noise  float64 // metres, GPS noise (uniform in a square)
}

func newFeed(seed uint64, span time.Duration) *feedBuilder {
	return &feedBuilder{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), span: span, noise: 15}
}

// ships adds n ships of mmsi base+i off start, spread over 200 km, at
// 6-22 knots on random courses, reporting every 10 s.
func (b *feedBuilder) ships(n int, base vessel.MMSI, start geo.Point, sources ...string) {
	for i := range n {
		p := geo.Destination(start, b.rng.Float64()*360, b.rng.Float64()*200e3)
		b.movers = append(b.movers, mover{
			mmsi: base + vessel.MMSI(i), start: p, course: b.rng.Float64() * 360,
			knots: 6 + b.rng.Float64()*16, every: 10 * time.Second,
			offset: time.Duration(b.rng.IntN(10_000)) * time.Millisecond, sources: sources,
		})
	}
}

// build returns every report of every mover heard by each of its
// receivers, sorted by time stamp (receivers of one transmission in
// random order, 0-2 s apart).
func (b *feedBuilder) build() []report {
	var out []report
	end := t0 + vessel.Time(b.span.Milliseconds())
	for i := range b.movers {
		m := &b.movers[i]
		for t := t0 + vessel.Time(m.offset.Milliseconds()); t < end; t += vessel.Time(m.every.Milliseconds()) {
			pt := geo.Destination(m.at(t), b.rng.Float64()*360, b.rng.Float64()*b.noise)
			pos := vessel.Position{
				MMSI: m.mmsi, Time: t, Lat: round6(pt.Lat), Lon: round6(pt.Lon),
				SOG: vessel.SpeedKnots(m.knots + (b.rng.Float64()-0.5)*0.4), COG: vessel.CourseDegrees(m.course),
				Heading: vessel.Heading(math.Round(m.course)) % 360, Status: 0,
			}
			for k, src := range b.rng.Perm(len(m.sources)) {
				p := pos
				p.Source = m.sources[src]
				p.Time += vessel.Time(k * b.rng.IntN(2000))
				out = append(out, report{obs: vessel.Observation{Kind: vessel.KindPosition, Position: p, TimeSource: vessel.TimeTagBlock}, ship: i, trueTime: t})
			}
		}
	}
	sortReports(out)
	return out
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func sortReports(rs []report) {
	slices.SortStableFunc(rs, func(a, b report) int { return cmp.Compare(a.obs.Position.Time, b.obs.Position.Time) })
}

// applyAll applies the reports in order and returns the results.
func applyAll(p *fusion.Picture, rs []report) []fusion.Result {
	res := make([]fusion.Result, len(rs))
	for i := range rs {
		res[i] = p.Apply(&rs[i].obs)
	}
	return res
}

// TestBadFixBursts: ships tracked for three hours, each with a burst of
// 1-5 bad fixes every ten minutes or so (random positions hundreds of km
// off, 0,0, out of range, or a consistent spoofed track 40 km off): no
// bad fix takes over a ship, the latest state is always a genuine report,
// and at least 99% of each ship's genuine reports are kept in its main
// track, unflagged.
func TestBadFixBursts(t *testing.T) {
	b := newFeed(7, 3*time.Hour)
	b.ships(40, 366000000, geo.Point{Lat: 36.5, Lon: -123.5}, "rx1")
	rs := b.build()
	rng := rand.New(rand.NewPCG(11, 12))
	// Inject: per ship, every 40-80 reports, a burst of 1-5 consecutive
	// reports replaced by bad fixes of one kind.
	perShip := make(map[int][]int)
	for i := range rs {
		perShip[rs[i].ship] = append(perShip[rs[i].ship], i)
	}
	kinds := [...]string{"far", "null", "range", "spoof"}
	injected := make(map[string]int)
	for s := range len(b.movers) {
		idx := perShip[s]
		for j := 20 + rng.IntN(40); j < len(idx)-6; j += 40 + rng.IntN(40) {
			n := 1 + rng.IntN(5)
			kind := kinds[rng.IntN(len(kinds))]
			bearing := rng.Float64() * 360
			for k := range n {
				r := &rs[idx[j+k]]
				p := &r.obs.Position
				switch kind {
				case "far":
					q := geo.Destination(geo.Point{Lat: p.Lat, Lon: p.Lon}, rng.Float64()*360, 100e3+rng.Float64()*900e3)
					p.Lat, p.Lon = round6(q.Lat), round6(q.Lon)
				case "null":
					p.Lat, p.Lon = 0, 0
				case "range":
					p.Lat, p.Lon = 91, 181
				case "spoof":
					q := geo.Destination(geo.Point{Lat: p.Lat, Lon: p.Lon}, bearing, 40e3)
					p.Lat, p.Lon = round6(q.Lat), round6(q.Lon)
				}
				r.bad = true
				injected[kind]++
			}
			j += n
		}
	}
	t.Logf("%d reports of %d ships; bad fixes injected: %v", len(rs), len(b.movers), injected)

	p := fusion.NewPicture(fusion.Config{Now: func() time.Time { return (t0 + 86_400_000).Std() }})
	genuine := make(map[int]int)
	kept := make(map[int]int)
	for i := range rs {
		r := p.Apply(&rs[i].obs)
		s := rs[i].ship
		v, _ := p.Vessel(rs[i].obs.Position.MMSI)
		if rs[i].bad {
			if r.Outcome == fusion.Stored && r.Position.Flags&vessel.Bad == 0 {
				t.Errorf("report %d (ship %d): bad fix %v,%v stored unflagged (track %d)", i, s, r.Position.Lat, r.Position.Lon, r.Position.Track)
			}
		} else {
			genuine[s]++
			if r.Outcome == fusion.Stored && r.Position.Flags&vessel.Bad == 0 && r.Position.Track == v.Track {
				kept[s]++
			}
		}
		// The latest state is the ship's real position at its time.
		if v.Located {
			want := b.movers[s].at(v.Position.Time)
			if d := geo.Distance(want, geo.Point{Lat: v.Position.Lat, Lon: v.Position.Lon}); d > 100 {
				t.Fatalf("after report %d: ship %d's latest %v,%v at %v is %.0f m from where it is", i, s, v.Position.Lat, v.Position.Lon, v.Position.Time, d)
			}
		}
	}
	worst := 1.0
	for s, n := range genuine {
		ratio := float64(kept[s]) / float64(n)
		worst = min(worst, ratio)
		if ratio < 0.99 {
			t.Errorf("ship %d: %d of %d genuine reports kept in its track (%.4f); want >= 0.99", s, kept[s], n, ratio)
		}
	}
	st := p.Stats()
	t.Logf("worst ship kept %.4f of its genuine reports; flags: teleport %d, identity_conflict %d, no_position %d; swaps %d",
		worst, st.Flag(vessel.FlagTeleport), st.Flag(vessel.FlagIdentityConflict), st.Flag(vessel.FlagNoPosition), st.Swaps)
	if st.Swaps != 0 || st.Episodes != 0 {
		t.Errorf("swaps %d, episodes %d; want none (a bad fix took over)", st.Swaps, st.Episodes)
	}
}

// TestSharedIdentity: placeholder MMSIs each used by four transmitters
// hundreds of km apart, reporting at once for three hours: four
// confirmed tracks, one per transmitter, one identity episode, and no
// teleport but for the first report of each transmitter after the first.
func TestSharedIdentity(t *testing.T) {
	for _, m := range []vessel.MMSI{412000000, 123456789, 1193046} {
		t.Run(m.String(), func(t *testing.T) {
			b := newFeed(uint64(m), 3*time.Hour)
			for i, c := range []geo.Point{{Lat: 30, Lon: 122.5}, {Lat: 25, Lon: 120}, {Lat: 35, Lon: 125}, {Lat: 22, Lon: 115}} {
				b.movers = append(b.movers, mover{
					mmsi: m, start: c, course: float64(i * 80), knots: 5 + float64(i)*3,
					every:  time.Duration(10+i*7) * time.Second,
					offset: time.Duration(i) * 3 * time.Second, sources: []string{"rx1"},
				})
			}
			// and a ship of its own, unaffected
			b.ships(1, 413000001, geo.Point{Lat: 30, Lon: 123}, "rx1")
			rs := b.build()
			p := fusion.NewPicture(fusion.Config{Now: func() time.Time { return (t0 + 86_400_000).Std() }})
			res := applyAll(p, rs)
			trackOf := make(map[int]map[uint8]int) // transmitter -> track id -> reports
			teleports, opened := 0, 0
			for i, r := range res {
				if rs[i].obs.Position.MMSI != m {
					continue
				}
				if r.Position.Flags&vessel.FlagTeleport != 0 {
					teleports++
				}
				if r.EpisodeChange == fusion.EpisodeOpened {
					opened++
				}
				s := rs[i].ship
				if trackOf[s] == nil {
					trackOf[s] = make(map[uint8]int)
				}
				trackOf[s][r.Position.Track]++
			}
			if teleports > 3 {
				t.Errorf("%d teleport flags; want at most 3 (the first report of each further transmitter)", teleports)
			}
			// each transmitter's reports are one track, and the tracks differ
			ids := make(map[uint8]bool)
			for s, byID := range trackOf {
				best, n, total := uint8(0), 0, 0
				for id, c := range byID {
					total += c
					if c > n {
						best, n = id, c
					}
				}
				if float64(n) < 0.99*float64(total) || ids[best] {
					t.Errorf("transmitter %d: reports by track %v", s, byID)
				}
				ids[best] = true
			}
			v, _ := p.Vessel(m)
			confirmed := 0
			for _, ts := range v.Tracks {
				if ts.Confirmed {
					confirmed++
				}
			}
			if confirmed != 4 || len(v.Tracks) != 4 {
				t.Errorf("tracks %+v; want 4, all confirmed", v.Tracks)
			}
			if opened != 1 || p.Stats().Episodes != 1 || v.Episode.Seq != 1 || !v.Episode.Open || len(v.Episode.Tracks) != 4 {
				t.Errorf("episodes opened %d (stats %d), state's %+v; want one, open, of 4 tracks", opened, p.Stats().Episodes, v.Episode)
			}
			if !v.Conflict {
				t.Errorf("state not in conflict")
			}
			own, _ := p.Vessel(413000001)
			if len(own.Tracks) != 0 || own.Episode.Seq != 0 || own.Flagged != 0 {
				t.Errorf("the other ship: %+v", own)
			}
			st := p.Stats()
			t.Logf("%v: %d reports, %d teleport flags, %d flagged identity_conflict, tracks %v", m, v.Positions, teleports, st.Flag(vessel.FlagIdentityConflict), trackOf)
		})
	}
}

// TestClockFault: 30 ships heard by two receivers; for two minutes rx2
// stamps its reports five minutes late. Those reports are flagged clock
// and counted for rx2; nothing is a teleport; every latest state stays
// on the genuine track.
func TestClockFault(t *testing.T) {
	b := newFeed(3, time.Hour)
	b.ships(30, 366100000, geo.Point{Lat: 40.4, Lon: -73.8}, "rx1", "rx2")
	rs := b.build()
	from, to := t0+30*60_000, t0+32*60_000
	shifted := 0
	for i := range rs {
		p := &rs[i].obs.Position
		if p.Source == "rx2" && rs[i].trueTime >= from && rs[i].trueTime < to {
			p.Time -= 5 * 60_000
			rs[i].bad = true
			shifted++
		}
	}
	// The receivers deliver in arrival order: by true time.
	slices.SortStableFunc(rs, func(a, b report) int { return cmp.Compare(a.trueTime, b.trueTime) })
	p := fusion.NewPicture(fusion.Config{Now: func() time.Time { return (t0 + 86_400_000).Std() }})
	res := applyAll(p, rs)
	flagged := 0
	for i, r := range res {
		if r.Outcome != fusion.Stored {
			continue
		}
		f := r.Position.Flags
		if f&(vessel.FlagTeleport|vessel.FlagIdentityConflict) != 0 {
			t.Errorf("report %d (%s, %v): flags %v", i, rs[i].obs.Position.Source, rs[i].obs.Position.Time, f.Names())
		}
		if rs[i].bad && f&vessel.FlagClock != 0 {
			flagged++
		} else if rs[i].bad && testing.Verbose() {
			t.Logf("report %d (ship %d, %.1f kn, true %v): not flagged clock: %v", i, rs[i].ship, b.movers[rs[i].ship].knots, rs[i].trueTime, f.Names())
		}
		if !rs[i].bad && f&vessel.FlagClock != 0 {
			t.Errorf("report %d (%s): a genuine report flagged clock", i, rs[i].obs.Position.Source)
		}
	}
	if flagged != shifted {
		t.Errorf("%d of %d reports stamped 5 minutes late flagged clock; want all", flagged, shifted)
	}
	recv := p.Receivers()
	if len(recv) != 1 || recv[0].Source != "rx2" || recv[0].Faults != uint64(shifted) || recv[0].Episodes != 1 {
		t.Errorf("receivers %+v; want rx2 with %d faults in one episode", recv, shifted)
	} else if recv[0].Offset > -4*60_000 || recv[0].Offset < -6*60_000 {
		t.Errorf("rx2's offset %v; want about -5 min", time.Duration(recv[0].Offset)*time.Millisecond)
	}
	if st := p.Stats(); st.Clock != uint64(shifted) || st.Flag(vessel.FlagClock) != uint64(shifted) {
		t.Errorf("stats: clock %d, flag %d; want %d", st.Clock, st.Flag(vessel.FlagClock), shifted)
	}
	for s := range b.movers {
		v, _ := p.Vessel(b.movers[s].mmsi)
		want := b.movers[s].at(v.Position.Time)
		if d := geo.Distance(want, geo.Point{Lat: v.Position.Lat, Lon: v.Position.Lon}); d > 100 || len(v.Tracks) != 0 {
			t.Errorf("ship %d: latest %.0f m off its track, tracks %v", s, d, v.Tracks)
		}
	}
	t.Logf("%d reports, %d stamped 5 min late, all flagged clock; receivers %+v", len(rs), shifted, recv)
	if len(recv) == 1 {
		t.Logf("rx2's offset %v", time.Duration(recv[0].Offset)*time.Millisecond)
	}
}

// TestFutureReport: a report dated in 2100 (a forged or broken tag
// block) is stored flagged future and changes nothing: not the latest,
// not the last-heard time. One within the tolerance is fine.
func TestFutureReport(t *testing.T) {
	now := (t0 + 60_000).Std()
	m := func(s float64) geo.Point { return along(mumbai, s) }
	y2100 := vessel.TimeOf(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	far := at(0, m(0))
	far.Position.Time = y2100
	near := at(0, geo.Destination(m(30), 90, 3e6)) // impossible, but future first
	near.Position.Time = y2100 + 1000
	cfg := fusion.Config{Now: func() time.Time { return now }}
	p := run(t, scenario{cfg: cfg, steps: []step{
		st(at(0, m(0)), fusion.Stored, 0),
		st(at(30, m(30)), fusion.Stored, 0),
		st(far, fusion.Stored, vessel.FlagFuture),
		dup(far, sec(y2100)), // heard again: a duplicate of the flagged one
		st(near, fusion.Stored, vessel.FlagFuture),
		st(at(150, m(150)), fusion.Stored, 0),                 // 90 s ahead of now: within 2 min
		st(at(200, m(200)), fusion.Stored, vessel.FlagFuture), // 140 s ahead
		st(at(160, m(160)), fusion.Stored, 0),
	}, want: &final{located: true, sec: 160, pt: m(160)}})
	v, _ := p.Vessel(ship)
	if v.LastHeard != t0+160_000 {
		t.Errorf("LastHeard = %v; want %v (future reports do not count)", v.LastHeard, t0+160_000)
	}
	if st := p.Stats(); st.Flag(vessel.FlagFuture) != 3 {
		t.Errorf("future flags %d; want 3", st.Flag(vessel.FlagFuture))
	}
	// FutureTolerance < 0 turns the check off.
	run(t, scenario{cfg: fusion.Config{Now: cfg.Now, FutureTolerance: -1}, steps: []step{
		st(at(0, m(0)), fusion.Stored, 0),
		st(at(200, m(200)), fusion.Stored, 0),
	}, want: &final{located: true, sec: 200, pt: m(200)}})
}

// TestSatelliteLate: a satellite report of twenty minutes ago, right for
// its time, is late: inserted, not a jump and not a clock fault.
func TestSatelliteLate(t *testing.T) {
	m := func(s float64) geo.Point { return along(mumbai, s) }
	var steps []step
	for s := 0.0; s <= 1800; s += 10 {
		steps = append(steps, st(at(s, m(s)), fusion.Stored, 0))
	}
	steps = append(steps,
		st(at(605, m(605), from("sat")), fusion.Stored, vessel.FlagLate),
		st(at(305, m(305), from("sat")), fusion.Stored, vessel.FlagLate),
		st(at(1810, m(1810)), fusion.Stored, 0),
	)
	p := run(t, scenario{cfg: fusion.Config{Now: func() time.Time { return (t0 + 86_400_000).Std() }}, steps: steps,
		want: &final{located: true, sec: 1810, pt: m(1810)}})
	if r := p.Receivers(); len(r) != 0 {
		t.Errorf("receivers %+v; want no clock evidence", r)
	}
}

// TestEpisodeLifecycle: two transmitters share 412000000; the episode
// opens when the second is confirmed, ends when it has been silent for
// the conflict window, and a new one opens when it comes back. Each
// state and stored position carries its track id.
func TestEpisodeLifecycle(t *testing.T) {
	const m vessel.MMSI = 412000000
	a, b := geo.Point{Lat: 30, Lon: 122.5}, geo.Point{Lat: 25, Lon: 120}
	rep := func(sec float64, base geo.Point) vessel.Observation {
		return at(sec, along(base, sec), id(m))
	}
	p := fusion.NewPicture(fusion.Config{Now: func() time.Time { return (t0 + 86_400_000).Std() }})
	var changes []string
	apply := func(o vessel.Observation) fusion.Result {
		r := p.Apply(&o)
		if r.EpisodeChange != fusion.EpisodeNone {
			changes = append(changes, fmt.Sprintf("%v@%g:%d", r.EpisodeChange, sec(o.Time()), r.Episode.Seq))
		}
		return r
	}
	idA, idB := uint8(0), uint8(0)
	for s := 0.0; s < 600; s += 10 { // both for ten minutes
		ra, rb := apply(rep(s, a)), apply(rep(s+5, b))
		idA, idB = ra.Position.Track, rb.Position.Track
	}
	if idA == idB || idA == 0 || idB == 0 {
		t.Fatalf("track ids %d, %d; want two", idA, idB)
	}
	v, _ := p.Vessel(m)
	if v.Track != idA || v.Position.Track != idA || !v.Confirmed || len(v.Tracks) != 2 || v.Tracks[1].ID != idB || !v.Tracks[1].Confirmed {
		t.Errorf("state: track %d (position's %d), confirmed %v, tracks %+v; want main %d, then %d", v.Track, v.Position.Track, v.Confirmed, v.Tracks, idA, idB)
	}
	if !v.Episode.Open || v.Episode.Seq != 1 || v.Episode.Start != t0+5_000 {
		t.Errorf("episode %+v; want open, 1, from b's first report", v.Episode)
	}
	for s := 600.0; s < 600+3700; s += 60 { // b silent for over an hour
		apply(rep(s, a))
	}
	v, _ = p.Vessel(m)
	if v.Episode.Open || v.Episode.End != t0+595_000 || len(v.Tracks) != 0 || v.Conflict {
		t.Errorf("after b's silence: episode %+v, tracks %v, conflict %v; want closed at b's last report", v.Episode, v.Tracks, v.Conflict)
	}
	for s := 4300.0; s < 4700; s += 10 { // b back
		apply(rep(s, a))
		apply(rep(s+5, b))
	}
	want := []string{"opened@185:1", "closed@4200:1", "opened@4485:2"}
	if !slices.Equal(changes, want) {
		t.Errorf("episode changes %v; want %v", changes, want)
	}
	if st := p.Stats(); st.Episodes != 2 || st.Flag(vessel.FlagTeleport) != 2 {
		t.Errorf("episodes %d, teleports %d; want 2, 2 (b's first report, twice)", st.Episodes, st.Flag(vessel.FlagTeleport))
	}
}

// TestRelocation: a ship silent for 30 minutes reappears 300 km away (its
// earlier track was wrong, or it was carried): the new track is
// tentative, then confirmed, and takes over once the old one has been
// silent for the confirmation span. One transmitter: no episode.
func TestRelocation(t *testing.T) {
	m := func(s float64) geo.Point { return along(mumbai, s) }
	far := geo.Destination(mumbai, 0, 300e3)
	var steps []step
	for s := 0.0; s <= 600; s += 10 {
		steps = append(steps, st(at(s, m(s)), fusion.Stored, 0))
	}
	steps = append(steps, st(at(2400, along(far, 2400)), fusion.Stored, vessel.FlagTeleport))
	for s := 2410.0; s < 2580; s += 10 {
		steps = append(steps, st(at(s, along(far, s)), fusion.Stored, vessel.FlagIdentityConflict))
	}
	steps = append(steps, step{obs: at(2580, along(far, 2580)), out: fusion.Stored, swapped: true})
	steps = append(steps, st(at(2590, along(far, 2590)), fusion.Stored, 0))
	p := run(t, scenario{cfg: fusion.Config{Now: func() time.Time { return (t0 + 86_400_000).Std() }}, steps: steps,
		want: &final{located: true, sec: 2590, pt: along(far, 2590)}})
	if v, _ := p.Vessel(ship); v.Episode.Seq != 0 || p.Stats().Episodes != 0 {
		t.Errorf("episode %+v; want none", v.Episode)
	}
}

// TestEarlySpoof: a consistent burst of five spoofed fixes 40 km off, in
// a vessel's first two minutes (its track not yet confirmed), does not
// take over: the track that has more reports keeps the latest state.
func TestEarlySpoof(t *testing.T) {
	m := func(s float64) geo.Point { return along(mumbai, s) }
	spoof := func(s float64) geo.Point { return geo.Destination(m(s), 45, 40e3) }
	var steps []step
	for s := 0.0; s < 100; s += 10 {
		steps = append(steps, st(at(s, m(s)), fusion.Stored, 0))
	}
	steps = append(steps, st(at(100, spoof(100)), fusion.Stored, vessel.FlagTeleport))
	for s := 110.0; s < 150; s += 10 {
		steps = append(steps, st(at(s, spoof(s)), fusion.Stored, vessel.FlagIdentityConflict))
	}
	for s := 150.0; s < 300; s += 10 {
		steps = append(steps, st(at(s, m(s)), fusion.Stored, 0))
	}
	run(t, scenario{cfg: fusion.Config{Now: func() time.Time { return (t0 + 86_400_000).Std() }}, steps: steps,
		want: &final{located: true, sec: 290, pt: m(290)}})
}
