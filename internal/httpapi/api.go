package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tidewatch/tidewatch/internal/event"
)

// Config configures the API handler. DB and Picture are required; every
// other field has a documented zero value.
type Config struct {
	// DB is the stored history the history queries (track, near, area,
	// the picture at a past moment) read: bind.History of the server's
	// *store.DB.
	DB History
	// Picture is the live picture (vessels, one vessel, search):
	// bind.Picture of the server's *fusion.Picture.
	Picture Picture
	// Export plans the positions of an export and writes its files (GET
	// /api/v1/export, the OGC positions and tracks): bind.Exporter of the
	// server's store (package export). Nil: those answer 501.
	Export Exporter
	// Tokens checks bearer tokens. Nil means no token is valid: only
	// anonymous reads (AllowAnonymousRead) and the health endpoints
	// answer.
	Tokens *Tokens
	// AllowAnonymousRead grants the read role to requests without a
	// token: for the demo bound to loopback. A request that does send a
	// token must send a valid one.
	AllowAnonymousRead bool
	// Hub is the live stream's fan-out. Nil: the stream answers with
	// updates never (a Hub of its own that nobody publishes to).
	Hub *Hub
	// Registry receives the API's metrics and is served on /metrics. Nil:
	// a registry of the API's own.
	Registry *prometheus.Registry
	// Logger receives internal errors. Nil discards.
	Logger *slog.Logger
	// Now is the clock of the picture: ages and max_age count from it,
	// and relative times (-2h) are relative to it. It is the wall clock
	// for live feeds; a server replaying recorded data passes the replay
	// clock, so that the picture of the replayed moment is shown. Nil:
	// time.Now.
	Now func() time.Time
	// Ready reports whether the node is ready to serve (GET /readyz).
	// Nil: always ready.
	Ready func() error
	// Events lists detected events (GET /api/v1/events). Nil: the
	// endpoint answers 501.
	Events EventSource
	// Zones are the zones of zone entry and exit events
	// (GET /api/v1/zones) when ZoneEditor is nil.
	Zones []event.Zone
	// ZoneEditor, when set, is the source of the zones (GET /api/v1/zones) and
	// lets admins create, replace and delete them. Nil: Config.Zones, read-only.
	ZoneEditor ZoneEditor
	// Incidents, when set, serves and edits incidents and risk assessments (/api/v1/incidents). Nil: 501.
	Incidents IncidentStore
	// Audit, when set, lets admins query the sharing audit log (/api/v1/audit). Nil: 501.
	Audit AuditLog
	// Partners, when set, lists the partner nodes and their links (/api/v1/partners). Nil: 501.
	Partners func() []PartnerInfo
	// NodeName names this node: the producer in STIX exports.
	NodeName string
	// Contacts, when set, serves GET /api/v1/contacts (radar and
	// satellite contacts); nil answers 501.
	Contacts ContactSource
	// Anchorages, when set, serves GET /api/v1/anchorages: the anchorages
	// event detection knows (given and learned). It must be safe for
	// concurrent use; nil answers 501.
	Anchorages func() []Anchorage

	// StreamLag is how many updates a stream client may fall behind
	// before it skips ahead with a "lagged" event (default 4096).
	StreamLag int
	// StreamWriteTimeout is how long a stream client's connection may
	// take to accept one batch of events before the client is dropped
	// (default 10 s).
	StreamWriteTimeout time.Duration
	// StreamHeartbeat is the interval of the comment lines that keep an
	// idle stream open through proxies (default 15 s).
	StreamHeartbeat time.Duration
	// StreamAuthCheck is how often an open stream checks that its token
	// is still valid (not revoked, not expired); a stream whose token is
	// no longer valid ends with a "revoked" event (default 500 ms, so
	// that a revocation closes the stream within a second).
	StreamAuthCheck time.Duration
	// Clock is the wall clock of token expiry and stream tickets (Now
	// may be a replay clock). Nil: time.Now.
	Clock func() time.Time

	// HeavyTimeout is the time budget of one heavy query (near, area,
	// track, the picture at a past moment): past it the query stops and
	// the request gets 503 with Retry-After (default 10 s).
	HeavyTimeout time.Duration
	// MaxHeavy is how many heavy queries run at once; more get 429 with
	// Retry-After at once (default 4).
	MaxHeavy int
}

