package export_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/recorder"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The tests read a real day: the bundled NOAA/MarineCadastre extract
// (testdata/tracks/README.md), ingested through ingest and recorder into a
// store once in TestMain.
const noaa = "../../testdata/tracks/noaa_us_coast_20220103.csv.gz"

var (
	db       *store.DB
	from, to vessel.Time // the store's bounds
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "export-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if err := setup(dir); err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
	} else {
		code = m.Run()
		db.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func setup(dir string) error {
	var err error
	db, err = store.Open(filepath.Join(dir, "data"), store.Options{Sync: store.SyncNone})
	if err != nil {
		return err
	}
	pic := fusion.NewPicture(fusion.Config{})
	rec := recorder.New(pic, db, recorder.Options{CommitEvery: 20000})
	if _, err := ingest.Observations(context.Background(), noaa, nil, ingest.ObserveOptions{}, rec.Record); err != nil {
		return err
	}
	if err := rec.Commit(); err != nil {
		return err
	}
	var ok bool
	if from, to, ok = db.Bounds(); !ok {
		return fmt.Errorf("empty store")
	}
	return nil
}

// need returns the path of an external tool the test runs, or skips the
// test when it is absent, unless the environment variable env is set (CI
// sets it after installing the tool with e2e/formats/install.sh).
func need(t *testing.T, tool, env string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv(env) != "" {
			t.Fatalf("%s required (%s is set) but not found: %v", tool, env, err)
		}
		t.Skipf("%s not installed (bash e2e/formats/install.sh)", tool)
	}
	return path
}
