package asterix

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"testing"
	"time"
)

type pkt struct {
	sec, frac uint32
	data      []byte
	orig      int // 0: len(data)
}

// capture builds a classic pcap file.
func capture(order binary.ByteOrder, nano bool, link uint32, pkts ...pkt) []byte {
	var b bytes.Buffer
	magic := uint32(0xa1b2c3d4)
	if nano {
		magic = 0xa1b23c4d
	}
	h := make([]byte, 24)
	order.PutUint32(h, magic)
	order.PutUint16(h[4:], 2)
	order.PutUint16(h[6:], 4)
	order.PutUint32(h[16:], 65535)
	order.PutUint32(h[20:], link)
	b.Write(h)
	for _, p := range pkts {
		r := make([]byte, 16)
		orig := p.orig
		if orig == 0 {
			orig = len(p.data)
		}
		order.PutUint32(r, p.sec)
		order.PutUint32(r[4:], p.frac)
		order.PutUint32(r[8:], uint32(len(p.data)))
		order.PutUint32(r[12:], uint32(orig))
		b.Write(r)
		b.Write(p.data)
	}
	return b.Bytes()
}

// ipv4UDP builds an IPv4 packet carrying a UDP datagram; flags is the
// fragment field, proto the IP protocol.
func ipv4UDP(payload []byte, flags uint16, proto byte) []byte {
	ip := make([]byte, 20+8+len(payload))
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
	binary.BigEndian.PutUint16(ip[6:], flags)
	ip[8], ip[9] = 64, proto
	copy(ip[12:], []byte{10, 0, 0, 1})
	copy(ip[16:], []byte{239, 1, 2, 3})
	u := ip[20:]
	binary.BigEndian.PutUint16(u[0:], 4000)
	binary.BigEndian.PutUint16(u[2:], 8600)
	binary.BigEndian.PutUint16(u[4:], uint16(8+len(payload)))
	copy(u[8:], payload)
	return ip
}

func ether(etherType uint16, body []byte) []byte {
	f := make([]byte, 14, 14+len(body))
	binary.BigEndian.PutUint16(f[12:], etherType)
	return append(f, body...)
}

