// Geometry on the sphere for the range-and-bearing tool and the cursor
// readout: great-circle distance in nautical miles, initial bearing in
// degrees true, and positions in degrees-minutes and decimal degrees.
// Pure functions of their arguments (unit-tested with node --test).

const EARTH_M = 6371008.8; // mean radius (IUGG)
const NM_M = 1852;
const RAD = Math.PI / 180;

// LngLat is a position, longitude first.
export type LngLat = [number, number];

/**
 * distanceNm is the great-circle (haversine) distance from a to b.
 * @param {LngLat} a
 * @param {LngLat} b
 * @returns {number} nautical miles
 */
export function distanceNm(a: LngLat, b: LngLat): number {
  const p1 = a[1] * RAD;
  const p2 = b[1] * RAD;
  const dp = p2 - p1;
  const dl = (b[0] - a[0]) * RAD;
  const s = Math.sin(dp / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
  return (2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(s)))) / NM_M;
}

/**
 * bearingTrue is the initial great-circle bearing from a to b.
 * @param {LngLat} a
 * @param {LngLat} b
 * @returns {number} degrees true, in [0, 360)
 */
export function bearingTrue(a: LngLat, b: LngLat): number {
  const p1 = a[1] * RAD;
  const p2 = b[1] * RAD;
  const dl = (b[0] - a[0]) * RAD;
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  const deg = Math.atan2(y, x) / RAD;
  const b360 = (deg + 360) % 360;
  return b360 >= 359.95 ? 0 : b360;
}

// dmPart formats one coordinate as degrees and decimal minutes, with the
// minutes rounded to three places and carried into the degrees.
function dmPart(v: number, width: number, pos: string, neg: string) {
  const hemi = v >= 0 ? pos : neg;
  let thousandths = Math.round(Math.abs(v) * 60000);
  const deg = Math.floor(thousandths / 60000);
  thousandths -= deg * 60000;
  const min = (thousandths / 1000).toFixed(3).padStart(6, '0');
  return `${String(deg).padStart(width, '0')}\u00b0 ${min}\u2032 ${hemi}`;
}

/**
 * dm formats a position in degrees and decimal minutes, as charts and
 * OpenCPN show it: "51° 36.000′ N 002° 12.000′ E".
 * @param {number} lat
 * @param {number} lon
 */
export function dm(lat: number, lon: number) {
  return `${dmPart(lat, 2, 'N', 'S')} ${dmPart(lon, 3, 'E', 'W')}`;
}

/**
 * decimal formats a position in decimal degrees, latitude first, five
 * places (about a metre): "51.60000, 2.20000".
 * @param {number} lat
 * @param {number} lon
 */
export function decimal(lat: number, lon: number) {
  return `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
}

/**
 * wrapLon brings a longitude into [-180, 180).
 * @param {number} lon
 */
export function wrapLon(lon: number) {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}
