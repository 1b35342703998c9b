package cot_test

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/cot"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// clock is a settable clock for the sender's rate limit and stale checks.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func pos(mmsi vessel.MMSI, at time.Time, lat, lon float64) vessel.Position {
	return vessel.Position{MMSI: mmsi, Time: vessel.TimeOf(at), Lat: lat, Lon: lon, SOG: 50, COG: 900}
}

// TestSenderUDP checks the release policy, categories, box, staleness
// and the per-track rate limit, counting each refusal, then reads what is
// left from the queue as UDP datagrams on loopback.
func TestSenderUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	clk := &clock{t: now}
	s, err := cot.New(cot.Config{Network: "udp", Address: pc.LocalAddr().String(), MinInterval: 5 * time.Second,
		TTL: 10 * time.Minute, Now: clk.Now,
		BBox:       cot.BBox{Has: true, West: 0, South: 0, East: 10, North: 10},
		Categories: []vessel.Category{vessel.CategoryCargo, vessel.CategoryTanker, vessel.CategoryUnknown},
		Allow:      func(m vessel.MMSI) bool { return m != 666 }})
	if err != nil {
		t.Fatal(err)
	}
	cargo := vessel.Static{Name: "CARGO ONE", ShipType: 70}
	s.OfferVessel(pos(100, now, 5, 5), cargo)                                                              // sent
	s.OfferVessel(pos(100, now, 5, 5.1), cargo)                                                            // rate limited
	s.OfferVessel(pos(666, now, 5, 5), cargo)                                                              // withheld by policy
	s.OfferVessel(pos(101, now, 5, 5), vessel.Static{ShipType: 30})                                        // fishing: filtered
	s.OfferVessel(pos(102, now, 20, 5), cargo)                                                             // outside the box
	s.OfferVessel(pos(103, now.Add(-11*time.Minute), 5, 5), cargo)                                         // stale
	s.OfferVessel(pos(104, now, 95, 5), cargo)                                                             // invalid
	s.OfferContact(vessel.Detection{Time: vessel.TimeOf(now), Source: "sar", Target: "1", Lat: 1, Lon: 1}) // sent
	clk.Add(6 * time.Second)
	s.OfferVessel(pos(100, now.Add(6*time.Second), 5, 5.2), cargo) // sent again
	want := cot.Stats{RateLimited: 1, Withheld: 1, Filtered: 3, Invalid: 1}
	if got := s.Stats(); got != want {
		t.Errorf("stats %+v; want %+v", got, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var got []xmlEvent
	buf := make([]byte, 65536)
	pc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for len(got) < 3 {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, parse(t, buf[:n]))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if got[0].UID != "tidewatch-mmsi-100" || got[0].Detail.Contact.Callsign != "CARGO ONE" || got[0].Type != "a-n-S-X-M-C" ||
		got[1].UID != "tidewatch-contact-sar-1" || got[2].Point.Lon != 5.2 {
		t.Errorf("received %+v", got)
	}
	if st := s.Stats(); st.Sent != 3 {
		t.Errorf("sent %d; want 3", st.Sent)
	}
}

// TestSenderQueueDropsOldest fills a small queue with no connection.
func TestSenderQueueDropsOldest(t *testing.T) {
	s, err := cot.New(cot.Config{Network: "tcp", Address: "127.0.0.1:1", Queue: 4, MinInterval: -1, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		s.OfferVessel(pos(vessel.MMSI(200+i), now, 1, 1), vessel.Static{})
	}
	if st := s.Stats(); st.Dropped != 6 {
		t.Errorf("dropped %d; want 6", st.Dropped)
	}
}

// TestSenderTCPReconnect has a TAK-server stand-in close the first
// connection; the sender reconnects and later events arrive on the second.
func TestSenderTCPReconnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	clk := &clock{t: now}
	s, err := cot.New(cot.Config{Network: "tcp", Address: ln.Addr().String(), MinInterval: -1, Now: clk.Now, RetryMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	c1, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	s.OfferVessel(pos(300, now, 1, 1), vessel.Static{Name: "FIRST"})
	r1 := bufio.NewReader(c1)
	first, err := r1.ReadString('>')
	if err != nil || !strings.HasPrefix(first, "<?xml") {
		t.Fatalf("first connection read %q, %v", first, err)
	}
	c1.Close()
	// Writes to the closed connection fail sooner or later; keep offering
	// until the sender has reconnected.
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	var c2 net.Conn
	for i := 0; c2 == nil; i++ {
		s.OfferVessel(pos(vessel.MMSI(400+i), now, 1, 1), vessel.Static{Name: "SECOND"})
		select {
		case c2 = <-accepted:
		case <-time.After(20 * time.Millisecond):
		}
		if i > 1000 {
			t.Fatal("no reconnection")
		}
	}
	defer c2.Close()
	s.OfferVessel(pos(999, now, 1, 1), vessel.Static{Name: "AFTER"})
	c2.SetReadDeadline(time.Now().Add(10 * time.Second))
	sc := bufio.NewScanner(c2)
	sc.Split(splitEvents)
	for sc.Scan() {
		if e := parse(t, sc.Bytes()); e.UID == "tidewatch-mmsi-999" {
			break
		}
	}
	if sc.Err() != nil {
		t.Fatal(sc.Err())
	}
	if st := s.Stats(); st.WriteErrors == 0 || st.Reconnects != 1 || !st.Connected {
		t.Errorf("stats %+v; want the broken connection counted, one reconnection, connected", st)
	}
	cancel()
	<-done
	if st := s.Stats(); st.Connected {
		t.Errorf("stats %+v after Run; want not connected", st)
	}
}

// splitEvents splits a TCP stream of CoT events at each </event>.
func splitEvents(data []byte, atEOF bool) (int, []byte, error) {
	const end = "</event>"
	if i := bytes.Index(data, []byte(end)); i >= 0 {
		return i + len(end), data[:i+len(end)], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
