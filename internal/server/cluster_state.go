package server

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/record"
)

// The cluster state file: where a cluster node's fusion picture stood
// after a given entry of the ingest log, so that a restarted node resumes
// fusion exactly instead of seeding it from the store
// (recorder.Restore), and decides every later report as the nodes that
// never stopped do.
//
// The store holds the applied mark: the last entry whose data it holds,
// written in the same commit as that data (store.Batch.SetApplied). The
// state file is written only after a commit, with the mark that commit
// made durable, by the pipeline's goroutine, so it never runs ahead of
// the store: its sequence is at most the mark. On restart the node loads
// the state (sequence S) and the follower resumes after S; the entries
// from S+1 up to the mark M are already in the store, so they go to the
// picture only (fusion decides them again, exactly as before, and
// nothing is stored twice); from M+1 on, entries are applied and stored.
// A crash anywhere leaves a state at some S <= M and a store at M: the
// state file is replaced atomically (temporary file, fsync, rename,
// directory fsync). The entries S+1..M must still be in the stream:
// the state is written at start and then every stateEvery entries or
// stateInterval, whichever comes first, and the stream keeps a day.
//
// Layout of <data>/cluster/TIDEWATCH_INGEST.state (version 1):
//
//	"TWCLST", uint16 version (LE), uint64 sequence (LE),
//	uint32 CRC-32C of the sequence's 8 bytes and the picture state,
//	the picture state (fusion.Picture.AppendState, checksummed itself)
const (
	clusterStateMagic   = "TWCLST"
	clusterStateVersion = 1
	clusterStateHdr     = 20

	stateEvery    = 10000
	stateInterval = 10 * time.Second
)

// ErrClusterState: the cluster state file is damaged or of an unknown
// version; the node falls back to seeding its picture from the store.
var ErrClusterState = errors.New("server: cluster state file damaged")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodeClusterState wraps a picture state with its sequence.
func encodeClusterState(seq uint64, state []byte) []byte {
	out := make([]byte, 0, clusterStateHdr+len(state))
	out = append(out, clusterStateMagic...)
	out = binary.LittleEndian.AppendUint16(out, clusterStateVersion)
	out = binary.LittleEndian.AppendUint64(out, seq)
	crc := crc32.Update(crc32.Checksum(out[8:16], castagnoli), castagnoli, state)
	out = binary.LittleEndian.AppendUint32(out, crc)
	return append(out, state...)
}

// decodeClusterState returns the sequence and the picture state of a
// state file (the picture state is checked by LoadState).
func decodeClusterState(b []byte) (uint64, []byte, error) {
	if len(b) < clusterStateHdr || string(b[:6]) != clusterStateMagic {
		return 0, nil, fmt.Errorf("%w: not a cluster state", ErrClusterState)
	}
	if v := binary.LittleEndian.Uint16(b[6:]); v != clusterStateVersion {
		return 0, nil, fmt.Errorf("%w: version %d", ErrClusterState, v)
	}
	state := b[clusterStateHdr:]
	crc := crc32.Update(crc32.Checksum(b[8:16], castagnoli), castagnoli, state)
	if crc != binary.LittleEndian.Uint32(b[16:]) {
		return 0, nil, fmt.Errorf("%w: checksum mismatch", ErrClusterState)
	}
	return binary.LittleEndian.Uint64(b[8:]), state, nil
}

func (m *clusterMember) statePath() string {
	return filepath.Join(m.dir, "cluster", cluster.IngestStream+".state")
}

// writeState writes the picture's state as of entry seq. It runs on the
// pipeline's goroutine (or after the pipeline stopped), when the picture
// is exactly as after seq.
func (m *clusterMember) writeState(seq uint64) error {
	// The contact tracker's state first, so that it is never behind the
	// picture's (cluster_sensors.go).
	if err := m.tracker.writeClusterState(m.dir); err != nil {
		m.stateErrors.Add(1)
		return err
	}
	if err := writeStateFile(record.OSFS{}, m.statePath(), seq, m.pic.AppendState(nil)); err != nil {
		m.stateErrors.Add(1)
		return err
	}
	m.stateSeq, m.stateAt = seq, m.now()
	m.stateSeqPub.Store(seq)
	m.statesWritten.Add(1)
	return nil
}

// writeStateFile replaces the state file at path atomically (temporary
// file, fsync, rename, directory fsync): a crash leaves the old state or
// the new one, whole.
func writeStateFile(fsys record.FS, path string, seq uint64, state []byte) error {
	if err := record.WriteFileAtomic(fsys, path, encodeClusterState(seq, state), 0o600); err != nil {
		return fmt.Errorf("server: cluster state: %w", err)
	}
	return nil
}

