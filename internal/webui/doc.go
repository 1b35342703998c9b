// Package webui serves the web map: a single-page MapLibre GL JS
// application, built at development time and embedded in the binary, so it
// works with no internet at all.
//
// # Usage
//
// Mount [Handler] at "/" beside the API:
//
//	mux.Handle("/api/", api)
//	mux.Handle("/basemap/land.geojson", land)
//	mux.Handle("/", webui.Handler())
//
// The handler serves index.html at "/" (Cache-Control: no-cache) and the
// content-hashed bundle under /assets/ (Cache-Control: public,
// max-age=31536000, immutable), gzip-compressed when the client accepts it,
// with ETags. Every response carries a strict Content-Security-Policy
// (scripts, styles, workers and connections to the same origin only; no
// inline script, no eval, no frames), X-Content-Type-Options: nosniff,
// Referrer-Policy: no-referrer and X-Frame-Options: DENY. [NewHandler] with
// [Config.TileOrigins] lets the map load raster tiles from a tile server
// (the map's ?tiles=URL option).
//
// The page needs from its server, on the same origin:
//
//   - GET /basemap/land.geojson: the land polygons of its basemap;
//   - GET /api/v1/vessels?bbox=W,S,E,N[&at=TIME]: the picture in view, now
//     or at a past moment (the time slider);
//   - GET /api/v1/vessels/{mmsi}: the side panel;
//   - GET /api/v1/vessels/{mmsi}/track?from=&to=&format=geojson: the track;
//   - GET /api/v1/search?q=TEXT: the search box;
//   - GET /api/v1/stream?bbox=&since=SEQ: live updates (Server-Sent Events,
//     event "update" for a vessel, event "event" for a detected event that
//     opened or changed);
//   - GET /api/v1/events?limit=N: the events of the last 24 h, newest first
//     (the events panel and the events layer, refreshed every 30 s; an event
//     replaces the one with its id when its version is higher);
//   - GET /api/v1/zones: the node's zones as GeoJSON (the zones layer).
//
// The events panel (the Events button) lists the events with a type filter;
// a click flies to the event, highlights it and opens the panel of its first
// vessel. A server without /api/v1/events or /api/v1/zones (404) just shows
// none.
//
// It sends the token kept in its settings (browser local storage) as
// "Authorization: Bearer TOKEN", and as ?access_token= on the stream.
//
// # Security
//
// Names, call signs and destinations come from AIS, which anyone with a
// transmitter can send: the app renders them only with textContent and text
// nodes. A test fails if innerHTML or another HTML sink appears in app/src,
// and the browser test (e2e/map.mjs) proves that a vessel and a zone named
// <IMG SRC=X ONERROR=ALERT(1)> are shown as that text and run nothing. Zone
// names and every other string of an event are treated the same way.
//
// # Building
//
// The sources are in app/ (app/src, app/build.mjs, npm packages pinned in
// app/package-lock.json); the build output in dist/ is committed, so that
// go build needs no npm. After changing app/, rebuild with
//
//	go generate ./internal/webui    # runs build.sh: npm ci && npm run build
//
// dist/build.json records a hash of the sources, and a test fails when dist
// is stale; with app/node_modules present another test rebuilds into a
// temporary directory and compares byte for byte.
//
// # Testing
//
// The tests run the browser test against the embedded map and a mock of the
// API (mockapi_test.go) when Chromium, node and e2e/node_modules are there
// (bash e2e/run.sh --install-only installs them). The same mock serves the
// map for development:
//
//	TIDEWATCH_WEBUI_MOCK=127.0.0.1:8090 go test ./internal/webui -run TestServeMock -timeout 0
//
// # Concurrency
//
// The handler is safe for concurrent use; it holds the embedded files,
// read-only, and compresses each at most once.
package webui
