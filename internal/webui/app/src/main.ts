// The tidewatch web map: vessels from /api/v1 drawn with MapLibre GL JS
// over the Natural Earth land served by the same server. No request leaves
// the origin unless the user passes ?tiles=URL.
import { Map as MapLibreMap, AttributionControl, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl';
import './style.css';
import * as api from './api.js';
import { CATEGORIES, GROUPS, category } from './categories.js';
import { h, $, debounce } from './dom.js';
import * as fmt from './format.js';
import { fetchLand, unwrapLand } from './basemap.js';
import { addPMTilesBasemap, basemapOverlays, fetchBasemapInfo, PortLabels } from './pmtiles.js';
import { addShipIcons, iconName } from './icons.js';
import { renderPanel } from './panel.js';
import { sliderRange } from './timerange.js';
import { Events } from './events.js';
import { ZoneEditor } from './zoneeditor.js';
import { Incidents } from './incidents.js';
import { Sharing } from './sharing.js';
import { Labels } from './labels.js';
import { Legend } from './legend.js';
import { LayerControl } from './layers.js';
import { Measure } from './measure.js';
import { VesselTable } from './table.js';
import { Notifier } from './notify.js';
import { Contacts } from './contacts.js';
import { Anchorages, ANCHORAGE_LAYERS, describe as describeAnchorage } from './anchorages.js';
import { AnchoragePanel } from './anchoragepanel.js';
import { SENSORS } from './contactmodel.js';
import { PanelFocus } from './focus.js';
import { listKeys } from './listkeys.js';
import { wireToolbar } from './toolbar.js';
import { prepare as prepareVessel, prepareColumns } from './vessel.js';
import { MapState } from './state.js';
import { pictureArea, bboxOf, covers } from './picturearea.js';
import { applyBatch, batchWindow, renderDelay } from './streambatch.js';
import type { Area } from './picturearea.js';
import { changedShips, diffShips, worthDiffing, DOTS_ABOVE } from './shipdiff.js';
import { ShipPositions } from './positions.js';
import type { ShipDiff, ShipFeature } from './shipdiff.js';
import type { Vessel } from './vessel.js';
import type { BasemapInfo } from './pmtiles.js';
import type { PortLabels as PortLabelsT } from './pmtiles.js';
import type { LayerEntry } from './layers.js';
import type { View } from './panel.js';
import type { Mark } from './labels.js';
import type {
  GeoJSONSource,
  MapGeoJSONFeature,
  MapMouseEvent,
  PointLike,
  StyleSpecification,
  SourceSpecification,
  LayerSpecification,
  FilterSpecification,
} from 'maplibre-gl';
import type { Feature, FeatureCollection, Point } from 'geojson';

// DOTS_ABOVE: with more ships than this in the picture loaded (the view
// and a margin), they are drawn as dots coloured by category (the
// ships-dots circle layer), not as rotated icons (the ships symbol
// layer). A symbol layer places every icon in every frame (sorted by
// staleness, each rotated and faded by its own expression) on the main
// thread; circles are not placed at all. At such a density the icons'
// shape and course cannot be told apart anyway; zoomed in to fewer ships,
// the icons return (e2e/perf.mjs measures both; README, The web map).
const SHIP_DOTS = 'ships-dots';
// SHIP_LAYERS are the layers that draw the ships, icons or dots;
// shipLayers the one drawing them now (the other is filtered empty, and
// is not queried).
const SHIP_LAYERS = ['ships', SHIP_DOTS];
function shipLayers(): string[] {
  return [state.dots ? SHIP_DOTS : 'ships'];
}
// MAX_VESSELS is the most vessels one GET /api/v1/vessels answers
// (httpapi.MaxVessels).
const MAX_VESSELS = 100000;
const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };

// A view named in the URL (#zoom/lat/lon) wins over framing the vessels.
const viewInURL = location.hash.length > 1;

const workerMeta = document.querySelector<HTMLMetaElement>('meta[name="tidewatch-worker"]');
if (workerMeta) setWorkerUrl(new URL(workerMeta.content, document.baseURI).href);

// SessionState is the session as the page keeps it (error: why it is
// unknown).
interface SessionState {
  role: string;
  name: string;
  zone_editing: boolean;
  node?: string;
  error?: string;
}


// State is what the page keeps of its loads and drawing (the page's own
// state, the vessels, the selection, the filters and the time view, is
// the store's: state.ts); the test hook reads both.
interface State {
  seq: string | number | undefined;
  es: api.Stream | null;
  trackFeatures: number;
  landFeatures: number;
  basemap: (BasemapInfo & { mapLayers: string[] }) | null;
  basemapServed: boolean | null;
  portLabels: PortLabelsT | null;
  flags: string;
  loaded: boolean;
  lastLoad: { at: string | null; count: number; total: number; error: string | null; ms?: LoadTiming } | null;
  fitted: boolean;
  renderPending: boolean;
  loadAbort: AbortController | null;
  searchAbort: AbortController | null;
  session: SessionState | null;
  history: { from: number } | null;
  trails: number;
  drawn: Map<number, ShipFeature> | null;
  at: ShipPositions;
  labelsExact: boolean;
  dirty: Set<string>;
  fullRender: boolean;
  fullRenders: number;
  diffRenders: number;
  diffLoads: number;
  sent: number;
  same: number;
  trackMarks: number;
  trailsAbort: AbortController | null;
  shipsDrawn: boolean;
  shipFrames: number;
  shipsRead: ShipOnScreen[];
  dots: boolean;
  loadedArea: Area | null;
  mapFrames: number;
  lastClick: MapClick | null;
}

// LoadTiming is where a load of the picture spent its time (ms): waiting
// for the answer's headers (the node's query and encoding), reading and
// parsing its body, preparing the vessels, handing the ships to the
// source (features built, diffed and sent), and the worker's tiling until
// the source took them (tiled; set when it is done).
interface LoadTiming {
  wait: number;
  body: number;
  prepare: number;
  draw: number;
  tiled?: number;
  sent: number;
}

// ShipOnScreen is a ship drawn where the map can be clicked, in page
// coordinates (the test hook renderedShips).
interface ShipOnScreen {
  mmsi: string;
  x: number;
  y: number;
}

// MapClick is a click on the map as clickMap saw it (the test hook
// lastClick): the point (canvas coordinates), the ships within reach of
// it (as nearest measures them, nearest first) and what it opened.
interface MapClick {
  x: number;
  y: number;
  ships: ShipOnScreen[];
  opened: string;
}

const state: State = {
  seq: undefined, // resume point of the event stream
  es: null,
  trackFeatures: 0,
  landFeatures: 0,
  basemap: null,
  basemapServed: null, // whether the node serves a detailed basemap; null until known
  portLabels: null,
  flags: '',
  loaded: false,
  lastLoad: null, // {at, count, error} of the last vessels request
  fitted: false,
  renderPending: false,
  loadAbort: null,
  searchAbort: null,
  session: null, // GET /api/v1/session: {role, name, zone_editing}; null until known
  history: null, // {from} (ms): where the stored history starts, when known
  trails: 0, // trail features drawn
  drawn: null, // the features in the ships source by id; null: redraw all
  at: new ShipPositions(), // MMSI → [lon, lat] as given to the ships source, and as its tiles show it (the labels follow that)
  labelsExact: false, // the labels of the last frame stood where the ships' tiles drew the ships (nothing given was untiled)
  dirty: new Set(), // MMSIs the stream changed since the last render
  fullRender: true, // the next render replaces all ships (after a load, to refade)
  fullRenders: 0, // renders after a load (or a refade), of the whole picture
  diffRenders: 0, // renders of the stream's changes that sent the source something
  diffLoads: 0, // renders after a load that sent the source only what changed
  sent: 0, // ships sent to the source (re-tiled in the worker)
  same: 0, // ships not sent: drawn as they were (shipdiff.ts)
  trackMarks: 0, // time marks on the selected track
  trailsAbort: null,
  shipsDrawn: false, // a frame placed and drew the ships' tiles since their data last changed
  shipFrames: 0, // how many times the ships' tiles were placed and drawn after new data
  shipsRead: [], // renderedShips' last reading of a settled map
  dots: false, // the ships drawn as dots (DOTS_ABOVE)
  loadedArea: null, // the area and zoom of the live picture loaded last
  mapFrames: 0, // frames MapLibre has rendered (e2e/perf.mjs counts them)
  lastClick: null, // the last click on the map and what it opened
};

