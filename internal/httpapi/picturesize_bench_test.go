package httpapi_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// simulatedAPI is the API over a live picture of n simulated vessels (7
// minutes of traffic at the AIS rates, so most have sent their names),
// with a clock the caller moves.
func simulatedAPI(b *testing.B, n int) (http.Handler, *atomic.Int64) {
	b.Helper()
	start := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	end := start.Add(7 * time.Minute)
	sim := simulate.New(simulate.Config{Vessels: n}, rand.New(rand.NewPCG(1, 2)))
	pic := fusion.NewPicture(fusion.Config{})
	err := sim.Run(vessel.TimeOf(start), vessel.TimeOf(end), func(o *vessel.Observation) error {
		pic.Apply(o)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var nowMs atomic.Int64
	nowMs.Store(end.UnixMilli())
	api := httpapi.New(httpapi.Config{
		DB: bind.History(fx.db), Picture: bind.Picture(pic), Hub: httpapi.NewHub(0), AllowAnonymousRead: true,
		Registry: prometheus.NewRegistry(), Now: func() time.Time { return time.UnixMilli(nowMs.Load()).UTC() },
	})
	return api, &nowMs
}

// BenchmarkPictureSizes measures the whole live picture as a map loads
// it, for 5,000, 20,000 and 50,000 simulated vessels: the full answer
// (a summary per vessel) and the compact one (format=compact, columns),
// uncompressed, gzip and zstd. The clock moves one second per request,
// so every request builds and compresses its answer; "cached" keeps the
// clock (a second reader of the same picture). wire-B/op is the body on
// the wire, cpu-ms/op the process's CPU time per request.
func BenchmarkPictureSizes(b *testing.B) {
	for _, n := range []int{5_000, 20_000, 50_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			api, nowMs := simulatedAPI(b, n)
			for _, c := range []struct {
				name, query, accept string
				cached              bool
			}{
				{"full/identity", "", "", false},
				{"full/gzip", "", "gzip", false},
				{"full/zstd", "", "zstd", false},
				{"full/gzip-cached", "", "gzip", true},
				{"compact/identity", "&format=compact", "", false},
				{"compact/gzip", "&format=compact", "gzip", false},
				{"compact/zstd", "&format=compact", "zstd", false},
				{"compact/zstd-cached", "&format=compact", "zstd", true},
			} {
				b.Run(c.name, func(b *testing.B) {
					req := httptest.NewRequest("GET", "/api/v1/vessels?limit=100000"+c.query, nil)
					if c.accept != "" {
						req.Header.Set("Accept-Encoding", c.accept)
					}
					benchAnswers(b, api, req, c.cached, nowMs)
				})
			}
		})
	}
}

// BenchmarkPictureCodings compresses the answers of 50,000 simulated
// vessels, full and compact, with each gzip level of klauspost/compress
// and zstd's fastest and default speeds: the bytes and the CPU time of
// each, to choose the levels the API uses (compress.go).
func BenchmarkPictureCodings(b *testing.B) {
	api, _ := simulatedAPI(b, 50_000)
	for _, form := range []string{"full", "compact"} {
		w := httptest.NewRecorder()
		api.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/vessels?limit=100000&format="+map[string]string{"full": "json", "compact": "compact"}[form], nil))
		raw := w.Body.Bytes()
		if w.Code != http.StatusOK || len(raw) < 1_000_000 {
			b.Fatalf("%s: %d, %d bytes", form, w.Code, len(raw))
		}
		run := func(name string, compress func([]byte) []byte) {
			b.Run(form+"/"+name, func(b *testing.B) {
				var out []byte
				cpu := cpuTime()
				for b.Loop() {
					out = compress(raw)
				}
				b.ReportMetric(float64(len(raw)), "raw-B")
				b.ReportMetric(float64(len(out)), "wire-B/op")
				b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
			})
		}
		for _, level := range []int{gzip.StatelessCompression, 1, 2, 3, 4, 5, 6, 9} {
			run(fmt.Sprintf("gzip%d", level), func(src []byte) []byte {
				var buf bytes.Buffer
				zw, err := gzip.NewWriterLevel(&buf, level)
				if err != nil {
					b.Fatal(err)
				}
				zw.Write(src)
				zw.Close()
				return buf.Bytes()
			})
		}
		for _, level := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault} {
			enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1))
			if err != nil {
				b.Fatal(err)
			}
			run("zstd-"+level.String(), func(src []byte) []byte { return enc.EncodeAll(src, nil) })
		}
	}
}
