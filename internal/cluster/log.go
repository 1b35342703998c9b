package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// OverflowPolicy says what Publish does when the bound of publishes in
// flight is reached.
type OverflowPolicy int

const (
	// OverflowReject returns ErrBusy at once (counted in
	// PublishStats.Rejected); the input counts the batch as dropped.
	// This is the default: ingest never blocks on a slow cluster.
	OverflowReject OverflowPolicy = iota
	// OverflowWait waits for a free slot until ctx ends.
	OverflowWait
)

// LogConfig configures a publisher of the ingest or the control log.
type LogConfig struct {
	// MaxInFlight bounds the publishes waiting for the cluster's
	// acknowledgement; 0 means 64.
	MaxInFlight int
	// Overflow is what happens beyond MaxInFlight.
	Overflow OverflowPolicy
	// AttemptTimeout bounds one attempt to publish; a failed attempt is
	// retried with the same message id (so the stream keeps one copy)
	// until the caller's ctx ends. 0 means 5 seconds.
	AttemptTimeout time.Duration
}

// PublishStats counts a publisher's work.
type PublishStats struct {
	Published  uint64 // entries the cluster acknowledged
	Duplicates uint64 // acknowledged as duplicates of an earlier publish (a retry)
	Rejected   uint64 // ErrBusy: the in-flight bound was reached
	Failed     uint64 // gave up when ctx ended, or refused by the stream
	Retries    uint64 // attempts that failed and were tried again
	InFlight   int64  // publishes waiting now
	// Last is the highest stream sequence acknowledged (a duplicate's
	// too): every entry up to it is in the log, so a reader that applied
	// it has this publisher's entries.
	Last uint64
}

// publisher is what Log and ControlLog share: the in-flight bound, the
// message ids and the retries.
type publisher struct {
	n       *Node
	cfg     LogConfig
	stream  string
	idStem  string // node:boot:
	seq     atomic.Uint64
	slots   chan struct{}
	pub     atomic.Uint64
	dup     atomic.Uint64
	rej     atomic.Uint64
	failed  atomic.Uint64
	retries atomic.Uint64
	flying  atomic.Int64
	last    atomic.Uint64 // highest sequence acknowledged
}

func newPublisher(n *Node, cfg LogConfig, stream string) *publisher {
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 64
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 5 * time.Second
	}
	var boot [6]byte
	rand.Read(boot[:])
	return &publisher{
		n: n, cfg: cfg, stream: stream,
		idStem: n.cfg.Name + ":" + hex.EncodeToString(boot[:]) + ":",
		slots:  make(chan struct{}, cfg.MaxInFlight),
	}
}

// publish sends data on subject and waits for the stream's
// acknowledgement, retrying with the same message id.
func (p *publisher) publish(ctx context.Context, subject, what string, data []byte) (uint64, error) {
	return p.publishID(ctx, subject, what, p.idStem+what+":"+strconv.FormatUint(p.seq.Add(1), 10), data)
}

// publishID is publish with the caller's message id.
func (p *publisher) publishID(ctx context.Context, subject, what, id string, data []byte) (uint64, error) {
	if len(data) > maxEntry {
		p.failed.Add(1)
		return 0, fmt.Errorf("cluster: publish %s: %d bytes: %w", what, len(data), ErrTooLarge)
	}
	if err := p.acquire(ctx, what); err != nil {
		return 0, err
	}
	p.flying.Add(1)
	defer func() {
		p.flying.Add(-1)
		<-p.slots
	}()
	return p.send(ctx, subject, what, id, data)
}

// send publishes one message with id, retrying until acknowledged, ctx
// ends or the stream refuses it.
func (p *publisher) send(ctx context.Context, subject, what, id string, data []byte) (uint64, error) {
	for {
		msg := &nats.Msg{Subject: subject, Data: data}
		actx, cancel := context.WithTimeout(ctx, p.cfg.AttemptTimeout)
		ack, err := p.n.js.PublishMsg(actx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(p.stream),
			jetstream.WithRetryAttempts(20), jetstream.WithRetryWait(100*time.Millisecond))
		cancel()
		if err == nil {
			if ack.Duplicate {
				p.dup.Add(1)
			} else {
				p.pub.Add(1)
			}
			for l := p.last.Load(); ack.Sequence > l; l = p.last.Load() {
				if p.last.CompareAndSwap(l, ack.Sequence) {
					break
				}
			}
			return ack.Sequence, nil
		}
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) || errors.Is(err, nats.ErrConnectionClosed) || ctx.Err() != nil {
			p.failed.Add(1)
			if errors.Is(err, nats.ErrConnectionClosed) {
				err = ErrClosed
			}
			return 0, fmt.Errorf("cluster: publish %s to %s: %w", what, p.stream, err)
		}
		p.retries.Add(1)
		if werr := waitOrDone(ctx, 100*time.Millisecond); werr != nil {
			p.failed.Add(1)
			return 0, fmt.Errorf("cluster: publish %s to %s: %w (last attempt: %v)", what, p.stream, werr, err)
		}
	}
}

