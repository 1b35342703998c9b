package link

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Protocol constants; see the package documentation.
const (
	// Version is the protocol version this package speaks.
	Version = 1

	magic = "TWLK"

	// MaxNameLen is the longest node name.
	MaxNameLen = 64
	// maxReason is the longest REFUSE reason sent or accepted.
	maxReason = 512
	// frameHeader is the length prefix.
	frameHeader = 4
	// minMaxFrame is the smallest MaxFrame a side accepts: room for a
	// hello, a welcome and a refusal.
	minMaxFrame = 1024
)

// Frame types. The values are part of the wire format: never renumber.
const (
	frameHello   byte = 0x01 // sender → receiver: magic, version, sender name
	frameWelcome byte = 0x02 // receiver → sender: version, cursor, receiver name
	frameRefuse  byte = 0x03 // receiver → sender: reason, then close
	frameBatch   byte = 0x04 // sender → receiver: items
	frameAck     byte = 0x05 // receiver → sender: cursor after a batch
	framePing    byte = 0x06 // sender → receiver: heartbeat
	framePong    byte = 0x07 // receiver → sender: heartbeat answer
)

// frameName names a frame type in errors.
func frameName(t byte) string {
	switch t {
	case frameHello:
		return "HELLO"
	case frameWelcome:
		return "WELCOME"
	case frameRefuse:
		return "REFUSE"
	case frameBatch:
		return "BATCH"
	case frameAck:
		return "ACK"
	case framePing:
		return "PING"
	case framePong:
		return "PONG"
	}
	return fmt.Sprintf("type 0x%02x", t)
}

// Protocol violations. Errors wrapping them are ProtocolErrors, so
// errors.Is(err, ErrProtocol) is true as well.
var (
	// ErrProtocol is matched by every protocol violation.
	ErrProtocol = errors.New("link: protocol violation")
	// ErrFrameTooLarge: a frame's length prefix is zero or above MaxFrame.
	ErrFrameTooLarge = errors.New("link: frame length out of range")
	// ErrMalformed: a frame's payload does not parse (truncated, trailing
	// bytes, bad magic, bad name, counts that do not add up).
	ErrMalformed = errors.New("link: malformed frame")
	// ErrUnexpected: a frame of a type not allowed at this point.
	ErrUnexpected = errors.New("link: unexpected frame")
	// ErrSeqOrder: sequence numbers that do not increase along a
	// connection, or an ack that does not match the batch it acknowledges.
	ErrSeqOrder = errors.New("link: sequence out of order")
)

// ProtocolError is a violation of the protocol by the peer. The
// connection is closed when one is found.
type ProtocolError struct {
	Err error // wraps one of ErrFrameTooLarge, ErrMalformed, ErrUnexpected, ErrSeqOrder
}

func (e *ProtocolError) Error() string { return e.Err.Error() }

// Unwrap returns the specific violation.
func (e *ProtocolError) Unwrap() error { return e.Err }

// Is makes every ProtocolError match ErrProtocol.
func (e *ProtocolError) Is(target error) bool { return target == ErrProtocol }

// violation returns a ProtocolError wrapping sentinel with detail.
func violation(sentinel error, format string, args ...any) error {
	return &ProtocolError{Err: fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), sentinel)}
}

// readFrame reads one frame from r. A frame body longer than maxFrame is
// a violation (nothing of it is read). When the body fits in buf (small
// control frames) it is read into buf, otherwise into a new slice, which
// the caller may keep. io.EOF is returned only when the stream ends
// cleanly between frames.
func readFrame(r *bufio.Reader, maxFrame int, buf []byte) (typ byte, payload []byte, err error) {
	var hdr [frameHeader]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || uint64(n) > uint64(maxFrame) {
		return 0, nil, violation(ErrFrameTooLarge, "frame of %d bytes (limit %d)", n, maxFrame)
	}
	var body []byte
	if int(n) <= cap(buf) {
		body = buf[:n]
	} else {
		body = make([]byte, n)
	}
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return body[0], body[1:], nil
}

// appendFrameStart appends a length placeholder and the type to b; after
// the payload is appended, finishFrame fills in the length.
func appendFrameStart(b []byte, typ byte) []byte {
	return append(b, 0, 0, 0, 0, typ)
}

