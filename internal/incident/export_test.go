package incident

import "os"

// WriteLog writes a log file holding ins, one record per element, without
// fsync: a fast way to build large logs for benchmarks and fixtures.
func WriteLog(path string, ins []Incident) error {
	b := header()
	for i := range ins {
		p, err := ins[i].MarshalJSON()
		if err != nil {
			return err
		}
		b = appendFrame(b, recIncident, p)
	}
	return os.WriteFile(path, b, 0o644)
}

// HeaderSize and FrameSize are the sizes of the file header and of a
// record's framing.
const (
	HeaderSize = headerSize
	FrameSize  = frameSize
)
