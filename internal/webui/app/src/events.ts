// Detected events (gaps, encounters, loitering, zone entries and exits,
// teleports, identity conflicts, port visits) and the node's zones: the
// events panel (a list with a type filter and jump-to), the events layer and
// the zones layer of the map.
//
// Live, events come from GET /api/v1/events (the last 24 h, refreshed every
// 30 s) and from the live stream's "event" messages; an event replaces the
// one with its id when its version is higher. When the time slider shows a
// past moment t, they are the events overlapping [t - 24 h, t] from
// GET /api/v1/events?from=&to=, and the stream's are left out until the
// slider returns to live. Zones come from GET /api/v1/zones.
// Zone names, vessel names and every other string in them are
// attacker-controlled: they reach the page as text nodes only.
import { h, $, placeChildren } from './dom.js';
import * as api from './api.js';
import * as fmt from './format.js';
import { PanelFocus } from './focus.js';
import { listKeys } from './listkeys.js';
import type { Map as MapLibre, GeoJSONSource, ExpressionSpecification } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import type { Event, ZoneFeature } from './api.js';

// ZoneCollection is the zones layer's data: the zones of GET /api/v1/zones.
export interface ZoneCollection {
  type: 'FeatureCollection';
  features: ZoneFeature[];
}

// zoneData is the zones as MapLibre takes them. The server checks a zone's
// coordinates (closed rings of [lon, lat]); the API document leaves them
// unknown[], so this is where they are taken as GeoJSON positions.
export function zoneData(z: ZoneCollection): FeatureCollection {
  return z as unknown as FeatureCollection;
}

// EventsPage is what the events need of the page.
export interface EventsPage {
  vesselName: (mmsi: string) => string | null;
  onPick: (e: Event) => void;
  onError: (err: unknown) => void;
  onZones?: () => void;
  onNew?: (e: Event) => void;
}

// RowView is what an event's row shows.
interface RowView {
  label: string;
  color: string;
  time: string;
  open: boolean;
  vessels: string;
  mmsi: string;
  zone: string | null;
  origin: string | null;
  sig?: string;
}

// EventRow is the elements of an event's row.
interface EventRow {
  li: HTMLLIElement;
  btn: HTMLButtonElement;
  sig: string | null;
}

// EVENT_TYPES lists the event types the API names, with a label and a
// colour (the badge in the list and the circle on the map).
export const EVENT_TYPES: [string, string, string][] = [
  ['gap', 'AIS gap', '#ff6b6b'],
  ['encounter', 'Encounter', '#ffb347'],
  ['loitering', 'Loitering', '#ffe066'],
  ['zone_entry', 'Zone entry', '#4fb3ff'],
  ['zone_exit', 'Zone exit', '#80deea'],
  ['teleport', 'Teleport', '#ce93d8'],
  ['identity_conflict', 'Identity conflict', '#f06292'],
  ['port_visit', 'Port visit', '#81c784'],
];
const OTHER_COLOR = '#b0bec5';
const known = new Map(EVENT_TYPES.map((t) => [t[0], t]));

const MAX_ROWS = 500;
const LIMIT = 1000;
const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
const WINDOW_MS = 24 * 3600e3;
const STREAM_KEEP_MS = 120e3; // a streamed event outlives reloads that miss it this long

