// Package relay owns tidewatch's NMEA relay: it passes the AIS sentences
// the node receives (raw !xxVDM and !xxVDO lines) on to TCP clients such
// as OpenCPN, AIS-catcher users' aggregators or gpsd-style tools, and
// optionally to a UDP destination.
//
// # Format
//
// Each relayed line is the sentence from its '!' through its checksum,
// ended by CR LF, preceded by the line's NMEA 4.10 tag block
// (\s:…,c:…*hh\) unless Config.StripTags is set. Anything else on a
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
// inputs. Config.Allow is the release policy: the MMSI is read from the
// first fragment's payload and a refused vessel's sentence, with every
// further fragment of the same message (same input, channel and sequence
// id), is withheld; a line whose MMSI cannot be read is withheld too.
// Each refusal and drop is counted in Stats.
//
// # Concurrency
//
// Publish and Stats are safe for concurrent use and never block on a
// client. Run accepts clients and owns one writer goroutine per client;
// it is called once.
package relay