// iso formats a time as RFC 3339 in whole seconds, as the API takes it.
function iso(t: number | Date): string {
  return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

// store is the page's state (state.ts): the panels read it and change
// it through its update functions; main wires its changes to the map.
const store = new MapState();

function serverNow(): number {
  return store.serverNow(Date.now());
}

function setStatus(msg: string, isError?: boolean): void {
  const s = $('status');
  s.textContent = msg;
  s.classList.toggle('error', !!isError);
}

function reportError(err: unknown): void {
  if (err instanceof Error && err.name === 'AbortError') return;
  if (err instanceof api.ApiError && err.unauthorized) {
    setStatus('Not authorised: set an API token in Settings', true);
    openPopover('settings', true);
    return;
  }
  setStatus(err instanceof Error ? err.message : String(err), true);
}

// ---- map ----

function basemapStyle(): StyleSpecification {
  const sources: Record<string, SourceSpecification> = {
    land: { type: 'geojson', data: EMPTY, attribution: 'Natural Earth' },
  };
  const layers: LayerSpecification[] = [{ id: 'sea', type: 'background', paint: { 'background-color': '#0e2a3d' } }];
  const tiles = tileURL();
  if (tiles) {
    sources.tiles = { type: 'raster', tiles: [tiles], tileSize: 256 };
    layers.push({ id: 'tiles', type: 'raster', source: 'tiles' });
  } else {
    layers.push({
      id: 'land',
      type: 'fill',
      source: 'land',
      paint: { 'fill-color': '#2f3d30', 'fill-outline-color': '#4f6250' },
    });
  }
  return { version: 8, sources, layers };
}

// tileURL returns the ?tiles= template if it is an http(s) URL.
function tileURL(): string {
  const t = new URLSearchParams(location.search).get('tiles');
  if (!t) return '';
  try {
    const u = new URL(t.replaceAll('{', '%7B').replaceAll('}', '%7D'));
    if (u.protocol === 'http:' || u.protocol === 'https:') return t;
  } catch {
    // Not a URL: ignored.
  }
  return '';
}

const map = new MapLibreMap({
  container: 'map',
  style: basemapStyle(),
  center: [0, 30],
  zoom: 1.5,
  hash: true,
  attributionControl: false,
  // No symbol fade: every ship redraw would animate opacities for 300 ms
  // (repainting the map each frame); ships overlap freely anyway.
  fadeDuration: 0,
  dragRotate: false,
  pitchWithRotate: false,
  touchPitch: false,
  transformRequest: (url) => (url.startsWith(location.origin + '/') ? { url, headers: api.authHeaders() } : { url }),
});
map.touchZoomRotate.disableRotation();
map.addControl(new AttributionControl({ compact: true }), 'bottom-right');
map.addControl(new NavigationControl({ showCompass: false }), 'bottom-right');
map.addControl(new ScaleControl({ unit: 'nautical' }), 'bottom-left');
const legend = new Legend();
map.addControl(legend, 'bottom-left');

// shipsShown yields the vessels the ships layer draws (the filters and
// the layer control allow), for the labels and the table.
function* shipsShown(): Generator<Vessel> {
  if (layerControl.visible('vessels')) yield* store.shown();
}

// showTiled shows the positions given to the ships source once it has
// tiled them all (no update waiting for MapLibre's worker, every tile in
// view loaded): called in each frame, before the labels are placed, so
// that they stand where that frame draws the icons. labelsExact: nothing
// given is still to be tiled.
function showTiled(): void {
  if (state.at.pending && map.getSource('ships') && map.isSourceLoaded('ships')) state.at.commit();
  state.labelsExact = !state.at.pending;
}

const labels = new Labels(map, {
  ships: function* () {
    showTiled();
    for (const v of shipsShown()) {
      // Where the ships layer draws it (a position given reaches the
      // layer when its tile is drawn), so that a label never leaves its
      // icon.
      const at = state.at.shown(v.mmsi);
      if (!at) continue;
      const moving = typeof v.sog === 'number' && v.sog >= 0.5;
      yield { mmsi: v.mmsi, lat: at[1], lon: at[0], name: fmt.missing(v.name) ? null : String(v.name).trim() || null, moving };
    }
  },
  selected: () => store.selected,
});
const layerControl = new LayerControl(map);
const contacts = new Contacts(map, {
  bbox: () => bboxParam(),
  vesselAt: (mmsi: string) => state.at.given(mmsi) ?? null,
  vesselName: (mmsi: string) => {
    const v = store.vessels.get(mmsi);
    return v && !fmt.missing(v.name) ? String(v.name).trim() || null : null;
  },
  onVessel: (mmsi: string) => select(mmsi, { fly: true }),
  onOpen: () => (deselect(), anchoragePanel.close()),
  onAvailable: (ok: boolean) => registerSensorLayers(ok),
  panelView: () => panelView(),
  onError: reportError,
});
const anchorages = new Anchorages(map, {
  onAvailable: (ok: boolean) => registerAnchorages(ok),
  onError: reportError,
  onLoad: () => anchoragePanel.refresh(),
});
const anchoragePanel = new AnchoragePanel({
  features: () => anchorages.features,
  center: () => map.getCenter().wrap().toArray() as [number, number],
  show: (f, move) => {
    anchorages.mark(f ? f.properties.id : null);
    if (f && move) map.easeTo({ center: f.geometry.coordinates as [number, number], zoom: Math.max(map.getZoom(), 9) });
  },
  onOpen: () => (deselect(), contacts.close()),
});
const measure = new Measure(map, {
  closeOthers: () => {
    openPopover('filters', false);
    openPopover('settings', false);
    layerControl.setOpen(false);
  },
});

const events = new Events(map, {
  vesselName: (mmsi: string) => {
    const v = store.vessels.get(mmsi) ?? (store.detail?.mmsi === mmsi ? store.detail : null);
    return v && !fmt.missing(v.name) ? String(v.name) : null;
  },
  onPick: (e) => {
    const first = Array.isArray(e.vessels) && e.vessels.length ? String(e.vessels[0]) : null;
    // Once its details are in, the list can name the vessel.
    if (first) select(first).then(() => events.scheduleRender());
  },
  onError: reportError,
  onZones: () => zoneEditor.renderList(),
  onNew: (e: api.Event) => notifier.onNew(e),
});

const notifier = new Notifier({
  onPick: (id: string) => {
    if (!events.open) events.setOpen(true);
    events.pick(id, { fly: true });
  },
  describe: (e: api.Event) => {
    const d = events.describe(e.id);
    return d ? d.split('\n').slice(1).join('\n') : '';
  },
  now: serverNow,
});

const table = new VesselTable({
  vessels: () => [...shipsShown()],
  onPick: (mmsi: string) => select(mmsi, { fly: true }),
  closeOthers: () => {
    openPopover('filters', false);
    openPopover('settings', false);
    events.setOpen(false);
    zoneEditor.setOpen(false);
    incidents.setOpen(false);
    sharing.setOpen(false);
  },
  now: serverNow,
});

const zoneEditor = new ZoneEditor(map, {
  zones: () => events.zones,
  reloadZones: () => events.loadZones(),
  closeOthers: () => {
    openPopover('filters', false);
    openPopover('settings', false);
    events.setOpen(false);
    incidents.setOpen(false);
    sharing.setOpen(false);
    table.setOpen(false);
  },
});

const incidents = new Incidents(map, {
  serverNow,
  onVessel: (mmsi: string) => select(mmsi, { fly: true }),
  onEvent: (id: string) => {
    if (!events.get(id)) return false;
    events.pick(id, { fly: true });
    return true;
  },
  closeOthers: () => {
    openPopover('filters', false);
    openPopover('settings', false);
    events.setOpen(false);
    zoneEditor.setOpen(false);
    sharing.setOpen(false);
    table.setOpen(false);
  },
  onError: reportError,
});

const sharing = new Sharing({
  serverNow,
  onVessel: (mmsi: string) => select(mmsi, { fly: true }),
  closeOthers: () => {
    openPopover('filters', false);
    openPopover('settings', false);
    events.setOpen(false);
    zoneEditor.setOpen(false);
    incidents.setOpen(false);
    table.setOpen(false);
  },
  onError: reportError,
});

// loadSession asks who the token is, to show the zone editor to those who
// may edit zones only. A server without the endpoint shows none.
async function loadSession() {
  try {
    const s = await api.get('/api/v1/session');
    state.session =
      s && typeof s === 'object'
        ? { role: String(s.role), name: String(s.name), zone_editing: s.zone_editing === true, node: typeof s.node === 'string' ? s.node : '' }
        : null;
  } catch (err) {
    state.session = { role: '', name: '', zone_editing: false, error: err instanceof Error ? err.message : String(err) };
  }
  const session: api.Session | null =
    state.session && (state.session.role === 'admin' || state.session.role === 'read')
      ? { role: state.session.role, name: state.session.name, zone_editing: state.session.zone_editing, node: state.session.node }
      : null;
  zoneEditor.setEnabled(state.session?.zone_editing === true);
  incidents.setSession(session);
  sharing.setSession(session);
}

async function loadLand() {
  if (!map.getLayer('land')) return;
  // A detailed PMTiles basemap, when the node serves one, goes right above
  // the embedded land (which it hides from zoom 5 in).
  const info = await fetchBasemapInfo();
  state.basemapServed = !!info;
  if (info) {
    try {
      const ids = map.getStyle().layers.map((l) => l.id);
      state.basemap = { ...info, mapLayers: addPMTilesBasemap(map, info, ids[ids.indexOf('land') + 1]) };
      state.portLabels = new PortLabels(map);
      layerControl.unregister('bm-detail');
    } catch (err) {
      reportError(err);
    }
  }
  registerBasemap();
  try {
    const land = await fetchLand();
    state.landFeatures = Array.isArray(land.features) ? land.features.length : 0;
    map.getSource<GeoJSONSource>('land')?.setData(unwrapLand(land));
  } catch (err) {
    reportError(err);
  }
}

function addLayers() {
  addShipIcons(map);
  map.addSource('ships', { type: 'geojson', data: EMPTY });
  // The ships as drawn can be read (renderedShips) once a frame has placed
  // and drawn the ships source's tiles, until their data changes again:
  // between new tile data and its placement, the rendered features' index
  // and the placement disagree (MapLibre throws "feature index out of
  // bounds"). While new data is parsed the tiles keep the old, which reads
  // fine. Not the map's idle event, nor a loaded source: the stream keeps
  // the ships and contacts changing, and on a loaded machine neither is
  // ever quiet (a wait for them timed out at load 30).
  map.on('render', () => {
    state.mapFrames++;
    showTiled(); // also while the labels are off
    if (map.style?.pauseablePlacement?.isDone() !== false) {
      if (!state.shipsDrawn) state.shipFrames++;
      state.shipsDrawn = true;
    }
  });
  map.on('sourcedata', (e: { sourceId?: string; tile?: unknown }) => {
    if (e.sourceId === 'ships' && e.tile) state.shipsDrawn = false;
  });
  map.addSource('track', { type: 'geojson', data: EMPTY });
  map.addSource('trails', { type: 'geojson', data: EMPTY });
  events.addZoneLayers();
  anchorages.addLayers();
  map.addLayer({
    id: 'trails-line',
    type: 'line',
    source: 'trails',
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': '#8fb8d0', 'line-width': 1.2, 'line-opacity': 0.7 },
  });
  map.addLayer({
    id: 'track-line',
    type: 'line',
    source: 'track',
    filter: ['==', ['geometry-type'], 'LineString'],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': '#ffd54f', 'line-width': 2, 'line-opacity': 0.9 },
  });
  map.addLayer({
    id: 'track-points',
    type: 'circle',
    source: 'track',
    filter: ['==', ['geometry-type'], 'Point'],
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 4, ['case', ['==', ['get', 'mark'], 1], 3, 1], 12, ['case', ['==', ['get', 'mark'], 1], 5, 3]],
      'circle-color': '#ffd54f',
      'circle-opacity': 0.8,
      'circle-stroke-color': '#06121c',
      'circle-stroke-width': ['case', ['==', ['get', 'mark'], 1], 1.5, 0],
    },
  });
  incidents.addLayers();
  events.addEventLayers();
  map.addLayer({
    id: 'selected',
    type: 'circle',
    source: 'ships',
    filter: ['==', ['get', 'mmsi'], ''],
    paint: {
      'circle-radius': 15,
      'circle-color': 'rgba(0,0,0,0)',
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 2,
    },
  });
  map.addLayer({
    id: 'ships',
    type: 'symbol',
    source: 'ships',
    layout: {
      'icon-image': ['get', 'icon'],
      'icon-rotate': ['get', 'rot'],
      'icon-rotation-alignment': 'map',
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
      'icon-size': ['interpolate', ['linear'], ['zoom'], 2, 0.55, 8, 0.8, 12, 1],
      'symbol-sort-key': ['get', 'stale'],
    },
    paint: { 'icon-opacity': ['case', ['==', ['get', 'stale'], 1], 0.35, 1] },
  });
  map.addLayer({
    id: SHIP_DOTS,
    type: 'circle',
    source: 'ships',
    filter: false,
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 1, 1.6, 4, 2.2, 8, 3.2],
      'circle-color': ['match', ['get', 'cat'], ...CATEGORIES.flatMap(([cat, , color]) => [cat, color]), '#B8B8B8'] as unknown as string,
      'circle-opacity': ['case', ['==', ['get', 'stale'], 1], 0.35, 1],
    },
  });
  contacts.addLayers();
  zoneEditor.addLayers();
  measure.addLayers();
  registerLayers();
  applyFilter();
}

