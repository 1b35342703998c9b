package share

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/audit"
	"github.com/tidewatch/tidewatch/internal/identity"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/link"
	"github.com/tidewatch/tidewatch/internal/outbox"
	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// SourcePrefix starts the Source of every position and static report
// received from a partner: "partner:JP-JCG" names the node that produced
// it. The picture and the store keep it like a receiver name, so every
// report says who contributed it.
const SourcePrefix = "partner:"

// OriginOf returns the node a report's source names, and whether it came
// from a partner at all.
func OriginOf(source string) (string, bool) {
	return strings.CutPrefix(source, SourcePrefix)
}

// Local is what the sharing component needs from its node.
type Local interface {
	// Vessel returns what the picture knows of a vessel, for the policy's
	// vessel rules.
	Vessel(m vessel.MMSI) policy.Vessel
	// Receive applies items a partner sent: positions and static data
	// through the picture into the store (with Source set to
	// SourcePrefix+origin), events into the event log, incidents into the
	// incident store. It must be durable when it returns nil, and must
	// tolerate receiving an item it already has.
	Receive(ctx context.Context, from string, items []Envelope) error
	// Holds reports whether the node already holds the item exactly as
	// Receive would have applied it: asked only of items a link hands
	// over again after a crash (they may have been applied before it),
	// so that they are not applied twice.
	Holds(e *Envelope) bool
}

// Config configures a Sharer.
type Config struct {
	// Node is this node's identity and partner registry.
	Node *identity.Node
	// Policy decides what each partner gets and what is accepted from it.
	// Nil shares nothing and accepts nothing.
	Policy *policy.Policy
	// Dir holds the outboxes (Dir/outbox/PARTNER), the link cursors
	// (Dir/cursors) and the audit log (Dir/audit).
	Dir string
	// Listen is the address of the link listener ("" for none: a node
	// that only dials out).
	Listen string
	// Local is the node.
	Local Local
	// Outbox configures each partner's outbox.
	Outbox outbox.Options
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// MinBackoff and MaxBackoff bound the senders' reconnect waits.
	MinBackoff, MaxBackoff time.Duration
	// PolicyPath, when set, is the file Policy came from: Run reads it
	// again when it changes (a file that does not parse is reported and
	// the policy in force kept).
	PolicyPath string
	// Refresh is how often Run looks for new or revoked partners in the
	// registry and for a changed policy file (default 2 s).
	Refresh time.Duration
}

// Stats count what a Sharer did.
type Stats struct {
	Offered     map[string]int64 // items offered, by kind
	Queued      map[string]int64 // items appended to outboxes (one per partner), by partner
	Denied      map[string]int64 // items the policy kept back, by rule
	Received    map[string]int64 // items received, by partner
	Refused     map[string]int64 // items received and refused, by reason
	Relayed     int64            // received items queued for other partners
	Redelivered int64            // items a link handed over again after a crash that the node already held
	Links       map[string]link.SenderStats
	Inbound     link.ReceiverStats
	Outboxes    map[string]outbox.Stats
}

// Sharer is the sharing component of a node: see the package doc.
type Sharer struct {
	cfg  Config
	name string
	log  *slog.Logger
	now  func() time.Time

	mu          sync.Mutex // guards outboxes, buf, stats maps, audit appends
	outboxes    map[string]*outbox.Queue
	buf         []byte
	pending     []audit.Entry
	offered     map[string]int64
	queued      map[string]int64
	denied      map[string]int64
	received    map[string]int64
	refused     map[string]int64
	relayed     int64
	redelivered int64

	audit    *audit.Log
	senders  map[string]*link.Sender
	revoked  map[string]bool // partners revoked since Open: nothing more is queued for them
	policyAt time.Time       // modification time of the policy file in force
	receiver *link.Receiver
	ln       net.Listener
	running  atomic.Bool
}

// ErrConfig: the sharing configuration is unusable.
var ErrConfig = errors.New("share: bad configuration")