// iso formats a time as RFC 3339 in whole seconds, as the API takes it.
function iso(t: number): string {
  return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

// typeLabel returns the label of an event type; an unknown type shows as
// its own name.
export function typeLabel(type: string | null | undefined): string {
  if (type == null) return 'event';
  const t = known.get(type);
  return t ? t[1] : String(type ?? 'event').replaceAll('_', ' ');
}

function typeColor(type: string): string {
  return known.get(type)?.[2] ?? OTHER_COLOR;
}

function colorExpr(): ExpressionSpecification {
  // MapLibre's type of match lists a fixed number of arms; the list is built.
  return ['match', ['get', 'type'], ...EVENT_TYPES.flatMap((t) => [t[0], t[2]]), OTHER_COLOR] as unknown as ExpressionSpecification;
}

const hhmm = (d: Date) => d.toISOString().slice(11, 16);
const mmdd = (d: Date) => d.toISOString().slice(5, 10);

// eventTime describes when an event happened: "11-23 14:05–16:40 UTC
// (2 h 35 min)", "11-23 14:05 UTC" for an instant, and for an open event
// "since 11-23 14:05 UTC" with open set.
export function eventTime(e: Pick<Event, 'start' | 'end'>): { text: string; open: boolean } {
  const s = new Date(e.start);
  if (Number.isNaN(s.getTime())) return { text: fmt.DASH, open: e.end == null };
  const start = `${mmdd(s)} ${hhmm(s)}`;
  if (e.end == null) return { text: `since ${start} UTC`, open: true };
  const en = new Date(e.end);
  if (Number.isNaN(en.getTime()) || en.getTime() - s.getTime() < 60e3) return { text: `${start} UTC`, open: false };
  const end = mmdd(en) === mmdd(s) ? hhmm(en) : `${mmdd(en)} ${hhmm(en)}`;
  return { text: `${start}\u2013${end} UTC (${fmt.age((en.getTime() - s.getTime()) / 1000)})`, open: false };
}

function mmsis(e: Pick<Event, 'vessels'>): string[] {
  return Array.isArray(e.vessels) ? e.vessels.map(String) : [];
}

function startMs(e: Pick<Event, 'start'>): number {
  const t = Date.parse(e.start);
  return Number.isNaN(t) ? 0 : t;
}

function hasPosition(e: { lat?: unknown; lon?: unknown }): e is { lat: number; lon: number } {
  return typeof e.lat === 'number' && typeof e.lon === 'number' && Number.isFinite(e.lat) && Number.isFinite(e.lon);
}

// Events holds the events and zones of the node and draws them. It needs
// from the page: vesselName(mmsi) (the name in the picture, or null),
// onPick(event) (open the vessel panel of its first vessel), onError(err),
// and optionally onZones() (the zones were reloaded) and onNew(event) (an
// event first seen on the live stream: the notifications).
export class Events {
  pulse: boolean;
  loadAbort: AbortController | null;
  renderPending: boolean;
  drawnKey: string;
  /** rows whose content was (re)written, for the tests */
  rowRenders: number;
  /** "No events", "n more not listed" */
  noteEl: HTMLLIElement;
  /** the rows of the list by id */
  rowEls: Map<string, EventRow>;
  rows: number;
  /** id → when the stream last brought it (client ms) */
  streamedAt: Map<string, number>;
  /** events received on the stream */
  streamed: number;
  loaded: boolean;
  zones: ZoneCollection;
  selected: string | null;
  /** types the map does not know */
  showOther: boolean;
  /** shown types */
  types: Set<string>;
  /** MMSI → the last name the picture gave it */
  names: Map<string, string>;
  /** id → event */
  byId: Map<string, Event>;
  /** {from, to} (ms) when the slider is in the past; null: live */
  window: { from: number; to: number } | null;
  onZones?: () => void;
  onError: (err: unknown) => void;
  onPick: (e: Event) => void;
  vesselName: (mmsi: string) => string | null;
  onNew?: (e: Event) => void;
  focus: PanelFocus;
  map: MapLibre;
  constructor(map: MapLibre, { vesselName, onPick, onError, onZones, onNew }: EventsPage) {
    this.map = map;
    this.focus = new PanelFocus('events');
    this.onNew = onNew;
    this.vesselName = vesselName;
    this.onPick = onPick;
    this.onError = onError;
    this.onZones = onZones;
    this.window = null; // {from, to} (ms) when the slider is in the past; null: live
    this.byId = new Map(); // id (string) → event
    this.names = new Map(); // MMSI → the last name the picture gave it
    this.types = new Set(EVENT_TYPES.map((t) => t[0])); // shown types
    this.showOther = true; // types the map does not know
    this.selected = null;
    this.zones = { type: 'FeatureCollection', features: [] };
    this.loaded = false;
    this.streamed = 0; // events received on the stream
    this.streamedAt = new Map(); // id → when the stream last brought it (client ms)
    this.rows = 0;
    this.rowEls = new Map(); // id → {li, btn, sig}: the rows of the list
    this.noteEl = h('li', { class: 'empty' }); // "No events", "n more not listed"
    this.rowRenders = 0; // rows whose content was (re)written, for the tests
    this.renderPending = false;
    this.drawnKey = ''; // the events given to their source, as JSON
    this.loadAbort = null;
    this.pulse = false;
  }

  get open() {
    return !$('events').hidden;
  }

  // wire connects the toggle button and builds the type filter.
  wire() {
    $('events-btn').addEventListener('click', () => this.setOpen(!this.open));
    $('events-close').addEventListener('click', () => this.setOpen(false));
    $('event-types').replaceChildren(
      ...EVENT_TYPES.map(([type, label, color]) => {
        const b = h('button', { type: 'button', class: 'chip', 'data-type': type, 'aria-pressed': 'true', title: `Show ${label}` });
        const dot = h('span', { class: 'dot' });
        dot.style.background = color;
        b.append(dot, label);
        b.addEventListener('click', () => {
          const on = !this.types.has(type);
          if (on) this.types.add(type);
          else this.types.delete(type);
          b.setAttribute('aria-pressed', String(on));
          this.render();
        });
        return b;
      }),
    );
    // Arrow keys, Home and End move between the rows; Escape closes the
    // panel and gives the focus back to where it was.
    listKeys($('events-list'), 'button.event-row');
    this.focus.closeOnEscape(() => this.setOpen(false));
  }

  // setOpen opens or closes the panel. Opening takes the focus into it
  // (the first row, else its close button); closing gives it back.
  setOpen(open: boolean): void {
    if (!open && this.open) this.focus.closed($('events-btn'));
    $('events').hidden = !open;
    $('events-btn').setAttribute('aria-expanded', String(open));
    if (open) {
      this.render();
      this.load();
      this.loadZones();
      this.focus.opened($('events-list').querySelector<HTMLElement>('button.event-row') ?? $('events-close'));
    }
  }

  // addZoneLayers adds the zones' fill and outline; call it before the
  // layers that should draw above them.
  addZoneLayers() {
    const map = this.map;
    map.addSource('zones', { type: 'geojson', data: zoneData(this.zones) });
    map.addLayer({
      id: 'zones-fill',
      type: 'fill',
      source: 'zones',
      paint: { 'fill-color': '#4fb3ff', 'fill-opacity': 0.12 },
    });
    map.addLayer({
      id: 'zones-line',
      type: 'line',
      source: 'zones',
      paint: { 'line-color': '#4fb3ff', 'line-width': 1.5, 'line-opacity': 0.8, 'line-dasharray': [3, 2] },
    });
  }

  // addEventLayers adds the events' circles, the ring of open events and
  // the highlight of the selected one.
  addEventLayers() {
    const map = this.map;
    map.addSource('events', { type: 'geojson', data: EMPTY });
    map.addLayer({
      id: 'event-open',
      type: 'circle',
      source: 'events',
      filter: ['==', ['get', 'open'], 1],
      paint: {
        'circle-radius': 10,
        'circle-radius-transition': { duration: 900, delay: 0 },
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': colorExpr(),
        'circle-stroke-width': 2,
        'circle-stroke-opacity': 0.9,
        'circle-stroke-opacity-transition': { duration: 900, delay: 0 },
      },
    });
    map.addLayer({
      id: 'event-circles',
      type: 'circle',
      source: 'events',
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 3, 4, 10, 6],
        'circle-color': colorExpr(),
        'circle-stroke-color': '#10202d',
        'circle-stroke-width': 1.5,
      },
    });
    map.addSource('event-evidence', { type: 'geojson', data: EMPTY });
    map.addLayer({
      id: 'event-evidence',
      type: 'circle',
      source: 'event-evidence',
      paint: {
        'circle-radius': 3.5,
        'circle-color': '#ffffff',
        'circle-stroke-color': '#10202d',
        'circle-stroke-width': 1,
      },
    });
    map.addLayer({
      id: 'event-highlight',
      type: 'circle',
      source: 'events',
      filter: ['==', ['get', 'id'], ''],
      paint: {
        'circle-radius': 16,
        'circle-color': 'rgba(255,255,255,0.1)',
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 3,
      },
    });
    this.render();
    this.highlight();
    // Open events breathe: the ring grows and fades once a second. Each
    // breath repaints the whole map (in software WebGL as much as a pan
    // frame), so only while an open event is in view, and not while the
    // map moves (it repaints then anyway, and a breath between two steps
    // of a drag would be one more frame).
    setInterval(() => {
      if (!map.getLayer('event-open') || document.hidden || map.isMoving() || !this.openInView()) return;
      this.pulse = !this.pulse;
      map.setPaintProperty('event-open', 'circle-radius', this.pulse ? 15 : 9);
      map.setPaintProperty('event-open', 'circle-stroke-opacity', this.pulse ? 0.25 : 0.9);
    }, 1000);
  }

  // setTime makes the events follow the time slider: null is live, a Date
  // the past moment whose last 24 h are shown. The events of the other
  // mode are dropped at once, and those of the new one loaded.
  setTime(at: Date | null): void {
    const to = at ? at.getTime() : null;
    if (to === (this.window ? this.window.to : null)) return;
    this.window = to == null ? null : { from: to - WINDOW_MS, to };
    this.byId = new Map();
    this.loaded = false;
    this.setStatus('');
    this.render();
    this.highlight();
    this.load();
  }

  // load fetches the events of the last 24 h (the API's default window),
  // or those of the slider's window.
  async load() {
    this.loadAbort?.abort();
    const ctl = new AbortController();
    this.loadAbort = ctl;
    const win = this.window;
    const params: { limit: number; from?: string; to?: string } = { limit: LIMIT };
    if (win) {
      params.from = iso(win.from);
      params.to = iso(win.to);
    }
    try {
      const body = await api.get('/api/v1/events', params, ctl.signal);
      if (win !== this.window) return; // the slider moved meanwhile
      const next = new Map<string, Event>();
      for (const e of Array.isArray(body.events) ? body.events : []) {
        if (!e || typeof e !== 'object' || e.id == null) continue;
        const id = String(e.id);
        const old = this.byId.get(id);
        next.set(id, old && newer(old, e) ? old : e);
      }
      // An event the stream brought in the last STREAM_KEEP_MS that the
      // answer does not hold yet (it was asked before the event was
      // stored) stays: its notification and row must still open it.
      const now = Date.now();
      for (const [id, t] of this.streamedAt) {
        if (now - t > STREAM_KEEP_MS) this.streamedAt.delete(id);
        else if (!win && !next.has(id)) {
          const old = this.byId.get(id);
          if (old) next.set(id, old);
        }
      }
      this.byId = next;
      this.loaded = true;
      this.setStatus('');
      this.render();
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') return;
      // 404 or 501: a server that does not detect events.
      const none = err instanceof api.ApiError && (err.status === 404 || err.status === 501);
      this.setStatus(none ? 'This server does not detect events' : `Events unavailable: ${err instanceof Error ? err.message : String(err)}`);
      if (!none) this.onError(err);
    }
  }

  // onStream takes an event from the live stream; in the past it is left
  // out.
  onStream(e: Event): void {
    if (!e || e.id == null || this.window) return;
    this.streamed++;
    const id = String(e.id);
    const old = this.byId.get(id);
    if (old && !newer(e, old)) return;
    this.byId.set(id, e);
    this.streamedAt.set(id, Date.now());
    // An id not seen before, once the list is loaded: a new alert.
    if (!old && this.loaded && !e.retracted) this.onNew?.(e);
    if (id === this.selected) this.highlight();
    this.scheduleRender();
  }

  async loadZones() {
    try {
      const body = await api.get('/api/v1/zones');
      const features = (body && Array.isArray(body.features) ? body.features : []).filter(
        (f: ZoneFeature) => f && f.geometry && (f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon'),
      );
      this.zones = { type: 'FeatureCollection', features };
      this.map.getSource<GeoJSONSource>('zones')?.setData(zoneData(this.zones));
      this.onZones?.();
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 404) return; // no zones on this server
      this.onError(err);
    }
  }

  setStatus(msg: string): void {
    const s = $('events-status');
    s.textContent = msg;
    s.hidden = !msg;
  }

  get(id: string): Event | null {
    return this.byId.get(String(id)) ?? null;
  }

  shown(e: Event): boolean {
    if (e.retracted) return false;
    return known.has(e.type) ? this.types.has(e.type) : this.showOther;
  }

  // openInView tells whether an open event shown is in the map's view.
  // (unwrapped bounds: an event is tried one world east and west too)
  openInView(): boolean {
    if (this.map.getLayoutProperty('event-open', 'visibility') === 'none') return false;
    const b = this.map.getBounds();
    const w = b.getWest();
    const e = b.getEast();
    const s = b.getSouth();
    const n = b.getNorth();
    for (const ev of this.byId.values()) {
      if (ev.end != null || !hasPosition(ev) || ev.lat < s || ev.lat > n || !this.shown(ev)) continue;
      for (const lon of [ev.lon, ev.lon - 360, ev.lon + 360]) if (lon >= w && lon <= e) return true;
    }
    return false;
  }

  // list returns the events shown, newest first.
  list(): Event[] {
    return [...this.byId.values()].filter((e) => this.shown(e)).sort((a, b) => startMs(b) - startMs(a) || String(b.id).localeCompare(String(a.id)));
  }

  scheduleRender() {
    if (this.renderPending) return;
    this.renderPending = true;
    setTimeout(() => this.render(), 250);
  }

  render() {
    this.renderPending = false;
    const events = this.list();
    const src = this.map.getSource<GeoJSONSource>('events');
    if (src) {
      const features = events.filter(hasPosition).map((e) => ({
        type: 'Feature' as const,
        geometry: { type: 'Point' as const, coordinates: [e.lon, e.lat] },
        properties: { id: String(e.id), type: String(e.type), open: e.end == null ? 1 : 0 },
      }));
      // (not given again what it has: a setData re-tiles the source and
      // repaints the map, and a stream event often changes only the list)
      const key = JSON.stringify(features);
      if (key !== this.drawnKey) {
        src.setData({ type: 'FeatureCollection', features });
        this.drawnKey = key;
      }
    }
    if (this.open) this.renderList(events);
  }

  // vesselsText names an event's vessels: "NAME (MMSI)" when the picture
  // knows the name, else "MMSI n".
  vesselsText(e: Pick<Event, 'vessels'>): string {
    const ids = mmsis(e);
    if (ids.length === 0) return fmt.DASH;
    const names = ids.slice(0, 3).map((m) => {
      const n = this.nameOf(m);
      return fmt.missing(n) ? `MMSI ${m}` : `${n} (${m})`;
    });
    if (ids.length > 3) names.push(`+${ids.length - 3}`);
    return names.join(' \u00b7 ');
  }

  // nameOf returns the name of a vessel: from the picture, else the last
  // one seen (the picture holds the vessels in view only).
  nameOf(mmsi: string): string | null {
    const n = this.vesselName(mmsi);
    if (n == null || fmt.missing(n)) return this.names.get(mmsi) ?? null;
    if (this.names.size >= 10000) this.names.clear();
    this.names.set(mmsi, n);
    return n;
  }

  // renderList shows the events in the list, keyed by id: a row already
  // shown keeps its elements (its content is rewritten only when what it
  // shows changed), rows are moved only when out of place, and only the
  // rows of events no longer listed are removed. A row under the pointer
  // is never replaced while it is clicked.
  renderList(events: Event[]): void {
    const list = $('events-list');
    const total = events.length;
    const span = this.window ? `24 h to ${fmt.time(new Date(this.window.to))}` : 'last 24 h';
    const count = this.loaded || total ? `${total} event${total === 1 ? '' : 's'} \u00b7 ${span}` : 'Loading\u2026';
    if ($('events-count').textContent !== count) $('events-count').textContent = count;
    $('events-count').dataset.mode = this.window ? 'past' : 'live';
    const want: HTMLLIElement[] = [];
    const next = new Map<string, EventRow>();
    for (const e of events.slice(0, MAX_ROWS)) {
      const id = String(e.id);
      const view = this.rowView(e);
      let row = this.rowEls.get(id);
      if (!row) row = this.newRow(id);
      if (row.sig !== view.sig) {
        fillRow(row.btn, view);
        row.sig = view.sig ?? null;
        this.rowRenders++;
      }
      const on = id === this.selected;
      if (row.btn.classList.contains('active') !== on) row.btn.classList.toggle('active', on);
      if (on) row.btn.setAttribute('aria-current', 'true');
      else row.btn.removeAttribute('aria-current');
      next.set(id, row);
      want.push(row.li);
    }
    this.rowEls = next;
    let note = '';
    if (total === 0) note = this.loaded ? 'No events' : '';
    else if (total > MAX_ROWS) note = `${total - MAX_ROWS} more not listed`;
    if (total === 0 || total > MAX_ROWS) {
      if (this.noteEl.textContent !== note) this.noteEl.textContent = note;
      want.push(this.noteEl);
    }
    this.rows = Math.min(total, MAX_ROWS);
    // A new version of an event that moves its row keeps the row's focus.
    placeChildren(list, want);
  }

  // newRow makes the elements of one event's row: an item and its button,
  // whose click picks the event.
  newRow(id: string): EventRow {
    const btn = h('button', { type: 'button', class: 'event-row', 'data-id': id });
    btn.addEventListener('click', () => this.pick(id, { fly: true }));
    return { li: h('li', null, btn), btn, sig: null };
  }

  // rowView is what the row of an event shows, and a signature of it.
  rowView(e: Event): RowView {
    const when = eventTime(e);
    const v: RowView = {
      label: typeLabel(e.type),
      color: typeColor(e.type),
      time: when.text,
      open: when.open,
      vessels: this.vesselsText(e),
      mmsi: mmsis(e)[0] ?? '',
      zone: fmt.missing(e.zone) ? null : String(e.zone),
      origin: fmt.missing(e.origin) ? null : String(e.origin),
    };
    v.sig = JSON.stringify(v);
    return v;
  }

  // pick highlights an event, flies to it if fly is set, and hands it to
  // onPick.
  pick(id: string, { fly = false }: { fly?: boolean } = {}): void {
    const e = this.get(id);
    if (!e) return;
    this.selected = String(e.id);
    this.highlight();
    for (const b of $('events-list').querySelectorAll<HTMLElement>('button.event-row')) {
      const on = b.dataset.id === this.selected;
      b.classList.toggle('active', on);
      if (on) {
        b.setAttribute('aria-current', 'true');
        b.scrollIntoView({ block: 'nearest' });
      } else b.removeAttribute('aria-current');
    }
    if (fly && hasPosition(e)) {
      this.map.flyTo({ center: [e.lon, e.lat], zoom: Math.max(this.map.getZoom(), 10), duration: 800 });
    }
    this.onPick(e);
  }

  // highlight rings the selected event and draws its evidence (the reports
  // that raised it).
  highlight() {
    if (this.map.getLayer('event-highlight')) this.map.setFilter('event-highlight', ['==', ['get', 'id'], this.selected ?? '']);
    const e = this.selected ? this.get(this.selected) : null;
    const evidence = e && Array.isArray(e.evidence) ? e.evidence.filter((p) => p && hasPosition(p)) : [];
    this.map.getSource<GeoJSONSource>('event-evidence')?.setData({
      type: 'FeatureCollection',
      features: evidence.map((p) => ({ type: 'Feature' as const, geometry: { type: 'Point' as const, coordinates: [p.lon, p.lat] }, properties: {} })),
    });
  }

  // describe is the hover text of an event: its type and vessels, and its
  // zone if any.
  describe(id: string): string | null {
    const e = this.get(id);
    if (!e) return null;
    const lines = [`${typeLabel(e.type)} \u00b7 ${eventTime(e).text}`, this.vesselsText(e)];
    if (!fmt.missing(e.zone)) lines.push(`Zone ${e.zone}`);
    if (!fmt.missing(e.origin)) lines.push(`From ${e.origin}`);
    return lines.join('\n');
  }

  // Test hooks (read only).
  renderedCount() {
    if (!this.map.getLayer('event-circles')) return 0;
    return new Set(this.map.queryRenderedFeatures({ layers: ['event-circles'] }).map((f) => f.properties?.id)).size;
  }

  renderedZoneCount() {
    if (!this.map.getLayer('zones-fill')) return 0;
    return this.map.queryRenderedFeatures({ layers: ['zones-fill', 'zones-line'] }).length;
  }
}

// fillRow writes what a row shows into its button, as text nodes only.
function fillRow(btn: HTMLElement, v: RowView): void {
  const badge = h('span', { class: 'badge', text: v.label });
  badge.style.background = v.color;
  const head = h('div', { class: 'event-head' }, badge, h('span', { class: 'event-time', text: v.time }));
  if (v.open) head.append(h('span', { class: 'open-tag', text: 'open' }));
  const parts = [head, h('div', { class: 'event-vessels', text: v.vessels })];
  if (v.zone != null) {
    parts.push(h('div', { class: 'event-zone' }, h('span', { class: 'k', text: 'Zone ' }), h('span', { class: 'zone-name', text: v.zone })));
  }
  if (v.origin != null) {
    // Detected by a partner node and shared with this one.
    parts.push(h('div', { class: 'event-origin', text: `from ${v.origin}` }));
  }
  btn.dataset.mmsi = v.mmsi;
  btn.replaceChildren(...parts);
}

// newer reports whether event a is a later version than b.
function newer(a: Pick<Event, 'version'>, b: Pick<Event, 'version'>): boolean {
  const va = typeof a.version === 'number' ? a.version : 0;
  const vb = typeof b.version === 'number' ? b.version : 0;
  return va > vb;
}
