// Package policy owns the sharing policy of a node: what may leave it for
// each partner node, in what form and when, and what is accepted from
// each partner. "Each nation runs its own node, and partners share what
// they choose, provably nothing more": every item that leaves goes
// through one of Partner's methods, which is the single place that
// decides, and the decision fails closed.
//
// # Usage
//
//	pol, err := policy.Load("/etc/tidewatch/policy.json") // at start-up
//	...
//	jp := pol.Partner("JP-JCG") // never nil: an unknown name denies everything
//	out, notBefore, d := jp.Position(pos, policy.Vessel{MMSI: pos.MMSI, ShipType: 70, Flag: "PA"}, "", 0)
//	audit(d.Rule)               // "JP-JCG.share.positions", "JP-JCG.exclude_areas", "loop", ...
//	if d.Allow {
//		queue.Hold(out, notBefore) // send once now >= notBefore
//	}
//
//	if !jp.Inbound(policy.KindPosition, origin, hops).Allow { drop() }
//
// The caller passes, for every item, the node it was first produced on
// (origin: "" or this node's name for local data) and the number of links
// it has crossed (hops: 0 for local data). Outbound methods return a
// transformed copy (rounded, evidence filtered, sources cleared) that
// shares no slice or map with the input except event Params (read-only by
// the event package's contract); only the copy may be sent.
//
// # Format
//
// A policy is one JSON object, version 1. Decoding is strict: an unknown
// key, a key given twice, a value of the wrong type, an unknown name or an
// out-of-range number is an error (*ConfigError, naming the partner and
// the field, e.g. `policy: partner "JP-JCG": exclude_vessels.ship_types[0]:
// unknown ship type category "navy"`). testdata/in-ifc.json is a full
// example:
//
//	{
//	  "version": 1,
//	  "comment": "free text, here and in every area and partner",
//	  "node": "IN-IFC",
//	  "areas": {
//	    "ior": {"geometry": {"type": "Polygon", "coordinates": [[[20, -40], [43, 12], [98.5, 17], [130, -12], [120, -40], [20, -40]]]}},
//	    "sri_lanka_approaches": {"bbox": [76.0, 3.0, 85.0, 11.0]},
//	    "karwar_naval_base": {"bbox": [74.0, 14.7, 74.4, 14.95]}
//	  },
//	  "partners": {
//	    "JP-JCG": {
//	      "share": {"positions": true, "static": true, "events": ["encounter", "loitering", "gap"],
//	                "incidents": true, "assessments": true},
//	      "include_areas": ["ior"],
//	      "exclude_areas": ["karwar_naval_base"],
//	      "exclude_vessels": {"mmsi": [419000001, 419000002], "ship_types": ["military", "law_enforcement", "sar"],
//	                          "classes": ["sar_aircraft", "aid_to_navigation", "coast"]},
//	      "tlp_ceiling": "AMBER",
//	      "accept": ["position", "static", "event", "incident", "assessment"],
//	      "weight": 0.9
//	    },
//	    "LK-MRCC": {
//	      "share": {"positions": true, "events": ["encounter"], "incidents": true},
//	      "include_areas": ["sri_lanka_approaches"],
//	      "include_vessels": {"ship_types": ["cargo", "tanker", "fishing", "70-89"]},
//	      "exclude_vessels": {"flags": ["IN"], "ship_types": ["military", "law_enforcement", "sar"]},
//	      "precision_m": 1000,
//	      "delay": "1h",
//	      "accept": ["position"]
//	    }
//	  }
//	}
//
// Top level: "version" (must be 1), "node" (this node's name), "areas"
// (named areas, at most MaxAreas), "partners" (by name, at most
// MaxPartners). Names are 1-64 letters, digits, '-', '_' or '.'; a partner
// cannot bear the node's name.
//
// An area is {"bbox": [west, south, east, north]} in degrees (west > east
// crosses the antimeridian, as in GeoJSON) or {"geometry": G} with G a
// GeoJSON Polygon or MultiPolygon (RFC 7946; edges are straight in
// longitude/latitude, see geo.Ring). The areas together hold at most
// MaxAreaPoints positions. No edge may span more than 180° of longitude
// as written (MaxEdgeLon): geo.Ring reads an edge the short way round,
// so a polygon edge from -100° to 100° would silently cover the 160°
// across the antimeridian instead of the 200° between; Parse refuses it,
// naming the vertex. Crossing the antimeridian must be explicit: split
// the area at ±180° into a MultiPolygon (RFC 7946 §3.1.9), or continue
// its longitudes beyond ±180° (an edge from 170 to 190); a wide area
// needs intermediate vertices or a bbox.
//
// A partner has these members, all optional; leaving one out gives the
// default shown:
//
//   - share: which kinds of data are sent. "positions", "static",
//     "incidents", "assessments" are booleans (false); "events" lists event
//     types (event.Types()) or is ["all"] (none); "contacts" lists the
//     sensors whose dark contacts (radar and satellite contacts no AIS
//     vessel explains) are sent, "radar", "satellite" or ["all"] (none).
//     Contacts leave by Cursor on Target outputs named for the partner,
//     not by the partner links.
//   - include_areas, exclude_areas: names of areas (none: everywhere, and
//     nowhere excluded). An explicit empty include list is an error.
//   - include_vessels, exclude_vessels: blocks of criteria "mmsi" (nine
//     digits), "flags" (ISO 3166-1 alpha-2 of a flag state with an ITU
//     MID, upper case), "ship_types" (numbers 0-255, ranges "80-89", and
//     the category names of vessel.Category: "cargo", "tanker",
//     "passenger", "fishing", "tug", "pilot", "sar", "military",
//     "law_enforcement", "pleasure", "sailing", "high_speed",
//     "wing_in_ground", "special", "other", "unknown") and "classes"
//     (vessel.Class names of the MMSI: "ship", "group", "coast",
//     "sar_aircraft", "craft", "aid_to_navigation", "handheld", "sart",
//     "mob", "epirb", "invalid"). Absent: no vessel rule.
//   - unknown_type: what a partner whose exclude_vessels lists ship
//     types gets of a vessel whose type is not known yet (before its
//     first static report): "withhold" (the default) sends nothing of
//     it until its type is known and passes, "share" judges it as a
//     vessel of type 0 by the other criteria. Without ship types in
//     exclude_vessels it changes nothing.
//   - precision_m: metres to round positions to (0: exact; else 1 to
//     MaxPrecisionM).
//   - delay: how old a position or event must be before it leaves
//     ("1h", "30m", "1d"; vessel.ParseDuration). Default none.
//   - tlp_ceiling: the most restricted TLP marking sent, "CLEAR",
//     "GREEN", "AMBER" or "AMBER+STRICT" (default "GREEN"; "RED" is an
//     error, since RED never leaves).
//   - relay: whether data first produced on another node is passed on to
//     this partner (false).
//   - max_hops: the most links an item may have crossed once sent to this
//     partner, 1-16 (2: our data, and data one partner sent us).
//   - keep_zone_names: whether events keep their Zone name (false: user
//     zone, port and anchorage names are cleared).
//   - accept: kinds accepted from this partner: "position", "static",
//     "event", "incident", "assessment" (none).
//   - weight: how much the partner's data counts, in (0, 1] (1).
//   - ignore: drop everything from this partner (false).
//
// # Rules
//
// Every outbound decision applies, in order, and the first that denies
// names itself in Decision.Rule:
//
//   - Default deny. A partner the file does not name gets nothing
//     ("default deny"); a kind not switched on in "share" is denied
//     ("P.share.positions"...).
//   - Relay and loops. An item whose origin is the partner goes nowhere
//     ("loop"): never back to the node it came from; nor does an item
//     that started here and came back (origin this node with hops > 0).
//     Sending adds a hop, so an item with hops >= max_hops is denied
//     ("P.max_hops"): with the default 2, our own data and data received
//     straight from the partner that made it can go on, data that already
//     went through a relay cannot; a loop A→B→C→A is cut at the latest
//     when the hop count runs out, and at once when it reaches A (origin).
//     An item from another node is sent only with relay: true
//     ("P.relay"). A hop count that cannot be (negative, non-zero for
//     local data, zero for another node's data) is denied ("P.input").
//   - Vessels. Exclusions are checked first and always win: a vessel
//     whose MMSI is listed, that flies an excluded flag (the caller's
//     Vessel.Flag or the flag its MID gives: either matches), whose ship
//     type is excluded, or whose MMSI is of an excluded class, is denied
//     ("P.exclude_vessels.mmsi", ...). Then, when include_vessels is
//     given, the vessel must match every criterion it lists (and one of
//     the values of each): a listed MMSI, a flag among the listed (every
//     flag it is said to fly; a vessel with no known flag fails), a
//     listed ship type, a listed class. An unknown ship type (0, or out of
//     0-255) matches only "unknown" or 0: so an include-by-type rule
//     denies a vessel of unknown type unless it lists them, and "unknown"
//     in exclude_vessels.ship_types keeps them out. When exclude_vessels
//     lists ship types, a vessel of unknown type is withheld
//     ("P.unknown_type", checked last) unless unknown_type is "share":
//     its type may be one of those excluded, and a partner excluding
//     fishing must not get fishing vessels until their first static
//     report. The same vessel rules apply to positions, static data
//     (with the caller's type and the type the static report carries,
//     both must pass; when the caller does not know the type yet, the
//     report's type is the vessel's), every vessel of an
//     event, evidence positions, linked vessels and linked events of
//     incidents.
//   - Areas. With include areas, a point must be in one of them
//     ("P.include_areas"); it must be in no exclude area
//     ("P.exclude_areas"). The point is checked as it is and as it would
//     be sent (rounded): both must pass, so what leaves satisfies the area
//     rules exactly, and a point just inside an include edge whose
//     rounded copy falls outside does not leave. Positions that are not
//     positions (latitude outside ±90, longitude outside ±180, NaN) are
//     denied ("P.input").
//   - Precision. precision_m cuts the sphere into rows of latitude of
//     height h ≤ precision_m (180° divided into a whole number of rows,
//     so the poles are on the grid), and each row into a whole number of
//     cells of width ≤ h at the row's edge nearest the equator; a point
//     moves to the nearest grid node (row centre line and cell edge). The
//     move is at most h/2 north-south and h/2 east-west, so at most
//     precision_m·√2/2 ≈ 0.71·precision_m (TestRoundBoundedError checks
//     it). Rounding is deterministic: the same point always gives the
//     same node, and rounding a rounded point changes nothing. It applies
//     to positions, event positions, evidence and incident points. It
//     hides where a vessel is within a cell, not when it crossed from one
//     cell to the next.
//   - Delay. With delay, a position may leave once its time + delay <=
//     now: the methods return notBefore (0 without a delay) for the
//     sender to hold the item until then. An event's notBefore is its
//     latest time (Start, End, evidence) + delay. Static data and
//     incidents are not delayed.
//   - Events. The type must be listed in share.events. The event must
//     have vessels and every one must pass the vessel rules: an encounter
//     with one excluded vessel is denied entirely, not half-shared. A
//     vessel of the event that the caller's []Vessel does not describe is
//     judged by its MMSI alone (unknown type). The event position must
//     pass the area rules. Evidence positions of vessels that fail the
//     vessel rules or that fail the area rules are removed; the others
//     are rounded. Params and Measures are kept; Zone is cleared unless
//     keep_zone_names; Retracted versions are judged like the others.
//   - Incidents and assessments (share.incidents for records of kind
//     incident, share.assessments for assessments). RED never leaves
//     ("tlp red"). The marking must be at most tlp_ceiling
//     ("P.tlp_ceiling"). AMBER and AMBER+STRICT leave only to a partner
//     named in ReleasableTo ("P.releasable_to"); CLEAR and GREEN do not
//     need it. The relay and loop rules apply to the origin passed and to
//     the record's own Origin. A point must pass the area rules and is
//     rounded. An area (assessments) must share a point with an include
//     area when there are any: a vertex of the record's area inside an
//     include area, or a vertex of an include area inside the record's
//     area (conservative: two areas that cross without either holding a
//     vertex of the other are taken not to meet, and the record stays);
//     and its bounding box must not meet the bounding box of any exclude
//     area (conservative: a record near an exclude area stays too). The
//     area itself is sent as it is. With include areas, a record with
//     neither point nor area is denied. Linked vessels that fail the
//     vessel rules are removed from the copy; linked event IDs are kept
//     only when they have the event package's form, a shared type and
//     vessels that pass. Title, narrative and source are the record's and
//     are sent as written: the marking governs them. A Deleted version
//     passes when the record would have passed, so a partner that had it
//     learns of its withdrawal; a record whose new marking no longer
//     passes is simply not sent again, and withdrawing it from partners
//     is the sender's business (send a Deleted version with the old
//     marking).
//   - Contacts (Partner.Contact). The contact's sensor must be listed
//     in share.contacts ("P.share.contacts"); the relay and loop rules
//     and the area rules apply, and the position is rounded. A contact
//     has no identity, so the vessel rules do not apply. The copy keeps
//     time, sensor kind, motion, length and score; it loses what names
//     or locates our sensor (Source, Target, Scene, the sensor's label,
//     its own position, range and bearing; the sender names the track
//     by a pseudonym of its own), and its
//     position error is at least the rounding's. Contacts are delayed
//     like positions.
//   - Sources. Position.Source, Static.Source and evidence sources (our
//     receivers and sensors) are cleared in what leaves.
//
// # Inbound
//
// Nothing is accepted by default: a partner must list the kinds it may
// send in "accept" ("P.accept"), and ignore: true drops everything from it
// ("P.ignore"). Inbound adds the loop rules for an item: its origin must
// not be this node ("loop"), and it must have crossed at most max_hops
// links. Weight gives how much the partner's data counts. The receiver
// keeps the origin on every report and event it takes in (in
// vessel.Position.Source and incident.Incident.Origin), so that the
// outbound rules see it.
//
// # Concurrency
//
// A Policy and its Partners are immutable after Parse and safe for
// concurrent use. Nothing here starts goroutines, logs, or reads a clock.
package policy
