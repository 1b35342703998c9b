package ingest_test

import (
	"bytes"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/tidewatch/tidewatch/internal/ingest"
)

func TestUDPListenerMatchesFile(t *testing.T) {
	const name = "udp:ais-catcher"
	ref, fst := reference(t, dmaStream, name)
	data := readFile(t, dmaStream)
	col := newCollector()
	u, err := ingest.NewUDPListener(ingest.UDPConfig{
		InputOptions: ingest.InputOptions{Name: name, Sink: col.sink, Now: fixedNow, Overflow: ingest.Block},
		Listen:       "127.0.0.1:0",
		ReadBuffer:   1 << 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	stop := run(t, u)
	c, err := net.Dial("udp", u.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	sent, bytesSent := 0, 0
	write := func(d []byte) {
		t.Helper()
		if _, err := c.Write(d); err != nil {
			t.Fatal(err)
		}
		sent++
		bytesSent += len(d)
		if sent%32 == 0 { // do not outrun the socket buffer
			eventually(t, "datagrams to be read", func() bool { return u.Stats().Datagrams >= int64(sent) })
		}
	}
	// An empty datagram and one of junk first: counted, harmless.
	write(nil)
	write([]byte("\x00\x01junk"))
	// Then the capture, several whole lines per datagram (up to about
	// 1400 bytes); every third datagram without its final line end.
	r := rand.New(rand.NewPCG(5, 6))
	lines := bytes.SplitAfter(data, []byte("\n"))
	for len(lines) > 0 {
		var d []byte
		for len(lines) > 0 && len(d)+len(lines[0]) <= 1400 && (len(d) == 0 || r.IntN(8) != 0) {
			d = append(d, lines[0]...)
			lines = lines[1:]
		}
		if sent%3 == 0 {
			d = bytes.TrimSuffix(d, []byte("\n"))
		}
		write(d)
	}
	col.wait(t, len(ref))
	eventually(t, "all datagrams", func() bool { return u.Stats().Datagrams == int64(sent) })
	st := u.Stats()
	if err := stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
	sameObservations(t, col.all(), ref, 1)
	if st.Bytes != int64(bytesSent) || st.Lines != fst.NMEA.Lines+1 || st.Messages != fst.Messages || st.Observations != fst.Observations {
		t.Errorf("counters %+v; want bytes %d, lines %d+1, messages %d, observations %d",
			st.Counters, bytesSent, fst.NMEA.Lines, fst.Messages, fst.Observations)
	}
	if st.Queue.Dropped != 0 || st.ReadErrors != 0 {
		t.Errorf("dropped %d, read errors %d", st.Queue.Dropped, st.ReadErrors)
	}
	noLeaks(t)
}

func TestUDPListenerSourceRemote(t *testing.T) {
	col := newCollector()
	u, err := ingest.NewUDPListener(ingest.UDPConfig{
		InputOptions: ingest.InputOptions{Sink: col.sink},
		Listen:       "127.0.0.1:0",
		Source:       ingest.SourceRemote,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	stop := run(t, u)
	c, err := net.Dial("udp", u.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("!BSVDM,1,1,,B,13B2LJ7P0L0f49RQ1IqrPww>2<0m,0*4D\r\n"))
	col.wait(t, 1)
	if s := col.all()[0].Position.Source; s != "udp:127.0.0.1" {
		t.Errorf("source = %q; want udp:127.0.0.1", s)
	}
	if err := stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
	noLeaks(t)
}
