package outbox

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
)

// TestCursorFixtures reads the frozen cursor files of every version
// (testdata/cursor-v1: 20 bytes of its own layout; testdata/cursor-v2: a
// record file), both acknowledging 20, and checks that today's encoding
// is version 2 byte for byte.
func TestCursorFixtures(t *testing.T) {
	for _, v := range []string{"cursor-v1", "cursor-v2"} {
		path := filepath.Join("testdata", v, "cursor")
		got, err := readCursor(record.OSFS{}, filepath.Dir(path))
		if err != nil || got != 20 {
			t.Errorf("%s: readCursor = %d, %v; want 20", v, got, err)
		}
	}
	want, err := os.ReadFile(filepath.Join("testdata", "cursor-v2", "cursor"))
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeCursor(20); !bytes.Equal(got, want) {
		t.Errorf("encodeCursor(20) = % x; want the frozen version 2 % x", got, want)
	}
}

// TestCursorDamage: every cut and every flipped bit of a version 2 cursor
// is refused with ErrCorrupt or ErrVersion, never read as another value.
func TestCursorDamage(t *testing.T) {
	good := encodeCursor(1 << 40)
	for cut := range len(good) {
		if v, err := decodeCursor("cursor", good[:cut]); err == nil {
			t.Errorf("cursor cut at %d read as %d", cut, v)
		}
	}
	for i := range len(good) * 8 {
		b := bytes.Clone(good)
		b[i/8] ^= 1 << (i % 8)
		v, err := decodeCursor("cursor", b)
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
			t.Errorf("bit %d flipped: %d, %v; want ErrCorrupt or ErrVersion", i, v, err)
		}
	}
}

// FuzzDecodeCursor: any bytes decode to a value or a FileError, without a
// panic, and a value read back encodes to the same cursor.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(20))
	if b, err := os.ReadFile(filepath.Join("testdata", "cursor-v1", "cursor")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeCursor("cursor", b)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a FileError", err)
			}
			return
		}
		if len(b) == cursorLen && !bytes.Equal(encodeCursor(v), b) {
			t.Fatalf("cursor % x read as %d, which encodes as % x", b, v, encodeCursor(v))
		}
	})
}
