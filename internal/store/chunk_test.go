package store

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestChunkRoundTripReal encodes every vessel of the real tracks as chunks
// and decodes them back exactly; it logs the encoded size per position.
func TestChunkRoundTripReal(t *testing.T) {
	for _, name := range []string{"noaa_us_coast_20220103.csv.gz", "dma_stream_20100611_from_nmea.csv.gz",
		"auckland_hauraki_20170907_09.csv.gz", "suez_evergiven_20210320_24.csv.gz", "boston_201401.csv.gz"} {
		t.Run(name, func(t *testing.T) {
			rows := readTrackRows(t, trackFile(t, name))
			var bytes, n int
			var buf []byte
			var got []point
			for mmsi, pts := range byVessel(rows) {
				for len(pts) > 0 {
					k := min(len(pts), maxPointsPerChunk)
					buf = appendChunk(buf[:0], pts[:k])
					bytes += len(buf)
					n += k
					var err error
					got, err = decodeChunk(got[:0], buf)
					if err != nil {
						t.Fatalf("%d: %v", mmsi, err)
					}
					if !reflect.DeepEqual(got, pts[:k]) {
						t.Fatalf("%d: round trip differs", mmsi)
					}
					pts = pts[k:]
				}
			}
			if n != len(rows) {
				t.Fatalf("%d points encoded, %d rows", n, len(rows))
			}
			t.Logf("%s: %d positions, %.2f bytes/position in chunks", name, n, float64(bytes)/float64(n))
		})
	}
}

func TestChunkRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 2000; iter++ {
		n := 1 + rng.IntN(50)
		pts := make([]point, n)
		tm := rng.Int64N(1 << 42)
		for i := range pts {
			tm += rng.Int64N(100000)
			pts[i] = point{t: tm, lat: int32(rng.Int64N(180*coordScale+1) - 90*coordScale), lon: int32(rng.Int64N(360*coordScale+1) - 180*coordScale),
				sog: uint16(rng.IntN(1024)), cog: uint16(rng.IntN(3601)), hdg: uint16(rng.IntN(512)), status: uint8(rng.IntN(16)),
				flags: uint16(rng.IntN(64)), src: uint32(rng.IntN(5)), track: uint8(rng.IntN(3))}
			if i > 0 && rng.IntN(3) == 0 {
				pts[i].lat, pts[i].lon = pts[i-1].lat, pts[i-1].lon
			}
			if i > 0 && rng.IntN(4) != 0 { // runs of track ids
				pts[i].track = pts[i-1].track
			}
		}
		b := appendChunk(nil, pts)
		got, err := decodeChunk(nil, b)
		if err != nil || !reflect.DeepEqual(got, pts) {
			t.Fatalf("iteration %d: %v\n got %v\nwant %v", iter, err, got, pts)
		}
		// Every truncation is an error, never a panic or a short answer.
		for cut := 0; cut < len(b); cut++ {
			if got, err := decodeChunk(nil, b[:cut]); err == nil && len(got) == n {
				t.Fatalf("iteration %d: truncated to %d of %d bytes decodes", iter, cut, len(b))
			} else if err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
		}
	}
}

// FuzzDecodeChunk decodes arbitrary bytes as a chunk of either version:
// an error or points that re-encode (in the current version) to the same
// points.
func FuzzDecodeChunk(f *testing.F) {
	f.Add(appendChunk(nil, []point{{t: 1000, lat: 1, lon: 2, track: 1}, {t: 2000, lat: 3, lon: 4, sog: 5, track: 2}}))
	f.Add([]byte{0xff, 0xff, 0xff, 0x7f})
	f.Add([]byte{2, 1, 2, 1, 1, 1, 2, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 0}) // version 1: no track column
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := decodeChunkUntil(nil, b, 1, math.MaxInt64); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("version 1: error %v is not ErrCorrupt", err)
		}
		pts, err := decodeChunk(nil, b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		again := appendChunk(nil, pts)
		if got, err := decodeChunk(nil, again); err != nil || !reflect.DeepEqual(got, pts) {
			t.Fatalf("re-encoding a decoded chunk does not round trip: %v", err)
		}
	})
}