// registerLayers gives the layer control its entries. The radar and
// satellite contacts and the learned anchorages are placeholders until
// this node serves them: registering the same id with layers makes them
// switches.
function registerLayers() {
  const reg = (e: LayerEntry) => layerControl.register(e);
  reg({ id: 'vessels', label: 'All vessels', group: 'Vessels', layers: [...SHIP_LAYERS, 'selected'], onToggle: () => map.triggerRepaint() });
  for (const [g, label, color] of GROUPS) {
    reg({
      id: `group-${g}`,
      label,
      group: 'Vessels',
      swatch: color,
      onToggle: (on) => store.setGroupShown(g, on),
    });
  }
  reg({ id: 'labels', label: 'Ship names (from zoom 9)', group: 'Vessels', onToggle: (on) => labels.setEnabled(on) });
  reg({ id: 'track', label: 'Track of the selected ship, time marks', group: 'Tracks', layers: ['track-line', 'track-points'], onToggle: (on) => labels.setMarksEnabled(on) });
  reg({
    id: 'trails',
    label: 'Trails of all ships',
    group: 'Tracks',
    layers: ['trails-line'],
    on: false,
    onToggle: (on) => (on ? loadTrails() : clearTrails()),
  });
  reg({ id: 'events', label: 'Events', group: 'Events and areas', layers: ['event-open', 'event-circles', 'event-evidence', 'event-highlight'] });
  reg({ id: 'zones', label: 'Zones', group: 'Events and areas', layers: ['zones-fill', 'zones-line', 'zone-selected'] });
  reg({
    id: 'incidents',
    label: 'Incidents and assessments',
    group: 'Events and areas',
    layers: ['incident-areas-fill', 'incident-areas-line', 'incident-highlight', 'incident-area-highlight', 'incident-points'],
  });
  registerAnchorages(anchorages.available);
  registerSensorLayers(contacts.available);
  registerBasemap();
}

// registerBasemap gives the layer control the detailed basemap's
// overlays once the node serves one (state.basemap), else a placeholder
// (state.basemapServed: null until /basemap/info has answered).
function registerBasemap(): void {
  const overlays = state.basemap ? basemapOverlays(state.basemap.mapLayers) : [];
  for (const o of overlays) layerControl.register({ ...o, group: 'Basemap' });
  if (overlays.length === 0) {
    const note = state.basemapServed === false ? 'not served by this node' : 'loading';
    layerControl.register({ id: 'bm-detail', label: 'Detailed basemap overlays', group: 'Basemap', available: false, note });
  }
}

// registerAnchorages makes the learned anchorages a switch once the node
// answers GET /api/v1/anchorages (ok), else a placeholder.
function registerAnchorages(ok: boolean | null): void {
  const entry = { id: 'anchorages', label: 'Learned anchorages', group: 'Events and areas' };
  if (ok) layerControl.register({ ...entry, layers: ANCHORAGE_LAYERS, swatch: '#56B4E9' });
  else layerControl.register({ ...entry, available: false, note: ok === false ? 'not served by this node' : 'loading' });
}

// registerSensorLayers makes the radar and satellite entries switches
// once the node answers GET /api/v1/contacts (ok), else placeholders.
function registerSensorLayers(ok: boolean | null): void {
  for (const [sensor, label] of SENSORS) {
    if (ok) layerControl.register({ id: sensor, label, group: 'Sensors', layers: Contacts.layerIds(sensor) });
    else layerControl.register({ id: sensor, label, group: 'Sensors', available: false, note: ok === false ? 'not served by this node' : 'loading' });
  }
}

// ---- trails ----

// loadTrails draws the trails of the last N minutes of the ships in view
// (the OGC tracks collection: one line per vessel), ending at the time
// shown.
async function loadTrails() {
  if (!layerControl.visible('trails')) return;
  state.trailsAbort?.abort();
  const ctl = new AbortController();
  state.trailsAbort = ctl;
  const minutes = Number($<HTMLInputElement>('trail-minutes').value) || 30;
  const end = store.viewEnd(Date.now());
  try {
    const body = await api.ogcTracks({ bbox: bboxParam(), datetime: `${iso(end - minutes * 60e3)}/${iso(end)}`, limit: 10000 }, ctl.signal);
    const features = Array.isArray(body?.features) ? body.features.filter((f) => f?.geometry?.type === 'LineString') : [];
    if (!layerControl.visible('trails')) return;
    map.getSource<GeoJSONSource>('trails')?.setData({ type: 'FeatureCollection', features });
    state.trails = features.length;
    $('trail-status').textContent = `${features.length} trail${features.length === 1 ? '' : 's'} of the last ${minutes} min`;
  } catch (err) {
    if (err instanceof Error && err.name === 'AbortError') return;
    const none = err instanceof api.ApiError && (err.status === 404 || err.status === 501);
    $('trail-status').textContent = none ? 'This node serves no tracks' : `Trails unavailable: ${err instanceof Error ? err.message : String(err)}`;
    if (!none) reportError(err);
  }
}

function clearTrails() {
  state.trailsAbort?.abort();
  state.trails = 0;
  map.getSource<GeoJSONSource>('trails')?.setData(EMPTY);
  $('trail-status').textContent = '';
}

// ---- vessels ----

function prepare(v: api.Summary, receivedAt: number): Vessel {
  return prepareVessel(v, receivedAt, serverNow());
}

function featureOf(v: Vessel & { lat: number; lon: number }): ShipFeature {
  const course = typeof v.cog === 'number' ? v.cog : typeof v.heading === 'number' ? v.heading : null;
  const moving = course != null && typeof v.sog === 'number' && v.sog >= 0.5;
  const cat = category(v.category);
  return {
    type: 'Feature',
    id: Number(v.mmsi),
    geometry: { type: 'Point', coordinates: [v.lon, v.lat] },
    properties: {
      mmsi: v.mmsi,
      icon: iconName(cat, moving),
      rot: course ?? 0,
      cat,
      flag: typeof v.flag === 'string' ? v.flag : '',
      stale: store.stale(v, Date.now()) ? 1 : 0,
    },
  };
}

// scheduleRender draws the ships after delay (by default renderDelay: at
// most one redraw of the stream's changes that often; a batch of the
// stream, already that far apart, is drawn at once).
function scheduleRender(delay = renderDelay(store.vessels.size)) {
  if (state.renderPending) return;
  state.renderPending = true;
  setTimeout(render, delay);
}

