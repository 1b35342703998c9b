// The learned anchorages layer: the anchorages the node's event detection
// knows (given in its configuration and learned from where vessels stop;
// port visits are judged at them), from GET /api/v1/anchorages, drawn as
// small anchor rings from zoom 5 in; a click on one opens its panel
// (anchoragepanel.ts), and the one shown is ringed white. A node that
// does not detect events (501, 404) keeps the layer's entry disabled.
// Reloaded every 5 minutes: learning is slow.
import * as api from './api.js';
import type { AnchorageFeature } from './anchoragepanel.js';
import type { Map as MapLibre, GeoJSONSource } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] };
const COLOR = '#56B4E9'; // sky blue (Okabe–Ito), apart from the ship colours by its shape

// LAYERS are the MapLibre layers of the entry in the layer control.
export const ANCHORAGE_LAYERS = ['anchorages-ring', 'anchorages-dot', 'anchorages-selected'];

// AnchoragesPage is what the layer needs of the page.
export interface AnchoragesPage {
  onAvailable: (ok: boolean) => void;
  onError: (err: unknown) => void;
  // onLoad runs after each answer (the panel shows the new counts).
  onLoad?: () => void;
}

export class Anchorages {
  map: MapLibre;
  page: AnchoragesPage;
  /** null until the first answer */
  available: boolean | null = null;
  /** the anchorages of the last answer */
  count = 0;
  features: AnchorageFeature[] = [];
  loads = 0;

  constructor(map: MapLibre, page: AnchoragesPage) {
    this.map = map;
    this.page = page;
  }

  addLayers(): void {
    this.map.addSource('anchorages', { type: 'geojson', data: EMPTY });
    this.map.addLayer({
      id: 'anchorages-ring',
      type: 'circle',
      source: 'anchorages',
      minzoom: 5,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 5, 12, 11],
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': COLOR,
        'circle-stroke-width': 1.5,
        'circle-stroke-opacity': 0.85,
      },
    });
    this.map.addLayer({
      id: 'anchorages-dot',
      type: 'circle',
      source: 'anchorages',
      minzoom: 5,
      paint: { 'circle-radius': 2, 'circle-color': COLOR, 'circle-opacity': 0.85 },
    });
    this.map.addLayer({
      id: 'anchorages-selected',
      type: 'circle',
      source: 'anchorages',
      minzoom: 5,
      filter: ['==', ['get', 'id'], -1],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 8, 12, 15],
        'circle-color': 'rgba(0,0,0,0)',
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2.5,
      },
    });
  }

  // mark rings the anchorage with number id (null: none).
  mark(id: number | null): void {
    if (this.map.getLayer('anchorages-selected')) this.map.setFilter('anchorages-selected', ['==', ['get', 'id'], id ?? -1]);
  }

  async load(): Promise<void> {
    try {
      const body = await api.get('/api/v1/anchorages');
      const features = Array.isArray(body?.features) ? body.features.filter((f) => f?.geometry?.type === 'Point' && f.geometry.coordinates.length === 2) : [];
      this.features = features;
      this.count = features.length;
      this.loads++;
      this.map.getSource<GeoJSONSource>('anchorages')?.setData({ type: 'FeatureCollection', features });
      this.setAvailable(true);
      this.page.onLoad?.();
    } catch (err) {
      if (err instanceof api.ApiError && (err.status === 404 || err.status === 501)) {
        this.setAvailable(false);
        return;
      }
      this.page.onError(err);
    }
  }

  setAvailable(ok: boolean): void {
    if (this.available === ok) return;
    this.available = ok;
    this.page.onAvailable(ok);
  }

  // renderedCount is how many anchorages are drawn in view.
  renderedCount(): number {
    const layers = ANCHORAGE_LAYERS.filter((l) => this.map.getLayer(l));
    return layers.length ? new Set(this.map.queryRenderedFeatures({ layers }).map((f) => JSON.stringify(f.geometry.type === 'Point' ? f.geometry.coordinates : null))).size : 0;
  }
}

// describe is the hover text of an anchorage where vessels (its
// feature's property) were seen stopped.
export function describe(vessels: unknown): string {
  const n = Number(vessels);
  return Number.isFinite(n) && n > 0 ? `Anchorage \u00b7 ${n} vessel${n === 1 ? '' : 's'} seen stopped` : 'Anchorage';
}
