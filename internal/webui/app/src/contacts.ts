// The radar and satellite layers: contacts of GET /api/v1/contacts drawn
// by sensor (radar a diamond, satellite a triangle), dark ones (no AIS
// vessel explains them) filled and ringed, doubtful satellite detections
// grey, an associated contact joined to its vessel by a dashed line; a
// click opens the contact's details panel, whose vessel button opens the
// vessel. Live, the current contacts (GET /api/v1/contacts?bbox=) and the
// stream's "contact" events; at a past moment t, the recent history
// (history=true&since=t-10min), each radar track and detection as it was
// at t. A node without contacts (501, 404) keeps the layers' entries
// disabled. Every string of a contact reaches the page as text only.
import { h, $ } from './dom.js';
import * as api from './api.js';
import * as cm from './contactmodel.js';
import { PanelFocus } from './focus.js';
import type { Map as MapLibre, GeoJSONSource, FilterSpecification } from 'maplibre-gl';
import type { Feature, FeatureCollection } from 'geojson';
import type { View } from './panel.js';

// Status is a contact's standing with the AIS picture.
type Status = ReturnType<typeof cm.status>;

// ContactsOptions is what the contact layers need of the page.
export interface ContactsOptions {
  bbox: () => string;
  vesselAt: (mmsi: string) => [number, number] | null;
  vesselName: (mmsi: string) => string | null;
  onVessel: (mmsi: string) => void;
  onOpen: () => void;
  onAvailable: (ok: boolean) => void;
  panelView: () => View;
  onError: (err: unknown) => void;
}

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
const SIZE = 22; // CSS pixels
const RATIO = 2;
const LIVE_LIMIT = 5000;
const HISTORY_LIMIT = 20000;

// Colours: the shape tells the sensor, the fill the status (hollow: an AIS
// vessel explains it; filled yellow with a ring: dark; grey: doubtful).
const STROKE: Record<Status, string> = { assoc: '#e8f4fa', dark: '#06121c', doubtful: '#94a8b8' };
const FILL: Record<Status, string | null> = { assoc: null, dark: '#f0e442', doubtful: null };
const DARK_RING = '#ff6b6b';

function contactImage(sensor: cm.Sensor, st: Status): ImageData {
  const px = SIZE * RATIO;
  const canvas = document.createElement('canvas');
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('contacts: no 2d canvas');
  const p = (x: number, y: number): [number, number] => [x * px, y * px];
  ctx.beginPath();
  if (sensor === 'radar') {
    ctx.moveTo(...p(0.5, 0.12));
    ctx.lineTo(...p(0.88, 0.5));
    ctx.lineTo(...p(0.5, 0.88));
    ctx.lineTo(...p(0.12, 0.5));
  } else {
    ctx.moveTo(...p(0.5, 0.1));
    ctx.lineTo(...p(0.9, 0.84));
    ctx.lineTo(...p(0.1, 0.84));
  }
  ctx.closePath();
  if (st === 'doubtful') ctx.setLineDash([3 * RATIO, 2 * RATIO]);
  const fill = FILL[st];
  if (fill) {
    ctx.fillStyle = fill;
    ctx.fill();
  }
  ctx.lineWidth = (st === 'dark' ? 1.5 : 2.2) * RATIO;
  ctx.strokeStyle = STROKE[st];
  ctx.stroke();
  return ctx.getImageData(0, 0, px, px);
}

export class Contacts {
  focus: PanelFocus;
  pending: boolean;
  abort: AbortController | null;
  /** the parameters of the last answer, for the tests */
  query: string;
  loads: number;
  streamed: number;
  /** the key of the contact whose panel is open */
  selected: string | null;
  /** the contacts drawn */
  shown: cm.Known[];
  drawnKey: string;
  linksKey: string;
  /** null until the first answer */
  available: boolean | null;
  /** a past view's moment, null live */
  at: Date | null;
  /** newest report per radar track or detection */
  byKey: Map<string, cm.Known>;
  opts: ContactsOptions;
  map: MapLibre;
  constructor(map: MapLibre, opts: ContactsOptions) {
    this.map = map;
    this.opts = opts;
    this.byKey = new Map();
    this.at = null; // Date of a past view, null live
    this.available = null; // null until the first answer
    this.shown = []; // the contacts drawn
    this.drawnKey = ''; // the contacts and links given to their sources, as JSON
    this.linksKey = '';
    this.selected = null; // key
    this.streamed = 0;
    this.loads = 0;
    this.query = ''; // the parameters of the last answer, for the tests
    this.abort = null;
    this.pending = false;
    this.focus = new PanelFocus('contact-panel');
  }

