package server

import (
	"context"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/store"
)

// TestNodeAnchoragesAPI checks the wiring of GET /api/v1/anchorages: a
// node serves the anchorages its event detection knows, here those a
// previous run saved in its data directory.
func TestNodeAnchoragesAPI(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	db, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	saved := []event.Anchorage{{Lat: 29.3405, Lon: -94.7242, Vessels: 14}, {Lat: 29.7331, Lon: -95.018, Vessels: 6}}
	if err := event.SaveAnchorages(filepath.Join(data, anchoragesFile), saved); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Data: data, Listen: "127.0.0.1:0", Land: "none", AllowAnonymousRead: true}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		clock := func() time.Time { return time.Date(2022, 1, 3, 12, 0, 0, 0, time.UTC) }
		done <- Run(ctx, Options{Config: cfg, Now: clock, Started: func(a net.Addr) { started <- a }})
	}()
	var addr net.Addr
	select {
	case addr = <-started:
	case err := <-done:
		t.Fatalf("node did not start: %v", err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	resp, err := apiClient(t).Get("http://" + addr.String() + "/api/v1/anchorages?bbox=-95.1,29.2,-94.6,29.8")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry struct {
				Coordinates [2]float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				ID          int     `json:"id"`
				Vessels     int     `json:"vessels"`
				Since       *string `json:"since"`
				RadiusM     float64 `json:"radius_m"`
				NearestPort *struct {
					Name      string  `json:"name"`
					Country   string  `json:"country"`
					DistanceM float64 `json:"distance_m"`
				} `json:"nearest_port"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&fc); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/anchorages: %s, %v", resp.Status, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("Content-Type %q", ct)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != len(saved) {
		t.Fatalf("got %+v; want the %d saved anchorages", fc, len(saved))
	}
	// The nearest ports of the bundled World Port Index: Galveston
	// (29.31667, -94.78333) and Baytown (29.73333, -95.01667), with the
	// distances geo.Distance gives.
	near := []struct {
		name string
		port geo.Point
	}{{"GALVESTON", geo.Point{Lat: 29.31667, Lon: -94.78333}}, {"BAYTOWN", geo.Point{Lat: 29.73333, Lon: -95.01667}}}
	for i, f := range fc.Features {
		if f.Geometry.Coordinates != [2]float64{saved[i].Lon, saved[i].Lat} || f.Properties.Vessels != saved[i].Vessels {
			t.Errorf("feature %d = %+v; want %+v", i, f, saved[i])
		}
		pr := f.Properties
		if pr.ID != i+1 || pr.Since != nil || pr.RadiusM != 3000 {
			t.Errorf("feature %d: id %d, since %v, radius %v m; want id %d, since null (saved by a previous run), the default port-visit radius 3000 m", i, pr.ID, pr.Since, pr.RadiusM, i+1)
		}
		wantD := math.Round(geo.Distance(geo.Point{Lat: saved[i].Lat, Lon: saved[i].Lon}, near[i].port))
		if np := pr.NearestPort; np == nil || np.Name != near[i].name || np.Country != "USA" || np.DistanceM != wantD {
			t.Errorf("feature %d: nearest port %+v; want %s, USA, %v m", i, np, near[i].name, wantD)
		}
	}
}
