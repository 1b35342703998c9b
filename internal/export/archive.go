package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// ArchiveOptions configures Archive.
type ArchiveOptions struct {
	// Dir is the archive's directory; the hour starting at T is the file
	// Dir/YYYY/MM/DD/HH.parquet (UTC).
	Dir string
	// From and To bound the hours archived: every hour that overlaps
	// [From, To], within the stored data's span and not after Now.
	From, To vessel.Time
	// Flagged includes positions with data-quality flags.
	Flagged bool
	// Now is the time of the run: an hour is complete once it has ended
	// both by Now and in the stored data (its end is at or before the
	// newest stored report); later hours are written as partial.
	Now time.Time
	// GeoParquet tunes the files (zero: the defaults).
	GeoParquet GeoParquetOptions
	// Hour, when set, is called after each hour with its start, its
	// rows, whether it was skipped (complete already) and whether it is
	// complete.
	Hour func(start time.Time, rows int, skipped, complete bool)
}

// ArchiveStats counts what an Archive run did.
type ArchiveStats struct {
	Written int // hour files written (complete or partial)
	Partial int // of which partial: rewritten by the next run
	Skipped int // complete hours already in the archive
	Rows    int // positions written
	Hours   int // hours considered
}

// partialSuffix names the marker beside a partial hour's file.
const partialSuffix = ".partial"

// HourPath is the file of the hour starting at t in an archive.
func HourPath(dir string, t time.Time) string {
	t = t.UTC()
	return filepath.Join(dir, t.Format("2006"), t.Format("01"), t.Format("02"), t.Format("15")+".parquet")
}

// Archive writes the stored positions of opt's hours into an archive
// directory, one GeoParquet file per hour (HourPath; an hour without
// positions gets a file with none, so that every archived hour has one),
// each streamed and written atomically (WriteFile). It is idempotent: an
// hour whose file exists and is complete is skipped; an hour still going
// on (in the stored data or by opt.Now) is written as partial, marked by
// an empty HH.parquet.partial file beside it (made before the file is
// renamed into place, removed once the hour is written complete), and is
// written again by the next run. An interrupted run leaves every file
// either complete, partial and marked, or absent. It stops with ctx's
// error when ctx is done.
func Archive(ctx context.Context, db *store.DB, opt ArchiveOptions) (ArchiveStats, error) {
	var st ArchiveStats
	if opt.Dir == "" {
		return st, errors.New("export: archive: no directory")
	}
	dataFrom, dataTo, ok := db.Bounds()
	if !ok {
		return st, nil
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	now := vessel.TimeOf(opt.Now)
	opt.From, opt.To = max(opt.From, dataFrom), min(opt.To, dataTo, now)
	if opt.To < opt.From {
		return st, nil
	}
	done := min(now, dataTo) // hours ending by then are complete
	const hour = vessel.Time(time.Hour / time.Millisecond)
	start := opt.From.Std().UTC().Truncate(time.Hour)
	for h := vessel.TimeOf(start); h <= opt.To; h += hour {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		st.Hours++
		path := HourPath(opt.Dir, h.Std())
		marker := path + partialSuffix
		complete := h+hour <= done
		if fileExists(path) && !fileExists(marker) {
			st.Skipped++
			if opt.Hour != nil {
				opt.Hour(h.Std(), 0, true, true)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return st, fmt.Errorf("export: archive: %w", err)
		}
		if !complete {
			if err := os.WriteFile(marker, nil, 0o644); err != nil {
				return st, fmt.Errorf("export: archive: %w", err)
			}
		}
		rows := 0
		err := WriteFile(path, 0o644, func(w io.Writer) error {
			gw := NewGeoParquetWriter(w, opt.GeoParquet)
			if err := Scan(ctx, db, Query{From: h, To: h + hour - 1, Flagged: opt.Flagged}, gw.Write); err != nil {
				return err
			}
			rows = gw.Rows()
			return gw.Close()
		})
		if err != nil {
			return st, fmt.Errorf("export: archive hour %s: %w", h.Std().UTC().Format("2006-01-02T15Z"), err)
		}
		if complete {
			if err := os.Remove(marker); err != nil && !errors.Is(err, os.ErrNotExist) {
				return st, fmt.Errorf("export: archive: %w", err)
			}
		} else {
			st.Partial++
		}
		st.Written++
		st.Rows += rows
		if opt.Hour != nil {
			opt.Hour(h.Std(), rows, false, complete)
		}
	}
	return st, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
