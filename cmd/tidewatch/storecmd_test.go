package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const amsaTagged = "../../testdata/ais/raw/amsa-timestamped-tagblock.nmea"

// storedPositions reads "store: N positions" from an ingest summary.
func storedPositions(t *testing.T, summary string) string {
	t.Helper()
	m := regexp.MustCompile(`store: (\d+) positions`).FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("no store line in the ingest summary:\n%s", summary)
	}
	return m[1]
}

// TestRetainIgnoresFutureReport: a file of real reports from 2014 plus one
// report dated 2100 (tag-block time 4102444800), ingested with --retain
// 30d, keeps everything: retention counts back from the newest plausible
// report, not from the one in the future.
func TestRetainIgnoresFutureReport(t *testing.T) {
	real, err := os.ReadFile(amsaTagged)
	if err != nil {
		t.Fatal(err)
	}
	// The AMSA file's tag blocks carry the checksum *00: keep their times.
	input := strings.TrimRight(string(real), "\n") + "\n" + tagged("rx-bogus", 4102444800, "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A") + "\n"
	file := filepath.Join(t.TempDir(), "future.nmea")
	if err := os.WriteFile(file, []byte(input), 0o600); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(t.TempDir(), "plain")
	code, _, base := runCmd(t, "", "ingest", "--data", plain, "--progress", "never", "--keep-bad-tag-checksums", file)
	if code != 0 {
		t.Fatalf("ingest: exit %d\n%s", code, base)
	}
	kept := filepath.Join(t.TempDir(), "kept")
	code, _, withRetain := runCmd(t, "", "ingest", "--data", kept, "--progress", "never", "--retain", "30d", "--keep-bad-tag-checksums", file)
	if code != 0 {
		t.Fatalf("ingest --retain 30d: exit %d\n%s", code, withRetain)
	}
	if strings.Contains(withRetain, "retention removed") {
		t.Errorf("retention removed positions because of one report dated 2100:\n%s", withRetain)
	}
	if a, b := storedPositions(t, base), storedPositions(t, withRetain); a != b || a == "0" {
		t.Errorf("--retain 30d stored %s positions, without it %s", b, a)
	}
	// The future report is still kept as evidence.
	code, out, stderr := runCmd(t, "", "track", "--data", kept, "371798000", "--flagged", "--from", "2099-12-31T00:00:00Z", "--to", "2100-01-02T00:00:00Z")
	if code != 0 || len(objects(t, out)) != 1 {
		t.Errorf("track of the year-2100 report: exit %d, %q %s", code, out, stderr)
	}
}

// quotaFS is the operating system's file system with a quota on what the
// store writes: past it, a write stores what fits and fails with ENOSPC,
// as a full disk does.
type quotaFS struct {
	mu          sync.Mutex
	left        int64
	failedCalls int
}

type quotaFile struct {
	*os.File
	q *quotaFS
}

func (q *quotaFS) OpenFile(name string, flag int, perm fs.FileMode) (store.File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &quotaFile{f, q}, nil
}

// take returns how much of n bytes fit.
func (q *quotaFS) take(n int) (int, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if int64(n) <= q.left {
		q.left -= int64(n)
		return n, true
	}
	fit := int(q.left)
	q.left = 0
	q.failedCalls++
	return fit, false
}