// Limits of the API. Requests beyond them get 400 with the limit named.
const (
	// MaxVessels bounds the vessels of one /api/v1/vessels answer
	// (default limit DefaultVessels).
	MaxVessels     = 100_000
	DefaultVessels = 20_000
	// MaxTrackPoints bounds the points of one track answer: a longer
	// track keeps its latest points and says "truncated".
	MaxTrackPoints = 50_000
	// MaxResults bounds near, area and search answers.
	MaxResults = 10_000
	// MaxWindow bounds the time window of near and area queries.
	MaxWindow = 31 * 24 * time.Hour
	// MaxRadius bounds the radius of near queries, in metres.
	MaxRadius = 2000e3
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes = 1 << 20
	// MaxPolygonPoints bounds the vertices of a zone's polygon.
	MaxPolygonPoints = 10_000
	// MaxAreaVertices bounds the vertices of an area query's polygon (all
	// its rings together): every stored position in its bounding box is
	// tested against every edge. A larger polygon gets 400 naming the
	// limit.
	MaxAreaVertices = 1_000
	// maxStreamBatch is the most updates one stream write carries.
	maxStreamBatch = 512
)

// api is the handler's state: the config with defaults applied.
type api struct {
	cfg        Config
	log        *slog.Logger
	metrics    *metrics
	tickets    tickets
	heavySlots chan struct{} // a slot per heavy query running
	comp       *compressor
	pictures   pictureCache // the serialized live picture per version
	// pictureBufs holds *pictureBuf: the vessels of a live picture
	// being encoded, kept between requests (a picture of 50,000 vessels
	// is 12 MB of Updates, twice: listed and sorted).
	pictureBufs sync.Pool
	epoch       uint32 // in ETags: differs between runs
	// grid indexes the picture for bbox queries when Config.Hub is set
	// (it is fed by Hub.Publish); nil: bbox queries scan the picture.
	grid     *grid
	gridSeed sync.Once // adds the vessels in the picture before the first query
}

// route is one endpoint: its method and ServeMux pattern, the role it
// needs ("" for none), and its handler.
type route struct {
	method, pattern string
	role            string
	// stream routes accept ?ticket= and are left out of the latency
	// histogram.
	stream bool
	h      func(*api, http.ResponseWriter, *http.Request) error
}

// routes is the API's route table; the OpenAPI test checks it against
// openapi.json.
func routes() []route {
	return []route{
		{method: "GET", pattern: "/api/v1/vessels", role: RoleRead, h: (*api).vessels},
		{method: "GET", pattern: "/api/v1/vessels/{mmsi}", role: RoleRead, h: (*api).vesselDetail},
		{method: "GET", pattern: "/api/v1/vessels/{mmsi}/track", role: RoleRead, h: (*api).track},
		{method: "GET", pattern: "/api/v1/search", role: RoleRead, h: (*api).search},
		{method: "GET", pattern: "/api/v1/near", role: RoleRead, h: (*api).near},
		{method: "POST", pattern: "/api/v1/area", role: RoleRead, h: (*api).area},
		{method: "GET", pattern: "/api/v1/stream", role: RoleRead, stream: true, h: (*api).stream},
		{method: "POST", pattern: "/api/v1/stream/ticket", role: RoleRead, h: (*api).mintTicket},
		{method: "GET", pattern: "/api/v1/export", role: RoleRead, h: (*api).exportDownload},
		{method: "GET", pattern: "/api/v1/events", role: RoleRead, h: (*api).events},
		{method: "GET", pattern: "/api/v1/contacts", role: RoleRead, h: (*api).contacts},
		{method: "GET", pattern: "/api/v1/anchorages", role: RoleRead, h: (*api).anchorages},
		{method: "GET", pattern: "/api/v1/zones", role: RoleRead, h: (*api).zones},
		{method: "POST", pattern: "/api/v1/zones", role: RoleAdmin, h: (*api).createZone},
		{method: "PUT", pattern: "/api/v1/zones/{name}", role: RoleAdmin, h: (*api).putZone},
		{method: "DELETE", pattern: "/api/v1/zones/{name}", role: RoleAdmin, h: (*api).deleteZone},
		{method: "GET", pattern: "/api/v1/session", role: RoleRead, h: (*api).session},
		{method: "GET", pattern: "/api/v1/incidents", role: RoleRead, h: (*api).incidents},
		{method: "POST", pattern: "/api/v1/incidents", role: RoleAdmin, h: (*api).createIncident},
		{method: "GET", pattern: "/api/v1/incidents/{id}", role: RoleRead, h: (*api).incidentDetail},
		{method: "PUT", pattern: "/api/v1/incidents/{id}", role: RoleAdmin, h: (*api).putIncident},
		{method: "DELETE", pattern: "/api/v1/incidents/{id}", role: RoleAdmin, h: (*api).deleteIncident},
		{method: "GET", pattern: "/api/v1/incidents/{id}/history", role: RoleRead, h: (*api).incidentHistory},
		{method: "GET", pattern: "/api/v1/audit", role: RoleAdmin, h: (*api).auditQuery},
		{method: "GET", pattern: "/api/v1/partners", role: RoleAdmin, h: (*api).partners},
		{method: "GET", pattern: "/api/v1/tokens", role: RoleAdmin, h: (*api).listTokens},
		{method: "DELETE", pattern: "/api/v1/tokens/{name}", role: RoleAdmin, h: (*api).revokeToken},
		{method: "GET", pattern: "/openapi.json", h: (*api).openapi},
		{method: "GET", pattern: "/metrics", role: RoleRead, h: (*api).serveMetrics},
		{method: "GET", pattern: "/healthz", h: (*api).healthz},
		{method: "GET", pattern: "/readyz", h: (*api).readyz},
	}
}

