// Package cot owns tidewatch's Cursor on Target output: the XML events
// that TAK clients and servers (ATAK, WinTAK, iTAK, TAK Server) accept,
// made from the live picture's vessels and from radar or satellite
// contacts, and a Sender that writes them over UDP or TCP.
//
// # Format
//
// Each event is one XML document:
//
//	<event version="2.0" uid="tidewatch-mmsi-538007213" type="a-n-S-X-M-O" how="m-g"
//	       time="…" start="…" stale="…">
//	  <point lat="29.5" lon="-94.8" hae="0.0" ce="10.0" le="9999999.0"/>
//	  <detail>
//	    <contact callsign="NORDIC ACE"/>
//	    <track course="270.5" speed="5.14"/>
//	    <remarks>MMSI 538007213 IMO 9384711 call sign V7A2 destination HOUSTON</remarks>
//	  </detail>
//	</event>
//
// uid is "tidewatch-mmsi-MMSI" for a vessel and
// "tidewatch-contact-SOURCE-TARGET" for a contact; type follows the
// CoT/MIL-STD-2525 sea-surface tree by vessel category (see Category;
// contacts are "a-u-S", unknown surface); how is "m-g" for AIS (the ship's
// own GNSS) and "m-f" for contacts. time is when the event was made, start
// the report's time and stale the report's time plus a TTL, so the age of
// a report shortens its life on the client. The callsign is the vessel's
// name, else its MMSI; track speed is in metres per second. No __group
// element is written. Text from AIS is escaped, and characters XML cannot
// hold become U+FFFD.
//
// # Sender
//
// A Sender filters (release policy, categories, box, staleness),
// rate-limits per track (Config.MinInterval), encodes and queues events in
// a bounded ring that drops the oldest when full; Run writes them, one
// datagram per event over UDP (unicast or multicast, e.g. the SA default
// 239.2.3.1:6969) or as a stream to a TAK server's TCP input, reconnecting
// with back-off. Every refusal and drop is counted in Stats.
//
// # Release policy
//
// Config.Allow decides which vessels may leave the node. The node sets it
// from the partner policy the configuration names (only what that partner
// would receive leaves); with none, everything in the picture is sent.
// For contacts the node applies the partner's policy before offering
// (policy.Partner.Contact) and counts a refusal with Withhold; the copy
// it offers names the track by sensor kind and a pseudonym
// ("tidewatch-contact-radar-0123456789abcdef"), not by our sensor.
//
// # Concurrency
//
// Vessel, Contact and Append are pure functions. Sender's Offer methods
// and Stats are safe for concurrent use; Run is called once.
package cot
