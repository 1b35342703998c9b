// Incident reports and risk assessments: the incidents panel (a list with
// kind, category and period filters, a detail view, exports), the
// incidents layers of the map (points and areas coloured by their TLP
// marking) and, for admins, the form that creates, edits and deletes them.
//
// The list follows the time slider: it holds the records whose time
// overlaps the period before the moment shown (24 h, 7 d or 30 d, chosen
// in the panel; 30 d by default). Live, the period is left open towards
// the future, so that an assessment of the coming weeks is listed; in the
// past it ends at the slider's moment. The exports (STIX 2.1, GeoJSON) ask
// the API for the same selection.
//
// Titles, narratives, sources, node names and every other string of a
// record come from analysts and partner nodes: they reach the page as text
// nodes only.
import { h, $, showStatus } from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';
import { addSketchLayers, closeRing, cornerClick, outline, sketchCursor, wireSketch } from './draw.js';
import { syncList } from './keyed.js';
import { listKeys } from './listkeys.js';
import type { Row } from './keyed.js';
import type { LngLat } from './geo.js';
import type { Map as MapLibre, MapMouseEvent, GeoJSONSource, ExpressionSpecification, FilterSpecification, LngLatBoundsLike } from 'maplibre-gl';
import type { Feature, FeatureCollection } from 'geojson';
import type { Incident, Session } from './api.js';

// Area is an incident's area: the API document leaves it an object, the
// server checks it (closed rings of [lon, lat]); hasArea checks its shape.
export type Area = { type: 'Polygon'; coordinates: LngLat[][] } | { type: 'MultiPolygon'; coordinates: LngLat[][][] };

// IncidentForm is the state of the form: the version edited (null for a
// new record), the point and area placed, what map clicks place, and the
// time inputs as first filled.
interface IncidentForm {
  record: Incident | null;
  point: LngLat | null;
  area: Area | null;
  place: '' | 'point' | 'area';
  startInput: string;
  endInput: string;
}

// IncidentsPage is what the incidents need of the page.
export interface IncidentsPage {
  serverNow: () => number;
  onVessel: (mmsi: string) => void;
  onEvent: (id: string) => boolean;
  closeOthers: () => void;
  onError: (err: unknown) => void;
}

// errText is the message of a failed request.
function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// CATEGORIES lists the incident categories the API names, with a short
// label (the list) and a long one (the form), as package incident has
// them.
export const INCIDENT_CATEGORIES: [Incident['category'], string, string][] = [
  ['piracy_armed_robbery', 'Piracy / armed robbery', 'Piracy and armed robbery'],
  ['contraband_smuggling', 'Smuggling', 'Contraband smuggling'],
  ['iuu_fishing', 'IUU fishing', 'Illegal, unreported and unregulated (IUU) fishing'],
  ['irregular_migration', 'Irregular migration', 'Irregular human migration'],
  ['maritime_incident', 'Maritime incident', 'Maritime incidents (collisions, groundings, search and rescue)'],
  ['maritime_security_threat', 'Security threat', 'Maritime security threats (hybrid threats, terrorism)'],
  ['environmental_pollution', 'Pollution', 'Environmental pollution'],
  ['natural_disaster_hadr', 'Disaster / HADR', 'Natural disaster and HADR'],
  ['other', 'Other', 'Other'],
];
const categoryLabels = new Map<string, string>(INCIDENT_CATEGORIES.map((c) => [c[0], c[1]]));

// TLPS lists the TLP 2.0 markings with their colour (TLP 2.0: coloured
// text on black); AMBER+STRICT is amber with a mark.
export const TLPS: [string, string][] = [
  ['TLP:CLEAR', '#ffffff'],
  ['TLP:GREEN', '#33ff00'],
  ['TLP:AMBER', '#ffc000'],
  ['TLP:AMBER+STRICT', '#ffc000'],
  ['TLP:RED', '#ff2b2b'],
];
const tlpColors = new Map(TLPS);
const UNKNOWN_TLP = '#b0bec5';

const SPANS: [number, string][] = [
  [1, 'last 24 h'],
  [7, 'last 7 days'],
  [30, 'last 30 days'],
];
const DEFAULT_SPAN = 30;
const LIMIT = 500;
const REFRESH_MS = 60e3;
const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
const MAX_CORNERS = 1000;

function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function categoryLabel(c: string | null | undefined): string {
  return categoryLabels.get(c ?? '') ?? String(c ?? 'other').replaceAll('_', ' ');
}

export function tlpColor(tlp: string): string {
  return tlpColors.get(tlp) ?? UNKNOWN_TLP;
}

function tlpColorExpr(): ExpressionSpecification {
  // MapLibre's type of match lists a fixed number of arms; the list is built.
  return ['match', ['get', 'tlp'], ...TLPS.flatMap((t) => [t[0], t[1]]), UNKNOWN_TLP] as unknown as ExpressionSpecification;
}

// tlpBadge is the marking as TLP 2.0 shows it: its name in its colour on
// black; AMBER+STRICT has an amber frame besides.
export function tlpBadge(tlp: unknown): HTMLSpanElement {
  const name = typeof tlp === 'string' && tlpColors.has(tlp) ? tlp : 'TLP:?';
  const b = h('span', { class: name === 'TLP:AMBER+STRICT' ? 'tlp strict' : 'tlp', 'data-tlp': name, text: name });
  b.style.color = tlpColor(name);
  return b;
}

