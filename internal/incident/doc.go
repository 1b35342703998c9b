// Package incident owns incident reports and risk assessments: the
// records a fusion centre writes about what happened at sea (piracy, IUU
// fishing, a collision) or what may happen in an area and period ("elevated
// piracy risk, Gulf of Aden, September"), with their Traffic Light
// Protocol marking and releasable-to list, their versions, their durable
// store, and their exports as STIX 2.1 bundles and GeoJSON.
//
// It imports only vessel and geo from tidewatch, starts no goroutines and
// keeps no mutable package state.
//
// # Records
//
// Incident is one version of a record. Kind says incident or assessment;
// Category is one of IFC-IOR's categories (Categories, Category.Label,
// ParseCategory); TLP is a TLP 2.0 marking, ordered from TLPClear to
// TLPRed (ParseTLP, TLP.String, text marshalling as "TLP:AMBER").
// Validate checks every rule a stored, shared or exported record meets
// and names the field at fault in a *FieldError: see Validate for the
// rules and the Max* constants for the bounds. IDs are "incident--" and a
// random UUID (NewID), which is also a STIX 2.1 identifier.
//
// Narrative, Title and Source are hostile strings from analysts and
// partners: they are stored verbatim (control characters refused) and
// escaped on output (encoding/json escapes '<', '>' and '&').
//
// # JSON
//
// Incident.MarshalJSON and UnmarshalJSON are the JSON form used by the
// API, by partner sharing and by the log: snake_case keys, RFC 3339 UTC
// times, "tlp":"TLP:AMBER", "releasable_to", "vessels" as MMSI numbers,
// "lat"/"lon" only with a point, "area" as a GeoJSON Polygon or
// MultiPolygon. Decoding is strict and bounded (MaxJSON); a missing "tlp"
// is an error, so a forgotten marking never reads as TLP:CLEAR (the zero
// TLP). FuzzIncidentJSON checks that nothing panics and that a decoded,
// valid record round-trips exactly.
//
// # Store
//
//	s, err := incident.Open(path, incident.Options{Node: "IN-IFC-IOR"})
//	in, err := s.Put(draft, now)          // create: ID, Version 1, Origin, Created
//	in, err = s.Put(edited, now)          // edit: edited.Version must be the latest, else ErrConflict
//	stored, err := s.Receive(partnerRec)  // a partner's version: kept as is if newer; idempotent
//	_, err = s.Delete(in.ID, now)         // a version with Deleted set
//	in, err = s.PutReplicated(rec, now, create) // a cluster's control log: the same on every member
//	recs := s.List(incident.Filter{Category: incident.Piracy, Limit: 50})
//
// Only the origin node edits or deletes a record; others receive its
// versions (ErrForeign otherwise). The members of a cluster are one
// origin: each applies the changes of the cluster's control log with
// PutReplicated, a create with the ID the member that took it chose, an
// edit under Put's version rule, so that they hold the same records. Get returns the latest version, a
// deleted one included; History every version held; List the latest
// versions that match a Filter (kind, category, origin, time overlap,
// bounding box, vessel, TLP ceiling, updated after), newest first, deleted
// ones only on request.
//
// # Format
//
// The store is one append-only log file (format version 2): the common
// versioned header of package record, then one record per version in the
// record framing (length-prefixed, CRC-32C-checked, little endian), its
// payload the version's JSON form. The full layout is in log.go. Every
// write is fsynced before it is acknowledged. On open, a torn tail (an
// incomplete or garbled last record, after which no good record starts)
// is cut and noted in Recovery and in a warning to Options.Logger; a bad
// record followed by good ones is damage, and Open refuses the file with
// a *FileError (record.FileError) naming its offset (ErrCorrupt). A
// version 1 log (big endian, its own header) is read and rewritten as
// version 2 atomically by Open (record.WriteFileAtomic); temporary files
// of that rewrite that a crash left beside the log (NAME.RANDOM.tmp,
// NAME.tmp) are removed by the next Open, under the log's lock, and noted
// once in Recovery. testdata/v1.log and testdata/v2.log are
// frozen logs of both versions. The log goes through Options.FS, so the
// crash tests run in memory (record.MemFS) at every write and sync.
//
// # Exports
//
// STIXBundle writes a deterministic STIX 2.1 bundle: an identity for the
// producing node and for each origin, an incident object per incident and
// a report per assessment, locations for points and areas (areas as a
// centroid with a covering precision and the polygon in
// x_tidewatch_geometry), located-at and related-to relationships, vessels
// as identities, and the official TLP 2.0 marking definitions in
// object_marking_refs. See STIXBundle for why each object type was chosen.
// GeoJSON writes a FeatureCollection with the area or point as geometry
// and every field as properties.
//
// # Concurrency
//
// Store is safe for concurrent use: one mutex serialises writes (each
// fsynced) and reads. Records returned share no memory with the store.
// The log is locked against a second process (ErrLocked) with record.Lock
// on a file beside it, PATH.lock, which is never deleted.
// Everything else in the package is plain values and pure functions.
package incident
