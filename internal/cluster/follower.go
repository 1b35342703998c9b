package cluster

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tidewatch/tidewatch/internal/record"
)

// FollowerConfig configures a Follower. The zero value is usable.
type FollowerConfig struct {
	// CursorEvery is how many applied entries may pass before the cursor
	// (the last applied sequence) is written; it is also written whenever
	// the follower has caught up and when Run returns. 0 means 1: after
	// every entry. With more, a crash re-applies up to CursorEvery-1
	// entries, so Apply must then recognise sequences it already holds.
	CursorEvery int
	// FetchBatch is how many entries one fetch asks for; 0 means 256.
	FetchBatch int
	// IdleWait is how long a fetch waits for new entries before the
	// follower refreshes the stream's state (for the lag); 0 means 1s.
	IdleWait time.Duration
	// RetryWait is the pause before an entry whose Apply failed is
	// applied again, and before the stream is asked again after an
	// error; 0 means 500 ms.
	RetryWait time.Duration
	// StateCursor says that the state machine keeps the applied sequence
	// itself, in its own commits (the node's store, see
	// store.Batch.SetApplied): the follower resumes after Resume, writes
	// no cursor file and ignores CursorEvery. Apply then need not make
	// an entry durable before it returns: after a crash the state machine
	// says where it is, and the follower resumes from there. Without it
	// the follower keeps the cursor file.
	StateCursor bool
	// Resume is the last applied sequence when StateCursor is set.
	Resume uint64
	// FS writes the cursor file; nil means the operating system.
	FS record.FS
	// Logger gets the follower's rare events (a stall, a gap); nil
	// discards.
	Logger *slog.Logger
}

// FollowerStatus is a follower's position, for /readyz and the metrics.
type FollowerStatus struct {
	Stream       string
	Applied      uint64 // last applied sequence (0: none)
	Last         uint64 // the stream's last sequence, as last seen
	First        uint64 // the stream's first sequence, as last seen
	Lag          uint64 // Last - Applied
	CaughtUp     bool   // applied everything the stream held when last asked
	NeedSnapshot bool   // stopped with ErrNeedSnapshot
	Failing      bool   // Apply is failing; the entry is retried
	Entries      uint64 // entries applied since the follower was made
	Undecodable  uint64 // entries skipped because they do not decode
	ApplyErrors  uint64 // failed Apply calls (each retried)
	Stalls       uint64 // consumers given up because they delivered nothing while the stream held more
}

// Follower applies the entries of a stream in order, each exactly once
// across restarts, to a state machine: the node's picture, store and
// events for the ingest log, its zones, incidents, tokens and partners
// for the control log. It resumes after the last applied sequence, kept
// in Dir/cluster/<stream>.applied, which it writes (atomically, with
// [record.WriteFileAtomic]) only after Apply returned, so Apply must
// return only once what it did is durable.
//
// An entry that does not decode is skipped on every node alike and
// counted; an Apply that fails is retried, with the follower marked
// failing, until it succeeds or Run's ctx ends: a node never skips what
// the others apply.
//
// Run is called from one goroutine at a time; Status is safe for
// concurrent use.
type Follower struct {
	n      *Node
	cfg    FollowerConfig
	stream string
	path   string
	apply  func(seq uint64, data []byte) error
	logger *slog.Logger

	running sync.Mutex

	applied  atomic.Uint64
	last     atomic.Uint64
	first    atomic.Uint64
	caughtUp atomic.Bool
	needSnap atomic.Bool
	failing  atomic.Bool
	entries  atomic.Uint64
	undec    atomic.Uint64
	applyErr atomic.Uint64
	stalls   atomic.Uint64

	persisted uint64 // owned by Run
}

// IngestFollower returns a follower of the ingest log that calls apply
// with each batch, from the last applied sequence in the data directory.
func (n *Node) IngestFollower(cfg FollowerConfig, apply func(seq uint64, b Batch) error) (*Follower, error) {
	return n.newFollower(cfg, IngestStream, func(seq uint64, data []byte) error {
		b, err := DecodeBatch(data)
		if err != nil {
			return &DecodeError{Seq: seq, Err: err}
		}
		return apply(seq, b)
	})
}