// Open opens the audit log and an outbox for every registered partner.
// It binds the link listener (so its address is known before Run) but
// starts nothing.
func Open(cfg Config) (*Sharer, error) {
	if cfg.Node == nil || cfg.Local == nil || cfg.Dir == "" {
		return nil, fmt.Errorf("%w: Node, Local and Dir are required", ErrConfig)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Policy == nil {
		cfg.Policy = &policy.Policy{}
	}
	s := &Sharer{cfg: cfg, name: cfg.Node.Name(), log: cfg.Logger, now: cfg.Now,
		outboxes: map[string]*outbox.Queue{}, offered: map[string]int64{}, queued: map[string]int64{},
		denied: map[string]int64{}, received: map[string]int64{}, refused: map[string]int64{},
		senders: map[string]*link.Sender{}, revoked: map[string]bool{}}
	if cfg.PolicyPath != "" {
		if fi, err := os.Stat(cfg.PolicyPath); err == nil {
			s.policyAt = fi.ModTime()
		}
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("share: %w", err)
	}
	a, err := audit.Open(filepath.Join(cfg.Dir, "audit"), audit.Options{Now: cfg.Now})
	if err != nil {
		return nil, fmt.Errorf("share: audit log: %w", err)
	}
	s.audit = a
	for _, p := range cfg.Node.Partners() {
		if !p.Revoked.IsZero() {
			continue
		}
		if err := s.openOutbox(p.Name); err != nil {
			s.Close()
			return nil, err
		}
	}
	if cfg.Listen != "" {
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("share: link listener: %w", err)
		}
		s.ln = ln
	}
	return s, nil
}

func (s *Sharer) openOutbox(partner string) error {
	q, err := outbox.Open(filepath.Join(s.cfg.Dir, "outbox", partner), s.cfg.Outbox)
	if err != nil {
		return fmt.Errorf("share: outbox of %s: %w", partner, err)
	}
	s.outboxes[partner] = q
	return nil
}

// Addr returns the link listener's address, nil without one.
func (s *Sharer) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Name returns this node's name.
func (s *Sharer) Name() string { return s.name }

// Audit returns the audit log, for the API's admin queries.
func (s *Sharer) Audit() *audit.Log { return s.audit }

func kindOf(e *Envelope) policy.Kind {
	switch e.Kind {
	case KindPosition:
		return "position"
	case KindStatic:
		return "static"
	case KindEvent:
		return "event"
	case KindIncident:
		if e.Incident.Kind == incident.KindAssessment {
			return "assessment"
		}
		return "incident"
	}
	return ""
}

// Offer queues a local item for every partner whose policy allows it.
// Items of this node have Origin "" (or the node's name) and Hops 0. It
// never blocks on the network.
func (s *Sharer) Offer(e Envelope) {
	if e.Origin == "" {
		e.Origin = s.name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offered[string(kindOf(&e))]++
	s.offerLocked(&e, "")
}

// offerLocked runs the policy of every partner but from over e and queues
// the allowed, transformed copies.
func (s *Sharer) offerLocked(e *Envelope, from string) {
	// What the picture knows of the vessels, looked up once for all
	// partners.
	var vs []policy.Vessel
	switch e.Kind {
	case KindPosition:
		vs = []policy.Vessel{s.cfg.Local.Vessel(e.Position.MMSI)}
	case KindStatic:
		vs = []policy.Vessel{s.cfg.Local.Vessel(e.Static.MMSI)}
	case KindEvent:
		for _, m := range e.Event.Vessels {
			vs = append(vs, s.cfg.Local.Vessel(m))
		}
	case KindIncident:
		for _, m := range e.Incident.Vessels {
			vs = append(vs, s.cfg.Local.Vessel(m))
		}
	}
	for name, q := range s.outboxes {
		if name == from || s.revoked[name] {
			continue
		}
		pt := s.cfg.Policy.Partner(name)
		out := Envelope{Kind: e.Kind, Origin: e.Origin, Hops: e.Hops}
		var d policy.Decision
		var notBefore vessel.Time
		switch e.Kind {
		case KindPosition:
			out.Position, notBefore, d = pt.Position(e.Position, vs[0], e.Origin, e.Hops)
		case KindStatic:
			out.Static, d = pt.Static(e.Static, vs[0], e.Origin, e.Hops)
		case KindEvent:
			out.Event, notBefore, d = pt.Event(e.Event, vs, e.Origin, e.Hops)
		case KindIncident:
			out.Incident, d = pt.IncidentWithVessels(e.Incident, vs, e.Origin, e.Hops)
		}
		if !d.Allow {
			s.denied[d.Rule]++
			if e.Kind != KindPosition { // positions are too many to audit one by one when denied: counted
				s.pending = append(s.pending, s.entry(audit.Refused, name, e, 0, d.Rule))
			}
			continue
		}
		var err error
		s.buf, err = AppendEnvelope(s.buf[:0], &out)
		if err != nil {
			s.denied["encode"]++
			continue
		}
		seq, err := q.Append(int64(notBefore), s.buf)
		if err != nil {
			s.log.Error("outbox append", "partner", name, "err", err)
			continue
		}
		s.queued[name]++
		s.pending = append(s.pending, s.entry(audit.Sent, name, &out, seq, d.Rule))
	}
}

func (s *Sharer) entry(dir audit.Direction, partner string, e *Envelope, seq uint64, rule string) audit.Entry {
	return audit.Entry{Time: s.now(), Direction: dir, Partner: partner, Kind: string(kindOf(e)), Key: e.Key(),
		Seq: seq, Rule: rule, Origin: e.Origin}
}

// Commit makes what Offer queued durable: the outboxes and the audit log
// are synced.
func (s *Sharer) Commit() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commitLocked()
}