// finishFrame fills in the length of the frame starting at b[start:].
func finishFrame(b []byte, start int) []byte {
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-frameHeader))
	return b
}

// dec is a sticky-error cursor over a frame payload: after the first
// failure every read returns zero and err stays set.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail(what string) {
	if d.err == nil {
		d.err = violation(ErrMalformed, "%s", what)
	}
}

func (d *dec) u8(what string) byte {
	if d.err != nil || len(d.b) < 1 {
		d.fail("truncated " + what)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *dec) u16(what string) uint16 {
	if d.err != nil || len(d.b) < 2 {
		d.fail("truncated " + what)
		return 0
	}
	v := binary.BigEndian.Uint16(d.b)
	d.b = d.b[2:]
	return v
}

func (d *dec) u32(what string) uint32 {
	if d.err != nil || len(d.b) < 4 {
		d.fail("truncated " + what)
		return 0
	}
	v := binary.BigEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

func (d *dec) u64(what string) uint64 {
	if d.err != nil || len(d.b) < 8 {
		d.fail("truncated " + what)
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *dec) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint " + what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint " + what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bytes returns the next n bytes, aliasing the payload.
func (d *dec) bytes(n uint64, what string) []byte {
	if d.err != nil || uint64(len(d.b)) < n {
		d.fail("truncated " + what)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// end fails if bytes are left over.
func (d *dec) end(frame string) error {
	if d.err == nil && len(d.b) != 0 {
		d.fail(fmt.Sprintf("%d trailing bytes in %s", len(d.b), frame))
	}
	return d.err
}

// ErrBadName: a node name is empty, too long, or has characters other
// than ASCII letters, digits, '.', '_' and '-' (or starts with '.').
var ErrBadName = errors.New("link: bad node name")

// checkName reports whether name is a valid node name. Names become file
// names (the receiver's cursor files), hence the strict alphabet.
func checkName(name string) error {
	if name == "" || len(name) > MaxNameLen || name[0] == '.' {
		return fmt.Errorf("%q: %w", name, ErrBadName)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return fmt.Errorf("%q: %w", name, ErrBadName)
		}
	}
	return nil
}

func (d *dec) name(what string) string {
	n := d.u8(what + " length")
	s := string(d.bytes(uint64(n), what))
	if d.err == nil && checkName(s) != nil {
		d.fail(fmt.Sprintf("bad %s %q", what, s))
	}
	return s
}

func appendName(b []byte, name string) []byte {
	b = append(b, byte(len(name)))
	return append(b, name...)
}

// hello is the sender's first frame.
type hello struct {
	Version uint16
	Name    string
}

func appendHello(b []byte, h hello) []byte {
	start := len(b)
	b = appendFrameStart(b, frameHello)
	b = append(b, magic...)
	b = binary.BigEndian.AppendUint16(b, h.Version)
	b = appendName(b, h.Name)
	return finishFrame(b, start)
}

// parseHello parses a HELLO payload. A hello of another version parses
// as far as its version, so that the receiver can refuse it by version.
func parseHello(p []byte) (hello, error) {
	d := dec{b: p}
	if m := d.bytes(4, "magic"); d.err == nil && string(m) != magic {
		d.fail("bad magic")
	}
	var h hello
	h.Version = d.u16("version")
	if d.err != nil || h.Version != Version {
		return h, d.err
	}
	h.Name = d.name("sender name")
	return h, d.end("HELLO")
}

// welcome is the receiver's answer to an accepted hello.
type welcome struct {
	Version uint16
	Cursor  uint64
	Name    string
}

func appendWelcome(b []byte, w welcome) []byte {
	start := len(b)
	b = appendFrameStart(b, frameWelcome)
	b = binary.BigEndian.AppendUint16(b, w.Version)
	b = binary.BigEndian.AppendUint64(b, w.Cursor)
	b = appendName(b, w.Name)
	return finishFrame(b, start)
}

func parseWelcome(p []byte) (welcome, error) {
	d := dec{b: p}
	var w welcome
	w.Version = d.u16("version")
	w.Cursor = d.u64("cursor")
	w.Name = d.name("receiver name")
	return w, d.end("WELCOME")
}

func appendRefuse(b []byte, reason string) []byte {
	if len(reason) > maxReason {
		reason = reason[:maxReason]
	}
	start := len(b)
	b = appendFrameStart(b, frameRefuse)
	b = binary.BigEndian.AppendUint16(b, uint16(len(reason)))
	b = append(b, reason...)
	return finishFrame(b, start)
}

func parseRefuse(p []byte) (string, error) {
	d := dec{b: p}
	n := d.u16("reason length")
	if d.err == nil && n > maxReason {
		d.fail("reason too long")
	}
	r := d.bytes(uint64(n), "reason")
	return string(r), d.end("REFUSE")
}

func appendAck(b []byte, seq uint64) []byte {
	start := len(b)
	b = appendFrameStart(b, frameAck)
	b = binary.BigEndian.AppendUint64(b, seq)
	return finishFrame(b, start)
}

func parseAck(p []byte) (uint64, error) {
	d := dec{b: p}
	s := d.u64("ack")
	return s, d.end("ACK")
}

func appendEmpty(b []byte, typ byte) []byte {
	start := len(b)
	b = appendFrameStart(b, typ)
	return finishFrame(b, start)
}

// batchEncoder appends items to one BATCH frame. The item count is a
// fixed-width field filled in by finish, so that items can be appended
// one at a time while watching the frame's size.
type batchEncoder struct {
	b      []byte
	start  int    // of the frame in b
	count  uint32 // items so far
	prev   uint64 // seq of the previous item (the base before the first)
	prevNB int64
}

// begin starts a frame whose first item's seq delta is taken from base.
func (e *batchEncoder) begin(b []byte, base uint64) {
	e.b, e.start, e.count, e.prev, e.prevNB = b, len(b), 0, base, 0
	e.b = appendFrameStart(e.b, frameBatch)
	e.b = binary.BigEndian.AppendUint64(e.b, base)
	e.b = append(e.b, 0, 0, 0, 0) // count
}

// size is the frame body's size so far (what its length prefix will say).
func (e *batchEncoder) size() int { return len(e.b) - e.start - frameHeader }

// itemSize bounds the bytes add appends for it.
func itemSize(it Item) int { return 3*binary.MaxVarintLen64 + len(it.Data) }

// add appends it, whose Seq must be above the previous item's.
func (e *batchEncoder) add(it Item) {
	e.b = binary.AppendUvarint(e.b, it.Seq-e.prev)
	e.b = binary.AppendVarint(e.b, it.NotBefore-e.prevNB)
	e.b = binary.AppendUvarint(e.b, uint64(len(it.Data)))
	e.b = append(e.b, it.Data...)
	e.prev, e.prevNB = it.Seq, it.NotBefore
	e.count++
}

// finish completes the frame and returns the buffer.
func (e *batchEncoder) finish() []byte {
	binary.BigEndian.PutUint32(e.b[e.start+frameHeader+1+8:], e.count)
	return finishFrame(e.b, e.start)
}

// minItemBytes is the fewest bytes an item takes in a BATCH: three
// one-byte varints.
const minItemBytes = 3

// parseBatch parses a BATCH payload and appends its items to items. Seqs
// must increase strictly within the batch (every delta is at least 1,
// without overflow). Item data alias p.
func parseBatch(p []byte, items []Item) ([]Item, error) {
	d := dec{b: p}
	prev := d.u64("base")
	count := d.u32("count")
	if d.err != nil {
		return items, d.err
	}
	if count == 0 {
		return items, violation(ErrMalformed, "empty batch")
	}
	if uint64(count) > uint64(len(d.b))/minItemBytes {
		return items, violation(ErrMalformed, "batch claims %d items in %d bytes", count, len(d.b))
	}
	if items == nil {
		items = make([]Item, 0, count)
	}
	var nb int64
	for i := uint32(0); i < count && d.err == nil; i++ {
		delta := d.uvarint("seq delta")
		nbDelta := d.varint("not-before delta")
		n := d.uvarint("data length")
		data := d.bytes(n, "data")
		if d.err != nil {
			break
		}
		if delta == 0 || prev > math.MaxUint64-delta {
			return items, violation(ErrSeqOrder, "item %d of batch: seq delta %d after %d", i, delta, prev)
		}
		prev += delta
		nb += nbDelta // wraps on garbage; harmless, the value is opaque here
		items = append(items, Item{Seq: prev, NotBefore: nb, Data: data})
	}
	return items, d.end("BATCH")
}
