package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// SnapshotSource is the state machine of a node that serves snapshots to
// peers that were away longer than the stream's retention.
type SnapshotSource interface {
	// Snapshot writes the whole state to w and returns the sequence of
	// the last entry it includes. It must be consistent: every entry up
	// to seq and none after it.
	Snapshot(w io.Writer) (seq uint64, err error)
}

// Restorer is the state machine of a node that restores a snapshot.
type Restorer interface {
	// Restore replaces the whole state with the snapshot read from r,
	// which holds every entry up to seq. It returns once the new state is
	// durable.
	Restore(r io.Reader, seq uint64) error
}

// SnapshotBucket is the object store bucket snapshots travel through.
const SnapshotBucket = "tidewatch-snapshots"

const (
	snapshotSubject = "tidewatch.snapshot" // .<stream>
	snapshotTTL     = 25 * time.Hour       // above the default retention and the longest sane schedule
	seqKey          = "seq"
	// askTimeout bounds the wait for a peer to take a snapshot request,
	// and then for each sign that it still works on it (workingHeader),
	// before a restorer takes the newest one stored (a scheduled one).
	askTimeout = 30 * time.Second
	// workingHeader, set in a request, asks the peer that takes it to
	// say so at once and then every workingEvery while it makes the
	// snapshot (messages with the header set and no data, before the
	// answer): the restorer then waits for a busy peer as long as it
	// works, and no longer than askTimeout after it went silent. A peer
	// of an earlier version ignores the header and answers once.
	workingHeader = "Tidewatch-Snapshot-Working"
	workingEvery  = 5 * time.Second
	// refusedPrefix begins the answer of a peer that restores a snapshot
	// itself: its state is behind the log's retention, so a snapshot of
	// it is of no use (and a node recovering while it runs still serves
	// in the queue group: it would answer its own request). The asker
	// asks again, at most maxRefusals times in one attempt; the queue
	// group picks a member anew each time. A peer of an earlier version
	// reads the answer as an error and retries later.
	refusedPrefix = "error: restoring: "
	maxRefusals   = 32
)

// SnapshotStats counts a snapshot server's work.
type SnapshotStats struct {
	Served    uint64 // snapshots written to the bucket on request
	Failed    uint64 // requests answered with an error, and scheduled snapshots that failed
	Dropped   uint64 // requests dropped because the queue was full
	Scheduled uint64 // snapshots written to the bucket on the schedule (SnapshotServer.Every)
	Pruned    uint64 // this node's older snapshots deleted from the bucket
	Refused   uint64 // requests refused at once while this node restored a snapshot itself
}

// SnapshotServer answers peers' snapshot requests for one stream: it
// writes src's snapshot to a file under Dir/cluster, puts it into the
// replicated object store (bucket SnapshotBucket) and replies with the
// object's name. Requests queue (at most 4; more are dropped and
// counted: the peer asks again) and are served one at a time.
//
// Each snapshot is an object of its own, named for the entry it is at,
// <stream>/<node>/<seq> (the sequence also in its metadata): a snapshot
// is never replaced while a peer may read it. The object store writes an
// object's chunks first and its name (its metadata) last, so a name
// that can be read names a whole object; a put that fails (the client
// may have stored the name with the chunks it then purges) has its name
// deleted again. A put has a minute and 5 s per MiB. A snapshot at the entry of the
// last one is not written again (the name is answered); after a new one
// is stored, this node's older ones are deleted, but for the previous
// one and any younger than 5 minutes, which a peer may still be reading
// (and the bucket's TTL, 25 hours, removes what a failed delete left).
//
// With Every set it also writes a snapshot on that schedule (the first
// one Every after Run starts), so that the bucket always holds a recent
// one: a node past the retention whose request no peer takes within 30
// seconds (every peer busy with another, or catching up itself), or
// whose peer goes silent for 30 seconds, restores the newest stored one
// instead (RestoreSnapshot). A peer that takes a
// request says so at once and every 5 seconds while it makes the
// snapshot: the requester waits for it as long as it works, rather than
// giving up after 30 seconds and asking again, which would set another
// peer making one too.
type SnapshotServer struct {
	n      *Node
	stream string
	src    SnapshotSource
	// Every is the schedule of snapshots made without a request; 0 makes
	// them on request only. Set it before Run.
	Every time.Duration

	served, failed, dropped, scheduled, pruned, refused atomic.Uint64

	// pruneAfter is how old a snapshot other than the newest two must be
	// before it is deleted: a peer may be reading it. 0 means 5 minutes.
	pruneAfter time.Duration
	// workingEvery is how often a requester hears that its snapshot is
	// being made; 0 means workingEvery.
	workingEvery time.Duration

	last string // the name of the last snapshot stored; owned by Run
}

