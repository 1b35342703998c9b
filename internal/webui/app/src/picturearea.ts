// The area the live picture is loaded for. A pan inside it needs no
// reload (the stream keeps it current); a pan out of it reloads the
// picture in view, which at 20,000 ships costs the page and MapLibre's
// worker more than the pan itself (e2e/perf.mjs --trace: loading,
// preparing and re-tiling the answer was most of the map's main-thread
// JavaScript during a drag). So the area is the view and a margin of a
// quarter of it on each side, and the whole world when that margin would
// reach half of the longitudes: at a world view every longitude is in
// view anyway, and a drag up or down no longer leaves the latitudes
// loaded.

// Area is a box in degrees (w < e unless it is the world) and the zoom
// it was loaded at; world: every longitude and latitude.
export interface Area {
  w: number;
  s: number;
  e: number;
  n: number;
  zoom: number;
  world: boolean;
}

// MARGIN is the margin on each side, as a fraction of the view.
export const MARGIN = 0.25;

// WORLD_SPAN is the longitudes (view and margins) from which the whole
// world is loaded.
export const WORLD_SPAN = 180;

// ZOOM_SLACK is how far the zoom may move from the one the area was
// loaded at before the picture is loaded again (icons or dots, and what a
// quarter pixel is, follow the zoom).
export const ZOOM_SLACK = 0.5;

// pictureArea is the area to load for a view (its west, south, east and
// north edges in degrees; west may be greater than east across the
// antimeridian, and a view wider than the world has edges beyond ±180).
export function pictureArea(view: { w: number; s: number; e: number; n: number }, zoom: number): Area {
  let { w, s, e, n } = view;
  if (e < w) e += 360; // across the antimeridian
  const dx = (e - w) * MARGIN;
  const dy = (n - s) * MARGIN;
  w -= dx;
  e += dx;
  if (e - w >= WORLD_SPAN) return { w: -180, s: -90, e: 180, n: 90, zoom, world: true };
  s = Math.max(-90, s - dy);
  n = Math.min(90, n + dy);
  if (w < -180 || e > 180) {
    // (the API's bbox does not wrap: every longitude, these latitudes)
    w = -180;
    e = 180;
  }
  return { w, s, e, n, zoom, world: false };
}

// bboxOf is an area as the API's bbox parameter.
export function bboxOf(a: Area): string {
  return [a.w, a.s, a.e, a.n].map((x) => x.toFixed(4)).join(',');
}

// covers tells whether an area loaded holds a view: a world area every
// view that would load the world again; any other the view inside it at
// about the zoom it was loaded at.
export function covers(loaded: Area, view: { w: number; s: number; e: number; n: number }, zoom: number): boolean {
  if (loaded.world) return pictureArea(view, zoom).world;
  if (Math.abs(zoom - loaded.zoom) > ZOOM_SLACK) return false;
  const lonInside = loaded.w <= -180 && loaded.e >= 180 ? true : view.w >= loaded.w && view.e <= loaded.e && view.w <= view.e;
  return lonInside && view.s >= loaded.s && view.n <= loaded.n;
}
