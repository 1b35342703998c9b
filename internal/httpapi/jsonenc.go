package httpapi

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// appendVessels appends the JSON of a vessels answer: the bytes
// encoding/json writes for vesselsResponse with the Summary of each
// update, without building the Summaries (their pointers are most of the
// allocations of a large picture) and without reflection.
// TestAppendVesselsMatchesEncodingJSON and FuzzAppendSummary hold it to
// encoding/json byte for byte.
func appendVessels(b []byte, list []Update, ref vessel.Time, limit int) []byte {
	b, list = appendAnswerHead(b, list, ref, limit)
	b = append(b, `,"vessels":[`...)
	for i := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendSummary(b, &list[i], ref)
	}
	return append(b, "]}"...)
}

// appendSummary appends the JSON of summaryOf(u, ref).
func appendSummary(b []byte, u *Update, ref vessel.Time) []byte {
	s := &u.Static
	b = append(b, '{')
	if u.Seq != 0 {
		b = append(b, `"seq":`...)
		b = strconv.AppendUint(b, u.Seq, 10)
		b = append(b, ',')
	}
	b = append(b, `"mmsi":`...)
	b = strconv.AppendUint(b, uint64(u.MMSI), 10)
	b = append(b, `,"name":`...)
	b = appendOptString(b, s.Has&vessel.HasName != 0, s.Name)
	b = append(b, `,"callsign":`...)
	b = appendOptString(b, s.Has&vessel.HasCallSign != 0, s.CallSign)
	b = append(b, `,"imo":`...)
	if s.IMO != 0 {
		b = strconv.AppendUint(b, uint64(s.IMO), 10)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"ship_type":`...)
	if s.ShipType != 0 {
		b = strconv.AppendUint(b, uint64(s.ShipType), 10)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"category":`...)
	b = appendJSONString(b, vessel.ShipCategory(s.ShipType).String())
	b = append(b, `,"flag":`...)
	if c, ok := u.MMSI.Flag(); ok && c.Code != "" {
		b = appendJSONString(b, c.Code)
	} else {
		b = append(b, "null"...)
	}
	if !u.Located {
		b = append(b, `,"lat":null,"lon":null,"sog":null,"cog":null,"heading":null,"status":null,"time":null,"age_s":null`...)
	} else {
		p := &u.Position
		b = append(b, `,"lat":`...)
		b = appendJSONFloat(b, round(p.Lat, 6))
		b = append(b, `,"lon":`...)
		b = appendJSONFloat(b, round(p.Lon, 6))
		b = append(b, `,"sog":`...)
		if v, ok := p.SOG.Knots(); ok {
			b = appendJSONFloat(b, v)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"cog":`...)
		if v, ok := p.COG.Degrees(); ok {
			b = appendJSONFloat(b, v)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"heading":`...)
		if v, ok := p.Heading.Degrees(); ok {
			b = strconv.AppendInt(b, int64(v), 10)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"status":`...)
		if v, ok := p.Status.Value(); ok {
			b = strconv.AppendInt(b, int64(v), 10)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"time":`...)
		b = appendJSONString(b, p.Time.String())
		b = append(b, `,"age_s":`...)
		b = strconv.AppendInt(b, int64(ref-p.Time)/1000, 10)
	}
	if u.Track != 0 {
		b = append(b, `,"track":`...)
		b = strconv.AppendUint(b, uint64(u.Track), 10)
	}
	b = append(b, `,"flags":[`...)
	for i, name := range flagNames(u) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
	}
	return append(b, "]}"...)
}

