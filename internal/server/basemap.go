package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/tidewatch/tidewatch/internal/basemap"
)

// pmtilesArchive serves a PMTiles archive from disk with HTTP Range
// requests. The file is checked (basemap.Inspect) at start and again
// whenever its size or modification time changes; a file that stops
// being a usable archive is not served (503) until it is one again.
type pmtilesArchive struct {
	path string

	mu      sync.Mutex
	size    int64
	mod     time.Time
	info    basemap.Info
	etag    string
	lastErr error
}

// pmtilesHandlers returns the handlers of /basemap/tiles.pmtiles and
// /basemap/info. Without an archive (path empty) the first is 404 and the
// second says {"pmtiles":null}, so the map draws the embedded land.
func pmtilesHandlers(path string) (tiles, info http.Handler, err error) {
	if path == "" {
		none := []byte(`{"pmtiles":null}` + "\n")
		return http.NotFoundHandler(), getOnly(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-cache")
			w.Write(none)
		}), nil
	}
	a := &pmtilesArchive{path: path}
	f, err := a.open()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: basemap: %v", ErrConfig, err)
	}
	f.Close()
	return getOnly(a.serveTiles), getOnly(a.serveInfo), nil
}

// open opens the archive, checking it again if it changed.
func (a *pmtilesArchive) open() (*os.File, error) {
	f, err := os.Open(a.path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", a.path)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if st.Size() != a.size || !st.ModTime().Equal(a.mod) || a.etag == "" {
		info, err := basemap.Inspect(f, st.Size(), 0)
		a.size, a.mod, a.lastErr = st.Size(), st.ModTime(), err
		a.info, a.etag = info, fmt.Sprintf(`"pm-%x-%x"`, st.Size(), st.ModTime().UnixNano())
		if err != nil {
			a.etag = ""
		}
	}
	if a.lastErr != nil {
		f.Close()
		return nil, a.lastErr
	}
	return f, nil
}

func (a *pmtilesArchive) serveTiles(w http.ResponseWriter, r *http.Request) {
	f, err := a.open()
	if err != nil {
		http.Error(w, "basemap unavailable", http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	a.mu.Lock()
	etag, mod := a.etag, a.mod
	a.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/vnd.pmtiles")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", etag)
	// ServeContent answers Range (206, multipart for several ranges),
	// If-Range, If-None-Match and HEAD from the file.
	http.ServeContent(w, r, "", mod, f)
}

func (a *pmtilesArchive) serveInfo(w http.ResponseWriter, r *http.Request) {
	f, err := a.open()
	if err != nil {
		http.Error(w, "basemap unavailable", http.StatusServiceUnavailable)
		return
	}
	f.Close()
	a.mu.Lock()
	body := struct {
		PMTiles string `json:"pmtiles"`
		basemap.Info
	}{"/basemap/tiles.pmtiles", a.info}
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	json.NewEncoder(w).Encode(body)
}

func getOnly(f http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		f(w, r)
	})
}
