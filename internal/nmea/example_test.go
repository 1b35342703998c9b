package nmea_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/tidewatch/tidewatch/internal/nmea"
)

func ExampleReader() {
	input := strings.Join([]string{
		`$PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B*5B`,
		`!AIVDM,1,1,,B,402=481uaUcf;OQ55JS9ITi025Jp,0*2B`,
		`\g:1-2-3985,s:rEV02,c:1334337317*2D\!AIVDM,2,1,9,B,58KvN<42ACikUKW77F1H4hF0<PTp622222222216` + "`0`" + `cF5BF0RT13H0T,0*70`,
		`\g:2-2-3985*5A\!AIVDM,2,2,9,B,PFRC88888888880,2*29`,
		`$GPGLL,5250.53669,N,00542.34920,E,213950.00,A,A*67`,
		`!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*22`,
	}, "\r\n")

	r := nmea.NewReader(strings.NewReader(input), nmea.ReaderOptions{})
	for {
		msg, err := r.Next()
		if err == io.EOF {
			break
		}
		var le *nmea.LineError
		if errors.As(err, &le) {
			fmt.Printf("skipped (%s): %v\n", nmea.Class(err), err)
			continue
		}
		if err != nil {
			log.Fatal(err) // I/O error
		}
		fmt.Printf("line %d: %d sentence(s), %d payload characters, fill %d", msg.Line, msg.Sentences, len(msg.Payload), msg.Fill)
		if msg.Source != nil {
			fmt.Printf(", source %s at %s", msg.Source, msg.Time.Format("2006-01-02 15:04:05"))
		}
		if !msg.RecvTime.IsZero() {
			fmt.Printf(", received %s", msg.RecvTime.Format("2006-01-02 15:04:05.000"))
		}
		fmt.Println()
	}
	st := r.Stats()
	fmt.Printf("%d lines, %d messages, %d not AIS, %d rejected\n", st.Lines, st.Messages, st.NotAIS, st.Rejected())
	// Output:
	// line 2: 1 sentence(s), 28 payload characters, fill 0, received 2010-06-11 11:46:11.390
	// line 4: 2 sentence(s), 71 payload characters, fill 2, source rEV02 at 2012-04-13 17:15:17
	// skipped (checksum): line 6, column 45: nmea: checksum mismatch
	// 6 lines, 2 messages, 2 not AIS, 1 rejected
}
