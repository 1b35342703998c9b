package nmea_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/nmea"
)

// withChecksum appends "*hh" to an NMEA sentence or tag-block body that
// starts with '!', '$' or nothing.
func withChecksum(s string) string {
	body := strings.TrimLeft(s, "!$")
	var sum byte
	for i := 0; i < len(body); i++ {
		sum ^= body[i]
	}
	return fmt.Sprintf("%s*%02X", s, sum)
}

// describe renders the fields of a sentence for comparison.
func describe(s nmea.Sentence) string {
	var b strings.Builder
	kind := "VDM"
	if s.Own {
		kind = "VDO"
	}
	fmt.Fprintf(&b, "%s%s %d/%d seq=%d ch=%q %s fill=%d", s.Talker[:], kind, s.Num, s.Total, s.SeqID, s.Channel, s.Payload, s.Fill)
	if !s.RecvTime.IsZero() {
		fmt.Fprintf(&b, " recv=%s", s.RecvTime.Format(time.RFC3339Nano))
	}
	if s.Prefix != nil {
		fmt.Fprintf(&b, " prefix=%q", s.Prefix)
	}
	if t := s.Tag; t.Present {
		b.WriteString(" tag{")
		if t.Source != nil {
			fmt.Fprintf(&b, " s=%s", t.Source)
		}
		if !t.Time.IsZero() {
			fmt.Fprintf(&b, " c=%s", t.Time.Format(time.RFC3339Nano))
		}
		if t.GroupTotal != 0 {
			fmt.Fprintf(&b, " g=%d-%d-%d", t.GroupNum, t.GroupTotal, t.GroupID)
		}
		if t.LineCount != 0 {
			fmt.Fprintf(&b, " n=%d", t.LineCount)
		}
		if t.RelativeTime != 0 {
			fmt.Fprintf(&b, " r=%d", t.RelativeTime)
		}
		if t.Destination != nil {
			fmt.Fprintf(&b, " d=%s", t.Destination)
		}
		if t.Text != nil {
			fmt.Fprintf(&b, " t=%s", t.Text)
		}
		if t.Info != nil {
			fmt.Fprintf(&b, " i=%s", t.Info)
		}
		b.WriteString(" }")
	}
	return b.String()
}