// render draws the ships: after a load, the whole picture (setData), or
// only the ships whose drawing changed (updateData by feature id) when
// that is at most half of it; for the stream's changes, only those ships
// whose drawing changed (shipdiff.ts: a move of less than a quarter pixel
// at this zoom is not sent, so at a world view of 50,000 ships the worker
// re-tiles almost nothing per update). It returns when the source has
// the ships (null when nothing was sent).
function render(): Promise<void> | null {
  state.renderPending = false;
  const src = map.getSource<GeoJSONSource>('ships');
  if (!src) return null;
  // The stream's changes wait while the map moves (each would re-tile the
  // ships in the worker and upload them again in the middle of a drag);
  // they are drawn when it stops, within renderDelay.
  if (!state.fullRender && state.drawn && map.isMoving()) {
    scheduleRender();
    return null;
  }
  const drawable = (v: Vessel | undefined): v is Vessel & { lat: number; lon: number } => !!v && typeof v.lat === 'number' && typeof v.lon === 'number';
  const zoom = map.getZoom();
  let done: Promise<void> | null = null;
  if (state.fullRender || !state.drawn) {
    const features: ShipFeature[] = [];
    for (const v of store.vessels.values()) if (drawable(v)) features.push(featureOf(v));
    const dots = features.length > DOTS_ABOVE;
    const diff = state.drawn && dots === state.dots ? diffShips(state.drawn, features, zoom, dots) : null;
    if (diff && worthDiffing(diff, features.length)) {
      done = sendDiff(src, diff);
      state.diffLoads++;
    } else {
      if (dots !== state.dots) {
        state.dots = dots;
        applyFilter();
      }
      done = src.setData({ type: 'FeatureCollection', features });
      state.drawn = new Map(features.map((f) => [f.id, f]));
      state.at.replace(new Map(features.map((f) => [f.properties.mmsi, f.geometry.coordinates as [number, number]])));
      state.sent += features.length;
    }
    state.fullRender = false;
    state.fullRenders++;
  } else if (state.dirty.size > 0) {
    const changed = new Map<number, ShipFeature | null>();
    for (const mmsi of state.dirty) {
      const v = store.vessels.get(mmsi);
      changed.set(Number(mmsi), drawable(v) ? featureOf(v) : null);
    }
    const diff = changedShips(state.drawn, changed, zoom, state.dots);
    if (diff.add.length > 0 || diff.remove.length > 0) {
      done = sendDiff(src, diff);
      state.diffRenders++;
    } else {
      state.same += diff.same;
    }
  }
  state.dirty.clear();
  legend.setCounts(store.groupCounts());
  legend.setDots(state.dots);
  if (table.open) table.render();
  updateFlagOptions();
  const when = store.live ? 'live' : fmt.time(store.at);
  // (more in view than one answer holds: say so, zooming in shows them)
  const more = state.lastLoad && state.lastLoad.total > state.lastLoad.count ? ` of ${state.lastLoad.total} in view (zoom in for all)` : '';
  setStatus(`${store.vessels.size} vessels${more} \u00b7 ${when}`);
  return done;
}

// sendDiff hands a diff to the ships source and keeps state.drawn and
// positions as the source has them.
function sendDiff(src: GeoJSONSource, diff: ShipDiff): Promise<void> {
  const drawn = state.drawn ?? new Map<number, ShipFeature>();
  state.drawn = drawn;
  const done = src.updateData({ remove: diff.remove, add: diff.add });
  for (const id of diff.remove) {
    drawn.delete(id);
    state.at.delete(String(id));
  }
  for (const f of diff.add) {
    drawn.set(f.id, f);
    state.at.set(f.properties.mmsi, f.geometry.coordinates as [number, number]);
  }
  state.sent += diff.add.length;
  state.same += diff.same;
  return done;
}

function bboxParam() {
  const b = map.getBounds();
  let w = b.getWest();
  let e = b.getEast();
  let s = b.getSouth();
  let n = b.getNorth();
  const dx = (e - w) * 0.1;
  const dy = (n - s) * 0.1;
  w -= dx;
  e += dx;
  s = Math.max(-90, s - dy);
  n = Math.min(90, n + dy);
  if (w < -180 || e > 180) {
    w = -180;
    e = 180;
  }
  return [w, s, e, n].map((x) => x.toFixed(4)).join(',');
}

// viewBox is the map's view: its edges in degrees (unwrapped: west may
// be below -180 or east above 180).
function viewBox(): { w: number; s: number; e: number; n: number } {
  const b = map.getBounds();
  return { w: b.getWest(), s: b.getSouth(), e: b.getEast(), n: b.getNorth() };
}

// loadedCoversView tells whether the live picture loaded last holds the
// whole view (picturearea.ts: the area it was loaded for, the view and a
// margin or the world), since the stream keeps that area up to date. At
// 50,000 ships a reload (the answer parsed, every ship re-tiled) after
// each pan cost more than the pan.
function loadedCoversView(): boolean {
  const l = state.loadedArea;
  if (!l || !store.live || !state.lastLoad || state.lastLoad.total > state.lastLoad.count) return false;
  return covers(l, viewBox(), map.getZoom());
}

async function loadVessels() {
  state.loadAbort?.abort();
  const ctl = new AbortController();
  state.loadAbort = ctl;
  // The whole picture in view, up to the API's most (MaxVessels): its
  // default (20,000) would leave most of a 50,000-ship world view to the
  // stream, filled in over minutes.
  const area = pictureArea(viewBox(), map.getZoom());
  const params: { bbox: string; at?: string; limit: number } = { bbox: bboxOf(area), limit: MAX_VESSELS };
  if (!store.live && store.at) params.at = iso(store.at);
  const t0 = performance.now();
  const phase: api.Timing = { headers: 0, body: 0 };
  try {
    // The compact form: the fields the map draws, as columns (a quarter
    // of the bytes, and much faster to parse); the panel fetches the rest.
    const body = await api.vesselColumns(params, ctl.signal, phase);
    const now = Date.now();
    if (body.time) store.setServerTime(Date.parse(body.time), now);
    const next = new Map<string, Vessel>();
    for (const v of prepareColumns(body, now)) next.set(v.mmsi, v);
    store.setPicture(next); // (live, the selected vessel stays)
    state.fullRender = true;
    state.loaded = true;
    state.loadedArea = params.at ? null : area;
    const t2 = performance.now();
    const sent0 = state.sent;
    const ms: LoadTiming = { wait: phase.headers - t0, body: phase.body - phase.headers, prepare: t2 - phase.body, draw: 0, sent: 0 };
    state.lastLoad = { at: params.at ?? null, count: next.size, total: typeof body.count === 'number' ? body.count : next.size, error: null, ms };
    const tiled = render();
    ms.draw = performance.now() - t2;
    ms.sent = state.sent - sent0;
    tiled?.then(
      () => (ms.tiled = performance.now() - t2),
      () => {},
    );
    if (events.open) events.scheduleRender(); // vessel names in the list
    if (!state.fitted) fitOnce();
    if (store.live) connectStream();
  } catch (err) {
    if (!(err instanceof Error && err.name === 'AbortError')) state.lastLoad = { at: params.at ?? null, count: 0, total: 0, error: err instanceof Error ? err.message : String(err) };
    reportError(err);
  }
}

// fitOnce frames the vessels the first time, unless the URL names a view.
function fitOnce() {
  state.fitted = true;
  if (viewInURL || store.vessels.size === 0) return;
  let w = 180;
  let s = 90;
  let e = -180;
  let n = -90;
  for (const v of store.vessels.values()) {
    if (typeof v.lat !== 'number' || typeof v.lon !== 'number') continue;
    w = Math.min(w, v.lon);
    e = Math.max(e, v.lon);
    s = Math.min(s, v.lat);
    n = Math.max(n, v.lat);
  }
  if (w > e) return;
  map.fitBounds(
    [
      [w, s],
      [e, n],
    ],
    { padding: 60, maxZoom: 11, duration: 0 },
  );
}

function connectStream() {
  state.es?.close();
  state.es = api.stream(
    // Batched: the node sends a window's updates, events and contacts in
    // one message, the window the page's redraw interval.
    { bbox: state.loadedArea ? bboxOf(state.loadedArea) : bboxParam(), since: state.seq, batch: batchWindow(store.vessels.size) },
    {
      batch: onBatch,
      ready: (v: api.StreamReady) => {
        if (v.seq != null && state.seq == null) state.seq = v.seq;
      },
      // Updates were skipped: the picture is reloaded, then streamed anew.
      lagged: (v: Partial<api.StreamLagged>) => {
        if (v.seq != null) state.seq = v.seq;
        reloadSoon();
      },
      state: (st: api.StreamState) => {
        if (st === 'open' && state.loaded) render();
        if (st === 'closed') setStatus('Live stream closed (token?)', true);
        if (st === 'error') setStatus('Live stream interrupted, reconnecting', true);
      },
    },
  );
}

const reloadSoon = debounce(() => {
  if (store.live) loadVessels();
}, 500);

function disconnectStream() {
  state.es?.close();
  state.es = null;
}

