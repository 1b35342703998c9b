// The zone editor, for sessions that may edit zones (GET /api/v1/session
// answers zone_editing: true, an admin on a node whose zones are
// editable). It draws a new zone on the map — a click adds a corner; a
// double-click, a click on the first corner or Finish closes the ring;
// Backspace or Undo drops the last corner; Escape cancels — and saves it
// with POST /api/v1/zones. An existing zone, picked from the list, can be
// renamed, redrawn (PUT /api/v1/zones/{name}) or deleted (DELETE). The
// API's error messages are shown as text; after every change the zones
// layer reloads. Zone names are attacker-controlled: they reach the page as
// text nodes only.
import { h, $, showStatus } from './dom.js';
import * as api from './api.js';
import { addSketchLayers, closeRing, cornerClick, outline, sketchCursor, wireSketch } from './draw.js';
import { listKeys } from './listkeys.js';
import type { LngLat } from './geo.js';
import type { ZoneCollection } from './events.js';
import type { Map as MapLibre, MapMouseEvent, GeoJSONSource, LngLatBoundsLike } from 'maplibre-gl';
import type { Feature, Polygon } from 'geojson';
import type { ZoneFeature } from './api.js';

// ZoneEditorPage is what the editor needs of the page.
export interface ZoneEditorPage {
  zones: () => ZoneCollection;
  reloadZones: () => Promise<void>;
  closeOthers: () => void;
}

const MAX_CORNERS = 1000;
const MAX_NAME = 128;

// zoneName returns the name of a zone feature ('' if it has none).
export function zoneName(f: { properties?: { name?: unknown } } | null | undefined): string {
  const n = f?.properties?.name;
  return typeof n === 'string' ? n : n == null ? '' : String(n);
}

// nameError returns why a zone name is refused, as the API would, or ''.
function nameError(name: string): string {
  if (name === '') return 'Give the zone a name.';
  if ([...name].length > MAX_NAME) return `The name is longer than ${MAX_NAME} characters.`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return 'The name has a control character.';
  return '';
}

// ZoneEditor needs from the page the map, zones() (the FeatureCollection
// of the zones layer), reloadZones() (reload it; a promise), and the
// panels it should close when it opens (closeOthers()).
export class ZoneEditor {
  deleted: number;
  saved: number;
  armed: boolean;
  busy: boolean;
  drawn: Polygon | null;
  target: ZoneFeature | null;
  pointer: LngLat | null;
  corners: LngLat[];
  mode: 'idle' | 'drawing' | 'form';
  enabled: boolean;
  closeOthers: () => void;
  reloadZones: () => Promise<void>;
  zones: () => ZoneCollection;
  map: MapLibre;
  constructor(map: MapLibre, { zones, reloadZones, closeOthers }: ZoneEditorPage) {
    this.map = map;
    this.zones = zones;
    this.reloadZones = reloadZones;
    this.closeOthers = closeOthers;
    this.enabled = false;
    this.mode = 'idle'; // idle: the list; drawing: corners being clicked; form: name and save
    this.corners = []; // [lng, lat] of the corners clicked
    this.pointer = null; // [lng, lat] of the pointer while drawing
    this.target = null; // the feature of the zone being edited; null: a new zone
    this.drawn = null; // the Polygon drawn, once closed; null: unchanged
    this.busy = false;
    this.armed = false; // Delete was clicked once
    this.saved = 0; // test hooks: zones saved and deleted
    this.deleted = 0;
  }

  get drawing() {
    return this.mode === 'drawing';
  }

  get open() {
    return !$('zone-editor').hidden;
  }