// TestParse covers every line form found in testdata/ais/raw.
func TestParse(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"plain", "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0`},
		{"crlf", "!AIVDM,1,1,,B,13U4vF0P001d<UnEeSmQ>gv`04hd,0*4C\r\n",
			"AIVDM 1/1 seq=-1 ch='B' 13U4vF0P001d<UnEeSmQ>gv`04hd fill=0"},
		{"lower-case checksum", "!AIVDM,1,1,,B,:6TMCD1GOS60,0*5b",
			`AIVDM 1/1 seq=-1 ch='B' :6TMCD1GOS60 fill=0`},
		{"talker AB with sequence id", "!ABVDM,1,1,6,B,1G7lQJ001PbomTie:ms2sR@40000,0*34",
			`ABVDM 1/1 seq=6 ch='B' 1G7lQJ001PbomTie:ms2sR@40000 fill=0`},
		{"talker BS channel 2", "!BSVDM,1,1,9,2,6>lsot@1<i5P,0*38",
			`BSVDM 1/1 seq=9 ch='2' 6>lsot@1<i5P fill=0`},
		{"channel 1", "!BSVDM,1,1,5,1,6>lsotP1<i5P,0*27",
			`BSVDM 1/1 seq=5 ch='1' 6>lsotP1<i5P fill=0`},
		{"VDO without channel", "!AIVDO,1,1,,,B000000002EgKjv=lCL03wQ5wP06,0*0F",
			`AIVDO 1/1 seq=-1 ch='\x00' B000000002EgKjv=lCL03wQ5wP06 fill=0`},
		{"talker AS VDO", "!ASVDO,1,1,4,A,4@4k0W1uhMcfsbf=MQkvWTW00000,0*0D",
			`ASVDO 1/1 seq=4 ch='A' 4@4k0W1uhMcfsbf=MQkvWTW00000 fill=0`},
		{"talker --", "!--VDM,1,1,,A,802R5Ph0Bkgh@@a8Q@tpRAHD2Wwwwwwwwk7Owwwwwwwwwwwwwwwwwwwwwwt,2*79",
			`--VDM 1/1 seq=-1 ch='A' 802R5Ph0Bkgh@@a8Q@tpRAHD2Wwwwwwwwk7Owwwwwwwwwwwwwwwwwwwwwwt fill=2`},
		{"91-character single sentence on channel 0", "!ABVDM,1,1,9,0,555wq401pu91K@i0000Hu9ADpF1=@58000000016A0:<;4M`0>C0A@00000000000000000,2*56",
			"ABVDM 1/1 seq=9 ch='0' 555wq401pu91K@i0000Hu9ADpF1=@58000000016A0:<;4M`0>C0A@00000000000000000 fill=2"},
		{"fragment 1 of 2", "!AIVDM,2,1,9,B,55R3Vn82=ILTQ3KKS>1<D60Dq@E918U<F222221J1`?164vc03S1CCAD,0*2A",
			"AIVDM 1/2 seq=9 ch='B' 55R3Vn82=ILTQ3KKS>1<D60Dq@E918U<F222221J1`?164vc03S1CCAD fill=0"},
		{"fragment 2 of 2", "!AIVDM,2,2,9,B,`88888888888880,2*76",
			"AIVDM 2/2 seq=9 ch='B' `88888888888880 fill=2"},
		{"empty channel fragment", "!AIVDM,2,2,1,,88888888888,2*6C",
			`AIVDM 2/2 seq=1 ch='\x00' 88888888888 fill=2`},
		{"suffix unix seconds", "!AIVDM,1,1,,B,H52KsnQ8DDj1Lu9@PhE=>222220,2*30,1327664821",
			`AIVDM 1/1 seq=-1 ch='B' H52KsnQ8DDj1Lu9@PhE=>222220 fill=2 recv=2012-01-27T11:47:01Z`},
		{"suffix unix milliseconds", "!AIVDM,1,1,,B,H52KsnQ8DDj1Lu9@PhE=>222220,2*30,1328182324603",
			`AIVDM 1/1 seq=-1 ch='B' H52KsnQ8DDj1Lu9@PhE=>222220 fill=2 recv=2012-02-02T11:32:04.603Z`},
		{"suffix with junk field", "!AIVDM,1,1,,B,14pWHb?P03rwO<F:RQOnROw<25bd,0*3E,1daasd4218,,1357134222",
			`AIVDM 1/1 seq=-1 ch='B' 14pWHb?P03rwO<F:RQOnROw<25bd fill=0 recv=2013-01-02T13:43:42Z`},
		{"suffix receiver fields", "!AIVDM,1,1,,B,?h3Ovn1GP<K0<P@59a0,2*04,d-077,S1832,t004248.00,T48.85520485,r07RPAL1,1272415370",
			`AIVDM 1/1 seq=-1 ch='B' ?h3Ovn1GP<K0<P@59a0 fill=2 recv=2010-04-28T00:42:50Z`},
		{"suffix receiver fields without time", "!AIVDM,1,1,,B,:6TMCD1GOS60,0*5B,s36310,d-081,T59.01777335",
			`AIVDM 1/1 seq=-1 ch='B' :6TMCD1GOS60 fill=0`},
		{"suffix b field", "!AIVDM,2,2,6,A,3OLc=UCRp,0*4A,b003660465",
			`AIVDM 2/2 seq=6 ch='A' 3OLc=UCRp fill=0`},
		{"suffix escaped CRLF text", `!AIVDM,2,2,8,B,00,4*19\x0d\x0a`,
			`AIVDM 2/2 seq=8 ch='B' 00 fill=4`},
		{"suffix comment", "!AIVDM,1,1,,A,13cWJK000<1bPl>EcvLJb`5P08KO,0*71# taken from https://www.aishub.net/ais-dispatcher",
			"AIVDM 1/1 seq=-1 ch='A' 13cWJK000<1bPl>EcvLJb`5P08KO fill=0"},
		{"surrounding white space", "  !AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23 \t",
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0`},
		{"prefix unix time", "1452468552.938 !AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 recv=2016-01-10T23:29:12.938Z`},
		{"prefix unix milliseconds and suffix", "1452468552938 !AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23,1357134222",
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 recv=2016-01-10T23:29:12.938Z`},
		{"tag block s c", `\s:rEV02,c:1334337317*58\!AIVDM,1,1,,B,19NWuLhuRb5QHfCpPcwj` + "`" + `26B0<02,0*5F`,
			"AIVDM 1/1 seq=-1 ch='B' 19NWuLhuRb5QHfCpPcwj`26B0<02 fill=0 tag{ s=rEV02 c=2012-04-13T17:15:17Z }"},
		{"tag block group", `\g:1-2-3985,s:rEV02,c:1334337317*2D\!AIVDM,2,1,9,B,58KvN<42ACikUKW77F1H4hF0<PTp622222222216` + "`0`" + `cF5BF0RT13H0T,0*70`,
			"AIVDM 1/2 seq=9 ch='B' 58KvN<42ACikUKW77F1H4hF0<PTp622222222216`0`cF5BF0RT13H0T fill=0 tag{ s=rEV02 c=2012-04-13T17:15:17Z g=1-2-3985 }"},
		{"tag block group only", `\g:2-2-3985*5A\!AIVDM,2,2,9,B,PFRC88888888880,2*29`,
			`AIVDM 2/2 seq=9 ch='B' PFRC88888888880 fill=2 tag{ g=2-2-3985 }`},
		{"tag block n and talker SA", `\g:1-2-27300,n:636994,s:b003669710,c:1428621738*5F\!SAVDM,2,1,2,B,55Mw@A7J1adAL@?;7WPl58F0U<h4pB222222220t1PN5553fN4g?` + "`" + `4iSp5Rc,0*26`,
			"SAVDM 1/2 seq=2 ch='B' 55Mw@A7J1adAL@?;7WPl58F0U<h4pB222222220t1PN5553fN4g?`4iSp5Rc fill=0 tag{ s=b003669710 c=2015-04-09T23:22:18Z g=1-2-27300 n=636994 }"},
		{"tag block NMEA 4 group", `\1G2:0125,c:1354719387*0D\!AIVDM,2,1,4,A,539LiHP2;42` + "`" + `@pE<000<tq@V1<TpL4000000001?1SV@@73R0J0TQCAD,0*1E`,
			"AIVDM 1/2 seq=4 ch='A' 539LiHP2;42`@pE<000<tq@V1<TpL4000000001?1SV@@73R0J0TQCAD fill=0 tag{ c=2012-12-05T14:56:27Z g=1-2-125 }"},
		{"tag block NMEA 4 group only", `\2G2:0125*7B\!AIVDM,2,2,4,A,R0EQCP000000000,2*45`,
			`AIVDM 2/2 seq=4 ch='A' R0EQCP000000000 fill=2 tag{ g=2-2-125 }`},
		{"tag block source with colon, channel C", `\s:b:2,c:1364272372*57\!AIVDM,1,1,,C,18153ogP?w1dD@@` + "`" + `JiRN4?wp0000,0*48`,
			"AIVDM 1/1 seq=-1 ch='C' 18153ogP?w1dD@@`JiRN4?wp0000 fill=0 tag{ s=b:2 c=2013-03-26T04:32:52Z }"},
		{"tag block empty field", `\:,c:1364272372*4E\!AIVDM,1,1,,C,18153ogP?w1dD@@` + "`" + `JiRN4?wp0000,0*48`,
			"AIVDM 1/1 seq=-1 ch='C' 18153ogP?w1dD@@`JiRN4?wp0000 fill=0 tag{ c=2013-03-26T04:32:52Z }"},
		{"tag block milliseconds and more fields", `\` + withChecksum("s:r3669961,c:1428621738123,r:35,d:dst,t:hello,i:info,x:unknown") + `\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23`,
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 tag{ s=r3669961 c=2015-04-09T23:22:18.123Z r=35 d=dst t=hello i=info }`},
		{"two tag blocks", `\` + withChecksum("g:1-1-7") + `\\` + withChecksum("s:x,c:1334337317") + `\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23`,
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 tag{ s=x c=2012-04-13T17:15:17Z g=1-1-7 }`},
		{"prefix unix nanoseconds (go-ais archive)", "1550303566167726840 !AIVDM,1,1,,B,10bb7q@P0lPGHlVMhbl0Qgw>2>`<,0*7F",
			"AIVDM 1/1 seq=-1 ch='B' 10bb7q@P0lPGHlVMhbl0Qgw>2>`< fill=0 recv=2019-02-16T07:52:46.16772684Z"},
		{"prefix unix nanoseconds, 18 digits", "955303566167726840 !AIVDM,1,1,,B,10bb7q@P0lPGHlVMhbl0Qgw>2>`<,0*7F",
			"AIVDM 1/1 seq=-1 ch='B' 10bb7q@P0lPGHlVMhbl0Qgw>2>`< fill=0 recv=2000-04-09T18:06:06.16772684Z"},
		{"prefix unix microseconds", "1550303566167726 !AIVDM,1,1,,B,10bb7q@P0lPGHlVMhbl0Qgw>2>`<,0*7F",
			"AIVDM 1/1 seq=-1 ch='B' 10bb7q@P0lPGHlVMhbl0Qgw>2>`< fill=0 recv=2019-02-16T07:52:46.167726Z"},
		{"prefix unix milliseconds", "1550303566167 !AIVDM,1,1,,B,10bb7q@P0lPGHlVMhbl0Qgw>2>`<,0*7F",
			"AIVDM 1/1 seq=-1 ch='B' 10bb7q@P0lPGHlVMhbl0Qgw>2>`< fill=0 recv=2019-02-16T07:52:46.167Z"},
		{"prefix of 17 digits is not a time", "15503035661677268 !AIVDM,1,1,,B,10bb7q@P0lPGHlVMhbl0Qgw>2>`<,0*7F",
			"AIVDM 1/1 seq=-1 ch='B' 10bb7q@P0lPGHlVMhbl0Qgw>2>`< fill=0 prefix=\"15503035661677268 \""},
		{"prefix of 19 digits beyond int64", "9999999999999999999 !AIVDM,1,1,,B,10bb7q@P0lPGHlVMhbl0Qgw>2>`<,0*7F",
			"AIVDM 1/1 seq=-1 ch='B' 10bb7q@P0lPGHlVMhbl0Qgw>2>`< fill=0 prefix=\"9999999999999999999 \""},
		{"prefix nanoseconds with a fraction", "1550303566167726840.5 !AIVDM,1,1,,B,10bb7q@P0lPGHlVMhbl0Qgw>2>`<,0*7F",
			"AIVDM 1/1 seq=-1 ch='B' 10bb7q@P0lPGHlVMhbl0Qgw>2>`< fill=0 prefix=\"1550303566167726840.5 \""},
		{"prefix time without a space", "1452468552.938!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 prefix="1452468552.938"`},
		{"prefix text", "Rx 12: !AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 prefix="Rx 12: "`},
		{"prefix time then text", "1452468552 port3 !AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 recv=2016-01-10T23:29:12Z prefix="port3 "`},
		{"prefix doubled !", "!!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 prefix="!"`},
		{"prefix with other ! and backslash", `x!y\z !AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23`,
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 prefix="x!y\\z "`},
		{"prefix text then tag block", `port3 \s:rEV02,c:1334337317*58\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23`,
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 prefix="port3 " tag{ s=rEV02 c=2012-04-13T17:15:17Z }`},
		{"prefix text with backslash then two tag blocks", `x\y ` + `\` + withChecksum("g:1-1-7") + `\\` + withChecksum("s:x,c:1334337317") + `\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23`,
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 prefix="x\\y " tag{ s=x c=2012-04-13T17:15:17Z g=1-1-7 }`},
		{"prefix time and tag block", "1452468552 " + `\s:rEV02,c:1334337317*58\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23`,
			`AIVDM 1/1 seq=-1 ch='A' 13HOI:0P0000VOHLCnHQKwvL05Ip fill=0 recv=2016-01-10T23:29:12Z tag{ s=rEV02 c=2012-04-13T17:15:17Z }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := nmea.Parse([]byte(tt.line))
			if err != nil {
				t.Fatalf("Parse(%q) error %v", tt.line, err)
			}
			if got := describe(s); got != tt.want {
				t.Errorf("Parse(%q) =\n  %s\nwant\n  %s", tt.line, got, tt.want)
			}
		})
	}
}

// TestParseTagChecksum checks the tag-block checksum policy on a line of
// amsa-timestamped-tagblock.nmea, whose tag blocks all carry "*00".
func TestParseTagChecksum(t *testing.T) {
	line := []byte(`\c:1420030798*00\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22`)
	const sentence = `ABVDM 1/1 seq=4 ch='B' 17P;HV?P008F98Il;EC1mOwL0@KP fill=0`
	for _, tt := range []struct {
		policy nmea.TagChecksumPolicy
		want   string
	}{
		{nmea.TagChecksumDrop, sentence},
		{nmea.TagChecksumKeep, sentence + " tag{ c=2014-12-31T12:59:58Z }"},
	} {
		s, err := nmea.Parser{TagChecksum: tt.policy}.Parse(line)
		if !errors.Is(err, nmea.ErrTagBlockChecksum) {
			t.Errorf("policy %d: Parse(%q) error %v; want %v", tt.policy, line, err, nmea.ErrTagBlockChecksum)
		}
		if got := describe(s); got != tt.want {
			t.Errorf("policy %d: Parse(%q) =\n  %s\nwant\n  %s", tt.policy, line, got, tt.want)
		}
	}

	// A tag block without checksum is treated the same way.
	s, err := nmea.Parse([]byte(`\s:x\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23`))
	if !errors.Is(err, nmea.ErrTagBlockChecksum) || s.Tag.Present || len(s.Payload) == 0 {
		t.Errorf("tag block without checksum: got %s, %v; want the sentence without tag block and %v", describe(s), err, nmea.ErrTagBlockChecksum)
	}
}

// TestParseErrors checks the error class of bad lines.
func TestParseErrors(t *testing.T) {
	const p = "13HOI:0P0000VOHLCnHQKwvL05Ip"
	tests := []struct {
		name, line, class string
	}{
		{"blank", "", "not_ais"},
		{"spaces", " \t\r\n", "not_ais"},
		{"comment", "# !AIVDM,1,1,4,B,6>jR0600V:C0>da4P106P00,2*02", "not_ais"},
		{"text", "garbage line with no sentence at all", "not_ais"},
		{"GPS sentence", "$GPGLL,5250.53669,N,00542.34920,E,213950.00,A,A*67", "not_ais"},
		{"PGHP", "$PGHP,1,2010,6,11,11,46,11,390,231,45,992190934,1,2B*5B", "not_ais"},
		{"dollar VDM", "$AIVDM,1,1,,A," + p + ",0*23", "not_ais"},
		{"lower-case address", "!aivdm,1,1,,A," + p + ",0*03", "not_ais"},
		{"talker outside [A-Z0-9-]", "!=IVDM,1,1,,A,18JSmJ001D8FqSClKd51JAD20D0W,0*2E", "not_ais"},
		{"other encapsulated sentence", "!AIABM,1,1,0,123456789,0,6,0,0*00", "not_ais"},
		{"longer address", "!AIVDMX,1,1,,A," + p + ",0*23", "not_ais"},
		{"digits without sentence", "1452468552.938 hello", "not_ais"},
		{"digits only", "1452468552", "not_ais"},
		{"text then truncated address", "Rx: !AIVD", "not_ais"},
		{"text then GPS sentence", "Rx: $GPGLL,5250.53669,N,00542.34920,E,213950.00,A,A*67", "not_ais"},
		{"nanoseconds without sentence", "1550303566167726840 hello", "not_ais"},
		{"prefix text and checksum flipped bit", "Rx: !AIVDM,1,1,,A," + p + ",0*22", "checksum"},
		{"prefix nanoseconds and empty payload", "1550303566167726840 !AIVDM,1,1,,B,,0*25", "payload_too_short"},
		{"tag block and GPS", `\s:x*00\$GPGLL,5250.53669,N,00542.34920,E,213950.00,A,A*67`, "not_ais"},
		{"lone !", "!", "malformed_sentence"},
		{"truncated address", "!AIVD", "malformed_sentence"},
		{"address only", "!AIVDM", "malformed_sentence"},
		{"truncated", "!AIVDM,1,1,,A,13HOI:0P0", "malformed_sentence"},
		{"truncated real", "!BSVDM,1,1,,A,3", "malformed_sentence"},
		{"no checksum", "!AIVDM,1,1,,A," + p + ",0", "malformed_sentence"},
		{"short checksum", "!AIVDM,1,1,,A," + p + ",0*2", "malformed_sentence"},
		{"non-hex checksum", "!AIVDM,1,1,,A," + p + ",0*2G", "malformed_sentence"},
		{"extra field", withChecksum("!AIVDM,1,1,,A," + p + ",0,extra"), "malformed_sentence"},
		{"missing field", withChecksum("!AIVDM,1,1,A," + p + ",0"), "malformed_sentence"},
		{"collided", "!ABVDM,1,1,6,A,17P=e23000bngMBVDM,1,1,7,A,14W:<b0u@LboM1ue6QlMp0b:85KD,0*58", "malformed_sentence"},
		{"non-numeric count", withChecksum("!AIVDM,x,1,,A," + p + ",0"), "malformed_sentence"},
		{"empty count", withChecksum("!AIVDM,,1,,A," + p + ",0"), "malformed_sentence"},
		{"non-numeric number", withChecksum("!AIVDM,1,y,,A," + p + ",0"), "malformed_sentence"},
		{"non-numeric sequence id", withChecksum("!AIVDM,1,1,z,A," + p + ",0"), "malformed_sentence"},
		{"two-character channel", withChecksum("!AIVDM,1,1,,AB," + p + ",0"), "malformed_sentence"},
		{"channel -", withChecksum("!AIVDM,1,1,,-," + p + ",0"), "malformed_sentence"},
		{"empty fill bits", withChecksum("!AIVDM,1,1,,A," + p + ","), "malformed_sentence"},
		{"non-numeric fill bits", withChecksum("!AIVDM,1,1,,A," + p + ",x"), "malformed_sentence"},
		{"tag block without sentence", `\s:rEV02,c:1334337317*58\`, "malformed_sentence"},
		{"checksum flipped bit", "!AIVDM,1,1,,A," + p + ",0*22", "checksum"},
		{"payload altered", "!AIVDM,1,1,,A,13HOI:0P0000VO1LCnHQKwvL05Ip,0*23", "checksum"},
		{"fragment count 0", withChecksum("!AIVDM,0,0,,A," + p + ",0"), "fragment"},
		{"fragment count 10", withChecksum("!AIVDM,10,1,,A," + p + ",0"), "fragment"},
		{"fragment number above count", withChecksum("!AIVDM,1,2,,A," + p + ",0"), "fragment"},
		{"fragment number 0", withChecksum("!AIVDM,2,0,,A," + p + ",0"), "fragment"},
		{"sequence id 10", withChecksum("!AIVDM,1,1,10,A," + p + ",0"), "fragment"},
		{"empty payload", "!AIVDM,1,1,,B,,0*25", "payload_too_short"},
		{"payload X", withChecksum("!AIVDM,1,1,,A,13HOI:0P00X0VOHLCnHQKwvL05Ip,0"), "payload_character"},
		{"payload ~", withChecksum("!AIVDM,1,1,,A,13HOI:0P00~0VOHLCnHQKwvL05Ip,0"), "payload_character"},
		{"payload space", withChecksum("!AIVDM,1,1,,A,13HOI:0P00 0VOHLCnHQKwvL05Ip,0"), "payload_character"},
		{"fill bits 6", withChecksum("!AIVDM,1,1,,A," + p + ",6"), "fill_bits"},
		{"fill bits 12", withChecksum("!AIVDM,1,1,,A," + p + ",12"), "fill_bits"},
		{"tag block unterminated", `\s:rEV02,c:1334337317*58!AIVDM,1,1,,A,` + p + `,0*23`, "tag_block"},
		{"tag block bad time", `\` + withChecksum("c:abc") + `\!AIVDM,1,1,,A,` + p + `,0*23`, "tag_block"},
		{"tag block bad group", `\` + withChecksum("g:1-2") + `\!AIVDM,1,1,,A,` + p + `,0*23`, "tag_block"},
		{"tag block group number above size", `\` + withChecksum("g:3-2-1") + `\!AIVDM,1,1,,A,` + p + `,0*23`, "tag_block"},
		{"tag block bad line count", `\` + withChecksum("n:x") + `\!AIVDM,1,1,,A,` + p + `,0*23`, "tag_block"},
		{"tag block bad NMEA 4 group", `\` + withChecksum("1G:12") + `\!AIVDM,1,1,,A,` + p + `,0*23`, "tag_block"},
		{"tag block bad checksum", `\s:rEV02,c:1334337317*00\!AIVDM,1,1,,A,` + p + `,0*23`, "tag_block_checksum"},
		{"tag block one-digit checksum", `\g:1-2-73874*A\!AIVDM,1,1,,A,15MrVH0000KH<:V:NtBLoqFP2H9:,0*2F`, "tag_block_checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := nmea.Parse([]byte(tt.line))
			if got := nmea.Class(err); got != tt.class {
				t.Errorf("Parse(%q) error %v (class %q); want class %q", tt.line, err, got, tt.class)
			}
		})
	}
}

func TestClass(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("read tcp: connection reset"), ""},
		{nmea.ErrChecksum, "checksum"},
		{&nmea.LineError{Line: 3, Err: nmea.ErrFragment}, "fragment"},
		{fmt.Errorf("ingest %s: %w", "x", &nmea.LineError{Line: 3, Err: nmea.ErrLineTooLong}), "line_too_long"},
		{nmea.ErrNotAIS, "not_ais"},
	}
	for _, tt := range tests {
		if got := nmea.Class(tt.err); got != tt.want {
			t.Errorf("Class(%v) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

func TestLineError(t *testing.T) {
	_, err := nmea.Parse([]byte("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*22"))
	le := &nmea.LineError{Line: 7, Column: 45, Err: err}
	const want = "line 7, column 45: nmea: checksum mismatch"
	if le.Error() != want {
		t.Errorf("Error() = %q; want %q", le.Error(), want)
	}
	if !errors.Is(le, nmea.ErrChecksum) {
		t.Errorf("errors.Is(%v, ErrChecksum) = false", le)
	}
}

// TestParseAllocs checks that Parse allocates nothing, even on errors.
func TestParseAllocs(t *testing.T) {
	lines := [][]byte{
		[]byte(`\g:1-2-3985,s:rEV02,c:1334337317*2D\!AIVDM,2,1,9,B,58KvN<42ACikUKW77F1H4hF0<PTp622222222216` + "`0`" + `cF5BF0RT13H0T,0*70`),
		[]byte("1452468552.938 !AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23,1357134222"),
		[]byte("!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*22"),
		[]byte("$GPGLL,5250.53669,N,00542.34920,E,213950.00,A,A*67"),
		[]byte(`\c:1420030798*00\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22`),
	}
	for _, line := range lines {
		if n := testing.AllocsPerRun(100, func() { _, _ = nmea.Parse(line) }); n != 0 {
			t.Errorf("Parse(%q): %v allocations; want 0", line, n)
		}
	}
}
