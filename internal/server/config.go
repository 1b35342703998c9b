package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Config describes a node: where its data lives, where it listens, and its
// live inputs. It is read from a JSON file (ReadConfig) and completed from
// the command line; see the README for an example.
type Config struct {
	// Data is the store's directory.
	Data string `json:"data"`
	// Listen is the HTTP address (default 127.0.0.1:8080).
	Listen string  `json:"listen"`
	TLS    TLS     `json:"tls"`
	Inputs []Input `json:"inputs"`
	// Retain keeps this much history (e.g. "90d"); empty keeps all.
	Retain string `json:"retain"`
	// Land is "default", "none" or a GeoJSON file (see tidewatch ingest).
	Land string `json:"land"`
	// DetailLand, when set, is a detailed land that replaces Land inside
	// its boxes for the on_land flag and distance from shore (read at
	// start; see DetailLand).
	DetailLand *DetailLand `json:"detail_land,omitempty"`
	// Events configures live event detection.
	Events Events `json:"events"`
	// TileOrigins are origins of raster tile servers the web map may load
	// from (its ?tiles= setting); none by default, so the map makes no
	// request off its own origin.
	TileOrigins []string `json:"tile_origins"`
	// Basemap is a PMTiles v3 archive of vector tiles (tidewatch basemap
	// build, or an OpenStreetMap or Protomaps extract) the web map draws
	// instead of the embedded land; empty: none. It is checked at start.
	Basemap string `json:"basemap"`
	// Share configures sharing with partner nodes (package share).
	Share Share `json:"share"`
	// API bounds the HTTP API's heavy queries.
	API API `json:"api"`
	// CoT lists Cursor on Target outputs of the live picture (see
	// cot.go).
	CoT []CoTOutput `json:"cot"`
	// Relay is the NMEA relay of the AIS inputs' raw lines (relay.go).
	Relay RelayOutput `json:"relay"`
	// AllowAnonymousRead lets GET requests through without a token. Only
	// the demo sets it, and only on a loopback address.
	AllowAnonymousRead bool `json:"-"`
	// Cluster, when set, makes the node a member of a cluster on NATS
	// JetStream (see cluster.go and docs/cluster.md).
	Cluster Cluster `json:"cluster"`
}

// Events configures live event detection (package event).
type Events struct {
	// Off switches detection off.
	Off bool `json:"off"`
	// Preset is "gfw" (default) or "skylight".
	Preset string `json:"preset"`
	// Zones is a GeoJSON file of user zones for zone entry and exit.
	Zones string `json:"zones"`
	// Reorder is how long positions are held to be put in time order
	// before detection (default "1m"; late reports beyond it are late).
	Reorder string `json:"reorder"`
}

// Share configures sharing with partner nodes. Sharing runs when the data
// directory holds a node identity (DATA/node, made by "tidewatch node
// init"); the partners are those added with "tidewatch partner add".
// Partners added or revoked, and edits of the policy file, take effect
// while the node runs.
type Share struct {
	// Off switches sharing off even with an identity.
	Off bool `json:"off"`
	// Listen is the address partners' links connect to, e.g. ":7443";
	// empty: this node only dials out to partners with an address.
	Listen string `json:"listen"`
	// Policy is the sharing policy file (package policy); default
	// DATA/policy.json when it exists. Without one nothing is shared and
	// nothing accepted.
	Policy string `json:"policy"`
	// RetryMax bounds the wait before redialling a partner that could not
	// be reached (default "1m"; the waits start at a tenth of a second
	// and double).
	RetryMax string `json:"retry_max"`
}

// TLS configures HTTPS: a certificate and key file, or a self-signed
// certificate made at start-up for development.
type TLS struct {
	Cert       string `json:"cert"`
	Key        string `json:"key"`
	SelfSigned bool   `json:"self_signed"`
}

// Enabled reports whether HTTPS is configured.
func (t TLS) Enabled() bool { return t.Cert != "" || t.SelfSigned }

