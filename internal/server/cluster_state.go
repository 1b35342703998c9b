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
// Event detection's state is kept in the same file, at the same entry
// (version 2), so that a restarted node's detectors resume exactly too:
// the pipeline takes the picture's state after the commit and queues the
// write on detection's goroutine (Fanout.Call), which adds the engine's
// state there, where detection has worked through that entry's results
// and time tick and nothing later, and replaces the file. One file, one
// atomic replace: after a crash the picture and the detectors are at the
// same entry, and the entries after it up to the store's mark are
// replayed into both (the events they raise again are those the event
// log holds already, and are not published twice: liveEvents.publish).
//
// Layout of <data>/cluster/TIDEWATCH_INGEST.state, version 2:
//
//	"TWCLST", uint16 version (LE), uint64 sequence (LE),
//	uint32 CRC-32C of everything after it and of the sequence's 8 bytes,
//	uint64 length of the picture state (LE),
//	the picture state (fusion.Picture.AppendState, checksummed itself),
//	event detection's state at the same entry (the rest of the file, in
//	the layout of cluster_events.go's TWCLEV file; empty when the node
//	detects no events)
//
// Version 1, written when there is no event detection state (a node
// without event detection, a snapshot's "state", which carries
// detection's state in a file of its own, so that a peer of an earlier
// version still installs it): "TWCLST", uint16 version, uint64
// sequence, uint32 CRC-32C of the sequence's 8 bytes and the picture
// state, the picture state. Both versions are read.
const (
	clusterStateMagic   = "TWCLST"
	clusterStateVersion = 2
	clusterStateHdr1    = 20 // version 1
	clusterStateHdr     = 28

	stateEvery    = 10000
	stateInterval = 10 * time.Second
	// stateCostFactor spaces the writes to at least this many times what
	// taking detection's state took the last time (about a second for
	// ten thousand vessels, on detection's goroutine): detection spends
	// at most a twentieth of its time on it. The entries after the state
	// are replayed at a restart (faster than they arrive), and the log
	// keeps them far longer.
	stateCostFactor = 20
)

// ErrClusterState: the cluster state file is damaged or of an unknown
// version; the node falls back to seeding its picture from the store.
var ErrClusterState = errors.New("server: cluster state file damaged")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// clusterState is the content of a state file.
type clusterState struct {
	seq     uint64
	picture []byte // fusion.Picture.AppendState
	events  []byte // encodeEventsState at seq; nil: none
}

// encodeClusterState wraps a picture state with its sequence (no event
// detection state).
func encodeClusterState(seq uint64, state []byte) []byte {
	return encodeClusterStateAll(clusterState{seq: seq, picture: state})
}

// encodeClusterStateAll encodes a state file: version 2 with event
// detection's state, version 1 without (what a snapshot's "state" is,
// so that a peer of an earlier version still installs it).
func encodeClusterStateAll(s clusterState) []byte {
	if s.events == nil {
		out := make([]byte, 0, clusterStateHdr1+len(s.picture))
		out = append(out, clusterStateMagic...)
		out = binary.LittleEndian.AppendUint16(out, 1)
		out = binary.LittleEndian.AppendUint64(out, s.seq)
		out = binary.LittleEndian.AppendUint32(out, crc32.Update(crc32.Checksum(out[8:16], castagnoli), castagnoli, s.picture))
		return append(out, s.picture...)
	}
	out := make([]byte, 0, clusterStateHdr+len(s.picture)+len(s.events))
	out = append(out, clusterStateMagic...)
	out = binary.LittleEndian.AppendUint16(out, clusterStateVersion)
	out = binary.LittleEndian.AppendUint64(out, s.seq)
	out = binary.LittleEndian.AppendUint32(out, 0)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(s.picture)))
	out = append(out, s.picture...)
	out = append(out, s.events...)
	binary.LittleEndian.PutUint32(out[16:], crc32.Update(crc32.Checksum(out[8:16], castagnoli), castagnoli, out[20:]))
	return out
}

// decodeClusterState returns the sequence and the picture state of a
// state file (the picture state is checked by LoadState).
func decodeClusterState(b []byte) (uint64, []byte, error) {
	s, err := decodeClusterStateAll(b)
	return s.seq, s.picture, err
}

// decodeClusterStateAll decodes a state file of version 1 or 2.
func decodeClusterStateAll(b []byte) (clusterState, error) {
	if len(b) < clusterStateHdr1 || string(b[:6]) != clusterStateMagic {
		return clusterState{}, fmt.Errorf("%w: not a cluster state", ErrClusterState)
	}
	v := binary.LittleEndian.Uint16(b[6:])
	if v != 1 && v != clusterStateVersion {
		return clusterState{}, fmt.Errorf("%w: version %d", ErrClusterState, v)
	}
	crc := crc32.Update(crc32.Checksum(b[8:16], castagnoli), castagnoli, b[20:])
	if crc != binary.LittleEndian.Uint32(b[16:]) {
		return clusterState{}, fmt.Errorf("%w: checksum mismatch", ErrClusterState)
	}
	s := clusterState{seq: binary.LittleEndian.Uint64(b[8:])}
	if v == 1 {
		s.picture = b[clusterStateHdr1:]
		return s, nil
	}
	if len(b) < clusterStateHdr {
		return clusterState{}, fmt.Errorf("%w: cut short", ErrClusterState)
	}
	n := binary.LittleEndian.Uint64(b[20:])
	if n > uint64(len(b)-clusterStateHdr) {
		return clusterState{}, fmt.Errorf("%w: picture state of %d bytes in %d", ErrClusterState, n, len(b)-clusterStateHdr)
	}
	s.picture = b[clusterStateHdr : clusterStateHdr+int(n)]
	if rest := b[clusterStateHdr+int(n):]; len(rest) > 0 {
		s.events = rest
	}
	return s, nil
}

