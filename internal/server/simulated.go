package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// SimulatedTraffic is an input of simulated vessels (package simulate)
// paced by the clock: the History before Start is delivered at once (the
// last Backfill of it at Rate, the rest at HistoryRate), so a new map has
// ships, tracks and a day to slide back through immediately, and then
// each report when its time comes. The demo uses it as its live feed.
//
// A batch the pipeline refuses (its queue full) is offered again after a
// pause, so history is never lost; the pipeline counts each refusal in
// its dropped counter.
type SimulatedTraffic struct {
	Vessels int
	Seed    uint64
	// Config, when set, is the simulation to run (simulate.NewDemo's);
	// its Vessels replaces Vessels. Its Rate, if 0, is Rate.
	Config *simulate.Config
	Rate   float64 // AIS rate factor (default 0.5)
	// Start is when the live feed starts; zero means Now() when Run
	// starts. Reports up to it are delivered at once.
	Start time.Time
	// Backfill is the span before Start delivered at the full reporting
	// rate (default 30 min).
	Backfill time.Duration
	// History is the span before Start delivered at all (default
	// Backfill). Before Start-Backfill the vessels report at HistoryRate
	// (default 0.01: a ship under way every 10 to 17 minutes, none silent
	// for more than 30; see simulate.Config.HistoryRate), except the
	// scripted vessels (Config.Script), whose stories keep every report;
	// a Config with a HistoryRate of its own keeps it.
	History     time.Duration
	HistoryRate float64
	// Resume, when set, holds back every report dated before it: the
	// simulation runs from the same start, but delivers only from Resume
	// on (a cluster demo's generator restarted: the log holds what it
	// published before; see DemoState).
	Resume time.Time
	Submit func([]vessel.Observation) bool
	Now    func() time.Time
	// Sleep waits for d or until ctx ends (default: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// Delivered, when set, is closed once every report dated up to the
	// clock has been handed over (the history at start), or when Run
	// returns: another input that must follow the history (the demo's
	// radar story, SimulatedRadar.After) waits for it.
	Delivered chan struct{}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// simBatch is the size of the batches handed to the pipeline: large, so
// that a day of history fits its queue (1024 batches).
const simBatch = 4096

// Run delivers traffic until ctx ends.
func (s *SimulatedTraffic) Run(ctx context.Context) error {
	now, sleep := s.Now, s.Sleep
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = sleepCtx
	}
	rate, back, hist, hrate := s.Rate, s.Backfill, s.History, s.HistoryRate
	if rate == 0 {
		rate = 0.5
	}
	if back == 0 {
		back = 30 * time.Minute
	}
	if hist < back {
		hist = back
	}
	if hrate == 0 {
		hrate = 0.01
	}
	cfg := simulate.Config{Vessels: s.Vessels}
	if s.Config != nil {
		cfg = *s.Config
	}
	if cfg.Rate == 0 {
		cfg.Rate = rate
	}
	if cfg.Source == "" {
		cfg.Source = "demo-sim"
	}
	start := s.Start
	if start.IsZero() {
		start = now()
	}
	from := vessel.TimeOf(start.Add(-hist))
	if hist > back && cfg.HistoryRate == 0 {
		cfg.HistoryRate, cfg.HistoryUntil = hrate, vessel.TimeOf(start.Add(-back))
	}
	sim := simulate.New(cfg, rand.New(rand.NewPCG(s.Seed, 7)))
	delivered := func() {}
	if s.Delivered != nil {
		var once sync.Once
		delivered = func() { once.Do(func() { close(s.Delivered) }) }
		defer delivered()
	}

	var batch []vessel.Observation
	flush := func() error {
		pause := 20 * time.Millisecond
		for len(batch) > 0 && !s.Submit(batch) {
			if err := sleep(ctx, pause); err != nil {
				return err
			}
			pause = min(2*pause, time.Second)
		}
		batch = nil
		return nil
	}
	resume := vessel.Time(math.MinInt64)
	if !s.Resume.IsZero() {
		resume = vessel.TimeOf(s.Resume)
	}
	err := sim.Run(from, from+vessel.Time(30*24*time.Hour/time.Millisecond), func(o *vessel.Observation) error {
		if o.Time() < resume {
			return ctx.Err()
		}
		// Until the clock reaches the report (a clock that stands still
		// holds the feed: nothing is delivered dated after it).
		for wait := o.Time().Std().Sub(now()); wait > 0; wait = o.Time().Std().Sub(now()) {
			if err := flush(); err != nil {
				return err
			}
			delivered() // everything dated up to the clock is handed over
			if err := sleep(ctx, wait); err != nil {
				return err
			}
		}
		batch = append(batch, *o)
		if len(batch) >= simBatch {
			if err := flush(); err != nil {
				return err
			}
		}
		return ctx.Err()
	})
	if err == nil {
		err = flush()
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Simulated traffic in cluster mode (issue 14). A cluster node applies
// only what is in the ingest log, so the simulated inputs (the demo's
// SimulatedTraffic and SimulatedRadar) publish there as every other
// input does, and every member shows the same simulated ships and
// contacts: the AIS as NMEA lines (appendObservationNMEA: a position as a
// type 1 report, static data as a type 5 message, each behind a tag block
// with its time, c:, and source, s:), in entries of at most
// simEntryLines lines, each acknowledged before the next goes; the radar
// and SAR as sensor batches (entry version 2, SimulatedRadar). The
// entries' receive time is the node's clock when it publishes them.
const (
	// simTrafficInput names the simulated traffic's entries in the log
	// (its reports carry their own source, "demo-sim").
	simTrafficInput = "simulated"
	// simEntryLines and simEntryBytes bound one entry of simulated AIS.
	simEntryLines = 1000
	simEntryBytes = 256 << 10
)

// appendObservationNMEA appends o as AIS NMEA sentences, each behind a
// tag block with the report's time (c:, whole seconds) and source (s:):
// a position as a type 1 report (its Class B senders too: the picture
// keeps no transponder class), static data as a type 5 message (a Class
// B vessel's too: the fields it lacks are "not available"), seq its
// sequential message id (0 to 9) when it takes two sentences. An
// observation of another kind appends nothing.
func appendObservationNMEA(dst []byte, o *vessel.Observation, seq int) ([]byte, error) {
	switch o.Kind {
	case vessel.KindPosition:
		p := &o.Position
		opt := ais.NMEAOptions{Channel: "AB"[seq&1], Time: p.Time.Std(), Source: p.Source}
		lon, lat := ais.LonNA, ais.LatNA
		if p.HasPosition() {
			lon, lat = ais.Lon(math.Round(p.Lon*600000)), ais.Lat(math.Round(p.Lat*600000))
		}
		m := ais.PositionReport{Header: ais.Header{Type: 1, MMSI: uint32(p.MMSI)}, Status: ais.NavStatus(p.Status),
			Turn: ais.TurnNA, Speed: ais.Speed(p.SOG), Lon: lon, Lat: lat, Course: ais.Course(p.COG),
			Heading: ais.Heading(p.Heading), Second: ais.Second(p.Time.Std().Second())}
		return ais.AppendNMEA(dst, &m, opt)
	case vessel.KindStatic:
		st := &o.Static
		opt := ais.NMEAOptions{Channel: "AB"[seq&1], Time: st.Time.Std(), Source: st.Source, SeqID: seq % 10}
		m := ais.StaticVoyage{Header: ais.Header{Type: 5, MMSI: uint32(st.MMSI)}, IMO: st.IMO,
			CallSign: ais.NewText(st.CallSign), ShipName: ais.NewText(st.Name), ShipType: ais.ShipType(st.ShipType),
			Dim:  ais.Dimensions{ToBow: st.ToBow, ToStern: st.ToStern, ToPort: st.ToPort, ToStarboard: st.ToStarboard},
			EPFD: 1, ETA: etaOf(st.ETA), Draught: uint8(min(st.Draught, 255)), Destination: ais.NewText(st.Destination)}
		return ais.AppendNMEA(dst, &m, opt)
	}
	return dst, nil
}

// etaOf reads an ETA as vessel.Static holds it, "MM-DDTHH:MM"; anything
// else is "not available".
func etaOf(s string) ais.ETA {
	var mo, d, h, mi uint8
	if len(s) != 11 || s[2] != '-' || s[5] != 'T' || s[8] != ':' {
		return ais.ETA{Hour: 24, Minute: 60}
	}
	for i, f := range []*uint8{&mo, &d, &h, &mi} {
		a, b := s[3*i], s[3*i+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return ais.ETA{Hour: 24, Minute: 60}
		}
		*f = (a-'0')*10 + b - '0'
	}
	return ais.ETA{Month: mo, Day: d, Hour: h, Minute: mi}
}

// publishObservations publishes obs to the ingest log as NMEA lines
// (appendObservationNMEA) from input, received at the node's clock, in
// entries of at most simEntryLines lines and simEntryBytes bytes, each
// acknowledged before the next goes (publishBatch); it returns the
// first error (ctx's when it ends first). seq numbers the messages (it
// alternates the radio channel and gives type 5 its sequential id).
func (m *clusterMember) publishObservations(ctx context.Context, input string, obs []vessel.Observation, seq *int) error {
	var buf []byte
	var lines [][]byte
	flush := func() error {
		if len(lines) == 0 {
			return nil
		}
		b := cluster.Batch{Input: input, Received: m.now(), Lines: lines}
		lines, buf = nil, nil
		return m.publishBatch(ctx, b, "")
	}
	for i := range obs {
		start := len(buf)
		*seq++
		var err error
		if buf, err = appendObservationNMEA(buf, &obs[i], *seq); err != nil {
			return fmt.Errorf("server: simulated observation of kind %d: %w", obs[i].Kind, err)
		}
		// One line a sentence, without its line end (the log's lines).
		for rest := buf[start:]; len(rest) > 0; {
			line, after, _ := bytes.Cut(rest, []byte("\r\n"))
			lines = append(lines, line)
			rest = after
		}
		if len(lines) >= simEntryLines || len(buf) >= simEntryBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// simulatedInputs wraps the runners of Options.Extra for cluster mode:
// their submit publishes to the ingest log (publishObservations) with
// the context the runner runs with, and reports false (the runner
// offers the batch again after a pause) when that context ended or the
// log is closed.
func (m *clusterMember) simulatedInputs(extra func(submit func([]vessel.Observation) bool) []Runner) []Runner {
	var runCtx atomic.Pointer[context.Context]
	var mu sync.Mutex // one submit at a time: the entries of a batch in order
	seq := 0
	submit := func(obs []vessel.Observation) bool {
		ctx := context.Background()
		if p := runCtx.Load(); p != nil {
			ctx = *p
		}
		mu.Lock()
		defer mu.Unlock()
		err := m.publishObservations(ctx, simTrafficInput, obs, &seq)
		if err != nil && ctx.Err() == nil && !errors.Is(err, cluster.ErrClosed) {
			m.logger.Warn("cluster: publishing simulated traffic", "err", err)
		}
		return err == nil
	}
	var out []Runner
	for _, r := range extra(submit) {
		out = append(out, ComponentFunc(func(ctx context.Context) error {
			runCtx.CompareAndSwap(nil, &ctx)
			return r.Run(ctx)
		}))
	}
	return out
}

// ErrNotLoopback is returned by LoopbackAdmin.Run for a listener that is
// not on a loopback address.
var ErrNotLoopback = errors.New("server: the admin session is for loopback only")

// LoopbackAdmin is the demo's admin session: an HTTP front on a loopback
// listener that forwards every request to the node and adds Token, an
// admin token, to the requests that carry no Authorization header, so
// that a browser on this machine can try zones and incidents without a
// token. It adds the token only to a request addressed to a loopback host
// (127.0.0.1, ::1 or localhost: a page of another site whose name
// resolves to 127.0.0.1 is refused) and, for methods other than GET and
// HEAD, only to one from the page's own origin (its Origin header, if
// any, says so); and never to one whose Sec-Fetch-Site says another site
// sent it: a page of another site open in the same browser cannot act as
// the admin. A request that fails these
// checks is forwarded as it is: anonymous. Run refuses a listener that is
// not on a loopback address.
//
// A LoopbackAdmin is a Runner: Run serves until ctx ends.
type LoopbackAdmin struct {
	Listener net.Listener
	// Upstream returns the node's HTTP address once it serves.
	Upstream func(ctx context.Context) (string, error)
	Token    string
	Logger   *slog.Logger
}

// Run serves until ctx ends.
func (g *LoopbackAdmin) Run(ctx context.Context) error {
	if ta, ok := g.Listener.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		g.Listener.Close()
		return fmt.Errorf("%w: not %s", ErrNotLoopback, g.Listener.Addr())
	}
	up, err := g.Upstream(ctx)
	if err != nil {
		g.Listener.Close()
		return err
	}
	h, err := g.Handler(up)
	if err != nil {
		g.Listener.Close()
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(g.logger().Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(g.Listener) }()
	select {
	case <-ctx.Done():
	case err := <-done:
		return err
	}
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if srv.Shutdown(shut) != nil {
		srv.Close() // live streams do not end by themselves
	}
	<-done
	return nil
}

func (g *LoopbackAdmin) logger() *slog.Logger {
	if g.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return g.Logger.With("component", "admin-session")
}

// Handler returns the forwarding handler to the node at upstream
// (host:port). A request the node cannot answer (it is stopping) gets
// 502, logged at the warning level.
func (g *LoopbackAdmin) Handler(upstream string) (http.Handler, error) {
	u, err := url.Parse("http://" + upstream)
	if err != nil {
		return nil, fmt.Errorf("server: admin session upstream %q: %w", upstream, err)
	}
	bearer := "Bearer " + g.Token
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host
			if pr.In.Header.Get("Authorization") == "" && adminAllowed(pr.In) {
				pr.Out.Header.Set("Authorization", bearer)
			}
		},
		FlushInterval: -1, // the live stream
		ErrorLog:      slog.NewLogLogger(g.logger().Handler(), slog.LevelWarn),
	}, nil
}

// adminAllowed reports whether r may get the admin session: addressed to
// a loopback host, and from the same origin unless it only reads.
func adminAllowed(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if ip := net.ParseIP(host); !(strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()) {
		return false
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	if o := r.Header.Get("Origin"); o != "" && !strings.EqualFold(o, "http://"+r.Host) {
		return false
	}
	return true
}