function hasPoint(r: Pick<Incident, 'lat' | 'lon'>): r is { lat: number; lon: number } {
  return typeof r.lat === 'number' && typeof r.lon === 'number' && Number.isFinite(r.lat) && Number.isFinite(r.lon);
}

function hasArea<R extends Pick<Incident, 'area'>>(r: R): r is R & { area: Area } {
  const g = r.area;
  return !!g && typeof g === 'object' && (g.type === 'Polygon' || g.type === 'MultiPolygon') && Array.isArray(g.coordinates);
}

function startMs(r: Pick<Incident, 'start'>): number {
  const t = Date.parse(r.start);
  return Number.isNaN(t) ? 0 : t;
}

// timeText says when a record is: "2025-09-03 04:10 UTC", or a period
// "2025-09-01 00:00 – 2025-09-30 23:59 UTC".
export function timeText(r: Pick<Incident, 'start' | 'end'>): string {
  const s = new Date(r.start);
  if (Number.isNaN(s.getTime())) return fmt.DASH;
  const f = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
  if (r.end == null || r.end === '') return `${f(s)} UTC`;
  const e = new Date(r.end);
  if (Number.isNaN(e.getTime()) || e.getTime() - s.getTime() < 60e3) return `${f(s)} UTC`;
  return `${f(s)} \u2013 ${f(e)} UTC`;
}

// bounds returns [[w, s], [e, n]] of a record's point and area, or null.
function bounds(r: Incident): [LngLat, LngLat] | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  const add = (x: unknown, y: unknown) => {
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return;
    w = Math.min(w, x);
    e = Math.max(e, x);
    s = Math.min(s, y);
    n = Math.max(n, y);
  };
  if (hasPoint(r)) add(r.lon, r.lat);
  if (hasArea(r)) {
    const polys: LngLat[][][] = r.area.type === 'Polygon' ? [r.area.coordinates] : r.area.coordinates;
    for (const pg of polys) for (const p of Array.isArray(pg?.[0]) ? pg[0] : []) add(p?.[0], p?.[1]);
  }
  return w <= e && s <= n ? [[w, s], [e, n]] : null;
}

// toInput formats an RFC 3339 time for a datetime-local input, in UTC.
function toInput(t: string | Date): string {
  const d = t instanceof Date ? t : new Date(t);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 16);
}

// fromInput reads a datetime-local input's value as UTC; '' for none,
// null for a value that is not a time.
function fromInput(v: string): string | null {
  if (!v) return '';
  const t = Date.parse(`${v.length === 16 ? v + ':00' : v}Z`);
  return Number.isNaN(t) ? null : iso(t);
}

// splitList splits a comma-separated list, trimmed, empty items dropped.
function splitList(s: string): string[] {
  return s
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

const NODE = /^[A-Z0-9][A-Z0-9._-]{0,63}$/;

// input returns a form control of the page by id (an <input>, <select>
// or <textarea>: each has a string value).
function input(id: string): HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
  return $<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(id);
}

// Incidents holds the records of the node and draws them. It needs from
// the page: serverNow() (ms), onVessel(mmsi) (open a vessel's panel),
// onEvent(id) (show a detected event; false if it is not known),
// closeOthers() (close the panels that share the incidents' place) and
// onError(err).
export class Incidents {
  deleted: number;
  saved: number;
  /** test hook: the last export */
  lastExport: { format: string; type: string; bytes: number; filename: string } | null;
  /** the query of the list shown */
  listed: api.Params | null;
  /** "No incidents" */
  noteEl: HTMLLIElement;
  /** rows whose content was (re)written, for the tests */
  rowRenders: number;
  /** the rows of the list by id */
  rowEls: Map<string, Row>;
  rows: number;
  loadAbort: AbortController | null;
  /** Delete was clicked once */
  armed: boolean;
  busy: boolean;
  pointer: LngLat | null;
  corners: LngLat[];
  form: IncidentForm | null;
  mode: 'list' | 'detail' | 'form';
  /** this node's name, when the session names it */
  node: string;
  /** session role; 'admin' may edit */
  role: string;
  /** versions of the record in the detail view */
  versions: number | null;
  /** the record in the detail view */
  detail: Incident | null;
  /** id of the record in the detail view */
  selected: string | null;
  /** false when the server has no incidents (404) */
  available: boolean;
  loaded: boolean;
  /** ids, newest first, as the API listed them */
  order: string[];
  /** id → the latest version listed */
  byId: Map<string, Incident>;
  /** the slider's moment in the past; null: live */
  at: Date | null;
  onError: (err: unknown) => void;
  closeOthers: () => void;
  onEvent: (id: string) => boolean;
  onVessel: (mmsi: string) => void;
  serverNow: () => number;
  map: MapLibre;
  constructor(map: MapLibre, { serverNow, onVessel, onEvent, closeOthers, onError }: IncidentsPage) {
    this.map = map;
    this.serverNow = serverNow;
    this.onVessel = onVessel;
    this.onEvent = onEvent;
    this.closeOthers = closeOthers;
    this.onError = onError;
    this.at = null; // Date of the slider in the past; null: live
    this.byId = new Map(); // id → the latest version listed
    this.order = []; // ids, newest first, as the API listed them
    this.loaded = false;
    this.available = true; // false when the server has no incidents (404)
    this.selected = null; // id of the record in the detail view
    this.detail = null; // the record in the detail view
    this.versions = null; // versions of the record in the detail view
    this.role = ''; // session role; 'admin' may edit
    this.node = ''; // this node's name, when the session names it
    this.mode = 'list'; // list, detail or form
    this.form = null; // {record: the version edited or null, point, area, place: '' | 'point' | 'area'}
    this.corners = [];
    this.pointer = null;
    this.busy = false;
    this.armed = false; // Delete was clicked once
    this.loadAbort = null;
    this.rows = 0;
    this.rowEls = new Map(); // id → {li, el, sig}: the rows of the list
    this.rowRenders = 0; // rows whose content was (re)written, for the tests
    this.noteEl = h('li', { class: 'empty' }); // "No incidents"
    this.listed = null; // the query of the list shown
    this.lastExport = null; // test hook: {format, type, bytes, filename}
    this.saved = 0;
    this.deleted = 0;
  }