// ControlFollower returns a follower of the control log that calls apply
// with each record.
func (n *Node) ControlFollower(cfg FollowerConfig, apply func(seq uint64, r ControlRecord) error) (*Follower, error) {
	return n.newFollower(cfg, ControlStream, func(seq uint64, data []byte) error {
		r, err := DecodeControl(data)
		if err != nil {
			return &DecodeError{Seq: seq, Err: err}
		}
		return apply(seq, r)
	})
}

func (n *Node) newFollower(cfg FollowerConfig, stream string, apply func(uint64, []byte) error) (*Follower, error) {
	if cfg.CursorEvery <= 0 {
		cfg.CursorEvery = 1
	}
	if cfg.FetchBatch <= 0 {
		cfg.FetchBatch = 256
	}
	if cfg.IdleWait <= 0 {
		cfg.IdleWait = time.Second
	}
	if cfg.RetryWait <= 0 {
		cfg.RetryWait = 500 * time.Millisecond
	}
	if cfg.FS == nil {
		cfg.FS = record.OSFS{}
	}
	if cfg.Logger == nil {
		cfg.Logger = n.logger
	}
	f := &Follower{n: n, cfg: cfg, stream: stream, apply: apply,
		path:   filepath.Join(n.cfg.dir(), stream+".applied"),
		logger: cfg.Logger.With("stream", stream)}
	seq := cfg.Resume
	if !cfg.StateCursor {
		var err error
		if seq, err = readCursor(f.path, stream); err != nil {
			return nil, err
		}
		// No cursor write of this stream is at work before Run:
		// temporary files of one are what a crash left.
		if n, err := record.RemoveTemps(cfg.FS, f.path); n > 0 || err != nil {
			f.logger.Info("cluster: removed stale temporary cursor files", "path", f.path, "removed", n, "err", err)
		}
	}
	f.applied.Store(seq)
	f.persisted = seq
	return f, nil
}

// Cursor returns the last applied sequence in stream's cursor file (0
// when there is none): for a state machine that moves from the cursor
// file to keeping the sequence itself (FollowerConfig.StateCursor).
func (n *Node) Cursor(stream string) (uint64, error) {
	return readCursor(filepath.Join(n.cfg.dir(), stream+".applied"), stream)
}

// Cursor file: three lines of text,
//
//	tidewatch cluster cursor 1
//	stream TIDEWATCH_INGEST
//	applied 12345
const cursorMagic = "tidewatch cluster cursor 1"

func readCursor(path, stream string) (uint64, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cluster: read cursor: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 3 || lines[0] != cursorMagic || lines[1] != "stream "+stream {
		return 0, fmt.Errorf("cluster: cursor %s: %w: not a cursor of stream %s", path, ErrCorrupt, stream)
	}
	v, ok := bytes.CutPrefix([]byte(lines[2]), []byte("applied "))
	seq, err := strconv.ParseUint(string(v), 10, 64)
	if !ok || err != nil {
		return 0, fmt.Errorf("cluster: cursor %s: %w: bad sequence %q", path, ErrCorrupt, lines[2])
	}
	return seq, nil
}

func (f *Follower) writeCursor(seq uint64) error {
	if f.cfg.StateCursor {
		f.persisted = seq
		return nil
	}
	data := fmt.Appendf(nil, "%s\nstream %s\napplied %d\n", cursorMagic, f.stream, seq)
	if err := record.WriteFileAtomic(f.cfg.FS, f.path, data, 0o600); err != nil {
		return fmt.Errorf("cluster: cursor: %w", err)
	}
	f.persisted = seq
	return nil
}

// Status returns the follower's position.
func (f *Follower) Status() FollowerStatus {
	st := FollowerStatus{
		Stream: f.stream, Applied: f.applied.Load(), Last: f.last.Load(), First: f.first.Load(),
		CaughtUp: f.caughtUp.Load(), NeedSnapshot: f.needSnap.Load(), Failing: f.failing.Load(),
		Entries: f.entries.Load(), Undecodable: f.undec.Load(), ApplyErrors: f.applyErr.Load(), Stalls: f.stalls.Load(),
	}
	if st.Last > st.Applied {
		st.Lag = st.Last - st.Applied
	}
	return st
}

