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
	snapshotStateName = "state"
	snapshotStoreDir  = "store"
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
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return 0, fmt.Errorf("server: snapshot: %w", err)
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
	if err != nil {
		return 0, fmt.Errorf("server: snapshot: %w", err)
	}
	if err := tw.Close(); err != nil {
		return 0, fmt.Errorf("server: snapshot: %w", err)
	}
	return seq, nil
}

// snapshotInstaller installs a peer's snapshot into a node's data
// directory before its store opens: a cluster.Restorer.
type snapshotInstaller struct {
	data string
	log  interface{ Info(string, ...any) }
}

// Restore unpacks the snapshot of entry seq and installs it.
func (s *snapshotInstaller) Restore(r io.Reader, seq uint64) error {
	staging := filepath.Join(s.data, "cluster", "restore")
	if err := os.RemoveAll(staging); err != nil {
		return err
	}
	if err := os.MkdirAll(staging, 0o700); err != nil {
		return err
	}
	tr := tar.NewReader(r)
	files := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("server: snapshot: %w", err)
		}
		name := filepath.FromSlash(h.Name)
		if h.Typeflag != tar.TypeReg || !filepath.IsLocal(name) || h.Size < 0 || h.Size > maxSnapshotFile ||
			name != snapshotStateName && !strings.HasPrefix(name, snapshotStoreDir+string(filepath.Separator)) {
			return fmt.Errorf("server: snapshot: %w: unexpected entry %q", ErrClusterState, h.Name)
		}
		path := filepath.Join(staging, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		_, err = io.CopyN(f, tr, h.Size)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("server: snapshot: %w", err)
		}
		files++
	}
	state, err := os.ReadFile(filepath.Join(staging, snapshotStateName))
	if err != nil {
		return fmt.Errorf("server: snapshot: %w: no state", ErrClusterState)
	}
	sseq, pic, err := decodeClusterState(state)
	if err != nil {
		return fmt.Errorf("server: snapshot: %w", err)
	}
	if sseq != seq {
		return fmt.Errorf("server: snapshot: %w: state at entry %d, the snapshot says %d", ErrClusterState, sseq, seq)
	}
	if err := fusion.NewPicture(fusion.Config{}).LoadState(pic); err != nil {
		return fmt.Errorf("server: snapshot: %w: %w", ErrClusterState, err)
	}
	aside := filepath.Join(s.data, "cluster", fmt.Sprintf("replaced-%d", seq))
	if err := store.Replace(s.data, filepath.Join(staging, snapshotStoreDir), aside); err != nil {
		return err
	}
	if err := record.WriteFileAtomic(record.OSFS{}, filepath.Join(s.data, "cluster", cluster.IngestStream+".state"), state, 0o600); err != nil {
		return err
	}
	s.log.Info("cluster: installed a snapshot", "seq", seq, "files", files, "old_store", aside)
	return os.RemoveAll(staging)
}

// installSnapshotIfBehind is the start of a node in cluster mode, before
// its store opens: when the ingest log no longer holds the entry after
// the node's state, it restores a peer's snapshot (retrying until a
// peer answers, or ctx ends).
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
	for {
		err := f.Check(ctx)
		if err == nil || !errors.Is(err, cluster.ErrNeedSnapshot) {
			return nil // the follower reports anything else when it runs
		}
		n.log.Info("cluster: the log no longer holds the entry after this node's state; asking a peer for a snapshot", "err", err)
		rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err = node.RestoreSnapshot(rctx, f, &snapshotInstaller{data: n.cfg.Data, log: n.log})
		cancel()
		if err == nil {
			return nil
		}
		n.log.Warn("cluster: restoring a snapshot", "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("server: cluster: no snapshot restored: %w", err)
		case <-time.After(2 * time.Second):
		}
	}
}