// onBatch takes a batch of the stream: its vessel updates in one state
// update (the selected vessel's panel follows: a selection change) drawn
// in one source update, then its events and contacts.
function onBatch(b: api.StreamBatch, lastEventId: string): void {
  if (!store.live) return;
  const now = Date.now();
  const { changed, seq } = applyBatch(store, b, (u) => prepare(u, now));
  if (seq != null) state.seq = seq;
  else if (lastEventId) state.seq = lastEventId;
  for (const e of b.events ?? []) events.onStream(e);
  for (const c of b.contacts ?? []) contacts.onStream(c);
  if (changed.length === 0) return;
  for (const m of changed) state.dirty.add(m);
  scheduleRender(0);
}

// ---- filters ----

function applyFilter() {
  if (!map.getLayer('ships')) return;
  const cats = store.shownCategories();
  const f: FilterSpecification = store.flag
    ? ['all', ['in', ['get', 'cat'], ['literal', cats]], ['==', ['get', 'flag'], store.flag]]
    : ['all', ['in', ['get', 'cat'], ['literal', cats]]];
  // One of the two ship layers draws, the other is filtered empty (a
  // hidden layer's visibility belongs to the layer control).
  map.setFilter('ships', state.dots ? false : f);
  map.setFilter(SHIP_DOTS, state.dots ? f : false);
  map.triggerRepaint(); // the labels follow
  if (table.open) table.render();
}

function buildCategoryList() {
  const list = $('category-list');
  list.replaceChildren(
    ...CATEGORIES.map(([cat, label, color]) => {
      const box = h('input', { type: 'checkbox', value: cat, checked: true });
      box.addEventListener('change', () => store.setCategory(cat, box.checked));
      const swatch = h('span', { class: 'swatch' });
      swatch.style.background = color;
      return h('label', null, box, swatch, label);
    }),
  );
  const setAll = (on: boolean) => {
    for (const box of list.querySelectorAll('input')) box.checked = on;
    store.setAllCategories(on);
  };
  $('categories-all').addEventListener('click', () => setAll(true));
  $('categories-none').addEventListener('click', () => setAll(false));
  $<HTMLSelectElement>('flag-filter').addEventListener('change', (e) => {
    store.setFlag(e.target instanceof HTMLSelectElement ? e.target.value : '');
  });
}

function updateFlagOptions() {
  const codes = store.flagCodes();
  const key = codes.join(',');
  if (key === state.flags) return;
  state.flags = key;
  // By country name, the code after it: "Netherlands (NL)".
  const named = codes.map((c) => [c, fmt.countryName(c)]).sort((a, b) => a[1].localeCompare(b[1], 'en'));
  const sel = $<HTMLSelectElement>('flag-filter');
  sel.replaceChildren(
    h('option', { value: '', text: 'All flags' }),
    ...named.map(([c, name]) => h('option', { value: c, text: name === c ? c : `${name} (${c})` })),
  );
  sel.value = store.flag;
}

// ---- selection, panel, track ----

// panelFocus moves the focus into the vessel panel when it opens and back
// when Escape (or its close button) closes it.
const panelFocus = new PanelFocus('panel');

// select opens the panel of a vessel and draws its track. hint is a summary
// to show until the details arrive (a search result).
async function select(id: string | number, { fly = false, hint = null }: { fly?: boolean; hint?: Vessel | null } = {}): Promise<void> {
  const mmsi = String(id);
  contacts.close();
  anchoragePanel.close();
  const opening = $('panel').hidden;
  store.select(mmsi, hint); // the panel shows it (showSelection)
  if (opening) panelFocus.opened($('panel-name'));
  try {
    // In the past, the details of that moment (the API's at=).
    const params = !store.live && store.at ? { at: iso(store.at) } : undefined;
    const detail = await api.vessel(Number(mmsi), params);
    if (!store.setDetail(mmsi, detail)) return;
  } catch (err) {
    reportError(err);
  }
  const d = store.detail;
  if (fly && d && typeof d.lat === 'number' && typeof d.lon === 'number') {
    map.flyTo({ center: [d.lon, d.lat], zoom: Math.max(map.getZoom(), 10), duration: 800 });
  }
  await loadTrack();
}

// panelView is the moment the panel counts ages from: now live, the
// slider's time in the past.
function panelView(): View {
  return store.panelView(Date.now());
}

// showSelection shows the selection: the ring round the selected ship,
// and its details in the panel (deselect closes it).
function showSelection(): void {
  if (map.getLayer('selected')) map.setFilter('selected', ['==', ['get', 'mmsi'], store.selected ?? '']);
  if (store.detail) renderPanel(store.detail, panelView());
}

function deselect() {
  if (!$('panel').hidden) panelFocus.closed(map.getCanvas());
  store.deselect();
  state.trackFeatures = 0;
  $('panel').hidden = true;
  map.getSource<GeoJSONSource>('track')?.setData(EMPTY);
  labels.setMarks([]);
  state.trackMarks = 0;
}

const MARK_STEPS_MIN = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];

// timeMarks picks the positions of a track (Point features with a time)
// to mark with their time: the first at or after each multiple of a step
// chosen to make at most 12 marks. It flags them (properties.mark = 1)
// for the track layer and returns [{lon, lat, text}] ("14:20", with the
// date "12-06 14:20" where the day changes) for the labels.
function timeMarks(features: Feature[]): Mark[] {
  const pts: [number, Feature<Point>][] = [];
  for (const f of features) {
    if (f?.geometry?.type !== 'Point') continue;
    const t = Date.parse(String(f.properties?.time ?? ''));
    if (!Number.isNaN(t)) pts.push([t, f as Feature<Point>]);
  }
  if (pts.length < 2) return [];
  pts.sort((a, b) => a[0] - b[0]);
  const span = (pts[pts.length - 1][0] - pts[0][0]) / 60e3;
  const step = (MARK_STEPS_MIN.find((m) => span / m <= 12) ?? 1440) * 60e3;
  const marks: Mark[] = [];
  let next = Math.ceil(pts[0][0] / step) * step;
  let day = '';
  for (const [t, f] of pts) {
    if (t < next) continue;
    f.properties = { ...f.properties, mark: 1 };
    const iso8601 = new Date(t).toISOString();
    const d = iso8601.slice(5, 10);
    const text = d !== day ? `${d} ${iso8601.slice(11, 16)}` : iso8601.slice(11, 16);
    day = d;
    marks.push({ lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1], text });
    next = Math.floor(t / step) * step + step;
  }
  return marks;
}

async function loadTrack() {
  const mmsi = store.selected;
  if (!mmsi) return;
  const hours = Number($<HTMLSelectElement>('track-window').value) || 6;
  const end = store.viewEnd(Date.now());
  const info = $('track-info');
  try {
    const body = await api.trackGeoJSON(Number(mmsi), {
      from: iso(end - hours * 3600e3),
      to: iso(end),
      format: 'geojson',
    });
    if (store.selected !== mmsi) return;
    const features: Feature[] = body && Array.isArray(body.features) ? (body.features as Feature[]) : [];
    const marks = timeMarks(features);
    map.getSource<GeoJSONSource>('track')?.setData({ type: 'FeatureCollection', features });
    labels.setMarks(marks);
    state.trackMarks = marks.length;
    state.trackFeatures = features.length;
    let points = features.filter((f) => f?.geometry?.type === 'Point').length;
    if (points === 0) {
      const line = features.find((f) => f?.geometry?.type === 'LineString');
      points = line?.geometry.type === 'LineString' ? line.geometry.coordinates.length : 0;
    }
    info.textContent = points ? `${points} positions in the last ${hours} h` : `No positions in the last ${hours} h`;
  } catch (err) {
    info.textContent = 'Track unavailable';
    reportError(err);
  }
}

// nearest returns the feature of layers nearest to the point, within
// 10 pixels, or null.
function nearest(point: { x: number; y: number }, all: string[]): MapGeoJSONFeature | null {
  const { x, y } = point;
  const layers = all.filter((l) => map.getLayer(l));
  if (layers.length === 0) return null;
  const hits = map.queryRenderedFeatures(
    [
      [x - 10, y - 10],
      [x + 10, y + 10],
    ],
    { layers },
  );
  if (hits.length === 0) return null;
  let best = hits[0];
  let bestD = Infinity;
  for (const f of hits) {
    const p = map.project(pointOf(f));
    const d = (p.x - x) ** 2 + (p.y - y) ** 2;
    if (d < bestD) {
      bestD = d;
      best = f;
    }
  }
  return best;
}

const CONTACT_LAYERS = SENSORS.map(([s]) => `${s}-contacts`);

// CONTACT_SLACK_PX is how much nearer (pixels) a ship must be than a
// contact to take a click from it.
const CONTACT_SLACK_PX = 6;

// pointOf is where a feature of the point layers is ([lon, lat]); the
// first vertex of any other.
function pointOf(f: MapGeoJSONFeature): [number, number] {
  const g = f.geometry;
  if (g.type === 'Point') return g.coordinates as [number, number];
  if (g.type === 'LineString' || g.type === 'MultiPoint') return g.coordinates[0] as [number, number];
  return [0, 0];
}

// prop is a string property of a rendered feature ('' when absent).
function prop(f: MapGeoJSONFeature, key: string): string {
  const v = f.properties?.[key];
  return v == null ? '' : String(v);
}

// distance is how far a point feature is drawn from a point of the map, in
// pixels.
function distance(point: { x: number; y: number }, f: MapGeoJSONFeature): number {
  const p = map.project(pointOf(f));
  return Math.hypot(p.x - point.x, p.y - point.y);
}

