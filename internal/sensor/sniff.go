package sensor

import (
	"bytes"
	"errors"

	"github.com/tidewatch/tidewatch/internal/nmea"
)

// sniffLines bounds how many text lines Sniff looks at.
const sniffLines = 200

// Sniff tells which sensor format the start of an input (decompressed)
// holds, FormatUnknown for anything else (AIS NMEA, AIS CSV, text):
//
//   - a classic libpcap magic number, or binary data whose first byte is
//     an ASTERIX category 034, 048 or 062: FormatASTERIX;
//   - a JSON object with a "Feature" type: FormatGeoJSON;
//   - a first significant line (not blank, not a "#" comment) that is a
//     satellite CSV header (SniffCSV): that format;
//   - NMEA sentences in which a radar sentence (TTM, TLL, OSD, RSD) comes
//     before any AIS sentence (VDM, VDO) within the first 200 lines:
//     FormatRadarNMEA. An AIS log with a few radar sentences later is
//     left to AIS ingest.
func Sniff(head []byte) Format {
	if IsPcap(head) {
		return FormatASTERIX
	}
	if len(head) >= 3 && (head[0] == 34 || head[0] == 48 || head[0] == 62) &&
		bytes.IndexByte(head[:min(len(head), 512)], 0) >= 0 {
		return FormatASTERIX
	}
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimSpace(head); len(t) > 0 && t[0] == '{' {
		if bytes.Contains(t, []byte(`"Feature`)) {
			return FormatGeoJSON
		}
		return FormatUnknown
	}
	first := true
	for n := 0; len(head) > 0 && n < sniffLines; n++ {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if first {
			first = false
			if f := SniffCSV(string(line)); f != FormatUnknown {
				return f
			}
		}
		f, err := nmea.ParseFields(line)
		if err != nil && !errors.Is(err, nmea.ErrTagBlockChecksum) {
			continue
		}
		switch string(f.Formatter) {
		case "TTM", "TLL", "OSD", "RSD":
			return FormatRadarNMEA
		case "VDM", "VDO":
			return FormatUnknown
		}
	}
	return FormatUnknown
}
