package cluster

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// Config configures a cluster member. The zero value is not usable: Name
// and Dir are required, and either ClusterListen or NATSURL.
type Config struct {
	// Name is this node's name in the cluster, unique among its members
	// (the NATS server name). It also prefixes the message ids of what
	// this node publishes.
	Name string

	// Dir is the node's data directory. The embedded NATS server keeps
	// JetStream's file storage under Dir/cluster/jetstream and the
	// followers their cursors under Dir/cluster.
	Dir string

	// ClusterListen is the HOST:PORT the embedded server accepts routes
	// from its peers on (--cluster-listen). Port 0 picks a free port.
	// Empty (and no NATSURL): the embedded server runs alone, without
	// routes, with streams of one replica.
	ClusterListen string

	// Peers are the HOST:PORT cluster addresses of the other members
	// (--cluster-peer). A peer that cannot be reached is not an error:
	// the route is retried until it answers.
	Peers []string

	// NATSURL, if set, connects to an existing external NATS cluster with
	// JetStream instead of starting the embedded server (--nats-url).
	NATSURL string

	// ClientListen is where the embedded server accepts NATS clients;
	// "" means loopback on a free port (127.0.0.1:0), which is what the
	// node itself connects to.
	ClientListen string

	// ClusterName is the NATS cluster name; "" means "tidewatch".
	ClusterName string

	// Replicas is the number of copies of each stream; 0 means 3 with
	// peers or an external NATS, 1 for an embedded server alone.
	Replicas int

	// MaxAge and MaxBytes bound the ingest stream's retention (oldest
	// first); 0 means 24 hours and no byte limit. A node away longer
	// than that restores from a peer's snapshot. The control stream keeps
	// everything.
	MaxAge   time.Duration
	MaxBytes int64

	// Duplicates is the stream's deduplication window for message ids;
	// 0 means 2 minutes.
	Duplicates time.Duration

	// StartTimeout bounds how long Start waits for the embedded server to
	// listen and for the streams to be available (which needs a quorum
	// of the members); 0 means 60 seconds.
	StartTimeout time.Duration
}

const (
	defaultClusterName = "tidewatch"
	defaultMaxAge      = 24 * time.Hour
	defaultDuplicates  = 2 * time.Minute
	defaultStart       = 60 * time.Second
)

// withDefaults returns cfg with its zero values replaced by defaults, or
// a *ConfigError.
func (cfg Config) withDefaults() (Config, error) {
	bad := func(field, format string, args ...any) (Config, error) {
		return cfg, &ConfigError{Field: field, Err: fmt.Errorf(format, args...)}
	}
	if cfg.Name == "" {
		return bad("Name", "empty")
	}
	if strings.ContainsAny(cfg.Name, " \t\r\n.*>") {
		return bad("Name", "%q has a space, '.', '*' or '>'", cfg.Name)
	}
	if cfg.Dir == "" {
		return bad("Dir", "empty")
	}
	if cfg.ClusterListen == "" && len(cfg.Peers) > 0 {
		return bad("Peers", "set without ClusterListen")
	}
	if cfg.ClusterListen != "" && len(cfg.Peers) == 0 {
		return bad("Peers", "none: a clustered JetStream needs at least one peer to route to")
	}
	if cfg.ClusterListen != "" && cfg.NATSURL != "" {
		return bad("NATSURL", "set together with ClusterListen; use one")
	}
	if cfg.ClusterListen != "" {
		if _, _, err := net.SplitHostPort(cfg.ClusterListen); err != nil {
			return bad("ClusterListen", "%q: %w", cfg.ClusterListen, err)
		}
	}
	for _, p := range cfg.Peers {
		if _, _, err := net.SplitHostPort(p); err != nil {
			return bad("Peers", "%q: %w", p, err)
		}
	}
	if cfg.NATSURL != "" && len(cfg.Peers) > 0 {
		return bad("Peers", "set together with NATSURL")
	}
	if cfg.ClientListen == "" {
		cfg.ClientListen = "127.0.0.1:0"
	}
	if _, _, err := net.SplitHostPort(cfg.ClientListen); err != nil {
		return bad("ClientListen", "%q: %w", cfg.ClientListen, err)
	}
	if cfg.ClusterName == "" {
		cfg.ClusterName = defaultClusterName
	}
	if cfg.Replicas < 0 || cfg.Replicas > 5 {
		return bad("Replicas", "%d, want 1 to 5", cfg.Replicas)
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 3
		if cfg.NATSURL == "" && len(cfg.Peers) == 0 {
			cfg.Replicas = 1
		}
	}
	if cfg.NATSURL == "" && cfg.ClusterListen == "" && cfg.Replicas != 1 {
		return bad("Replicas", "%d without a cluster (no ClusterListen, no NATSURL)", cfg.Replicas)
	}
	if cfg.MaxAge < 0 || cfg.MaxBytes < 0 || cfg.Duplicates < 0 || cfg.StartTimeout < 0 {
		return bad("MaxAge", "negative limit")
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = defaultMaxAge
	}
	if cfg.Duplicates == 0 {
		cfg.Duplicates = defaultDuplicates
	}
	if cfg.Duplicates > cfg.MaxAge {
		cfg.Duplicates = cfg.MaxAge
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = defaultStart
	}
	return cfg, nil
}

// dir is where the package keeps its files in the data directory.
func (cfg Config) dir() string { return filepath.Join(cfg.Dir, "cluster") }
