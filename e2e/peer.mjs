// The peer of the web map for e2e/perf.mjs: a bare MapLibre GL page with
// the map's basemap and the same vessels drawn the simplest way MapLibre
// draws points, so that the map's frame times can be judged against the
// renderer's own in the same browser on the same machine.
//
// The page uses the MapLibre GL build the map bundles
// (internal/webui/app/node_modules/maplibre-gl, its ES module and worker
// as published), the map's basemap (a sea-coloured background and the
// node's /basemap/land.geojson as one fill, its rings unwrapped at the
// antimeridian as the map does) and one GeoJSON source of the node's
// picture (one point per positioned vessel, its category and whether it
// is stale) drawn by one circle layer with the map's dot paint (radius by
// zoom, colour by category, stale faded). Nothing else: no icons, labels,
// trails, stream, panels or controls.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(here, '..', 'internal', 'webui', 'app', 'node_modules', 'maplibre-gl', 'dist');

// STALE_S is the map's age beyond which a ship is drawn faded
// (internal/webui/app/src/state.ts).
const STALE_S = 600;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>MapLibre peer</title>
<link rel="stylesheet" href="/mlgl/maplibre-gl.css">
<style>html,body,#map{margin:0;width:100%;height:100%}</style>
</head><body><div id="map"></div><script type="module" src="/peer.js"></script></body></html>
`;

// The page's script: the map, the land when it comes, the ships when
// they come; window.__peer tells perf.mjs when it is drawn and idle.
const SCRIPT = `import { Map as MapLibreMap, setWorkerUrl } from '/mlgl/maplibre-gl.mjs';
setWorkerUrl(new URL('/mlgl/maplibre-gl-worker.mjs', location.href).href);
const EMPTY = { type: 'FeatureCollection', features: [] };
const map = new MapLibreMap({
  container: 'map',
  style: {
    version: 8,
    sources: { land: { type: 'geojson', data: EMPTY }, ships: { type: 'geojson', data: EMPTY } },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': '#0e2a3d' } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': '#2f3d30', 'fill-outline-color': '#4f6250' } },
      {
        id: 'ships', type: 'circle', source: 'ships',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 1, 1.6, 4, 2.2, 8, 3.2],
          'circle-color': ['match', ['get', 'cat'], 'cargo', '#009E73', 'tanker', '#D55E00', 'passenger', '#0072B2', 'fishing', '#E69F00',
            'tug', '#56B4E9', 'pilot', '#56B4E9', 'sar', '#56B4E9', 'military', '#CC79A7', 'law_enforcement', '#CC79A7',
            'pleasure', '#F0E442', 'sailing', '#F0E442', 'high_speed', '#0072B2', '#B8B8B8'],
          'circle-opacity': ['case', ['==', ['get', 'stale'], 1], 0.35, 1],
        },
      },
    ],
  },
  center: [0, 30],
  zoom: 1.5,
  hash: true,
  fadeDuration: 0,
  dragRotate: false,
  pitchWithRotate: false,
});
let drawn = false;
let count = 0;
let rendered = 0;
map.on('render', () => rendered++);
// unwrap makes a ring's longitudes continuous across the antimeridian
// (rings round a pole left alone), as the map's basemap does.
const unwrap = (ring) => {
  let crosses = false, south = 90;
  for (let i = 0; i < ring.length; i++) {
    south = Math.min(south, ring[i][1]);
    if (i > 0 && Math.abs(ring[i][0] - ring[i - 1][0]) > 180) crosses = true;
  }
  if (!crosses || south < -85) return ring;
  let shift = 0;
  const out = [ring[0]];
  for (let i = 1; i < ring.length; i++) {
    const d = ring[i][0] - ring[i - 1][0];
    if (d > 180) shift -= 360;
    else if (d < -180) shift += 360;
    out.push(shift ? [ring[i][0] + shift, ring[i][1]] : ring[i]);
  }
  return out;
};
map.on('load', async () => {
  const [land, ships] = await Promise.all([fetch('/land.geojson').then((r) => r.json()), fetch('/ships.geojson').then((r) => r.json())]);
  for (const f of land.features) {
    const g = f.geometry;
    if (g && g.type === 'Polygon') g.coordinates = g.coordinates.map(unwrap);
    else if (g && g.type === 'MultiPolygon') g.coordinates = g.coordinates.map((p) => p.map(unwrap));
  }
  map.getSource('land').setData(land);
  map.getSource('ships').setData(ships);
  count = ships.features.length;
  map.once('idle', () => (drawn = true));
});
window.__peer = {
  // drawn: the land and the ships handed over, tiled and drawn once.
  drawn: () => drawn,
  ships: () => count,
  // frames: the frames MapLibre has rendered.
  frames: () => rendered,
  idle: () => drawn && !map.isMoving(),
};
`;

// shipsGeoJSON is the node's picture as GeoJSON points (positioned
// vessels only) with the map's dot properties: cat and stale.
export async function shipsGeoJSON(base, headers) {
  const r = await fetch(`${base}/api/v1/vessels?format=compact&limit=100000`, { headers });
  if (!r.ok) throw new Error(`peer: GET the picture: ${r.status}`);
  const c = await r.json();
  const features = [];
  for (let i = 0; i < c.mmsi.length; i++) {
    if (typeof c.lat[i] !== 'number' || typeof c.lon[i] !== 'number') continue;
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [c.lon[i], c.lat[i]] },
      properties: { cat: c.category[i], stale: typeof c.age_s[i] === 'number' && c.age_s[i] <= STALE_S ? 0 : 1 },
    });
  }
  return { type: 'FeatureCollection', features };
}

const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

// servePeer serves the peer page on a loopback port: /, /peer.js,
// MapLibre under /mlgl/, and the land and ships it is given. It returns
// the page's URL and a close function.
export async function servePeer(land, ships) {
  const landBody = Buffer.from(JSON.stringify(land));
  const shipsBody = Buffer.from(JSON.stringify(ships));
  const srv = http.createServer((req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    const send = (type, body) => {
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (p === '/') return send('text/html; charset=utf-8', PAGE);
    if (p === '/peer.js') return send('text/javascript', SCRIPT);
    if (p === '/land.geojson') return send('application/json', landBody);
    if (p === '/ships.geojson') return send('application/json', shipsBody);
    const m = /^\/mlgl\/([a-z-]+\.(mjs|css|map|mjs\.map))$/.exec(p);
    if (m && fs.existsSync(path.join(DIST, m[1]))) return send(TYPES[path.extname(m[1])] || 'application/octet-stream', fs.readFileSync(path.join(DIST, m[1])));
    res.writeHead(404).end();
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${srv.address().port}/`, close: () => new Promise((resolve) => srv.close(resolve)) };
}

// fetchLand reads the node's basemap land (the map's /basemap/land.geojson).
export async function fetchLand(base, headers) {
  const r = await fetch(`${base}/basemap/land.geojson`, { headers });
  if (!r.ok) throw new Error(`peer: GET the basemap: ${r.status}`);
  let b = Buffer.from(await r.arrayBuffer());
  if (b[0] === 0x1f && b[1] === 0x8b) b = zlib.gunzipSync(b); // stored compressed, sent as is
  return JSON.parse(b.toString('utf8'));
}
