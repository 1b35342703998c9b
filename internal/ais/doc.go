// Package ais decodes AIS radio messages (ITU-R M.1371) from their NMEA
// armoured payload into typed Go values, and writes them as gpsd-compatible
// AIS JSON. For the simulator it also encodes a few types (1-5, 11, 18,
// 24) back to payloads and whole !AIVDM sentences (encode.go).
//
// The package owns everything between an armoured payload string and a typed
// message: six-bit de-armouring, the bit cursor, the layouts of message
// types 1 to 27, the IMO 289 / IMO 236 / inland application messages that
// gpsd decodes inside types 6 and 8, and the JSON presentation. Reading
// NMEA framing is package nmea's; the picture of vessels is fusion's.
//
// # Usage
//
//	var d ais.Decoder
//	msg, err := d.Decode(payload, fillBits)
//	if err != nil { ... }            // errors.Is(err, ais.ErrTooShort) etc.
//	switch m := msg.(type) {
//	case *ais.PositionReport:
//		if lat, ok := m.Lat.Degrees(); ok { ... }
//	}
//	out = msg.AppendJSON(out[:0], ais.JSONOptions{Scaled: true})
//
// # Values that are "not available"
//
// AIS encodes absence in-band (speed 1023, course 3600, heading 511,
// longitude 181°, latitude 91°, rate of turn -128, second 60...). Those raw
// values are kept in small named types (Speed, Course, Heading, Lon, Lat,
// Turn, Second...) so that decoding stays bit-exact, and they are only
// readable as physical quantities through methods that return (value, ok):
// a magic number never leaks out as if it were a measurement.
//
// # Allocation and concurrency
//
// A Decoder reuses one value per message type, so decoding allocates
// nothing; the Message it returns is owned by the Decoder and valid until its
// next Decode call. Copy the concrete value (all fields are values, text and
// binary payloads included) to keep it. A Decoder is not safe for
// concurrent use; use one per goroutine.
//
// # Compatibility with gpsd
//
// Field names, units and the scaled/unscaled conventions follow gpsd's AIS
// JSON (gpsd_json(5)), as printed by gpsdecode 3.22, including which payload
// lengths are accepted for each type. Deliberate differences are listed in
// the project README and each has a test.
package ais
