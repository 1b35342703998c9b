package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
	"github.com/tidewatch/tidewatch/internal/vessel"
	"github.com/tidewatch/tidewatch/internal/webui"
)

// streamSub is the live stream's subscription to the fan-out: the new
// state of each vessel the picture moved (a good, in-order position, or
// changed static data) and every event go to the hub, whose ring the
// stream's clients read. The vessel's state is built only while the
// stream has a client; without one, the hub skips a sequence number
// instead.
type streamSub struct {
	hub *httpapi.Hub
	pic *fusion.Picture
}

func (s *streamSub) Result(o *vessel.Observation, r *fusion.Result) {
	switch r.Outcome {
	case fusion.Stored:
		if r.Position.Flags&vessel.Bad != 0 || r.Position.Flags&vessel.FlagLate != 0 {
			return // not the latest: the picture did not move
		}
	case fusion.Static:
	default:
		return
	}
	if s.hub.Clients() == 0 {
		// Nobody listens: no snapshot is built, but the sequence moves on,
		// so that a client resuming from before gets told (Hub.Skip); the
		// bbox index still follows the vessel (Hub.Place).
		if r.Outcome == fusion.Stored {
			s.hub.Place(r.MMSI, r.Position.Lat, r.Position.Lon)
		}
		s.hub.Skip()
		return
	}
	if st, ok := s.pic.Vessel(r.MMSI); ok {
		s.hub.Publish(bind.Update(&st))
	}
}

func (s *streamSub) Events(evs []event.Event) {
	for i := range evs {
		ev := evs[i]
		s.hub.Publish(httpapi.Update{Event: &ev})
	}
}

func (s *streamSub) Commit() {}

// openHTTP makes the API and the web map and binds the listener.
func (n *Node) openHTTP() error {
	mux, err := n.handler()
	if err != nil {
		return err
	}
	var ln net.Listener
	if n.early != nil {
		// A cluster node's early answers (cluster_early.go) hand their
		// socket over: the same address, nothing refused in between.
		ln, err = n.early.handOver()
	} else {
		ln, err = net.Listen("tcp", n.cfg.Listen)
	}
	if err != nil {
		return fmt.Errorf("server: listen: %w", err)
	}
	n.onClose(func() error {
		ln.Close() // closed already once the server ran
		return nil
	})
	if n.cfg.TLS.Enabled() {
		tc, err := tlsConfig(n.cfg.TLS, n.now())
		if err != nil {
			return err
		}
		ln = tls.NewListener(ln, tc)
	}
	n.ln = ln
	n.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(n.log.Handler(), slog.LevelWarn)}
	return nil
}

// handler returns everything the node serves: the API with its metrics
// and health, the basemap, and the web map.
func (n *Node) handler() (http.Handler, error) {
	cfg := n.cfg
	tokens, err := httpapi.OpenTokens(filepath.Join(cfg.Data, "tokens.json"))
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{pipe: n.pipe, pic: n.core.Picture, db: n.db, inputs: n.stats, share: n.sharer, fan: n.core.Fanout})
	reg.MustRegister(&sensorCollector{inputs: n.sensors, tracker: n.contacts})
	reg.MustRegister(n.outputs())
	if err := n.openControl(tokens); err != nil { // cluster_control.go
		return nil, err
	}
	if n.cl != nil {
		c := n.cl.collector()
		if mc, ok := c.(*memberCollector); ok && n.ctl != nil {
			n.ctl.addTo(mc.Collector)
			reg.MustRegister(n.ctl.collector())
		}
		reg.MustRegister(c)
	}
	heavyTimeout, _ := durationOf("api.heavy_timeout", cfg.API.HeavyTimeout) // checked by Validate
	db := n.db
	apiCfg := httpapi.Config{DB: bind.History(db), Picture: bind.Picture(n.core.Picture), Tokens: tokens,
		Export: bind.Exporter(db), AllowAnonymousRead: cfg.AllowAnonymousRead,
		Hub: n.hub, Registry: reg, Logger: n.log, Now: n.now, Incidents: n.book, NodeName: n.name,
		HeavyTimeout: heavyTimeout, MaxHeavy: cfg.API.MaxHeavy, Contacts: n.contacts}
	if n.events != nil {
		apiCfg.Events, apiCfg.Zones, apiCfg.ZoneEditor = n.events.log, n.events.initial, zoneEditor{n.events.zones}
		apiCfg.Anchorages = n.events.apiAnchorages
	}
	if n.ctl != nil { // changes through the cluster's control log
		apiCfg.Incidents = controlIncidents{IncidentBook: n.book, m: n.ctl}
		if n.events != nil {
			apiCfg.ZoneEditor = controlZones{n.ctl}
		}
	}
	if n.sharer != nil {
		apiCfg.Audit = bind.Audit(n.sharer.Audit())
		apiCfg.Partners = func() []httpapi.PartnerInfo { return partnerInfo(n.sharer, n.now) }
	}
	apiCfg.Ready = func() error {
		if !n.ready.Load() {
			return errors.New("starting")
		}
		if err := n.cl.ready(); err != nil {
			return err
		}
		if err := n.ctl.ready(); err != nil {
			return err
		}
		return storeReady(n.db.Health())
	}
	api := httpapi.New(apiCfg)
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	for _, p := range []string{"/openapi.json", "/metrics", "/healthz", "/readyz", "/ogc", "/ogc/"} {
		mux.Handle(p, api)
	}
	land50, err := landHandler()
	if err != nil {
		return nil, err
	}
	mux.Handle("/basemap/land.geojson", land50)
	tiles, info, err := pmtilesHandlers(cfg.Basemap)
	if err != nil {
		return nil, err
	}
	mux.Handle("/basemap/tiles.pmtiles", tiles)
	mux.Handle("/basemap/info", info)
	web := n.opt.Web
	if web == nil {
		if web, err = webui.NewHandler(webui.Config{TileOrigins: cfg.TileOrigins}); err != nil {
			return nil, fmt.Errorf("%w: tile_origins: %v", ErrConfig, err)
		}
	}
	mux.Handle("/", web)
	return mux, nil
}