// shipsWithin lists the ships whose drawing reaches within r pixels (a
// box) of a point of the canvas, as nearest finds them, each where nearest
// measures it (canvas coordinates), nearest first; none while MapLibre
// refuses the query (see renderedShips).
function shipsWithin(point: { x: number; y: number }, r: number): ShipOnScreen[] {
  const layers = shipLayers().filter((l) => map.getLayer(l));
  const box: [PointLike, PointLike] = [
    [point.x - r, point.y - r],
    [point.x + r, point.y + r],
  ];
  let hits: MapGeoJSONFeature[] = [];
  try {
    if (layers.length) hits = map.queryRenderedFeatures(box, { layers });
  } catch {
    return [];
  }
  const off = (s: ShipOnScreen) => Math.hypot(s.x - point.x, s.y - point.y);
  return hits
    .map((f) => {
      const p = map.project(pointOf(f));
      return { mmsi: prop(f, 'mmsi'), x: p.x, y: p.y };
    })
    .sort((a, b) => off(a) - off(b));
}

// clickMap opens the ship clicked, else the event clicked; not while a
// zone is drawn.
function clickMap(e: MapMouseEvent & { zoneEditor?: boolean; incidentEditor?: boolean; measuring?: boolean }): void {
  if (e.zoneEditor || zoneEditor.drawing || e.incidentEditor || incidents.placing || e.measuring || measure.active) return;
  const click: MapClick = { x: e.point.x, y: e.point.y, ships: shipsWithin(e.point, 10), opened: '' };
  state.lastClick = click;
  const ship = nearest(e.point, shipLayers());
  const contact = nearest(e.point, CONTACT_LAYERS);
  // A contact wins unless a ship is clearly nearer: an associated contact
  // is drawn on its ship's icon, on top of it, and a click there means the
  // contact (its panel's vessel button opens the ship).
  if (contact && (!ship || distance(e.point, contact) <= distance(e.point, ship) + CONTACT_SLACK_PX)) {
    click.opened = `contact ${prop(contact, 'key')}`;
    contacts.pick(prop(contact, 'key'));
    return;
  }
  if (ship) {
    click.opened = prop(ship, 'mmsi');
    select(prop(ship, 'mmsi'));
    return;
  }
  const ev = nearest(e.point, ['event-circles']);
  if (ev) {
    events.pick(prop(ev, 'id'));
    return;
  }
  const inc = nearest(e.point, ['incident-points']) ?? incidentAreaAt(e.point);
  if (inc) {
    incidents.pick(prop(inc, 'id'));
    return;
  }
  const anch = nearest(e.point, ANCHORAGE_LAYERS);
  if (anch) anchoragePanel.pick(Number(prop(anch, 'id')));
}

// incidentAreaAt returns the feature of the assessment area under the
// point (the smallest drawn there), or null.
function incidentAreaAt(point: PointLike): MapGeoJSONFeature | null {
  if (!map.getLayer('incident-areas-fill')) return null;
  const hits = map.queryRenderedFeatures(point, { layers: ['incident-areas-fill'] });
  return hits.length ? hits[hits.length - 1] : null;
}

// hoverText names what is under the pointer: the nearest ship, the nearest
// event, the incidents (points near it, areas under it, by title) and the
// zones there, one per line. It returns null over nothing.
function hoverText(point: { x: number; y: number }): { text: string; pointer: boolean } | null {
  const lines: string[] = [];
  const ship = nearest(point, shipLayers());
  const v = ship && store.vessels.get(prop(ship, 'mmsi'));
  if (v) lines.push(fmt.missing(v.name) ? `MMSI ${v.mmsi}` : String(v.name));
  const contact = nearest(point, CONTACT_LAYERS);
  const cd = contact && contacts.describe(prop(contact, 'key'));
  if (cd) lines.push(cd);
  const ev = nearest(point, ['event-circles']);
  const d = ev && events.describe(prop(ev, 'id'));
  if (d) lines.push(...d.split('\n'));
  const incPoint = nearest(point, ['incident-points']);
  const titles = new Set<string | null>();
  if (incPoint) titles.add(incidents.describe(prop(incPoint, 'id')));
  if (map.getLayer('incident-areas-fill')) {
    for (const f of map.queryRenderedFeatures([point.x, point.y], { layers: ['incident-areas-fill'] })) titles.add(incidents.describe(prop(f, 'id')));
  }
  titles.delete(null);
  lines.push(...[...titles].filter((t): t is string => t != null).slice(0, 5));
  // An anchorage opens its panel; zones are named, but a click on them
  // opens nothing.
  const anch = nearest(point, ANCHORAGE_LAYERS);
  if (anch) lines.push(describeAnchorage(anch.properties?.vessels));
  const pointer = lines.length > 0;
  if (map.getLayer('zones-fill')) {
    const names = new Set<string>();
    for (const f of map.queryRenderedFeatures([point.x, point.y], { layers: ['zones-fill'] })) {
      const n = f.properties?.name;
      names.add(fmt.missing(n) ? 'Unnamed zone' : String(n));
    }
    for (const n of [...names].slice(0, 5)) if (!lines.includes(`Zone ${n}`)) lines.push(`Zone ${n}`);
  }
  return lines.length ? { text: lines.join('\n'), pointer } : null;
}

// ---- search ----

function hideResults() {
  $('search-results').hidden = true;
}

function showResults(vessels: api.Summary[]): void {
  const list = $('search-results');
  if (vessels.length === 0) {
    list.replaceChildren(h('li', { class: 'empty', text: 'No vessels found' }));
  } else {
    list.replaceChildren(
      ...vessels.slice(0, 50).map((v) => {
        const name = fmt.missing(v.name) ? `MMSI ${v.mmsi}` : String(v.name);
        const sub = [`MMSI ${v.mmsi}`];
        if (!fmt.missing(v.imo)) sub.push(`IMO ${v.imo}`);
        if (!fmt.missing(v.callsign)) sub.push(String(v.callsign));
        if (!fmt.missing(v.flag)) sub.push(String(v.flag));
        const btn = h('button', { type: 'button', role: 'option', 'data-mmsi': String(v.mmsi) }, h('span', { class: 'name', text: name }), h('span', { class: 'sub', text: sub.join(' \u00b7 ') }));
        btn.addEventListener('click', () => {
          hideResults();
          $<HTMLInputElement>('search').value = name;
          select(v.mmsi, { fly: true, hint: prepare({ ...v }, Date.now()) });
        });
        return h('li', null, btn);
      }),
    );
  }
  list.hidden = false;
}

async function search() {
  const q = $<HTMLInputElement>('search').value.trim();
  state.searchAbort?.abort();
  if (q.length < 2) {
    hideResults();
    return;
  }
  const ctl = new AbortController();
  state.searchAbort = ctl;
  try {
    const body = await api.get('/api/v1/search', { q }, ctl.signal);
    showResults(Array.isArray(body.vessels) ? body.vessels : []);
  } catch (err) {
    reportError(err);
  }
}

// ---- time ----

// loadHistory asks how far back the store goes (the temporal extent of
// the OGC positions collection) and fits the time slider to it, so that
// it never offers moments with no data. Without an answer the slider
// keeps its 24 h.
async function loadHistory() {
  try {
    const c = await api.ogcCollection('positions');
    const from = Date.parse(c?.extent?.temporal?.interval?.[0]?.[0] ?? '');
    if (Number.isNaN(from)) return;
    state.history = { from };
    const slider = $<HTMLInputElement>('time-slider');
    const { min, step } = sliderRange(from, serverNow());
    // A slider the user is moving (not at 0) keeps its value: an answer
    // arriving between the input and the debounced apply must not send
    // the view back to live.
    if (store.live && slider.value === '0') {
      slider.min = String(min);
      slider.step = String(step);
    } else if (Number(slider.min) > min) slider.min = String(min);
    slider.title = `History since ${fmt.time(new Date(from))}`;
  } catch (err) {
    if (!(err instanceof api.ApiError && (err.status === 404 || err.status === 501))) reportError(err);
  }
}

function sliderTime(): Date | null {
  return store.sliderTime(Number($<HTMLInputElement>('time-slider').value), Date.now());
}

function updateTimeLabel() {
  const t = sliderTime();
  $('time-label').textContent = t ? fmt.time(t) : `Live \u00b7 ${fmt.time(new Date(serverNow()))}`;
}

function applyTime() {
  const t = sliderTime();
  if (!t) {
    goLive();
    return;
  }
  store.goPast(t);
}

function goLive() {
  $<HTMLInputElement>('time-slider').value = '0';
  store.goLive();
}

// showTime follows the time view (the store's): a past view stops the
// stream; the panels, the vessels, the trails and the selected vessel's
// details are of the moment shown.
function showTime(): void {
  const live = $('live-btn');
  live.classList.toggle('live', store.live);
  live.setAttribute('aria-pressed', String(store.live));
  if (store.live) updateTimeLabel();
  else disconnectStream();
  events.setTime(store.at);
  incidents.setTime(store.at);
  contacts.setTime(store.at);
  loadVessels();
  loadTrails();
  if (store.selected) select(store.selected);
}

// ---- popovers, settings ----

function openPopover(id: string, open: boolean): void {
  const el = $(id);
  el.hidden = !open;
  $(`${id}-btn`).setAttribute('aria-expanded', String(open));
  if (open) {
    for (const other of ['filters', 'settings']) {
      if (other !== id) openPopover(other, false);
    }
    zoneEditor.setOpen(false);
    layerControl.setOpen(false);
  }
}

