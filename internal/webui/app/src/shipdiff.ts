// Which ships the map must hand to MapLibre again. Each feature given to
// the ships source is re-tiled in MapLibre's worker (every tile it falls
// on is cut and uploaded again), so a ship whose drawing would not change
// is not sent: its position moved less than a fraction of a pixel at the
// zoom drawn, and nothing it is drawn or filtered by changed (in dots
// mode the icon and course are not drawn). At a world view with 50,000
// ships a report moves a ship a few metres against tens of kilometres a
// pixel, so almost no update of the stream, and little of a reload,
// reaches the worker. Pure: no DOM, no map.
import type { Feature, Point } from 'geojson';

// DOTS_ABOVE: with more ships than this loaded, they are drawn as dots
// (main.ts, the ships-dots layer; the legend says so).
export const DOTS_ABOVE = 5000;

// ShipProps are what a ship is drawn and filtered by.
export interface ShipProps {
  mmsi: string;
  icon: string;
  rot: number;
  cat: string;
  flag: string;
  stale: number;
}

// ShipFeature is a feature of the ships source (its id the MMSI).
export type ShipFeature = Feature<Point, ShipProps> & { id: number };

// TOLERANCE_PX: a ship moved less than this many pixels is drawn where it
// was.
export const TOLERANCE_PX = 0.25;

// worldPx is the width of the world in pixels at a zoom (512 px tiles).
function worldPx(zoom: number): number {
  return 512 * 2 ** zoom;
}

// mercY is a latitude's Web Mercator y, 0 at the equator, ±π at ±85.05°.
function mercY(lat: number): number {
  const phi = (Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180;
  return Math.log(Math.tan(Math.PI / 4 + phi / 2));
}

// movedPx is how many pixels apart two [lon, lat] points are drawn at a
// zoom (the shorter way round in longitude).
export function movedPx(a: number[], b: number[], zoom: number): number {
  let dlon = Math.abs(a[0] - b[0]);
  if (dlon > 180) dlon = 360 - dlon;
  const w = worldPx(zoom);
  const dx = (dlon / 360) * w;
  const dy = ((mercY(a[1]) - mercY(b[1])) / (2 * Math.PI)) * w;
  return Math.hypot(dx, dy);
}

// sameDrawing says whether feature b would be drawn as a is at a zoom: in
// dots mode by category, flag and staleness, else also by icon and
// course (to the degree), and within TOLERANCE_PX of where a is.
export function sameDrawing(a: ShipFeature, b: ShipFeature, zoom: number, dots: boolean): boolean {
  const p = a.properties;
  const q = b.properties;
  if (p.cat !== q.cat || p.flag !== q.flag || p.stale !== q.stale) return false;
  if (!dots && (p.icon !== q.icon || Math.round(p.rot) !== Math.round(q.rot))) return false;
  return movedPx(a.geometry.coordinates, b.geometry.coordinates, zoom) < TOLERANCE_PX;
}

// ShipDiff is what to send to the ships source: the ids to remove and the
// features to add (a changed ship is both), and how many were the same.
export interface ShipDiff {
  remove: number[];
  add: ShipFeature[];
  same: number;
}

// diffShips compares the features drawn (by id) with the picture now:
// next lists every ship that should be drawn. Ships drawn and not in
// next are removed.
export function diffShips(drawn: Map<number, ShipFeature>, next: ShipFeature[], zoom: number, dots: boolean): ShipDiff {
  const remove: number[] = [];
  const add: ShipFeature[] = [];
  let same = 0;
  const seen = new Set<number>();
  for (const f of next) {
    seen.add(f.id);
    const d = drawn.get(f.id);
    if (d && sameDrawing(d, f, zoom, dots)) {
      same++;
      continue;
    }
    if (d) remove.push(f.id);
    add.push(f);
  }
  for (const id of drawn.keys()) if (!seen.has(id)) remove.push(id);
  return { remove, add, same };
}

// changedShips is diffShips for some ships only (the stream's changes):
// changed maps each id to its feature now, or null when it is no longer
// drawn.
export function changedShips(drawn: Map<number, ShipFeature>, changed: Map<number, ShipFeature | null>, zoom: number, dots: boolean): ShipDiff {
  const remove: number[] = [];
  const add: ShipFeature[] = [];
  let same = 0;
  for (const [id, f] of changed) {
    const d = drawn.get(id);
    if (f && d && sameDrawing(d, f, zoom, dots)) {
      same++;
      continue;
    }
    if (d) remove.push(id);
    if (f) add.push(f);
  }
  return { remove, add, same };
}

// worthDiffing says whether a diff is cheaper to send than the whole
// picture: setData re-tiles everything once, a diff only the tiles it
// touches but costs more per feature.
export function worthDiffing(d: ShipDiff, total: number): boolean {
  return d.add.length + d.remove.length <= total / 2;
}
