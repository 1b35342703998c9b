package httpapi_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
)

// BenchmarkHistoryAPI measures the history routes on the NOAA day of the
// fixture, through the handler (no network): near (5 km around the
// busiest vessel's middle report, the whole day), track (that vessel's
// day, JSON), the picture at a past moment (vessels?at=), and one
// vessel at a past moment. cpu-ms/op is the process's CPU time per
// request. It is the benchmark of the API's history reads that the
// interfaces of interfaces.go must not slow (compare with main's by
// building this file there with DB: fx.db, Picture: fx.pic).
func BenchmarkHistoryAPI(b *testing.B) {
	var busiest fusion.State
	fx.pic.Range(func(s *fusion.State) bool {
		if s.Located && s.Positions > busiest.Positions {
			busiest = *s
		}
		return true
	})
	from, to, _ := fx.db.Bounds()
	pts, err := fx.db.Track(busiest.MMSI, from, to, false)
	if err != nil || len(pts) < 10 {
		b.Fatalf("busiest vessel %d: %d positions, %v", busiest.MMSI, len(pts), err)
	}
	mid := pts[len(pts)/2]
	api := httpapi.New(httpapi.Config{
		DB: bind.History(fx.db), Picture: bind.Picture(fx.pic), AllowAnonymousRead: true,
		Registry: prometheus.NewRegistry(), Now: func() time.Time { return fx.now },
	})
	window := fmt.Sprintf("from=%s&to=%s", from, to)
	for _, c := range []struct{ name, path string }{
		{"near", fmt.Sprintf("/api/v1/near?lat=%f&lon=%f&radius=5km&%s", mid.Lat, mid.Lon, window)},
		{"track", fmt.Sprintf("/api/v1/vessels/%d/track?%s", busiest.MMSI, window)},
		{"vessels-at", fmt.Sprintf("/api/v1/vessels?at=%s", mid.Time)},
		{"vessel-at", fmt.Sprintf("/api/v1/vessels/%d?at=%s", busiest.MMSI, mid.Time)},
	} {
		b.Run(c.name, func(b *testing.B) {
			benchAnswers(b, api, httptest.NewRequest("GET", c.path, nil), true, nil)
		})
	}
}
