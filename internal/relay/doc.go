// Package relay owns tidewatch's NMEA relay: it passes the AIS sentences
// the node receives (raw !xxVDM and !xxVDO lines) on to TCP clients such
// as OpenCPN, AIS-catcher users' aggregators or gpsd-style tools, and
// optionally to a UDP destination.
//
// # Format
//
// Each relayed line is the sentence from its '!' through its checksum,
// ended by CR LF, preceded by the line's NMEA 4.10 tag block
// (\s:…,c:…*hh\) as Config.Tags says: kept as received (TagsKeep),
// removed (TagsStrip), or completed (TagsAdd) with s: (the input's name,
// with anything but letters, digits, '.', '-' and '_' made '-') and c:
// (the Unix second the line was published, the same for every fragment
// of a message) when either is missing, the other fields kept and the
// checksum recomputed. Anything else on a
// received line (a receiver's archive timestamp before or after the
// sentence) and lines that hold no VDM/VDO sentence ($PGHP, $GPRMC, …)
// are not relayed. Lines are relayed in the order they were published.
//
// # Bounds and policy
//
// Every client has a bounded queue (Config.Queue lines); a client whose
// queue is full is too slow and is disconnected, so that it never holds
// up the node or the other clients. Config.MaxConns bounds the clients;
// more are refused. Config.Sources keeps only lines from the named
// inputs. Config.BBox keeps only vessels whose last position relayed is
// inside the box: the relay reads the position from the payload of the
// position reports (types 1-4, 9, 11, 18, 19, 21 and 27), remembers for
// each MMSI whether it was inside (bounded memory), and lets a message
// without a position (static data, safety messages, every fragment of a
// multi-part one) follow its vessel; a vessel not yet placed is held
// back. Config.Allow is the release policy: the MMSI is read from the
// first fragment's payload and a refused vessel's sentence, with every
// further fragment of the same message (same input, channel and sequence
// id), is withheld; a line whose MMSI cannot be read is withheld too.
// Each refusal and drop is counted in Stats.
//
// # gpsd JSON
//
// With Config.Format FormatGPSD the relay speaks gpsd's client protocol
// instead (gpspipe -w, libgps and gpsd's Python client read it): a
// client gets {"class":"VERSION",…} on connecting and nothing more until
// it sends ?WATCH={"enable":true,"json":true}; (answered by DEVICES, the
// inputs heard, and WATCH). From then on each complete AIS message of the
// lines that pass the filters above is one line of gpsd's JSON:
// "class":"AIS", "device" (the input's name), then gpsdecode's fields,
// names and scaling (package ais), unscaled unless the client's WATCH
// says "scaled":true, as gpsd does. Multi-sentence messages are
// reassembled per input (package nmea); type 24 parts A and B are sent
// one by one (gpsd's split24 false). ?VERSION, ?DEVICES and ?POLL are
// answered; anything else gets gpsd's {"class":"ERROR",…} and is counted
// (Stats.BadCommands), and a request longer than 1 KiB ends the client.
// Sentences that cannot be reassembled or decoded are counted
// (Stats.Undecodable). Queues, MaxConns and slow clients are as above.
//
// A client whose WATCH asks "raw":1 (or 2) or "nmea":true gets the AIS
// sentences as received (tag block removed, CR LF), each before the JSON
// of the message it completes, decodable or not, as gpsd passes an AIVDM
// device's stream (gpspipe -r, gps2udp --nmea); with "json" left out it
// gets no JSON, as gpsd does, and a WATCH without any of json, nmea and
// raw asks for JSON. The WATCH reply reports the client's json, nmea and
// raw. gpsd has no UDP output of its own: gps2udp is the gpsd client
// that forwards a gpsd port to UDP, and the relay's Config.UDP sends the
// same sentences without it.
//
// # Concurrency
//
// Publish and Stats are safe for concurrent use and never block on a
// client. Run accepts clients and owns one writer goroutine per client;
// it is called once.
package relay