func TestPcapReader(t *testing.T) {
	payload := block(48, good048)
	ip := ipv4UDP(payload, 0, 17)
	vlan := append(ether(0x8100, []byte{0, 5, 0x08, 0x00}), ip...)
	sll := append(make([]byte, 14), 0x08, 0x00)
	sll = append(sll, ip...)
	null := append([]byte{2, 0, 0, 0}, ip...)
	tests := []struct {
		name  string
		file  []byte
		want  int // datagrams
		stats PcapStats
		time  time.Time
	}{
		{"ethernet little-endian µs", capture(binary.LittleEndian, false, linkEthernet, pkt{1462433755, 500000, ether(0x0800, ip), 0}),
			1, PcapStats{Packets: 1, Datagrams: 1}, time.Unix(1462433755, 500000000)},
		{"big-endian ns", capture(binary.BigEndian, true, linkEthernet, pkt{1, 7, ether(0x0800, ip), 0}),
			1, PcapStats{Packets: 1, Datagrams: 1}, time.Unix(1, 7)},
		{"802.1Q tag", capture(binary.LittleEndian, false, linkEthernet, pkt{0, 0, vlan, 0}), 1, PcapStats{Packets: 1, Datagrams: 1}, time.Unix(0, 0)},
		{"linux cooked", capture(binary.LittleEndian, false, linkSLL, pkt{0, 0, sll, 0}), 1, PcapStats{Packets: 1, Datagrams: 1}, time.Unix(0, 0)},
		{"raw IPv4", capture(binary.LittleEndian, false, linkRaw, pkt{0, 0, ip, 0}), 1, PcapStats{Packets: 1, Datagrams: 1}, time.Unix(0, 0)},
		{"BSD loopback", capture(binary.LittleEndian, false, linkNull, pkt{0, 0, null, 0}), 1, PcapStats{Packets: 1, Datagrams: 1}, time.Unix(0, 0)},
		{"skipped and counted", capture(binary.LittleEndian, false, linkEthernet,
			pkt{0, 0, ether(0x86dd, ip), 0},                           // IPv6 ethertype
			pkt{0, 0, ether(0x0800, ipv4UDP(payload, 0, 6)), 0},       // TCP
			pkt{0, 0, ether(0x0800, ipv4UDP(payload, 0x2000, 17)), 0}, // more fragments
			pkt{0, 0, ether(0x0800, ipv4UDP(payload, 0x0010, 17)), 0}, // fragment offset
			pkt{0, 0, ether(0x0800, ip[:30]), 0},                      // IP total length beyond capture
			pkt{0, 0, ether(0x0800, ip), 2000},                        // captured short
			pkt{0, 0, ether(0x0800, ip), 0}),
			1, PcapStats{Packets: 7, Datagrams: 1, NotUDP: 2, Fragments: 2, Truncated: 2}, time.Unix(0, 0)},
	}
	for _, tt := range tests {
		p, err := NewPcapReader(bytes.NewReader(tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		n := 0
		for {
			d, err := p.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			n++
			if !bytes.Equal(d.Payload, payload) || !d.Time.Equal(tt.time) ||
				d.Src != netip.MustParseAddrPort("10.0.0.1:4000") || d.Dst != netip.MustParseAddrPort("239.1.2.3:8600") {
				t.Errorf("%s: datagram %+v", tt.name, d)
			}
		}
		if n != tt.want || p.Stats != tt.stats {
			t.Errorf("%s: %d datagrams, stats %+v; want %d, %+v", tt.name, n, p.Stats, tt.want, tt.stats)
		}
	}
}

func TestPcapReaderErrors(t *testing.T) {
	good := capture(binary.LittleEndian, false, linkEthernet, pkt{0, 0, ether(0x0800, ipv4UDP([]byte{1}, 0, 17)), 0})
	if _, err := NewPcapReader(bytes.NewReader(good[:10])); !errors.Is(err, ErrPcap) {
		t.Errorf("short header: %v", err)
	}
	if _, err := NewPcapReader(bytes.NewReader(append([]byte{0x0a, 0x0d, 0x0d, 0x0a}, good[4:]...))); !errors.Is(err, ErrPcap) {
		t.Errorf("pcapng magic: %v", err)
	}
	if _, err := NewPcapReader(bytes.NewReader(capture(binary.LittleEndian, false, 127))); !errors.Is(err, ErrPcap) {
		t.Errorf("radiotap link: %v", err)
	}
	p, _ := NewPcapReader(bytes.NewReader(good[:len(good)-3]))
	if _, err := p.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("packet cut short: %v", err)
	}
	p, _ = NewPcapReader(bytes.NewReader(good[:30]))
	if _, err := p.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("packet header cut short: %v", err)
	}
	huge := bytes.Clone(good)
	binary.LittleEndian.PutUint32(huge[24+8:], maxPacket+1)
	p, _ = NewPcapReader(bytes.NewReader(huge))
	if _, err := p.Next(); !errors.Is(err, ErrPcap) {
		t.Errorf("oversized packet: %v", err)
	}
}

// FuzzPcap checks that the capture reader never panics and returns payloads
// that lie inside the packets it read.
func FuzzPcap(f *testing.F) {
	f.Add(capture(binary.LittleEndian, false, linkEthernet, pkt{0, 0, ether(0x0800, ipv4UDP(block(48, good048), 0, 17)), 0}))
	f.Add(capture(binary.BigEndian, true, linkSLL, pkt{0, 0, append(make([]byte, 14), 8, 0), 0}))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := NewPcapReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for range 1000 {
			d, err := p.Next()
			if err != nil {
				return
			}
			if len(d.Payload) > len(data) {
				t.Fatalf("payload of %d octets from %d", len(d.Payload), len(data))
			}
		}
	})
}
