package server

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/store"
)

// Snapshots for a node that was away longer than the ingest log's
// retention. A node serves them (cluster.SnapshotServer, on request
// through the object store): Snapshot pauses the pipeline for a moment,
// commits, takes the picture's state and a checkpoint of the store
// (store.Checkpoint: the head flushed, the blocks linked) at one entry,
// and writes them as a tar stream:
//
//	state              the cluster state file (cluster_state.go) at the entry
//	store/TIDEWATCH, store/MANIFEST, store/APPLIED, store/blocks/*.blk
//	events.state       event detection's state at the entry (cluster_events.go)
//	events.jsonl       the event log with every event up to the entry
//	contacts…          the contact tracker's (cluster_sensors.go)
//
// Event detection runs on its own goroutine behind the pipeline: its
// state is taken there with a Fanout.Call queued right after the entry's
// results (and its time tick, in the same pipeline turn as the entry),
// so it is the engine exactly after the entry; the snapshot waits for
// it. A snapshot of a peer without it (an earlier version) still
// installs: the node's detectors then start empty (logged).
//
// A node installs one at start, before its store opens (a running store
// cannot be swapped under the API): openClusterEarly finds that the
// stream's first entry is beyond its state's, asks a peer
// (cluster.Node.RestoreSnapshot), unpacks the snapshot into
// <data>/cluster/restore, moves its own store aside into
// <data>/cluster/replaced-<entry> (kept for the operator, never read
// again), moves the snapshot's store in (store.Replace) and its state
// file last. The node then opens the store and the state as after any
// restart, and follows the log from the snapshot's entry.
const (
	snapshotStateName    = "state"
	snapshotEventsName   = "events.state" // event detection's (cluster_events.go)
	snapshotEventLogName = eventsFile     // the event log at the entry
	snapshotStoreDir     = "store"
	// maxSnapshotFile bounds one file of a snapshot being unpacked.
	maxSnapshotFile = 64 << 30
)

