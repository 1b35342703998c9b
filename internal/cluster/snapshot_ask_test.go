package cluster

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// TestAskSnapshotBusyPeer: a restorer waits for a peer that takes its
// request as long as the peer says it works on the snapshot, longer than
// its patience for a silent one; it gives up on a peer that goes silent
// after taking the request, within its patience; and it fails at once
// when no peer serves snapshots. The peer's side is the snapshot
// server's own (SnapshotServer.working). Before the requests carried
// workingHeader, a peer slower than the patience (30 s) failed the
// restorer's attempt, which asked again and set another peer making a
// snapshot too, on a machine already too loaded for the first.
func TestAskSnapshotBusyPeer(t *testing.T) {
	conn := natsConns(t)
	asker := &Node{cfg: Config{Name: "asker"}, nc: conn()}
	peerNode := &Node{cfg: Config{Name: "peer"}, nc: conn()}
	const patience = 2 * time.Second
	for _, tc := range []struct {
		name string
		// peer serves one request; nil: no peer listens
		peer    func(s *SnapshotServer, m *nats.Msg)
		want    string // the name answered, or
		wantErr string // the error's text
	}{
		{name: "busy peer working longer than the patience", want: "INGEST/peer/42",
			peer: func(s *SnapshotServer, m *nats.Msg) {
				stop := s.working(m)
				// the answer comes after 3 patiences of work, said every 50 ms
				<-time.After(3 * patience)
				stop()
				m.Respond([]byte("INGEST/peer/42"))
			}},
		{name: "peer silent after taking the request", wantErr: "went silent",
			peer: func(s *SnapshotServer, m *nats.Msg) {
				s.workingEvery = time.Hour // says it took it, then nothing
				stop := s.working(m)
				stop()
			}},
		{name: "peer of an earlier version answering once", want: "INGEST/peer/7",
			peer: func(s *SnapshotServer, m *nats.Msg) { m.Respond([]byte("INGEST/peer/7")) }},
		{name: "peer answering an error", wantErr: "peer: still catching up",
			peer: func(s *SnapshotServer, m *nats.Msg) {
				stop := s.working(m)
				stop()
				m.Respond([]byte("error: still catching up"))
			}},
		{name: "no peer", wantErr: nats.ErrNoResponders.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.peer != nil {
				s := &SnapshotServer{n: peerNode, workingEvery: 50 * time.Millisecond}
				done := make(chan struct{})
				sub, err := peerNode.nc.QueueSubscribe(snapshotSubject+".INGEST", "snapshot", func(m *nats.Msg) {
					defer close(done)
					tc.peer(s, m)
				})
				if err != nil {
					t.Fatal(err)
				}
				peerNode.nc.Flush()
				defer func() { <-done; sub.Unsubscribe(); peerNode.nc.Flush() }()
			}
			start := time.Now()
			name, err := asker.askSnapshot(t.Context(), "INGEST", patience)
			took := time.Since(start)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("after %v: %v; want %q", took, err, tc.want)
			case tc.wantErr == "" && name != tc.want:
				t.Fatalf("answered %q, want %q", name, tc.want)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("answered %q, %v; want an error with %q", name, err, tc.wantErr)
			}
			if tc.wantErr == nats.ErrNoResponders.Error() && !errors.Is(err, nats.ErrNoResponders) {
				t.Errorf("%v is not nats.ErrNoResponders", err)
			}
			t.Logf("answered %q, %v after %v", name, err, took.Round(time.Millisecond))
		})
	}
}

// TestAskSnapshotPastRestoringPeer: a node that restores a snapshot
// itself refuses snapshot requests at once (SnapshotServer.refuse), and
// a restorer asks past it to a peer that can make one. A node recovering
// past the retention while it runs keeps serving in the queue group, and
// before this answered its own request with a snapshot of its own stale
// state: the attempt failed ("applied up to 33, first entry left is
// 49"), after making and uploading that snapshot, once in every few.
// With only restoring peers the ask fails after maxRefusals refusals
// (32: with two of three members restoring, 8 in a row came once in
// about 25 asks).
func TestAskSnapshotPastRestoringPeer(t *testing.T) {
	conn := natsConns(t)
	// The asker is itself restoring and serves in the queue group, as a
	// node recovering while it runs does; a second node restores too.
	asker := &Node{cfg: Config{Name: "asker"}, nc: conn()}
	asker.restoring.Store(true)
	other := &Node{cfg: Config{Name: "other"}, nc: conn()}
	other.restoring.Store(true)
	serveQueue := func(n *Node, name string) (*SnapshotServer, *nats.Subscription) {
		s := &SnapshotServer{n: n}
		sub, err := n.nc.QueueSubscribe(snapshotSubject+".INGEST", "snapshot", func(m *nats.Msg) {
			if !s.refuse(m) {
				m.Respond([]byte(name))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		n.nc.Flush()
		return s, sub
	}
	askerSrv, _ := serveQueue(asker, "INGEST/asker/33")
	otherSrv, _ := serveQueue(other, "INGEST/other/33")

	const asks = 20
	good := &Node{cfg: Config{Name: "good"}, nc: conn()}
	_, goodSub := serveQueue(good, "INGEST/good/50")
	for i := range asks {
		name, err := asker.askSnapshot(t.Context(), "INGEST", 5*time.Second)
		if err != nil || name != "INGEST/good/50" {
			t.Fatalf("ask %d: %q, %v; want the snapshot of the node that is not restoring", i, name, err)
		}
	}
	refused := askerSrv.Stats().Refused + otherSrv.Stats().Refused
	t.Logf("%d asks all answered by the node not restoring; %d refusals on the way", asks, refused)
	if refused == 0 {
		t.Errorf("no request reached a restoring node in %d asks: the test shows nothing", asks)
	}

	goodSub.Unsubscribe()
	good.nc.Flush()
	_, err := asker.askSnapshot(t.Context(), "INGEST", 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "restore a snapshot themselves") {
		t.Fatalf("only restoring peers: %v; want a refusal error", err)
	}
	t.Log(err)
}

// natsConns starts a plain NATS server (no JetStream) for the test and
// returns a function that connects a new client to it; both are closed
// when the test ends.
func natsConns(t *testing.T) func() *nats.Conn {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(srv.Shutdown)
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	return func() *nats.Conn {
		nc, err := nats.Connect(srv.ClientURL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		return nc
	}
}
