package fusion_test

import (
	"fmt"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func Example() {
	p := fusion.NewPicture(fusion.Config{})
	report := func(sec int, lat, lon float64, src string) fusion.Result {
		o := vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{
			MMSI: 419000123, Time: vessel.Time(1_700_000_000_000 + sec*1000), Lat: lat, Lon: lon,
			SOG: 100, COG: 900, Heading: 90, Source: src,
		}}
		return p.Apply(&o)
	}
	r := report(0, 18.9, 72.7, "rx1")
	fmt.Println(r.Outcome, r.Position.Flags.Names())
	r = report(2, 18.9, 72.7, "rx2") // the same transmission, heard by rx2
	fmt.Println(r.Outcome, r.Source)
	r = report(10, 35.45, 139.8, "rx1") // Tokyo, ten seconds later
	fmt.Println(r.Outcome, r.Position.Flags.Names())
	v, _ := p.Vessel(419000123)
	fmt.Println(v.Position.Lat, v.Position.Lon, v.Flag.Code, v.Positions, v.Duplicates)
	// Output:
	// stored []
	// duplicate rx2
	// stored [teleport]
	// 18.9 72.7 IN 2 1
}

// Two ships transmit the placeholder MMSI 412000000, one off Shanghai and
// one off Xiamen. Each gets its own track; once both are confirmed (three
// reports over three minutes) the picture opens one identity episode,
// and the second ship's reports are flagged identity_conflict, never
// teleport after its first.
func Example_episode() {
	p := fusion.NewPicture(fusion.Config{})
	report := func(sec int, lat float64) fusion.Result {
		o := vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{
			MMSI: 412000000, Time: vessel.Time(1_700_000_000_000 + sec*1000), Lat: lat + float64(sec)/1e5, Lon: 122,
			SOG: 100, COG: 0, Heading: 0, Source: "rx1",
		}}
		return p.Apply(&o)
	}
	for sec := 0; sec <= 240; sec += 60 {
		a, b := report(sec, 31), report(sec+30, 24.5)
		fmt.Println(sec, a.Position.Track, a.Position.Flags.Names(), b.Position.Track, b.Position.Flags.Names(), b.EpisodeChange)
	}
	v, _ := p.Vessel(412000000)
	fmt.Println(v.Episode.Seq, v.Episode.Tracks, v.Episode.Open, len(v.Tracks))
	// Output:
	// 0 1 [] 2 [teleport] none
	// 60 1 [] 2 [identity_conflict] none
	// 120 1 [] 2 [identity_conflict] none
	// 180 1 [] 2 [identity_conflict] opened
	// 240 1 [] 2 [identity_conflict] none
	// 1 [1 2] true 2
}
