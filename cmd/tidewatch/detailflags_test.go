package main

import (
	"io"
	"slices"
	"testing"
)

// TestDetailLandFlags checks that serve's --detail-land and --detail-bbox
// make the node's detail_land configuration, and that one without the
// other, or a bad box, is refused.
func TestDetailLandFlags(t *testing.T) {
	fs := newFlagSet("serve", "", io.Discard)
	nf := addNodeFlags(fs, "")
	if err := fs.Parse([]string{"--data", t.TempDir(), "--detail-land", "land.geojson", "--detail-bbox", "103.6,1.15,104.1,1.45",
		"--detail-bbox", "-95.32,29.70,-95.18,29.77"}); err != nil {
		t.Fatal(err)
	}
	c, err := nf.build()
	if err != nil {
		t.Fatal(err)
	}
	if d := c.DetailLand; d == nil || d.File != "land.geojson" || len(d.BBox) != 2 ||
		!slices.Equal(d.BBox[0], []float64{103.6, 1.15, 104.1, 1.45}) || !slices.Equal(d.BBox[1], []float64{-95.32, 29.70, -95.18, 29.77}) {
		t.Errorf("detail land config %+v", c.DetailLand)
	}
	for _, args := range [][]string{
		{"--detail-land", "land.geojson"},
		{"--detail-bbox", "103.6,1.15,104.1,1.45"},
		{"--detail-land", "land.geojson", "--detail-bbox", "103.6,1.45,104.1,1.15"},
	} {
		fs := newFlagSet("serve", "", io.Discard)
		nf := addNodeFlags(fs, "")
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if _, err := nf.build(); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
