package cluster

import (
	"context"
	"slices"

	"github.com/nats-io/nats-server/v2/server"
)

// Peer is a member of the cluster or a replica of a stream as the
// cluster sees it.
type Peer struct {
	Name    string
	Current bool   // caught up with the leader (known only on the leader for members)
	Offline bool   // not seen recently, or (members) no route to it
	Lag     uint64 // operations behind the leader
}

// StreamStatus is a stream's replication state.
type StreamStatus struct {
	Name     string
	Leader   string // "" while there is none
	Replicas []Peer // the leader excluded
	First    uint64
	Last     uint64
}

// Status is what this node knows of the cluster.
type Status struct {
	Routes     int    // peers the embedded server has a route to (each may use several connections)
	MetaLeader string // the JetStream meta leader; "" without one (no quorum)
	Members    []Peer // the known JetStream servers, this one included (embedded server only)
	Streams    []StreamStatus
	Err        error // the first question that went unanswered (no quorum, a timeout)
}

// Status asks the cluster for its members and the streams' replication
// state, within ctx. What it could not learn stays empty, with Err set.
func (n *Node) Status(ctx context.Context) Status {
	var st Status
	if n.srv != nil {
		peers := map[string]bool{}
		rz, rerr := n.srv.Routez(&server.RoutezOptions{})
		if rerr == nil {
			for _, r := range rz.Routes {
				peers[r.RemoteName] = true
			}
			st.Routes = len(peers)
		}
		if jsz, err := n.srv.Jsz(&server.JSzOptions{}); err == nil && jsz.Meta != nil {
			st.MetaLeader = jsz.Meta.Leader
			// The meta group's view lists the other members, and
			// sometimes this one too; name each once.
			seen := map[string]bool{n.cfg.Name: true}
			st.Members = append(st.Members, Peer{Name: n.cfg.Name, Current: true})
			// A member without a route is down now: the server marks
			// a peer offline only on its shutdown message, which a
			// killed process never sends (and one shut down under load
			// may not get out), or after missing its heartbeats for 150
			// to 240 s.
			for _, p := range jsz.Meta.Replicas {
				if !seen[p.Name] {
					seen[p.Name] = true
					off := p.Offline || (rerr == nil && !peers[p.Name])
					st.Members = append(st.Members, Peer{Name: p.Name, Current: p.Current, Offline: off, Lag: p.Lag})
				}
			}
			slices.SortFunc(st.Members, func(a, b Peer) int {
				if a.Name < b.Name {
					return -1
				}
				if a.Name > b.Name {
					return 1
				}
				return 0
			})
		} else if err != nil {
			st.Err = err
		}
	}
	for _, name := range []string{IngestStream, ControlStream} {
		s, err := n.js.Stream(ctx, name)
		if err != nil {
			if st.Err == nil {
				st.Err = err
			}
			continue
		}
		info := s.CachedInfo()
		ss := StreamStatus{Name: name, First: info.State.FirstSeq, Last: info.State.LastSeq}
		if c := info.Cluster; c != nil {
			ss.Leader = c.Leader
			for _, p := range c.Replicas {
				ss.Replicas = append(ss.Replicas, Peer{Name: p.Name, Current: p.Current, Offline: p.Offline, Lag: p.Lag})
			}
		}
		st.Streams = append(st.Streams, ss)
	}
	return st
}
