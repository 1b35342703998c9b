// The pure part of the radar and satellite layers (contacts.js): checking
// a contact of GET /api/v1/contacts or of the stream's "contact" event,
// keying it (a radar track, or one satellite detection), keeping the
// newest report per key, choosing the contacts current at a moment, the
// map features, and the rows of the details panel. No DOM, no map: unit
// tested with node --test (test/contacts.test.mjs).
import * as fmt from './format.js';
import type { Contact } from './api.js';
import type { Feature, LineString, Point } from 'geojson';

// Known is a checked contact: the API's, with its time in ms (t), its key,
// and the MMSI as a string (null when no vessel explains it).
export type Known = Omit<Contact, 'mmsi'> & { mmsi: string | null; t: number; key: string; dark: boolean; doubtful: boolean; held: boolean };

// Sensor is a contact's sensor.
export type Sensor = Contact['sensor'];

// CURRENT_MS is how long a contact stays on the map after its last report
// (data time), as the API's current contacts (10 minutes).
export const CURRENT_MS = 10 * 60e3;

// SENSORS are the sensors the API names, with the layer entry's label.
export const SENSORS: [Sensor, string][] = [
  ['radar', 'Radar contacts'],
  ['satellite', 'Satellite detections'],
];

const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/**
 * normalize checks a contact as the API sends it and returns a copy with
 * t (its time in ms) and key, or null when it is not one: no valid time,
 * position or sensor.
 */
export function normalize(v: unknown): Known | null {
  if (!v || typeof v !== 'object') return null;
  const c = v as Contact;
  const t = Date.parse(c.time ?? '');
  if (Number.isNaN(t) || !finite(c.lat) || !finite(c.lon) || Math.abs(c.lat) > 90 || Math.abs(c.lon) > 180) return null;
  if (c.sensor !== 'radar' && c.sensor !== 'satellite') return null;
  const mmsi = c.mmsi == null || c.mmsi === 0 ? null : String(c.mmsi);
  const out: Known = { ...c, mmsi, t, dark: c.dark === true, doubtful: c.doubtful === true, held: c.held === true, key: '' };
  out.key = key(out);
  return out;
}

// key names what a contact is a report of: a radar track (the associator's
// track number, unique and never recycled; else the radar's target number
// at its source), or a satellite detection (one per scene and place).
export function key(c: Pick<Contact, 'sensor' | 'track' | 'source' | 'target' | 'lat' | 'lon' | 'time' | 'scene'>): string {
  if (c.sensor === 'radar') {
    if (c.track) return `radar:${c.source ?? ''}:#${c.track}`;
    return `radar:${c.source ?? ''}:${c.target ?? `${c.lat},${c.lon},${c.time}`}`;
  }
  return `satellite:${c.source ?? ''}:${c.scene ?? ''}:${c.lat},${c.lon},${c.time}`;
}

/**
 * merge adds contacts (already normalized) to byKey, keeping the newest
 * report of each key, and returns how many changed it.
 */
export function merge(byKey: Map<string, Known>, list: (Known | null)[]): number {
  let n = 0;
  for (const c of list) {
    if (!c) continue;
    const old = byKey.get(c.key);
    if (old && old.t > c.t) continue;
    byKey.set(c.key, c);
    n++;
  }
  return n;
}

/**
 * current returns the contacts of byKey seen in the CURRENT_MS up to ref
 * (ms): the newest report of each at or before ref, none older. With ref
 * null, ref is the newest contact's time (data time, as the API counts).
 */
export function current(contacts: Iterable<Known>, ref: number | null): Known[] {
  const list = [...contacts];
  const at = ref ?? list.reduce((m, c) => Math.max(m, c.t), -Infinity);
  return list.filter((c) => c.t <= at && c.t > at - CURRENT_MS);
}

// status says how a contact stands with the AIS picture: 'assoc' (an AIS
// vessel explains it), 'dark' (none does), or 'doubtful' (a satellite
// detection with a low presence score and no vessel).
export function status(c: Pick<Known, 'mmsi' | 'dark'>): 'assoc' | 'dark' | 'doubtful' {
  if (c.mmsi) return 'assoc';
  return c.dark ? 'dark' : 'doubtful';
}

