package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// TestTrackHypothesesCLI: on the real NOAA day, MMSI 211002010 is split by
// fusion into several track hypotheses; track prints each position's,
// --track main keeps the main one (the most unflagged positions), --track
// N one by id, and a geojson line never joins two hypotheses.
func TestTrackHypothesesCLI(t *testing.T) {
	dir := ingested(t)
	const m = "211002010"
	code, out, stderr := runCmd(t, "", "track", "--data", dir, "--flagged", m)
	if code != 0 {
		t.Fatalf("track: exit %d: %s", code, stderr)
	}
	count, good := map[float64]int{}, map[float64]int{}
	for _, o := range objects(t, out) {
		id, ok := o["track"].(float64)
		if !ok {
			t.Fatalf("a position without track: %v", o)
		}
		count[id]++
		if fl, _ := o["flags"].([]any); len(fl) == 0 {
			good[id]++
		}
	}
	if len(count) < 2 {
		t.Fatalf("MMSI %s has hypotheses %v; the data no longer exercises several", m, count)
	}
	var main float64
	for id := range count {
		if id != 0 && (main == 0 || good[id] > good[main]) {
			main = id
		}
	}
	other := 0.0 // another hypothesis than the main one
	for id := range count {
		if id != main && id != 0 && (other == 0 || id < other) {
			other = id
		}
	}
	for _, tc := range []struct {
		sel  string
		want float64
	}{{"main", main}, {strconv.Itoa(int(other)), other}, {strconv.Itoa(int(main)), main}} {
		code, out, stderr := runCmd(t, "", "track", "--data", dir, "--flagged", "--track", tc.sel, m)
		if code != 0 {
			t.Fatalf("track --track %s: exit %d: %s", tc.sel, code, stderr)
		}
		objs := objects(t, out)
		if len(objs) != count[tc.want] {
			t.Errorf("--track %s: %d positions; want %d of hypothesis %v", tc.sel, len(objs), count[tc.want], tc.want)
		}
		for _, o := range objs {
			if o["track"] != tc.want {
				t.Fatalf("--track %s: a position of hypothesis %v; want %v", tc.sel, o["track"], tc.want)
			}
		}
	}

	// GeoJSON: all hypotheses give no line (and say why); the main one has
	// its line.
	lineOf := func(args ...string) (int, string) {
		t.Helper()
		code, out, stderr := runCmd(t, "", append([]string{"track", "--data", dir, "--flagged", "--format", "geojson", m}, args...)...)
		if code != 0 {
			t.Fatalf("track %v: exit %d: %s", args, code, stderr)
		}
		var fc struct {
			Features []struct {
				Geometry struct {
					Type        string
					Coordinates json.RawMessage
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &fc); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		n := -1
		for _, f := range fc.Features {
			if f.Geometry.Type == "LineString" {
				var c [][2]float64
				json.Unmarshal(f.Geometry.Coordinates, &c)
				n = len(c)
			}
		}
		return n, stderr
	}
	if n, stderr := lineOf(); n != -1 || !strings.Contains(stderr, "no line drawn") {
		t.Errorf("geojson of all hypotheses: a line of %d points, stderr %q; want none, and a note", n, stderr)
	}
	if n, _ := lineOf("--track", "main"); n != count[main] {
		t.Errorf("geojson of the main hypothesis: a line of %d points; want %d", n, count[main])
	}

	for _, bad := range []string{"first", "256", "-1"} {
		code, _, stderr := runCmd(t, "", "track", "--data", dir, "--track", bad, m)
		if code != 2 || !strings.Contains(stderr, "--track") {
			t.Errorf("--track %s: exit %d, %q; want a usage error", bad, code, stderr)
		}
	}
}
