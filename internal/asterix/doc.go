// Package asterix decodes EUROCONTROL ASTERIX surveillance data: CAT 048
// monoradar target reports, CAT 062 system tracks and CAT 034 monoradar
// service messages, written from the specifications' item definitions. It
// also reads classic libpcap captures of ASTERIX over UDP (PcapReader), and
// converts between a radar's polar measurement and WGS-84 from the radar's
// site (Site.Locate, and its inverse Site.Measure for predicting a known
// vessel into the radar's co-ordinates).
//
// The package owns everything between the octets of a UDP payload (or a raw
// recording of back-to-back data blocks) and typed records: data block
// framing (CAT, LEN), the FSPEC with its FX extension, the fixed, extended,
// repetitive, explicit and compound items of each category's UAP, and the
// item layouts and units. Fusing radar contacts with AIS is fusion's;
// reading sockets is ingest's.
//
// # Usage
//
//	var d asterix.Decoder
//	recs, err := d.Decode(recs[:0], payload) // err: *asterix.Error, errors.Is(err, asterix.ErrTruncated) ...
//	for _, r := range recs {
//		src, _ := r.Source()
//		if p, ok := r.Polar(); ok { // CAT 048 I040, CAT 062 I340
//			pos, _ := site.Locate(p.RangeM, p.Azimuth, 0)
//		}
//		if pos, ok := r.WGS84(); ok { ... } // CAT 062 I105
//	}
//
// Items are in Record.Cat048, Cat062 or Cat034, in the specification's units
// (NM, degrees, FL, 1/128 s as time.Duration...), field by field; Record.Has
// says which were present. The accessors (Source, TimeOfDay, Time, Track,
// Polar, Cartesian, WGS84, Velocity, Mode3A, FlightLevel) give the facts
// fusion needs in SI units whatever the category.
//
// # Editions
//
// CAT 048 follows the UAP of edition 1.2x (28 FRNs, SP and RE), CAT 062
// edition 1.18 (35 FRNs), CAT 034 edition 1.2x. Items are decoded to their
// fields, and the Mode S Comm-B registers 4,0, 5,0 and 6,0 carried in
// I048/250 and I062/380 MB decode through CommB.BDS40, BDS50 and BDS60
// (other registers keep the 56 MB bits). Kept as sent: I048/260, I048/055,
// I048/065 and I048/060, the I062/380 subfields TIS, TID, SAB, ACS, VUN,
// MET, EMC and PUN, the I062/390 subfields IFI, FCT, CTL, TOD, STS and PEM,
// and the Mode 5 item I062/110, which are framed subfield by subfield.
// Other categories (for example CAT 065) are skipped by the block's LEN and
// counted.
//
// # Errors
//
// Input is untrusted. Decode never panics; a malformed record yields an
// *Error with the byte offset and item, wrapping one sentinel per class
// (ErrTruncated, ErrBlockLength, ErrUndefinedItem, ErrItem,
// ErrEmptyRecord), counted in Decoder.Stats. Records are not
// length-delimited, so a bad record ends its data block: the records before
// it are returned, and decoding resumes at the next block.
//
// # Concurrency
//
// A Decoder or PcapReader is not safe for concurrent use; use one per
// goroutine. Records hold no reference to the input.
package asterix
