package server

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/recorder"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// CoreConfig describes the synchronous core of a node: the one place
// where the picture, its recording into the store and the fan-out to
// event detection are put together. The node (serve, demo), ingest and
// events build theirs with NewCore.
type CoreConfig struct {
	// Land is the land mask of the on_land flag (LoadLand); nil: none.
	Land *geo.LandMask
	// LandMargin is fusion.Config.LandMargin (metres; 0: none).
	LandMargin float64
	// SourceWeight is fusion.Config.SourceWeight (nil: every source 1).
	SourceWeight func(source string) float64
	// Now is the picture's wall clock (nil: time.Now).
	Now func() time.Time
	// Store, when set, records what the picture keeps (package
	// recorder); the picture is first restored from it. Nil: the picture
	// only (events over files).
	Store *store.DB
	// Recorder tunes the recorder (its OnResult is the core's).
	Recorder recorder.Options
}

// Core is the path an observation takes, synchronously: fusion into the
// picture, the recording of what it keeps into the store, and the
// subscribers of the fan-out (event detection, the live stream,
// sharing). It is not safe for concurrent use: in a node, the pipeline's
// goroutine owns it; ingest and events call it directly.
type Core struct {
	Picture *fusion.Picture
	Fanout  *Fanout
	rec     *recorder.Recorder // nil without a store
}

// NewCore builds a core; with a store, it restores the picture from it
// and returns how many vessels that gave.
func NewCore(cfg CoreConfig) (*Core, int, error) {
	c := &Core{Fanout: &Fanout{}}
	fc := fusion.Config{LandMargin: cfg.LandMargin, SourceWeight: cfg.SourceWeight, Now: cfg.Now}
	if cfg.Land != nil {
		fc.Land = cfg.Land // a nil *LandMask in the interface would not be nil
	}
	c.Picture = fusion.NewPicture(fc)
	if cfg.Store == nil {
		return c, 0, nil
	}
	n, err := recorder.Restore(c.Picture, cfg.Store)
	if err != nil {
		return nil, 0, err
	}
	ro := cfg.Recorder
	ro.OnResult = c.Fanout.Result
	c.rec = recorder.New(c.Picture, cfg.Store, ro)
	return c, n, nil
}

// Observe applies one observation: to the picture, to the store when
// there is one (queued for the next Commit), and to the subscribers.
func (c *Core) Observe(o *vessel.Observation) error {
	if c.rec != nil {
		return c.rec.Record(o)
	}
	r := c.Picture.Apply(o)
	c.Fanout.Result(o, &r)
	return nil
}

// Commit makes what was recorded durable (nothing to do without a
// store). It does not tell the subscribers: the pipeline does, after a
// commit or a quiet interval.
func (c *Core) Commit() error {
	if c.rec == nil {
		return nil
	}
	return c.rec.Commit()
}

// Recorder returns the recorder (nil without a store), for its counters.
func (c *Core) Recorder() *recorder.Recorder { return c.rec }

// LoadLand reads a land setting: "default" or "" is the bundled Natural
// Earth land, "none" no land mask (nil), anything else a GeoJSON file.
func LoadLand(spec string) (*geo.LandMask, error) {
	switch spec {
	case "", "default":
		return geo.DefaultLand()
	case "none":
		return nil, nil
	}
	f, err := os.Open(spec)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := geo.ReadLandMask(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	return m, nil
}

// EventSpec is how an event engine is asked for, by the configuration
// of a node or the flags of tidewatch events.
type EventSpec struct {
	Preset string // "" is gfw
	// Params is a JSON document of parameters overriding the preset's
	// (event.ParseParams); nil: the preset's.
	Params []byte
	// Ports is "default" or "" (the bundled ports and anchorages), "none",
	// or a CSV file.
	Ports string
	// Zones is a GeoJSON file of zones; "" none.
	Zones   string
	Reorder time.Duration
}

// ErrEventSpec: an EventSpec names an unknown preset or bad parameters.
var ErrEventSpec = errors.New("server: invalid event detection settings")

// EventConfig turns a spec into the engine's configuration, with land as
// the land mask for distance from shore.
func EventConfig(spec EventSpec, land *geo.LandMask) (event.Config, error) {
	cfg := event.Config{Preset: spec.Preset, Land: land, Reorder: spec.Reorder}
	if cfg.Preset == "" {
		cfg.Preset = event.PresetGFW
	}
	if spec.Params != nil {
		p, preset, err := event.ParseParams(cfg.Preset, spec.Params)
		if err != nil {
			return cfg, fmt.Errorf("%w: %w", ErrEventSpec, err)
		}
		cfg.Params, cfg.Preset = &p, preset
	} else if _, ok := event.Preset(cfg.Preset); !ok {
		return cfg, fmt.Errorf("%w: unknown preset %q (want gfw, skylight or transshipment)", ErrEventSpec, cfg.Preset)
	}
	switch spec.Ports {
	case "", "default":
		cfg.Ports = event.DefaultPorts()
	case "none":
	default:
		f, err := os.Open(spec.Ports)
		if err != nil {
			return cfg, err
		}
		cfg.Ports, err = event.ReadPorts(f)
		f.Close()
		if err != nil {
			return cfg, fmt.Errorf("ports %s: %w", spec.Ports, err)
		}
	}
	if spec.Zones != "" {
		f, err := os.Open(spec.Zones)
		if err != nil {
			return cfg, err
		}
		feats, err := geo.ReadGeoJSON(f)
		f.Close()
		if err != nil {
			return cfg, fmt.Errorf("zones %s: %w", spec.Zones, err)
		}
		cfg.Zones = event.ZonesFromGeoJSON(feats)
	}
	return cfg, nil
}

// Detector feeds an event engine from what the picture decided: stored
// positions to Observe, static reports to ObserveStatic (vessel
// categories); the events go to Publish. It is a Subscriber whose Events
// and Commit do nothing (a live node adds those, see liveEvents).
type Detector struct {
	Engine  *event.Engine
	Publish func([]event.Event)
	// Newest is the time of the newest position observed.
	Newest vessel.Time
}

// Result observes what the picture stored.
func (d *Detector) Result(o *vessel.Observation, r *fusion.Result) {
	switch {
	case r.Outcome == fusion.Stored:
		d.Position(r.Position)
	case r.Outcome == fusion.Static && o.Kind == vessel.KindStatic:
		d.Engine.ObserveStatic(o.Static)
	}
}

// Position observes one position (history read from the store).
func (d *Detector) Position(p vessel.Position) {
	d.Newest = max(d.Newest, p.Time)
	d.Publish(d.Engine.Observe(p))
}

// Events does nothing: the detector's own events are published.
func (d *Detector) Events([]event.Event) {}

// Commit does nothing.
func (d *Detector) Commit() {}
