package relay

import (
	"bytes"
	"encoding/json"
	"net"
	"testing"
)

// FuzzGPSD feeds untrusted input to a gpsd-format relay from both sides:
// arbitrary lines published (reassembled and decoded) and arbitrary
// client requests. It must never panic, and every line a client gets is
// one JSON object ended by CR LF.
func FuzzGPSD(f *testing.F) {
	for _, s := range []struct{ line, cmd string }{
		{"!AIVDM,1,1,,B,15MgK45P3@G?fl0E`JbR0OwT0@MS,0*4E", `?WATCH={"enable":true,"json":true};`},
		{"!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E", `?WATCH={"scaled":true}` + "\n?POLL;"},
		{"!AIVDM,2,2,3,B,1@0000000000000,2*55", "?DEVICES;?VERSION;"},
		{`\s:rx,c:1420030798*5F\!ABVDM,1,1,4,B,17P;HV?P008F98Il;EC1mOwL0@KP,0*22`, "?WATCH={\"enable\":\"\xff\"};?\"\\;"},
		{"!AIVDM,1,1,,,\xff\x00,0*00", "?WATCH={\"enable\":false};;;\r\n"},
	} {
		f.Add([]byte(s.line), []byte(s.cmd))
	}
	f.Fuzz(func(t *testing.T, line, cmd []byte) {
		r, err := New(Config{Listen: "127.0.0.1:0", Format: FormatGPSD, Queue: 1 << 12})
		if err != nil {
			t.Fatal(err)
		}
		defer r.ln.Close()
		server, peer := net.Pipe()
		c := &client{conn: server, q: make(chan []byte, 1<<12)}
		c.q <- gpsdVersion
		r.clients[c] = struct{}{}
		c.watch.Store(true)
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.commands(c)
		}()
		peer.Write(cmd)
		r.Publish("rx", line)
		r.Publish("rx", line)
		peer.Close()
		<-done
		for b := range c.q {
			if !bytes.HasSuffix(b, []byte("\r\n")) || bytes.Count(b, []byte("\n")) != 1 {
				t.Fatalf("line %q is not one line ended by CR LF", b)
			}
			if !json.Valid(b) {
				t.Fatalf("line %q is not JSON", b)
			}
		}
	})
}
