// The detailed offline basemap: a PMTiles archive of vector tiles served by
// this node (tidewatch serve --basemap FILE.pmtiles), read with HTTP Range
// requests through the pmtiles package's MapLibre protocol. Without one the
// map keeps the embedded Natural Earth land (basemap.js).
import { addProtocol } from 'maplibre-gl';
import { FetchSource, PMTiles, Protocol } from 'pmtiles';
import type { Map as MapLibre, LayerSpecification } from 'maplibre-gl';
import { authHeaders } from './api.js';

// BasemapInfo is the answer of /basemap/info: the archive's path and its
// layers.
export interface BasemapInfo {
  pmtiles: string;
  layers?: string[];
}

// fetchBasemapInfo asks /basemap/info whether the node serves an archive;
// null when it does not (or is an older node without the route).
export async function fetchBasemapInfo(): Promise<BasemapInfo | null> {
  let res: Response;
  try {
    res = await fetch(new URL('/basemap/info', location.origin), { headers: authHeaders() });
  } catch {
    return null;
  }
  if (!res.ok) return null;
  const info: BasemapInfo | null = await res.json().catch(() => null);
  if (!info || typeof info.pmtiles !== 'string' || !info.pmtiles.startsWith('/')) return null;
  return info;
}

// Colours: the land fill of the embedded basemap, borders dim, ports amber.
const LAND = '#2f3d30';
const COAST = '#4f6250';

// basemapLayers returns the MapLibre layers for the archive's layers: the
// layers of tidewatch basemap build (land, countries, maritime, ports,
// anchorages) and those of a Protomaps basemap extract (earth, water,
// boundaries). Layers the archive does not have are left out.
export function basemapLayers(layerIds: string[] | null | undefined, source = 'pmtiles'): LayerSpecification[] {
  const has = new Set(layerIds || []);
  const out: LayerSpecification[] = [];
  if (has.has('land')) {
    out.push({ id: 'bm-land', type: 'fill', source, 'source-layer': 'land', paint: { 'fill-color': LAND } });
    out.push({ id: 'bm-coast', type: 'line', source, 'source-layer': 'land', minzoom: 6,
      paint: { 'line-color': COAST, 'line-width': ['interpolate', ['linear'], ['zoom'], 6, 0.5, 14, 1.5] } });
  }
  if (has.has('earth')) out.push({ id: 'bm-earth', type: 'fill', source, 'source-layer': 'earth', paint: { 'fill-color': LAND } });
  if (has.has('water')) out.push({ id: 'bm-water', type: 'fill', source, 'source-layer': 'water', paint: { 'fill-color': '#0e2a3d' } });
  if (has.has('maritime')) {
    out.push({ id: 'bm-maritime', type: 'line', source, 'source-layer': 'maritime', minzoom: 4,
      paint: { 'line-color': '#3d6f8f', 'line-width': 1, 'line-dasharray': [3, 3] } });
  }
  if (has.has('countries')) {
    out.push({ id: 'bm-countries', type: 'line', source, 'source-layer': 'countries',
      paint: { 'line-color': '#7a8a7b', 'line-width': 0.7, 'line-opacity': 0.7 } });
  }
  if (has.has('boundaries')) {
    out.push({ id: 'bm-boundaries', type: 'line', source, 'source-layer': 'boundaries',
      paint: { 'line-color': '#7a8a7b', 'line-width': 0.7, 'line-opacity': 0.7 } });
  }
  if (has.has('anchorages')) {
    out.push({ id: 'bm-anchorages', type: 'circle', source, 'source-layer': 'anchorages', minzoom: 10,
      paint: { 'circle-radius': 2, 'circle-color': '#b08d3c', 'circle-opacity': 0.6 } });
  }
  if (has.has('ports')) {
    out.push({ id: 'bm-ports', type: 'circle', source, 'source-layer': 'ports', minzoom: 5,
      paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 2, 12, 4], 'circle-color': '#e0b050',
        'circle-stroke-color': '#1b1b1b', 'circle-stroke-width': 1 } });
  }
  return out;
}

