package sensor_test

import (
	"os"
	"testing"

	"github.com/tidewatch/tidewatch/internal/sensor"
)

func TestSniff(t *testing.T) {
	files := map[string]sensor.Format{
		"testdata/radar/own_ship.nmea":                   sensor.FormatRadarNMEA,
		"testdata/sat/gfw_sar.csv":                       sensor.FormatGFW,
		"testdata/sat/xview3_labels.csv":                 sensor.FormatXView3,
		"testdata/sat/viirs_vbd.csv":                     sensor.FormatVIIRS,
		"testdata/sat/detections.geojson":                sensor.FormatGeoJSON,
		"../../testdata/ais/raw/dma-stream-example.nmea": sensor.FormatUnknown,
		asterixDir + "cat_034_048.pcap":                  sensor.FormatASTERIX,
		asterixDir + "cat048.raw":                        sensor.FormatASTERIX,
		asterixDir + "cat062cat065.raw":                  sensor.FormatASTERIX,
	}
	for name, want := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Logf("skip %s: %v", name, err)
			continue
		}
		if got := sensor.Sniff(data[:min(len(data), 64<<10)]); got != want {
			t.Errorf("Sniff(%s) = %v; want %v", name, got, want)
		}
	}
	for in, want := range map[string]sensor.Format{
		"":                         sensor.FormatUnknown,
		"mmsi,timestamp,lat,lon\n": sensor.FormatUnknown,
		"\"mmsi\",\"lat\"\n":       sensor.FormatUnknown,
		"{\"type\": \"Polygon\"}":  sensor.FormatUnknown,
		"# radar\n\n$GPHDT,92.0,T*06\n$RATLL,02,5130.00000,N,00115.00000,E,PILOT,000001.00,T,*65\n":                     sensor.FormatRadarNMEA,
		"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\n$RATLL,02,5130.00000,N,00115.00000,E,PILOT,000001.00,T,*65\n": sensor.FormatUnknown,
	} {
		if got := sensor.Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %v; want %v", in, got, want)
		}
	}
}