  get open() {
    return !$('incidents').hidden;
  }

  get editor() {
    return this.role === 'admin';
  }

  // placing tells whether map clicks belong to the form (a point or the
  // corners of an area).
  get placing() {
    return this.mode === 'form' && !!this.form?.place;
  }

  // partner reports whether a record is a partner node's (read-only
  // here). Without this node's name, a record is taken as this node's:
  // the API refuses what it may not change, and the page says so.
  partner(r: Incident | null | undefined): boolean {
    return !!this.node && !!r && !fmt.missing(r.origin) && String(r.origin) !== this.node;
  }

  wire() {
    $('incidents-btn').addEventListener('click', () => this.setOpen(!this.open));
    $('incidents-close').addEventListener('click', () => this.setOpen(false));
    const kind = $('incident-kind-filter');
    const cat = $('incident-category-filter');
    cat.replaceChildren(h('option', { value: '', text: 'All categories' }), ...INCIDENT_CATEGORIES.map(([v, , long]) => h('option', { value: v, text: long })));
    const span = $('incident-span');
    span.replaceChildren(...SPANS.map(([d, label]) => h('option', { value: String(d), text: label, selected: d === DEFAULT_SPAN })));
    for (const el of [kind, cat, span]) el.addEventListener('change', () => this.reload());
    $('incident-export-stix').addEventListener('click', () => this.exportAs('stix'));
    $('incident-export-geojson').addEventListener('click', () => this.exportAs('geojson'));
    $('incident-new').addEventListener('click', () => this.startForm(null));
    $('incident-back').addEventListener('click', () => this.showList());
    $('incident-edit').addEventListener('click', () => this.detail && this.startForm(this.detail));
    $('incident-delete').addEventListener('click', () => this.remove());
    $('incident-save').addEventListener('click', () => this.save());
    $('incident-cancel').addEventListener('click', () => this.cancelForm());
    $('incident-reload').addEventListener('click', () => this.reloadEdited());
    $('incident-place-point').addEventListener('click', () => this.setPlace('point'));
    $('incident-draw-area').addEventListener('click', () => this.setPlace('area'));
    $('incident-clear-place').addEventListener('click', () => this.clearPlace());
    $('incident-area-finish').addEventListener('click', () => this.finishArea());
    $('incident-area-undo').addEventListener('click', () => this.undoCorner());
    $('incident-f-category').replaceChildren(...INCIDENT_CATEGORIES.map(([v, , long]) => h('option', { value: v, text: long })));
    $('incident-f-tlp').replaceChildren(...TLPS.map(([t]) => h('option', { value: t, text: t, selected: t === 'TLP:AMBER' })));
    listKeys($('incidents-list'), 'button.incident-row');
    this.map.on('click', (e) => this.onClick(e));
    wireSketch(this.map, document, {
      drawing: () => this.form?.place === 'area',
      keys: () => this.placing,
      pointer: (p) => {
        this.pointer = p;
        this.drawDraft();
      },
      finish: () => this.finishArea(),
      undo: () => this.undoCorner(),
      cancel: () => this.stopPlacing(),
    });
    setInterval(() => {
      if (!this.at && this.available && !document.hidden) this.load();
    }, REFRESH_MS);
  }