// New returns the HTTP handler of the API: the routes of routes() plus a
// JSON 404 for every other path under it. See the package documentation
// for the endpoints, authentication and errors.
func New(cfg Config) http.Handler {
	_, h := newAPI(cfg)
	return h
}

// newAPI builds the handler and returns its state too.
func newAPI(cfg Config) (*api, http.Handler) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var index *grid
	if cfg.Hub == nil {
		cfg.Hub = NewHub(1)
	} else {
		index = cfg.Hub.grid
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.StreamLag <= 0 {
		cfg.StreamLag = 4096
	}
	if cfg.StreamWriteTimeout <= 0 {
		cfg.StreamWriteTimeout = 10 * time.Second
	}
	if cfg.StreamHeartbeat <= 0 {
		cfg.StreamHeartbeat = 15 * time.Second
	}
	if cfg.StreamAuthCheck <= 0 {
		cfg.StreamAuthCheck = 500 * time.Millisecond
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.HeavyTimeout <= 0 {
		cfg.HeavyTimeout = 10 * time.Second
	}
	if cfg.MaxHeavy <= 0 {
		cfg.MaxHeavy = 4
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &api{cfg: cfg, log: log.With("component", "httpapi"), heavySlots: make(chan struct{}, cfg.MaxHeavy), comp: newCompressor(), epoch: newEpoch(), grid: index}
	a.metrics = newMetrics(cfg.Registry, cfg.Hub)

	mux := http.NewServeMux()
	byPattern := map[string][]route{}
	var order []string
	for _, rt := range append(routes(), ogcRoutes()...) {
		if byPattern[rt.pattern] == nil {
			order = append(order, rt.pattern)
		}
		byPattern[rt.pattern] = append(byPattern[rt.pattern], rt)
	}
	for _, p := range order {
		mux.Handle(p, a.dispatch(p, byPattern[p]))
	}
	mux.Handle("/", a.wrap("other", route{}, func(a *api, w http.ResponseWriter, r *http.Request) error {
		return notFound("no endpoint %s", r.URL.Path)
	}))
	return a, mux
}

// dispatch serves one pattern: it picks the route by method (JSON 405
// with Allow otherwise).
func (a *api) dispatch(pattern string, rts []route) http.Handler {
	var allow []string
	handlers := map[string]http.Handler{}
	for _, rt := range rts {
		allow = append(allow, rt.method)
		handlers[rt.method] = a.wrap(pattern, rt, rt.h)
	}
	allowed := strings.Join(allow, ", ")
	notAllowed := a.wrap(pattern, route{}, func(a *api, w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allowed)
		return errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "%s %s: allowed methods are %s", r.Method, pattern, allowed)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := handlers[r.Method]; h != nil {
			h.ServeHTTP(w, r)
			return
		}
		notAllowed.ServeHTTP(w, r)
	})
}

// wrap adapts a handler that returns an error: it records metrics,
// checks the route's role, and maps errors to JSON.
func (a *api) wrap(pattern string, rt route, h func(*api, http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &statusWriter{ResponseWriter: rw}
		if !rt.stream {
			// The stream is never compressed: each event must reach
			// the client when it is written.
			w.comp, w.enc = a.comp, negotiate(r.Header.Values("Accept-Encoding"))
		}
		cred, err := a.authorize(r, rt)
		if err == nil {
			if cred != nil {
				r = withCredential(r, *cred)
			}
			err = h(a, w, r)
		}
		if err != nil {
			a.writeError(w, r, err)
		}
		a.metrics.observe(pattern, r.Method, w.status(), time.Since(start), rt.stream)
	})
}