// SnapshotServer returns a server of src's snapshots of stream
// (IngestStream or ControlStream). Run it in the node's run group.
func (n *Node) SnapshotServer(stream string, src SnapshotSource) *SnapshotServer {
	return &SnapshotServer{n: n, stream: stream, src: src}
}

// Stats returns the server's counters.
func (s *SnapshotServer) Stats() SnapshotStats {
	return SnapshotStats{Served: s.served.Load(), Failed: s.failed.Load(), Dropped: s.dropped.Load(),
		Scheduled: s.scheduled.Load(), Pruned: s.pruned.Load(), Refused: s.refused.Load()}
}

func (n *Node) snapshotBucket(ctx context.Context) (jetstream.ObjectStore, error) {
	return n.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: SnapshotBucket, Description: "tidewatch state snapshots for nodes past the retention",
		TTL: snapshotTTL, Storage: jetstream.FileStorage, Replicas: n.cfg.Replicas,
	})
}

// SnapshotName is the object name of a node's snapshot of stream at
// entry seq.
func SnapshotName(stream, node string, seq uint64) string {
	return fmt.Sprintf("%s/%s/%d", stream, node, seq)
}

// Run serves requests until ctx ends.
func (s *SnapshotServer) Run(ctx context.Context) error {
	reqs := make(chan *nats.Msg, 4)
	sub, err := s.n.nc.QueueSubscribeSyncWithChan(snapshotSubject+"."+s.stream, "snapshot", reqs)
	if err != nil {
		return fmt.Errorf("cluster: snapshot server: %w", err)
	}
	defer sub.Unsubscribe()
	var tick <-chan time.Time
	if s.Every > 0 {
		t := time.NewTicker(s.Every)
		defer t.Stop()
		tick = t.C
	}
	// A full channel makes the client library drop the request (a slow
	// consumer); count what it dropped.
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.n.closed:
			return ErrClosed
		case <-tick:
			if _, err := s.serve(ctx); err != nil {
				if ctx.Err() != nil {
					return nil // stopped in the middle of it
				}
				s.failed.Add(1)
				s.n.logger.Warn("cluster: scheduled snapshot", "stream", s.stream, "err", err)
				continue
			}
			s.scheduled.Add(1)
		case m := <-reqs:
			if d, err := sub.Dropped(); err == nil && uint64(d) > s.dropped.Load() {
				s.dropped.Store(uint64(d))
			}
			if s.refuse(m) {
				continue
			}
			stop := s.working(m)
			name, err := s.serve(ctx)
			stop()
			if err != nil {
				s.failed.Add(1)
				m.Respond([]byte("error: " + err.Error()))
				continue
			}
			s.served.Add(1)
			m.Respond([]byte(name))
		}
	}
}

// refuse answers m at once, without a snapshot, while this node
// restores one itself (refusedPrefix), and reports whether it did.
func (s *SnapshotServer) refuse(m *nats.Msg) bool {
	if !s.n.restoring.Load() {
		return false
	}
	s.refused.Add(1)
	m.Respond([]byte(refusedPrefix + s.n.cfg.Name + " restores a snapshot itself"))
	return true
}