// Applied returns the last applied sequence.
func (f *Follower) Applied() uint64 { return f.applied.Load() }

// Run applies entries until ctx ends (it returns nil then), the node is
// closed (ErrClosed), or the entry after the last applied one is gone
// from the stream (a *GapError wrapping ErrNeedSnapshot): the node then
// restores a snapshot with [Node.RestoreSnapshot] and runs the follower
// again. A persisted cursor beyond the stream returns ErrCursorAhead.
// While the cluster has no quorum Run keeps asking, and the follower is
// not caught up.
func (f *Follower) Run(ctx context.Context) error {
	if !f.running.TryLock() {
		return errors.New("cluster: follower already running")
	}
	defer f.running.Unlock()
	defer f.caughtUp.Store(false)
	err := f.run(ctx)
	if f.applied.Load() != f.persisted {
		if werr := f.writeCursor(f.applied.Load()); werr != nil && err == nil {
			err = werr
		}
	}
	if errors.Is(err, ErrNeedSnapshot) {
		f.needSnap.Store(true)
	}
	if ctx.Err() != nil && !errors.Is(err, ErrNeedSnapshot) && !errors.Is(err, ErrCursorAhead) {
		return nil
	}
	return err
}

func (f *Follower) run(ctx context.Context) error {
	for ctx.Err() == nil {
		select {
		case <-f.n.closed:
			return ErrClosed
		default:
		}
		err := f.follow(ctx)
		if err == nil || ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrNeedSnapshot) || errors.Is(err, ErrCursorAhead) || errors.Is(err, ErrClosed) ||
			errors.Is(err, nats.ErrConnectionClosed) {
			if errors.Is(err, nats.ErrConnectionClosed) {
				return ErrClosed
			}
			return err
		}
		f.caughtUp.Store(false)
		if errors.Is(err, errConsumerStalled) {
			f.logger.Warn("following the stream: consumer stalled; making a new one", "err", err)
		} else {
			f.logger.Debug("following the stream failed; retrying", "err", err)
		}
		if waitOrDone(ctx, f.cfg.RetryWait) != nil {
			return nil
		}
	}
	return nil
}

// Check asks the stream whether the follower can go on from its last
// applied sequence: nil, a *GapError (ErrNeedSnapshot) when the entry
// after it is gone, ErrCursorAhead, or the error asking. A node checks
// before it opens its state, to restore a snapshot first if it must.
func (f *Follower) Check(ctx context.Context) error {
	_, err := f.check(ctx)
	return err
}

// check compares the last applied sequence with the stream's state.
func (f *Follower) check(ctx context.Context) (jetstream.Stream, error) {
	ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := f.n.js.Stream(ictx, f.stream)
	if err != nil {
		return nil, err
	}
	st := s.CachedInfo().State
	f.last.Store(st.LastSeq)
	f.first.Store(st.FirstSeq)
	applied := f.applied.Load()
	if applied > st.LastSeq {
		return nil, fmt.Errorf("cluster: stream %s: applied %d, stream ends at %d: %w", f.stream, applied, st.LastSeq, ErrCursorAhead)
	}
	if st.LastSeq > applied && st.FirstSeq > applied+1 {
		return nil, &GapError{Stream: f.stream, Applied: applied, First: st.FirstSeq}
	}
	f.caughtUp.Store(applied == st.LastSeq)
	return s, nil
}

