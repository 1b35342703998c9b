package relay_test

import (
	"bytes"
	"net"
	"testing"

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
