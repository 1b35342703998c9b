package record_test

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tidewatch/tidewatch/internal/record"
)

// A log written through a MemFS, a crash with one record unsynced, and the
// recovery: the synced records read back and the torn tail is reported.
func Example() {
	fsys := record.NewMemFS()
	f, _ := fsys.OpenFile("/log", os.O_CREATE|os.O_WRONLY, 0o600)
	fsys.SyncDir("/")
	buf := record.AppendFileHeader(nil, "TWEXA\x00", 1)
	buf = record.Append(buf, 1, []byte("first"))
	buf = record.Append(buf, 1, []byte("second"))
	f.Write(buf)
	f.Sync()
	f.Write(record.Append(nil, 1, []byte("never synced")))

	after := fsys.CrashClone(nil)
	data, _ := record.ReadFile(after, "/log")
	v, _ := record.ParseFileHeader(data, "TWEXA\x00")
	fmt.Println("version", v)
	r := record.NewReader(bytesReader(data[record.FileHeaderLen:]), "/log", record.ReaderOptions{Offset: record.FileHeaderLen})
	for {
		_, p, err := r.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, record.ErrTorn) {
			fmt.Println("torn tail:", err)
			break
		}
		fmt.Printf("%s\n", p)
	}
	// Output:
	// version 1
	// first
	// second
}

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func bytesReader(b []byte) io.Reader { return &sliceReader{b} }
