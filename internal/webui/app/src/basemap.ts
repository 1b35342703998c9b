// The basemap: Natural Earth land served by this server, drawn as a fill
// over a sea-coloured background.
import { ApiError, authHeaders } from './api.js';
import type { FeatureCollection, Position } from 'geojson';

// fetchLand loads /basemap/land.geojson. A body that is still gzip after
// the browser removed any Content-Encoding (a server that stores the file
// compressed and sends it as is) is unzipped here.
export async function fetchLand(): Promise<FeatureCollection> {
  let res: Response;
  try {
    res = await fetch(new URL('/basemap/land.geojson', location.origin), { headers: authHeaders() });
  } catch {
    throw new ApiError(0, 'network', 'basemap: server unreachable');
  }
  if (!res.ok) throw new ApiError(res.status, '', `basemap: ${res.status} ${res.statusText}`);
  let bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b && typeof DecompressionStream === 'function') {
    const unzipped = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    bytes = new Uint8Array(await new Response(unzipped).arrayBuffer());
  }
  return JSON.parse(new TextDecoder().decode(bytes));
}

// unwrapRing makes a ring's longitudes continuous where it crosses the
// antimeridian (an edge from 179.9 to -180 becomes one from 179.9 to 180), so
// that it is not drawn as a band across the whole world. Rings around a pole
// (Antarctica) are left alone: their long edges run along the pole, off the
// Mercator map.
export function unwrapRing(ring: Position[]): Position[] {
  let crosses = false;
  let south = 90;
  for (let i = 0; i < ring.length; i++) {
    south = Math.min(south, ring[i][1]);
    if (i > 0 && Math.abs(ring[i][0] - ring[i - 1][0]) > 180) crosses = true;
  }
  if (!crosses || south < -85) return ring;
  let shift = 0;
  const out = [ring[0]];
  for (let i = 1; i < ring.length; i++) {
    const d = ring[i][0] - ring[i - 1][0];
    if (d > 180) shift -= 360;
    else if (d < -180) shift += 360;
    out.push(shift ? [ring[i][0] + shift, ring[i][1]] : ring[i]);
  }
  return out;
}

// unwrapLand applies unwrapRing to every polygon of a FeatureCollection.
export function unwrapLand(fc: FeatureCollection): FeatureCollection {
  for (const f of fc.features || []) {
    const g = f && f.geometry;
    if (!g) continue;
    if (g.type === 'Polygon') g.coordinates = g.coordinates.map(unwrapRing);
    else if (g.type === 'MultiPolygon') g.coordinates = g.coordinates.map((p) => p.map(unwrapRing));
  }
  return fc;
}
