package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
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

	// TLSCert, TLSKey and TLSCA are PEM files (--cluster-tls-cert,
	// --cluster-tls-key, --cluster-tls-ca): this member's certificate
	// and key, and the certificate authority that signed every
	// member's. Set all three or none. With them the embedded server
	// speaks TLS on its routes and its client port and requires the
	// peer's certificate, signed by TLSCA, from both sides of a route and
	// from every client (a peer without one is refused); a member's
	// certificate must name the host of its --cluster-listen (an IP
	// address SAN for an address), as its peers verify it. With NATSURL
	// they are the client certificate and the server's CA (the node's
	// own in-process connection uses them too).
	TLSCert, TLSKey, TLSCA string

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
	if n := btoi(cfg.TLSCert != "") + btoi(cfg.TLSKey != "") + btoi(cfg.TLSCA != ""); n != 0 && n != 3 {
		return bad("TLSCert", "set the certificate, its key and the CA together")
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

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tlsConfig returns the TLS configuration of routes and clients made
// from TLSCert, TLSKey and TLSCA (nil without them): TLS 1.2 or later,
// this member's certificate, and the peer's certificate required and
// verified against the CA, in both directions.
func (cfg Config) tlsConfig() (*tls.Config, error) {
	if cfg.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, &ConfigError{Field: "TLSCert", Err: err}
	}
	caPEM, err := os.ReadFile(cfg.TLSCA)
	if err != nil {
		return nil, &ConfigError{Field: "TLSCA", Err: err}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, &ConfigError{Field: "TLSCA", Err: fmt.Errorf("%s holds no PEM certificate", cfg.TLSCA)}
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	}, nil
}