// working tells the requester of m, when it asked to know
// (workingHeader), that its snapshot is being made: at once and then
// every workingEvery until stop is called.
func (s *SnapshotServer) working(m *nats.Msg) (stop func()) {
	if m.Reply == "" || m.Header.Get(workingHeader) == "" {
		return func() {}
	}
	say := func() {
		w := nats.NewMsg(m.Reply)
		w.Header.Set(workingHeader, s.n.cfg.Name)
		s.n.nc.PublishMsg(w) // lost: the requester asks again
	}
	say()
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		every := s.workingEvery
		if every == 0 {
			every = workingEvery
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				say()
			}
		}
	}()
	return func() { close(done); <-exited }
}

func (s *SnapshotServer) serve(ctx context.Context) (string, error) {
	f, err := os.CreateTemp(s.n.cfg.dir(), "snapshot-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	seq, err := s.src.Snapshot(f)
	if err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	obs, err := s.n.snapshotBucket(ctx)
	if err != nil {
		return "", err
	}
	name := SnapshotName(s.stream, s.n.cfg.Name, seq)
	if name == s.last {
		// The same entry as the last one: that object is this snapshot.
		if info, err := obs.GetInfo(ctx, name); err == nil && !info.Deleted {
			return name, nil
		}
	}
	// The put has a deadline of its own: without one, the client gives
	// each chunk's acknowledgement 5 s, which a loaded cluster misses,
	// and the put fails after its name may already be stored.
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	pctx, cancel := context.WithTimeout(ctx, putTimeout(st.Size()))
	defer cancel()
	_, err = obs.Put(pctx, jetstream.ObjectMeta{Name: name, Metadata: map[string]string{seqKey: strconv.FormatUint(seq, 10)}}, f)
	if err != nil {
		// The client publishes the name with the chunks and, on a
		// failure, purges the chunks: a name stored meanwhile would name
		// a partial object, which a restorer taking the newest stored
		// would read again and again (digests do not match). Delete it.
		dctx, cancel := context.WithTimeout(ctx, askTimeout)
		defer cancel()
		if derr := obs.Delete(dctx, name); derr != nil && !errors.Is(derr, jetstream.ErrObjectNotFound) {
			s.n.logger.Warn("cluster: deleting a snapshot whose put failed", "object", name, "err", derr)
		}
		return "", err
	}
	prev := s.last
	s.last = name
	s.prune(ctx, obs, name, prev)
	return name, nil
}

// putTimeout bounds the put of a snapshot of size bytes into the object
// store: a minute, and 5 s per MiB.
func putTimeout(size int64) time.Duration {
	return time.Minute + time.Duration(size>>20)*5*time.Second
}

// prune deletes this node's snapshots of the stream but keep and prev
// and those younger than pruneAfter (and snapshots named the old way,
// <stream>/<node>, replaced in place). A failure is logged: the bucket's
// TTL removes what stays.
func (s *SnapshotServer) prune(ctx context.Context, obs jetstream.ObjectStore, keep, prev string) {
	list, err := obs.List(ctx)
	if err != nil {
		if !errors.Is(err, jetstream.ErrNoObjectsFound) {
			s.n.logger.Warn("cluster: listing snapshots to prune", "stream", s.stream, "err", err)
		}
		return
	}
	after := s.pruneAfter
	if after == 0 {
		after = 5 * time.Minute
	}
	mine := s.stream + "/" + s.n.cfg.Name
	for _, info := range list {
		if info.Deleted || info.Name == keep || info.Name == prev || !strings.HasPrefix(info.Name, mine+"/") && info.Name != mine ||
			time.Since(info.ModTime) < after {
			continue
		}
		if err := obs.Delete(ctx, info.Name); err != nil {
			s.n.logger.Warn("cluster: pruning a snapshot", "object", info.Name, "err", err)
			continue
		}
		s.pruned.Add(1)
	}
}

// RestoreStatus is how a node's snapshot restores went, for /readyz and
// the metrics.
type RestoreStatus struct {
	Restoring bool   // a restore is under way (RestoreSnapshotRetry)
	Attempts  uint64 // restore attempts since the node started
	Failures  uint64 // attempts that failed (each retried)
	Restored  uint64 // snapshots restored
	LastErr   string // the last failure's message, "" after a success
}

// RestoreStatus returns how the node's snapshot restores went.
func (n *Node) RestoreStatus() RestoreStatus {
	st := RestoreStatus{Restoring: n.restoring.Load(), Attempts: n.restoreAttempts.Load(),
		Failures: n.restoreFailures.Load(), Restored: n.restored.Load()}
	if p := n.restoreErr.Load(); p != nil {
		st.LastErr = *p
	}
	return st
}

// CarryRestoreStatus adds the restore counters of an earlier Node of
// this process to n's: a node reopened in-process to install a snapshot
// keeps counting where the one it replaces stopped.
func (n *Node) CarryRestoreStatus(prev RestoreStatus) {
	n.restoreAttempts.Add(prev.Attempts)
	n.restoreFailures.Add(prev.Failures)
	n.restored.Add(prev.Restored)
	if prev.LastErr != "" && n.restoreErr.Load() == nil {
		msg := prev.LastErr
		n.restoreErr.Store(&msg)
	}
}

// RestoreRetry configures RestoreSnapshotRetry. The zero value is usable.
type RestoreRetry struct {
	// Attempt bounds one attempt (asking, fetching, restoring); 0 means 5
	// minutes. A fetch that makes no progress for 30 seconds ends its
	// attempt sooner.
	Attempt time.Duration
	// MinWait and MaxWait bound the wait between attempts, which doubles
	// after each failure; 0 means 1s and 30s.
	MinWait, MaxWait time.Duration
	// LogEvery is the least time between two logged failures (the others
	// are counted, and the next logged one says how many); 0 means 30s.
	LogEvery time.Duration
}

// RestoreSnapshotRetry restores a snapshot as RestoreSnapshot does,
// retrying with backoff until an attempt succeeds or ctx ends. Every
// failure is counted (RestoreStatus) and logged, at most once per
// LogEvery. A snapshot already older than the stream's first entry (a
// *GapError) is asked for again like any other failure.
func (n *Node) RestoreSnapshotRetry(ctx context.Context, f *Follower, r Restorer, cfg RestoreRetry) error {
	if cfg.Attempt <= 0 {
		cfg.Attempt = 5 * time.Minute
	}
	if cfg.MinWait <= 0 {
		cfg.MinWait = time.Second
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 30 * time.Second
	}
	if cfg.LogEvery <= 0 {
		cfg.LogEvery = 30 * time.Second
	}
	n.restoring.Store(true)
	defer n.restoring.Store(false)
	wait := cfg.MinWait
	var logged time.Time
	var quiet uint64
	for {
		n.restoreAttempts.Add(1)
		actx, cancel := context.WithTimeout(ctx, cfg.Attempt)
		err := n.RestoreSnapshot(actx, f, r)
		cancel()
		if err == nil {
			n.restored.Add(1)
			n.restoreErr.Store(nil)
			n.logger.Info("cluster: snapshot restored", "stream", f.stream, "seq", f.Applied(), "attempts_failed", n.restoreFailures.Load())
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("cluster: no snapshot of %s restored: %w", f.stream, errors.Join(ctx.Err(), err))
		}
		n.restoreFailures.Add(1)
		msg := err.Error()
		n.restoreErr.Store(&msg)
		if time.Since(logged) >= cfg.LogEvery {
			n.logger.Warn("cluster: restoring a snapshot failed; retrying", "stream", f.stream, "err", err,
				"retry_in", wait, "failures", n.restoreFailures.Load(), "not_logged", quiet)
			logged, quiet = time.Now(), 0
		} else {
			quiet++
		}
		if werr := waitOrDone(ctx, wait); werr != nil {
			return fmt.Errorf("cluster: no snapshot of %s restored: %w", f.stream, errors.Join(werr, err))
		}
		wait = min(2*wait, cfg.MaxWait)
	}
}

// RestoreSnapshot asks a peer for a snapshot of f's stream (any node
// running a SnapshotServer for it answers), restores it with r and sets
// f's last applied sequence to the snapshot's, so that f's next Run
// catches up from there. f must not be running. It fails with
// ErrNoSnapshot when no peer answers before ctx ends and none is stored,
// with a *GapError when the snapshot is already older than the stream's
// first entry, and with the object store's error when the object cannot
// be read whole (its digest checked): ask again (RestoreSnapshotRetry
// does).
//
// This node's own replica of the bucket may be behind (it was away): the
// object a peer names is looked up until it appears, and a fetch that
// ends short (a consumer on a replica not yet current) or stalls fails
// the attempt rather than restoring a partial snapshot.
func (n *Node) RestoreSnapshot(ctx context.Context, f *Follower, r Restorer) error {
	if !f.running.TryLock() {
		return errors.New("cluster: restore a snapshot while the follower runs")
	}
	defer f.running.Unlock()
	name, err := n.askSnapshot(ctx, f.stream, askTimeout)
	// The bucket is asked within a bound: JetStream may not answer yet
	// (no meta leader), and the caller asks again.
	bctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	obs, berr := n.snapshotBucket(bctx)
	if berr != nil {
		return fmt.Errorf("cluster: snapshot of %s: %w", f.stream, errors.Join(err, berr))
	}
	if err != nil {
		// No peer made one: the newest stored (a scheduled one), if any.
		stored, serr := newestSnapshot(bctx, obs, f.stream)
		if serr != nil {
			return fmt.Errorf("cluster: snapshot of %s: %w: %w", f.stream, ErrNoSnapshot, err)
		}
		n.logger.Info("cluster: no peer made a snapshot; restoring the newest stored", "stream", f.stream, "object", stored, "err", err)
		name = stored
	}
	info, err := objectInfo(bctx, obs, name)
	if err != nil {
		return fmt.Errorf("cluster: snapshot %s: %w", name, err)
	}
	seq, err := strconv.ParseUint(info.Metadata[seqKey], 10, 64)
	if err != nil {
		return fmt.Errorf("cluster: snapshot %s: %w: sequence %q", name, ErrCorrupt, info.Metadata[seqKey])
	}
	st, err := n.js.Stream(bctx, f.stream)
	if err != nil {
		return fmt.Errorf("cluster: snapshot of %s: %w", f.stream, err)
	}
	if state := st.CachedInfo().State; state.LastSeq > seq && state.FirstSeq > seq+1 {
		return &GapError{Stream: f.stream, Applied: seq, First: state.FirstSeq}
	}
	// Fetch the whole object first: the object store checks its digest
	// at the end, and Restore must see only a verified snapshot.
	tmp, err := os.CreateTemp(n.cfg.dir(), "restore-*.tmp")
	if err != nil {
		return fmt.Errorf("cluster: snapshot %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	err = fetchObject(ctx, obs, info, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cluster: snapshot %s: %w", name, err)
	}
	file, err := os.Open(tmp.Name())
	if err != nil {
		return fmt.Errorf("cluster: snapshot %s: %w", name, err)
	}
	defer file.Close()
	if err := r.Restore(file, seq); err != nil {
		return fmt.Errorf("cluster: restore snapshot %s at %d: %w", name, seq, err)
	}
	if err := f.writeCursor(seq); err != nil {
		return err
	}
	f.applied.Store(seq)
	f.needSnap.Store(false)
	return nil
}

// askSnapshot asks a peer for a snapshot of stream and returns the name
// of the object it stored. It waits up to patience for a peer to take
// the request, then as long as that peer says it works on it
// (workingHeader) and no longer than patience after its last word. It
// fails at once when no peer serves snapshots (nats.ErrNoResponders),
// and with the peer's error when it answers one. A peer that restores a
// snapshot itself (refusedPrefix) is asked past: the request goes out
// again.
func (n *Node) askSnapshot(ctx context.Context, stream string, patience time.Duration) (string, error) {
	inbox := n.nc.NewRespInbox()
	sub, err := n.nc.SubscribeSync(inbox)
	if err != nil {
		return "", err
	}
	defer sub.Unsubscribe()
	req := nats.NewMsg(snapshotSubject + "." + stream)
	req.Reply = inbox
	req.Header.Set(workingHeader, n.cfg.Name)
	if err := n.nc.PublishMsg(req); err != nil {
		return "", err
	}
	peer, refusals := "", 0
	for {
		wctx, cancel := context.WithTimeout(ctx, patience)
		m, err := sub.NextMsgWithContext(wctx)
		cancel()
		switch {
		case err != nil && peer != "" && ctx.Err() == nil:
			return "", fmt.Errorf("peer %s went silent making the snapshot: %w", peer, err)
		case err != nil:
			return "", err
		case m.Header.Get("Status") == "503" && len(m.Data) == 0:
			return "", nats.ErrNoResponders
		case m.Header.Get(workingHeader) != "":
			peer = m.Header.Get(workingHeader)
			continue
		}
		name := string(m.Data)
		if msg, ok := strings.CutPrefix(name, refusedPrefix); ok {
			if refusals++; refusals >= maxRefusals {
				return "", fmt.Errorf("peer: %s (%d peers asked in a row restore a snapshot themselves)", msg, refusals)
			}
			peer = ""
			if err := n.nc.PublishMsg(req); err != nil {
				return "", err
			}
			continue
		}
		if msg, ok := strings.CutPrefix(name, "error: "); ok {
			return "", fmt.Errorf("peer: %s", msg)
		}
		return name, nil
	}
}

// objectInfo looks name up until it is found or ctx ends: a peer names
// an object once it is stored, but this node's replica of the bucket,
// which may answer the lookup, can be behind (not found), or not answer
// yet (no responders, a timeout) after the node started.
func objectInfo(ctx context.Context, obs jetstream.ObjectStore, name string) (*jetstream.ObjectInfo, error) {
	for {
		info, err := obs.GetInfo(ctx, name)
		if err == nil && !info.Deleted {
			return info, nil
		}
		if err == nil {
			err = jetstream.ErrObjectNotFound
		}
		if werr := waitOrDone(ctx, 250*time.Millisecond); werr != nil {
			return nil, fmt.Errorf("%w (asked until: %w)", err, werr)
		}
	}
}

// fetchObject reads the object of info whole into w. The object store
// checks the digest at the end; the size is checked here too. The read
// is bounded (15 s, and a second per MiB): the cluster may place the
// read's consumer on a replica that does not hold the chunks yet (this
// node's own, behind after it was away), and the read would wait for
// them; the caller asks again.
func fetchObject(ctx context.Context, obs jetstream.ObjectStore, info *jetstream.ObjectInfo, w io.Writer) error {
	// The object store ends a read at its context's deadline (5 s
	// without one), each Read waiting for data until then.
	fctx, cancel := context.WithTimeout(ctx, 15*time.Second+time.Duration(info.Size>>20)*time.Second)
	defer cancel()
	res, err := obs.Get(fctx, info.Name)
	if err != nil {
		return err
	}
	defer res.Close()
	got, err := io.Copy(w, res)
	if err != nil && got == 0 && fctx.Err() != nil {
		return fmt.Errorf("%w: %w", errNoChunks, err)
	}
	if err != nil {
		return fmt.Errorf("after %d of %d bytes: %w", got, info.Size, err)
	}
	if uint64(got) != info.Size {
		return fmt.Errorf("%w: %d of %d bytes", jetstream.ErrDigestMismatch, got, info.Size)
	}
	return nil
}

// errNoChunks: a snapshot's read got none of its chunks in time (its
// consumer on a replica that does not hold them yet).
var errNoChunks = errors.New("cluster: no chunk of the snapshot arrived")

// newestSnapshot is the name of the stored snapshot of stream with the
// highest sequence.
func newestSnapshot(ctx context.Context, obs jetstream.ObjectStore, stream string) (string, error) {
	list, err := obs.List(ctx)
	if err != nil {
		return "", err
	}
	var best string
	var bestSeq uint64
	for _, info := range list {
		if !strings.HasPrefix(info.Name, stream+"/") || info.Deleted {
			continue
		}
		seq, err := strconv.ParseUint(info.Metadata[seqKey], 10, 64)
		if err == nil && seq > bestSeq {
			best, bestSeq = info.Name, seq
		}
	}
	if best == "" {
		return "", ErrNoSnapshot
	}
	return best, nil
}