func (s *Sharer) commitLocked() error {
	var errs []error
	if len(s.pending) > 0 {
		errs = append(errs, s.audit.Append(s.pending...))
		s.pending = s.pending[:0]
	}
	for name, q := range s.outboxes {
		if err := q.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("outbox %s: %w", name, err))
		}
	}
	errs = append(errs, s.audit.Sync())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("share: commit: %w", err)
	}
	return nil
}

// Audit rules of received items besides "accept", the rule of an item's
// first delivery. A link hands items over again after a crash of the
// receiver between delivery and its cursor write (package link); they are
// audited with one of these, so that "accept" is recorded at most once
// per item.
const (
	// RuleRedelivered: handed over again, already held, not applied again.
	RuleRedelivered = "redelivered"
	// RuleRedeliveredApplied: handed over again and applied (again, if
	// the first delivery was stored but Local.Holds cannot tell).
	RuleRedeliveredApplied = "redelivered, applied"
)

// Deliver implements link.Sink: it takes a batch a partner sent.
func (s *Sharer) Deliver(from string, items []link.Item) error {
	s.mu.Lock()
	pt := s.cfg.Policy.Partner(from) // the policy may be swapped by refresh
	s.mu.Unlock()
	envs := make([]Envelope, 0, len(items))
	keys := make([]string, 0, len(items)) // as the sender named them, for the audit logs to match
	seqs := make([]uint64, 0, len(items))
	again := make([]bool, 0, len(items)) // handed over again after a crash, not held
	var refusals, held []audit.Entry
	// refuse counts a refusal by its reason (a bounded set: rules and
	// "bad envelope") and audits it with the details.
	refuse := func(e *Envelope, seq uint64, reason, detail string) {
		s.mu.Lock()
		s.refused[reason]++
		s.mu.Unlock()
		refusals = append(refusals, s.entry(audit.Refused, from, e, seq, reason+detail))
	}
	for _, it := range items {
		e, err := DecodeEnvelope(it.Data)
		if err != nil {
			refuse(&Envelope{}, it.Seq, "bad envelope", ": "+err.Error())
			continue
		}
		e.Hops++ // the link it just crossed
		if d := pt.Inbound(kindOf(&e), e.Origin, e.Hops); !d.Allow {
			refuse(&e, it.Seq, d.Rule, "")
			continue
		}
		keys = append(keys, e.Key())
		if e.Kind == KindEvent && !strings.HasPrefix(e.Event.ID, e.Origin+"/") {
			e.Event.ID = e.Origin + "/" + e.Event.ID // partners' IDs never collide with ours
		}
		if e.Kind == KindEvent {
			e.Event.Origin = e.Origin
		}
		if e.Kind == KindIncident && e.Incident.Origin == "" {
			e.Incident.Origin = e.Origin
		}
		if it.Redelivered && s.cfg.Local.Holds(&e) {
			// Applied before a crash: recorded again, not applied again
			// (nor relayed: the first delivery queued the relays).
			en := s.entry(audit.Received, from, &e, it.Seq, RuleRedelivered)
			en.Key = keys[len(keys)-1]
			held = append(held, en)
			keys = keys[:len(keys)-1]
			continue
		}
		envs = append(envs, e)
		seqs = append(seqs, it.Seq)
		again = append(again, it.Redelivered)
	}
	if len(envs) > 0 {
		if err := s.cfg.Local.Receive(context.Background(), from, envs); err != nil {
			return fmt.Errorf("share: receive from %s: %w", from, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, refusals...)
	s.pending = append(s.pending, held...)
	s.redelivered += int64(len(held))
	for i := range envs {
		s.received[from]++
		// An item handed over again that the node does not hold (the
		// crash came before it was stored, or Holds cannot tell, as for
		// static data) is applied again, idempotently; its first
		// delivery may already be audited as "accept", so this record
		// says it is a redelivery: an item is audited "accept" at most
		// once.
		rule := "accept"
		if again[i] {
			rule = RuleRedeliveredApplied
		}
		en := s.entry(audit.Received, from, &envs[i], seqs[i], rule)
		en.Key = keys[i]
		s.pending = append(s.pending, en)
		before := len(s.pending)
		s.offerLocked(&envs[i], from)
		if len(s.pending) > before {
			s.relayed++
		}
	}
	return s.commitLocked()
}

// Run runs the link listener and one sender per partner with an address
// until ctx ends.
func (s *Sharer) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: Run called twice", ErrConfig)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	if s.ln != nil {
		s.receiver = &link.Receiver{Name: s.name, Sink: s, Cursors: filepath.Join(s.cfg.Dir, "cursors"),
			Logger: s.log, Now: s.now, Authorize: s.authorize}
		ln := tls.NewListener(s.ln, s.cfg.Node.ServerTLS())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.receiver.Serve(ctx, ln); err != nil && ctx.Err() == nil {
				select {
				case errc <- fmt.Errorf("share: link listener: %w", err):
				default:
				}
			}
		}()
	}
	s.refresh(ctx, &wg)
	every := s.cfg.Refresh
	if every <= 0 {
		every = 2 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var err error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err = <-errc:
			break loop
		case <-tick.C:
			s.refresh(ctx, &wg)
		}
	}
	wg.Wait()
	return err
}