func (f *quotaFile) WriteAt(p []byte, off int64) (int, error) {
	n, ok := f.q.take(len(p))
	if !ok {
		m, _ := f.File.WriteAt(p[:n], off)
		return m, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.WriteAt(p, off)
}

func (f *quotaFile) Write(p []byte) (int, error) {
	n, ok := f.q.take(len(p))
	if !ok {
		m, _ := f.File.Write(p[:n])
		return m, &fs.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.Write(p)
}

// TestIngestDiskFull: ingest into a store whose disk fills up exits
// with an error (exit status 1 from main), says the disk is full and how much is not stored; the store
// still opens with what was committed, and once space is freed the same
// ingest works.
func TestIngestDiskFull(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	q := &quotaFS{left: 1 << 20}
	var out, errb bytes.Buffer
	err := runIngestFS(context.Background(), []string{"--data", dir, "--progress", "never", noaaFile}, nil, &out, &errb, q)
	var we *storeWriteError
	if !errors.As(err, &we) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("ingest onto a full disk: %v\n%s", err, errb.String())
	}
	msg := err.Error()
	for _, want := range []string{"cannot write the data directory " + dir, "no space left on device", "NOT stored", "free space and run the same ingest again"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	t.Logf("%s", msg)
	if we.notStored == 0 {
		t.Errorf("no item counted as not stored: %s", msg)
	}
	db, err := store.Open(dir, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the store after a full disk does not open: %v", err)
	}
	st := db.Stats()
	db.Close()
	if st.Positions > we.committed {
		t.Errorf("%d positions in the store, only %d items were committed", st.Positions, we.committed)
	}

	// Space is freed: the same ingest works.
	code, _, stderr := runCmd(t, "", "ingest", "--data", dir, "--progress", "never", noaaFile)
	if code != 0 {
		t.Fatalf("ingest after freeing space: exit %d\n%s", code, stderr)
	}
}

// TestStoreCheckRepair: store check says a fresh store is fine (exit 0),
// names a damaged chunk and a stray file (exit 1); store repair moves
// them aside and the store checks clean again, with every vessel but the
// damaged chunk's still there.
func TestStoreCheckRepair(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCmd(t, "", "ingest", "--data", dir, "--progress", "never", dmaNMEA); code != 0 {
		t.Fatalf("ingest: %d %s", code, stderr)
	}
	code, out, stderr := runCmd(t, "", "store", "check", "--data", dir)
	if code != 0 || !strings.Contains(out, "ok: nothing missing, damaged or unknown") || !strings.Contains(out, "manifest: checksum ok") {
		t.Fatalf("check of a fresh store: exit %d\n%s%s", code, out, stderr)
	}
	readable := func(out string) int {
		m := regexp.MustCompile(`(\d+) positions readable`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no count of readable positions:\n%s", out)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	before := readable(out)

	blk := filepath.Join(dir, "blocks", "00000001.blk")
	b, err := os.ReadFile(blk)
	if err != nil {
		t.Fatal(err)
	}
	b[100] ^= 1 // inside a chunk
	os.WriteFile(blk, b, 0o600)
	os.WriteFile(filepath.Join(dir, "blocks", "notes.txt"), []byte("x"), 0o600)
	code, out, stderr = runCmd(t, "", "store", "check", "--data", dir)
	if code != 1 || !regexp.MustCompile(`blocks/00000001.blk is damaged \(.*chunk checksum mismatch\): it held \d+ positions of 1 vessels \(\d{9}\) from 2010-06-11T`).MatchString(out) ||
		!strings.Contains(out, "blocks/notes.txt is not a file of the store") || !strings.Contains(stderr, "2 problem(s); run \"tidewatch store repair") {
		t.Fatalf("check of a damaged store: exit %d\n%s%s", code, out, stderr)
	}
	damaged := readable(out)
	if damaged >= before {
		t.Errorf("%d positions readable with a damaged chunk, %d before", damaged, before)
	}
	// Queries still work meanwhile, without the damaged chunk.
	if code, vs, stderr := runCmd(t, "", "vessels", "--data", dir, "--at", "2010-06-11T12:00:00Z"); code != 0 || len(objects(t, vs)) < 1000 {
		t.Errorf("vessels with a damaged chunk: exit %d, %s", code, stderr)
	}

	code, out, stderr = runCmd(t, "", "store", "repair", "--data", dir)
	if code != 0 || !strings.Contains(out, "saved the readable chunks of blocks/00000001.blk") || !strings.Contains(out, "the store now opens without damage") {
		t.Fatalf("repair: exit %d\n%s%s", code, out, stderr)
	}
	aside, _ := filepath.Glob(filepath.Join(dir, "damaged-*", "blocks", "*"))
	if len(aside) != 2 {
		t.Errorf("files moved aside: %v", aside)
	}
	if code, out, stderr = runCmd(t, "", "store", "check", "--data", dir); code != 0 {
		t.Fatalf("check after repair: exit %d\n%s%s", code, out, stderr)
	}
	if n := readable(out); n != damaged {
		t.Errorf("%d positions after repair; want %d (all but the damaged chunk's)", n, damaged)
	}
	if code, _, stderr := runCmd(t, "", "store", "fix", "--data", dir); code != 2 {
		t.Errorf("store fix: exit %d %s", code, stderr)
	}
}

// TestQueriesBesideWriter: reading commands work while another process
// holds the data directory as its writer (as serve or ingest do), and see
// what it committed to the WAL; store check asks to stop the writer.
func TestQueriesBesideWriter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCmd(t, "", "ingest", "--data", dir, "--progress", "never", dmaNMEA); code != 0 {
		t.Fatalf("ingest: %d %s", code, stderr)
	}
	w, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	p := vessel.Position{MMSI: 219000123, Time: vessel.TimeOf(time.Date(2010, 6, 11, 12, 0, 0, 0, time.UTC)), Lat: 56.1, Lon: 11.2,
		SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus, Source: "rx-test"}
	var b store.Batch
	b.AddPosition(&p)
	if err := w.Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCmd(t, "", "track", "--data", dir, "219000123", "--from", "2010-06-11", "--to", "2010-06-12")
	if objs := objects(t, out); code != 0 || len(objs) != 1 || objs[0]["source"] != "rx-test" {
		t.Errorf("track beside a writer: exit %d, %q %s", code, out, stderr)
	}
	code, out, stderr = runCmd(t, "", "vessels", "--data", dir, "--at", "2010-06-11T12:00:00Z")
	if code != 0 || len(objects(t, out)) < 1000 {
		t.Errorf("vessels beside a writer: exit %d %s", code, stderr)
	}
	code, _, stderr = runCmd(t, "", "store", "check", "--data", dir)
	if code != 1 || !strings.Contains(stderr, "in use by another process: "+dir+": stop serve or ingest first") {
		t.Errorf("store check beside a writer: exit %d %s", code, stderr)
	}
	// The writer goes on unharmed.
	if err := w.Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}