// Snapshot writes the node's state (picture, store, applied entry) to w
// and returns the entry it is at: a cluster.SnapshotSource.
func (m *clusterMember) Snapshot(w io.Writer) (uint64, error) {
	tmp, err := os.MkdirTemp(filepath.Join(m.dir, "cluster"), "checkpoint-")
	if err != nil {
		return 0, fmt.Errorf("server: snapshot: %w", err)
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var seq uint64
	var state []byte
	var ferr error
	var extra []snapshotFile // the contact tracker's (cluster_sensors.go) and event detection's
	var evCh <-chan eventsSnap
	err = m.pipe.Do(ctx, func() {
		if ferr = m.core.Commit(); ferr != nil {
			return
		}
		committed, settled := m.rec.Marked()
		pos := m.picSeq
		if committed > 0 {
			pos = committed
		}
		if !settled || pos < m.replayTo {
			ferr = errors.New("server: snapshot: this node is still catching up its picture")
			return
		}
		if ferr = m.db.Checkpoint(filepath.Join(tmp, snapshotStoreDir)); ferr != nil {
			return
		}
		seq, state = pos, m.pic.AppendState(nil)
		if extra, ferr = m.snapshotContacts(seq); ferr != nil {
			return
		}
		evCh = m.snapshotEvents(seq)
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return 0, fmt.Errorf("server: snapshot: %w", err)
	}
	if evCh != nil {
		// detection takes its state once it has worked through the
		// entries up to seq (its queue), while the pipeline goes on
		select {
		case r := <-evCh:
			if r.err != nil {
				return 0, fmt.Errorf("server: snapshot: event detection: %w", r.err)
			}
			extra = append(extra, snapshotFile{name: snapshotEventsName, data: encodeEventsState(r.st)},
				snapshotFile{name: snapshotEventLogName, data: r.log})
		case <-ctx.Done():
			return 0, fmt.Errorf("server: snapshot: event detection did not answer: %w", ctx.Err())
		}
	}
	tw := tar.NewWriter(w)
	data := encodeClusterState(seq, state)
	if err := tw.WriteHeader(&tar.Header{Name: snapshotStateName, Mode: 0o600, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		return 0, err
	}
	if _, err := tw.Write(data); err != nil {
		return 0, err
	}
	err = filepath.WalkDir(filepath.Join(tmp, snapshotStoreDir), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(tmp, path)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o600, Size: st.Size(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		return err
	})
	if err == nil {
		err = writeSnapshotFiles(tw, extra)
	}
	if err != nil {
		return 0, fmt.Errorf("server: snapshot: %w", err)
	}
	if err := tw.Close(); err != nil {
		return 0, fmt.Errorf("server: snapshot: %w", err)
	}
	return seq, nil
}

// snapshotInstaller installs a peer's snapshot into a node's data
// directory before its store opens: a cluster.Restorer. With stageOnly
// (a running node, whose store is open) it unpacks and checks the
// snapshot into <data>/cluster/restore and stops there; the node then
// reopens itself and installs the staged snapshot (installStaged) before
// its store opens, without fetching it again.
type snapshotInstaller struct {
	data      string
	log       interface{ Info(string, ...any) }
	stageOnly bool
	hold      func() // tests: runs when a snapshot arrives, before it is unpacked
}

// stagedName marks a snapshot unpacked and checked whole in the staging
// directory: it holds the snapshot's entry, and is written last.
const stagedName = "STAGED"

func (s *snapshotInstaller) staging() string { return filepath.Join(s.data, "cluster", "restore") }

// Restore unpacks the snapshot of entry seq and installs it (or only
// stages it, with stageOnly).
func (s *snapshotInstaller) Restore(r io.Reader, seq uint64) error {
	if s.hold != nil {
		s.hold()
	}
	files, err := s.stage(r, seq)
	if err != nil {
		return err
	}
	if s.stageOnly {
		s.log.Info("cluster: staged a snapshot", "seq", seq, "files", files)
		return nil
	}
	return s.install(seq, files)
}

// stage unpacks the snapshot of entry seq into the staging directory,
// checks its state, and marks it staged.
func (s *snapshotInstaller) stage(r io.Reader, seq uint64) (int, error) {
	staging := s.staging()
	if err := os.RemoveAll(staging); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(staging, 0o700); err != nil {
		return 0, err
	}
	tr := tar.NewReader(r)
	files := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("server: snapshot: %w", err)
		}
		name := filepath.FromSlash(h.Name)
		if h.Typeflag != tar.TypeReg || !filepath.IsLocal(name) || h.Size < 0 || h.Size > maxSnapshotFile ||
			name != snapshotStateName && name != snapshotEventsName && name != snapshotEventLogName && !strings.HasPrefix(name, snapshotStoreDir+string(filepath.Separator)) && !isContactsSnapshotFile(name) {
			return 0, fmt.Errorf("server: snapshot: %w: unexpected entry %q", ErrClusterState, h.Name)
		}
		path := filepath.Join(staging, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return 0, err
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return 0, err
		}
		_, err = io.CopyN(f, tr, h.Size)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, fmt.Errorf("server: snapshot: %w", err)
		}
		files++
	}
	if _, err := s.checkStaged(seq); err != nil {
		return 0, err
	}
	mark := fmt.Appendf(nil, "%d %d\n", seq, files)
	if err := record.WriteFileAtomic(record.OSFS{}, filepath.Join(staging, stagedName), mark, 0o600); err != nil {
		return 0, err
	}
	return files, nil
}

