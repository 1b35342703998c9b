// Package nmea frames AIS data carried in NMEA 0183 sentences: it finds the
// !xxVDM and !xxVDO sentences in a stream of text lines, verifies them, and
// reassembles multi-sentence messages into one armoured AIS payload.
//
// The package owns:
//
//   - the VDM/VDO sentence (Parse, Sentence): any two-character talker of
//     [A-Z0-9-], exactly 7 fields, mandatory checksum (upper- or lower-case
//     hex), fragment fields, channel, the armour alphabet of the payload and
//     the fill bits;
//   - NMEA 4.10 tag blocks (TagBlock): one or more \...*hh\ blocks before the
//     sentence with s: source, c: time, g: or the NMEA 4 "1G2:id" group form,
//     n: line count, r: relative time, d: destination, t: text;
//   - the receiver and archive decorations real captures put around
//     sentences: a leading Unix time in seconds, milliseconds, microseconds
//     or nanoseconds, told apart by digit count ("1452468552.938 !AIVDM...",
//     "1550303566167726840 !AIVDM..."), any other text before the sentence
//     (skipped as gpsd does, kept in Sentence.Prefix and counted as
//     skipped_prefix; a line starting with '#' is a comment), trailing
//     fields after the checksum (",1328182324603", ",d-109,S2105,...,1272415370",
//     ",b003660465", junk bytes) and Gatehouse $PGHP lines whose time applies
//     to the next AIS sentence;
//   - multi-sentence reassembly (Assembler) with bounded memory;
//   - a streaming line reader (Reader) with a line-length limit and counters;
//   - any other sentence split into its fields (ParseFields, Fields), with
//     the same checksum, tag-block and receiver-time handling, for the
//     parameter sentences of radars and navigation sensors ($RATTM,
//     $GPRMC...) that package sensor interprets.
//
// It knows nothing of AIS bit layouts: package ais decodes the payload.
//
// # Usage
//
//	r := nmea.NewReader(conn, nmea.ReaderOptions{})
//	for {
//		msg, err := r.Next()
//		if err == io.EOF {
//			break
//		}
//		var le *nmea.LineError
//		if errors.As(err, &le) {
//			continue // bad line or fragment: counted in r.Stats()
//		}
//		if err != nil {
//			return err // I/O error from conn
//		}
//		decode(msg.Payload, msg.Fill)
//	}
//
// # Errors
//
// Every error wraps one of the package's sentinel errors (ErrChecksum,
// ErrMalformed, ...). Class maps an error to a short stable name
// ("checksum", "malformed_sentence", ...) for counters. Lines that hold no
// VDM/VDO sentence (other NMEA sentences, $PGHP, comments, blank lines,
// text) are not errors for the Reader: they are skipped and counted as
// not_ais. A tag block with a wrong checksum is a warning: by default the
// sentence is used, the tag block is dropped, and the warning is counted as
// tag_block_checksum (see TagChecksumPolicy).
//
// # Reassembly
//
// Fragments join when they agree on talker, VDM/VDO, radio channel and
// sequential message id, and, when both carry them, on tag-block source
// (s:) and tag-block group id (g:). A message is sent in consecutive slots
// on one channel by one station and relayed by one receiver, so fragments
// that differ in any of these cannot belong together; the source and group
// id tell apart receivers interleaved in an aggregated feed, but later
// fragments often carry only g:, so their absence does not prevent a join. A fragment 1 starts a group (replacing
// any open group with the same key); fragments 2..n must then arrive in
// order, with the same fragment count, and only the last may have fill bits.
// Anything else (an orphan, a gap, a duplicate, a count mismatch) is an
// ErrFragment or ErrFillBits error and never produces a message; an exact
// repeat of the fragment just added is ignored, since nothing is lost. At
// the end of its input the Reader reports each incomplete message as an
// ErrFragment error. At most AssemblerOptions.MaxGroups groups are open at once (the
// least recently extended one is dropped when a new one needs room), and a
// group whose next fragment does not come within AssemblerOptions.MaxAge
// later sentences expires. Expiry counts sentences, not wall-clock time, so
// replaying a file gives the same result as receiving it live.
//
// # Allocation and concurrency
//
// Parse allocates nothing; its Sentence aliases the input line. The
// Assembler and Reader reuse their buffers: a Message they return is valid
// until their next call, and reading valid input allocates nothing per line.
// Only errors returned to the caller are allocated. No type in this package
// is safe for concurrent use; none starts goroutines or logs.
package nmea