// refresh brings the sharing in line with the registry and the policy
// file: a partner added since (tidewatch partner add) gets an outbox and,
// with an address, a sender; a revoked one gets nothing more queued (its
// handshakes fail anyway); a changed policy file is read again.
func (s *Sharer) refresh(ctx context.Context, wg *sync.WaitGroup) {
	if s.cfg.PolicyPath != "" {
		s.mu.Lock()
		seen := s.policyAt
		s.mu.Unlock()
		if fi, err := os.Stat(s.cfg.PolicyPath); err == nil && !fi.ModTime().Equal(seen) {
			p, err := policy.Load(s.cfg.PolicyPath)
			switch {
			case err != nil:
				s.log.Error("sharing policy changed but cannot be used; the policy in force is kept", "file", s.cfg.PolicyPath, "err", err)
			case p.Node() != s.name:
				s.log.Error("sharing policy changed but is written for another node; the policy in force is kept", "file", s.cfg.PolicyPath, "node", p.Node())
			default:
				s.mu.Lock()
				s.cfg.Policy = p
				s.mu.Unlock()
				s.log.Info("sharing policy reloaded", "file", s.cfg.PolicyPath, "partners", p.Partners())
			}
			s.mu.Lock()
			s.policyAt = fi.ModTime() // report a bad file once, not at every tick
			s.mu.Unlock()
		}
	}
	now := s.now()
	for _, p := range s.cfg.Node.Partners() {
		s.mu.Lock()
		if !p.Revoked.IsZero() {
			if !s.revoked[p.Name] {
				s.log.Warn("partner revoked: nothing more is queued for it", "partner", p.Name, "at", p.Revoked)
			}
			s.revoked[p.Name] = true
			s.mu.Unlock()
			continue
		}
		delete(s.revoked, p.Name)
		q, ok := s.outboxes[p.Name]
		if !ok {
			if err := s.openOutbox(p.Name); err != nil {
				s.mu.Unlock()
				s.log.Error("new partner", "partner", p.Name, "err", err)
				continue
			}
			q = s.outboxes[p.Name]
			s.log.Info("new partner", "partner", p.Name, "addr", p.Addr, "status", p.Status(now))
		}
		if _, running := s.senders[p.Name]; running || p.Addr == "" {
			s.mu.Unlock()
			continue
		}
		snd := &link.Sender{Name: s.name, Peer: p.Name, Source: source{q}, Now: s.now, Logger: s.log.With("partner", p.Name),
			Dial: s.dialer(p.Name, p.Addr), MinBackoff: s.cfg.MinBackoff, MaxBackoff: s.cfg.MaxBackoff}
		s.senders[p.Name] = snd
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := snd.Run(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("link sender stopped", "partner", snd.Peer, "err", err)
			}
		}()
	}
}