// checkStaged checks the staged state: it decodes, it is at entry seq,
// and the picture loads. It returns the state file's bytes.
func (s *snapshotInstaller) checkStaged(seq uint64) ([]byte, error) {
	state, err := os.ReadFile(filepath.Join(s.staging(), snapshotStateName))
	if err != nil {
		return nil, fmt.Errorf("server: snapshot: %w: no state", ErrClusterState)
	}
	sseq, pic, err := decodeClusterState(state)
	if err != nil {
		return nil, fmt.Errorf("server: snapshot: %w", err)
	}
	if sseq != seq {
		return nil, fmt.Errorf("server: snapshot: %w: state at entry %d, the snapshot says %d", ErrClusterState, sseq, seq)
	}
	if err := fusion.NewPicture(fusion.Config{}).LoadState(pic); err != nil {
		return nil, fmt.Errorf("server: snapshot: %w: %w", ErrClusterState, err)
	}
	if ev, err := os.ReadFile(filepath.Join(s.staging(), snapshotEventsName)); err == nil {
		es, err := decodeEventsState(ev)
		if err != nil {
			return nil, fmt.Errorf("server: snapshot: %w", err)
		}
		if es.seq != seq {
			return nil, fmt.Errorf("server: snapshot: %w: event detection at entry %d, the snapshot says %d", ErrEventsState, es.seq, seq)
		}
	}
	return state, nil
}

// stagedSeq returns the entry of the snapshot staged whole, if any.
func (s *snapshotInstaller) stagedSeq() (seq uint64, files int, ok bool) {
	b, err := os.ReadFile(filepath.Join(s.staging(), stagedName))
	if err != nil {
		return 0, 0, false
	}
	if _, err := fmt.Sscanf(string(b), "%d %d", &seq, &files); err != nil {
		return 0, 0, false
	}
	return seq, files, true
}

// install moves the node's store aside and the staged one in, then
// writes the staged state file last. Run again after a crash anywhere,
// it continues (store.Replace is resumable, the staging directory stays
// until the state is written).
func (s *snapshotInstaller) install(seq uint64, files int) error {
	state, err := s.checkStaged(seq)
	if err != nil {
		return err
	}
	aside := filepath.Join(s.data, "cluster", fmt.Sprintf("replaced-%d", seq))
	if err := store.Replace(s.data, filepath.Join(s.staging(), snapshotStoreDir), aside); err != nil {
		return err
	}
	if err := installContacts(s.data, s.staging(), seq); err != nil {
		return err
	}
	if err := s.installEvents(seq); err != nil {
		return err
	}
	if err := record.WriteFileAtomic(record.OSFS{}, filepath.Join(s.data, "cluster", cluster.IngestStream+".state"), state, 0o600); err != nil {
		return err
	}
	s.log.Info("cluster: installed a snapshot", "seq", seq, "files", files, "old_store", aside)
	return os.RemoveAll(s.staging())
}

// installSnapshotIfBehind is the start of a node in cluster mode, before
// its store opens: when the ingest log no longer holds the entry after
// the node's state, it restores a peer's snapshot, retrying with backoff
// until one is restored or ctx ends (cluster.Node.RestoreSnapshotRetry:
// each failure counted and logged, rate-limited). The question whether
// the log holds that entry is asked again until the cluster answers it
// (a node just started may have no JetStream meta leader yet).
func (n *Node) installSnapshotIfBehind(ctx context.Context, node *cluster.Node) error {
	var local uint64
	if b, err := os.ReadFile(filepath.Join(n.cfg.Data, "cluster", cluster.IngestStream+".state")); err == nil {
		if seq, _, err := decodeClusterState(b); err == nil {
			local = seq
		}
	}
	f, err := node.IngestFollower(cluster.FollowerConfig{StateCursor: true, Resume: local}, func(uint64, cluster.Batch) error { return nil })
	if err != nil {
		return err
	}
	n.early.setReason(func() string { return reasonAsking })
	wait := 250 * time.Millisecond
	for {
		err := f.Check(ctx)
		if err == nil || errors.Is(err, cluster.ErrCursorAhead) {
			return nil // the follower reports a cursor ahead when it runs
		}
		if errors.Is(err, cluster.ErrNeedSnapshot) {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("server: cluster: %w", err)
		}
		n.log.Debug("cluster: asking the ingest log where it starts", "err", err)
		if err := sleepCtx(ctx, wait); err != nil {
			return fmt.Errorf("server: cluster: %w", err)
		}
		wait = min(2*wait, 5*time.Second)
	}
	n.early.setReason(installingReason(node))
	inst := &snapshotInstaller{data: n.cfg.Data, log: n.log, hold: n.opt.holdInstall}
	if seq, files, ok := inst.stagedSeq(); ok && seq > local {
		// Staged by this node while it ran (stageSnapshot), or before a
		// crash in the middle of installing it: usable while the log
		// still holds the entry after it.
		g, err := node.IngestFollower(cluster.FollowerConfig{StateCursor: true, Resume: seq}, func(uint64, cluster.Batch) error { return nil })
		if err != nil {
			return err
		}
		if err := g.Check(ctx); err == nil {
			return inst.install(seq, files)
		} else {
			n.log.Info("cluster: the staged snapshot is of no use", "seq", seq, "err", err)
		}
	}
	n.log.Info("cluster: the log no longer holds the entry after this node's state; asking a peer for a snapshot", "state_seq", local)
	if err := node.RestoreSnapshotRetry(ctx, f, inst, cluster.RestoreRetry{}); err != nil {
		return fmt.Errorf("server: cluster: %w", err)
	}
	return nil
}