// iconName is the map image of a contact: the sensor's shape (radar a
// diamond, satellite a triangle), by status.
export function iconName(c: Pick<Known, 'sensor' | 'mmsi' | 'dark'>): string {
  return `contact-${c.sensor}-${status(c)}`;
}

/**
 * feature is the map feature of a contact.
 */
export function feature(c: Known): Feature<Point> {
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [c.lon, c.lat] },
    properties: { key: c.key, sensor: c.sensor, status: status(c), icon: iconName(c), mmsi: c.mmsi ?? '' },
  };
}

/**
 * link is the line from an associated contact to its vessel's position
 * ([lon, lat]), or null.
 */
export function link(c: Known, at: [number, number] | null | undefined): Feature<LineString> | null {
  if (!c.mmsi || !at) return null;
  return {
    type: 'Feature',
    geometry: { type: 'LineString', coordinates: [[c.lon, c.lat], at] },
    properties: { key: c.key, sensor: c.sensor, mmsi: c.mmsi },
  };
}

// sensorLabel names the sensor of a contact.
export function sensorLabel(c: { sensor: string; }) {
  return c.sensor === 'radar' ? 'Radar' : 'Satellite';
}

/**
 * rows are the details panel's fields of a contact: [field, label, value]
 * with values as text. view is {ref, live} as for the vessel panel;
 * vesselName names an MMSI when the picture knows it.
 */
export function rows(c: Known, view: { ref: number; live: boolean }, vesselName?: (mmsi: string) => string | null): [string, string, string][] {
  const rel = fmt.relAge(c.t, view.ref, view.live);
  const out: [string, string, string][] = [
    ['sensor', 'Sensor', sensorLabel(c)],
    ['source', 'Source', fmt.text(c.source)],
  ];
  if (c.sensor === 'radar') {
    out.push(['target', 'Target', fmt.text(c.target)]);
    const track = c.track ? `#${c.track}${c.confirmed ? ', confirmed' : ', tentative'}` : fmt.DASH;
    out.push(['track', 'Radar track', track]);
  } else {
    out.push(['scene', 'Scene', fmt.text(c.scene)]);
  }
  out.push(
    ['time', 'Time', rel ? `${fmt.time(c.time)} \u00b7 ${rel}` : fmt.time(c.time)],
    ['position', 'Position', fmt.position(c.lat, c.lon)],
  );
  if (finite(c.speed_kn)) out.push(['motion', 'Speed, course', `${fmt.num(c.speed_kn, 1, ' kn')}, ${fmt.num(c.course_deg, 0, '\u00b0')}`]);
  out.push(['length', 'Length', c.length_m != null && finite(c.length_m) && c.length_m > 0 ? `${Math.round(c.length_m)} m` : 'unknown']);
  let assoc;
  if (c.mmsi) {
    const name = vesselName?.(c.mmsi);
    assoc = `${name ? `${name} (MMSI ${c.mmsi})` : `MMSI ${c.mmsi}`}, score ${fmt.num(c.score, 2)}${c.held ? ', held by radar (AIS silent)' : ''}`;
  } else if (c.dark) assoc = `none: dark (no AIS vessel explains it), score ${fmt.num(c.score, 2)}`;
  else assoc = 'none: doubtful detection (low presence score)';
  out.push(['association', 'AIS vessel', assoc]);
  if (c.episode) out.push(['episode', 'Dark target', String(c.episode)]);
  const cands = Array.isArray(c.candidates) ? c.candidates : [];
  out.push([
    'candidates',
    'Candidates',
    cands.length
      ? cands
          .slice(0, 5)
          .map((k) => `${k.mmsi} (${fmt.num(k.distance_m, 0, ' m')}, score ${fmt.num(k.score, 2)})`)
          .join('; ')
      : 'none in range',
  ]);
  return out;
}

/**
 * counts tells how many contacts there are per sensor and status, for the
 * legend and the layer control.
 */
export function counts(contacts: Iterable<Known>): { radar: number; satellite: number; dark: number; assoc: number } {
  const n = { radar: 0, satellite: 0, dark: 0, assoc: 0 };
  for (const c of contacts) {
    n[c.sensor]++;
    const s = status(c);
    if (s === 'dark' || s === 'assoc') n[s]++;
  }
  return n;
}