function wireUI() {
  wireToolbar();
  buildCategoryList();
  layerControl.wire();
  measure.wire();
  table.wire();
  $('trail-minutes').addEventListener('change', loadTrails);
  events.wire();
  zoneEditor.wire();
  incidents.wire();
  sharing.wire();
  contacts.wire();
  $('events-btn').addEventListener('click', () => {
    if (events.open) {
      zoneEditor.setOpen(false);
      incidents.setOpen(false);
      sharing.setOpen(false);
    }
  });
  for (const id of ['filters', 'settings']) {
    $(`${id}-btn`).addEventListener('click', () => openPopover(id, !!$(id).hidden));
  }
  $<HTMLInputElement>('token').value = api.getToken();
  $('token-save').addEventListener('click', () => {
    api.setToken($<HTMLInputElement>('token').value.trim());
    openPopover('settings', false);
    loadVessels();
    loadSession();
  });
  $('token-clear').addEventListener('click', () => {
    $<HTMLInputElement>('token').value = '';
    api.setToken('');
    loadVessels();
    loadSession();
  });

  const input = $('search');
  input.addEventListener('input', debounce(search, 200));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      const first = $('search-results').querySelector('button');
      if (first && !$('search-results').hidden) first.click();
      else search();
    } else if (e.key === 'ArrowDown') {
      $('search-results').querySelector('button')?.focus();
      e.preventDefault();
    }
  });
  listKeys($('search-results'), 'button[data-mmsi]', { before: () => input });

  $('panel-close').addEventListener('click', deselect);
  $('track-window').addEventListener('change', loadTrack);

  const slider = $<HTMLInputElement>('time-slider');
  const apply = debounce(applyTime, 300);
  slider.addEventListener('input', () => {
    store.slide(Date.now());
    updateTimeLabel();
    apply();
  });
  $('live-btn').addEventListener('click', goLive);

  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      // In a details panel, Escape closes that panel only, and the focus
      // goes back to where it came from.
      if (panelFocus.contains(e.target)) {
        deselect();
        return;
      }
      if (contacts.focus.contains(e.target)) {
        contacts.close();
        return;
      }
      hideResults();
      openPopover('filters', false);
      openPopover('settings', false);
      if (!$('layers').hidden) {
        layerControl.setOpen(false);
        $('layers-btn').focus();
      }
      if (table.open && !(e.target instanceof Element && e.target.closest('#table input'))) table.setOpen(false);
      return;
    }
    // Shortcuts, outside text fields: T the table, L the layers, E the
    // events (M, measuring, is measure.js's; A, the anchorage nearest the
    // centre, anchoragepanel.ts's).
    if (e.ctrlKey || e.metaKey || e.altKey || (e.target instanceof Element && e.target.closest('input, select, textarea'))) return;
    const k = e.key.toLowerCase();
    if (k === 't') table.setOpen(!table.open);
    else if (k === 'l') {
      layerControl.setOpen(!!$('layers').hidden);
      if (!$('layers').hidden) $('layer-list').querySelector<HTMLElement>('input:not([disabled])')?.focus();
    } else if (k === 'e') $('events-btn').click();
  });
  document.addEventListener('click', (e) => {
    if (!(e.target instanceof Element && e.target.closest('.search'))) hideResults();
  });
}

// ---- start ----

store.subscribe('selection', showSelection);
store.subscribe('filter', applyFilter);
store.subscribe('time', showTime);
wireUI();
updateTimeLabel();

const hover = h('div', { class: 'hover', hidden: true });
document.body.append(hover);

map.on('load', () => {
  addLayers();
  map.on('click', clickMap);
  map.on('mousemove', (e) => {
    // (not while the map moves: a drag would query every layer under the
    // pointer at each step, for a box that hides at once)
    if (zoneEditor.drawing || incidents.placing || measure.active || map.isMoving()) {
      hover.hidden = true;
      return;
    }
    const t = hoverText(e.point);
    map.getCanvas().style.cursor = t?.pointer ? 'pointer' : '';
    if (!t) {
      hover.hidden = true;
      return;
    }
    hover.textContent = t.text;
    hover.style.left = `${e.point.x + 14}px`;
    hover.style.top = `${e.point.y + 14}px`;
    hover.hidden = false;
  });
  map.getCanvas().addEventListener('mouseleave', () => {
    map.getCanvas().style.cursor = '';
    hover.hidden = true;
  });
  map.on(
    'moveend',
    debounce(() => {
      if (!loadedCoversView()) loadVessels();
    }, 250),
  );
  map.on('moveend', debounce(loadTrails, 500));
  map.on('moveend', debounce(() => contacts.load(), 500));
  loadLand();
  loadVessels();
  events.load();
  events.loadZones();
  incidents.load();
  loadSession();
  loadHistory();
  contacts.load();
  anchorages.load();
});

// Ages move on: refade stale ships and refresh the panel's report age.
setInterval(() => {
  if (store.live) {
    updateTimeLabel();
    if (store.selected && store.detail) renderPanel(store.detail, panelView());
  }
}, 5000);
setInterval(() => {
  if (store.live && state.loaded) {
    state.fullRender = true; // stale ships fade
    scheduleRender();
  }
}, 30000);
setInterval(() => {
  if (store.live && store.selected) loadTrack();
}, 60000);
setInterval(() => {
  if (store.live) loadHistory();
  if (anchorages.available !== false) anchorages.load();
}, 300000);
setInterval(() => {
  if (store.live) loadTrails();
}, 60000);
setInterval(() => {
  if (!events.window) events.load();
}, 30000);
// Contacts older than 10 min (data time) leave the map; links follow ships.
setInterval(() => {
  if (store.live && contacts.available) contacts.render();
}, 15000);

// Test hook for the browser tests. It reads state only: the ships drawn
// where the map can be clicked (not under a panel, the legend or a
// notification), in page coordinates. It reads the map only when it is
// settled (shipsSettled); otherwise, or if MapLibre still refuses the
// query, it returns its last reading of a settled map.
function renderedShips(): ShipOnScreen[] {
  if (!shipsSettled()) return state.shipsRead;
  const rect = map.getCanvas().getBoundingClientRect();
  const seen = new Map<string, ShipOnScreen | null>();
  let features: MapGeoJSONFeature[];
  try {
    features = map.queryRenderedFeatures({ layers: shipLayers() });
  } catch {
    return state.shipsRead;
  }
  for (const f of features) {
    const mmsi = prop(f, 'mmsi');
    if (seen.has(mmsi)) continue;
    const p = map.project(pointOf(f));
    const x = rect.left + p.x;
    const y = rect.top + p.y;
    seen.set(mmsi, document.elementFromPoint(x, y)?.classList.contains('maplibregl-canvas') ? { mmsi, x, y } : null);
  }
  state.shipsRead = [...seen.values()].filter((s): s is ShipOnScreen => s != null);
  return state.shipsRead;
}

// shipsSettled: a frame has placed and drawn the ships source's tiles
// since their data last changed, and the view stands still.
function shipsSettled(): boolean {
  return !!map.getLayer('ships') && state.shipsDrawn && !map.isMoving();
}

// renderedPoints lists the point features of a layer drawn in view, once
// per key, in page coordinates.
function renderedPoints(layer: string, key: string): ({ x: number; y: number } & Record<string, string | number>)[] {
  if (!map.getLayer(layer)) return [];
  const rect = map.getCanvas().getBoundingClientRect();
  const seen = new Map<string, { x: number; y: number } & Record<string, string | number>>();
  let features: MapGeoJSONFeature[];
  try {
    features = map.queryRenderedFeatures({ layers: [layer] });
  } catch {
    return []; // the source is being replaced (see renderedShips); a poll asks again
  }
  for (const f of features) {
    const k = prop(f, key);
    if (seen.has(k)) continue;
    const p = map.project(pointOf(f));
    seen.set(k, { [key]: k, x: rect.left + p.x, y: rect.top + p.y });
  }
  return [...seen.values()];
}

