// The live stream's batches (GET /api/v1/stream?batch=): the updates,
// events and contacts of a window of the node's stream in one message,
// so that the page parses one JSON text and applies the window's vessel
// updates in one state update (and draws them with one source update)
// instead of handling hundreds of messages a second at 20,000 ships.
// Pure: no DOM, no map (test/streambatch.test.mjs).
import type { MapState } from './state.js';
import type { StreamBatch, Summary } from './api.js';
import type { Vessel } from './vessel.js';

// renderDelay is how often, at most, the page draws the stream's changes
// to a picture of n ships (ms): longer as the picture grows (each redraw
// re-tiles the ships source and repaints every ship: at 50,000 ships
// that, not the updates, is the cost; e2e/perf.mjs), at most 1 s.
export function renderDelay(n: number): number {
  return n <= 5000 ? 250 : n <= 20000 ? 500 : 1000;
}

// batchWindow is the window the page asks the stream for (its batch
// parameter): the render delay, so that the node sends the changes about
// as often as the page would draw them.
export function batchWindow(n: number): string {
  return `${renderDelay(n)}ms`;
}

// Applied is what a batch changed: the MMSIs of the vessels it updated
// (each once; to draw) and the stream's resume point after it.
export interface Applied {
  changed: string[];
  seq: number | null;
}

// applyBatch applies a batch's vessel updates, each prepared by prepare
// (a summary to a vessel received now), in one state update (in a past
// view none is applied). Entries without an MMSI (a malformed batch) are
// left out; the events and contacts are the caller's.
export function applyBatch(store: MapState, b: StreamBatch, prepare: (u: Summary) => Vessel): Applied {
  const seq = typeof b?.seq === 'number' ? b.seq : null;
  const list = Array.isArray(b?.updates) ? b.updates : [];
  const vs: Vessel[] = [];
  for (const u of list) if (u && typeof u === 'object' && u.mmsi != null) vs.push(prepare(u));
  return { changed: store.updateAll(vs), seq };
}
