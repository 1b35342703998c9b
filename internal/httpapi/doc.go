// Package httpapi is the HTTP API of a tidewatch node, versioned under
// /api/v1: the picture (vessels, one vessel, search), history (track, near,
// area), the live stream, the OpenAPI document, metrics, health, and the
// token authentication in front of them. It answers the same questions as
// the command line with the same library calls, through small interfaces
// and plain values it defines (interfaces.go) and imports none of the
// components behind them: Picture (the live picture) with LiveVessel and
// Station, History (TrackReader, SpaceReader, PastPicture) with Approach,
// AreaHit and VesselAt, Exporter (the export downloads) with ExportQuery
// and ExportRow, AuditLog with AuditEntry, and EventSource, ZoneEditor,
// IncidentStore, ContactSource and a partners function for the rest. The
// server fills them with its components through package httpapi/bind
// (bind.Picture of a *fusion.Picture, bind.History of a *store.DB,
// bind.Exporter of the store, bind.Audit of an *audit.Log); the import
// rules (internal/deps) forbid httpapi to import store, fusion, export or
// audit. It also serves the node's events and zones, its incidents
// and risk assessments (package incident), and, to administrators, the
// audit log of sharing with partner nodes (package audit) and the state of
// the partners' links.
//
// # Usage
//
// The server builds one Hub, publishes to it from its pipeline, and mounts
// the handler:
//
//	hub := httpapi.NewHub(0)
//	tokens, err := httpapi.OpenTokens(filepath.Join(dataDir, "tokens.json"))
//	api := httpapi.New(httpapi.Config{DB: bind.History(db), Picture: bind.Picture(pic),
//		Export: bind.Exporter(db), Tokens: tokens,
//		Hub: hub, Registry: reg, Logger: logger, Now: clock, Ready: ready,
//		Events: events, ZoneEditor: zones, Incidents: book, Audit: bind.Audit(auditLog),
//		Partners: partnerInfo, NodeName: "IN-IFC-IOR"})
//	mux.Handle("/api/", api)
//	mux.Handle("/openapi.json", api)
//	mux.Handle("/metrics", api)
//	mux.Handle("/healthz", api)
//	mux.Handle("/readyz", api)
//
// In a cluster the server sets a TokenControl on the tokens
// (Tokens.SetControl): DELETE /api/v1/tokens/{name} then goes through
// the cluster's control log, and each member applies it with
// DeleteRecord; Records and PutRecord carry tokens (their hashes) to
// the other members.
//
//	// in the pipeline, after each stored good position or static change
//	// of a vessel (fusion outcome Stored without a bad flag, or Static):
//	if s, ok := pic.Vessel(result.MMSI); ok {
//		hub.Publish(bind.Update(&s)) // httpapi.UpdateOf of its LiveVessel
//	}
//
// The routes (all JSON; see openapi.json, served at /openapi.json, for
// every parameter and field):
//
//	GET    /api/v1/vessels               the picture: live, or at=T from the store (time slider); filters bbox, type, flag, min_speed, max_age; format=compact: columns for maps
//	GET    /api/v1/vessels/{mmsi}        one vessel: static data, quality flags, counters; at=T from the store
//	GET    /api/v1/vessels/{mmsi}/track  its stored track, format=json|geojson, from, to, flagged, track=all|main|N
//	GET    /api/v1/search?q=             name or call sign contains q, or MMSI or IMO equals it
//	GET    /api/v1/near                  vessels within a radius of a point in a window (store.DB.Near)
//	POST   /api/v1/area                  vessels inside a GeoJSON polygon in a window (store.DB.Area)
//	GET    /api/v1/stream                Server-Sent Events of picture updates
//	POST   /api/v1/stream/ticket         a single-use ticket to open the stream without a token in its URL
//	GET    /api/v1/export                the positions of a window as a download: format=geoparquet|geojson|csv, from, to, bbox, mmsi, flagged (package export; 501 without Config.Export)
//	GET    /api/v1/events                detected events, newest first: type, mmsi, from, to, bbox, open (501 without Config.Events)
//	GET    /api/v1/zones                 the zones of zone events, a GeoJSON FeatureCollection
//	POST   /api/v1/zones                 create a zone: a GeoJSON Feature with properties.name (admin; 409 if the name is taken)
//	PUT    /api/v1/zones/{name}          create, replace or rename a zone (admin)
//	DELETE /api/v1/zones/{name}          delete a zone (admin)
//	GET    /api/v1/session               the role and token name of the request, and whether it may edit zones
//	GET    /api/v1/incidents             incidents and risk assessments, newest first: kind, category, origin, from, to, bbox, mmsi, limit, include_deleted; format=json|stix|geojson
//	POST   /api/v1/incidents             create a record (admin): 201 and Location
//	GET    /api/v1/incidents/{id}        the latest version of a record, a deleted one included
//	PUT    /api/v1/incidents/{id}        edit a record of this node, naming the version edited (admin; 409 if stale)
//	DELETE /api/v1/incidents/{id}        withdraw a record of this node (admin): the deleted version
//	GET    /api/v1/incidents/{id}/history every version of a record, oldest first
//	GET    /api/v1/audit                 the sharing audit log, newest first: partner, direction, kind, key, origin, from, to, limit (admin)
//	GET    /api/v1/partners              the partner nodes and the counters of their links (admin)
//	GET    /api/v1/anchorages            the anchorages event detection knows (given and learned), GeoJSON Points with id, vessels, since, radius_m, nearest_port; bbox (501 without Config.Anchorages)
//	GET    /api/v1/tokens                the tokens' names and roles (admin)
//	DELETE /api/v1/tokens/{name}         revoke a token (admin)
//	GET    /openapi.json, /metrics, /healthz, /readyz
//	GET    /ogc/...                      OGC API - Features (see below; read role)
//
// The zone writes answer 501 without Config.ZoneEditor (zones from the
// configuration are read-only); the incident routes 501 without
// Config.Incidents, the audit log without Config.Audit, the partners
// without Config.Partners.
//
// Times in parameters are RFC 3339, a date, @unix seconds, "now", or
// relative to the clock (-2h, -7d); distances are 500m, 10km, 2nm; bad
// values get 400 with a message naming the parameter. Everything is
// bounded: vessels per answer (MaxVessels), track points (MaxTrackPoints,
// the latest kept), results (MaxResults), near/area windows (MaxWindow),
// the radius (MaxRadius), request bodies (MaxBodyBytes) and polygon
// vertices (MaxPolygonPoints), export downloads (MaxExportRows positions,
// 413 beyond), events (MaxEvents), incidents
// (MaxIncidents, default DefaultIncidents) and audit entries
// (MaxAuditEntries, default DefaultAuditEntries). Unknown query parameters
// are ignored.
//
// # The contract: openapi.json
//
// openapi.json (served at /openapi.json) is the API's contract: the
// handlers, the web map's types and every client follow it, and three
// tests keep the Go side and the document the same:
//
//   - Every response of every test in this package, and every answer
//     internal/server's tests get from a running node, is checked against
//     the document by the checks of internal/httpapi/apitest (test
//     helpers): here the test server wraps the handler (apitest.Handler),
//     there the tests' HTTP client checks what it receives
//     (apitest.Client). The check finds the route of each request among
//     the document's paths, and fails the test on a status the route does
//     not document, a Content-Type it does not list, a body where it
//     documents none, or a JSON body that does not match the schema
//     (decompressed first). A path under /api/ the document does not have
//     must answer the JSON 404, a method it does not list the JSON 405.
//     The live stream is checked event by event against the x-events of
//     its 200 response (the first 500 of each event name of a stream; a
//     compressed stream fails). /ogc is left out: it has its own OpenAPI
//     3.0 document (/ogc/api), checked by the OGC tests.
//   - The Go types of the JSON (ContractTypes in export_test.go: the
//     response and request structs of each route) are compared with
//     their schemas by reflection (contract_types_test.go): a json member
//     in one and not the other, a different JSON type, a member always
//     written that the schema does not require (or an omitempty one it
//     requires), or a pointer that writes null against a schema without
//     null fails with the field named. Types whose JSON another package
//     writes with a MarshalJSON of its own (event.Event, incident.Incident,
//     the zones' GeoJSON, Contact) are checked by value: a value with every
//     field set must write exactly the schema's properties, validly.
//     TestContractCovers fails when a JSON body of the document has
//     neither.
//   - The web map's TypeScript declarations
//     (internal/webui/app/src/api-types.d.ts) are generated from the
//     document (tsgen_test.go; go generate, or go test -run
//     TestAPITypesGenerated -update) and a test fails when the checked-in
//     file is stale.
//
// The objects the API writes are closed: their schemas say
// "additionalProperties": false (Summary and Detail, which extends it,
// "unevaluatedProperties": false), so a member added to a handler and
// not to the document fails the response check too. Open by design: the
// properties of a zone (any member the user gave, and name), a partner's
// link and inbound counters, the parameters and measures of an event
// (numbers by name), GeoJSON polygons in requests and the documents of
// other standards (STIX bundles, the exports). The validator implements
// the JSON Schema keywords the document uses, and TestSchemaKeywordsKnown
// fails when the document uses another.
//
// # Fast reads: compression, ETag, spatial grid
//
// JSON and GeoJSON answers of MinCompressBytes (1,400) or more are
// compressed when the client accepts it: zstd when Accept-Encoding
// accepts it at least as much as gzip (browsers over HTTPS, curl), else
// gzip, with Vary: Accept-Encoding (compress.go): klauspost/compress at
// gzip level 1 and zstd's fastest speed, about half the CPU of gzip 5
// and zstd's default for 2-16% more bytes (BenchmarkPictureCodings). The
// live stream is never compressed (each event must reach the client when
// written), nor are the export downloads, which stream.
//
// The live picture (GET /api/v1/vessels without at) is the picture as of
// the current second of Config.Now: "time" is that second and ages count
// from it. Its answer is serialized once per picture state — the
// picture's version (fusion.Picture.Version, moved by every applied
// observation), the second, and the query — and kept with its compressed
// forms for the other clients of that state (cache.go: at most 8 queries
// per state, all dropped when the state moves on). It carries a weak ETag
// of that state and Cache-Control: private, no-cache; If-None-Match with
// it answers 304 Not Modified. The JSON of the picture is written by a
// hand-written encoder (jsonenc.go) held byte for byte to encoding/json by
// tests and a fuzz test. The vessels are listed in memory kept between
// requests and sorted by MMSI and index, each moved once.
//
// format=compact answers the same vessels with the same values as
// columns (appendCompact, media type CompactMediaType): one array per
// field the web map draws or its vessel table filters on (mmsi, lat, lon,
// sog, cog, heading, category, flag, age_s, name, callsign, imo), under
// half of the full answer's bytes and a tenth of the objects for a
// browser to parse; the map fetches a vessel's other fields from
// /api/v1/vessels/{mmsi} when it is selected. It is cached and tagged like
// the full answer, under a query of its own.
//
// A bbox on the live picture reads a spatial grid (grid.go: cells of
// 0.5°, the antimeridian handled) instead of every vessel: its cost
// follows the vessels in the cells the box covers. The grid belongs to the
// Hub and follows the updates published to it, so it is used only when
// Config.Hub is set, and the pipeline must publish every change of a
// vessel's latest position (it does, for the stream); the vessels already
// in the picture (restored from the store) are added from Picture.Range
// on the first bbox query. The candidates are looked up in the picture and
// filtered on their current position, so a grid a moment behind the
// picture never adds a vessel outside the box. Without a Hub, bbox
// queries scan the picture.
//
// near, area and track read the store (store.DB), not the live picture:
// their cost is the store's.
//
// Track hypotheses (history.go): fusion gives the transmitters that share
// an MMSI, and runs of bad fixes, their own track hypothesis
// (vessel.Position.Track), which the store keeps. A track answers each
// point's hypothesis (track), a summary of every hypothesis in the window
// (tracks) and the main one (main_track: the hypothesis with the most
// unflagged positions, the reports the picture followed; the later one on
// a tie; 0 only when no position has one, as in data stored before
// hypotheses were kept). track=main or track=N keeps one hypothesis; the
// default, all, keeps the points as before. GeoJSON draws one LineString
// feature per hypothesis, the main one first, and never a line between
// two hypotheses, so a shared MMSI no longer zig-zags. near answers the
// hypothesis of the report it found closest.
//
// # OGC API - Features
//
// ogc.go serves OGC API - Features Part 1 Core (conformance classes core,
// geojson and oas30) under /ogc for GIS clients (GDAL's OAPIF driver,
// QGIS, ArcGIS), with the same tokens, read role and heavy-query limits
// as /api/v1: /ogc (landing page with self, service-desc, conformance
// and data links), /ogc/conformance, /ogc/api (an OpenAPI 3.0 document,
// ogc_openapi.go), /ogc/collections, /ogc/collections/{id},
// /ogc/collections/{id}/items and /ogc/collections/{id}/items/{featureId}.
// The collections: vessels (the live picture, id the MMSI, properties the
// vessel summary), positions (the stored reports, id MMSI-unixmillis),
// tracks (one LineString per vessel of its good positions in the window,
// id the MMSI), events (Config.Events), zones and incidents
// (Config.Incidents); events and incidents are listed only when the node
// has them. Items take bbox (CRS84), datetime (an instant, or start/end
// with ".." or nothing for an open end; positions and tracks default to
// the last day of the stored data, clip an interval to the stored data,
// and read at most MaxWindow and MaxExportRows), limit (OGCDefaultLimit, at most OGCMaxLimit) and offset;
// an answer is a FeatureCollection with numberMatched, numberReturned,
// timeStamp and self, collection, next and prev links, absolute on the
// Host the client asked for. Positions and tracks are heavy queries: each
// page reads the window again.
//
// # Incidents and risk assessments
//
// A record travels in the incident package's JSON form (see
// incident.Incident.MarshalJSON): snake_case keys, RFC 3339 times,
// "tlp":"TLP:AMBER", "vessels" as MMSIs, "lat"/"lon" for a point and
// "area" as a GeoJSON Polygon or MultiPolygon. Decoding is strict: an
// unknown member, an unknown kind, category or marking, or a missing "tlp"
// is a 400, and so is a record that breaks a rule of
// incident.Incident.Validate; the message starts with the field at fault
// ("title: empty", "vessels[2]: ..."). POST takes a record without "id"
// and "version" (the node assigns them, and sets "origin", "created" and
// "updated"); PUT takes the whole record with "version" the version it
// edits, and answers 409 conflict when another edit came first (read the
// record again and edit the latest). Only the node a record comes from may
// edit or delete it: a record received from a partner gets 403 forbidden.
// DELETE writes a version with "deleted": true; GET of the ID still
// answers with it, lists leave it out unless include_deleted=true, and the
// history keeps every version. Writes go through Config.Incidents, which
// on the server also offers the new version to the partners.
//
// format=stix answers a STIX 2.1 bundle of the selected records
// (incident.STIXBundle, produced by Config.NodeName; 501 without a valid
// one) as application/stix+json;version=2.1, and format=geojson a
// FeatureCollection (incident.GeoJSON) as application/geo+json, both as
// attachments (Content-Disposition) for analysts to save.
//
// # Sharing: audit log and partners
//
// GET /api/v1/audit (admin) answers {"entries":[{"time","direction",
// "partner","kind","key","seq","rule","origin"}]}, newest first, from
// Config.Audit (bind.Audit: audit.Log.Query); direction is sent, received or refused;
// from is inclusive and to exclusive. GET /api/v1/partners (admin) answers
// {"partners":[{"name","addr","fingerprint","status","not_after","link",
// "inbound"}]} by name, from Config.Partners: status is the certificate's
// (active, revoked, expired, not yet valid), not_after null when unknown,
// link and inbound the counters the server gives ({} when none).
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
// can do everything read can). Admin is needed to write zones and
// incidents (POST, PUT, DELETE), for the audit log and the partners, and
// for the token routes; everything else needs read. /metrics
// needs a read token too (Prometheus scrape configs carry one with
// authorization.credentials_file), since its counters describe the node.
// Browsers' EventSource cannot set headers, and a long-lived token in a
// URL ends up in proxy and server logs, so no route accepts a token in
// the URL: a browser mints a ticket with its token (POST
// /api/v1/stream/ticket, read role: {"ticket","expires","expires_in"})
// and opens GET /api/v1/stream?ticket=TICKET. A ticket opens one stream
// (single use), within TicketTTL (30 s), and only while its token stays
// valid; at most MaxTickets are outstanding (beyond: 503, counted).
// Config.AllowAnonymousRead (the demo on
// loopback) grants the read role to requests without a token — every read
// route, including the area query that is a POST only for its body; a
// request that sends a token must send a valid one.
//
// Tokens are "tw_" and 32 random bytes in base64url; the tokens file
// (mode 0600, refused if others may access it) keeps only their SHA-256,
// name, role, creation time and optional expiry (Tokens.CreateExpiring).
// Tokens reloads the file when it changes, so "tidewatch token create"
// and revoke take effect in a running server. The file is replaced
// atomically through a record.FS (OpenTokensFS), so its crash test runs
// in memory at every write, sync, rename and directory sync. Every request checks the
// token (and its expiry, on Config.Clock); an open stream checks its
// token again every Config.StreamAuthCheck (500 ms), so revoking a token,
// or its expiry, ends its streams within a second with a final
// "revoked" event (counted in tidewatch_api_stream_revoked_total).
//
// # Heavy queries
//
// near, area, track, export and the picture at a past moment (vessels?at=)
// read the history. At most Config.MaxHeavy (4) run at once; another is
// answered 429 too_many_requests with Retry-After at once. Each runs with
// a time budget, Config.HeavyTimeout (10 s), that reaches the store's
// query as a context deadline (store.DB.AreaContext, NearContext,
// TrackContext, AtContext; checked between chunks): when it
// runs out the query stops and the answer is 503 unavailable with
// Retry-After. Both are counted in tidewatch_api_heavy_refused_total by
// reason. An area polygon has at most MaxAreaVertices (1,000) vertices:
// every position in its bounding box is tested against every edge; a
// larger one gets 400 naming the limit.
//
// # Errors
//
// Errors are {"error":{"code":CODE,"message":TEXT}} with the codes
// bad_parameter (400), unauthorized (401), forbidden (403: a role too
// low, or an edit of a partner's incident), not_found (404),
// method_not_allowed (405, with Allow), conflict (409: a zone name taken,
// an incident edited from a stale version or already deleted), too_large
// (413), too_many_requests (429: the heavy-query limit, with Retry-After),
// unavailable (503: /readyz, a closed audit log, a heavy query past its
// time budget, with Retry-After), not_implemented
// (501) and internal (500).
// Internal details go to the log, never to the client.
//
// # Format
//
// JSON is written with encoding/json, which escapes <, > and & in
// strings: names, call signs and destinations from AIS, and incident
// titles, narratives and sources, are attacker-controlled and reach
// browsers as inert text. The STIX and GeoJSON exports of the incident
// package escape them the same way. Absent values are
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
// from before a sequence number the publisher skipped (Hub.Skip: the
// server builds no snapshots while the stream has no client),
// or from a sequence number of an earlier server run, gets a "lagged"
// event ({"missed":N,"reset":bool,"seq":S}) and continues live from S: it
// should reload /api/v1/vessels. A client whose connection does not take
// a batch within Config.StreamWriteTimeout is dropped. Both are counted.
// With batch=WINDOW (MinStreamBatch to MaxStreamBatch, e.g. 500ms) the
// update, event and contact events of each window come as one "batch"
// event instead (id = the last update's sequence number, data
// {"seq":S,"updates":[...],"events":[...],"contacts":[...]}, each list
// in sequence order, at most MaxBatchItems items and MaxBatchBytes);
// the lag and the write timeout apply as without it.
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
