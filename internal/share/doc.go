// Package share owns what a node exchanges with its partner nodes: the
// envelope format of the items (positions, static data, events,
// incidents and assessments, each with the node it came from and the
// links it crossed), the outbound path from the local picture through
// each partner's policy into that partner's durable outbox, the links
// that carry the outboxes to the partners over mutually authenticated
// TLS, the inbound path that hands partners' items to the node, relays
// them where policy allows and drops loops, and the audit log of
// everything sent, received and refused.
//
// # Flow
//
// Local data enters through Offer (the server calls it on the pipeline
// goroutine for every stored position and static update, and for every
// event and incident): for each registered, unrevoked partner the policy
// (package policy) decides; what is allowed is encoded (AppendEnvelope)
// and appended to the partner's outbox (package outbox) with the time
// before which it may not leave (a policy delay), and an audit entry
// ("sent", with the policy rule and the outbox sequence number) is
// written. Commit syncs the outboxes and the audit log; the server calls
// it at each pipeline commit. Appending is a buffered write to a local
// file: a slow or absent partner never stalls local ingest, and a full
// outbox drops its oldest items (counted) rather than block.
//
// Run starts one link sender (package link) per partner with an address,
// and the link listener when Config.Listen is set. A sender dials the
// partner with the node's certificate (package identity), resumes after
// the partner's durable cursor, and streams the outbox; the partner acks
// what it has durably taken, and the outbox drops it. The listener
// accepts partners whose certificate is pinned in the registry, decodes
// their envelopes (untrusted: every field bounded and checked; bad ones
// refused and audited), drops items that originated here (loops), applies
// the inbound policy (Accept), hands the rest to Local.Receive (durable
// on return), audits them as "received", and offers them to the other
// partners as relayed items (origin kept, hops + 1; the policy relays
// only where "relay" is on, never back to the origin, never beyond
// max_hops). Nothing is lost or duplicated across link cuts and restarts
// of either node: the outbox holds items until acked, the receiver's
// cursor is written after delivery, and delivery is idempotent for the
// window between the two (fusion drops a report it already has, events
// and incidents are kept by ID and version). Items a link hands over again
// after a crash are flagged; the node applies them only if it does not
// hold them yet (Local.Holds), and audits them as "redelivered" (held,
// not applied again) or "redelivered, applied": an item's first delivery
// is audited "accept", later ones never are, so "accept" is recorded at
// most once per item even when the crash came after the audit was written.
//
// # Changes while running
//
// Run re-reads the partner registry and the policy file (Config.Refresh,
// every 2 s): a partner added by "tidewatch partner add" gets an outbox
// and, with an address, a link; nothing more is queued for a revoked
// partner (its handshakes are refused anyway); an edited policy takes
// effect, and one that does not parse, or is written for another node, is
// reported and the policy in force kept.
package share