// stageSnapshot is the recovery of a running node whose follower found
// the entry after its last one gone from the log: it fetches a peer's
// snapshot and stages it (retrying with backoff until one is staged or
// ctx ends; /readyz says why meanwhile), while the node goes on serving
// what it has. The node then reopens itself (errReopen) and installs the
// staged snapshot before its store opens.
func (m *clusterMember) stageSnapshot(ctx context.Context) error {
	inst := &snapshotInstaller{data: m.dir, log: m.logger, stageOnly: true}
	return m.node.RestoreSnapshotRetry(ctx, m.follower, inst, cluster.RestoreRetry{})
}

// eventsSnap is detection's answer to a snapshot.
type eventsSnap struct {
	st  eventsState
	log []byte // the event log (events.jsonl)
	err error
}

// snapshotEvents asks event detection for its state after entry seq: on
// the pipeline's goroutine, after the entry's results; the answer comes
// from detection's goroutine. Nil when the node detects no events.
func (m *clusterMember) snapshotEvents(seq uint64) <-chan eventsSnap {
	if m.events == nil {
		return nil
	}
	ch := make(chan eventsSnap, 1)
	m.core.Fanout.Call(func(s Subscriber) {
		if e, ok := s.(*liveEvents); ok {
			st, lg, err := e.saveState(seq, filepath.Join(m.dir, eventsFile))
			ch <- eventsSnap{st, lg, err}
		}
	})
	return ch
}

func eventsStatePath(data string) string {
	return filepath.Join(data, "cluster", cluster.IngestStream+".events")
}

// installEvents puts the staged snapshot's event detection state where
// the node loads it when it resumes at the snapshot's entry
// (clusterMember.resume), and its event log in place of the node's (the
// node's own, older, is kept beside the replaced store); without them (a
// peer of an earlier version) the node keeps its event log, its
// detectors start empty, and an older state file is removed. Run again
// after a crash, it continues: the log is moved (renamed) before the
// state is written.
func (s *snapshotInstaller) installEvents(seq uint64) error {
	if src := filepath.Join(s.staging(), snapshotEventLogName); fileExists(src) {
		dst := filepath.Join(s.data, eventsFile)
		if fileExists(dst) {
			aside := filepath.Join(s.data, "cluster", fmt.Sprintf("replaced-%d", seq), eventsFile)
			if err := os.MkdirAll(filepath.Dir(aside), 0o700); err != nil {
				return err
			}
			if err := os.Rename(dst, aside); err != nil {
				return err
			}
		}
		if err := os.Rename(src, dst); err != nil {
			return err
		}
		if err := record.SyncDir(s.data); err != nil {
			return err
		}
	}
	b, err := os.ReadFile(filepath.Join(s.staging(), snapshotEventsName))
	if errors.Is(err, fs.ErrNotExist) {
		s.log.Info("cluster: the snapshot holds no event detection state; the detectors start empty", "seq", seq)
		if err := os.Remove(eventsStatePath(s.data)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	if err != nil {
		return err
	}
	return record.WriteFileAtomic(record.OSFS{}, eventsStatePath(s.data), b, 0o600)
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
