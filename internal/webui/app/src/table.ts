// The vessel table (the Table button, or T): the vessels of the picture
// in view that the filters and layers show, one row each, sortable by any
// column (a click on its header, again to reverse; Enter or Space on the
// focused header), filtered by text (name, MMSI, call sign, IMO,
// destination, flag), with a CSV export of every row that passes the
// filter. Rows are keyed by MMSI and rewritten only when what they show
// changed; at most MAX_ROWS are drawn (the export has them all). A click
// or Enter on a row opens the vessel; arrow keys move between rows.
import { h, $, placeChildren } from './dom.js';
import * as fmt from './format.js';
import { categoryLabel, category } from './categories.js';
import { toCSV } from './csv.js';
import { listKeys } from './listkeys.js';
import type { Vessel } from './vessel.js';

const MAX_ROWS = 500;

// Column is a column of the table: key, header, value of a vessel.
export type Column = [string, string, (v: Vessel) => string | number | null];

export const COLUMNS: Column[] = [
  ['name', 'Name', (v) => (fmt.missing(v.name) ? null : String(v.name))],
  ['mmsi', 'MMSI', (v) => String(v.mmsi)],
  ['type', 'Type', (v) => categoryLabel(category(v.category))],
  ['flag', 'Flag', (v) => (fmt.missing(v.flag) ? null : String(v.flag))],
  ['sog', 'Speed (kn)', (v) => (typeof v.sog === 'number' ? v.sog : null)],
  ['cog', 'Course (\u00b0)', (v) => (typeof v.cog === 'number' ? v.cog : null)],
  ['lat', 'Lat', (v) => (typeof v.lat === 'number' ? v.lat : null)],
  ['lon', 'Lon', (v) => (typeof v.lon === 'number' ? v.lon : null)],
  ['time', 'Last report (UTC)', (v) => (fmt.missing(v.time) ? null : String(v.time))],
];
const byKey = new Map(COLUMNS.map((c) => [c[0], c]));

// compare sorts values, missing ones last whatever the direction.
function compare(a: string|number|null, b: string|number|null, dir: number) {
  if (a == null || a === '') return b == null || b === '' ? 0 : 1;
  if (b == null || b === '') return -1;
  const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), 'en', { numeric: true });
  return dir * c;
}

function shown(key: string, v: string | number | null): string {
  if (v == null) return fmt.DASH;
  if (typeof v === 'number' && (key === 'sog' || key === 'cog')) return v.toFixed(1);
  if (typeof v === 'number' && (key === 'lat' || key === 'lon')) return v.toFixed(4);
  if (key === 'time') return fmt.time(v).replace(' UTC', '');
  return String(v);
}

// matches reports whether a vessel passes the table's text filter q (in
// upper case; empty passes all): a part of its name, MMSI, call sign, IMO
// number, destination, flag code or flag state's name.
export function matches(v: Vessel, q: string): boolean {
  if (!q) return true;
  for (const f of [v.name, v.mmsi, v.callsign, v.imo, v.destination, v.flag, fmt.missing(v.flag) ? null : fmt.countryName(v.flag)]) {
    if (!fmt.missing(f) && String(f).toUpperCase().includes(q)) return true;
  }
  return false;
}

// TableSource is what the table reads of the page.
export interface TableSource {
  vessels: () => Vessel[];
  onPick: (mmsi: string) => void;
  closeOthers: () => void;
  now: () => number;
}

export class VesselTable {
  lastExport: { rows: number; bytes: number; filename: string } | null;
  sortDir: number;
  sortKey: string;
  rowRenders: number;
  total: number;
  rows: number;
  rowEls: Map<string, { tr: HTMLTableRowElement; sig: string | null }>;
  query: string;
  src: TableSource;
  constructor(src: TableSource) {
    this.src = src;
    this.sortKey = 'name';
    this.sortDir = 1;
    this.query = '';
    this.rowEls = new Map();
    this.rowRenders = 0;
    this.rows = 0;
    this.total = 0;
    this.lastExport = null;
  }

  get open() {
    return !$('table').hidden;
  }

