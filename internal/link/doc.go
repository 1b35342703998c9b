// Package link owns the store-and-forward transport between two partner
// nodes: a Sender streams the items of a durable queue (a Source) to a
// partner's Receiver, which hands them to a Sink and keeps a durable
// cursor per partner. A link that drops (network cut, partner down for
// hours, either side restarted) resumes where it stopped, with nothing
// lost and nothing duplicated.
//
// Items are opaque: another layer encodes positions, events and incidents
// with their origin and hop count. The link does not do TLS: the caller
// gives the Sender a Dial function (TLS over TCP in production) and the
// Receiver an Authorize function that names the authenticated peer of an
// accepted connection (from its certificate). The peer is untrusted even
// then: every frame is bounded in size and validated, and a violation
// closes the connection with a counted ProtocolError.
//
// # Usage
//
// On the sending node, one Sender per partner:
//
//	s := &link.Sender{Name: "IN-IFC", Peer: "JP-JCG", Dial: dialTLS, Source: outboxFor("JP-JCG")}
//	go s.Run(ctx) // in the node's run group; returns when ctx ends
//
// On the receiving node, one Receiver for all partners:
//
//	r := &link.Receiver{Name: "JP-JCG", Authorize: partnerFromCert, Sink: sink, Cursors: dir + "/cursors"}
//	err := r.Serve(ctx, tlsListener)
//
// # Delivery guarantee
//
// Each Sink sees each item of a Source once, in Seq order, because the
// Source keeps an item until the receiver acknowledges it, the receiver
// writes its cursor durably after Sink.Deliver returns and before it
// acknowledges, and a new session starts after the receiver's cursor.
// Items at or below the cursor are dropped (PartnerStats.Duplicates). Two
// windows remain, both reported:
//
//   - A crash of the receiver (or a failed cursor write) between Deliver
//     and the cursor write hands the same items to Deliver again after
//     the restart. Deliver must be idempotent for its last call; the
//     receiver counts these items in PartnerStats.Redelivered (from a
//     "pending" file written before Deliver without fsync, so the count
//     survives a process crash but may miss items after a power loss).
//   - A Source that drops old items (overflow) leaves a gap: the first
//     available Seq is above cursor+1. The receiver counts it
//     (PartnerStats.Gaps, GapItems), logs the first gap of each session,
//     and its cursor moves on.
//
// An item is held by the sender until its NotBefore (Unix ms, compared
// with the Sender's clock); because the cursor is a high-water mark,
// every later item waits with it.
//
// Backpressure stays inside the link: the Sender reads its Source at the
// pace of the acks (at most Window batches in flight), and the Source
// (a durable queue with its own bound and overflow policy) is what local
// ingest writes to, so a slow or absent partner never stalls ingest.
//
// # Concurrency
//
// A Sender streams on the goroutine that calls Run and starts one more
// per connection, which reads acks; a Receiver's Serve starts one per
// connection (at most MaxConns). Both stop all of them before returning, when ctx ends. The
// sessions of one partner on a Receiver never overlap: a new connection
// from a partner closes the old one and waits for it to finish its
// current batch. Stats methods are safe at any time.
//
// # Format
//
// Protocol version 1. Every frame is a big-endian uint32 length, then a
// type byte and the payload; the length counts the type byte and the
// payload and must be between 1 and MaxFrame (default 1 MiB). Integers
// are big endian; varints are encoding/binary's (uvarint, and zig-zag
// varint for signed values). Names are 1 to 64 bytes of [A-Za-z0-9._-],
// not starting with '.', preceded by a one-byte length.
//
//	+--------+------+---------+
//	| len u32| type | payload |   len = 1 + len(payload)
//	+--------+------+---------+
//
//	type  name     direction  payload
//	0x01  HELLO    S → R      "TWLK" | version u16 | name
//	0x02  WELCOME  R → S      version u16 | cursor u64 | name
//	0x03  REFUSE   R → S      reason length u16 (≤ 512) | reason (UTF-8)
//	0x04  BATCH    S → R      base u64 | count u32 (≥ 1) | count × item
//	                          item = seq delta uvarint (≥ 1) | not-before delta varint |
//	                                 data length uvarint | data
//	0x05  ACK      R → S      cursor u64
//	0x06  PING     S → R      (empty)
//	0x07  PONG     R → S      (empty)
//
// In a BATCH, an item's Seq is the previous item's plus its delta (the
// first item's: base plus its delta), so Seqs strictly increase; its
// NotBefore is likewise the previous item's plus its delta (the first
// item's: zero plus its delta).
//
// A session: the sender connects and sends HELLO with its name. The
// receiver, having identified the peer with Authorize, refuses (REFUSE,
// then close) a hello of another version or of another name than the
// authenticated one; otherwise it answers WELCOME with its name and its
// cursor for that partner. The sender checks the name (if Peer is set)
// and streams BATCHes of the items after the cursor, up to Window of
// them unacknowledged. For each BATCH, in order, the receiver drops the
// items at or below its cursor, delivers the rest, writes its cursor and
// answers ACK with it; the sender then acknowledges the cursor to its
// Source. A sender that has written nothing for HeartbeatInterval sends
// PING, answered by PONG, and each side closes a connection on which it
// has read nothing for its IdleTimeout. The first BATCH of a connection
// must start above 0 and every later one above the last Seq of the one
// before; an ACK must lie between the last Seq of the oldest
// unacknowledged batch and the last Seq sent. Any other frame, or a
// frame out of place, is a violation that closes the connection.
//
// The receiver keeps, in its Cursors directory, the files
// <partner>.cursor and <partner>.pending (see cursor.go for their
// 16-byte checksummed layout). A corrupt cursor file refuses the partner
// rather than start again from zero. Temporary files of cursor writes
// that a crash left (<partner>.cursor.RANDOM.tmp) are removed when Serve
// starts, logged once and counted (ReceiverStats.StaleTemps). The cursor
// files go through Receiver.FS (a record.FS; nil is the operating
// system's), so that their crash test (TestCursorCrashInMemory) runs in
// memory at every write, sync and rename.
package link