  // addLayers adds the assessment areas (translucent fill and outline),
  // the points, the highlight of the selected record and the draft of the
  // form.
  addLayers() {
    const map = this.map;
    map.addSource('incidents', { type: 'geojson', data: EMPTY });
    map.addLayer({
      id: 'incident-areas-fill',
      type: 'fill',
      source: 'incidents',
      filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': tlpColorExpr(), 'fill-opacity': 0.14 },
    });
    map.addLayer({
      id: 'incident-areas-line',
      type: 'line',
      source: 'incidents',
      filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'line-color': tlpColorExpr(), 'line-width': ['case', ['==', ['get', 'strict'], 1], 2.5, 1.5], 'line-opacity': 0.9 },
    });
    map.addLayer({
      id: 'incident-highlight',
      type: 'circle',
      source: 'incidents',
      filter: ['==', ['get', 'id'], ''],
      paint: { 'circle-radius': 15, 'circle-color': 'rgba(255,255,255,0.1)', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 },
    });
    map.addLayer({
      id: 'incident-area-highlight',
      type: 'line',
      source: 'incidents',
      filter: ['all', ['==', ['geometry-type'], 'Polygon'], ['==', ['get', 'id'], '']],
      paint: { 'line-color': '#ffffff', 'line-width': 3 },
    });
    map.addLayer({
      id: 'incident-points',
      type: 'circle',
      source: 'incidents',
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 3, 5, 10, 8],
        'circle-color': tlpColorExpr(),
        // AMBER+STRICT: a white ring marks it apart from AMBER.
        'circle-stroke-color': ['case', ['==', ['get', 'strict'], 1], '#ffffff', '#000000'],
        'circle-stroke-width': ['case', ['==', ['get', 'strict'], 1], 3, 2],
      },
    });
    // (the incident's point is the large corner)
    addSketchLayers(map, { source: 'incident-draft', fill: 'incident-draft-fill', line: 'incident-draft-line', corners: 'incident-draft-points', colour: '#ff9800', fillOpacity: 0.18, bigCorner: 'point' });
    this.renderMap();
  }

  // setSession takes the session: admins get the editing controls; a
  // "node" in it names this node, so that partners' records are told
  // apart.
  setSession(s: Session | null): void {
    this.role = s?.role === 'admin' ? 'admin' : String(s?.role ?? '');
    this.node = typeof s?.node === 'string' && NODE.test(s.node) ? s.node : '';
    if (!this.editor && this.mode === 'form') this.cancelForm();
    this.renderControls();
    if (this.open) this.render();
  }

  setOpen(open: boolean): void {
    $('incidents').hidden = !open;
    $('incidents-btn').setAttribute('aria-expanded', String(open));
    if (open) {
      this.closeOthers();
      this.render();
      this.load();
    } else {
      if (this.mode === 'form') this.cancelForm();
      this.highlight(null);
    }
  }

  // setTime makes the list follow the time slider: null is live, a Date
  // a past moment.
  setTime(at: Date | null): void {
    const t = at ? at.getTime() : null;
    if (t === (this.at ? this.at.getTime() : null)) return;
    this.at = t == null ? null : new Date(t);
    this.reload();
  }

  reload() {
    this.byId = new Map();
    this.order = [];
    this.listed = null;
    this.loaded = false;
    this.render();
    this.renderMap();
    this.load();
  }

  // params returns the selection of the list: kind, category and the
  // period (from, and in the past to).
  params(): api.Params {
    const days = Number($<HTMLSelectElement>('incident-span').value) || DEFAULT_SPAN;
    const to = this.at ? this.at.getTime() : this.serverNow();
    const p: api.Params = { from: iso(to - days * 86400e3), limit: LIMIT };
    if (this.at) p.to = iso(to);
    const kind = $<HTMLSelectElement>('incident-kind-filter').value;
    const cat = $<HTMLSelectElement>('incident-category-filter').value;
    if (kind) p.kind = kind;
    if (cat) p.category = cat;
    return p;
  }

  periodText(): string {
    const days = Number($<HTMLSelectElement>('incident-span').value) || DEFAULT_SPAN;
    const span = SPANS.find((s) => s[0] === days)?.[1] ?? `last ${days} days`;
    return this.at ? `${span} to ${fmt.time(this.at)}` : span;
  }

  async load() {
    this.loadAbort?.abort();
    const ctl = new AbortController();
    this.loadAbort = ctl;
    const at = this.at;
    const params = this.params();
    try {
      const body = await api.get('/api/v1/incidents', params, ctl.signal);
      if (at !== this.at) return;
      this.listed = params;
      const next = new Map<string, Incident>();
      const order: string[] = [];
      for (const r of Array.isArray(body?.incidents) ? body.incidents : []) {
        if (!r || typeof r !== 'object' || typeof r.id !== 'string' || r.deleted === true || next.has(r.id)) continue;
        next.set(r.id, r);
        order.push(r.id);
      }
      this.byId = next;
      this.order = order;
      this.loaded = true;
      this.available = true;
      this.setStatus('');
      this.render();
      this.renderMap();
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') return;
      const none = err instanceof api.ApiError && (err.status === 404 || err.status === 501);
      this.available = !none;
      this.loaded = true;
      this.setStatus(none ? 'This server keeps no incidents' : `Incidents unavailable: ${errText(err)}`, !none);
      this.render();
      if (!none && !(err instanceof api.ApiError && err.unauthorized)) this.onError(err);
    }
  }

  setStatus(msg: string, isError?: boolean): void {
    showStatus('incidents-status', msg, isError);
  }

  get(id: string): Incident | null {
    return this.byId.get(String(id)) ?? null;
  }

  // list returns the records listed, newest first (by start).
  list(): Incident[] {
    return this.order
      .map((id) => this.byId.get(id))
      .filter((r): r is Incident => r != null)
      .sort((a, b) => startMs(b) - startMs(a));
  }

  // describe names a record for the hover: its title, as text.
  describe(id: string): string | null {
    const r = this.get(id);
    if (!r) return null;
    return fmt.missing(r.title) ? 'Untitled incident' : String(r.title);
  }

  renderMap() {
    const src = this.map.getSource<GeoJSONSource>('incidents');
    if (!src) return;
    const features: Feature[] = [];
    for (const r of this.list()) {
      const props = { id: r.id, tlp: String(r.tlp ?? ''), kind: String(r.kind ?? ''), strict: r.tlp === 'TLP:AMBER+STRICT' ? 1 : 0 };
      if (hasArea(r)) {
        const polys: LngLat[][][] = r.area.type === 'Polygon' ? [r.area.coordinates] : r.area.coordinates;
        for (const pg of polys) features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: pg }, properties: props });
      }
      if (hasPoint(r)) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [r.lon, r.lat] }, properties: props });
    }
    src.setData({ type: 'FeatureCollection', features });
  }

  renderedCount() {
    const layers = ['incident-points', 'incident-areas-fill'].filter((l) => this.map.getLayer(l));
    if (layers.length === 0) return 0;
    return new Set(this.map.queryRenderedFeatures({ layers }).map((f) => f.properties?.id)).size;
  }

  renderControls() {
    $('incident-new').hidden = !this.editor || !this.available;
    const d = this.detail;
    const mine = !!d && this.editor && !this.partner(d) && d.deleted !== true;
    $('incident-edit').hidden = !mine;
    $('incident-delete').hidden = !mine;
  }

  render() {
    this.renderControls();
    $('incidents-list-view').hidden = this.mode !== 'list';
    $('incident-detail').hidden = this.mode !== 'detail';
    $('incident-form').hidden = this.mode !== 'form';
    if (!this.open || this.mode !== 'list') return;
    const records = this.list();
    const list = $('incidents-list');
    const n = records.length;
    $('incidents-count').textContent = this.loaded || n ? `${n} record${n === 1 ? '' : 's'} \u00b7 ${this.periodText()}` : 'Loading\u2026';
    $('incidents-count').dataset.mode = this.at ? 'past' : 'live';
    // Keyed by id: a reload every minute rewrites only the rows whose
    // content changed, so a row is never replaced under the pointer.
    const note = this.noteEl;
    if (n === 0) note.textContent = this.loaded ? 'No incidents' : '';
    const synced = syncList(list, records, this.rowEls, {
      key: (r) => r.id ?? '',
      sig: (r) => this.rowSig(r),
      create: (id) => {
        const btn = h('button', { type: 'button', class: 'incident-row', 'data-id': id });
        btn.addEventListener('click', () => this.pick(id, { fly: true }));
        return btn;
      },
      fill: (btn, r) => this.fillRow(btn, r),
      tail: n === 0 ? note : null,
    });
    this.rowEls = synced.rows;
    this.rowRenders += synced.written;
    for (const [id, row] of this.rowEls) {
      const on = id === this.selected;
      if (row.el.classList.contains('active') !== on) row.el.classList.toggle('active', on);
    }
    this.rows = n;
  }

  // rowSig is a signature of what the row of a record shows.
  rowSig(r: Incident): string {
    return JSON.stringify([r.tlp, r.category, r.kind, r.title, timeText(r), this.partner(r) ? r.origin : null]);
  }

  // fillRow writes what the row of a record shows, as text nodes only.
  fillRow(btn: HTMLElement, r: Incident): void {
    const cat = h('span', { class: 'badge incident-category', text: categoryLabel(r.category) });
    const head = h('div', { class: 'event-head' }, tlpBadge(r.tlp), cat);
    if (r.kind === 'assessment') head.append(h('span', { class: 'kind-tag', text: 'assessment' }));
    btn.dataset.tlp = String(r.tlp ?? '');
    btn.replaceChildren(
      head,
      h('div', { class: 'incident-title', text: fmt.missing(r.title) ? 'Untitled' : String(r.title) }),
      h('div', { class: 'incident-time', text: timeText(r) }),
    );
    if (this.partner(r)) btn.append(h('div', { class: 'incident-origin', text: `from ${r.origin}` }));
  }

  highlight(id: string | null | undefined): void {
    const f: FilterSpecification = ['==', ['get', 'id'], id ?? ''];
    if (this.map.getLayer('incident-highlight')) this.map.setFilter('incident-highlight', ['all', ['==', ['geometry-type'], 'Point'], f]);
    if (this.map.getLayer('incident-area-highlight')) this.map.setFilter('incident-area-highlight', ['all', ['==', ['geometry-type'], 'Polygon'], f]);
  }

  // pick opens the detail view of a record, and with fly frames it.
  async pick(id: string, { fly = false }: { fly?: boolean } = {}): Promise<void> {
    const r = this.get(id);
    if (!r || r.id == null) return;
    if (!this.open) this.setOpen(true);
    if (this.mode === 'form') this.cancelForm();
    this.selected = r.id;
    this.detail = r;
    this.versions = null;
    this.mode = 'detail';
    this.highlight(r.id);
    this.renderDetail();
    this.render();
    if (fly) {
      const b = bounds(r);
      if (b && b[0][0] === b[1][0] && b[0][1] === b[1][1]) {
        this.map.flyTo({ center: b[0], zoom: Math.max(this.map.getZoom(), 9), duration: 800 });
      } else if (b) {
        this.map.fitBounds(b as LngLatBoundsLike, { padding: { top: 80, bottom: 80, left: 420, right: 80 }, maxZoom: 11, duration: 800 });
      }
    }
    await this.loadDetail(r.id);
  }

  // loadDetail fetches the latest version of a record and its history.
  async loadDetail(id: string): Promise<void> {
    try {
      const [rec, hist] = await Promise.all([api.incident(id), api.incidentHistory(id).catch(() => null)]);
      if (this.selected !== id) return;
      if (rec && typeof rec === 'object' && rec.id === id) this.detail = rec;
      this.versions = Array.isArray(hist?.versions) ? hist.versions.length : null;
      if (this.mode === 'detail') {
        this.renderDetail();
        this.renderControls();
      }
    } catch (err) {
      if (this.selected !== id) return;
      this.versions = null;
      if (this.mode === 'detail') this.renderDetail();
      if (!(err instanceof api.ApiError && err.status === 404)) this.onError(err);
    }
  }

  renderDetail() {
    const r = this.detail;
    if (!r) return;
    $('incident-d-title').textContent = fmt.missing(r.title) ? 'Untitled' : String(r.title);
    const head = $('incident-d-head');
    const cat = h('span', { class: 'badge incident-category', text: categoryLabel(r.category) });
    head.replaceChildren(tlpBadge(r.tlp), cat, h('span', { class: 'kind-tag', text: r.kind === 'assessment' ? 'assessment' : 'incident' }));
    if (r.deleted === true) head.append(h('span', { class: 'kind-tag deleted', text: 'deleted' }));
    $('incident-d-narrative').textContent = fmt.missing(r.narrative) ? '' : String(r.narrative);

    const vessels = Array.isArray(r.vessels) ? r.vessels.map(String) : [];
    const events = Array.isArray(r.events) ? r.events.map(String) : [];
    const rel = Array.isArray(r.releasable_to) ? r.releasable_to.map(String) : [];
    const where = hasPoint(r) ? fmt.position(r.lat, r.lon) : hasArea(r) ? 'an area' : fmt.DASH;
    const rows: [string, string, string][] = [
      ['time', 'Time', timeText(r)],
      ['where', 'Where', hasPoint(r) && hasArea(r) ? `${where} and an area` : where],
      ['source', 'Source', fmt.text(r.source)],
      ['origin', 'Origin', fmt.missing(r.origin) ? fmt.DASH : this.partner(r) ? `${r.origin} (partner)` : String(r.origin)],
      ['releasable', 'Releasable to', rel.length ? rel.join(', ') : fmt.DASH],
      ['versions', 'Versions', this.versions == null ? `version ${fmt.text(r.version)}` : `${this.versions} (this is version ${fmt.text(r.version)})`],
      ['updated', 'Updated', fmt.time(r.updated ?? null)],
    ];
    const dl = rows.flatMap(([key, label, value]) => [h('dt', { text: label }), h('dd', { 'data-field': key, text: value })]);
    dl.push(h('dt', { text: 'Vessels' }));
    dl.push(
      h(
        'dd',
        { 'data-field': 'vessels' },
        vessels.length
          ? vessels.map((m) => {
              const b = h('button', { type: 'button', class: 'link', 'data-mmsi': m, text: `MMSI ${m}` });
              b.addEventListener('click', () => this.onVessel(m));
              return b;
            })
          : fmt.DASH,
      ),
    );
    dl.push(h('dt', { text: 'Events' }));
    dl.push(
      h(
        'dd',
        { 'data-field': 'events' },
        events.length
          ? events.map((id) => {
              const b = h('button', { type: 'button', class: 'link', 'data-event': id, text: id });
              b.addEventListener('click', () => {
                if (!this.onEvent(id)) b.title = 'Not among the events loaded';
              });
              return b;
            })
          : fmt.DASH,
      ),
    );
    $('incident-d-fields').replaceChildren(...dl);
    this.disarm();
    $('incident-d-status').hidden = true;
    $('incident-d-readonly').hidden = !(this.editor && this.partner(r));
  }

  showList() {
    if (this.mode === 'form') this.stopPlacing();
    this.mode = 'list';
    this.selected = null;
    this.detail = null;
    this.form = null;
    this.drawDraft();
    this.highlight(null);
    this.render();
  }

  disarm() {
    this.armed = false;
    const b = $('incident-delete');
    b.textContent = 'Delete';
    b.classList.remove('danger');
  }

  // ---- the form ----

  // startForm opens the form: for a new record (null) or to edit the
  // version read (r).
  startForm(r: Incident | null): void {
    if (!this.editor) return;
    if (r && this.partner(r)) return;
    if (!this.open) this.setOpen(true);
    this.mode = 'form';
    this.form = {
      record: r ? structuredClone(r) : null,
      point: r && hasPoint(r) ? [r.lon, r.lat] : null,
      area: r && hasArea(r) ? structuredClone(r.area) : null,
      place: '',
      startInput: '',
      endInput: '',
    };
    $('incident-form-title').textContent = r ? `Edit version ${r.version}` : 'New incident';
    input('incident-f-kind').value = r?.kind === 'assessment' ? 'assessment' : 'incident';
    input('incident-f-category').value = r?.category ?? 'maritime_incident';
    input('incident-f-title').value = r?.title ?? '';
    input('incident-f-narrative').value = r?.narrative ?? '';
    this.form.startInput = toInput(r ? r.start : new Date(this.serverNow()));
    this.form.endInput = r?.end ? toInput(r.end) : '';
    input('incident-f-start').value = this.form.startInput;
    input('incident-f-end').value = this.form.endInput;
    input('incident-f-source').value = r?.source ?? '';
    input('incident-f-tlp').value = r && tlpColors.has(r.tlp) ? r.tlp : 'TLP:AMBER';
    input('incident-f-releasable').value = Array.isArray(r?.releasable_to) ? r.releasable_to.join(', ') : '';
    input('incident-f-vessels').value = Array.isArray(r?.vessels) ? r.vessels.join(', ') : '';
    $('incident-reload').hidden = true;
    this.setFormStatus('');
    this.renderPlace();
    this.drawDraft();
    this.render();
    $('incident-f-title').focus();
  }

  cancelForm() {
    const r = this.form?.record;
    this.stopPlacing();
    this.form = null;
    this.drawDraft();
    if (r?.id && this.get(r.id)) {
      this.mode = 'detail';
      this.renderDetail();
      this.render();
    } else {
      this.showList();
    }
  }

  setFormStatus(msg: string, isError?: boolean): void {
    showStatus('incident-form-status', msg, isError);
  }

  setPlace(place: 'point' | 'area'): void {
    if (!this.form) return;
    this.stopPlacing();
    this.form.place = place;
    this.corners = [];
    this.pointer = null;
    sketchCursor(this.map, true, place === 'area');
    this.setFormStatus(
      place === 'point'
        ? 'Click the map where it happened.'
        : 'Click the corners of the area. Double-click, click the first corner or Finish to close; Escape cancels.',
    );
    this.renderPlace();
    this.drawDraft();
  }

  stopPlacing() {
    if (!this.form?.place) return;
    this.form.place = '';
    this.corners = [];
    this.pointer = null;
    sketchCursor(this.map, false);
    this.renderPlace();
    this.drawDraft();
  }

  clearPlace() {
    if (!this.form) return;
    this.stopPlacing();
    this.form.point = null;
    this.form.area = null;
    this.renderPlace();
    this.drawDraft();
  }

  renderPlace() {
    const f = this.form;
    if (!f) return;
    const parts: string[] = [];
    if (f.point) parts.push(`point ${fmt.position(f.point[1], f.point[0])}`);
    if (f.area) parts.push(`an area of ${f.area.type === 'Polygon' ? f.area.coordinates[0].length - 1 : 'several'} corners`);
    $('incident-place').textContent = parts.length ? parts.join(' and ') : 'Not placed yet';
    $('incident-area-tools').hidden = f.place !== 'area';
    $('incident-place-point').classList.toggle('active', f.place === 'point');
    $('incident-draw-area').classList.toggle('active', f.place === 'area');
  }

  // onClick places the point or adds a corner; it marks the event as the
  // form's, so that the page does not also pick what is there.
  onClick(e: MapMouseEvent & { incidentEditor?: boolean }): void {
    if (!this.placing || !this.form) return;
    e.incidentEditor = true;
    const ll = e.lngLat.wrap();
    if (this.form.place === 'point') {
      this.form.point = [ll.lng, ll.lat];
      this.stopPlacing();
      this.setFormStatus('');
      return;
    }
    const what = cornerClick(this.map, this.corners, e.point);
    if (what === 'same') return;
    if (what === 'close') {
      this.finishArea();
      return;
    }
    if (this.corners.length >= MAX_CORNERS) return;
    this.corners.push([ll.lng, ll.lat]);
    this.drawDraft();
  }

  undoCorner() {
    this.corners.pop();
    this.drawDraft();
  }

  // finishArea closes the ring, counterclockwise as RFC 7946 asks.
  finishArea() {
    if (this.form?.place !== 'area') return;
    const ring = closeRing(this.corners);
    if (!ring) {
      this.setFormStatus('An area needs at least 3 corners.', true);
      return;
    }
    this.form.area = { type: 'Polygon', coordinates: [ring] };
    this.stopPlacing();
    this.setFormStatus('');
  }

  drawDraft() {
    const src = this.map.getSource<GeoJSONSource>('incident-draft');
    if (!src) return;
    const features: Feature[] = [];
    const f = this.form;
    if (f?.area && f.place !== 'area') {
      const polys: LngLat[][][] = f.area.type === 'Polygon' ? [f.area.coordinates] : f.area.coordinates;
      for (const pg of polys) {
        features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: pg }, properties: {} });
        features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: pg[0] }, properties: {} });
      }
    }
    if (f?.place === 'area') features.push(...outline(this.corners, this.pointer, () => ({ point: 0 })));
    if (f?.point) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: f.point }, properties: { point: 1 } });
    src.setData({ type: 'FeatureCollection', features });
  }

  // formRecord reads the form into the JSON the API takes, or returns a
  // string saying what is wrong.
  formRecord(): Incident | string {
    const f = this.form;
    if (!f) return 'No form open.';
    const kind = input('incident-f-kind').value === 'assessment' ? 'assessment' : 'incident';
    const title = input('incident-f-title').value.trim();
    if (!title) return 'Give it a title.';
    if ([...title].length > 200) return 'The title is longer than 200 characters.';
    const startIn = input('incident-f-start').value;
    const endIn = input('incident-f-end').value;
    // An unchanged time keeps the record's own (with its milliseconds).
    const start = f.record && startIn === f.startInput ? f.record.start : fromInput(startIn);
    const end = f.record && endIn === f.endInput ? (f.record.end ?? '') : fromInput(endIn);
    if (!start) return 'Give the start time (UTC).';
    if (end === null) return 'The end is not a time.';
    if (end && Date.parse(end) < Date.parse(start)) return 'The end is before the start.';
    if (kind === 'assessment' && !f.area) return 'An assessment needs an area: draw it on the map.';
    if (!f.point && !f.area) return 'Place it: click the map for a point, or draw an area.';
    const releasable = splitList(input('incident-f-releasable').value.toUpperCase());
    const badNode = releasable.find((n) => !NODE.test(n));
    if (badNode) return `Not a node name: ${badNode}`;
    const vessels = splitList(input('incident-f-vessels').value);
    const badMMSI = vessels.find((m) => !/^\d{9}$/.test(m));
    if (badMMSI) return `Not an MMSI: ${badMMSI}`;
    const base: Partial<Incident> = f.record ? { ...f.record } : {};
    for (const k of ['lat', 'lon', 'area', 'end', 'deleted', 'narrative', 'source', 'vessels', 'releasable_to'] as const) delete base[k];
    const r: Incident = {
      ...base,
      kind,
      // The select's options are INCIDENT_CATEGORIES.
      category: input('incident-f-category').value as Incident['category'],
      title,
      start,
      tlp: input('incident-f-tlp').value,
    };
    const narrative = input('incident-f-narrative').value;
    if (narrative.trim()) r.narrative = narrative;
    const source = input('incident-f-source').value.trim();
    if (source) r.source = source;
    if (end) r.end = end;
    if (f.point) {
      r.lat = Math.round(f.point[1] * 1e6) / 1e6;
      r.lon = Math.round(f.point[0] * 1e6) / 1e6;
    }
    if (f.area) r.area = f.area;
    if (releasable.length) r.releasable_to = [...new Set(releasable)];
    if (vessels.length) r.vessels = [...new Set(vessels)].map(Number);
    return r;
  }

  // save creates the record (POST) or stores the edit (PUT, with the
  // version read: a 409 says someone edited it meanwhile).
  async save() {
    if (this.mode !== 'form' || this.busy) return;
    this.stopPlacing();
    const r = this.formRecord();
    if (typeof r === 'string') {
      this.setFormStatus(r, true);
      return;
    }
    const editing = this.form?.record ?? null;
    this.busy = true;
    this.setFormStatus('Saving\u2026');
    try {
      const saved = editing?.id ? await api.putIncident(editing.id, r) : await api.createIncident(r);
      this.saved++;
      this.form = null;
      this.drawDraft();
      await this.load();
      if (saved && typeof saved.id === 'string') {
        if (!this.byId.has(saved.id) && !saved.deleted) {
          // Outside the period listed: shown all the same, until the next load.
          this.byId.set(saved.id, saved);
          this.order.unshift(saved.id);
          this.renderMap();
        } else if (this.byId.has(saved.id)) this.byId.set(saved.id, saved);
        this.mode = 'list';
        await this.pick(saved.id);
        this.setDetailStatus(editing ? `Saved version ${saved.version}.` : 'Created.');
      } else {
        this.showList();
      }
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 409) {
        this.setFormStatus('Edited elsewhere \u2014 reload', true);
        $('incident-reload').hidden = false;
      } else if (err instanceof api.ApiError && err.status === 403 && editing) {
        this.setFormStatus(`Not saved: ${err.message} (a partner's record is read-only here)`, true);
      } else {
        this.setFormStatus(`Not saved: ${errText(err)}`, true);
      }
    } finally {
      this.busy = false;
    }
  }

  // reloadEdited fetches the latest version of the record being edited
  // and starts the form again from it.
  async reloadEdited() {
    const id = this.form?.record?.id;
    if (!id) return;
    try {
      const r = await api.incident(id);
      if (r && r.id === id) {
        if (this.byId.has(id)) this.byId.set(id, r);
        this.detail = r;
        this.startForm(r);
        this.setFormStatus(`Reloaded version ${r.version}.`);
      }
    } catch (err) {
      this.setFormStatus(`Not reloaded: ${errText(err)}`, true);
    }
  }

  setDetailStatus(msg: string, isError?: boolean): void {
    showStatus('incident-d-status', msg, isError);
  }

  // remove deletes the record shown on the second click of Delete.
  async remove() {
    const r = this.detail;
    if (!r?.id || this.busy || !this.editor) return;
    const id = r.id;
    const b = $('incident-delete');
    if (!this.armed) {
      this.armed = true;
      b.textContent = 'Confirm delete';
      b.classList.add('danger');
      return;
    }
    this.busy = true;
    this.setDetailStatus('Deleting\u2026');
    try {
      await api.deleteIncident(id);
      this.deleted++;
      this.byId.delete(id);
      this.order = this.order.filter((x) => x !== id);
      this.showList();
      this.renderMap();
      this.setStatus(`Deleted \u201c${fmt.missing(r.title) ? r.id : r.title}\u201d.`);
      await this.load();
    } catch (err) {
      this.disarm();
      this.setDetailStatus(`Not deleted: ${errText(err)}`, true);
    } finally {
      this.busy = false;
    }
  }

  // ---- export ----

  // exportAs fetches the list's selection as STIX 2.1 or GeoJSON, with the
  // token, and saves it through a Blob URL (a plain link would not carry
  // the token).
  async exportAs(format: 'stix' | 'geojson'): Promise<void> {
    const params = { ...(this.listed ?? this.params()), format };
    const status = $('incidents-export-status');
    status.hidden = false;
    status.classList.remove('error');
    status.textContent = 'Exporting\u2026';
    try {
      const res = await api.download('/api/v1/incidents', params);
      const filename = res.filename || (format === 'stix' ? 'incidents.stix.json' : 'incidents.geojson');
      const href = URL.createObjectURL(res.blob);
      const a = h('a', { href, download: filename, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 60e3);
      this.lastExport = { format, type: res.blob.type, bytes: res.blob.size, filename };
      status.textContent = `Saved ${filename} (${res.blob.size} bytes)`;
    } catch (err) {
      status.classList.add('error');
      status.textContent = `Export failed: ${errText(err)}`;
    }
  }
}
