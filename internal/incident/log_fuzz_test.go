package incident

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
)

// FuzzLog reads arbitrary bytes as a log file, of either version: never a
// panic; an error is a FileError of ErrFormat or ErrCorrupt; what is
// accepted ends inside the data, and for the current version re-frames
// byte for byte.
func FuzzLog(f *testing.F) {
	v2 := header()
	v2 = appendFrame(v2, recIncident, []byte(`{"id":"a"}`))
	v2 = appendFrame(v2, recIncident, []byte(`{"id":"b","version":2}`))
	f.Add(v2)
	f.Add(v2[:len(v2)-4])
	f.Add(v2[:5])
	f.Add(record.LegacyBigEndian.Append(v1Header(), recIncident, []byte(`{"id":"a"}`)))
	f.Add([]byte("TWINCLOG"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := record.NewMemFS()
		w, err := m.OpenFile("/log", os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		w.Close()
		r, err := m.OpenFile("/log", os.O_RDONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := readLog("/log", r)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || !(errors.Is(err, ErrFormat) || errors.Is(err, ErrCorrupt)) {
				t.Fatalf("error %v is not a FileError of ErrFormat or ErrCorrupt", err)
			}
			return
		}
		if sc.end > int64(len(data)) || (!sc.fresh && sc.end < headerSize) {
			t.Fatalf("end %d outside the %d bytes", sc.end, len(data))
		}
		if sc.fresh || sc.version != logVersion {
			return
		}
		re := header()
		for _, rec := range sc.records {
			re = appendFrame(re, recIncident, rec.payload)
		}
		if !bytes.Equal(re, data[:sc.end]) {
			t.Fatal("accepted records do not re-frame to the input")
		}
	})
}
