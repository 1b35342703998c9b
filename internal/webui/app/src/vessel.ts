// The vessels of the picture as the map holds them: the API's summary
// (api-types.d.ts) with the MMSI as a string (the key of every map and
// feature of the page) and when it was received, so that its age moves
// on between answers. Pure: no DOM, no map.
import type { Detail, Summary, SummaryFields } from './api.js';

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
