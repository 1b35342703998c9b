package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const amsaTagged = "../../testdata/ais/raw/amsa-timestamped-tagblock.nmea"

// storedPositions reads "store: N positions" from an ingest summary.
func storedPositions(t *testing.T, summary string) string {
	t.Helper()
	m := regexp.MustCompile(`store: (\d+) positions`).FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("no store line in the ingest summary:\n%s", summary)
	}
	return m[1]
}

// TestRetainIgnoresFutureReport: a file of real reports from 2014 plus one
// report dated 2100 (tag-block time 4102444800), ingested with --retain
// 30d, keeps everything: retention counts back from the newest plausible
// report, not from the one in the future.
func TestRetainIgnoresFutureReport(t *testing.T) {
	real, err := os.ReadFile(amsaTagged)
	if err != nil {
		t.Fatal(err)
	}
	// The AMSA file's tag blocks carry the checksum *00: keep their times.
	input := strings.TrimRight(string(real), "\n") + "\n" + tagged("rx-bogus", 4102444800, "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A") + "\n"
	file := filepath.Join(t.TempDir(), "future.nmea")
	if err := os.WriteFile(file, []byte(input), 0o600); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "plain")
	code, _, base := runCmd(t, "", "ingest", "--data", plain, "--progress", "never", "--keep-bad-tag-checksums", file)
	if code != 0 {
		t.Fatalf("ingest: exit %d\n%s", code, base)
	}
	kept := filepath.Join(t.TempDir(), "kept")
	code, _, withRetain := runCmd(t, "", "ingest", "--data", kept, "--progress", "never", "--retain", "30d", "--keep-bad-tag-checksums", file)
	if code != 0 {
		t.Fatalf("ingest --retain 30d: exit %d\n%s", code, withRetain)
	}
	if strings.Contains(withRetain, "retention removed") {
		t.Errorf("retention removed positions because of one report dated 2100:\n%s", withRetain)
	}
	if a, b := storedPositions(t, base), storedPositions(t, withRetain); a != b || a == "0" {
		t.Errorf("--retain 30d stored %s positions, without it %s", b, a)
	}
	// The future report is still kept as evidence.
	code, out, stderr := runCmd(t, "", "track", "--data", kept, "371798000", "--flagged", "--from", "2099-12-31T00:00:00Z", "--to", "2100-01-02T00:00:00Z")
	if code != 0 || len(objects(t, out)) != 1 {
		t.Errorf("track of the year-2100 report: exit %d, %q %s", code, out, stderr)
	}
}
