package ais

import "strconv"

// The helpers below append `,"key":value` members. Keys are Go string
// constants at the call sites, so the compiler copies them without
// allocating; values are formatted with strconv, never fmt.

// heads holds `{"class":"AIS","type":T,"repeat":R,"mmsi":` for every
// type and repeat indicator: an immutable lookup table.
var heads = func() (h [64][4]string) {
	for t := range h {
		for r := range h[t] {
			h[t][r] = `{"class":"AIS","type":` + strconv.Itoa(t) + `,"repeat":` + strconv.Itoa(r) + `,"mmsi":`
		}
	}
	return h
}()

func appendHead(b []byte, h *Header, opt JSONOptions) []byte {
	b = append(b, heads[h.Type&63][h.Repeat&3]...)
	b = strconv.AppendUint(b, uint64(h.MMSI), 10)
	if opt.Scaled {
		return append(b, `,"scaled":true`...)
	}
	return append(b, `,"scaled":false`...)
}

func appendKey(b []byte, key string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

func jUint(b []byte, key string, v uint64) []byte {
	return strconv.AppendUint(appendKey(b, key), v, 10)
}

func jInt(b []byte, key string, v int64) []byte {
	return strconv.AppendInt(appendKey(b, key), v, 10)
}

func jBool(b []byte, key string, v bool) []byte {
	b = appendKey(b, key)
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// jFloat formats v with prec decimals, like C's "%.<prec>f".
func jFloat(b []byte, key string, v float64, prec int) []byte {
	return strconv.AppendFloat(appendKey(b, key), v, 'f', prec, 64)
}

// jFixed appends raw/den with prec decimals, exactly as C's "%.<prec>f"
// prints float64(raw)/den, but with integer arithmetic: the quotient is
// rounded to nearest, and only an exact tie (where the binary value of the
// double decides) is left to strconv. den must be positive and
// raw*10^prec must not overflow.
func jFixed(b []byte, key string, raw, den int64, prec int) []byte {
	b = appendKey(b, key)
	scale := int64(1)
	for range prec {
		scale *= 10
	}
	num := raw * scale
	neg := num < 0
	if neg {
		num = -num
	}
	q, r := num/den, num%den
	switch {
	case 2*r == den:
		return strconv.AppendFloat(b, float64(raw)/float64(den), 'f', prec, 64)
	case 2*r > den:
		q++
	}
	if neg {
		b = append(b, '-') // C prints "-0.0" for small negative values too
	}
	ip, fp := q/scale, q%scale
	b = strconv.AppendInt(b, ip, 10)
	if prec == 0 {
		return b
	}
	b = append(b, '.')
	for d := scale / 10; d > 0; d /= 10 {
		b = append(b, byte('0'+fp/d%10))
	}
	return b
}

// jDeg6 appends a 1/10000-minute coordinate in degrees with 6 decimals,
// as "%.6f" prints raw/600000.0. raw*10/6 is the value in micro-degrees;
// its fraction is 0, 1/3 or 2/3, never a tie, so rounding to nearest in
// integers is exact. It is the hot path of scaled position output.
func jDeg6(b []byte, key string, raw int32) []byte {
	b = appendKey(b, key)
	v := int64(raw)
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	q := (v*10 + 3) / 6 // round(v*10/6): remainders 0, 2, 4 of 6 -> +0, +0, +1
	b = strconv.AppendInt(b, q/1000000, 10)
	f := q % 1000000
	return append(b, '.', pairs[2*(f/10000)], pairs[2*(f/10000)+1],
		pairs[2*(f/100%100)], pairs[2*(f/100%100)+1], pairs[2*(f%100)], pairs[2*(f%100)+1])
}

// jTenth appends raw/10 with one decimal ("%.1f"); exact for integers.
func jTenth(b []byte, key string, raw uint64) []byte {
	b = strconv.AppendUint(appendKey(b, key), raw/10, 10)
	return append(b, '.', byte('0'+raw%10))
}

// pairs holds the two-digit decimal strings "00" to "99".
const pairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// jRaw appends a value that is already JSON (a number or a quoted legend).
func jRaw(b []byte, key string, raw string) []byte {
	return append(appendKey(b, key), raw...)
}

// jStr appends a quoted, escaped string.
func jStr(b []byte, key string, s string) []byte {
	return appendQuoted(appendKey(b, key), s)
}

// jConst appends one of the package's constant legends (status_text,
// shiptype_text...), which hold no quote, backslash or control character
// and so need no escaping.
func jConst(b []byte, key string, s string) []byte {
	b = append(appendKey(b, key), '"')
	b = append(b, s...)
	return append(b, '"')
}

// jText appends six-bit text as a quoted, escaped string.
func jText(b []byte, key string, t *Text) []byte {
	return appendQuotedBytes(appendKey(b, key), t.b[:t.n])
}

const hexDigits = "0123456789abcdef"

// jData appends a binary payload as gpsd does: "<bits>:<hex>".
func jData(b []byte, key string, d *Binary) []byte {
	b = appendKey(b, key)
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(d.n), 10)
	b = append(b, ':')
	for _, c := range d.Bytes() {
		b = append(b, hexDigits[c>>4], hexDigits[c&15])
	}
	return append(b, '"')
}

// appendQuoted writes s as a JSON string. Six-bit text is printable ASCII,
// so only '"' and '\\' normally need escaping; anything else below 0x20 or
// above 0x7E is written as \u00XX, so that the output is always valid JSON
// whatever the input.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		b = appendEscaped(b, s[i])
	}
	return append(b, '"')
}

// AppendQuoted appends s as a JSON string, escaping '"', '\\' and every
// byte outside printable ASCII. It is for untrusted text that travels with
// messages (tag-block sources, for example).
func AppendQuoted(b []byte, s []byte) []byte { return appendQuotedBytes(b, s) }

func appendQuotedBytes(b []byte, s []byte) []byte {
	b = append(b, '"')
	for _, c := range s {
		b = appendEscaped(b, c)
	}
	return append(b, '"')
}

func appendEscaped(b []byte, c byte) []byte {
	switch {
	case c == '"' || c == '\\':
		return append(b, '\\', c)
	case c < 0x20 || c > 0x7E:
		return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
	}
	return append(b, c)
}

// appendTimeFields writes gpsd's "MM-DDTHH:MMZ" date strings (type 5 ETA and
// the application messages): two-digit, zero padded, invalid values kept.
func appendMDHM(b []byte, month, day, hour, minute uint8) []byte {
	b = append(b, '"')
	b = append2(b, uint(month))
	b = append(b, '-')
	b = append2(b, uint(day))
	b = append(b, 'T')
	b = append2(b, uint(hour))
	b = append(b, ':')
	b = append2(b, uint(minute))
	return append(b, 'Z', '"')
}

// append2 writes v zero padded to at least two digits, like "%02u".
func append2(b []byte, v uint) []byte {
	if v < 10 {
		b = append(b, '0')
	}
	return strconv.AppendUint(b, uint64(v), 10)
}
