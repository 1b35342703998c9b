package incident_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func Example() {
	dir, _ := os.MkdirTemp("", "incident-example")
	defer os.RemoveAll(dir)
	s, err := incident.Open(filepath.Join(dir, "incidents.log"), incident.Options{Node: "IN-IFC-IOR"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	now := time.Date(2025, 9, 3, 6, 0, 0, 0, time.UTC)
	tlp, _ := incident.ParseTLP("amber")
	in, err := s.Put(incident.Incident{
		Kind: incident.KindIncident, Category: incident.Piracy,
		Title: "Skiff approach", Start: vessel.TimeOf(now.Add(-2 * time.Hour)),
		Lat: 12.61, Lon: 45.34, HasPoint: true,
		Vessels: []vessel.MMSI{636012345}, TLP: tlp, ReleasableTo: []string{"JP-JCG"},
	}, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	in.Narrative = "Two skiffs, ladders seen; the ship increased speed."
	in, err = s.Put(in, now.Add(time.Hour)) // an edit of version 1
	fmt.Println(in.Version, in.Origin, in.TLP, err)
	_, err = s.Put(s.History(in.ID)[0], now) // an edit of a stale version
	fmt.Println(err != nil)
	for _, r := range s.List(incident.Filter{Category: incident.Piracy}) {
		fmt.Println(r.Title, r.Category.Label())
	}
	// Output:
	// 2 IN-IFC-IOR TLP:AMBER <nil>
	// true
	// Skiff approach Piracy and armed robbery
}
