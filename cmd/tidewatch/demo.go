package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/tidewatch/tidewatch/internal/server"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const demoUsage = `Usage: tidewatch demo [--listen 127.0.0.1:8080] [--data DIR] [--vessels 2000] [--seed 1]
                      [--history 24h] [--no-admin] [serve's input and event options]
       tidewatch demo --data DIR --listen 127.0.0.1:8081 --cluster-name a
                      --cluster-listen 127.0.0.1:6221 --cluster-peer 127.0.0.1:6222 --cluster-peer 127.0.0.1:6223

Start a node on simulated traffic and serve the web map at
http://127.0.0.1:8080. The traffic is weighted to the Indian Ocean: about
half the ships are there, many on the open-ocean lanes (Hormuz,
Bab-el-Mandeb and the Red Sea, the Arabian Sea, round Sri Lanka, the Bay
of Bengal, the Malacca approaches, the Cape route), the rest on the
world's lanes and between real ports. The last 24 hours (--history) are
generated and stored at start, so the time slider has a day to show; the
live feed continues from now. Within the first minute a scripted story
raises events: two ships meeting at sea in the Arabian Sea (an
encounter), a fishing vessel whose AIS has been off for six hours (a gap)
and a tanker entering the demo's watch zone in the Strait of Hormuz (a
zone entry). With --zones FILE, those zones replace the demo's watch zone.

The demo listens on loopback only. Anyone on this machine may read
without a token, and the browser gets an admin session (zones and
incidents can be created and edited) unless --no-admin: the demo says so
at start. Never expose it: it refuses a --listen address that is not
loopback. Its data directory is a fresh temporary one, deleted at exit,
unless --data. Live inputs (--tcp-listen etc., see "tidewatch serve -h")
can be added.

A cluster of demo nodes on this machine (scripts/cluster-demo.sh starts
three; docs/cluster.md): each its own --data (required), HTTP port and
route port, on loopback.
  --cluster-listen HOST:PORT  this node's embedded NATS route address
  --cluster-peer HOST:PORT    a peer's --cluster-listen (repeat)
  --cluster-name NAME         this node's unique name in the cluster
