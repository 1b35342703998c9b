// CSV for exports (RFC 4180): every cell quoted when it needs to be, and a
// cell that a spreadsheet would run as a formula (starting with =, +, -,
// @, tab or carriage return) gets a leading ', as the API's CSV does. AIS
// text is attacker-controlled.

/**
 * cell formats one value.
 * @param {unknown} v
 */
export function cell(v: unknown) {
  if (v == null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  let s = String(v);
  if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * toCSV formats a header and rows, CRLF line ends.
 * @param {string[]} header
 * @param {unknown[][]} rows
 */
export function toCSV(header: string[], rows: unknown[][]) {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
