// Drawing a polygon by clicking its corners on the map, shared by the zone
// editor and the incident form: what a click does, the closed ring, the
// features that show the outline while it is drawn, the source and
// layers that draw them (sketchLayers, addSketchLayers), and the pointer,
// double-click and keys while drawing (wireSketch, sketchCursor).

import type { Feature, GeoJsonProperties } from 'geojson';
import type { LayerSpecification, SourceSpecification } from 'maplibre-gl';
import type { LngLat } from './geo.js';

const CLOSE_PX = 10; // a click this near the first corner closes the ring
const SAME_PX = 4; // a click this near the last corner adds none (double-click)

// ringArea is twice the signed area of a closed ring in degrees:
// positive when it runs counterclockwise.
function ringArea(ring: LngLat[]): number {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return a;
}

// cornerClick says what a click at the screen point p does to the corners
// ([lng, lat]) clicked so far: 'same' (the second click of a double-click:
// nothing), 'close' (on the first corner of three or more: close the
// ring) or 'add'.
export function cornerClick(map: { project: (p: LngLat) => { x: number; y: number } }, corners: LngLat[], p: { x: number; y: number }): 'same' | 'close' | 'add' {
  const n = corners.length;
  if (n > 0) {
    const last = map.project(corners[n - 1]);
    if (Math.hypot(last.x - p.x, last.y - p.y) <= SAME_PX) return 'same';
  }
  if (n >= 3) {
    const first = map.project(corners[0]);
    if (Math.hypot(first.x - p.x, first.y - p.y) <= CLOSE_PX) return 'close';
  }
  return 'add';
}

// closeRing returns the corners as a closed ring, counterclockwise as
// RFC 7946 asks, or null when fewer than three of them are distinct.
export function closeRing(corners: LngLat[]): LngLat[] | null {
  if (new Set(corners.map((c) => c.join(','))).size < 3) return null;
  const ring = [...corners, corners[0]];
  return ringArea(ring) < 0 ? [ring[0], ...ring.slice(1, -1).reverse(), ring[0]] : ring;
}

// outline returns the features of a ring being drawn: the polygon and the
// line so far (to the pointer, when there is one) and the corners, each
// with the properties cornerProps(i) gives.
export function outline(corners: LngLat[], pointer: LngLat | null, cornerProps: (i: number) => GeoJsonProperties): Feature[] {
  const features: Feature[] = [];
  if (corners.length === 0) return features;
  const line = pointer ? [...corners, pointer] : [...corners];
  if (line.length >= 3) features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[...line, line[0]]] }, properties: {} });
  if (line.length >= 2) features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: line }, properties: {} });
  corners.forEach((c, i) => features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: c }, properties: cornerProps(i) }));
  return features;
}

// SketchStyle is how a sketch is drawn: its source, the ids of its fill,
// line and corner layers, its colour, the fill's opacity, and the corner
// property (1 or 0) that draws a corner larger.
export interface SketchStyle {
  source: string;
  fill: string;
  line: string;
  corners: string;
  colour: string;
  fillOpacity: number;
  bigCorner: string;
}

// sketchLayers are the layers of a sketch: the polygon filled, the line
// and the corners (outline's features, by geometry type).
export function sketchLayers(st: SketchStyle): LayerSpecification[] {
  return [
    { id: st.fill, type: 'fill', source: st.source, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': st.colour, 'fill-opacity': st.fillOpacity } },
    { id: st.line, type: 'line', source: st.source, filter: ['==', ['geometry-type'], 'LineString'], paint: { 'line-color': st.colour, 'line-width': 2 } },
    {
      id: st.corners,
      type: 'circle',
      source: st.source,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-radius': ['case', ['==', ['get', st.bigCorner], 1], 6, 4],
        'circle-color': st.colour,
        'circle-stroke-color': '#10202d',
        'circle-stroke-width': 1.5,
      },
    },
  ];
}

// SketchMap is what addSketchLayers needs of the map.
export interface SketchMap {
  addSource(id: string, s: SourceSpecification): unknown;
  addLayer(l: LayerSpecification): unknown;
}

// addSketchLayers adds a sketch's source (empty) and layers.
export function addSketchLayers(map: SketchMap, st: SketchStyle): void {
  map.addSource(st.source, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  for (const l of sketchLayers(st)) map.addLayer(l);
}

// SketchEvents are the map's and page's events wireSketch listens to.
export interface SketchEvents {
  on(type: 'dblclick' | 'mousemove', fn: (e: { preventDefault(): void; lngLat: { lng: number; lat: number } }) => void): unknown;
}

// SketchHandlers say when a sketch is being drawn and what to do: drawing
// (corners are being clicked), keys (the keys act: drawing, or placing
// something else), and pointer, finish, undo and cancel.
export interface SketchHandlers {
  drawing: () => boolean;
  keys: () => boolean;
  pointer: (p: LngLat) => void;
  finish: () => void;
  undo: () => void;
  cancel: () => void;
}

// typing says whether a key went to a text field (not to the sketch).
function typing(target: EventTarget | null): boolean {
  const el = target as { closest?: (sel: string) => unknown } | null;
  return !!el && typeof el.closest === 'function' && !!el.closest('input, select, textarea');
}

// sketchKey is what a key does to a sketch: Escape cancels (whenever keys
// act), Enter finishes and Backspace drops the last corner (while
// drawing); null: nothing (a key typed in a text field, or another key).
export function sketchKey(key: string, target: EventTarget | null, h: Pick<SketchHandlers, 'drawing' | 'keys'>): 'cancel' | 'finish' | 'undo' | null {
  if (!h.keys() || typing(target)) return null;
  if (key === 'Escape') return 'cancel';
  if (!h.drawing()) return null;
  if (key === 'Enter') return 'finish';
  if (key === 'Backspace') return 'undo';
  return null;
}

// wireSketch listens, while drawing, to the pointer (the line follows it)
// and a double-click (finishes, without zooming), and to the keys
// (sketchKey) on doc.
export function wireSketch(map: SketchEvents, doc: Pick<EventTarget, 'addEventListener'>, h: SketchHandlers): void {
  map.on('dblclick', (e) => {
    if (!h.drawing()) return;
    e.preventDefault();
    h.finish();
  });
  map.on('mousemove', (e) => {
    if (h.drawing()) h.pointer([e.lngLat.lng, e.lngLat.lat]);
  });
  doc.addEventListener('keydown', (e) => {
    const what = sketchKey((e as KeyboardEvent).key, e.target, h);
    if (!what) return;
    h[what]();
    e.preventDefault();
  });
}

// sketchCursor sets the map for placing (a crosshair; and for corners, no
// zoom on a double-click, which closes the ring) or back.
export function sketchCursor(map: { getCanvas(): { style: { cursor: string } }; doubleClickZoom: { enable(): void; disable(): void } }, placing: boolean, corners = placing): void {
  map.getCanvas().style.cursor = placing ? 'crosshair' : '';
  if (corners) map.doubleClickZoom.disable();
  else map.doubleClickZoom.enable();
}
