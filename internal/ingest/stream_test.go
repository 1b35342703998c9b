package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/ingest"
)

// decodeAll decodes a file and returns the JSON objects and framing
// metadata of its messages. Messages with the talker "--" are counted and
// left out: our framer accepts that talker (it is in the DMA captures); the
// harness that produced the expectations skipped it.
func decodeAll(t *testing.T, name string, opt ais.JSONOptions) ([]map[string]any, []ingest.Decoded, ingest.Stats, int) {
	t.Helper()
	rc, err := ingest.Open(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	s := ingest.NewStream(rc, ingest.Options{})
	var out []map[string]any
	var meta []ingest.Decoded
	dashes := 0
	for {
		d, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if d.NMEA.Talker == [2]byte{'-', '-'} {
			dashes++
			continue
		}
		var o map[string]any
		if err := json.Unmarshal(d.Msg.AppendJSON(nil, opt), &o); err != nil {
			t.Fatal(err)
		}
		delete(o, "class")
		delete(o, "scaled")
		out = append(out, o)
		m := *d.NMEA
		meta = append(meta, ingest.Decoded{NMEA: &m})
	}
	return out, meta, s.Stats(), dashes
}

// TestRawFilesEndToEnd reads every real capture through the whole pipeline
// (file, gzip, framing, tag blocks, reassembly, decoding, JSON) and checks
// the sequence of messages against gpsdecode 3.22's, object by object.
func TestRawFilesEndToEnd(t *testing.T) {
	raws, _ := filepath.Glob(aistest.Path("raw/*"))
	if len(raws) < 14 {
		t.Fatalf("found %d raw files", len(raws))
	}
	totalSkipped, totalDashes := 0, 0
	for _, raw := range raws {
		base := strings.TrimSuffix(filepath.Base(raw), ".gz")
		t.Run(base, func(t *testing.T) {
			exp, _ := filepath.Glob(aistest.Path("expected/" + strings.TrimSuffix(base, filepath.Ext(base)) + ".jsonl*"))
			if len(exp) != 1 {
				t.Fatalf("no expectation file for %s", base)
			}
			want := aistest.LoadExpected(t, filepath.Base(exp[0]))
			var kept []aistest.Expected
			for _, e := range want {
				if aistest.FramingRejected(e.Sentences) {
					totalSkipped++
					continue
				}
				kept = append(kept, e)
			}
			got, meta, st, dashes := decodeAll(t, raw, ais.JSONOptions{})
			gotScaled, _, _, _ := decodeAll(t, raw, ais.JSONOptions{Scaled: true})
			totalDashes += dashes
			if len(got) != len(kept) {
				t.Errorf("%d messages, want %d (stats %+v)", len(got), len(kept), st)
			}
			bad := 0
			for i := range min(len(got), len(kept)) {
				e := kept[i]
				if !reflect.DeepEqual(got[i], e.Unscaled) {
					if bad++; bad <= 3 {
						t.Errorf("%s %q:\n got %v\nwant %v", e.ID, e.Sentences, got[i], e.Unscaled)
					}
					continue
				}
				if !scaledEqual(gotScaled[i], e.Scaled, e.Unscaled) {
					if bad++; bad <= 3 {
						t.Errorf("%s scaled:\n got %v\nwant %v", e.ID, gotScaled[i], e.Scaled)
					}
				}
				if ts, ok := tagTime(e.TagBlocks); ok && !meta[i].NMEA.Time.Equal(ts) && !strings.HasPrefix(e.ID, "amsa-timestamped") {
					t.Errorf("%s: tag-block time %v, want %v", e.ID, meta[i].NMEA.Time, ts)
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d messages differ", bad, len(kept))
			}
		})
	}
	if totalSkipped != 10 {
		t.Errorf("%d expected messages excluded by the fill-bit policy, want 10", totalSkipped)
	}
	if totalDashes != 19 {
		t.Errorf("%d messages with talker \"--\", want 19 (1 in dma-small-cb, 18 in dma-stream)", totalDashes)
	}
}

// scaledEqual compares scaled objects, excusing gpsd 3.22's unsigned
// scaled rate of turn (we keep the sign) and float formatting.
func scaledEqual(got, want, unscaled map[string]any) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		g := got[k]
		gf, ok1 := g.(float64)
		wf, ok2 := w.(float64)
		switch {
		case ok1 && ok2 && k == "turn" && unscaled["turn"].(float64) < 0:
			if -gf != wf && !(gf == 0 && wf == 0) {
				return false
			}
		case ok1 && ok2:
			if math.Abs(gf-wf) > 1e-9*math.Max(1, math.Abs(wf)) {
				return false
			}
		default:
			if !reflect.DeepEqual(g, w) {
				return false
			}
		}
	}
	return true
}

