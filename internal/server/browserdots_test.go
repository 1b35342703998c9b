package server

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// dotsVessels is how many ships TestBrowserDots simulates: more than the
// map's 5,000 above which it draws dots (DOTS_ABOVE in
// internal/webui/app/src/shipdiff.ts).
const dotsVessels = 6000

// TestBrowserDots runs e2e/features/dots.mjs (dots mode: the dots layer,
// the legend's note and colours, a click on a dot, the icons back when
// zoomed in) against a real node with dotsVessels simulated ships (the
// demo's traffic, 30 minutes of history at the low rate and the last minute at the full one, no event detection), through the
// proxy that checks every answer against openapi.json. Screenshots go to
// $TIDEWATCH_ARTIFACTS/features, else to e2e/artifacts. It skips as
// TestBrowserMap does.
func TestBrowserDots(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	e2e, missing := browser(t)
	if missing != "" {
		t.Skipf("%s missing", missing)
	}
	start := time.Now()
	demo := simulate.NewDemo(dotsVessels, vessel.TimeOf(start))
	dir := t.TempDir()
	node := startNode(t, Options{Config: Config{Data: filepath.Join(dir, "data"), Listen: "127.0.0.1:0", AllowAnonymousRead: true,
		Events: Events{Off: true}},
		Extra: func(submit func([]vessel.Observation) bool) []Runner {
			return []Runner{&SimulatedTraffic{Seed: 3, Config: &demo.Config, Start: start, Backfill: time.Minute, History: 30 * time.Minute, Submit: submit}}
		}})
	t0 := time.Now()
	api := apiClient(t)
	waitFor(t, 60*time.Second, fmt.Sprintf("more than %d ships in the picture", dotsVessels-100), func() bool {
		var list struct {
			Count int `json:"count"`
		}
		return fetchJSON(api, node.base+"/api/v1/vessels?bbox=-180,-90,180,90&limit=1", &list) == nil && list.Count > dotsVessels-100
	})
	t.Logf("%d ships in the picture %.1f s after the node started", dotsVessels, time.Since(t0).Seconds())
	artifacts := filepath.Join(e2e, "artifacts")
	if a := os.Getenv("TIDEWATCH_ARTIFACTS"); a != "" {
		artifacts = filepath.Join(a, "features")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(e2e, "features", "dots.mjs"))
	cmd.Env = append(os.Environ(), "BASE_URL="+checkedProxy(t, node.base), "ARTIFACTS="+artifacts, "TIMEOUT_MS="+browserWait,
		fmt.Sprintf("DOTS_MIN=%d", dotsVessels-100))
	t1 := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("dots.mjs (%.1f s):\n%s", time.Since(t1).Seconds(), out)
	if err != nil {
		t.Fatalf("dots.mjs: %v", err)
	}
	node.stop(t)
}