window.__tidewatch = Object.freeze({
  loaded: () => state.loaded && map.loaded(),
  shipCount: () => (map.getLayer('ships') ? renderedShips().length : 0),
  vesselCount: () => store.vessels.size,
  renderedShips: () => (map.getLayer('ships') ? renderedShips() : []),
  selected: () => store.selected,
  trackFeatureCount: () => state.trackFeatures,
  renderedTrackCount: () =>
    map.getLayer('track-line') ? map.queryRenderedFeatures({ layers: ['track-line', 'track-points'] }).length : 0,
  // idle: the map stands still, so that drawn positions can be clicked.
  // (map.loaded() is rarely true: live updates keep reloading the ships.)
  idle: () => !!map.getLayer('ships') && !map.isMoving(),
  // settled: idle, and the ships source has drawn what it was given.
  settled: () => !!map.getLayer('ships') && !map.isMoving() && !state.renderPending && map.isSourceLoaded('ships'),
  // shipsSettled: a frame has placed and drawn the ships' tiles since
  // their data last changed, so that renderedShips reads the map as
  // drawn; shipFrames counts the first such frame after each change of
  // the tiles (a wait for "shipFrames() > n && shipsSettled()" sees the
  // ships drawn from data newer than when shipFrames() was n).
  shipsSettled: () => shipsSettled(),
  shipFrames: () => state.shipFrames,
  // mapFrames: the frames MapLibre has rendered.
  mapFrames: () => state.mapFrames,
  mode: () => store.mode,
  landFeatureCount: () => state.landFeatures,
  basemap: () => state.basemap || null,
  // basemapAt lists the basemap layers (bm-*) rendered at a page point.
  basemapAt: (x: number, y: number) => {
    const rect = map.getCanvas().getBoundingClientRect();
    const ids = (state.basemap?.mapLayers || []).filter((id) => map.getLayer(id));
    return ids.length ? [...new Set(map.queryRenderedFeatures([x - rect.left, y - rect.top], { layers: ids }).map((f) => f.layer.id))] : [];
  },
  basemapFeatureCount: (id: string) => (map.getLayer(id) ? map.queryRenderedFeatures({ layers: [id] }).length : 0),
  portLabels: () => (state.portLabels ? state.portLabels.drawn.map((d) => ({ ...d })) : []),
  updateCount: () => store.updates,
  // renders: renders of the whole picture (after a load; diffLoads of
  // them sent only what changed), of the stream's changes, and the ships
  // sent to the source and not sent (drawn as they were).
  renders: () => ({ full: state.fullRenders, diff: state.diffRenders, diffLoads: state.diffLoads, sent: state.sent, same: state.same }),
  // reloadVessels (an action) loads the picture in view again, as a move
  // out of the area loaded does (e2e/perf.mjs times it).
  reloadVessels: () => loadVessels(),
  dots: () => state.dots,
  // shipLayerCounts: the ships each ship layer draws in view (icons,
  // dots); dotColours the dots layer's colour of each category.
  shipLayerCounts: () => {
    const n = (id: string) => (map.getLayer(id) ? new Set(map.queryRenderedFeatures({ layers: [id] }).map((f) => prop(f, 'mmsi'))).size : 0);
    return { icons: n('ships'), dots: n(SHIP_DOTS) };
  },
  dotColours: () => {
    const m = map.getLayer(SHIP_DOTS) ? (map.getPaintProperty(SHIP_DOTS, 'circle-color') as unknown[]) : [];
    const out: Record<string, string> = {};
    for (let i = 2; i + 1 < m.length; i += 2) out[String(m[i])] = String(m[i + 1]);
    return out;
  },
  lastLoad: () => state.lastLoad && { ...state.lastLoad, ms: state.lastLoad.ms && { ...state.lastLoad.ms } },
  eventCount: () => events.byId.size,
  eventRows: () => events.rows,
  // eventRowRenders counts event rows whose content was written; with
  // renderEvents (an action: render the list again, as a refresh does) it
  // shows that rows already listed are kept, not rebuilt.
  eventRowRenders: () => events.rowRenders,
  renderEvents: () => events.render(),
  renderedEventCount: () => events.renderedCount(),
  renderedEvents: () => renderedPoints('event-circles', 'id'),
  streamedEventCount: () => events.streamed,
  selectedEvent: () => events.selected,
  zoneFeatureCount: () => events.zones.features.length,
  renderedZoneCount: () => events.renderedZoneCount(),
  eventsWindow: () => events.window && { from: iso(events.window.from), to: iso(events.window.to) },
  eventsLoaded: () => events.loaded,
  session: () => state.session && { ...state.session },
  zoneEditing: () => zoneEditor.enabled,
  zoneEditorMode: () => zoneEditor.mode,
  zoneCorners: () => zoneEditor.corners.map((c) => [...c]),
  zoneNames: () => events.zones.features.map((f) => f?.properties?.name ?? null),
  renderedZoneNames: () =>
    map.getLayer('zones-fill') ? [...new Set(map.queryRenderedFeatures({ layers: ['zones-fill'] }).map((f) => f.properties.name))] : [],
  // unproject turns a point of the page into [lng, lat].
  unproject: (x: number, y: number) => {
    const rect = map.getCanvas().getBoundingClientRect();
    const ll = map.unproject([x - rect.left, y - rect.top]).wrap();
    return [ll.lng, ll.lat];
  },
  hoverText: () => (hover.hidden ? null : hover.textContent),
  incidentCount: () => incidents.byId.size,
  incidentRows: () => incidents.rows,
  // incidentRowRenders counts incident rows whose content was written;
  // with reloadIncidents (an action: load the list again, as the minute's
  // refresh does) it shows that rows already listed are kept.
  incidentRowRenders: () => incidents.rowRenders,
  reloadIncidents: () => incidents.load(),
  history: () => state.history && { ...state.history },
  // labels: the ship names placed in the last frame, page coordinates.
  labels: () => {
    const r = map.getCanvas().getBoundingClientRect();
    return labels.placed.map((l) => ({ ...l, x: l.x + r.left, y: l.y + r.top }));
  },
  trackMarks: () => ({ set: state.trackMarks, drawn: labels.placedMarks }),
  // labelsExact: the last frame's labels were placed beside the ships
  // where that frame drew them (no position given was still untiled).
  labelsExact: () => state.labelsExact,
  // shipAt: where a ship was last given to the ships source and where its
  // tiles show it (the labels follow that), page coordinates, or null.
  shipAt: (mmsi: string) => {
    const r = map.getCanvas().getBoundingClientRect();
    const page = (at: [number, number] | undefined) => {
      if (!at) return null;
      const p = map.project(at);
      return { lon: at[0], lat: at[1], x: r.left + p.x, y: r.top + p.y };
    };
    return { given: page(state.at.given(mmsi)), shown: page(state.at.shown(mmsi)) };
  },
  layerVisible: (id: string) => layerControl.visible(id),
  layerEntries: () => [...layerControl.entries.values()].map((e) => ({ id: e.id, available: e.available !== false, visible: layerControl.visible(e.id) })),
  mapLayerVisibility: (id: string) => (map.getLayer(id) ? map.getLayoutProperty(id, 'visibility') ?? 'visible' : null),
  trailCount: () => state.trails,
  renderedTrailCount: () => (map.getLayer('trails-line') ? map.queryRenderedFeatures({ layers: ['trails-line'] }).length : 0),
  measure: () => measure.result(),
  project: (lng: number, lat: number) => {
    const r = map.getCanvas().getBoundingClientRect();
    const p = map.project([lng, lat]);
    return [p.x + r.left, p.y + r.top];
  },
  table: () => ({ open: table.open, rows: table.rows, total: table.total, rowRenders: table.rowRenders, sortKey: table.sortKey, sortDir: table.sortDir, lastExport: table.lastExport }),
  tableCSV: () => table.csv().text,
  shownVessels: () => [...shipsShown()].map((v) => v.mmsi),
  notifications: () => ({ shown: notifier.shown, dropped: notifier.dropped }),
  incidentsLoaded: () => incidents.loaded,
  incidentMode: () => incidents.mode,
  selectedIncident: () => incidents.selected,
  incidentPlacing: () => incidents.form?.place ?? '',
  incidentDraftPoint: () => (incidents.form?.point ? [...incidents.form.point] : null),
  renderedIncidentCount: () => incidents.renderedCount(),
  renderedIncidents: () => renderedPoints('incident-points', 'id'),
  renderedIncidentIds: () =>
    map.getLayer('incident-points')
      ? [...new Set(map.queryRenderedFeatures({ layers: ['incident-points', 'incident-areas-fill'] }).map((f) => f.properties.id))]
      : [],
  incidentExport: () => incidents.lastExport && { ...incidents.lastExport },
  // center: the map's centre, [lng, lat], and its zoom.
  view: () => ({ center: map.getCenter().toArray(), zoom: map.getZoom(), moving: map.isMoving() }),
  // shipsNear lists the ships whose drawing reaches within r pixels of a
  // page point, where a click measures them (page coordinates), nearest
  // first: with r = 10, the ships a click there chooses from. lastClick is the last click on
  // the map (page coordinates), the ships within its reach and what it
  // opened (an MMSI, "contact KEY", or "" for no ship or contact).
  shipsNear: (x: number, y: number, r: number) => {
    const rect = map.getCanvas().getBoundingClientRect();
    return shipsWithin({ x: x - rect.left, y: y - rect.top }, r).map((s) => ({ ...s, x: s.x + rect.left, y: s.y + rect.top }));
  },
  lastClick: () => {
    const c = state.lastClick;
    if (!c) return null;
    const rect = map.getCanvas().getBoundingClientRect();
    const page = (s: { x: number; y: number }) => ({ x: s.x + rect.left, y: s.y + rect.top });
    return { ...page(c), ships: c.ships.map((s) => ({ ...s, ...page(s) })), opened: c.opened };
  },
  hoverElements: () => hover.children.length,
  // sharing: the state of the sharing panel.
  // contacts: the radar and satellite layers' state; renderedContacts the
  // contacts drawn in view (page coordinates) with their sensor and status.
  contacts: () => contacts.state(),
  renderedContacts: () =>
    CONTACT_LAYERS.flatMap((l) => renderedPoints(l, 'key')).map((p) => {
      const c = contacts.byKey.get(String(p.key));
      return c ? { ...p, sensor: c.sensor, dark: c.dark, mmsi: c.mmsi } : p;
    }),
  pickContact: (key: string) => contacts.pick(key),
  // anchorages: the learned anchorages layer's state.
  anchorages: () => ({ available: anchorages.available, count: anchorages.count, loads: anchorages.loads, rendered: anchorages.renderedCount(), selected: anchoragePanel.selected, opens: anchoragePanel.opens }),
  sharing: () => ({
    enabled: sharing.enabled,
    open: sharing.open,
    view: sharing.view,
    partnerLoads: sharing.partnerLoads,
    partnersState: sharing.partnersState,
    auditLoads: sharing.auditLoads,
    auditLoaded: sharing.auditLoaded,
    auditRows: sharing.auditRows,
    auditQuery: sharing.auditQuery,
  }),
});