// Input is one live input.
type Input struct {
	// Type is "tcp-server" (receivers push NMEA to Listen), "tcp-client"
	// (connect to a feed at Address), "udp" (datagrams to Listen) or
	// "replay" (a file at Speed times real time); or a radar or
	// satellite sensor (see Sensor): "asterix" (ASTERIX CAT 048/062/034
	// datagrams to the UDP Listen address, or a pcap or raw recording in
	// File), "nmea-radar" (NMEA 0183 TTM/TLL with own-ship
	// RMC/GGA/VTG/HDT/THS/OSD/RSD, lines in datagrams to Listen or a File)
	// or "sar" (a File of satellite detections: GFW SAR, xView3, VIIRS or
	// GeoJSON). Sensor inputs feed the contact tracker, not the picture.
	Type string `json:"type"`
	// Transport is how a live "asterix" or "nmea-radar" input receives:
	// "udp" (the default: datagrams to Listen), "tcp-server" (radars
	// connect to Listen and push a stream) or "tcp-client" (connect to
	// the radar's server at Address, reconnecting with backoff). Over TCP
	// NMEA is lines and ASTERIX a sequence of data blocks (each starts
	// with its category and length). A sensor File is replayed at Speed
	// times real time by the detections' own times (ASTERIX by its
	// records' times of day, NMEA by its tag-block or sentence times); 0
	// reads it as fast as the tracker takes it.
	Transport string `json:"transport,omitempty"`
	// Site is a fixed radar's position: for "nmea-radar", the position
	// of TTM reports of a source without own-ship data (the source is the
	// tag-block s: field, else Name); for "asterix", of the SAC/SIC radar's
	// CAT 048 polar plots when its CAT 034 does not say.
	Site *SensorSite `json:"site,omitempty"`
	// Name names the input in metrics and provenance (default: type and
	// address).
	Name    string  `json:"name"`
	Listen  string  `json:"listen"`
	Address string  `json:"address"`
	File    string  `json:"file"`
	Speed   float64 `json:"speed"`
	Loop    bool    `json:"loop"`
	// Now shifts a replay so that it starts at the current time (the
	// demo's live traffic from a recording).
	Now bool `json:"now"`
	// MaxConns bounds the open connections of a tcp-server input
	// (default 64); MaxConnsPerAddr those from one source address
	// (default 8; -1: no bound but max_conns). IdleTimeout closes a TCP
	// connection that sends nothing for so long (default "10m"); when
	// every slot is taken, EvictIdle is how long a connection must have
	// been quiet to give its slot to a new one (default "30s"; "-1s":
	// never). Refused and evicted connections are counted
	// (tidewatch_input_conns_refused_total, _closed_total) and logged, at
	// most a line per 10 s.
	MaxConns        int    `json:"max_conns,omitempty"`
	MaxConnsPerAddr int    `json:"max_conns_per_addr,omitempty"`
	IdleTimeout     string `json:"idle_timeout,omitempty"`
	EvictIdle       string `json:"evict_idle,omitempty"`
}

// SensorSite is a fixed radar's position (and, for ASTERIX, its
// SAC/SIC).
type SensorSite struct {
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	HeightM float64 `json:"height_m,omitempty"`
	SAC     uint8   `json:"sac,omitempty"`
	SIC     uint8   `json:"sic,omitempty"`
}

// API bounds the HTTP API's heavy queries (near, area, track, the picture
// at a past moment).
type API struct {
	// HeavyTimeout is the time budget of one heavy query (default
	// "10s"): past it the query stops and the client gets 503 with
	// Retry-After.
	HeavyTimeout string `json:"heavy_timeout,omitempty"`
	// MaxHeavy is how many heavy queries run at once (default 4); more
	// get 429 with Retry-After.
	MaxHeavy int `json:"max_heavy,omitempty"`
}

// durationOf reads a duration of the configuration ("" is 0).
func durationOf(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	neg := strings.HasPrefix(s, "-")
	d, err := vessel.ParseDuration(strings.TrimPrefix(s, "-"))
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrConfig, field, err)
	}
	if neg {
		d = -d
	}
	return d, nil
}

// ErrConfig reports an invalid configuration.
var ErrConfig = errors.New("server: invalid configuration")

// ReadConfig reads a JSON configuration; unknown keys are errors, so a
// typo does not silently disable an input.
func ReadConfig(r io.Reader) (Config, error) {
	var c Config
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return c, nil
}

// ReadConfigFile reads a JSON configuration file.
func ReadConfigFile(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	c, err := ReadConfig(f)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Validate fills defaults and checks the configuration.
func (c *Config) Validate() error {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("%w: listen %q: %v", ErrConfig, c.Listen, err)
	}
	if c.Data == "" {
		return fmt.Errorf("%w: no data directory", ErrConfig)
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		return fmt.Errorf("%w: tls needs both cert and key", ErrConfig)
	}
	if c.TLS.Cert != "" && c.TLS.SelfSigned {
		return fmt.Errorf("%w: tls: a certificate file and self_signed exclude each other", ErrConfig)
	}
	if c.AllowAnonymousRead && !IsLoopback(c.Listen) {
		return fmt.Errorf("%w: anonymous reads are allowed only on a loopback address, not %q", ErrConfig, c.Listen)
	}
	if err := c.Cluster.validate(c); err != nil {
		return err
	}
	names := map[string]bool{}
	for i := range c.Inputs {
		if err := validateInput(&c.Inputs[i], i, names); err != nil {
			return err
		}
	}
	return c.validateAPI()
}

