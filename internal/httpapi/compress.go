package httpapi

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// encoding is a content coding of a response body.
type encoding uint8

const (
	identity encoding = iota
	encGzip
	encZstd
	nEncodings
)

func (e encoding) String() string {
	switch e {
	case encGzip:
		return "gzip"
	case encZstd:
		return "zstd"
	}
	return "identity"
}

// MinCompressBytes is the smallest JSON body the API compresses: below
// about one packet compression saves nothing on the wire and costs time.
const MinCompressBytes = 1400

// negotiate picks the coding of a response from the request's
// Accept-Encoding values (RFC 9110 §12.5.3): zstd when the client accepts
// it at least as much as gzip, else gzip, else identity. A coding with
// q=0 is refused; "*" stands for the codings not named.
func negotiate(values []string) encoding {
	q := [nEncodings]float64{-1, -1, -1}
	star := -1.0
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			w := 1.0
			if k, val, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err != nil || f < 0 || f > 1 {
					continue // a malformed weight: ignore the coding
				}
				w = f
			}
			switch name {
			case "gzip", "x-gzip":
				q[encGzip] = w
			case "zstd":
				q[encZstd] = w
			case "*":
				star = w
			}
		}
	}
	for e := encGzip; e < nEncodings; e++ {
		if q[e] < 0 {
			q[e] = star
		}
	}
	switch {
	case q[encZstd] > 0 && q[encZstd] >= q[encGzip]:
		return encZstd
	case q[encGzip] > 0:
		return encGzip
	}
	return identity
}

// compressor compresses response bodies: gzip writers are pooled, the
// zstd encoder is shared (EncodeAll is safe for concurrent use). One
// belongs to each API handler.
type compressor struct {
	gz   sync.Pool // *gzip.Writer
	zstd *zstd.Encoder
}

// gzipLevel is the gzip level of answers, and zstdLevel the zstd speed:
// chosen for the node's CPU. On the answers of 50,000 simulated vessels
// (BenchmarkPictureCodings, klauspost/compress) gzip level 1 takes about
// half the CPU of level 5 for 4% more bytes on the compact picture
// (1.21 MB instead of 1.17) and 16% more on the full one (2.95 MB
// instead of 2.55), and zstd's fastest speed about half the CPU of its
// default for 2-4% more. A browser on plain HTTP (the node without TLS)
// asks for gzip only. The answer is compressed once per picture state
// (pictureCache), not once per client.
const (
	gzipLevel = 1
	zstdLevel = zstd.SpeedFastest
)

func newCompressor() *compressor {
	// The options are constants: NewWriter cannot fail with them.
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstdLevel), zstd.WithEncoderConcurrency(0))
	if err != nil {
		panic("httpapi: zstd encoder: " + err.Error())
	}
	return &compressor{zstd: enc}
}

// compress returns src in the coding e.
func (c *compressor) compress(e encoding, src []byte) ([]byte, error) {
	switch e {
	case encZstd:
		return c.zstd.EncodeAll(src, make([]byte, 0, len(src)/4)), nil
	case encGzip:
		var buf bytes.Buffer
		buf.Grow(len(src) / 4)
		gw, _ := c.gz.Get().(*gzip.Writer)
		if gw == nil {
			var err error
			if gw, err = gzip.NewWriterLevel(&buf, gzipLevel); err != nil {
				return nil, err
			}
		} else {
			gw.Reset(&buf)
		}
		if _, err := gw.Write(src); err != nil {
			return nil, err
		}
		if err := gw.Close(); err != nil {
			return nil, err
		}
		c.gz.Put(gw)
		return buf.Bytes(), nil
	}
	return src, nil
}

// body is a response body with its compressed forms, made on first use.
// It is safe for concurrent use: the picture cache hands one body to
// every request of the same picture.
type body struct {
	raw []byte
	mu  sync.Mutex
	enc [nEncodings][]byte
}

// in returns the body in the coding e (raw for identity and for bodies
// under MinCompressBytes) and the coding it is in.
func (b *body) in(e encoding, c *compressor) ([]byte, encoding, error) {
	if e == identity || c == nil || len(b.raw) < MinCompressBytes {
		return b.raw, identity, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.enc[e] == nil {
		z, err := c.compress(e, b.raw)
		if err != nil {
			return nil, identity, err
		}
		b.enc[e] = z
	}
	return b.enc[e], e, nil
}

// writeBody writes data as the whole response with the status and
// content type, compressed when the client accepts it (see statusWriter).
func writeBody(w http.ResponseWriter, status int, ctype string, data []byte) error {
	return writeShared(w, status, ctype, &body{raw: data})
}

// writeShared writes b, which may be shared between requests: its
// compressed forms are kept for the next request.
func writeShared(w http.ResponseWriter, status int, ctype string, b *body) error {
	h := w.Header()
	h.Set("Content-Type", ctype)
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	out, enc := b.raw, identity
	if sw, ok := w.(*statusWriter); ok && sw.comp != nil {
		h.Add("Vary", "Accept-Encoding")
		var err error
		if out, enc, err = b.in(sw.enc, sw.comp); err != nil {
			return err
		}
	}
	if enc != identity {
		h.Set("Content-Encoding", enc.String())
	}
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	_, err := w.Write(out)
	return err
}
