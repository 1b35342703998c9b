// Formatting of API values for display. Missing values (null, undefined,
// empty strings) show as a dash.

export const DASH = '\u2014';

export function missing(v) {
  return v == null || v === '' || (typeof v === 'number' && !Number.isFinite(v));
}

export function text(v) {
  return missing(v) ? DASH : String(v);
}

export function num(v, digits, unit) {
  if (missing(v) || typeof v !== 'number') return DASH;
  return v.toFixed(digits) + (unit || '');
}

// age formats a duration in seconds: "12 s", "4 min", "2 h 5 min", "3 d 4 h".
export function age(s) {
  if (missing(s) || s < 0) return missing(s) ? DASH : '0 s';
  s = Math.round(s);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hrs = Math.floor(m / 60);
  if (hrs < 24) return `${hrs} h ${m % 60} min`;
  return `${Math.floor(hrs / 24)} d ${hrs % 24} h`;
}

// time formats a Date or an RFC 3339 string as "YYYY-MM-DD hh:mm:ss UTC".
export function time(t) {
  if (missing(t)) return DASH;
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

export function position(lat, lon) {
  if (typeof lat !== 'number' || typeof lon !== 'number') return DASH;
  const ns = lat >= 0 ? 'N' : 'S';
  const ew = lon >= 0 ? 'E' : 'W';
  return `${Math.abs(lat).toFixed(5)}\u00b0 ${ns}, ${Math.abs(lon).toFixed(5)}\u00b0 ${ew}`;
}