  wire() {
    $('table-btn').addEventListener('click', () => this.setOpen(!this.open));
    $('table-close').addEventListener('click', () => this.setOpen(false));
    $('table-filter').addEventListener('input', () => {
      this.query = $<HTMLInputElement>('table-filter').value.trim().toUpperCase();
      this.render();
    });
    $('table-export').addEventListener('click', () => this.exportCSV());
    $('table-head').replaceChildren(
      h(
        'tr',
        null,
        ...COLUMNS.map(([key, label]) => {
          const b = h('button', { type: 'button', class: 'sort', 'data-key': key, text: label });
          b.addEventListener('click', () => this.sortBy(key));
          return h('th', { scope: 'col', 'data-key': key, 'aria-sort': 'none' }, b);
        }),
      ),
    );
    listKeys($('table-rows'), 'tr[data-mmsi]', { pick: (tr) => this.src.onPick(tr.dataset.mmsi ?? '') });
  }

  setOpen(open: boolean) {
    const was = this.open;
    if (open) this.src.closeOthers();
    $('table').hidden = !open;
    $('table-btn').setAttribute('aria-expanded', String(open));
    if (open) {
      this.render();
      $('table-filter').focus();
    } else if (was) $('table-btn').focus();
  }

  sortBy(key: string) {
    if (this.sortKey === key) this.sortDir = -this.sortDir;
    else {
      this.sortKey = key;
      this.sortDir = key === 'sog' || key === 'time' ? -1 : 1;
    }
    this.render();
  }

  // selection returns the vessels that pass the text filter, sorted.
  selection() {
    const q = this.query;
    const list = this.src.vessels().filter((v) => matches(v, q));
    const get = (byKey.get(this.sortKey) ?? COLUMNS[0])[2];
    const dir = this.sortDir;
    return list
      .map((v): [string | number | null, Vessel] => [get(v), v])
      .sort((a, b) => compare(a[0], b[0], dir) || String(a[1].mmsi).localeCompare(String(b[1].mmsi)))
      .map((x) => x[1]);
  }

  render() {
    if (!this.open) return;
    for (const th of $('table-head').querySelectorAll('th')) {
      const s = th.dataset.key === this.sortKey ? (this.sortDir > 0 ? 'ascending' : 'descending') : 'none';
      if (th.getAttribute('aria-sort') !== s) th.setAttribute('aria-sort', s);
    }
    const list = this.selection();
    this.total = list.length;
    const rows = list.slice(0, MAX_ROWS);
    const body = $('table-rows');
    const next: typeof this.rowEls = new Map();
    const want: HTMLTableRowElement[] = [];
    for (const v of rows) {
      const mmsi = String(v.mmsi);
      const cells = COLUMNS.map(([key, , get]) => shown(key, get(v)));
      const sig = cells.join('\u0000');
      let row = this.rowEls.get(mmsi);
      if (!row) {
        const tr = h('tr', { tabindex: '0', 'data-mmsi': mmsi });
        tr.addEventListener('click', () => this.src.onPick(mmsi));
        row = { tr, sig: null };
      }
      if (row.sig !== sig) {
        row.tr.replaceChildren(...cells.map((c, i) => h('td', { 'data-field': COLUMNS[i][0], text: c })));
        row.sig = sig;
        this.rowRenders++;
      }
      next.set(mmsi, row);
      want.push(row.tr);
    }
    this.rowEls = next;
    // A live update that reorders the rows keeps the focused row's focus.
    placeChildren(body, want);
    this.rows = rows.length;
    const n = this.total;
    $('table-count').textContent = `${n} vessel${n === 1 ? '' : 's'} in view${n > MAX_ROWS ? ` \u00b7 first ${MAX_ROWS} listed, all exported` : ''}`;
  }

  // csv returns the CSV of the selection, every row.
  csv() {
    const list = this.selection();
    return { text: toCSV(COLUMNS.map((c) => c[0]), list.map((v) => COLUMNS.map(([, , get]) => get(v)))), rows: list.length };
  }

  exportCSV() {
    const { text, rows } = this.csv();
    const name = `tidewatch-vessels-${new Date(this.src.now()).toISOString().slice(0, 19).replaceAll(':', '')}Z.csv`;
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    const a = h('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    this.lastExport = { rows, bytes: text.length, filename: name };
  }
}
