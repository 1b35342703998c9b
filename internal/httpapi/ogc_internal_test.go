package httpapi

import (
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestParseDatetime(t *testing.T) {
	now := time.Date(2022, 1, 3, 12, 0, 0, 0, time.UTC)
	at := func(s string) vessel.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return vessel.TimeOf(tm)
	}
	for _, tc := range []struct {
		in       string
		from, to vessel.Time
		bad      bool
	}{
		{in: "2022-01-03T00:00:00Z", from: at("2022-01-03T00:00:00Z"), to: at("2022-01-03T00:00:00Z")},
		{in: "2022-01-03T00:00:00Z/2022-01-03T01:00:00Z", from: at("2022-01-03T00:00:00Z"), to: at("2022-01-03T01:00:00Z")},
		{in: "../2022-01-03T01:00:00Z", from: minTime, to: at("2022-01-03T01:00:00Z")},
		{in: "2022-01-03T00:00:00Z/..", from: at("2022-01-03T00:00:00Z"), to: maxTime},
		{in: "2022-01-03T00:00:00Z/", from: at("2022-01-03T00:00:00Z"), to: maxTime},
		{in: "/2022-01-03T01:00:00Z", from: minTime, to: at("2022-01-03T01:00:00Z")},
		{in: "../..", from: minTime, to: maxTime},
		{in: "..", bad: true},
		{in: "2022-01-03T01:00:00Z/2022-01-03T00:00:00Z", bad: true},
		{in: "yesterday", bad: true},
		{in: "2022-01-03T00:00:00Z/soon", bad: true},
	} {
		from, to, err := parseDatetime(tc.in, now)
		if tc.bad {
			if err == nil {
				t.Errorf("parseDatetime(%q) = %v, %v; want an error", tc.in, from, to)
			}
			continue
		}
		if err != nil || from != tc.from || to != tc.to {
			t.Errorf("parseDatetime(%q) = %v, %v, %v; want %v, %v", tc.in, from, to, err, tc.from, tc.to)
		}
	}
}

// FuzzParseDatetime: the datetime parameter comes from any client. It
// never panics, and an accepted interval is ordered and within the
// bounds that keep time arithmetic from overflowing.
func FuzzParseDatetime(f *testing.F) {
	for _, s := range []string{"2022-01-03T00:00:00Z", "../2022-01-03", "2022-01-03/..", "-2h/now", "@1641168000", "/", "9999-12-31T23:59:59Z/..", "-9999999d/+9999999d"} {
		f.Add(s)
	}
	now := time.Date(2022, 1, 3, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		from, to, err := parseDatetime(s, now)
		if err != nil {
			return
		}
		if from > to || from < minTime || to > maxTime {
			t.Errorf("parseDatetime(%q) = %v, %v: out of order or bounds", s, from, to)
		}
	})
}
