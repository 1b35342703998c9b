package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// readmeBlocks returns the README's fenced code blocks, each as its lines.
func readmeBlocks(t *testing.T) (readme string, blocks [][]string) {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme = string(b)
	var cur []string
	in := false
	for line := range strings.SplitSeq(readme, "\n") {
		if strings.HasPrefix(line, "```") {
			if in {
				blocks = append(blocks, cur)
				cur = nil
			}
			in = !in
			continue
		}
		if in {
			cur = append(cur, line)
		}
	}
	return readme, blocks
}

// TestREADMEForNewUsers checks the README points of issue 11 that a new
// user trips on: the build command that works from a clone (not go
// install of the unpublished module path) and that the first build takes
// minutes; no "partner sharing is next"; no command that reads a file
// outside the repository; the policy file format documented (its example
// is parsed by TestReadmePolicyExample); an example polygon for area (run
// by TestREADMEArea).
func TestREADMEForNewUsers(t *testing.T) {
	readme, blocks := readmeBlocks(t)
	for _, want := range []string{
		"go build -o tidewatch ./cmd/tidewatch     # the first build takes a few minutes",
		"`go install github.com/...@latest` does not work",
		"### The policy file",
		"tw area --polygon testdata/areas/galveston-bay-north.geojson",
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README lacks %q", want)
		}
	}
	if strings.Contains(strings.ToLower(readme), "partner sharing is next") {
		t.Error(`README still says "Partner sharing is next"`)
	}
	if _, err := os.Stat("../../testdata/areas/galveston-bay-north.geojson"); err != nil {
		t.Errorf("the area example's polygon: %v", err)
	}
	outside := regexp.MustCompile(`(^|[\s=])\.\./`)
	for _, b := range blocks {
		for _, line := range b {
			if strings.HasPrefix(strings.TrimSpace(line), "go install github.com") {
				t.Errorf("README tells to run %q (the module path is not published)", line)
			}
			if outside.MatchString(line) {
				t.Errorf("README's command reads a file outside the repository: %q", line)
			}
		}
	}
}

// TestREADMESynopses: every option of serve and of the picture's
// commands (ingest, track, near, area, vessels, events, simulate,
// export), as their -h lists it, is in the command's synopsis in the
// README: the full serve synopsis of issue 11.
func TestREADMESynopses(t *testing.T) {
	_, blocks := readmeBlocks(t)
	// The synopsis lines of each command: a line "tidewatch CMD ..." and
	// the indented lines after it.
	syn := map[string]string{}
	for _, b := range blocks {
		cmd := ""
		for _, line := range b {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "tidewatch" {
				cmd = f[1]
			} else if !strings.HasPrefix(line, " ") {
				cmd = ""
			}
			if cmd != "" {
				syn[cmd] += line + "\n"
			}
		}
	}
	flagLine := regexp.MustCompile(`^  -([a-z][a-z0-9-]*)`)
	for _, cmd := range []string{"serve", "ingest", "track", "near", "area", "vessels", "events", "simulate", "export"} {
		t.Run(cmd, func(t *testing.T) {
			text, ok := syn[cmd]
			if !ok {
				t.Fatalf("no synopsis of %s in the README", cmd)
			}
			_, out, stderr := runCmd(t, "", cmd, "-h")
			n := 0
			for line := range strings.SplitSeq(out+stderr, "\n") {
				m := flagLine.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				n++
				name := m[1]
				if !regexp.MustCompile(`(^|[\s\[(|])--?` + regexp.QuoteMeta(name) + `($|[\s\]=)|])`).MatchString(text) {
					t.Errorf("tidewatch %s -%s is not in the README's synopsis", cmd, name)
				}
			}
			if n < 3 {
				t.Fatalf("%s -h listed %d options; want its flag list:\n%s%s", cmd, n, out, stderr)
			}
		})
	}
}

// TestHelp: -h of every command prints its usage and exits 0, without
// running anything (ingest -h used to crash on a nil options after the
// usage, events -h to go on and fail for want of a data directory).
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"decode", "asterix", "detections", "contacts", "ingest", "serve", "demo", "token", "node", "partner",
		"policy", "simulate", "events", "track", "near", "area", "vessels", "store", "export", "basemap"} {
		code, out, stderr := runCmd(t, "", cmd, "-h")
		if code != 0 || !strings.Contains(strings.ToLower(out+stderr), "usage") || strings.Contains(stderr, "tidewatch:") || strings.Contains(stderr, "panic") {
			t.Errorf("%s -h: exit %d, stderr ends %q; want exit 0 and the usage only", cmd, code, tail(stderr, 300))
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