// follow reads the stream from the entry after the last applied one
// until ctx ends or an error; the caller retries errors that pass.
func (f *Follower) follow(ctx context.Context) error {
	if _, err := f.check(ctx); err != nil {
		return err
	}
	// A plain ephemeral pull consumer without acks, from the entry after
	// the last applied one. Not the client's ordered consumer: it
	// recreates itself on failures by retrying without end and without a
	// context, and Run must stop when its ctx ends. Here a failure
	// returns, and run makes a new consumer from the last applied entry.
	applied := f.applied.Load()
	cc := jetstream.ConsumerConfig{
		Description:       "tidewatch follower " + f.n.cfg.Name,
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		AckPolicy:         jetstream.AckNonePolicy,
		InactiveThreshold: 30 * time.Second,
		MemoryStorage:     true,
		Replicas:          1,
	}
	if applied > 0 {
		cc.DeliverPolicy, cc.OptStartSeq = jetstream.DeliverByStartSequencePolicy, applied+1
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	cons, err := f.n.js.CreateConsumer(cctx, f.stream, cc)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		f.n.js.DeleteConsumer(dctx, f.stream, cons.CachedInfo().Name)
	}()
	stalled := 0 // idle fetches in a row while the stream holds more
	for ctx.Err() == nil {
		batch, err := cons.Fetch(f.cfg.FetchBatch, jetstream.FetchMaxWait(f.cfg.IdleWait))
		if err != nil {
			return err
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			md, err := msg.Metadata()
			if err != nil {
				return err
			}
			seq := md.Sequence.Stream
			applied := f.applied.Load()
			if seq <= applied {
				continue
			}
			if seq != applied+1 {
				// Gone from the stream, or lost on the way? check
				// answers with a GapError in the first case; in the
				// second a new consumer starts again after applied.
				if _, err := f.check(ctx); err != nil {
					return err
				}
				return fmt.Errorf("cluster: stream %s: got entry %d after %d", f.stream, seq, applied)
			}
			if err := f.applyOne(ctx, seq, msg.Data()); err != nil {
				return err
			}
			if l := seq + md.NumPending; l > f.last.Load() {
				f.last.Store(l)
			}
			caught := md.NumPending == 0
			f.caughtUp.Store(caught)
			if seq-f.persisted >= uint64(f.cfg.CursorEvery) || caught {
				if err := f.writeCursor(seq); err != nil {
					return err
				}
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		if got == 0 {
			// Idle: the stream may still have moved on without us (our
			// server cut off from the leader); ask it.
			if f.applied.Load() != f.persisted {
				if err := f.writeCursor(f.applied.Load()); err != nil {
					return err
				}
			}
			if _, err := f.check(ctx); err != nil {
				return err
			}
			// The stream holds entries the consumer does not deliver:
			// it is gone (with the server that held it: an R1
			// consumer is placed on any replica) or stuck on a
			// replica that is behind. Make a new one; without this
			// the follower would wait until the retention took the
			// entries away.
			if applied := f.applied.Load(); f.last.Load() > applied {
				if stalled++; stalled >= stallFetches {
					f.stalls.Add(1)
					return fmt.Errorf("cluster: stream %s: %w: %d idle fetches while entry %d is in the stream; making a new consumer",
						f.stream, errConsumerStalled, stalled, applied+1)
				}
			} else {
				stalled = 0
			}
		} else {
			stalled = 0
		}
	}
	return nil
}

// stallFetches is how many idle fetches in a row, while the stream holds
// the next entry, make a follower give its consumer up for a new one.
const stallFetches = 3

// errConsumerStalled: the follower's consumer delivers nothing although
// the stream holds the next entry.
var errConsumerStalled = errors.New("consumer delivers nothing")

// applyOne applies one entry, retrying a failing Apply until it succeeds
// or ctx ends. An entry that does not decode is skipped and counted.
func (f *Follower) applyOne(ctx context.Context, seq uint64, data []byte) error {
	for {
		err := f.apply(seq, data)
		if err == nil {
			f.failing.Store(false)
			f.entries.Add(1)
			f.applied.Store(seq)
			return nil
		}
		if _, ok := errors.AsType[*DecodeError](err); ok {
			f.undec.Add(1)
			f.logger.Warn("skipping an entry that does not decode", "seq", seq, "err", err)
			f.applied.Store(seq)
			return nil
		}
		f.applyErr.Add(1)
		if !f.failing.Swap(true) {
			f.logger.Warn("applying an entry failed; retrying", "seq", seq, "err", err)
		}
		if werr := waitOrDone(ctx, f.cfg.RetryWait); werr != nil {
			return werr
		}
	}
}
