import { h, $ } from './dom.js';
import { category, categoryLabel } from './categories.js';
import * as fmt from './format.js';
import type { VesselDetail } from './vessel.js';

// View is the moment the map shows: ref (ms, server clock), and whether
// it is live.
export interface View {
  ref: number;
  live: boolean;
}

// Flags that keep a position out of tracks; the others are advisory.
const BAD_FLAGS = new Set(['invalid_mmsi', 'no_position', 'teleport', 'identity_conflict']);

// renderPanel fills the side panel with a vessel's details. v is the detail
// object of GET /api/v1/vessels/{mmsi}, merged with the latest summary;
// view says when the map shows: ref, the moment (ms, server clock: now
// live, the slider's time in the past) that the report's age and the
// ETA's year are counted from, and live.
export function renderPanel(v: VesselDetail, view: View): void {
  $('panel-name').textContent = fmt.missing(v.name) ? `MMSI ${v.mmsi}` : String(v.name);

  const type: string[] = [];
  if (!fmt.missing(v.ship_type_text)) type.push(String(v.ship_type_text));
  else if (!fmt.missing(v.category)) type.push(categoryLabel(category(v.category)));
  if (!fmt.missing(v.ship_type)) type.push(`(${v.ship_type})`);

  let flag = fmt.text(v.flag);
  const flagName = fmt.missing(v.flag_name) ? (fmt.missing(v.flag) ? null : fmt.countryName(v.flag)) : String(v.flag_name);
  if (flagName && flagName !== String(v.flag)) flag = fmt.missing(v.flag) ? flagName : `${v.flag} \u00b7 ${flagName}`;

  let size = fmt.DASH;
  if (typeof v.length_m === 'number' || typeof v.beam_m === 'number') {
    size = `${fmt.num(v.length_m, 0)} \u00d7 ${fmt.num(v.beam_m, 0)} m`;
  }

  const when = v.time ?? v.last_heard;
  const rel = fmt.relAge(Date.parse(when ?? ''), view.ref, view.live);
  const lastReport = rel ? `${rel} \u00b7 ${fmt.time(when)}` : fmt.time(when);

  const rows: [string, string, string][] = [
    ['mmsi', 'MMSI', fmt.text(v.mmsi)],
    ['imo', 'IMO', fmt.text(v.imo)],
    ['callsign', 'Call sign', fmt.text(v.callsign)],
    ['flag', 'Flag', flag],
    ['type', 'Type', type.length ? type.join(' ') : fmt.DASH],
    ['class', 'Class', fmt.text(v.class)],
    ['status', 'Status', fmt.text(v.status_text ?? v.status)],
    ['destination', 'Destination', fmt.text(v.destination)],
    ['eta', 'ETA', fmt.eta(v.eta, view.ref)],
    ['sog', 'Speed', fmt.num(v.sog, 1, ' kn')],
    ['cog', 'Course', fmt.num(v.cog, 1, '\u00b0')],
    ['heading', 'Heading', fmt.num(v.heading, 0, '\u00b0')],
    ['position', 'Position', fmt.position(v.lat, v.lon)],
    ['size', 'Size', size],
    ['draught', 'Draught', fmt.num(v.draught_m, 1, ' m')],
    ['age', 'Last report', lastReport],
    ['source', 'Reported by', reportedBy(v.source)],
  ];
  $('panel-fields').replaceChildren(
    ...rows.flatMap(([key, label, value]) => [h('dt', { text: label }), h('dd', { 'data-field': key, text: value })]),
  );

  const flags: string[] = Array.isArray(v.flags) ? v.flags.map(String) : [];
  if (v.conflict && !flags.includes('identity_conflict')) flags.push('identity_conflict');
  const chips = flags.map((f) => h('span', { class: BAD_FLAGS.has(f) ? 'flag bad' : 'flag', text: f.replaceAll('_', ' ') }));
  if (chips.length === 0) chips.push(h('span', { class: 'flag ok', text: 'no data-quality flags' }));
  $('panel-flags').replaceChildren(...chips);
  $('panel').hidden = false;
}

// reportedBy names who contributed the latest report: a partner node
// ("partner:JP-JCG" in the API) or one of this node's receivers.
function reportedBy(source: unknown): string {
  if (fmt.missing(source)) return fmt.DASH;
  const s = String(source);
  return s.startsWith('partner:') ? `partner ${s.slice('partner:'.length)}` : s;
}