// authorize checks the request's credentials against the route's role,
// and returns them (nil for a route that needs none). The stream also
// accepts a ticket (?ticket=, see mintTicket) instead of the header;
// nothing accepts a token in the URL.
func (a *api) authorize(r *http.Request, rt route) (*credential, error) {
	if rt.role == "" {
		return nil, nil
	}
	now := a.cfg.Clock()
	tok, sent := bearer(r)
	if !sent && rt.stream {
		if tk := r.URL.Query().Get("ticket"); tk != "" {
			c, ok := a.tickets.redeem(tk, now)
			if !ok || !a.stillValid(c, now) {
				return nil, errorf(http.StatusUnauthorized, CodeUnauthorized, "the ticket is not valid (unknown, used, or older than %v): mint another with POST /api/v1/stream/ticket", TicketTTL)
			}
			return &c, nil
		}
	}
	if !sent {
		if a.cfg.AllowAnonymousRead && rt.role == RoleRead {
			return &credential{anonymous: true, role: RoleRead}, nil
		}
		return nil, errorf(http.StatusUnauthorized, CodeUnauthorized, "a token is required: send Authorization: Bearer TOKEN")
	}
	sum := tokenHash(tok)
	info, ok := a.cfg.Tokens.lookupHash(sum, now)
	if !ok {
		return nil, errorf(http.StatusUnauthorized, CodeUnauthorized, "the token is not valid")
	}
	if rt.role == RoleAdmin && info.Role != RoleAdmin {
		return nil, errorf(http.StatusForbidden, CodeForbidden, "this endpoint needs an admin token")
	}
	return &credential{token: sum, role: info.Role}, nil
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", true // sent, but not a bearer token: invalid
	}
	return strings.TrimSpace(tok), true
}

// writeError writes err as the JSON error body. Errors that are not
// apiErrors are internal: logged, and shown only as "internal error".
func (a *api) writeError(w *statusWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = errorf(http.StatusInternalServerError, CodeInternal, "internal error")
	}
	if w.wrote {
		return // a stream already started: nothing more can be said
	}
	if ae.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tidewatch"`)
	}
	var body errorBody
	body.Error.Code, body.Error.Message = ae.code, ae.message
	writeJSON(w, ae.status, body)
}

// writeJSON writes v as JSON with the status. encoding/json escapes <, >
// and & in strings, so text from AIS is safe to embed in HTML.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	return writeJSONType(w, status, "application/json", v)
}

func writeJSONType(w http.ResponseWriter, status int, ctype string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeBody(w, status, ctype, append(data, '\n'))
}

// statusWriter records the status a handler wrote. It also carries the
// coding the client accepts (enc, negotiated from Accept-Encoding) and
// the compressor, which writeBody uses; comp is nil for the stream.
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
	enc   encoding
	comp  *compressor
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.code, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if !w.wrote {
		return http.StatusOK
	}
	return w.code
}

// healthResponse is the answer of /healthz and /readyz (openapi.json
// Health).
type healthResponse struct {
	Status string `json:"status"`
}

// tokensResponse is the answer of GET /api/v1/tokens.
type tokensResponse struct {
	Tokens []TokenInfo `json:"tokens"`
}

func (a *api) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, healthResponse{Status: "ok"})
}

// Unready is an error Config.Ready may return whose Reason (no paths, no
// internal detail) /readyz shows to the client; Err goes to the log.
type Unready struct {
	Reason string
	Err    error
}

func (e *Unready) Error() string { return e.Reason + ": " + e.Err.Error() }

func (e *Unready) Unwrap() error { return e.Err }

func (a *api) readyz(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Ready != nil {
		if err := a.cfg.Ready(); err != nil {
			a.log.Warn("not ready", "err", err)
			var u *Unready
			if errors.As(err, &u) {
				return errorf(http.StatusServiceUnavailable, CodeUnavailable, "not ready: %s", u.Reason)
			}
			return errorf(http.StatusServiceUnavailable, CodeUnavailable, "not ready")
		}
	}
	return writeJSON(w, http.StatusOK, healthResponse{Status: "ready"})
}

func (a *api) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	a.metrics.handler.ServeHTTP(w, r)
	return nil
}

func (a *api) listTokens(w http.ResponseWriter, r *http.Request) error {
	list := a.cfg.Tokens.List()
	if list == nil {
		list = []TokenInfo{}
	}
	return writeJSON(w, http.StatusOK, tokensResponse{Tokens: list})
}

func (a *api) revokeToken(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if a.cfg.Tokens == nil {
		return notFound("no token %q", name)
	}
	if err := a.cfg.Tokens.Revoke(name); errors.Is(err, ErrNoToken) {
		return notFound("no token %q", name)
	} else if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
