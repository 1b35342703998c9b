// Package vessel is the vocabulary of the picture: who a report is about
// (MMSI and what kind of station it numbers), what it says (a position fix
// or static and voyage data), when it was made, what is wrong with it
// (quality flags), and which of the transmitters sharing an identity it
// came from (Position.Track, numbered by fusion). It also owns the
// reference tables that turn codes into names: the ITU maritime
// identification digits (MID) to flag state, the AIS ship and cargo types
// and the navigational status.
//
// Everything here is plain data and pure functions: no I/O, no clocks, no
// goroutines. Decoders (ingest) produce these types; fusion, the store and
// the queries consume them.
//
// "Not available" is explicit: Speed, Course, Heading and NavStatus are
// named types whose accessors return (value, ok), and their zero values are
// not "not available" by accident — use the NoSpeed, NoCourse, NoHeading and
// NoStatus constants.
package vessel
