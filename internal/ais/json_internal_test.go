package ais

import (
	"strconv"
	"testing"
)

// TestFixedMatchesFloat checks the integer formatting of scaled values
// against strconv's correctly rounded formatting of the float64 quotient
// (which is what C's printf prints, and so gpsd): every type 27 and 1/10
// value, and lon/lat values across the whole range.
func TestFixedMatchesFloat(t *testing.T) {
	check := func(raw, den int64, prec int) {
		t.Helper()
		got := string(jFixed(nil, "k", raw, den, prec))
		want := `,"k":` + strconv.FormatFloat(float64(raw)/float64(den), 'f', prec, 64)
		if got != want {
			t.Fatalf("jFixed(%d, %d, %d) = %s, want %s", raw, den, prec, got, want)
		}
	}
	for raw := int64(-181 * 600); raw <= 181*600; raw++ {
		check(raw, 600, 1) // type 27 lon/lat, ties included
	}
	for raw := int64(0); raw <= 4095; raw++ {
		check(raw, 10, 1) // speed, course, draught
	}
	for raw := int64(-181 * 600000); raw <= 181*600000; raw += 997 {
		check(raw, 600000, 6) // lon/lat
	}
	for _, raw := range []int64{-1, 1, -2, 2, 3, -3, 108600000, 54600000, -108000000, -54000000} {
		check(raw, 600000, 6)
	}
}

// TestDeg6AndTenth checks the specialised hot-path formatters the same way:
// every 28-bit longitude value in steps, every small value, and every
// 1/10 value of a 12-bit field.
func TestDeg6AndTenth(t *testing.T) {
	check := func(raw int32) {
		got := string(jDeg6(nil, "k", raw))
		want := `,"k":` + strconv.FormatFloat(float64(raw)/600000, 'f', 6, 64)
		if got != want {
			t.Fatalf("jDeg6(%d) = %s, want %s", raw, got, want)
		}
	}
	for raw := int32(-1 << 27); raw < 1<<27; raw += 101 {
		check(raw)
	}
	for raw := int32(-100000); raw <= 100000; raw++ {
		check(raw)
	}
	for raw := uint64(0); raw < 4096; raw++ {
		got := string(jTenth(nil, "k", raw))
		if want := `,"k":` + strconv.FormatFloat(float64(raw)/10, 'f', 1, 64); got != want {
			t.Fatalf("jTenth(%d) = %s, want %s", raw, got, want)
		}
	}
}