// basemapOverlays are the layer control's switches for a detailed
// basemap's overlays, of its map layers (basemapLayers' ids) those it
// has: the maritime boundaries, the countries' borders, the ports (with
// their names, which PortLabels reads from the ports layer) and
// anchorages. The land and water stay on.
export function basemapOverlays(mapLayers: string[]): { id: string; label: string; layers: string[] }[] {
  const has = new Set(mapLayers);
  const out = [
    { id: 'bm-maritime', label: 'Maritime boundaries (territorial seas)', layers: ['bm-maritime'] },
    { id: 'bm-borders', label: 'Country borders', layers: ['bm-countries', 'bm-boundaries'] },
    { id: 'bm-ports', label: 'Ports and their names', layers: ['bm-ports'] },
    { id: 'bm-anchorages', label: 'Charted anchorages', layers: ['bm-anchorages'] },
  ];
  return out.map((e) => ({ ...e, layers: e.layers.filter((l) => has.has(l)) })).filter((e) => e.layers.length > 0);
}

let protocol: Protocol | null = null;

// addPMTilesBasemap adds the archive as source "pmtiles" with its layers
// below beforeId, and returns the ids of the layers added. The embedded
// land stays for the zooms below 5 (and outside a regional extract there),
// hidden from zoom 5 in, where it would cover the detailed coast.
export function addPMTilesBasemap(map: MapLibre, info: BasemapInfo, beforeId?: string): string[] {
  const url = new URL(info.pmtiles, location.origin).href;
  if (!protocol) {
    protocol = new Protocol();
    addProtocol('pmtiles', protocol.tile);
  }
  protocol.add(new PMTiles(new FetchSource(url, new Headers(authHeaders()))));
  map.addSource('pmtiles', {
    type: 'vector',
    url: 'pmtiles://' + url,
    attribution: 'Natural Earth, NGA World Port Index, Global Fishing Watch',
  });
  const layers = basemapLayers(info.layers);
  for (const l of layers) map.addLayer(l, beforeId);
  if (map.getLayer('land') && layers.length) map.setLayerZoomRange('land', 0, 5);
  return layers.map((l) => l.id);
}

// PortLabels draws the names of the ports in view from zoom 8 on a canvas
// over the map (the offline basemap has no glyphs for MapLibre's text),
// leaving out any name that would overlap one already drawn.
export class PortLabels {
  frame: number;
  drawn: { name: string; x: number; y: number }[];
  canvas: HTMLCanvasElement;
  minZoom: number;
  map: MapLibre;
  constructor(map: MapLibre, minZoom = 8) {
    this.map = map;
    this.minZoom = minZoom;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'label-layer port-labels';
    this.canvas.setAttribute('aria-hidden', 'true');
    map.getCanvasContainer().appendChild(this.canvas);
    this.drawn = [];
    this.frame = 0;
    map.on('render', () => this.schedule());
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  draw() {
    const map = this.map;
    const c = this.canvas;
    const w = map.getCanvas().clientWidth;
    const hgt = map.getCanvas().clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(hgt * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(hgt * dpr);
      c.style.width = w + 'px';
      c.style.height = hgt + 'px';
    }
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, hgt);
    this.drawn = [];
    if (map.getZoom() < this.minZoom || !map.getLayer('bm-ports')) return;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const boxes: { x: number; y: number; w: number; h: number }[] = [];
    const seen = new Set<string>();
    for (const f of map.queryRenderedFeatures({ layers: ['bm-ports'] })) {
      const name = f.properties && f.properties.name;
      if (typeof name !== 'string' || !name || seen.has(name) || f.geometry.type !== 'Point') continue;
      seen.add(name);
      const p = map.project(f.geometry.coordinates as [number, number]);
      const tw = ctx.measureText(name).width;
      const box = { x: p.x + 6, y: p.y - 7, w: tw, h: 14 };
      if (box.x + box.w > w || box.y < 0 || box.y + box.h > hgt) continue;
      if (boxes.some((b) => b.x < box.x + box.w && box.x < b.x + b.w && b.y < box.y + box.h && box.y < b.y + b.h)) continue;
      boxes.push(box);
      ctx.lineWidth = 3;
      ctx.strokeStyle = 'rgba(14,42,61,0.9)';
      ctx.strokeText(name, box.x, p.y);
      ctx.fillStyle = '#f0d9a0';
      ctx.fillText(name, box.x, p.y);
      this.drawn.push({ name, x: p.x, y: p.y });
    }
  }
}
