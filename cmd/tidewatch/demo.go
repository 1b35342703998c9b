package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/tidewatch/tidewatch/internal/server"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const demoUsage = `Usage: tidewatch demo [--listen 127.0.0.1:8080] [--data DIR] [--vessels 600]

Start a node on simulated traffic (ships on routes between real ports,
reporting at AIS rates, the last 30 minutes delivered at once) so the web map
at http://127.0.0.1:8080 shows ships moving within seconds. The demo listens
on loopback and lets anyone on this machine read without a token; it says so
when it starts. Its data directory is a fresh temporary one unless --data.
Live inputs (--tcp-listen etc., see "tidewatch serve -h") can be added.
`

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", demoUsage, stderr)
	nf := addNodeFlags(fs, "")
	vessels := fs.Int("vessels", 600, "simulated vessels (1 to 100000)")
	seed := fs.Uint64("seed", 1, "random seed of the simulated traffic")
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
	cfg, err := nf.build()
	if err != nil {
		return err
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8080"
	}
	if !server.IsLoopback(cfg.Listen) {
		return usageError(fs, stderr, "--listen %s: the demo allows reading without a token, so it listens on loopback only (use \"tidewatch serve\" for other addresses)", cfg.Listen)
	}
	cfg.AllowAnonymousRead = true
	if cfg.Data == "" {
		dir, err := os.MkdirTemp("", "tidewatch-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.Data = dir
	}
	log, err := logger(stderr, *nf.logLevel)
	if err != nil {
		return usageError(fs, stderr, "%v", err)
	}
	if err := checkReplays(ctx, cfg); err != nil {
		return err
	}
	return listenError(server.Run(ctx, server.Options{Config: cfg, Logger: log,
		Extra: func(submit func([]vessel.Observation) bool) []server.Runner {
			return []server.Runner{&server.SimulatedTraffic{Vessels: *vessels, Seed: *seed, Submit: submit}}
		},
		Started: func(a net.Addr) {
			fmt.Fprintf(stderr, "\ntidewatch demo: open http://%s in a browser (%d simulated vessels; data in %s).\n"+
				"Anonymous read access is enabled because the demo listens on loopback only. Ctrl-C stops it.\n\n", a, *vessels, cfg.Data)
		}}))
}
