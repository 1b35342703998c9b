package nmea_test

import (
	"errors"
	"testing"

	"github.com/tidewatch/tidewatch/internal/nmea"
)

func TestParseFields(t *testing.T) {
	tests := []struct {
		line      string
		err       error
		talker    string
		formatter string
		fields    []string
		source    string
	}{
		{line: "$GPHDT,92.0,T*0E", talker: "GP", formatter: "HDT", fields: []string{"92.0", "T"}},
		{line: `\s:patrol,c:1767225600*2C\$GPHDT,92.0,T*0E`, talker: "GP", formatter: "HDT", fields: []string{"92.0", "T"}, source: "patrol"},
		{line: "$RATLL,01,1224.10809,N,04559.86268,E,,000000.00,Q,*24", talker: "RA", formatter: "TLL",
			fields: []string{"01", "1224.10809", "N", "04559.86268", "E", "", "000000.00", "Q", ""}},
		{line: "1767225600.5 $GPHDT,92.0,T*0E\r\n", talker: "GP", formatter: "HDT", fields: []string{"92.0", "T"}},
		{line: "$PGHP,1*12", talker: "P\x00", formatter: "GHP", fields: []string{"1"}},
		{line: "$GPHDT*4F", talker: "GP", formatter: "HDT"},
		{line: "$GPHDT,92.0,T*0F", err: nmea.ErrChecksum},
		{line: "$GPHDT,92.0,T", err: nmea.ErrMalformed},
		{line: "$GPHDT,92.0,T*0", err: nmea.ErrMalformed},
		{line: "$G-H?T,92.0,T*08", err: nmea.ErrMalformed},
		{line: "$GP*17", err: nmea.ErrMalformed},
		{line: "", err: nmea.ErrNoSentence},
		{line: "# comment", err: nmea.ErrNoSentence},
		{line: `\s:x*00\$GPHDT,92.0,T*0E`, err: nmea.ErrTagBlockChecksum, talker: "GP", formatter: "HDT", fields: []string{"92.0", "T"}},
		{line: `\s:x`, err: nmea.ErrTagBlock},
	}
	for _, tt := range tests {
		f, err := nmea.ParseFields([]byte(tt.line))
		if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("ParseFields(%q) error %v; want %v", tt.line, err, tt.err)
			continue
		}
		if err != nil && tt.talker == "" {
			continue
		}
		if string(f.Talker[:]) != tt.talker || string(f.Formatter) != tt.formatter || f.Len() != len(tt.fields) {
			t.Errorf("ParseFields(%q) = %q %q %d fields; want %q %q %d", tt.line, f.Talker, f.Formatter, f.Len(), tt.talker, tt.formatter, len(tt.fields))
			continue
		}
		for i, want := range tt.fields {
			if got := string(f.Field(i + 1)); got != want {
				t.Errorf("ParseFields(%q) field %d = %q; want %q", tt.line, i+1, got, want)
			}
		}
		if f.Field(0) != nil || f.Field(len(tt.fields)+1) != nil {
			t.Errorf("ParseFields(%q): fields outside the range are not nil", tt.line)
		}
		if string(f.Tag.Source) != tt.source {
			t.Errorf("ParseFields(%q) source %q; want %q", tt.line, f.Tag.Source, tt.source)
		}
	}
}

func FuzzParseFields(f *testing.F) {
	f.Add([]byte(`\s:patrol,c:1767225600*2C\$RATTM,01,3.189,118.3,T,0.0,205.5,T,1.512,16.8,N,,Q,,000000.00,A*31`))
	f.Add([]byte("$GPRMC,000000.00,A,1224.00000,N,04600.00000,E,10.0,90.0,010126,,,A*55"))
	f.Fuzz(func(t *testing.T, line []byte) {
		fs, err := nmea.ParseFields(line)
		if err != nil && !errors.Is(err, nmea.ErrTagBlockChecksum) {
			return
		}
		if fs.Len() > nmea.MaxFields {
			t.Fatalf("%d fields", fs.Len())
		}
		for i := 1; i <= fs.Len(); i++ {
			for _, c := range fs.Field(i) {
				if c == ',' || c == '*' {
					t.Fatalf("field %d of %q holds %q", i, line, c)
				}
			}
		}
	})
}
