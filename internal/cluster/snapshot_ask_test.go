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
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer srv.Shutdown()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	conn := func() *nats.Conn {
		nc, err := nats.Connect(srv.ClientURL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		return nc
	}
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
