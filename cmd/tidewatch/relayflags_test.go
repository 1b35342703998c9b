package main

import (
	"io"
	"slices"
	"testing"
)

// TestRelayFlags checks that serve's relay flags make the node's relay
// configuration, and that a bad box is refused.
func TestRelayFlags(t *testing.T) {
	fs := newFlagSet("serve", "", io.Discard)
	nf := addNodeFlags(fs, "")
	err := fs.Parse([]string{"--data", t.TempDir(), "--relay-tcp", "127.0.0.1:10112", "--relay-udp", "127.0.0.1:10113",
		"--relay-bbox", "9,54.5,13,57.8", "--relay-source", "receivers", "--relay-source", "feed", "--relay-tags", "add", "--relay-gpsd", "127.0.0.1:2947"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := nf.build()
	if err != nil {
		t.Fatal(err)
	}
	r := c.Relay
	if r.Listen != "127.0.0.1:10112" || r.UDP != "127.0.0.1:10113" || r.GPSD != "127.0.0.1:2947" || r.Tags != "add" ||
		!slices.Equal(r.BBox, []float64{9, 54.5, 13, 57.8}) || !slices.Equal(r.Sources, []string{"receivers", "feed"}) {
		t.Errorf("relay config %+v", r)
	}
	fs = newFlagSet("serve", "", io.Discard)
	nf = addNodeFlags(fs, "")
	if err := fs.Parse([]string{"--relay-tcp", ":1", "--relay-bbox", "9,58,13,54"}); err != nil {
		t.Fatal(err)
	}
	if _, err := nf.build(); err == nil {
		t.Error("--relay-bbox with south > north accepted")
	}
}