func (m *clusterMember) statePath() string {
	return filepath.Join(m.dir, "cluster", cluster.IngestStream+".state")
}

// writeState writes the state as of entry seq: the contact tracker's,
// then the picture's and event detection's in the state file. It runs on
// the pipeline's goroutine (or before the pipeline runs, or after it and
// the fan-out stopped), when the picture is exactly as after seq. With
// queued set and event detection on, the state file is written on
// detection's goroutine once detection is after seq too (finishState);
// else at once, with detection's state as it is (detection is then not
// running: it is as after seq, or new).
func (m *clusterMember) writeState(seq uint64, queued bool) error {
	// The contact tracker's state first, so that it is never behind the
	// picture's (cluster_sensors.go).
	if err := m.tracker.writeClusterState(m.dir); err != nil {
		m.stateErrors.Add(1)
		return err
	}
	pic := m.pic.AppendState(nil)
	m.stateSeq, m.stateAt = seq, m.now()
	if queued && m.events != nil {
		m.core.Fanout.Call(func(s Subscriber) {
			if e, ok := s.(*liveEvents); ok {
				if err := m.finishState(seq, pic, e); err != nil {
					m.logger.Warn("writing the cluster state", "err", err) // the previous state stays usable
				}
			}
		})
		return nil
	}
	return m.finishState(seq, pic, m.events)
}

// finishState adds event detection's state (e nil: none) to the
// picture's of entry seq and replaces the state file.
func (m *clusterMember) finishState(seq uint64, pic []byte, e *liveEvents) error {
	st := clusterState{seq: seq, picture: pic}
	if e != nil {
		start := m.now()
		es, err := e.engineState(seq)
		m.eventsSaveNs.Store(int64(m.now().Sub(start)))
		if err != nil {
			m.stateErrors.Add(1)
			return fmt.Errorf("server: cluster state: event detection: %w", err)
		}
		st.events = encodeEventsState(es)
	}
	if err := record.WriteFileAtomic(record.OSFS{}, m.statePath(), encodeClusterStateAll(st), 0o600); err != nil {
		m.stateErrors.Add(1)
		return fmt.Errorf("server: cluster state: %w", err)
	}
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
	since := m.now().Sub(m.stateAt)
	if seq-m.stateSeq < stateEvery && since < stateInterval {
		return
	}
	if since < stateCostFactor*time.Duration(m.eventsSaveNs.Load()) {
		return // detection's state is costly here: written less often
	}
	if err := m.writeState(seq, true); err != nil {
		m.logger.Warn("writing the cluster state", "err", err) // the previous state stays usable
	}
}

// closeState writes the last state once the pipeline has drained and
// the fan-out delivered everything to event detection (which, in
// cluster mode, keeps the positions of its reorder window: liveEvents.Stop),
// so that a clean restart replays nothing and its detectors go on as
// before. Nothing is written when the last commit failed: the picture is
// then ahead of the store's mark.
func (m *clusterMember) closeState() error {
	if seq, settled := m.rec.Marked(); settled && seq >= m.stateSeq && seq > m.replayTo && (seq > m.stateSeq || m.events != nil) {
		return m.writeState(seq, false)
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
		st, derr := decodeClusterStateAll(b)
		s, state := st.seq, st.picture
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
			if st.events != nil {
				m.loadEventsState(st.events, s, "the state")
			} else if s == mark {
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
		m.eventsExact.Store(m.events != nil)
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
	if err := m.writeState(seq, false); err != nil {
		return 0, false, err
	}
	return seq, legacy, nil
}

// loadEvents loads the event detection state a snapshot of entry seq
// brought (cluster_snapshot.go, installEvents) into the node's new
// engine, when the node resumes at that entry with nothing to replay (a
// state of another entry is of an earlier snapshot: detection then
// starts empty).
func (m *clusterMember) loadEvents(seq uint64) {
	if m.events == nil {
		return
	}
	b, err := os.ReadFile(eventsStatePath(m.dir))
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		m.logger.Warn("cluster: the snapshot's event detection state is not usable; the detectors start empty", "seq", seq, "err", err)
		return
	}
	m.loadEventsState(b, seq, "the snapshot")
}

// loadEventsState loads an event detection state (encodeEventsState)
// that must be of entry seq into the node's new engine. From a state
// file, the entries after seq up to the store's mark are then replayed
// into detection as into the picture (apply). A state that does not
// load (damaged, of another entry, of an engine of another
// configuration) is logged and counted, and detection starts empty.
func (m *clusterMember) loadEventsState(b []byte, seq uint64, from string) {
	if m.events == nil {
		return
	}
	es, err := decodeEventsState(b)
	if err == nil && es.seq != seq {
		err = fmt.Errorf("%w: of entry %d, the picture's is %d", ErrEventsState, es.seq, seq)
	}
	if err == nil {
		err = m.events.loadState(es)
	}
	if err != nil {
		m.eventsLoadErrors.Add(1)
		m.logger.Warn("cluster: the event detection state of "+from+" is not usable; the detectors start empty", "seq", seq, "err", err)
		return
	}
	m.eventsExact.Store(true)
	m.logger.Info("cluster: event detection restored from "+from, "seq", seq, "replay", m.replayTo-min(m.replayTo, seq))
}
