// The range-and-bearing tool (the Measure button, or M) and the cursor
// position readout. Measuring: a click sets the origin, the pointer
// draws the line to it with the range in nautical miles and the bearing
// in degrees true (great circle, from the origin), and a second click
// fixes the end; a third starts again. Escape or the button ends it.
// The readout in the time bar shows the pointer's position in degrees
// and decimal minutes and in decimal degrees.
import type { Map as MapLibre, MapMouseEvent, GeoJSONSource } from 'maplibre-gl';
import type { Feature, FeatureCollection } from 'geojson';
import type { LngLat } from './geo.js';
import { $ } from './dom.js';
import * as geo from './geo.js';

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

/**
 * rangeText is what the tool shows for a measurement from a to b.
 * @param {[number, number]} a
 * @param {[number, number]} b
 */
export function rangeText(a: [number,number], b: [number,number]) {
  const d = geo.distanceNm(a, b);
  const brg = geo.bearingTrue(a, b);
  const dist = d < 10 ? d.toFixed(2) : d < 100 ? d.toFixed(1) : d.toFixed(0);
  return `${dist} nm \u00b7 ${brg.toFixed(1).padStart(5, '0')}\u00b0 T`;
}

export class Measure {
  active: boolean;
  /** [lng, lat] of the pointer */
  cursor: LngLat | null;
  fixed: boolean;
  to: LngLat | null;
  from: LngLat | null;
  closeOthers?: () => void;
  map: MapLibre;
  constructor(map: MapLibre, { closeOthers }: { closeOthers?: () => void }) {
    this.map = map;
    this.closeOthers = closeOthers;
    this.active = false;
    this.from = null;
    this.to = null;
    this.fixed = false;
    this.cursor = null; // [lng, lat] of the pointer
  }

  addLayers() {
    this.map.addSource('measure', { type: 'geojson', data: EMPTY });
    this.map.addLayer({
      id: 'measure-line',
      type: 'line',
      source: 'measure',
      filter: ['==', ['geometry-type'], 'LineString'],
      paint: { 'line-color': '#ffffff', 'line-width': 2, 'line-dasharray': [3, 2] },
    });
    this.map.addLayer({
      id: 'measure-points',
      type: 'circle',
      source: 'measure',
      filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 4, 'circle-color': '#ffffff', 'circle-stroke-color': '#06121c', 'circle-stroke-width': 1.5 },
    });
  }

  wire() {
    $('measure-btn').addEventListener('click', () => this.setActive(!this.active));
    $('measure-clear').addEventListener('click', () => this.setActive(false));
    this.map.on('click', (e) => this.onClick(e));
    this.map.on('mousemove', (e) => {
      const cursor: LngLat = [geo.wrapLon(e.lngLat.lng), e.lngLat.lat];
      this.cursor = cursor;
      $('cursor-dm').textContent = geo.dm(cursor[1], cursor[0]);
      $('cursor-dec').textContent = geo.decimal(cursor[1], cursor[0]);
      if (this.active && this.from && !this.fixed) {
        this.to = [e.lngLat.lng, e.lngLat.lat];
        this.draw();
      }
    });
    document.addEventListener('keydown', (e) => {
      if (e.target instanceof Element && e.target.closest('input, select, textarea')) return;
      if (e.key === 'Escape' && this.active) this.setActive(false);
      else if ((e.key === 'm' || e.key === 'M') && !e.ctrlKey && !e.metaKey && !e.altKey) this.setActive(!this.active);
    });
  }

  setActive(on: boolean) {
    this.active = on;
    if (on) this.closeOthers?.();
    this.from = null;
    this.to = null;
    this.fixed = false;
    $('measure-btn').setAttribute('aria-pressed', String(on));
    $('measure').hidden = !on;
    this.map.getCanvas().style.cursor = on ? 'crosshair' : '';
    this.draw();
  }

  onClick(e: MapMouseEvent & { measuring?: boolean }) {
    if (!this.active) return;
    e.measuring = true;
    const p: LngLat = [e.lngLat.lng, e.lngLat.lat];
    if (!this.from || this.fixed) {
      this.from = p;
      this.to = null;
      this.fixed = false;
    } else {
      this.to = p;
      this.fixed = true;
    }
    this.draw();
  }

  // result is the measurement shown: origin, end (wrapped), range and
  // bearing; null before an end.
  result() {
    if (!this.from || !this.to) return null;
    const a: LngLat = [geo.wrapLon(this.from[0]), this.from[1]];
    const b: LngLat = [geo.wrapLon(this.to[0]), this.to[1]];
    return { from: a, to: b, nm: geo.distanceNm(a, b), bearing: geo.bearingTrue(a, b), fixed: this.fixed, text: rangeText(a, b) };
  }

  draw() {
    const features: Feature[] = [];
    if (this.from) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: this.from }, properties: {} });
    if (this.from && this.to) {
      features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: this.to }, properties: {} });
      features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: greatCircle(this.from, this.to) }, properties: {} });
    }
    this.map.getSource<GeoJSONSource>('measure')?.setData({ type: 'FeatureCollection', features });
    const r = this.result();
    $('measure-range').textContent = r ? r.text : this.from ? 'Move to the target, click to fix' : 'Click the origin';
    $('measure-ends').textContent = r ? `from ${geo.dm(r.from[1], r.from[0])} to ${geo.dm(r.to[1], r.to[0])}` : '';
  }
}

// greatCircle returns points along the great circle from a to b (the
// line a ship on that bearing would start along), for drawing.
function greatCircle(a: LngLat, b: LngLat): LngLat[] {
  const r = Math.PI / 180;
  const [l1, p1] = [a[0] * r, a[1] * r];
  const [l2, p2] = [b[0] * r, b[1] * r];
  const d = (geo.distanceNm(a, b) * 1852) / 6371008.8; // nm to radians (mean radius, as geo.js)
  if (d < 1e-6) return [a, b];
  const n = Math.min(64, Math.max(2, Math.ceil(d / 0.005)));
  const pts: LngLat[] = [];
  for (let i = 0; i <= n; i++) {
    const f = i / n;
    const A = Math.sin((1 - f) * d) / Math.sin(d);
    const B = Math.sin(f * d) / Math.sin(d);
    const x = A * Math.cos(p1) * Math.cos(l1) + B * Math.cos(p2) * Math.cos(l2);
    const y = A * Math.cos(p1) * Math.sin(l1) + B * Math.cos(p2) * Math.sin(l2);
    const z = A * Math.sin(p1) + B * Math.sin(p2);
    let lon = Math.atan2(y, x) / r;
    // Keep the line continuous across the antimeridian.
    if (pts.length) {
      const prev = pts[pts.length - 1][0];
      while (lon - prev > 180) lon -= 360;
      while (lon - prev < -180) lon += 360;
    }
    pts.push([lon, Math.atan2(z, Math.hypot(x, y)) / r]);
  }
  return pts;
}
