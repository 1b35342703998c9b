// The vessels of the picture as the map holds them: the API's summary
// (api-types.d.ts) with the MMSI as a string (the key of every map and
// feature of the page) and when it was received, so that its age moves
// on between answers. Pure: no DOM, no map.
import type { Detail, Summary, SummaryFields, VesselColumns } from './api.js';

// Named drops a type's index signature, keeping its named fields.
type Named<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

// VesselFields are a summary's fields with the MMSI as a string; fields
// the document does not name (it allows them) stay unknown.
export type VesselFields = Omit<Named<SummaryFields>, 'mmsi'> & { mmsi: string; [key: string]: unknown };

// Vessel is a vessel of the picture: its summary, the client time it was
// received (_t0, ms) and its report's age then (_age0, s; Infinity when
// unknown).
export type Vessel = VesselFields & { _t0: number; _age0: number };

// VesselDetail is what the vessel panel shows: the summary, with the
// details of GET /api/v1/vessels/{mmsi} once they have come.
export type VesselDetail = VesselFields & Partial<Omit<Named<Detail>, 'mmsi' | keyof Named<SummaryFields>>> & { _t0?: number; _age0?: number };

// prepare turns a summary of the API into a Vessel received at
// receivedAt (client ms); now is the server's clock (ms), for a summary
// that carries a time but no age.
export function prepare(v: Summary, receivedAt: number, now: number): Vessel {
  let age0 = Infinity;
  if (typeof v.age_s === 'number') age0 = v.age_s;
  else if (v.time) age0 = (now - Date.parse(v.time)) / 1000;
  return { ...v, mmsi: String(v.mmsi), _t0: receivedAt, _age0: age0 };
}

// prepareColumns turns the compact picture of the API (format=compact:
// one array per field) into Vessels received at receivedAt (client ms).
// The fields the compact form leaves out (ship type, status, quality
// flags) are null or empty until the stream or the vessel's details
// bring them; a report's time is the answer's time less
// its age (to the second). Columns shorter than mmsi (a malformed
// answer) give missing values, never a crash.
export function prepareColumns(c: VesselColumns, receivedAt: number): Vessel[] {
  const ids = Array.isArray(c.mmsi) ? c.mmsi : [];
  const col = <T>(a: T[] | undefined): T[] => (Array.isArray(a) ? a : []);
  const lat = col(c.lat), lon = col(c.lon), sog = col(c.sog), cog = col(c.cog), heading = col(c.heading);
  const cat = col(c.category), flag = col(c.flag), age = col(c.age_s), name = col(c.name);
  const callsign = col(c.callsign), imo = col(c.imo);
  const t = Date.parse(c.time);
  const times = new Map<number, string | null>(); // ages repeat: one date each
  const timeOf = (a: number | null | undefined): string | null => {
    if (typeof a !== 'number' || Number.isNaN(t)) return null;
    let s = times.get(a);
    if (s === undefined) {
      s = new Date(t - a * 1000).toISOString();
      times.set(a, s);
    }
    return s;
  };
  const out: Vessel[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] == null) continue;
    const a = age[i];
    out.push({
      mmsi: String(ids[i]),
      name: name[i] ?? null,
      callsign: callsign[i] ?? null,
      imo: imo[i] ?? null,
      ship_type: null,
      category: cat[i] ?? '',
      flag: flag[i] ?? null,
      lat: lat[i] ?? null,
      lon: lon[i] ?? null,
      sog: sog[i] ?? null,
      cog: cog[i] ?? null,
      heading: heading[i] ?? null,
      status: null,
      time: timeOf(a),
      age_s: a ?? null,
      flags: [],
      _t0: receivedAt,
      _age0: typeof a === 'number' ? a : Infinity,
    });
  }
  return out;
}

// detailOf is a vessel's details as the panel shows them, with the
// picture's summary (if any) under them.
export function detailOf(d: Detail, summary?: VesselFields | null): VesselDetail {
  return { ...summary, ...d, mmsi: String(d.mmsi) };
}

// unknownVessel is the panel's vessel before anything is known of it but
// its MMSI: every other field missing.
export function unknownVessel(mmsi: string): VesselDetail {
  return {
    mmsi,
    name: null,
    callsign: null,
    imo: null,
    ship_type: null,
    category: '',
    flag: null,
    lat: null,
    lon: null,
    sog: null,
    cog: null,
    heading: null,
    status: null,
    time: null,
    age_s: null,
    flags: [],
  };
}