func (s *Sharer) dialer(partner, addr string) func(ctx context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		tc, err := s.cfg.Node.ClientTLS(partner)
		if err != nil {
			return nil, err
		}
		d := tls.Dialer{Config: tc, NetDialer: &net.Dialer{Timeout: 10 * time.Second}}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			s.mu.Lock()
			s.pending = append(s.pending, audit.Entry{Time: s.now(), Direction: audit.Refused, Partner: partner,
				Kind: "link", Rule: "dial: " + err.Error()})
			s.mu.Unlock()
			return nil, err
		}
		return c, nil
	}
}

// authorize identifies the partner at the other end of an inbound link
// from its pinned certificate.
func (s *Sharer) authorize(c net.Conn) (string, error) {
	tc, ok := c.(*tls.Conn)
	if !ok {
		return "", fmt.Errorf("%w: link connection is not TLS", ErrConfig)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		s.mu.Lock()
		s.refused["handshake"]++
		s.pending = append(s.pending, audit.Entry{Time: s.now(), Direction: audit.Refused, Kind: "link",
			Key: c.RemoteAddr().String(), Rule: "handshake: " + err.Error()})
		s.mu.Unlock()
		return "", err
	}
	return s.cfg.Node.PeerName(tc.ConnectionState())
}

// Stats returns the counters; safe from any goroutine.
func (s *Sharer) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Offered: clone(s.offered), Queued: clone(s.queued), Denied: clone(s.denied), Received: clone(s.received),
		Refused: clone(s.refused), Relayed: s.relayed, Redelivered: s.redelivered, Links: map[string]link.SenderStats{}, Outboxes: map[string]outbox.Stats{}}
	for n, snd := range s.senders {
		st.Links[n] = snd.Stats()
	}
	for n, q := range s.outboxes {
		st.Outboxes[n] = q.Stats()
	}
	if s.receiver != nil {
		st.Inbound = s.receiver.Stats()
	}
	return st
}

func clone(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Partners returns the names of the partners with an outbox, sorted.
func (s *Sharer) Partners() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.outboxes))
	for n := range s.outboxes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Close syncs and closes the outboxes and the audit log, and the
// listener if Run never ran. Call it after Run has returned.
func (s *Sharer) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if s.audit != nil {
		errs = append(errs, s.commitLocked())
	}
	for _, q := range s.outboxes {
		errs = append(errs, q.Close())
	}
	if s.audit != nil {
		errs = append(errs, s.audit.Close())
	}
	if s.ln != nil && !s.running.Load() {
		s.ln.Close()
	}
	return errors.Join(errs...)
}

// source adapts an outbox to the link's Source.
type source struct{ q *outbox.Queue }

func (s source) Read(after uint64, max, maxBytes int) ([]link.Item, error) {
	recs, err := s.q.Read(after, max, maxBytes)
	if err != nil {
		return nil, err
	}
	items := make([]link.Item, len(recs))
	for i, r := range recs {
		items[i] = link.Item{Seq: r.Seq, NotBefore: r.NotBefore, Data: slices.Clone(r.Data)}
	}
	return items, nil
}

func (s source) Ack(seq uint64) error    { return s.q.Ack(seq) }
func (s source) Notify() <-chan struct{} { return s.q.Notify() }
func (s source) Last() uint64            { return s.q.Synced() }

// Node returns the node's identity and partner registry.
func (s *Sharer) Node() *identity.Node { return s.cfg.Node }

// Weight returns how much a partner's reports count against other
// sources' in the picture, from the policy in force: its "weight", 1 by
// default, 0 for a partner the policy does not know or ignores.
func (s *Sharer) Weight(partner string) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.Policy.Partner(partner).Weight()
}
