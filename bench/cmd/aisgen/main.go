// Command aisgen writes a large, realistic NMEA AIS corpus for benchmarks
// and load tests. It replays a real capture (by default the project's
// bench.nmea.gz) as many times as needed, and in each copy gives every
// vessel a different MMSI and moves position reports by a small offset, so
// that the output keeps the real type mix, fragment structure, tag blocks,
// archive prefixes, non-AIS lines and malformed lines of the source, while
// describing many more vessels. Checksums are recomputed; deliberately bad
// lines stay bad.
//
// Usage:
//
//	aisgen [-in FILE] [-lines N] [-seed S] > corpus.nmea
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
)

func main() {
	in := flag.String("in", "../testdata/ais/bench.nmea.gz", "real capture to replay (plain or gzip)")
	lines := flag.Int("lines", 1_000_000, "number of lines to write")
	seed := flag.Uint64("seed", 1, "random seed (the output is a function of input and seed)")
	flag.Parse()
	src, err := readAll(*in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "aisgen:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	if err := generate(w, src, *lines, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "aisgen:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "aisgen:", err)
		os.Exit(1)
	}
}

func readAll(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	br := bufio.NewReader(f)
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		r = zr
	} else {
		r = br
	}
	return io.ReadAll(r)
}

// generate writes n lines: copy k of the source has its MMSIs mapped by
// k and its positions shifted by a per-copy offset.
func generate(w io.Writer, src []byte, n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	srcLines := bytes.Split(bytes.TrimRight(src, "\n"), []byte("\n"))
	out := make([]byte, 0, 512)
	for k, written := 0, 0; written < n; k++ {
		dLon := int64(rng.IntN(600000)) - 300000 // up to ±0.5° per copy
		dLat := int64(rng.IntN(300000)) - 150000
		for _, l := range srcLines {
			if written == n {
				break
			}
			out = rewrite(out[:0], l, uint32(k), dLon, dLat)
			out = append(out, '\n')
			if _, err := w.Write(out); err != nil {
				return err
			}
			written++
		}
	}
	return nil
}

// rewrite copies line, changing the MMSI (and position, for single-sentence
// Class A and B position reports) of a well-formed VDM/VDO sentence in copy
// k. Other lines, and copy 0, are written unchanged.
func rewrite(dst, line []byte, k uint32, dLon, dLat int64) []byte {
	start := bytes.Index(line, []byte("VDM,"))
	if start < 0 {
		start = bytes.Index(line, []byte("VDO,"))
	}
	star := bytes.LastIndexByte(line, '*')
	if k == 0 || start < 3 || line[start-3] != '!' || star < start || star+3 > len(line) {
		return append(dst, line...)
	}
	bang := start - 3
	body := line[bang+1 : star]
	if !checksumOK(body, line[star+1:star+3]) {
		return append(dst, line...) // keep deliberately bad lines bad
	}
	f := bytes.Split(body, []byte(","))
	if len(f) != 7 || len(f[5]) < 7 || string(f[2]) != "1" {
		return append(dst, line...) // later fragments carry no MMSI
	}
	bits := unarmour(f[5])
	if bits == nil {
		return append(dst, line...)
	}
	mmsi := getBits(bits, 8, 30)
	// Keep the MID-like leading digits, vary the rest per copy.
	setBits(bits, 8, 30, (mmsi/1000)*1000+(mmsi%1000+uint64(k)*37)%1000)
	if typ := getBits(bits, 0, 6); string(f[1]) == "1" && len(bits) >= 168 {
		switch typ {
		case 1, 2, 3:
			shiftPos(bits, 61, 89, dLon, dLat)
		case 18:
			shiftPos(bits, 57, 85, dLon, dLat)
		}
	}
	payload := armour(bits[:len(f[5])*6])
	dst = append(dst, line[:bang+1]...)
	var nb []byte
	for i, fld := range f {
		if i > 0 {
			nb = append(nb, ',')
		}
		if i == 5 {
			nb = append(nb, payload...)
		} else {
			nb = append(nb, fld...)
		}
	}
	dst = append(dst, nb...)
	dst = append(dst, '*')
	dst = append(dst, fmt.Sprintf("%02X", checksum(nb))...)
	return append(dst, line[star+3:]...)
}

func shiftPos(bits []byte, lonAt, latAt int, dLon, dLat int64) {
	lon := signed(getBits(bits, lonAt, 28), 28)
	lat := signed(getBits(bits, latAt, 27), 27)
	if lon == 181*600000 || lat == 91*600000 {
		return // not available stays not available
	}
	lon = (lon+dLon+180*600000)%(360*600000) - 180*600000
	lat = max(min(lat+dLat, 90*600000-1), -90*600000+1)
	setBits(bits, lonAt, 28, uint64(lon)&(1<<28-1))
	setBits(bits, latAt, 27, uint64(lat)&(1<<27-1))
}

func signed(v uint64, n int) int64 { return int64(v<<(64-n)) >> (64 - n) }

func checksum(b []byte) byte {
	var c byte
	for _, x := range b {
		c ^= x
	}
	return c
}

func checksumOK(body, hex []byte) bool {
	return fmt.Sprintf("%02X", checksum(body)) == string(bytes.ToUpper(hex))
}

// unarmour returns one byte (0 or 1) per payload bit, or nil if a
// character is outside the armour alphabet.
func unarmour(p []byte) []byte {
	bits := make([]byte, 0, len(p)*6)
	for _, c := range p {
		var v byte
		switch {
		case c >= 0x30 && c <= 0x57:
			v = c - 0x30
		case c >= 0x60 && c <= 0x77:
			v = c - 0x38
		default:
			return nil
		}
		for i := 5; i >= 0; i-- {
			bits = append(bits, v>>uint(i)&1)
		}
	}
	return bits
}

func armour(bits []byte) []byte {
	out := make([]byte, 0, len(bits)/6)
	for i := 0; i+6 <= len(bits); i += 6 {
		var v byte
		for j := range 6 {
			v = v<<1 | bits[i+j]
		}
		if v < 40 {
			out = append(out, v+0x30)
		} else {
			out = append(out, v+0x38)
		}
	}
	return out
}

func getBits(bits []byte, at, n int) uint64 {
	var v uint64
	for i := range n {
		v = v<<1 | uint64(bits[at+i])
	}
	return v
}

func setBits(bits []byte, at, n int, v uint64) {
	for i := range n {
		bits[at+i] = byte(v >> uint(n-1-i) & 1)
	}
}
