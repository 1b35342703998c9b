package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const asterixData = "../../../shared/testdata/radar/asterix"

func asterixFixture(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(asterixData, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("reference data absent: %v", err)
	}
	return p
}

// TestAsterixCommand decodes the CAT 062/065 capture: one object per CAT 062
// record, the CAT 065 block skipped and counted, the track's fields at the
// top level and every item under "items".
func TestAsterixCommand(t *testing.T) {
	code, out, errOut := runCmd(t, "", "asterix", "--stats", asterixFixture(t, "cat_062_065.pcap"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	objs := objects(t, out)
	if len(objs) != 2 {
		t.Fatalf("%d objects; want 2", len(objs))
	}
	o := objs[0]
	if o["cat"] != 62.0 || o["sac"] != 25.0 || o["sic"] != 100.0 || o["track"] != 4713.0 || o["mode3a"] != "1275" {
		t.Errorf("object %v", o)
	}
	// I105 of the reference decode: 41.1671233, 15.7088667.
	if lat, lon := o["lat"].(float64), o["lon"].(float64); math.Abs(lat-41.1671233) > 1e-6 || math.Abs(lon-15.7088667) > 1e-6 {
		t.Errorf("lat, lon = %v, %v", lat, lon)
	}
	if o["time"] != "2014-02-25T12:43:47.3984375Z" {
		t.Errorf("time %v", o["time"])
	}
	items := o["items"].(map[string]any)
	for _, id := range []string{"I010", "I015", "I070", "I105", "I100", "I185", "I210", "I060", "I380", "I040", "I080", "I290", "I200", "I295", "I136", "I130", "I135", "I220", "I340"} {
		if _, ok := items[id]; !ok {
			t.Errorf("item %s missing", id)
		}
	}
	if len(items) != 19 {
		t.Errorf("%d items; want 19", len(items))
	}
	if !strings.Contains(errOut, "skipped blocks 1 (CAT 065: 1)") || !strings.Contains(errOut, "errors 0") {
		t.Errorf("stats: %s", errOut)
	}
}

// TestAsterixSites locates CAT 048 targets from the site a radar announces
// in CAT 034 I120, or from --site, which takes precedence.
func TestAsterixSites(t *testing.T) {
	pcap := asterixFixture(t, "cat_034_048.pcap")
	located := func(args ...string) (n, sic12 int, lat float64) {
		code, out, errOut := runCmd(t, "", append([]string{"asterix"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, o := range objects(t, out) {
			if o["cat"] == 48.0 && o["lat"] != nil {
				n++
				if o["sic"] == 12.0 {
					sic12++
					lat = o["lat"].(float64)
				}
			}
		}
		return n, sic12, lat
	}
	// Only radar 25/12 announces its site, after some of its reports.
	n, sic12, lat := located(pcap)
	if n == 0 || n != sic12 || lat < 41 || lat > 48 {
		t.Errorf("from CAT 034: %d located, %d of radar 25/12, last lat %v", n, sic12, lat)
	}
	// A configured site is used from the first report on.
	m, m12, _ := located("--site", "25/12=0,0", pcap)
	if m12 <= sic12 || m != m12 {
		t.Errorf("with --site: %d located of radar 25/12 (%d without)", m12, sic12)
	}
}

func TestAsterixBadInput(t *testing.T) {
	dir := t.TempDir()
	// A good CAT 048 block (I010, I140), then a block with a truncated record.
	raw := []byte{48, 0, 9, 0xC0, 0x19, 0xC9, 0x35, 0x6D, 0x4D, 48, 0, 5, 0xC0, 0x19}
	p := filepath.Join(dir, "bad.ast")
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "", "asterix", "--stats", p)
	if code != 0 || len(objects(t, out)) != 1 {
		t.Fatalf("exit %d, output %q, stderr %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "offset 13: CAT 048 I048/010: truncated") || !strings.Contains(errOut, "truncated 1") {
		t.Errorf("stderr: %s", errOut)
	}
	if code, _, _ := runCmd(t, "", "asterix", filepath.Join(dir, "absent")); code != 1 {
		t.Errorf("absent file: exit %d; want 1", code)
	}
	if code, _, _ := runCmd(t, "", "asterix", "--site", "1/2=95,0", p); code != 2 {
		t.Errorf("bad --site: exit %d; want 2", code)
	}
	if code, _, _ := runCmd(t, "", "asterix"); code != 2 {
		t.Errorf("no file: exit %d; want 2", code)
	}
}