// afterCommit writes the state when the committed mark has moved on far
// enough. It runs on the pipeline's goroutine after each commit, when the
// picture is as after the mark the commit made durable (entries that are
// only replayed into the picture carry no mark, so the mark stays behind
// the picture only while nothing is committed).
func (m *clusterMember) afterCommit() {
	seq, settled := m.rec.Marked()
	if settled {
		m.committed.Store(seq)
	}
	if !settled || seq <= m.stateSeq || seq <= m.replayTo {
		return
	}
	if seq-m.stateSeq < stateEvery && m.now().Sub(m.stateAt) < stateInterval {
		return
	}
	if err := m.writeState(seq); err != nil {
		m.logger.Warn("writing the cluster state", "err", err) // the previous state stays usable
	}
}

// closeState writes the last state once the pipeline has drained, so
// that a clean restart replays nothing. Nothing is written when the last
// commit failed: the picture is then ahead of the store's mark.
func (m *clusterMember) closeState() error {
	if seq, settled := m.rec.Marked(); settled && seq > m.stateSeq && seq > m.replayTo {
		return m.writeState(seq)
	}
	return nil
}

// resume decides where the node's follower resumes and loads the
// picture's state: exactly from the state file when there is one, else
// from the store's mark (the picture then seeded from the store), else
// from the old cursor file of a store written before the mark existed.
// It returns the sequence to resume after and whether the follower keeps
// the old cursor file.
func (m *clusterMember) resume(node *cluster.Node) (seq uint64, legacy bool, err error) {
	mark := m.db.Applied()
	m.replayTo = mark
	defer func() { m.picSeq = seq }()
	b, rerr := os.ReadFile(m.statePath())
	if rerr == nil {
		s, state, derr := decodeClusterState(b)
		switch {
		case derr != nil:
			rerr = derr
		case s > mark:
			rerr = fmt.Errorf("%w: state at entry %d, the store holds entries up to %d only", ErrClusterState, s, mark)
		default:
			if lerr := m.pic.LoadState(state); lerr != nil {
				rerr = fmt.Errorf("%w: %w", ErrClusterState, lerr)
				break
			}
			m.stateSeq, m.stateAt, m.exact = s, m.now(), true
			m.stateSeqPub.Store(s)
			m.committed.Store(mark)
			m.logger.Info("cluster: picture restored from the state", "seq", s, "store_mark", mark, "replay", mark-s)
			if s == mark {
				m.loadEvents(s)
			}
			return s, false, nil
		}
	}
	if rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		m.logger.Warn("cluster: the state file is not usable; the picture is seeded from the store", "err", rerr)
	}
	_, _, stored := m.db.Bounds()
	switch {
	case mark > 0:
		m.committed.Store(mark)
		m.logger.Warn("cluster: no state file; the picture is seeded from the store and may decide a few reports differently", "seq", mark)
		seq = mark
	case !stored:
		m.exact = true // a new node: an empty picture is exact
	default:
		// A store written before the mark existed: its cursor file
		// says where it is.
		if seq, err = node.Cursor(cluster.IngestStream); err != nil {
			return 0, false, err
		}
		m.replayTo = 0
		legacy = true
		m.logger.Warn("cluster: a store without an applied mark; resuming from the cursor file, the picture seeded from the store", "seq", seq)
	}
	// The picture as it is now is where this node resumes from: keep it,
	// so that a crash from here on resumes exactly.
	if err := m.writeState(seq); err != nil {
		return 0, false, err
	}
	return seq, legacy, nil
}

// loadEvents loads the event detection state a snapshot of entry seq
// brought (cluster_snapshot.go, installEvents) into the node's new
// engine, when the node resumes at that entry with nothing to replay (a
// state of another entry is of an earlier snapshot: detection then
// starts empty, as after any restart). A state that does not load is
// logged and detection starts empty.
func (m *clusterMember) loadEvents(seq uint64) {
	if m.events == nil {
		return
	}
	b, err := os.ReadFile(eventsStatePath(m.dir))
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	var es eventsState
	if err == nil {
		es, err = decodeEventsState(b)
	}
	if err == nil && es.seq != seq {
		return
	}
	if err == nil {
		err = m.events.loadState(es)
	}
	if err != nil {
		m.logger.Warn("cluster: the snapshot's event detection state is not usable; the detectors start empty", "seq", seq, "err", err)
		return
	}
	m.logger.Info("cluster: event detection restored from the snapshot", "seq", seq)
}
