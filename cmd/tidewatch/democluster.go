package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tidewatch/tidewatch/internal/server"
)

// demoClusterFlags are the demo's cluster flags: a member of a cluster of
// demo nodes on this machine (docs/cluster.md, "The demo as a cluster").
type demoClusterFlags struct {
	listen, name *string
	peers        listFlag
}

func addDemoClusterFlags(fs *flag.FlagSet) *demoClusterFlags {
	d := &demoClusterFlags{}
	d.listen = fs.String("cluster-listen", "", "cluster mode: where this node's embedded NATS accepts its peers' routes, HOST:PORT (loopback)")
	fs.Var(&d.peers, "cluster-peer", "cluster mode: a peer's --cluster-listen address (repeat for each)")
	d.name = fs.String("cluster-name", "", "cluster mode: this node's name in the cluster, unique")
	return d
}

// demoRole is what a demo node does in its cluster: whether it
// generates the simulated traffic, from which start, and from when on it
// delivers it (a restarted generator).
type demoRole struct {
	cluster   bool
	generator bool
	start     time.Time
	resume    time.Time // zero: deliver the history too
}

// setup puts the cluster flags into cfg (the demo listens on loopback
// only, and so do its routes) and decides the node's role; a
// generator's start is the one kept in its data directory when it
// restarts. now is the node's clock at start.
func (d *demoClusterFlags) setup(fs *flag.FlagSet, stderr io.Writer, cfg *server.Config, now time.Time, st server.DemoState) (demoRole, error) {
	role := demoRole{generator: true, start: now}
	if *d.listen != "" || len(d.peers) > 0 || *d.name != "" {
		cfg.Cluster.Listen, cfg.Cluster.Name = *d.listen, *d.name
		cfg.Cluster.Peers = append(cfg.Cluster.Peers, d.peers...)
	}
	if !cfg.Cluster.Enabled() {
		if len(cfg.Cluster.Peers) > 0 || cfg.Cluster.Name != "" {
			return role, usageError(fs, stderr, "--cluster-peer and --cluster-name need --cluster-listen (this node's route address)")
		}
		return role, nil
	}
	role.cluster = true
	if cfg.Cluster.NATSURL != "" || cfg.Cluster.Listen == "" {
		return role, usageError(fs, stderr, "the demo's cluster runs on its own embedded NATS: give --cluster-listen and --cluster-peer (\"tidewatch serve\" takes --nats-url)")
	}
	for _, a := range append([]string{cfg.Cluster.Listen}, cfg.Cluster.Peers...) {
		if !server.IsLoopback(a) {
			return role, usageError(fs, stderr, "%s: the demo's cluster runs on loopback only (use \"tidewatch serve\" across machines)", a)
		}
	}
	if cfg.Data == "" {
		return role, usageError(fs, stderr, "--data is required in cluster mode: each node keeps its own data directory, to restart on")
	}
	if role.generator = server.DemoGenerator(cfg.Cluster); !role.generator {
		return role, nil
	}
	st.Start = now
	kept, resumed, err := server.OpenDemoState(cfg.Data, st)
	if err != nil {
		return role, err
	}
	if resumed {
		role.start, role.resume = kept.Start, now
	}
	return role, nil
}

// note is the start message's line on the node's part in its cluster.
func (r demoRole) note(cfg server.Config) string {
	if !r.cluster {
		return ""
	}
	me := cfg.Cluster.Listen
	if cfg.Cluster.Name != "" {
		me = cfg.Cluster.Name + " (" + me + ")"
	}
	switch {
	case r.generator && !r.resume.IsZero():
		return fmt.Sprintf("Cluster member %s: generating the simulated traffic again: the demo started at %s, continued from now.\n",
			me, r.start.UTC().Format(time.RFC3339))
	case r.generator:
		return fmt.Sprintf("Cluster member %s: generating the simulated traffic (its --cluster-listen comes first); every member shows it from the log.\n", me)
	}
	return fmt.Sprintf("Cluster member %s: showing the simulated traffic that the member of the first --cluster-listen generates, from the log.\n", me)
}
