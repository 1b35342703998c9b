// Formatting of API values for display. Missing values (null, undefined,
// empty strings) show as a dash.

export const DASH = '\u2014';

export function missing(v: unknown) {
  return v == null || v === '' || (typeof v === 'number' && !Number.isFinite(v));
}

export function text(v: unknown) {
  return missing(v) ? DASH : String(v);
}

export function num(v: number | null | undefined, digits?: number, unit?: string) {
  if (missing(v) || typeof v !== 'number') return DASH;
  return v.toFixed(digits) + (unit || '');
}

// age formats a duration in seconds: "12 s", "4 min", "2 h 5 min", "3 d 4 h".
export function age(s: number | null | undefined) {
  if (s == null || missing(s) || s < 0) return s == null || missing(s) ? DASH : '0 s';
  s = Math.round(s);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hrs = Math.floor(m / 60);
  if (hrs < 24) return `${hrs} h ${m % 60} min`;
  return `${Math.floor(hrs / 24)} d ${hrs % 24} h`;
}

// time formats a Date or an RFC 3339 string as "YYYY-MM-DD hh:mm:ss UTC".
export function time(t: string | number | Date | null | undefined) {
  if (t == null || missing(t)) return DASH;
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

export function position(lat: number | null | undefined, lon: number | null | undefined) {
  if (typeof lat !== 'number' || typeof lon !== 'number') return DASH;
  const ns = lat >= 0 ? 'N' : 'S';
  const ew = lon >= 0 ? 'E' : 'W';
  return `${Math.abs(lat).toFixed(5)}\u00b0 ${ns}, ${Math.abs(lon).toFixed(5)}\u00b0 ${ew}`;
}

const DAY_MS = 86400e3;

// eta formats an AIS ETA, which is sent without a year ("MM-DDThh:mm", or
// "MM-DD hh:mm"), with the year that puts it between 90 days before and
// 275 days after ref (ms, the time of the report or of the view): "2026-12-06
// 10:30 UTC". Anything else is shown as sent.
export function eta(v: unknown, ref: number) {
  if (missing(v)) return DASH;
  const m = /^(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::00)?Z?$/.exec(String(v).trim());
  if (!m || !Number.isFinite(ref)) return String(v);
  const [mo, d, hh, mm] = m.slice(1).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59) return String(v);
  let y = new Date(ref).getUTCFullYear();
  let t = Date.UTC(y, mo - 1, d, hh, mm);
  if (t < ref - 90 * DAY_MS) t = Date.UTC(++y, mo - 1, d, hh, mm);
  else if (t > ref + 275 * DAY_MS) t = Date.UTC(--y, mo - 1, d, hh, mm);
  const out = new Date(t);
  if (out.getUTCDate() !== d) return String(v); // 02-30 and the like
  return out.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

// REGIONS names ISO 3166 codes in English, as the browser knows them.
const REGIONS = typeof Intl !== 'undefined' && Intl.DisplayNames ? new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' }) : null;

// countryName returns the English name of an ISO 3166 alpha-2 code
// ("NL" → "Netherlands"), or the code itself when it is not one.
export function countryName(code: unknown) {
  if (missing(code)) return DASH;
  const c = String(code);
  if (!/^[A-Z]{2}$/.test(c) || !REGIONS) return c;
  try {
    return REGIONS.of(c) || c;
  } catch {
    return c;
  }
}

// relAge says how long before ref (ms) a report at t (ms) was: "4 min
// ago" live, "4 min before" in a past view; null for a report after ref
// (a past view cannot know a later report's age).
export function relAge(t: number, ref: number, live: boolean) {
  if (!Number.isFinite(t) || !Number.isFinite(ref) || t > ref + 1000) return null;
  return `${age((ref - t) / 1000)} ${live ? 'ago' : 'before the time shown'}`;
}
