package server

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// fullFS is the operating system's file system that, while full is set,
// fails every write with ENOSPC after writing half of it, as a full disk
// does.
type fullFS struct{ full atomic.Bool }

type fullFile struct {
	*os.File
	fs *fullFS
}

func (f *fullFS) OpenFile(name string, flag int, perm fs.FileMode) (store.File, error) {
	o, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &fullFile{o, f}, nil
}

func (f *fullFile) WriteAt(p []byte, off int64) (int, error) {
	if f.fs.full.Load() {
		n, _ := f.File.WriteAt(p[:len(p)/2], off)
		return n, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.WriteAt(p, off)
}

func (f *fullFile) Write(p []byte) (int, error) {
	if f.fs.full.Load() {
		n, _ := f.File.Write(p[:len(p)/2])
		return n, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.Write(p)
}

// syncBuffer is a log destination safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPipelineDiskFull: while the disk is full, commits fail, back off
// and are logged once (then at most once a minute); once space is freed
// they resume by themselves, and the store then holds every position the
// picture stored, none lost.
func TestPipelineDiskFull(t *testing.T) {
	obs := readObservations(t, aistest.Path("raw/dma-stream-example.nmea"))
	dir := t.TempDir()
	ffs := &fullFS{}
	db, err := store.Open(dir, store.Options{FS: ffs})
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC).UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	stored := 0
	p := NewPipeline(fusion.NewPicture(fusion.Config{}), db, PipelineOptions{QueueBatches: 1 << 16, CommitInterval: 5 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: now,
		OnResult: func(o *vessel.Observation, r *fusion.Result) {
			if r.Outcome == fusion.Stored || r.Outcome == fusion.Station && r.Position.HasPosition() {
				stored++
			}
		}})
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	ffs.full.Store(true)
	half := len(obs) / 2
	for i := 0; i < half; i += 50 {
		p.Submit(append([]vessel.Observation(nil), obs[i:min(i+50, half)]...))
	}
	waitFor(t, 10*time.Second, "commits to fail", func() bool { return p.Stats().CommitErrors > 0 && db.Health() != nil })
	// Ten minutes of failures on the pipeline's clock.
	for range 10 {
		clock.Add(int64(time.Minute))
		n := p.Stats().CommitErrors
		waitFor(t, 10*time.Second, "a retry", func() bool { return p.Stats().CommitErrors > n })
	}
	if n := strings.Count(logs.String(), "store writes failing"); n != 1 {
		t.Errorf("%d log lines saying writes fail; want 1:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "store writes still failing"); n < 5 || n > 10 {
		t.Errorf("%d 'still failing' lines over ten minutes; want one a minute:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "no space left on device") {
		t.Errorf("the log does not say why:\n%s", logs.String())
	}
	ffs.full.Store(false)
	for i := half; i < len(obs); i += 50 {
		p.Submit(append([]vessel.Observation(nil), obs[i:min(i+50, len(obs))]...))
	}
	clock.Add(int64(time.Minute))
	waitFor(t, 10*time.Second, "commits to resume", func() bool { return db.Health() == nil && strings.Contains(logs.String(), "store writes resumed") })
	p.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(dir, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Stats().Positions; got != int64(stored) || stored == 0 {
		t.Errorf("store holds %d positions; the picture stored %d", got, stored)
	}
}

// TestNodeReadyzDiskFull: a node whose disk fills answers /readyz with
// 503 and the reason, and says so in a metric; when space is freed it is
// ready again without a restart.
func TestNodeReadyzDiskFull(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	tcp := freePort(t)
	cfg := Config{Data: data, Listen: "127.0.0.1:0", Land: "none", AllowAnonymousRead: true,
		Inputs: []Input{{Type: "tcp-server", Name: "receivers", Listen: tcp}}}
	ffs := &fullFS{}
	node := startNode(t, Options{Config: cfg, Now: dmaClock, StoreFS: ffs})
	base := node.base
	api := apiClient(t)
	get := func(path string) (int, string) {
		resp, err := api.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != 200 {
		t.Fatalf("/readyz before the disk fills: %d %s", code, body)
	}
	ffs.full.Store(true)
	sendCapture(t, tcp, "raw/dma-stream-example.nmea")
	var body string
	waitFor(t, 20*time.Second, "/readyz to fail", func() bool {
		var code int
		code, body = get("/readyz")
		return code == http.StatusServiceUnavailable
	})
	if !strings.Contains(body, "no space left on device") || !strings.Contains(body, "store commit failing since") {
		t.Errorf("/readyz body does not say why: %s", body)
	}
	if strings.Contains(body, data) {
		t.Errorf("/readyz body shows the data path: %s", body)
	}
	if _, m := get("/metrics"); !strings.Contains(m, "tidewatch_store_write_failing 1") {
		t.Errorf("metrics while failing lack tidewatch_store_write_failing 1")
	}
	ffs.full.Store(false)
	waitFor(t, 60*time.Second, "/readyz to recover", func() bool { code, _ := get("/readyz"); return code == 200 })
	if _, m := get("/metrics"); !strings.Contains(m, "tidewatch_store_write_failing 0") {
		t.Errorf("metrics after recovery lack tidewatch_store_write_failing 0")
	}
	node.stop(t)
	db, err := store.Open(data, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if st := db.Stats(); st.Positions < 2000 || st.Vessels < 1000 {
		t.Errorf("store after shutdown: %+v", st)
	}
}