  addLayers() {
    const map = this.map;
    for (const [sensor] of cm.SENSORS) {
      for (const st of ['assoc', 'dark', 'doubtful'] as const) {
        const name = `contact-${sensor}-${st}`;
        if (!map.hasImage(name)) map.addImage(name, contactImage(sensor, st), { pixelRatio: RATIO });
      }
    }
    map.addSource('contacts', { type: 'geojson', data: EMPTY });
    map.addSource('contact-links', { type: 'geojson', data: EMPTY });
    for (const [sensor] of cm.SENSORS) {
      const bySensor: FilterSpecification = ['==', ['get', 'sensor'], sensor];
      map.addLayer({
        id: `${sensor}-contact-links`,
        type: 'line',
        source: 'contact-links',
        filter: bySensor,
        paint: { 'line-color': '#e8f4fa', 'line-width': 1.2, 'line-opacity': 0.8, 'line-dasharray': [2, 2] },
      });
      map.addLayer({
        id: `${sensor}-contact-dark`,
        type: 'circle',
        source: 'contacts',
        filter: ['all', bySensor, ['==', ['get', 'status'], 'dark']],
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, 9, 12, 16],
          'circle-color': 'rgba(0,0,0,0)',
          'circle-stroke-color': DARK_RING,
          'circle-stroke-width': 2.5,
        },
      });
      map.addLayer({
        id: `${sensor}-contacts`,
        type: 'symbol',
        source: 'contacts',
        filter: bySensor,
        layout: {
          'icon-image': ['get', 'icon'],
          'icon-allow-overlap': true,
          'icon-ignore-placement': true,
          'icon-size': ['interpolate', ['linear'], ['zoom'], 4, 0.7, 10, 1],
          // Dark contacts above the others.
          'symbol-sort-key': ['match', ['get', 'status'], 'dark', 2, 'assoc', 1, 0],
        },
      });
    }
    map.addLayer({
      id: 'contact-selected',
      type: 'circle',
      source: 'contacts',
      filter: ['==', ['get', 'key'], ''],
      paint: { 'circle-radius': 14, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
    });
  }

  // layerIds are the MapLibre layers of a sensor's entry in the layer
  // control.
  static layerIds(sensor: cm.Sensor): string[] {
    return [`${sensor}-contact-links`, `${sensor}-contact-dark`, `${sensor}-contacts`];
  }

  wire() {
    $('contact-close').addEventListener('click', () => this.close());
    $('contact-vessel').addEventListener('click', () => {
      const c = this.selected ? this.byKey.get(this.selected) : undefined;
      if (c?.mmsi) this.opts.onVessel(c.mmsi);
    });
  }

  // setTime shows the contacts of a past moment (a Date), or live (null).
  setTime(t: Date | null): void {
    this.at = t;
    this.byKey.clear();
    this.load();
  }

  async load() {
    this.abort?.abort();
    const ctl = new AbortController();
    this.abort = ctl;
    const params: Record<string, string> = { bbox: this.opts.bbox(), format: 'json', limit: String(LIVE_LIMIT) };
    if (this.at) {
      params.history = 'true';
      params.since = new Date(this.at.getTime() - cm.CURRENT_MS).toISOString().replace(/\.\d+Z$/, 'Z');
      params.limit = String(HISTORY_LIMIT);
    }
    try {
      const body = await api.get('/api/v1/contacts', params, ctl.signal);
      this.loads++;
      this.query = new URLSearchParams(params).toString();
      const list = (Array.isArray(body?.contacts) ? body.contacts : []).map(cm.normalize).filter((c): c is cm.Known => c != null);
      const at = this.at?.getTime();
      // In the past the history may reach beyond the moment: each track as
      // it was then.
      const keep = at == null ? list : list.filter((c) => c.t <= at);
      if (at == null) {
        // Live: what the view holds now, plus what the stream added since.
        const next = new Map<string, cm.Known>();
        cm.merge(next, keep);
        this.byKey = next;
      } else {
        this.byKey.clear();
        cm.merge(this.byKey, keep);
      }
      this.setAvailable(true);
      this.render();
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') return;
      if (err instanceof api.ApiError && (err.status === 404 || err.status === 501)) {
        this.setAvailable(false);
        return;
      }
      this.opts.onError(err);
    }
  }

  setAvailable(ok: boolean): void {
    if (this.available === ok) return;
    this.available = ok;
    this.opts.onAvailable(ok);
  }

  // onStream takes a "contact" event of the live stream.
  onStream(raw: api.Contact): void {
    if (this.at) return;
    const c = cm.normalize(raw);
    if (!c) return;
    this.streamed++;
    if (cm.merge(this.byKey, [c]) > 0) this.scheduleRender();
  }

  scheduleRender() {
    if (this.pending) return;
    this.pending = true;
    setTimeout(() => {
      this.pending = false;
      // Not while the map moves: each render re-tiles the contacts in
      // MapLibre's worker and repaints; drawn when it stops.
      if (this.map.isMoving()) this.scheduleRender();
      else this.render();
    }, 500);
  }

  // render draws the contacts current at the time shown (live: in the
  // last 10 minutes of data time) and the links of the associated ones.
  render() {
    const src = this.map.getSource<GeoJSONSource>('contacts');
    if (!src) return;
    // Forget what has left the window, so that the map holds what it shows.
    this.shown = cm.current(this.byKey.values(), this.at ? this.at.getTime() : null);
    if (this.shown.length < this.byKey.size) {
      const keep = new Set(this.shown.map((c) => c.key));
      for (const k of this.byKey.keys()) if (!keep.has(k) && k !== this.selected) this.byKey.delete(k);
    }
    // (a source given what it has is not given it again: each setData
    // re-tiles it in MapLibre's worker and repaints the map)
    const features = this.shown.map(cm.feature);
    const key = JSON.stringify(features);
    if (key !== this.drawnKey) {
      src.setData({ type: 'FeatureCollection', features });
      this.drawnKey = key;
    }
    const links: Feature[] = [];
    for (const c of this.shown) {
      const l = cm.link(c, c.mmsi ? this.opts.vesselAt(c.mmsi) : null);
      if (l) links.push(l);
    }
    const linksKey = JSON.stringify(links);
    const linkSrc = this.map.getSource<GeoJSONSource>('contact-links');
    if (linkSrc && linksKey !== this.linksKey) {
      linkSrc.setData({ type: 'FeatureCollection', features: links });
      this.linksKey = linksKey;
    }
    if (this.selected && !$('contact-panel').hidden) this.renderPanel();
  }

  // pick opens the details of a contact by key.
  pick(key: string): void {
    const c = this.byKey.get(key);
    if (!c) return;
    this.selected = key;
    if (this.map.getLayer('contact-selected')) this.map.setFilter('contact-selected', ['==', ['get', 'key'], key]);
    this.opts.onOpen();
    this.renderPanel();
    this.focus.opened($('contact-name'));
  }

  renderPanel(): void {
    const c = this.selected ? this.byKey.get(this.selected) : undefined;
    if (!c) return;
    const title = `${cm.sensorLabel(c)} ${c.sensor === 'radar' ? 'contact' : 'detection'}${c.dark ? ': dark' : ''}`;
    $('contact-name').textContent = title;
    $('contact-fields').replaceChildren(
      ...cm.rows(c, this.opts.panelView(), this.opts.vesselName).flatMap(([key, label, value]) => [h('dt', { text: label }), h('dd', { 'data-field': key, text: value })]),
    );
    const btn = $('contact-vessel');
    btn.hidden = !c.mmsi;
    btn.dataset.mmsi = c.mmsi ?? '';
    btn.textContent = c.mmsi ? `Show vessel ${this.opts.vesselName(c.mmsi) ?? `MMSI ${c.mmsi}`}` : '';
    $('contact-panel').hidden = false;
  }

  close() {
    this.selected = null;
    if (!$('contact-panel').hidden) this.focus.closed(this.map.getCanvas());
    $('contact-panel').hidden = true;
    if (this.map.getLayer('contact-selected')) this.map.setFilter('contact-selected', ['==', ['get', 'key'], '']);
  }

  // describe is the hover text of a contact.
  describe(key: string): string | null {
    const c = this.byKey.get(key);
    if (!c) return null;
    const who = c.mmsi ? `MMSI ${c.mmsi}` : c.dark ? 'dark' : 'doubtful';
    return `${cm.sensorLabel(c)} ${c.sensor === 'radar' ? `target ${c.target ?? ''}`.trim() : 'detection'} \u00b7 ${who}`;
  }

  // state is what the browser tests read.
  state() {
    const n = cm.counts(this.shown);
    return { available: this.available, loads: this.loads, query: this.query, streamed: this.streamed, shown: this.shown.length, ...n, selected: this.selected };
  }
}