One node generates the simulated traffic and the radar story, the one
whose --cluster-listen comes first (as text) among its own and its
peers'; it publishes them to the cluster's log and every node shows the
same ships and events from there. Killed, the traffic pauses on the
others, which keep serving; restarted on its --data, it continues the
same demo from then on (the reports of the time it was down are
skipped). Any other node catches up when it restarts.
`

// demoEnv holds what runDemo takes from its surroundings: the clock of
// the node and the simulated traffic, the traffic's pause, and a hook
// called with the address the demo serves on. Tests run the demo on a
// fast clock with it.
type demoEnv struct {
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error // nil: a timer
	started func(addr net.Addr)                              // nil: none
}

// demoAdminToken names the token of the demo's admin session in the
// data directory's tokens file; it is revoked when the demo stops.
const demoAdminToken = "demo-admin-session"

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runDemoEnv(ctx, args, stdout, stderr, demoEnv{now: time.Now})
}

func runDemoEnv(ctx context.Context, args []string, stdout, stderr io.Writer, env demoEnv) error {
	fs := newFlagSet("demo", demoUsage, stderr)
	nf := addNodeFlags(fs, "")
	vessels := fs.Int("vessels", 2000, "simulated vessels (1 to 100000), besides the 4 of the scripted story")
	seed := fs.Uint64("seed", 1, "random seed of the simulated traffic")
	history := fs.String("history", "24h", "traffic generated and stored at start, before now (30m to 7d)")
	noAdmin := fs.Bool("no-admin", false, "no admin session: the browser may only read")
	dc := addDemoClusterFlags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	if *vessels < 1 || *vessels > maxSimVessels {
		return usageError(fs, stderr, "--vessels %d: want 1 to %d", *vessels, maxSimVessels)
	}
	hist, err := vessel.ParseDuration(*history)
	if err != nil || hist < 30*time.Minute || hist > 7*24*time.Hour {
		return usageError(fs, stderr, "--history %q: want a duration from 30m to 7d", *history)
	}
	admin := !*noAdmin
	cfg, err := demoConfig(fs, stderr, nf, admin)
	if err != nil {
		return err
	}
	log, err := logger(stderr, *nf.logLevel)
	if err != nil {
		return usageError(fs, stderr, "%v", err)
	}
	if err := checkReplays(ctx, cfg); err != nil {
		return err
	}
	role, err := dc.setup(fs, stderr, &cfg, env.now(), server.DemoState{Seed: *seed, Vessels: *vessels, History: *history})
	if err != nil {
		return err
	}

	tmp, err := os.MkdirTemp("", "tidewatch-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if cfg.Data == "" {
		cfg.Data = filepath.Join(tmp, "data")
	}
	start := role.start
	demo := simulate.NewDemo(*vessels, vessel.TimeOf(start))
	zoneNote, err := demoZones(&cfg, tmp, demo)
	if err != nil {
		return err
	}
	traffic := &server.SimulatedTraffic{Seed: *seed, Config: &demo.Config, Start: start, History: hist,
		Now: env.now, Sleep: env.sleep, Resume: role.resume, Delivered: make(chan struct{})}
	var runners []server.Runner
	if role.generator {
		runners = append(runners, traffic)
	}

	var ln net.Listener // the admin session's, where the browser connects
	upstream := make(chan string, 1)
	if admin {
		var session server.Runner
		var closeAdmin func()
		ln, session, closeAdmin, err = openDemoAdmin(&cfg, env.now(), log, upstream)
		if err != nil {
			return err
		}
		defer closeAdmin()
		runners = append(runners, session)
	}

	return listenError(server.Run(ctx, server.Options{Config: cfg, Logger: log, Now: env.now,
		Extra: func(submit func([]vessel.Observation) bool) []server.Runner {
			traffic.Submit = submit
			return runners
		},
		Components: demoRadar(role, demo, *seed, env, traffic.Delivered),
		Started: func(a net.Addr) {
			upstream <- a.String()
			if ln != nil {
				a = ln.Addr()
			}
			fmt.Fprintf(stdout, "\ntidewatch demo: open http://%s in a browser (%d simulated vessels, %s of history; data in %s).\n", a, *vessels+len(demo.Config.Script), *history, cfg.Data)
			if role.resume.IsZero() { // a restarted generator's story happened before
				fmt.Fprintf(stdout, "Events within the first minute: an encounter in the Arabian Sea, a ship gone dark, a zone entry in %q%s.\n", demo.Zone, zoneNote)
			}
			fmt.Fprint(stdout, role.note(cfg), demoAccess(admin), "Ctrl-C stops it.\n\n")
			if env.started != nil {
				env.started(a)
			}
		}}))
}

// demoRadar returns the demo's radar and satellite story: a patrol
// ship's radar, a fixed site and SAR passes in the Gulf of Aden, with
// dark vessels; none on a cluster member that does not generate. The
// story starts once the traffic's history is handed over (after).
func demoRadar(role demoRole, demo simulate.Demo, seed uint64, env demoEnv, after <-chan struct{}) func(n *server.Node) []server.Member {
	return func(n *server.Node) []server.Member {
		if !role.generator {
			return nil
		}
		sc := demo.Radar(rand.New(rand.NewPCG(seed, 18)))
		return []server.Member{{Name: "radar-sim", Component: &server.SimulatedRadar{Scenario: sc, Node: n,
			Now: env.now, Sleep: env.sleep, Resume: role.resume, After: after}}}
	}
}

// demoAccess is the start message's line on who may do what.
func demoAccess(admin bool) string {
	if admin {
		return "admin session for loopback; do not expose: this machine's browsers may edit zones and incidents without a token.\n"
	}
	return "Anonymous read access for loopback; do not expose.\n"
}

// demoConfig builds the demo node's configuration from the node flags:
// loopback only, anonymous reads, and events held back a few seconds.
func demoConfig(fs *flag.FlagSet, stderr io.Writer, nf *nodeFlags, admin bool) (server.Config, error) {
	cfg, err := nf.build()
	if err != nil {
		return cfg, err
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8080"
	}
	if !server.IsLoopback(cfg.Listen) {
		return cfg, usageError(fs, stderr, "--listen %s: the demo lets anyone read without a token and gives the browser an admin session, so it listens on loopback only (use \"tidewatch serve\" for other addresses)", cfg.Listen)
	}
	if admin && cfg.TLS.Enabled() {
		return cfg, usageError(fs, stderr, "the admin session serves plain HTTP on loopback: add --no-admin to serve the demo with TLS")
	}
	cfg.AllowAnonymousRead = true
	if cfg.Events.Reorder == "" {
		// The simulated feed comes in time order: hold reports back only
		// a few seconds, so that events show within seconds.
		cfg.Events.Reorder = "5s"
	}
	return cfg, nil
}

// demoZones writes the demo's watch zone into tmp and points the events
// at it, unless zones are configured or events are off. It returns a note
// for the start message when the data directory's zones replace it.
func demoZones(cfg *server.Config, tmp string, demo simulate.Demo) (string, error) {
	if cfg.Events.Zones != "" || cfg.Events.Off {
		return "", nil
	}
	zoneNote := ""
	if _, err := os.Stat(filepath.Join(cfg.Data, "zones.geojson")); err == nil {
		zoneNote = " (the data directory's edited zones replace the demo's watch zone)"
	}
	cfg.Events.Zones = filepath.Join(tmp, "demo-zones.geojson")
	if err := os.WriteFile(cfg.Events.Zones, demo.ZoneGeoJSON(), 0o644); err != nil {
		return "", err
	}
	return zoneNote, nil
}

// openDemoAdmin creates the demo's admin token, listens on cfg.Listen for
// the browser and moves the node behind it, on a loopback port that the
// session reads from upstream. closeAdmin closes the listener and revokes
// the token; on error, openDemoAdmin has done so itself.
func openDemoAdmin(cfg *server.Config, start time.Time, log *slog.Logger, upstream <-chan string) (ln net.Listener, session server.Runner, closeAdmin func(), err error) {
	tokens, err := server.OpenTokens(cfg.Data)
	if err != nil {
		return nil, nil, nil, err
	}
	name := server.DemoAdminTokenName(demoAdminToken, cfg.Cluster)
	_ = tokens.Revoke(name) // left by a demo killed on this data directory
	token, err := tokens.CreateExpiring(name, "admin", start, start.Add(7*24*time.Hour))
	if err != nil {
		return nil, nil, nil, err
	}
	revoke := func() {
		if err := tokens.Revoke(name); err != nil {
			log.Error("revoking the demo's admin token", "err", err)
		}
	}
	if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
		revoke()
		return nil, nil, nil, listenError(fmt.Errorf("server: listen: %w", err))
	}
	cfg.Listen = "127.0.0.1:0" // the node, behind the admin session
	session = &server.LoopbackAdmin{Listener: ln, Token: token, Logger: log,
		Upstream: func(ctx context.Context) (string, error) {
			select {
			case a := <-upstream:
				return a, nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}}
	return ln, session, func() { ln.Close(); revoke() }, nil
}
