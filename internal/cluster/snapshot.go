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
	// askTimeout bounds the wait for a peer to make a snapshot before a
	// restorer takes the newest one stored (a scheduled one).
	askTimeout = 30 * time.Second
)

// SnapshotStats counts a snapshot server's work.
type SnapshotStats struct {
	Served    uint64 // snapshots written to the bucket on request
	Failed    uint64 // requests answered with an error, and scheduled snapshots that failed
	Dropped   uint64 // requests dropped because the queue was full
	Scheduled uint64 // snapshots written to the bucket on the schedule (SnapshotServer.Every)
}

// SnapshotServer answers peers' snapshot requests for one stream: it
// writes src's snapshot to a file under Dir/cluster, puts it into the
// replicated object store (bucket SnapshotBucket, object
// <stream>/<node>, the sequence in its metadata) and replies with the
// object's name. Requests queue (at most 4; more are dropped and
// counted: the peer asks again) and are served one at a time.
//
// With Every set it also writes a snapshot on that schedule (the first
// one Every after Run starts), so that the bucket always holds a recent
// one: a node past the retention whose request no peer answers within
// 30 seconds (every peer busy, or catching up itself) restores the
// newest stored one instead (RestoreSnapshot).
type SnapshotServer struct {
	n      *Node
	stream string
	src    SnapshotSource
	// Every is the schedule of snapshots made without a request; 0 makes
	// them on request only. Set it before Run.
	Every time.Duration

	served, failed, dropped, scheduled atomic.Uint64
}

// SnapshotServer returns a server of src's snapshots of stream
// (IngestStream or ControlStream). Run it in the node's run group.
func (n *Node) SnapshotServer(stream string, src SnapshotSource) *SnapshotServer {
	return &SnapshotServer{n: n, stream: stream, src: src}
}

// Stats returns the server's counters.
func (s *SnapshotServer) Stats() SnapshotStats {
	return SnapshotStats{Served: s.served.Load(), Failed: s.failed.Load(), Dropped: s.dropped.Load(), Scheduled: s.scheduled.Load()}
}

func (n *Node) snapshotBucket(ctx context.Context) (jetstream.ObjectStore, error) {
	return n.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: SnapshotBucket, Description: "tidewatch state snapshots for nodes past the retention",
		TTL: snapshotTTL, Storage: jetstream.FileStorage, Replicas: n.cfg.Replicas,
	})
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
			name, err := s.serve(ctx)
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
	name := s.stream + "/" + s.n.cfg.Name
	_, err = obs.Put(ctx, jetstream.ObjectMeta{Name: name, Metadata: map[string]string{seqKey: strconv.FormatUint(seq, 10)}}, f)
	if err != nil {
		return "", err
	}
	return name, nil
}

// RestoreSnapshot asks a peer for a snapshot of f's stream (any node
// running a SnapshotServer for it answers), restores it with r and sets
// f's last applied sequence to the snapshot's, so that f's next Run
// catches up from there. f must not be running. It fails with
// ErrNoSnapshot when no peer answers before ctx ends, and with a
// *GapError when the snapshot is already older than the stream's first
// entry (ask again).
func (n *Node) RestoreSnapshot(ctx context.Context, f *Follower, r Restorer) error {
	if !f.running.TryLock() {
		return errors.New("cluster: restore a snapshot while the follower runs")
	}
	defer f.running.Unlock()
	actx, cancel := context.WithTimeout(ctx, askTimeout)
	reply, err := n.nc.RequestWithContext(actx, snapshotSubject+"."+f.stream, nil)
	cancel()
	var name string
	if err == nil {
		name = string(reply.Data)
		if msg, ok := strings.CutPrefix(name, "error: "); ok {
			err = fmt.Errorf("peer: %s", msg)
		}
	}
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
	info, err := obs.GetInfo(ctx, name)
	if err != nil {
		return fmt.Errorf("cluster: snapshot %s: %w", name, err)
	}
	seq, err := strconv.ParseUint(info.Metadata[seqKey], 10, 64)
	if err != nil {
		return fmt.Errorf("cluster: snapshot %s: %w: sequence %q", name, ErrCorrupt, info.Metadata[seqKey])
	}
	st, err := n.js.Stream(ctx, f.stream)
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
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := obs.GetFile(ctx, name, tmp.Name()); err != nil {
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