// validateInput fills the defaults of the i-th input (0-based) and checks
// it; names holds the names of the inputs before it and gains its name.
func validateInput(in *Input, i int, names map[string]bool) error {
	switch in.Type {
	case "tcp-server", "udp":
		if _, _, err := net.SplitHostPort(in.Listen); err != nil {
			return fmt.Errorf("%w: input %d (%s): listen %q: %v", ErrConfig, i+1, in.Type, in.Listen, err)
		}
		if in.Name == "" {
			in.Name = in.Type + ":" + in.Listen
		}
	case "tcp-client":
		if _, _, err := net.SplitHostPort(in.Address); err != nil {
			return fmt.Errorf("%w: input %d (tcp-client): address %q: %v", ErrConfig, i+1, in.Address, err)
		}
		if in.Name == "" {
			in.Name = "tcp:" + in.Address
		}
	case "asterix", "nmea-radar", "sar":
		if err := validateSensorInput(in, i); err != nil {
			return err
		}
	case "replay":
		if in.File == "" {
			return fmt.Errorf("%w: input %d (replay): no file", ErrConfig, i+1)
		}
		if in.Speed < 0 {
			return fmt.Errorf("%w: input %d (replay): negative speed", ErrConfig, i+1)
		}
		if in.Name == "" {
			in.Name = "replay:" + in.File
		}
	default:
		return fmt.Errorf("%w: input %d: unknown type %q (want tcp-server, tcp-client, udp, replay, asterix, nmea-radar or sar)", ErrConfig, i+1, in.Type)
	}
	if names[in.Name] {
		return fmt.Errorf("%w: two inputs named %q", ErrConfig, in.Name)
	}
	if in.MaxConns < 0 {
		return fmt.Errorf("%w: input %d (%s): max_conns %d: want 1 or more (0: the default)", ErrConfig, i+1, in.Type, in.MaxConns)
	}
	if in.MaxConnsPerAddr < -1 {
		return fmt.Errorf("%w: input %d (%s): max_conns_per_addr %d: want 1 or more, or -1 for no bound", ErrConfig, i+1, in.Type, in.MaxConnsPerAddr)
	}
	for _, d := range []struct{ f, v string }{{"idle_timeout", in.IdleTimeout}, {"evict_idle", in.EvictIdle}} {
		if _, err := durationOf(fmt.Sprintf("input %d (%s): %s", i+1, in.Type, d.f), d.v); err != nil {
			return err
		}
	}
	names[in.Name] = true
	return nil
}

// validateSensorInput checks the transport, source and site of the i-th
// input (0-based) of type asterix, nmea-radar or sar, and names it.
func validateSensorInput(in *Input, i int) error {
	addr := in.Listen
	switch in.Transport {
	case "", "udp", "tcp-server":
		if in.Address != "" {
			return fmt.Errorf("%w: input %d (%s): an address is for transport tcp-client", ErrConfig, i+1, in.Type)
		}
	case "tcp-client":
		addr = in.Address
		if in.Listen != "" {
			return fmt.Errorf("%w: input %d (%s): a listen address is not for transport tcp-client", ErrConfig, i+1, in.Type)
		}
	default:
		return fmt.Errorf("%w: input %d (%s): unknown transport %q (want udp, tcp-server or tcp-client)", ErrConfig, i+1, in.Type, in.Transport)
	}
	if in.File == "" && addr == "" || in.File != "" && addr != "" {
		return fmt.Errorf("%w: input %d (%s): want a listen address, an address or a file", ErrConfig, i+1, in.Type)
	}
	if in.File != "" && in.Transport != "" {
		return fmt.Errorf("%w: input %d (%s): transport %q is not for a file", ErrConfig, i+1, in.Type, in.Transport)
	}
	if in.Type == "sar" && in.File == "" {
		return fmt.Errorf("%w: input %d (sar): no file", ErrConfig, i+1)
	}
	if in.Speed < 0 {
		return fmt.Errorf("%w: input %d (%s): negative speed", ErrConfig, i+1, in.Type)
	}
	if addr != "" {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("%w: input %d (%s): address %q: %v", ErrConfig, i+1, in.Type, addr, err)
		}
	}
	if s := in.Site; s != nil && !(s.Lat >= -90 && s.Lat <= 90 && s.Lon >= -180 && s.Lon <= 180) {
		return fmt.Errorf("%w: input %d (%s): site %v,%v is off the Earth", ErrConfig, i+1, in.Type, s.Lat, s.Lon)
	}
	if in.Name == "" {
		in.Name = in.Type + ":" + addr + in.File
	}
	return nil
}

// validateAPI checks the api section.
func (c *Config) validateAPI() error {
	if d, err := durationOf("api.heavy_timeout", c.API.HeavyTimeout); err != nil {
		return err
	} else if d < 0 {
		return fmt.Errorf("%w: api.heavy_timeout %q: want a positive duration", ErrConfig, c.API.HeavyTimeout)
	}
	if c.API.MaxHeavy < 0 {
		return fmt.Errorf("%w: api.max_heavy %d: want 1 or more (0: the default)", ErrConfig, c.API.MaxHeavy)
	}
	return nil
}

// IsLoopback reports whether a listen address binds only loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
