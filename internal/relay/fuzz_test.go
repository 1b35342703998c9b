package relay_test

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/relay"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// FuzzPublish offers arbitrary lines (the relay reads untrusted input to
// find the sentence, the tag block and the MMSI) under a release policy:
// it must never panic, and whatever it relays is one line holding a
// VDM/VDO sentence of the input, with its checksum field.
func FuzzPublish(f *testing.F) {
	for _, s := range []string{
		`\c:1420030798*00\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22`,
		"!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E",
		"!AIVDM,2,2,3,B,1@0000000000000,2*55",
		"1276012800,!BSVDO,1,1,,A,402=481uaUcf;OQ55JS9ITi025Jp,0*2B",
		`\\!AIVDM*`, "!AIVDM,1,1,,,\xff\x00,0*00",
	} {
		f.Add([]byte(s))
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer pc.Close()
	r, err := relay.New(relay.Config{UDP: pc.LocalAddr().String(), Allow: func(m vessel.MMSI) bool { return m%3 != 0 }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		before := r.Stats()
		r.Publish("rx", line)
		r.Publish("rx", line)
		st := r.Stats()
		relayed := st.Relayed - before.Relayed
		if relayed+st.NotAIS-before.NotAIS+st.Withheld-before.Withheld != 2 {
			t.Fatalf("counts do not add up: %+v then %+v", before, st)
		}
		if relayed > 0 && !bytes.Contains(line, []byte("VD")) {
			t.Fatalf("relayed %q, which holds no VDM/VDO", line)
		}
	})
}

// FuzzPublishTagsBox offers arbitrary lines to a relay that adds tag
// blocks and keeps a box (it reads positions from untrusted payloads):
// it must never panic, every line is counted once, whatever it sends
// starts with a tag block, and one the relay made (the line had none) has
// the right checksum and holds s: and c: (a received one with both is
// passed on as it came).
func FuzzPublishTagsBox(f *testing.F) {
	for _, s := range []string{
		"!AIVDM,1,1,,B,15MgK45P3@G?fl0E`JbR0OwT0@MS,0*4E",
		`\s:rx,c:1420030798*5F\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22`,
		`\g:1-2-73874*5F\!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E`,
		"!AIVDM,1,1,,A,B6CdCm0t3`tba35f@V9faHi7kP06,0*58",
		"!AIVDM,1,1,,B,K8VSqb9LdU28WP8<,0*7B",
		"!AIVDM,1,1,,A,E>jCfrv2`0c2h0W:0a2ah@@@@@@004WD>;2<H50hppN000,4*0A",
		"!AIVDM,1,1,,B,402=481uaUcf;OQ55JS9ITi025Jp,0*2B",
	} {
		f.Add([]byte(s))
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer pc.Close()
	r, err := relay.New(relay.Config{UDP: pc.LocalAddr().String(), Tags: relay.TagsAdd,
		BBox:  relay.BBox{Has: true, West: -10, South: 40, East: 30, North: 70},
		Allow: func(m vessel.MMSI) bool { return m%3 != 0 }})
	if err != nil {
		f.Fatal(err)
	}
	buf := make([]byte, 1<<16)
	f.Fuzz(func(t *testing.T, line []byte) {
		before := r.Stats()
		r.Publish("rx:1", line)
		st := r.Stats()
		relayed := st.Relayed - before.Relayed
		if relayed+st.NotAIS-before.NotAIS+st.Withheld-before.Withheld+st.OutsideBBox-before.OutsideBBox != 1 {
			t.Fatalf("counts do not add up: %+v then %+v", before, st)
		}
		if relayed == 0 {
			return
		}
		pc.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		out := string(buf[:n])
		body, rest, ok := strings.Cut(strings.TrimPrefix(out, `\`), `\`)
		if !strings.HasPrefix(out, `\`) || !ok || !strings.HasPrefix(rest, "!") || !strings.HasSuffix(out, "\r\n") {
			t.Fatalf("relayed %q from %q: no tag block before the sentence", out, line)
		}
		if bytes.ContainsRune(line, '\\') {
			return
		}
		fields, sum, _ := strings.Cut(body, "*")
		var x byte
		for _, c := range []byte(fields) {
			x ^= c
		}
		if !strings.EqualFold(sum, hex2(x)) {
			t.Fatalf("relayed %q: tag checksum %q; want %s", out, sum, hex2(x))
		}
		if !strings.Contains(","+fields, ",s:") || !strings.Contains(","+fields, ",c:") {
			t.Fatalf("relayed %q: no s: or c:", out)
		}
	})
}