// TestKeepBadTagChecksums: amsa-timestamped-tagblock.nmea writes "*00"
// for every tag-block checksum. By default those tag blocks are dropped (and
// counted); with KeepBadTagChecksums their times are used (and still
// counted as warnings).
func TestKeepBadTagChecksums(t *testing.T) {
	const name = "../../testdata/ais/raw/amsa-timestamped-tagblock.nmea"
	want := aistest.LoadExpected(t, "amsa-timestamped-tagblock.jsonl")
	for _, keep := range []bool{false, true} {
		rc, err := ingest.Open(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := ingest.NewStream(rc, ingest.Options{KeepBadTagChecksums: keep})
		i := 0
		for ; ; i++ {
			d, err := s.Next()
			if err != nil {
				break
			}
			ts, _ := tagTime(want[i].TagBlocks)
			if keep && !d.NMEA.Time.Equal(ts) || !keep && !d.NMEA.Time.IsZero() {
				t.Errorf("keep=%v %s: time %v, tag block says %v", keep, want[i].ID, d.NMEA.Time, ts)
			}
		}
		rc.Close()
		if warn := s.Stats().Errors["tag_block_checksum"]; i != 100 || warn != 100 {
			t.Errorf("keep=%v: %d messages, %d tag_block_checksum warnings", keep, i, warn)
		}
	}
}

// tagTime returns the c: time of the first tag block that has one.
func tagTime(blocks [][]string) (time.Time, bool) {
	for _, bs := range blocks {
		for _, b := range bs {
			b = strings.SplitN(b, "*", 2)[0]
			for _, f := range strings.Split(b, ",") {
				if v, ok := strings.CutPrefix(f, "c:"); ok {
					n, err := strconv.ParseInt(v, 10, 64)
					if err != nil {
						return time.Time{}, false
					}
					if n > 1e11 {
						return time.UnixMilli(n), true
					}
					return time.Unix(n, 0), true
				}
			}
		}
	}
	return time.Time{}, false
}

// TestBadInput feeds every labelled bad-input case, between two good
// sentences, through the whole pipeline: the labelled outcome must happen,
// the labelled error class must be counted, and the good messages around
// the case must still be decoded.
func TestBadInput(t *testing.T) {
	const good = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A" // MMSI 371798000
	cases := aistest.LoadBadInput(t)
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			in := good + "\n" + strings.Join(c.Lines, "\n") + "\n" + good + "\n"
			s := ingest.NewStream(strings.NewReader(in), ingest.Options{})
			var mmsis []uint32
			for {
				d, err := s.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				mmsis = append(mmsis, d.Msg.Head().MMSI)
			}
			st := s.Stats()
			if len(mmsis) < 2 || mmsis[0] != 371798000 || mmsis[len(mmsis)-1] != 371798000 {
				t.Fatalf("good neighbours lost: messages %v", mmsis)
			}
			inner := len(mmsis) - 2
			switch c.Expect {
			case "decode":
				if inner == 0 {
					t.Errorf("expect decode: no message from %q (stats %+v)", c.Lines, st)
				}
			case "reject", "skip":
				if inner != 0 {
					t.Errorf("expect %s: got %d messages %v", c.Expect, inner, mmsis)
				}
			}
			if c.Error != nil {
				class := *c.Error
				if c.ID == "SB-054" {
					// Mislabelled: the case's checksum is wrong (the
					// sentence sums to 7E, the line says 67), so the
					// framer rejects it first, as a checksum error.
					class = "checksum"
				}
				counted := st.Errors[class]
				if class == "not_ais" {
					counted = st.NotAIS
				}
				if counted == 0 {
					t.Errorf("error class %q not counted (stats %+v)", class, st)
				}
			}
		})
	}
	if len(cases) != 55 {
		t.Errorf("%d cases, want 55", len(cases))
	}
}

func ExampleStream() {
	in := "\\s:rEV02,c:1334337317*58\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n" +
		"garbage\n"
	s := ingest.NewStream(strings.NewReader(in), ingest.Options{})
	for {
		d, err := s.Next()
		if err != nil {
			break
		}
		fmt.Println(d.Msg.Head().MMSI, string(d.NMEA.Source), d.NMEA.Time.UTC().Format(time.RFC3339))
	}
	fmt.Println(s.Stats().NotAIS, "line(s) not AIS")
	// Output:
	// 227006760 rEV02 2012-04-13T17:15:17Z
	// 1 line(s) not AIS
}

// TestDecodeMatchesStream: the two-goroutine Decode produces the same
// messages, metadata and statistics as the sequential Stream, on every
// real capture and on the bad inputs.
func TestDecodeMatchesStream(t *testing.T) {
	files, _ := filepath.Glob(aistest.Path("raw/*"))
	files = append(files, aistest.Path("bad-input.nmea"), aistest.Path("bench.nmea.gz"))
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			var want []string
			rc, err := ingest.Open(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			s := ingest.NewStream(rc, ingest.Options{})
			for {
				d, err := s.Next()
				if err != nil {
					break
				}
				want = append(want, describe(d))
			}
			rc.Close()
			wantStats := s.Stats()

			rc, err = ingest.Open(name, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			var got []string
			st, err := ingest.Decode(context.Background(), rc, ingest.Options{}, func(d ingest.Decoded) error {
				got = append(got, describe(d))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(st, wantStats) {
				t.Errorf("stats %+v, want %+v", st, wantStats)
			}
			if len(got) != len(want) {
				t.Fatalf("%d messages, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("message %d:\n got %s\nwant %s", i, got[i], want[i])
				}
			}
		})
	}
}

func describe(d ingest.Decoded) string {
	m := d.NMEA
	return fmt.Sprintf("%s|%s|%s|%s|%d", d.Msg.AppendJSON(nil, ais.JSONOptions{}), m.Time, m.RecvTime, m.Source, m.Sentences)
}

// TestDecodeStopsOnEmitError: an error from emit stops decoding at once
// and is returned; the framing goroutine does not leak (the test would
// hang or the race detector complain).
func TestDecodeStopsOnEmitError(t *testing.T) {
	rc, err := ingest.Open(aistest.Path("bench.nmea.gz"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	stop := errors.New("stop")
	n := 0
	_, err = ingest.Decode(context.Background(), rc, ingest.Options{}, func(ingest.Decoded) error {
		if n++; n == 1000 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 1000 {
		t.Errorf("err %v after %d messages; want stop after 1000", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ingest.Decode(ctx, strings.NewReader(strings.Repeat("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n", 10000)), ingest.Options{}, func(ingest.Decoded) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err %v", err)
	}
}
