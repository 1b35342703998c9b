// The anchorage panel: what the node knows of a learned anchorage (GET
// /api/v1/anchorages), opened by a click on its ring, or from the keyboard
// with A (the anchorage nearest the map's centre). Previous and Next go
// through the node's anchorages by number, moving the map to each; Escape
// or the close button closes it and gives the focus back to where it came
// from. anchorageRows, its content, is pure and unit-tested.
import { $, h } from './dom.js';
import { PanelFocus } from './focus.js';
import * as fmt from './format.js';
import type { AnchoragesResponse } from './api-types.js';

// AnchorageFeature is one anchorage of the API's answer.
export type AnchorageFeature = AnchoragesResponse['features'][number];

const NM = 1852;

// distanceText is a distance in metres as "6.3 km (3.4 nm)".
export function distanceText(m: unknown): string {
  if (typeof m !== 'number' || !Number.isFinite(m) || m < 0) return fmt.DASH;
  return `${(m / 1000).toFixed(1)} km (${(m / NM).toFixed(1)} nm)`;
}

// anchorageTitle names an anchorage: "Anchorage 3 near FUJAIRAH".
export function anchorageTitle(f: AnchorageFeature): string {
  const p = f.properties;
  const near = p.nearest_port && !fmt.missing(p.nearest_port.name) ? ` near ${p.nearest_port.name}` : '';
  return `Anchorage ${fmt.text(p.id)}${near}`;
}

// anchorageRows is the panel's content, [key, label, value] per line:
// number, centre, radius of port visits, vessels counted, since when it
// is known and the nearest port.
export function anchorageRows(f: AnchorageFeature): [string, string, string][] {
  const p = f.properties;
  const [lon, lat] = f.geometry.coordinates;
  const np = p.nearest_port;
  let port = 'none within 200 km';
  if (np) {
    const name = fmt.missing(np.country) ? String(np.name) : `${np.name} (${np.country})`;
    port = `${name}, ${distanceText(np.distance_m)}`;
  }
  const n = typeof p.vessels === 'number' ? p.vessels : NaN;
  return [
    ['id', 'Number', fmt.text(p.id)],
    ['centre', 'Centre', fmt.position(lat, lon)],
    ['radius', 'Port-visit radius', distanceText(p.radius_m)],
    ['vessels', 'Vessels counted', Number.isFinite(n) ? `${n} seen stopped` : fmt.DASH],
    ['since', 'Known since', fmt.missing(p.since) ? 'known at start (given, or learned before)' : `learned ${fmt.time(p.since)}`],
    ['port', 'Nearest port', port],
  ];
}

// AnchoragePanelPage is what the panel needs of the page.
export interface AnchoragePanelPage {
  // features are the anchorages of the last answer.
  features: () => AnchorageFeature[];
  // center is the map's centre, [lon, lat].
  center: () => [number, number];
  // show moves the map to the anchorage and marks it (id, or null: none).
  show: (f: AnchorageFeature | null, move: boolean) => void;
  // onOpen closes the other details panels.
  onOpen: () => void;
}

export class AnchoragePanel {
  page: AnchoragePanelPage;
  focus: PanelFocus;
  /** the number of the anchorage shown, null when closed */
  selected: number | null = null;
  opens = 0;

  constructor(page: AnchoragePanelPage) {
    this.page = page;
    this.focus = new PanelFocus('anchorage-panel');
    $('anchorage-close').addEventListener('click', () => this.close());
    $('anchorage-prev').addEventListener('click', () => this.step(-1));
    $('anchorage-next').addEventListener('click', () => this.step(1));
    this.focus.closeOnEscape(() => this.close());
    // A opens the anchorage nearest the map's centre, outside text fields.
    document.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key.toLowerCase() !== 'a' || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.target instanceof Element && e.target.closest('input, select, textarea')) return;
      this.openNearest();
    });
  }

  // byId returns the anchorage with number id, if the last answer has it.
  byId(id: number): AnchorageFeature | undefined {
    return this.page.features().find((f) => f.properties.id === id);
  }

  // pick opens the details of anchorage id (move: bring it to the map's
  // centre).
  pick(id: number, move = false): void {
    const f = this.byId(id);
    if (!f) return;
    this.page.onOpen();
    this.selected = id;
    this.opens++;
    this.render(f);
    this.page.show(f, move);
    this.focus.opened($('anchorage-name'));
  }

  // openNearest opens the anchorage nearest the map's centre.
  openNearest(): void {
    const [lon0, lat0] = this.page.center();
    const k = Math.cos((lat0 * Math.PI) / 180);
    let best: AnchorageFeature | null = null;
    let bd = Infinity;
    for (const f of this.page.features()) {
      const [lon, lat] = f.geometry.coordinates;
      const dl = (((lon - lon0 + 540) % 360) - 180) * k;
      const d = dl * dl + (lat - lat0) * (lat - lat0);
      if (d < bd) [best, bd] = [f, d];
    }
    if (best) this.pick(best.properties.id, true);
  }

  // step opens the previous (-1) or next (1) anchorage by number, round.
  step(dir: number): void {
    const ids = this.page.features().map((f) => f.properties.id).sort((a, b) => a - b);
    if (ids.length === 0) return;
    const i = this.selected == null ? -1 : ids.indexOf(this.selected);
    const j = i < 0 ? 0 : (i + dir + ids.length) % ids.length;
    this.pick(ids[j], true);
    $(dir < 0 ? 'anchorage-prev' : 'anchorage-next').focus({ preventScroll: true });
  }

  // refresh shows the anchorage again after a reload (its vessels count
  // may have grown), or closes the panel if the node no longer has it.
  refresh(): void {
    if (this.selected == null) return;
    const f = this.byId(this.selected);
    if (f) this.render(f);
    else this.close();
  }

  render(f: AnchorageFeature): void {
    $('anchorage-name').textContent = anchorageTitle(f);
    $('anchorage-fields').replaceChildren(
      ...anchorageRows(f).flatMap(([key, label, value]) => [h('dt', { text: label }), h('dd', { 'data-field': key, text: value })]),
    );
    $('anchorage-panel').hidden = false;
  }

  close(): void {
    if (this.selected == null && $('anchorage-panel').hidden) return;
    this.selected = null;
    this.page.show(null, false);
    if (!$('anchorage-panel').hidden) this.focus.closed(null);
    $('anchorage-panel').hidden = true;
  }
}
