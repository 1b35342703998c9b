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
//   - GET /basemap/info: {"pmtiles":"/basemap/tiles.pmtiles", "layers":
//     [...], "minzoom", "maxzoom", ...} when the node serves a detailed
//     PMTiles basemap ({"pmtiles":null} or 404 when not), and that
//     archive with HTTP Range requests (see The basemap);
//   - GET /api/v1/vessels?bbox=W,S,E,N[&at=TIME]: the picture in view, now
//     or at a past moment (the time slider);
//   - GET /api/v1/vessels/{mmsi}[?at=TIME]: the side panel (in a past
//     view, the vessel as it was then);
//   - GET /api/v1/vessels/{mmsi}/track?from=&to=&format=geojson: the track;
//   - GET /api/v1/search?q=TEXT: the search box;
//   - GET /api/v1/stream?bbox=&since=SEQ&batch=WINDOW: live updates
//     (Server-Sent Events), batched: one "batch" event per window (the
//     redraw interval below, streambatch.ts) holding the window's vessel
//     updates, applied in one state update, and its detected events that
//     opened or changed and its contacts;
//   - GET /api/v1/contacts?bbox=&limit=5000 and
//     ?bbox=&history=true&since=&limit=20000: radar and satellite
//     contacts (the stream's event "contact" adds live ones);
//   - GET /api/v1/events?limit=N: the events of the last 24 h, newest first
//     (the events panel and the events layer, refreshed every 30 s; an event
//     replaces the one with its id when its version is higher);
//   - GET /api/v1/zones: the node's zones as GeoJSON (the zones layer);
//     POST /api/v1/zones, PUT and DELETE /api/v1/zones/{name} for admins
//     (the zone editor);
//   - GET /api/v1/session: the token's role, name and zone_editing, and
//     optionally node, this node's name (see Incidents);
//   - GET /api/v1/incidents?from=&to=&kind=&category=&limit=: incident
//     reports and risk assessments ({"incidents":[...]}, the JSON form of
//     package incident), and the same selection with format=stix (a STIX
//     2.1 bundle, application/stix+json;version=2.1) or format=geojson
//     (application/geo+json), as attachments;
//   - GET /api/v1/incidents/{id} and /api/v1/incidents/{id}/history
//     ({"versions":[...]}): the details and their versions count;
//   - POST /api/v1/incidents (201, the record stored), PUT
//     /api/v1/incidents/{id} with the version edited (409 when another edit
//     came first, 403 for a partner's record) and DELETE
//     /api/v1/incidents/{id}, for admins.
//   - GET /ogc/collections/positions: the temporal extent of the stored
//     history, which the time slider spans (24 h without it);
//   - GET /ogc/collections/tracks/items?bbox=&datetime=FROM/TO&limit=:
//     the trails of the ships in view (one LineString each);
//   - GET /api/v1/partners and GET
//     /api/v1/audit?partner=&direction=&kind=&key=&from=&limit=500, for
//     admins: the Sharing panel (see Sharing).
//
// # The basemap
//
// The embedded Natural Earth land (basemap.js) is the fallback. When
// /basemap/info names a PMTiles archive, pmtiles.js reads it through the
// pmtiles package's MapLibre protocol (Range requests to the same origin,
// so the CSP is unchanged: the protocol runs in the page, and MapLibre's
// worker stays a same-origin file, no blob: worker) and draws the layers
// the archive has: land (fill and coast), countries, maritime (dashed
// territorial seas), ports and anchorages (circles) of tidewatch basemap
// build, or earth, water and boundaries of a Protomaps extract. The
// embedded land is then drawn below zoom 5 only. Port names are drawn
// from zoom 8 on a canvas (PortLabels), leaving out overlapping ones.
//
// # The watch officer's tools
//
// Ship names label the ships from zoom 9 in (labels.js), drawn on a
// canvas over the map (the offline basemap has no glyphs): each at the
// first of four spots around its ship free of other labels and ship
// icons, the selected ship first, then moving ships, else left out, so
// labels never overlap. A label stands where the ships layer draws its
// ship: a position given to the map is drawn when MapLibre's worker has
// tiled it, and the labels take the positions given only in a frame in
// which the ships source has tiled all it was given (positions.ts), so
// that under load a label does not run ahead of its icon. The legend
// (legend.js, bottom left) lists the vessel groups in their colours with counts, the symbols for moving,
// stopped and stale ships, tracks, trails and events; in dots mode it
// says that each dot is a ship coloured by its group (round swatches, the
// dots layer's own colours) and that zooming in brings the icons back. The colours are
// the Okabe–Ito palette plus white and grey, one per group of categories
// (categories.js); a unit test keeps every pair at least ΔE 12 apart
// under simulated protanopia, deuteranopia and tritanopia.
//
// The Layers button (or L; layers.ts) switches the vessel groups, ship
// names, the selected track and its time marks, trails, events, zones and
// incidents, the learned anchorages, the radar and satellite contacts
// and, when the node serves a detailed basemap, its overlays (maritime
// boundaries, borders, ports with their names, charted anchorages:
// basemapOverlays in pmtiles.ts; a disabled placeholder without one),
// remembered in local storage. The learned anchorages (anchorages.ts) are
// GET /api/v1/anchorages, the anchorages the node's event detection knows
// (given, and learned from where vessels stop), drawn as rings from zoom 5
// in and named on hover with the vessels seen stopped there. A click on
// one (or A, for the one nearest the map's centre) opens its panel
// (anchoragepanel.ts, ringed white on the map): its number, centre,
// port-visit radius, vessels counted, since when the node knows it
// (learned at a time, or known at start) and the nearest port of the
// node's port list with its distance, as the API gives them; Previous
// and Next go through the anchorages by number and move the map there,
// Escape closes it (e2e/features/anchorages.mjs checks each line against
// the API's answer, the focus and the keys). On a node
// that does not detect events (501) the entry stays a disabled
// placeholder ("not served by this node"): LayerControl.register with the
// same id and layers makes a placeholder a switch, as the contacts do once
// GET /api/v1/contacts answers.
//
// # Radar and satellite contacts
//
// contacts.js draws GET /api/v1/contacts (contactmodel.js is its pure,
// unit-tested part): radar contacts as diamonds, satellite detections as
// triangles (shape, not only colour, tells the sensor); hollow when an
// AIS vessel explains them, with a dashed line to that vessel; dark ones
// (no AIS vessel explains them) filled yellow and ringed, above the
// others; doubtful satellite detections grey and dashed. A click opens
// the contact's panel: sensor, source, target and radar track (or scene),
// time and age, position, speed and course when known, length (or
// "unknown"), the associated vessel with the score (and "held by radar"),
// the dark-target episode, and the candidates with distance and score;
// its vessel button opens the vessel. Range and bearing from the radar
// are not shown: the API does not serve them. Live, the current contacts
// in view (reloaded after each move) and the stream's "contact" events,
// each radar track and detection by its newest report, dropped 10 minutes
// (data time) after it; at a past moment t, the history
// (history=true&since=t-10min), each as it was at t. A node that answers
// 501 or 404 keeps the Radar and Satellite entries disabled.
//
// The Measure button (or M; measure.js) measures range and bearing: a
// click sets the origin, the line follows the pointer, a second click
// fixes the end; it shows the great-circle range in nautical miles and
// the initial bearing in degrees true (geo.js), and both ends in degrees
// and minutes. Escape ends it. The time bar shows the pointer's position
// in degrees and decimal minutes and in decimal degrees.
//
// The Table button (or T; table.js) lists the vessels in view that the
// filters and layers show: sortable by any column (aria-sort says how),
// filtered by name, MMSI, call sign, IMO, destination or flag, at most
// 500 rows drawn, keyed by MMSI; CSV saves every row that passes the
// filter (csv.js: RFC 4180, cells a spreadsheet would run as formulas get
// a leading '). A row opens its vessel.
//
// Notifications (notify.js): an event first seen on the live stream
// shows a toast above the time bar with its severity (the event's
// severity score when it has one: high from 0.7, medium from 0.4; else by
// type: gaps, identity conflicts and teleports high). The stack lets the
// pointer through around its toasts and takes no focus; high ones stay
// until dismissed, others go after 10 s; at most four show. A click shows
// the event.
//
// Trails (off by default) draw the last 10, 30 or 60 minutes of every
// ship in view, reloaded each minute and after each move; the selected
// ship's track is a line with time marks (the first position at or after
// each multiple of a step chosen for at most 12 marks, labelled
// hh:mm, with the date where it changes).
//
// The time slider spans the stored history (GET /ogc/collections/positions:
// by the minute up to 2 h, by 5 min up to 2 days, else 15 min; at most 90
// days). In a past view the panel counts the last report's age from the
// time shown ("20 min before the time shown") and reads the vessel as it
// was then. An AIS ETA, sent without a year, is shown with the year that
// puts it between 90 days before and 275 days after the time shown. Flags
// are named by country (the browser's Intl.DisplayNames). An open panel
// moves the map's controls beside it rather than covering them.
//
// Keyboard: T, L, E (events) and M open the tools outside text fields;
// Escape closes popovers, the table and the measuring; arrow keys move
// between rows of the events (also Home and End), incidents and vessel
// lists, Enter opens one; the table takes the focus when it opens and
// gives it back to its button when it closes. The events, vessel and
// contact panels do the same (focus.js): opening one moves the focus into
// it (the first event row, the vessel's or contact's name), Escape inside
// it closes that panel only and gives the focus back to where it came
// from (a table or event row, else the panel's button or the map).
//
// On a screen at most 700 px wide the toolbar's tools fold into its Menu
// button (toolbar.ts, style.css), so that the toolbar keeps to one row
// inside a phone's screen; e2e/features/phone.mjs checks it at 390×844. A
// click near a contact opens the contact unless a ship is more than
// CONTACT_SLACK_PX nearer: an associated contact is drawn on its ship's
// icon, and its panel's vessel button opens the ship (contacts.mjs clicks
// one).
//
// The legend (legend.js) starts folded on a small screen (at most 700
// px wide or 560 px high) and open otherwise; a fold or unfold is
// remembered in local storage. It is compact (smaller type on a small
// screen), its height bounded below the toolbar (it scrolls), and it
// stays in the bottom-left corner clear of the zoom buttons, the
// attribution and the time bar (e2e/features/legend.mjs checks this at
// 390×700).
//
// The events panel (the Events button) lists the events with a type filter;
// a click flies to the event, highlights it and opens the panel of its first
// vessel. The list is keyed by event id: a refresh or a streamed event
// rewrites only the rows whose content changed and moves only rows out of
// place, so that a row is never replaced under the pointer (an event the
// stream brought in the last 2 minutes stays across a refresh that does
// not list it yet, so that its notification still opens it); the incidents
// list is keyed the same way (keyed.js). A server without
// /api/v1/events, /api/v1/zones or /api/v1/incidents (404, or 501 for
// incidents) just shows none.
//
// # Incidents
//
// The incidents panel (the Incidents button) lists the records newest
// first: TLP badge in the TLP 2.0 colours (coloured text on black;
// AMBER+STRICT framed and marked with a diamond), category, title, time,
// and "from NODE" for a partner's record. It follows the time slider: it
// holds the records whose time overlaps the chosen period (last 24 h, 7
// or 30 days; 30 by default) before the moment shown. Live, the period is
// open towards the future (from= only, so that an assessment of the coming
// weeks is listed) and reloaded every minute; in the past it ends at the
// slider's moment (from= and to=). Kind and category filters narrow it.
// A click flies to the point or frames the area and opens the details:
// narrative (line breaks kept), time, place, source, origin, releasable-to,
// versions, linked vessels (a click opens the vessel panel) and linked
// events (a click shows the event when it is loaded). On the map, points
// are circles and assessment areas translucent fills with an outline, in
// the colour of their marking; the hover names them by title.
//
// Admins (session role "admin") get New incident, Edit and Delete (two
// clicks): a form with kind, category, title, narrative, start and end (in
// UTC), a point placed by clicking the map or an area drawn by clicking
// its corners, source, TLP, releasable-to (node names, comma-separated)
// and linked MMSIs. An edit PUTs the version it read; a 409 shows "Edited
// elsewhere — reload", and Reload starts again from the latest version. A
// record is a partner's when its origin differs from the session's
// "node"; such records are read-only in the page. Without "node" in the
// session every record is offered for editing and the API's 403 is shown.
// The STIX 2.1 and GeoJSON buttons fetch the list's selection with the
// token and save it through a Blob URL (a plain link would not carry the
// token).
//
// # Sharing
//
// Admins (session role "admin"; the button is hidden from read sessions)
// get the Sharing panel. Its Partners view has one card per partner node
// of GET /api/v1/partners: name, certificate status ("revoked", "expired"
// and "not yet valid" in the warning colour, the card framed in it),
// address, fingerprint (monospace, selected whole by a click, and a Copy
// button where the clipboard is available), certificate expiry, last
// connect, link up or down; items queued, pending, sent, acknowledged,
// dropped, lag (in items), reconnects, refusals and the link's last error;
// from the partner: received, duplicates, redelivered, refused, connected
// and its last error. It is reloaded every 10 s while the panel is open
// (not while the page is hidden). A 501 shows "This node does not share",
// a 403 says the token may not see it.
//
// The Audit view lists GET /api/v1/audit newest first in a table (time in
// UTC, direction, partner, kind, key, seq, rule, origin), at most 500
// entries, with a note when 500 came back. Its filters: partner (from the
// partners list), direction, kind, key and the period (last 1 h, 24 h by
// default, or 7 days, from= only); a select applies when changed, the key
// on Enter. The key is matched exactly by the API, as the table shows it
// (positions and static reports are MMSI@time). The key of a position or
// static report is a link: a click opens that vessel's panel.
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
// names and every other string of an event are treated the same way, and
// so are incident titles, narratives, sources and node names (the test
// has an incident titled <img src=x onerror=alert(1)>), and partner names,
// addresses, fingerprints, error texts and every field of the audit log
// (the test node has a partner at an address whose TLS server presents a
// certificate for <img src=x onerror=alert(1)>, which the link's last
// error quotes, and refuses a stranger's certificate for
// <script>alert(4)</script>, which the audit rule quotes).
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
// The page is one module per panel (events.ts, table.ts, incidents.ts,
// ...) and a state module, state.ts: the vessels of the picture, the time
// view (live or a past moment), the selected vessel and its details, and
// the filters and vessel groups, changed only through its update
// functions, which tell their subscribers (picture, selection, filter,
// time); main.ts wires those to the map and the panels. The lists'
// keyboard (arrows, Home, End, Enter) is one handler, listkeys.ts.
//
// The sources are TypeScript in strict mode (app/tsconfig.json), bundled by
// esbuild, which strips the types; TestTypeCheck runs tsc --noEmit (the
// typescript package pinned in app/package.json). api.ts returns the types
// of app/src/api-types.d.ts, which go generate ./internal/httpapi writes
// from openapi.json, so a change of the API's shape that the map does not
// follow fails the type check; TestTypeCheckCatchesDrift proves it on a
// copy of the sources with a field of api-types.d.ts renamed. The Go
// tests that need npm packages skip only where node is missing; where it
// exists they fail until bash internal/webui/app/install.sh (npm ci, run
// by CI) has installed them.
//
// # Testing
//
// The browser tests run against real nodes, never a fake API: webui
// cannot import server, so they live in internal/server and run when
// Chromium, node and e2e/node_modules are there (bash e2e/run.sh
// --install-only installs them); TIDEWATCH_REQUIRE_BROWSER=1 makes them
// fail rather than skip without them. The browser reaches each node
// through a proxy that checks every answer under /api/ (the live stream
// event by event) against openapi.json, so the answers the page itself
// receives keep to the contract.
//
// TestBrowserMap runs e2e/map.mjs as an admin and as an anonymous reader
// against a node on simulated traffic with a hostile vessel name sent as
// AIS, a hostile zone name, incidents written through the API (one with a
// hostile title), and partners over real TLS links: JP-JCG, a second node
// that shares its vessels, events and an incident (the lists mark them
// "from JP-JCG", a partner's record is read-only, the audit log fills
// past the view's limit of 500), and AU-MBC, whose address answers with a
// hostile certificate (see Security). The admin draws, renames and
// deletes a zone and creates, edits (meeting a stale edit made elsewhere)
// and deletes an incident, and checks the Sharing panel (EXPECT_SHARING=1:
// cards, refresh, a simulated 501, the audit view's filters); the reader
// sees no editing controls and no Sharing panel (EXPECT_SHARING=0).
// Against any running node:
//
//	BASE_URL=http://127.0.0.1:8080 TOKEN=ADMIN-TOKEN EXPECT_SHARING=1 node e2e/map.mjs
//
// (see the head of e2e/map.mjs for the other checks). For development,
// tidewatch demo serves the map on simulated traffic.
//
// The per-feature browser tests, e2e/features/*.mjs (anchorages, contacts,
// fixes, keyboard, labels, layers, legend, measure, notifications, phone,
// table, tracks; harness e2e/lib.mjs), run as subtests of
// TestBrowserFeatures, one at a time (featureScripts), against a node
// on the demo's simulated traffic and radar and satellite story, with
// fixture vessels sent as AIS over TCP. They check the page's state
// (DOM, the label canvas's and the map's pixels, the map's rendered features, the CSV downloaded) and leave
// screenshots in e2e/artifacts. They read the map as drawn through test
// hooks that read only a settled map (renderedShips: once a frame has
// drawn the ships source loaded and placed since it last changed, else
// the last reading; shipFrames counts such frames, so a script waits for
// a frame drawn after what it changed; labelsExact says the last frame's
// labels were placed where that frame drew the ships). A click on a
// ship opens the one drawn nearest the pointer, and the browser clicks at whole pixels, so
// map.mjs clicks a ship at least 6 px from every other; shipsNear (the
// ships a click at a point chooses from, where it measures them) and
// lastClick (the map's last click and what it opened) say why a click
// opened what it did.
// TestBrowserDots runs e2e/features/dots.mjs against a node with 6,000
// simulated ships: at a world view the dots layer draws them (the icons
// none), the legend says so in the dots' colours, isolated dots in the
// screenshot (dots-world.png) have their category's colour, a click on a
// dot opens its vessel, and at zoom 9 the icons are back (dots-icons.png).
// TestBrowserBasemap runs e2e/features/basemap.mjs against a node serving
// a PMTiles archive built from the shared 1:10m land and World Port Index
// (detailed to zoom 12 over Singapore) with three ships in the Singapore
// Strait; the script checks the land, ports and port names drawn at zoom
// 12, that no land is rendered under the ships and the screenshot is
// sea-coloured beside them and land-coloured on the island. The pure
// modules (format.ts, geo.ts, timerange.ts, csv.ts, categories.ts,
// contactmodel.ts, listkeys.ts, the rows of anchoragepanel.ts,
// shipdiff.ts, positions.ts, draw.ts, the API client api.ts, the vessel
// state vessel.ts and the page's state state.ts) have unit tests in app/test,
// run by
// TestNodeUnit with node --test (app/tshooks.mjs compiles the TypeScript
// they import with esbuild).
// e2e/perf.mjs measures first render,
// pan, zoom and live frame times, the CPU time per browser thread of a
// pan (the page's main thread, MapLibre's workers, the GPU process's
// SwiftShader threads) and per pan frame, the cost of a picture reload
// and of the live stream, and the heap, against real demo nodes of 5k,
// 20k and 50k simulated vessels that it starts (--tidewatch BIN; the
// page opens once the node's picture counts every simulated vessel) or
// a running node (BASE_URL); no mock (README, The web map).
// PERF_PROFILE=1 adds a CPU profile of the main thread during the pan.
//
// The ships are redrawn from the stream's changes at most every 250 ms
// up to 5,000 vessels, 500 ms up to 20,000 and 1 s beyond (renderDelay
// in streambatch.ts: the stream's batch window, each batch drawn as it
// comes), not while the map moves (they are drawn when it stops),
// and the map fades no symbols (fadeDuration 0). The page asks for the
// whole picture in view (limit=100000, the API's most; its default of
// 20,000 left most of a 50,000-ship world view to the stream) and says
// "N of M in view" when the answer is still truncated. With more than
// DOTS_ABOVE (5,000) ships loaded they are drawn as dots in their
// category's colour (the ships-dots circle layer; stale ones faded), not
// as rotated icons (the ships symbol layer, sorted so that fresh ones are
// on top), since a symbol layer places every icon on the main thread in
// every frame; zoomed in to fewer ships the icons return. Both layers
// read the ships source; the other one is filtered empty (the layer
// control switches both; clicks, hover and renderedShips query only the
// one drawing, since a query of the empty one fails). A move reloads the
// picture only when the view leaves the area last loaded (the view and a
// 10% margin, at about the same zoom): the stream keeps that area up to
// date, and at 50,000 ships a reload after each pan cost more than the
// pan. The hover box is not looked up while the map moves.
//
// A ship is handed to the ships source (and so re-tiled in MapLibre's
// worker) only when its drawing changes (shipdiff.ts): it moved a
// quarter of a pixel or more at the zoom drawn, or its category, flag,
// staleness or, as an icon, its icon or course changed. The stream's
// changes go as a diff (updateData) of those ships only; a reload or the
// 30 s refade sends a diff too when at most half of the ships changed,
// else the whole picture (setData). At a world view of 50,000 ships a
// report moves a ship metres against kilometres a pixel, so almost
// nothing reaches the worker. The page times each load (the answer's
// wait, body, preparation, hand-over and the worker's tiling: the test
// hook's lastLoad().ms), which e2e/perf.mjs reports for its reloads.
//
// The zone editor and the incident form draw their polygons with one
// module, draw.ts: the clicks (cornerClick), the ring (closeRing), the
// outline, its source and layers (addSketchLayers), the pointer,
// double-click and keys while drawing (wireSketch) and the cursor.
//
// # Concurrency
//
// The handler is safe for concurrent use; it holds the embedded files,
// read-only, and compresses each at most once.
package webui