// acquire takes an in-flight slot, or fails by the overflow policy.
func (p *publisher) acquire(ctx context.Context, what string) error {
	switch p.cfg.Overflow {
	case OverflowWait:
		select {
		case p.slots <- struct{}{}:
		case <-ctx.Done():
			p.failed.Add(1)
			return fmt.Errorf("cluster: publish %s: %w", what, ctx.Err())
		case <-p.n.closed:
			p.failed.Add(1)
			return ErrClosed
		}
	default:
		select {
		case p.slots <- struct{}{}:
		default:
			p.rej.Add(1)
			return ErrBusy
		}
	}
	return nil
}

func (p *publisher) stats() PublishStats {
	return PublishStats{Published: p.pub.Load(), Duplicates: p.dup.Load(), Rejected: p.rej.Load(),
		Failed: p.failed.Load(), Retries: p.retries.Load(), InFlight: p.flying.Load(), Last: p.last.Load()}
}

// Log publishes batches to the replicated ingest log. It is safe for
// concurrent use: each input calls Publish from its own goroutine.
type Log struct{ p *publisher }

// IngestLog returns a publisher of the ingest log.
func (n *Node) IngestLog(cfg LogConfig) *Log { return &Log{p: newPublisher(n, cfg, IngestStream)} }

// Publish appends b to the ingest log on subject tidewatch.ingest.<input>
// and returns its stream sequence once the cluster acknowledged it (a
// quorum of the replicas stored it): only then may the input count the
// lines as accepted. The message id (node, a per-process boot id, the
// input and a counter) makes a retried publish land once, as long as
// the retries end within the stream's duplicate window (Config.Duplicates,
// 2 minutes): give Publish a ctx with a shorter deadline. Errors:
// ErrBusy (in-flight bound, OverflowReject), ctx's error, ErrClosed, or
// the stream's refusal.
func (l *Log) Publish(ctx context.Context, b Batch) (uint64, error) {
	if len(b.Input) > maxInput {
		l.p.failed.Add(1)
		return 0, fmt.Errorf("cluster: publish: input name of %d bytes: %w", len(b.Input), errTooLong)
	}
	tok := subjectToken(b.Input)
	return l.p.publish(ctx, IngestSubject+"."+tok, tok, AppendBatch(nil, b))
}

// PublishID is Publish with the caller's message id in place of the
// per-process one: a replayed file's batch carries an id made of its
// content's place in the file, so that publishing the file again after
// a restart lands each batch once, within the stream's duplicate window
// (Config.Duplicates). A batch the stream already holds is acknowledged
// as a duplicate (PublishStats.Duplicates) with the first copy's
// sequence.
func (l *Log) PublishID(ctx context.Context, b Batch, id string) (uint64, error) {
	if len(b.Input) > maxInput {
		l.p.failed.Add(1)
		return 0, fmt.Errorf("cluster: publish: input name of %d bytes: %w", len(b.Input), errTooLong)
	}
	if id == "" {
		return l.Publish(ctx, b)
	}
	tok := subjectToken(b.Input)
	return l.p.publishID(ctx, IngestSubject+"."+tok, tok, id, AppendBatch(nil, b))
}

// Stats returns the publisher's counters.
func (l *Log) Stats() PublishStats { return l.p.stats() }

// ControlLog publishes control records. It is safe for concurrent use.
type ControlLog struct{ p *publisher }

// ControlLog returns a publisher of the control log.
func (n *Node) ControlLog(cfg LogConfig) *ControlLog {
	return &ControlLog{p: newPublisher(n, cfg, ControlStream)}
}

// Publish appends r (with r.Node set to this node when empty) to the
// control log and returns its sequence once the cluster acknowledged it.
// The change takes effect on every node, this one included, when its
// control follower applies it; the API answers after that.
func (c *ControlLog) Publish(ctx context.Context, r ControlRecord) (uint64, error) {
	if _, ok := kindNames[r.Kind]; !ok || r.Op < OpPut || r.Op > OpAppend {
		c.p.failed.Add(1)
		return 0, fmt.Errorf("cluster: publish control record: %w", errBadRecord)
	}
	if len(r.ID) > maxID {
		c.p.failed.Add(1)
		return 0, fmt.Errorf("cluster: publish control record: id of %d bytes: %w", len(r.ID), errTooLong)
	}
	if r.Node == "" {
		r.Node = c.p.n.cfg.Name
	}
	return c.p.publish(ctx, ControlSubject+"."+r.Kind.String(), r.Kind.String(), AppendControl(nil, r))
}

// Stats returns the publisher's counters.
func (c *ControlLog) Stats() PublishStats { return c.p.stats() }

// subjectToken makes s one NATS subject token: characters a subject does
// not allow in a token ('.', '*', '>', spaces, control characters) become
// '_'. The input's real name travels in the batch.
func subjectToken(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == '.' || r == '*' || r == '>' || r == 0x7f {
			return '_'
		}
		return r
	}, s)
}
