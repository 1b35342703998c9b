package webui

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

//go:generate bash build.sh

// dist is the built application: see app/build.mjs.
//
//go:embed dist
var dist embed.FS

// Config configures the handler. The zero value serves the map with a
// policy that lets the page talk to its own origin only.
type Config struct {
	// TileOrigins are the origins ("https://tiles.example.org") of a raster
	// tile server for users who open the map with ?tiles=URL. They are added
	// to the Content-Security-Policy's img-src and connect-src. Tiles served
	// from the map's own origin need no entry.
	TileOrigins []string
}

// Handler returns the handler of the web map with the zero Config. Mount it
// at "/" beside the API; it serves index.html at "/" and the bundle under
// /assets/, and expects the server to serve /api/v1/ and
// /basemap/land.geojson.
func Handler() http.Handler {
	h, err := NewHandler(Config{})
	if err != nil {
		panic(err) // The zero Config is valid.
	}
	return h
}

// NewHandler returns the handler of the web map. It is safe for concurrent
// use.
func NewHandler(cfg Config) (http.Handler, error) {
	var extra []string
	for _, o := range cfg.TileOrigins {
		origin, err := parseOrigin(o)
		if err != nil {
			return nil, err
		}
		extra = append(extra, origin)
	}
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, fmt.Errorf("webui: %w", err)
	}
	h := &handler{files: make(map[string]*file), csp: policy(extra)}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		h.files[name] = newFile(name, data)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webui: read embedded dist: %w", err)
	}
	if h.files["index.html"] == nil {
		return nil, fmt.Errorf("webui: embedded dist has no index.html (run go generate ./internal/webui)")
	}
	return h, nil
}

func parseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil || strings.ContainsAny(u.Host, " ;,'\"") {
		return "", fmt.Errorf("webui: tile origin %q: want scheme://host[:port]", s)
	}
	return u.Scheme + "://" + u.Host, nil
}

// policy is the Content-Security-Policy of every response: scripts, styles
// and workers from this origin only, no inline script, no eval, no frames.
func policy(tileOrigins []string) string {
	tiles := ""
	if len(tileOrigins) > 0 {
		tiles = " " + strings.Join(tileOrigins, " ")
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:" + tiles +
		"; font-src 'self'; connect-src 'self'" + tiles +
		"; worker-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
	".txt":  "text/plain; charset=utf-8",
	".map":  "application/json",
	".png":  "image/png",
	".svg":  "image/svg+xml",
	".ico":  "image/x-icon",
}

// file is one embedded file with its precomputed headers. Its gzip form is
// made on first request.
type file struct {
	data     []byte
	ctype    string
	cache    string
	etag     string
	compress bool

	gzOnce sync.Once
	gz     []byte
}

func newFile(name string, data []byte) *file {
	ctype, ok := contentTypes[path.Ext(name)]
	if !ok {
		ctype = "application/octet-stream"
	}
	sum := fnv.New64a()
	sum.Write(data)
	f := &file{data: data, ctype: ctype, etag: fmt.Sprintf(`"%016x"`, sum.Sum64())}
	if strings.HasPrefix(name, "assets/") {
		// Asset names carry a hash of their content.
		f.cache = "public, max-age=31536000, immutable"
	} else {
		f.cache = "no-cache"
	}
	f.compress = len(data) > 1024 && (strings.HasPrefix(ctype, "text/") || ctype == "application/json" || ctype == "image/svg+xml")
	return f
}

func (f *file) gzipped() []byte {
	f.gzOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(f.data)
		zw.Close()
		if b.Len() < len(f.data) {
			f.gz = b.Bytes()
		}
	})
	return f.gz
}

type handler struct {
	files map[string]*file
	csp   string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", h.csp)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" {
		name = "index.html"
	}
	f := h.files[name]
	if f == nil || name != path.Clean(name) {
		hdr.Set("Cache-Control", "no-cache")
		http.NotFound(w, r)
		return
	}
	hdr.Set("Content-Type", f.ctype)
	hdr.Set("Cache-Control", f.cache)
	data, etag := f.data, f.etag
	if f.compress {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			if gz := f.gzipped(); gz != nil {
				hdr.Set("Content-Encoding", "gzip")
				data, etag = gz, strings.TrimSuffix(etag, `"`)+`-gz"`
			}
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
