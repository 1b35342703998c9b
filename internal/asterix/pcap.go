package asterix

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"
)

// ErrPcap marks a capture file that is not a classic libpcap file or is
// damaged (a packet record longer than the limit).
var ErrPcap = errors.New("asterix: bad pcap capture")

// maxPacket bounds a packet record, so that a damaged length cannot make the
// reader allocate gigabytes.
const maxPacket = 256 << 10

// Link-layer header types (tcpdump.org linktypes) the reader understands.
const (
	linkNull     = 0   // BSD loopback: 4-octet address family
	linkEthernet = 1   // Ethernet II, with 802.1Q/802.1ad tags
	linkRaw      = 101 // raw IPv4
	linkSLL      = 113 // Linux cooked capture v1
)

// Datagram is one UDP datagram from a capture.
type Datagram struct {
	Time    time.Time
	Src     netip.AddrPort
	Dst     netip.AddrPort
	Payload []byte // valid until the next call to Next
	Offset  int64  // byte offset of the packet record in the capture
}

// PcapStats counts the packets of a capture by fate.
type PcapStats struct {
	Packets   int64 // packet records read
	Datagrams int64 // UDP datagrams returned
	NotUDP    int64 // other link types, ethertypes, IP versions or protocols
	Fragments int64 // IPv4 fragments (not reassembled)
	Truncated int64 // packets captured short of their length (snap length), or with inconsistent IP/UDP lengths
}

// PcapReader reads the UDP datagrams of a classic libpcap capture (either
// byte order, micro- or nanosecond timestamps) over Ethernet, Linux cooked,
// BSD loopback or raw IPv4 links. It does not reassemble IP fragments; they
// are counted and skipped, as are packets captured short. pcapng is not
// read.
type PcapReader struct {
	r     io.Reader
	order binary.ByteOrder
	nano  bool
	link  uint32
	off   int64
	hdr   [16]byte
	buf   []byte
	Stats PcapStats
}

// NewPcapReader reads the capture's global header.
func NewPcapReader(r io.Reader) (*PcapReader, error) {
	var h [24]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: global header: %w", ErrPcap, err)
	}
	p := &PcapReader{r: r, off: 24}
	switch {
	case binary.LittleEndian.Uint32(h[:]) == 0xa1b2c3d4:
		p.order = binary.LittleEndian
	case binary.BigEndian.Uint32(h[:]) == 0xa1b2c3d4:
		p.order = binary.BigEndian
	case binary.LittleEndian.Uint32(h[:]) == 0xa1b23c4d:
		p.order, p.nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h[:]) == 0xa1b23c4d:
		p.order, p.nano = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("%w: magic %X is not classic libpcap", ErrPcap, h[:4])
	}
	p.link = p.order.Uint32(h[20:]) & 0x0fffffff
	switch p.link {
	case linkNull, linkEthernet, linkRaw, linkSLL:
	default:
		return nil, fmt.Errorf("%w: link type %d not supported", ErrPcap, p.link)
	}
	return p, nil
}

// Next returns the next UDP datagram, skipping (and counting) other packets.
// It returns io.EOF at the end of the capture, and an error wrapping
// io.ErrUnexpectedEOF or ErrPcap, with the offset, for a damaged capture.
func (p *PcapReader) Next() (Datagram, error) {
	for {
		at := p.off
		if _, err := io.ReadFull(p.r, p.hdr[:]); err != nil {
			if err == io.EOF {
				return Datagram{}, io.EOF
			}
			return Datagram{}, fmt.Errorf("pcap offset %d: packet header: %w", at, err)
		}
		sec, frac := p.order.Uint32(p.hdr[0:]), p.order.Uint32(p.hdr[4:])
		incl, orig := p.order.Uint32(p.hdr[8:]), p.order.Uint32(p.hdr[12:])
		if incl > maxPacket {
			return Datagram{}, fmt.Errorf("pcap offset %d: %w: packet of %d octets", at, ErrPcap, incl)
		}
		if cap(p.buf) < int(incl) {
			p.buf = make([]byte, incl)
		}
		p.buf = p.buf[:incl]
		if _, err := io.ReadFull(p.r, p.buf); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return Datagram{}, fmt.Errorf("pcap offset %d: packet data: %w", at, err)
		}
		p.off += 16 + int64(incl)
		p.Stats.Packets++
		if incl < orig {
			p.Stats.Truncated++
			continue
		}
		ns := int64(frac) * 1000
		if p.nano {
			ns = int64(frac)
		}
		d := Datagram{Time: time.Unix(int64(sec), ns).UTC(), Offset: at}
		if p.udp(&d) {
			p.Stats.Datagrams++
			return d, nil
		}
	}
}

// udp unwraps link, IPv4 and UDP headers; it counts and returns false for
// anything that is not a whole UDP datagram over IPv4.
func (p *PcapReader) udp(d *Datagram) bool {
	b := p.buf
	switch p.link {
	case linkEthernet:
		if len(b) < 14 {
			p.Stats.Truncated++
			return false
		}
		et, n := binary.BigEndian.Uint16(b[12:]), 14
		for et == 0x8100 || et == 0x88a8 { // VLAN tags
			if len(b) < n+4 {
				p.Stats.Truncated++
				return false
			}
			et, n = binary.BigEndian.Uint16(b[n+2:]), n+4
		}
		if et != 0x0800 {
			p.Stats.NotUDP++
			return false
		}
		b = b[n:]
	case linkSLL:
		if len(b) < 16 {
			p.Stats.Truncated++
			return false
		}
		if binary.BigEndian.Uint16(b[14:]) != 0x0800 {
			p.Stats.NotUDP++
			return false
		}
		b = b[16:]
	case linkNull:
		if len(b) < 4 {
			p.Stats.Truncated++
			return false
		}
		if fam := p.order.Uint32(b); fam != 2 {
			p.Stats.NotUDP++
			return false
		}
		b = b[4:]
	}
	if len(b) < 20 {
		p.Stats.Truncated++
		return false
	}
	if b[0]>>4 != 4 {
		p.Stats.NotUDP++
		return false
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:]))
	if ihl < 20 || total < ihl || total > len(b) {
		p.Stats.Truncated++
		return false
	}
	if frag := binary.BigEndian.Uint16(b[6:]); frag&0x2000 != 0 || frag&0x1fff != 0 {
		p.Stats.Fragments++
		return false
	}
	if b[9] != 17 {
		p.Stats.NotUDP++
		return false
	}
	src, dst := netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20]))
	u := b[ihl:total]
	if len(u) < 8 {
		p.Stats.Truncated++
		return false
	}
	ulen := int(binary.BigEndian.Uint16(u[4:]))
	if ulen < 8 || ulen > len(u) {
		p.Stats.Truncated++
		return false
	}
	d.Src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(u[0:]))
	d.Dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(u[2:]))
	d.Payload = u[8:ulen]
	return true
}
