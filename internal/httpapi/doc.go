// Package httpapi is the HTTP API of a tidewatch node, versioned under
// /api/v1: the picture (vessels, one vessel, search), history (track, near,
// area), the live stream, the OpenAPI document, metrics, health, and the
// token authentication in front of them. It answers the same questions as
// the command line with the same library calls: fusion.Picture for the
// live picture, store.DB (At, Track, HeardBy, Static, Near, Area, Bounds)
// for history.
//
// # Usage
//
// The server builds one Hub, publishes to it from its pipeline, and mounts
// the handler:
//
//	hub := httpapi.NewHub(0)
//	tokens, err := httpapi.OpenTokens(filepath.Join(dataDir, "tokens.json"))
//	api := httpapi.New(httpapi.Config{DB: db, Picture: pic, Tokens: tokens,
//		Hub: hub, Registry: reg, Logger: logger, Now: clock, Ready: ready})
//	mux.Handle("/api/", api)
//	mux.Handle("/openapi.json", api)
//	mux.Handle("/metrics", api)
//	mux.Handle("/healthz", api)
//	mux.Handle("/readyz", api)
//
//	// in the pipeline, after each stored good position or static change
//	// of a vessel (fusion outcome Stored without a bad flag, or Static):
//	if s, ok := pic.Vessel(result.MMSI); ok {
//		hub.Publish(httpapi.UpdateOf(&s))
//	}
//
// The routes (all JSON; see openapi.json, served at /openapi.json, for
// every parameter and field):
//
//	GET    /api/v1/vessels               the picture: live, or at=T from the store (time slider); filters bbox, type, flag, min_speed, max_age
//	GET    /api/v1/vessels/{mmsi}        one vessel: static data, quality flags, counters; at=T from the store
//	GET    /api/v1/vessels/{mmsi}/track  its stored track, format=json|geojson, from, to, flagged
//	GET    /api/v1/search?q=             name or call sign contains q, or MMSI or IMO equals it
//	GET    /api/v1/near                  vessels within a radius of a point in a window (store.DB.Near)
//	POST   /api/v1/area                  vessels inside a GeoJSON polygon in a window (store.DB.Area)
//	GET    /api/v1/stream                Server-Sent Events of picture updates
//	GET    /api/v1/events                501 until events are stored
//	GET    /api/v1/tokens                the tokens' names and roles (admin)
//	DELETE /api/v1/tokens/{name}         revoke a token (admin)
//	GET    /openapi.json, /metrics, /healthz, /readyz
//
// Times in parameters are RFC 3339, a date, @unix seconds, "now", or
// relative to the clock (-2h, -7d); distances are 500m, 10km, 2nm; bad
// values get 400 with a message naming the parameter. Everything is
// bounded: vessels per answer (MaxVessels), track points (MaxTrackPoints,
// the latest kept), results (MaxResults), near/area windows (MaxWindow),
// the radius (MaxRadius), request bodies (MaxBodyBytes) and polygon
// vertices (MaxPolygonPoints).
//
// # The picture's clock
//
// The live picture shows the vessels whose last good position is newer
// than max_age (default 1 h) before Config.Now, and ages count from it. A
// watch officer reads "age" as "how long since we last heard it": when
// every feed goes quiet the ships must age and fade, not freeze as if
// fresh, so the reference is the clock and not the newest report. A
// server replaying recorded data (the demo) passes its replay clock as
// Now; the answers then show the replayed moment. Positions stamped after
// the clock (a receiver's clock ahead) are shown, with a negative age.
//
// # Authentication
//
// Every endpoint but /healthz, /readyz and /openapi.json needs
// "Authorization: Bearer TOKEN". Tokens have the role read or admin (admin
// can do everything read can); only the token routes need admin. /metrics
// needs a read token too (Prometheus scrape configs carry one with
// authorization.credentials_file), since its counters describe the node.
// The stream also accepts ?access_token=TOKEN, because browsers'
// EventSource cannot set headers. Config.AllowAnonymousRead (the demo on
// loopback) grants the read role to requests without a token — every read
// route, including the area query that is a POST only for its body; a
// request that sends a token must send a valid one.
//
// Tokens are "tw_" and 32 random bytes in base64url; the tokens file
// (mode 0600, refused if others may access it) keeps only their SHA-256,
// name, role and creation time. Tokens reloads the file when it changes,
// so "tidewatch token create" and revoke take effect in a running server.
//
// # Errors
//
// Errors are {"error":{"code":CODE,"message":TEXT}} with the codes
// bad_parameter (400), unauthorized (401), forbidden (403), not_found
// (404), method_not_allowed (405, with Allow), too_large (413),
// unavailable (503, /readyz), not_implemented (501) and internal (500).
// Internal details go to the log, never to the client.
//
// # Format
//
// JSON is written with encoding/json, which escapes <, > and & in
// strings: names, call signs and destinations from AIS are
// attacker-controlled and reach browsers as inert text. Absent values are
// null, never AIS "not available" codes. A vessel summary:
//
//	{"mmsi":366999999,"name":"EVER GIVEN","callsign":"H3RC","imo":9811000,
//	 "ship_type":70,"category":"cargo","flag":"PA","lat":29.5,"lon":-94.9,
//	 "sog":12.3,"cog":90,"heading":91,"status":0,
//	 "time":"2022-01-03T00:30:00Z","age_s":12,"flags":[]}
//
// The stream sends "ready" ({"seq":N}) first, then "update" events (id =
// sequence number, data = a summary with "seq"), filtered by bbox. A
// client resumes after since=SEQ or the Last-Event-ID header from the
// updates the Hub keeps (DefaultHubSize). One that falls more than
// Config.StreamLag updates behind, resumes from an update no longer kept,
// or from a sequence number of an earlier server run, gets a "lagged"
// event ({"missed":N,"reset":bool,"seq":S}) and continues live from S: it
// should reload /api/v1/vessels. A client whose connection does not take
// a batch within Config.StreamWriteTimeout is dropped. Both are counted.
//
// Metrics: tidewatch_api_requests_total{route,method,code},
// tidewatch_api_request_duration_seconds{route,method} (the stream left
// out), tidewatch_api_stream_clients, tidewatch_api_stream_updates_total,
// tidewatch_api_stream_lagged_total, tidewatch_api_stream_dropped_total.
// The server registers the process and Go collectors on the same
// registry if it wants them.
//
// # Concurrency
//
// The handler, Hub and Tokens are safe for concurrent use. The Hub owns no
// goroutine: Publish copies the update into a ring under a short lock and
// wakes waiting clients, never waiting for one; each stream request reads
// the ring from its own cursor on its own (net/http) goroutine.
package httpapi
