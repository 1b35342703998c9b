package ais_test

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/aistest"
)

// loadExpected returns every message of every expectation file.
func loadExpected(t testing.TB) []aistest.Expected {
	t.Helper()
	var all []aistest.Expected
	for _, f := range aistest.ExpectedFiles(t) {
		all = append(all, aistest.LoadExpected(t, f)...)
	}
	return all
}

// payloadOf joins the payload fields of bare sentences and returns the fill
// bits of the last one. It is a test helper, not a framer: the sentences in
// the expectation files are known to be well formed.
func payloadOf(sentences []string) ([]byte, int) {
	var p []byte
	fill := 0
	for _, s := range sentences {
		f := strings.Split(strings.SplitN(s, "*", 2)[0], ",")
		p = append(p, f[5]...)
		fill = int(f[6][0] - '0')
	}
	return p, fill
}

// decodeJSON decodes a message and returns our JSON for it, as a map, with
// gpsd's "class" and "scaled" keys removed like in the expectation files.
func decodeJSON(t testing.TB, d *ais.Decoder, sentences []string, scaled bool) (map[string]any, error) {
	p, fill := payloadOf(sentences)
	m, err := d.Decode(p, fill)
	if err != nil {
		return nil, err
	}
	out := m.AppendJSON(nil, ais.JSONOptions{Scaled: scaled})
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("invalid JSON %s: %v", out, err)
	}
	if got["class"] != "AIS" || got["scaled"] != scaled {
		t.Fatalf("bad class/scaled in %s", out)
	}
	delete(got, "class")
	delete(got, "scaled")
	return got, nil
}

// kind names the message kind for reports: type, part or DAC/FI.
func kind(u map[string]any) string {
	k := fmt.Sprint(u["type"])
	if p, ok := u["part"]; ok {
		k += fmt.Sprint(p)
	}
	if dac, ok := u["dac"]; ok {
		k += fmt.Sprintf(":%v/%v", dac, u["fid"])
	}
	return k
}

// diff compares two decoded JSON objects and describes the differences.
// allow may excuse a key (a documented deliberate difference).
func diff(got, want map[string]any, allow func(key string, got, want any) bool) []string {
	var d []string
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			d = append(d, fmt.Sprintf("missing %q (want %v)", k, w))
			continue
		}
		if !equalJSON(g, w) && (allow == nil || !allow(k, g, w)) {
			d = append(d, fmt.Sprintf("%q = %v, want %v", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			d = append(d, fmt.Sprintf("extra %q = %v", k, g))
		}
	}
	sort.Strings(d)
	return d
}

func equalJSON(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && (a == b || math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)))
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalJSON(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		return ok && len(diff(a, b, nil)) == 0
	}
	return a == b
}

// scaledTurnAllowed excuses gpsd 3.22's unsigned scaled rate of turn: we
// print the signed value (ITU-R M.1371), gpsd drops the sign.
func scaledTurnAllowed(unscaled map[string]any) func(string, any, any) bool {
	return func(key string, got, want any) bool {
		if key != "turn" {
			return false
		}
		g, ok1 := got.(float64)
		w, ok2 := want.(float64)
		raw, _ := unscaled["turn"].(float64)
		return ok1 && ok2 && math.Abs(g) == w && (g < 0) == (raw < 0) || g == 0 && w == 0
	}
}

// TestExpected checks every message in testdata/ais/expected against
// gpsdecode 3.22, field by field, in both presentations.
func TestExpected(t *testing.T) {
	all := loadExpected(t)
	var d ais.Decoder
	failures := map[string]int{}
	examples := map[string]string{}
	skipped := 0
	for _, e := range all {
		if aistest.FramingRejected(e.Sentences) {
			skipped++
			continue
		}
		k := kind(e.Unscaled)
		for _, scaled := range []bool{false, true} {
			want := e.Unscaled
			var allow func(string, any, any) bool
			if scaled {
				want = e.Scaled
				allow = scaledTurnAllowed(e.Unscaled)
			}
			got, err := decodeJSON(t, &d, e.Sentences, scaled)
			var msg string
			if err != nil {
				msg = err.Error()
			} else if dd := diff(got, want, allow); len(dd) > 0 {
				msg = strings.Join(dd, "; ")
			} else {
				continue
			}
			key := fmt.Sprintf("%s scaled=%v", k, scaled)
			failures[key]++
			if _, ok := examples[key]; !ok {
				examples[key] = fmt.Sprintf("%s %q: %s", e.ID, e.Sentences, msg)
			}
		}
	}
	keys := make([]string, 0, len(failures))
	for k := range failures {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("%s: %d mismatches; first: %s", k, failures[k], examples[k])
	}
	// In the real captures (aishub-3min.nmea) two type 21 messages carry
	// fill bits on a first fragment and eight type 6 messages 6 fill bits.
	if skipped != 10 {
		t.Errorf("%d messages with fill bits our framer rejects, want 10", skipped)
	}
	t.Logf("%d messages compared, %d skipped", len(all)-skipped, skipped)
}
