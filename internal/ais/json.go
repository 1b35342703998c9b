package ais

import "strconv"

// The helpers below append `,"key":value` members. Keys are Go string
// constants at the call sites, so the compiler copies them without
// allocating; values are formatted with strconv, never fmt.

func appendHead(b []byte, h *Header, opt JSONOptions) []byte {
	b = append(b, `{"class":"AIS","type":`...)
	b = strconv.AppendUint(b, uint64(h.Type), 10)
	b = append(b, `,"repeat":`...)
	b = strconv.AppendUint(b, uint64(h.Repeat), 10)
	b = append(b, `,"mmsi":`...)
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

// jRaw appends a value that is already JSON (a number or a quoted legend).
func jRaw(b []byte, key string, raw string) []byte {
	return append(appendKey(b, key), raw...)
}

// jStr appends a quoted, escaped string.
func jStr(b []byte, key string, s string) []byte {
	return appendQuoted(appendKey(b, key), s)
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