  // wire connects the editor's controls and its map and key handlers.
  wire() {
    $('zones-btn').addEventListener('click', () => this.setOpen(!this.open));
    $('zone-editor-close').addEventListener('click', () => this.setOpen(false));
    $('zone-new').addEventListener('click', () => {
      this.target = null;
      this.startDrawing();
    });
    $('zone-finish').addEventListener('click', () => this.finish());
    $('zone-undo').addEventListener('click', () => this.undo());
    $('zone-cancel').addEventListener('click', () => this.cancelDrawing());
    $('zone-save').addEventListener('click', () => this.save());
    $('zone-redraw').addEventListener('click', () => this.startDrawing());
    $('zone-delete').addEventListener('click', () => this.remove());
    $('zone-form-cancel').addEventListener('click', () => this.reset());
    $('zone-name').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.save();
    });
    listKeys($('zone-list'), 'button.zone-item');
    this.map.on('click', (e) => this.onClick(e));
    wireSketch(this.map, document, {
      drawing: () => this.drawing,
      keys: () => this.drawing,
      pointer: (p) => {
        this.pointer = p;
        this.draw();
      },
      finish: () => this.finish(),
      undo: () => this.undo(),
      cancel: () => this.cancelDrawing(),
    });
  }

  // addLayers adds the outline of the selected zone and the zone being
  // drawn; call it after the zones layers, where they should be drawn.
  addLayers() {
    const map = this.map;
    map.addLayer({
      id: 'zone-selected',
      type: 'line',
      source: 'zones',
      filter: ['==', ['get', 'name'], ['literal', '\u0000none']],
      paint: { 'line-color': '#ffffff', 'line-width': 3 },
    });
    addSketchLayers(map, { source: 'zone-draw', fill: 'zone-draw-fill', line: 'zone-draw-line', corners: 'zone-draw-corners', colour: '#ffd54f', fillOpacity: 0.15, bigCorner: 'first' });
  }

  // setEnabled shows the editor's button when the session may edit zones,
  // and takes the editor away when it may not (any more).
  setEnabled(on: boolean): void {
    this.enabled = !!on;
    $('zones-btn').hidden = !this.enabled;
    if (!this.enabled) this.setOpen(false);
  }

  setOpen(open: boolean): void {
    open = open && this.enabled;
    $('zone-editor').hidden = !open;
    $('zones-btn').setAttribute('aria-expanded', String(open));
    if (open) {
      this.closeOthers();
      this.setStatus('');
      this.renderList();
    } else {
      this.reset();
    }
  }

  setStatus(msg: string, isError?: boolean): void {
    showStatus('zone-status', msg, isError);
  }

  // renderList lists the zones, by name, as buttons that select them.
  renderList() {
    if (!this.open) return;
    const features = this.zones().features;
    const list = $('zone-list');
    if (features.length === 0) {
      list.replaceChildren(h('li', { class: 'empty', text: 'No zones' }));
      return;
    }
    const current = this.target ? zoneName(this.target) : null;
    list.replaceChildren(
      ...features.map((f) => {
        const name = zoneName(f);
        const b = h('button', {
          type: 'button',
          class: name === current ? 'zone-item active' : 'zone-item',
          'aria-current': name === current ? 'true' : null,
          text: name === '' ? 'Unnamed zone' : name,
        });
        b.dataset.name = name;
        b.addEventListener('click', () => this.select(name));
        return h('li', null, b);
      }),
    );
  }

  // select picks an existing zone to rename, redraw or delete, and frames
  // it.
  select(name: string): void {
    const f = this.zones().features.find((z) => zoneName(z) === name);
    if (!f) return;
    this.target = f;
    this.drawn = null;
    this.corners = [];
    this.draw();
    this.showForm(name);
    this.highlight(name);
    this.renderList();
    const b = bounds(f.geometry);
    if (b) this.map.fitBounds(b, { padding: 80, maxZoom: 12, duration: 600 });
  }

  highlight(name: string | null): void {
    if (this.map.getLayer('zone-selected')) {
      this.map.setFilter('zone-selected', ['==', ['get', 'name'], ['literal', name ?? '\u0000none']]);
    }
  }

  showForm(name: string): void {
    this.mode = 'form';
    this.disarm();
    $('zone-drawing').hidden = true;
    $<HTMLButtonElement>('zone-new').disabled = false;
    $('zone-form').hidden = false;
    $('zone-form-title').textContent = this.target ? (this.drawn ? 'Redrawn zone' : 'Zone') : 'New zone';
    $('zone-delete').hidden = !this.target;
    $('zone-redraw').hidden = false;
    const input = $<HTMLInputElement>('zone-name');
    input.value = name;
    input.focus();
  }

  startDrawing() {
    this.mode = 'drawing';
    this.disarm();
    this.corners = [];
    this.pointer = null;
    this.drawn = null;
    $('zone-form').hidden = true;
    $('zone-drawing').hidden = false;
    $<HTMLButtonElement>('zone-new').disabled = true;
    this.setStatus('Click the corners on the map. Double-click, click the first corner or Finish to close; Escape cancels.');
    sketchCursor(this.map, true);
    this.draw();
  }

  stopDrawing() {
    sketchCursor(this.map, false);
    this.pointer = null;
    $('zone-drawing').hidden = true;
    $<HTMLButtonElement>('zone-new').disabled = false;
  }

  // onClick adds a corner, or closes the ring; it marks the event as the
  // editor's, so that the page does not also pick a ship.
  onClick(e: MapMouseEvent & { zoneEditor?: boolean }): void {
    if (!this.drawing) return;
    e.zoneEditor = true;
    const what = cornerClick(this.map, this.corners, e.point);
    if (what === 'same') return;
    if (what === 'close') {
      this.finish();
      return;
    }
    if (this.corners.length >= MAX_CORNERS) {
      this.setStatus(`A zone drawn here has at most ${MAX_CORNERS} corners.`, true);
      return;
    }
    const ll = e.lngLat.wrap();
    this.corners.push([ll.lng, ll.lat]);
    this.draw();
  }

  undo() {
    if (!this.drawing) return;
    this.corners.pop();
    this.draw();
  }

  // finish closes the ring, counterclockwise as RFC 7946 asks, and shows
  // the form.
  finish() {
    if (!this.drawing) return;
    const ring = closeRing(this.corners);
    if (!ring) {
      this.setStatus('A zone needs at least 3 corners.', true);
      return;
    }
    this.drawn = { type: 'Polygon', coordinates: [ring] };
    this.stopDrawing();
    this.setStatus('');
    this.draw();
    this.showForm(this.target ? zoneName(this.target) : '');
  }

  cancelDrawing() {
    if (!this.drawing) return;
    this.stopDrawing();
    this.corners = [];
    this.setStatus('');
    if (this.target) this.showForm(zoneName(this.target));
    else this.reset();
  }

  // reset leaves drawing and the form: back to the list.
  reset() {
    if (this.drawing) this.stopDrawing();
    this.mode = 'idle';
    this.corners = [];
    this.drawn = null;
    this.target = null;
    this.disarm();
    if (document.getElementById('zone-form')) {
      $('zone-form').hidden = true;
      $('zone-drawing').hidden = true;
      $<HTMLButtonElement>('zone-new').disabled = false;
    }
    this.highlight(null);
    this.draw();
    this.renderList();
  }

  disarm() {
    this.armed = false;
    const b = document.getElementById('zone-delete');
    if (b) {
      b.textContent = 'Delete';
      b.classList.remove('danger');
    }
  }

  // draw shows the corners, the outline so far (to the pointer) and, once
  // closed, the polygon.
  draw() {
    const src = this.map.getSource<GeoJSONSource>('zone-draw');
    if (!src) return;
    const features: Feature[] = [];
    if (this.drawn) {
      features.push({ type: 'Feature', geometry: this.drawn, properties: {} });
      features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: this.drawn.coordinates[0] }, properties: {} });
    } else if (this.drawing) {
      features.push(...outline(this.corners, this.pointer, (i) => ({ first: i === 0 ? 1 : 0 })));
    }
    src.setData({ type: 'FeatureCollection', features });
  }

  // save creates the new zone (POST) or stores the changed one (PUT).
  async save() {
    if (this.mode !== 'form' || this.busy) return;
    const name = $<HTMLInputElement>('zone-name').value.trim();
    const bad = nameError(name);
    if (bad) {
      this.setStatus(bad, true);
      return;
    }
    const target = this.target;
    let req: Promise<ZoneFeature>;
    if (target) {
      const geometry = this.drawn ?? target.geometry;
      const properties = { ...(target.properties || {}), name };
      req = api.putZone(zoneName(target), { type: 'Feature', geometry, properties });
    } else {
      if (!this.drawn) return;
      req = api.createZone({ type: 'Feature', geometry: this.drawn, properties: { name } });
    }
    this.busy = true;
    this.setStatus('Saving\u2026');
    try {
      await req;
      this.saved++;
      this.reset();
      this.setStatus(`Saved zone \u201c${name}\u201d.`);
      await this.reloadZones();
      this.renderList();
    } catch (err) {
      this.setStatus(`Not saved: ${err instanceof Error ? err.message : String(err)}`, true);
    } finally {
      this.busy = false;
    }
  }

  // remove deletes the selected zone on the second click of Delete.
  async remove() {
    if (!this.target || this.busy) return;
    const b = $('zone-delete');
    if (!this.armed) {
      this.armed = true;
      b.textContent = 'Confirm delete';
      b.classList.add('danger');
      return;
    }
    const name = zoneName(this.target);
    this.busy = true;
    this.setStatus('Deleting\u2026');
    try {
      await api.deleteZone(name);
      this.deleted++;
      this.reset();
      this.setStatus(`Deleted zone \u201c${name}\u201d.`);
      await this.reloadZones();
      this.renderList();
    } catch (err) {
      this.disarm();
      this.setStatus(`Not deleted: ${err instanceof Error ? err.message : String(err)}`, true);
    } finally {
      this.busy = false;
    }
  }
}

// bounds returns [[w, s], [e, n]] of a Polygon or MultiPolygon, or null.
function bounds(g: ZoneFeature['geometry'] | null | undefined): LngLatBoundsLike | null {
  if (!g || !Array.isArray(g.coordinates)) return null;
  // The API document leaves coordinates unknown[]: every level is checked.
  const polys = (g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []) as unknown[][];
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const poly of polys) {
    for (const pt of Array.isArray(poly?.[0]) ? (poly[0] as unknown[]) : []) {
      const [x, y] = Array.isArray(pt) ? pt : [];
      if (typeof x !== 'number' || typeof y !== 'number') continue;
      w = Math.min(w, x);
      e = Math.max(e, x);
      s = Math.min(s, y);
      n = Math.max(n, y);
    }
  }
  return w <= e && s <= n ? [[w, s], [e, n]] : null;
}