func appendOptString(b []byte, has bool, s string) []byte {
	if !has || s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// appendJSONFloat appends f as encoding/json writes a float64: the
// shortest decimal that reads back as f, in exponent form below 1e-6 and
// from 1e21 (f is finite: positions, speeds and courses are).
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-07 is written e-7, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string escaped as encoding/json
// escapes it: quotes, backslashes and control characters, <, > and & as
// \u003c, \u003e and \u0026 (text from AIS reaches browsers), invalid
// UTF-8 as \ufffd, and U+2028 and U+2029.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// CompactMediaType is the media type of the compact picture
// (/api/v1/vessels?format=compact): the columns a map draws from.
const CompactMediaType = "application/vnd.tidewatch.compact+json"

// appendAnswerHead opens a vessels answer, full or compact, with its
// time, count and truncated, and returns the list cut to limit.
func appendAnswerHead(b []byte, list []Update, ref vessel.Time, limit int) ([]byte, []Update) {
	count := len(list)
	truncated := count > limit
	if truncated {
		list = list[:limit]
	}
	b = append(b, `{"time":`...)
	b = appendJSONString(b, ref.String())
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(count), 10)
	b = append(b, `,"truncated":`...)
	b = strconv.AppendBool(b, truncated)
	return b, list
}

// appendCompact appends the compact JSON of a vessels answer: the time,
// count and truncated of the full answer (appendVessels), then one array
// per field, each holding the vessels in the order of the full answer,
// with the values the full answer gives them: mmsi, lat, lon, sog, cog,
// heading, category, flag, age_s, name, callsign and imo (the last two so
// that the map's vessel table finds a ship by them). It is under half of
// the full answer's size, and a browser parses twelve arrays much faster
// than 50,000 objects. TestCompactMatchesFull holds it to the full answer.
func appendCompact(b []byte, list []Update, ref vessel.Time, limit int) []byte {
	b, list = appendAnswerHead(b, list, ref, limit)
	column := func(name string, value func(b []byte, u *Update) []byte) {
		b = append(b, `,"`...)
		b = append(b, name...)
		b = append(b, `":[`...)
		for i := range list {
			if i > 0 {
				b = append(b, ',')
			}
			b = value(b, &list[i])
		}
		b = append(b, ']')
	}
	column("mmsi", func(b []byte, u *Update) []byte { return strconv.AppendUint(b, uint64(u.MMSI), 10) })
	column("lat", func(b []byte, u *Update) []byte {
		if !u.Located {
			return append(b, "null"...)
		}
		return appendJSONFloat(b, round(u.Position.Lat, 6))
	})
	column("lon", func(b []byte, u *Update) []byte {
		if !u.Located {
			return append(b, "null"...)
		}
		return appendJSONFloat(b, round(u.Position.Lon, 6))
	})
	column("sog", func(b []byte, u *Update) []byte {
		if v, ok := u.Position.SOG.Knots(); ok && u.Located {
			return appendJSONFloat(b, v)
		}
		return append(b, "null"...)
	})
	column("cog", func(b []byte, u *Update) []byte {
		if v, ok := u.Position.COG.Degrees(); ok && u.Located {
			return appendJSONFloat(b, v)
		}
		return append(b, "null"...)
	})
	column("heading", func(b []byte, u *Update) []byte {
		if v, ok := u.Position.Heading.Degrees(); ok && u.Located {
			return strconv.AppendInt(b, int64(v), 10)
		}
		return append(b, "null"...)
	})
	column("category", func(b []byte, u *Update) []byte {
		return appendJSONString(b, vessel.ShipCategory(u.Static.ShipType).String())
	})
	column("flag", func(b []byte, u *Update) []byte {
		if c, ok := u.MMSI.Flag(); ok && c.Code != "" {
			return appendJSONString(b, c.Code)
		}
		return append(b, "null"...)
	})
	column("age_s", func(b []byte, u *Update) []byte {
		if !u.Located {
			return append(b, "null"...)
		}
		return strconv.AppendInt(b, int64(ref-u.Position.Time)/1000, 10)
	})
	column("name", func(b []byte, u *Update) []byte {
		return appendOptString(b, u.Static.Has&vessel.HasName != 0, u.Static.Name)
	})
	column("callsign", func(b []byte, u *Update) []byte {
		return appendOptString(b, u.Static.Has&vessel.HasCallSign != 0, u.Static.CallSign)
	})
	column("imo", func(b []byte, u *Update) []byte {
		if u.Static.IMO != 0 {
			return strconv.AppendUint(b, uint64(u.Static.IMO), 10)
		}
		return append(b, "null"...)
	})
	return append(b, '}')
}
