package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
)

// TestFileErrorIsRecords: the store's FileError is record.FileError, so
// errors.As finds it as either, with the file's path and the offset of
// the damage, and errors.Is still finds the store's sentinels.
func TestFileErrorIsRecords(t *testing.T) {
	seg := filepath.Join(currentFixtureDir, "wal", "00000002.wal")
	blk := filepath.Join(currentFixtureDir, "blocks", "00000001.blk")
	tests := []struct {
		name string
		src  string
		flip int // byte to damage, from the end if negative
		read func(path string) error
		want error
	}{
		{"WAL version", seg, 6, func(p string) error { _, err := readSegment(OSFS{}, p, nopRecord); return err }, ErrVersion},
		{"WAL magic", seg, 0, func(p string) error { _, err := readSegment(OSFS{}, p, nopRecord); return err }, ErrCorrupt},
		{"WAL record", seg, walHdrLen + recHdrLen + 3, func(p string) error { _, err := readSegment(OSFS{}, p, nopRecord); return err }, ErrCorrupt},
		{"block version", blk, 6, readBlockFile, ErrVersion},
		{"block footer", blk, -20, readBlockFile, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			i := tt.flip
			if i < 0 {
				i += len(b)
			}
			b[i] ^= 0x40
			p := filepath.Join(t.TempDir(), filepath.Base(tt.src))
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			err = tt.read(p)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			var fe *FileError
			var rfe *record.FileError
			if !errors.As(err, &fe) || !errors.As(err, &rfe) || fe != rfe {
				t.Fatalf("error %v (%T) is not a *record.FileError", err, err)
			}
			if fe.Path != p || fe.Offset < 0 || fe.Offset >= int64(len(b)) {
				t.Errorf("FileError path %q offset %d, want %q and an offset inside the file", fe.Path, fe.Offset, p)
			}
		})
	}
}

func nopRecord(byte, []byte) error { return nil }

func readBlockFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = readBlock(f, path)
	return err
}

// TestWALNewerVersion: a segment of a newer WAL version is refused with
// ErrVersion naming the version (what a version 2 binary does with
// today's version 3 segments), not read as corruption; versions 1 to 3
// are read. The records of a version 2 segment under a version 3 header
// have no commit record: a torn tail, nothing replayed.
func TestWALNewerVersion(t *testing.T) {
	old, err := os.ReadFile(filepath.Join(walV2FixtureDir, "wal", "00000002.wal"))
	if err != nil {
		t.Fatal(err)
	}
	cur, err := os.ReadFile(filepath.Join(currentFixtureDir, "wal", "00000002.wal"))
	if err != nil {
		t.Fatal(err)
	}
	for v := uint16(0); v <= walVersion+1; v++ {
		for _, body := range [][]byte{old, cur} {
			c := append(record.AppendFileHeader(nil, walMagic, v), body[walHdrLen:]...)
			p := filepath.Join(t.TempDir(), "00000002.wal")
			if err := os.WriteFile(p, c, 0o600); err != nil {
				t.Fatal(err)
			}
			n := 0
			_, err := readSegment(OSFS{}, p, func(typ byte, _ []byte) error {
				if typ == recTracked {
					n++
				}
				return nil
			})
			committed := &body[0] == &cur[0]
			switch {
			case v >= walCommitVersion && v <= walVersion && !committed:
				if !errors.Is(err, errTorn) || n != 0 {
					t.Errorf("version %d without commit records: %d tracked records, %v; want none and a torn tail", v, n, err)
				}
			case v >= 1 && v < walCommitVersion && committed:
				// A commit record in a segment of a version without
				// them is an unknown record type.
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("version %d with commit records: %v; want ErrCorrupt", v, err)
				}
			case v >= 1 && v <= walVersion:
				if err != nil || n == 0 {
					t.Errorf("version %d: %d tracked records, %v", v, n, err)
				}
			default:
				want := fmt.Sprintf("WAL version %d", v)
				if !errors.Is(err, ErrVersion) || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) {
					t.Errorf("version %d: error %v, want ErrVersion %q", v, err, want)
				}
			}
		}
	}
}
