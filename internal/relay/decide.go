package relay

import (
	"bytes"
	"strconv"
)

// verdict is what the filters decided for one message.
type verdict uint8

const (
	withheld verdict = iota // refused by the release policy, or unreadable
	pass
	outside // outside the box, or not yet placed
)

// fragState is the decision taken at a multi-part message's first
// fragment, applied to the others, and the time its added tags carry.
type fragState struct {
	v  verdict
	at int64
}

// maxPlaced bounds the vessels whose box membership is remembered; past
// it the memory starts over (vessels are placed again by their next
// position report).
const maxPlaced = 1 << 18

// decide applies the box and the release policy to one sentence, by its
// first fragment's MMSI and position; the further fragments of a
// multi-part message get the first one's verdict and time. at is the
// time to tag the line with; the time of the message's first fragment is
// returned. r.mu is held.
func (r *Relay) decide(source string, sentence []byte, at int64) (verdict, int64) {
	f := fields(sentence)
	if len(f) < 7 || len(f[1]) != 1 || len(f[2]) != 1 {
		return withheld, at
	}
	count, num := f[1][0], f[2][0]
	key := fragKey{source: source}
	if len(f[3]) == 1 {
		key.seq = f[3][0]
	}
	if len(f[4]) == 1 {
		key.chan_ = f[4][0]
	}
	if num != '1' {
		st, ok := r.frag[key]
		if num == count {
			delete(r.frag, key)
		}
		if !ok {
			return withheld, at
		}
		return st.v, st.at
	}
	v := r.first(f[5])
	if count != '1' {
		if len(r.frag) > 4096 { // abandoned fragments: start over rather than grow
			clear(r.frag)
		}
		r.frag[key] = fragState{v: v, at: at}
	}
	return v, at
}

// first decides a message by its (first fragment's) payload.
func (r *Relay) first(payload []byte) verdict {
	m, ok := mmsi(payload)
	if !ok {
		return withheld
	}
	if r.cfg.BBox.Has {
		if lat, lon, ok := position(payload); ok {
			if len(r.inBox) >= maxPlaced {
				clear(r.inBox)
			}
			r.inBox[m] = r.cfg.BBox.Contains(lat, lon)
		}
		if !r.inBox[m] {
			return outside
		}
	}
	if r.cfg.Allow != nil && !r.cfg.Allow(m) {
		return withheld
	}
	return pass
}

// position reads the position of the AIS messages that carry one (types
// 1-3, 4, 9, 11, 18, 19, 21 and 27) from an armoured payload; ok is false
// for other types, a payload too short and "not available".
func position(payload []byte) (lat, lon float64, ok bool) {
	typ, ok := bits(payload, 0, 6)
	if !ok {
		return 0, 0, false
	}
	var lonAt, latAt, lonN, latN int
	scale := 600000.0
	switch typ {
	case 1, 2, 3, 9:
		lonAt, latAt, lonN, latN = 61, 89, 28, 27
	case 4, 11:
		lonAt, latAt, lonN, latN = 79, 107, 28, 27
	case 18, 19:
		lonAt, latAt, lonN, latN = 57, 85, 28, 27
	case 21:
		lonAt, latAt, lonN, latN = 164, 192, 28, 27
	case 27:
		lonAt, latAt, lonN, latN, scale = 44, 62, 18, 17, 600
	default:
		return 0, 0, false
	}
	ulon, ok1 := bits(payload, lonAt, lonN)
	ulat, ok2 := bits(payload, latAt, latN)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	lon = float64(signed(ulon, lonN)) / scale
	lat = float64(signed(ulat, latN)) / scale
	if lon < -180 || lon > 180 || lat < -90 || lat > 90 { // 181 and 91: not available
		return 0, 0, false
	}
	return lat, lon, true
}

// bits reads n (≤ 32) bits from bit start of an armoured payload.
func bits(payload []byte, start, n int) (uint64, bool) {
	end := start + n
	if (end+5)/6 > len(payload) {
		return 0, false
	}
	var v uint64
	for i := start / 6; i < (end+5)/6; i++ {
		ch := payload[i]
		b := ch - 48
		if b > 40 {
			b -= 8
		}
		if ch < 48 || b > 63 {
			return 0, false
		}
		v = v<<6 | uint64(b)
	}
	// v holds the sextets from start/6 to (end+5)/6; drop the bits after end.
	v >>= uint((end+5)/6*6 - end)
	return v & (1<<uint(n) - 1), true
}

func signed(u uint64, n int) int64 {
	if u&(1<<uint(n-1)) != 0 {
		return int64(u) - 1<<uint(n)
	}
	return int64(u)
}

// appendTag appends the line's tag block completed with s: (the input's
// name) and c: (at, Unix seconds) when either is missing, with its
// checksum; a tag block that has both is appended as it is, and what
// holds a backslash inside is no tag block and is replaced by a new one.
func appendTag(out, tag []byte, source string, at int64) []byte {
	var body []byte
	if len(tag) >= 2 {
		body = tag[1 : len(tag)-1]
		if i := bytes.LastIndexByte(body, '*'); i >= 0 {
			body = body[:i]
		}
		if bytes.IndexByte(body, '\\') >= 0 { // not a tag block: replaced
			body, tag = nil, nil
		}
	}
	hasS, hasC := false, false
	for _, f := range bytes.Split(body, []byte{','}) {
		if len(f) >= 2 && f[1] == ':' {
			hasS = hasS || f[0] == 's'
			hasC = hasC || f[0] == 'c'
		}
	}
	if hasS && hasC {
		return append(out, tag...)
	}
	start := len(out)
	out = append(out, '\\')
	out = append(out, body...)
	sep := func() {
		if len(out) > start+1 {
			out = append(out, ',')
		}
	}
	if !hasS {
		sep()
		out = append(out, "s:"...)
		out = appendName(out, source)
	}
	if !hasC {
		sep()
		out = append(out, "c:"...)
		out = strconv.AppendInt(out, at, 10)
	}
	var sum byte
	for _, c := range out[start+1:] {
		sum ^= c
	}
	const hex = "0123456789ABCDEF"
	return append(out, '*', hex[sum>>4], hex[sum&15], '\\')
}

// appendName appends an input's name as a tag-block source: letters,
// digits, '.', '-' and '_' kept, anything else (the ':' of
// "tcp:host:port", a ',' or '*' that would break the block) as '-', at
// most 32 characters; "tidewatch" when empty.
func appendName(out []byte, name string) []byte {
	if name == "" {
		name = "tidewatch"
	}
	if len(name) > 32 {
		name = name[:32]
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			out = append(out, c)
		default:
			out = append(out, '-')
		}
	}
	return out
}
