// Drawing a polygon by clicking its corners on the map, shared by the zone
// editor and the incident form: what a click does, the closed ring, and
// the features that show the outline while it is drawn.

import type { Feature, GeoJsonProperties } from 'geojson';
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
