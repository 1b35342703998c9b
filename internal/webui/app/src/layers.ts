// The layer control (the Layers button): which of the map's layers show.
// Each entry names MapLibre layers whose visibility it switches, or an
// onToggle of its own (labels, drawn on their own canvas); an entry that
// this node does not serve is listed, unticked and disabled, with a note.
// Other parts of the page add entries with register(), so that the radar
// and satellite contact layers, when they come, get a switch by calling
//
//	layerControl.register({ id: 'radar', label: 'Radar contacts', layers: ['radar-contacts'] });
//
// and a placeholder registered with available: false becomes a working
// switch when registered again with the same id. Choices are kept in
// local storage.
import { h, $ } from './dom.js';

const STORE_KEY = 'tidewatch.layers';

// LayerEntry is a switch of the layer control.
export interface LayerEntry {
  id: string;
  label: string;
  /** heading it is listed under */
  group?: string;
  /** MapLibre layer ids */
  layers?: string[];
  onToggle?: (on: boolean) => void;
  /** default visibility (true) */
  on?: boolean;
  /** false: listed, disabled (false for placeholders) */
  available?: boolean;
  /** shown when unavailable */
  note?: string;
  /** a colour shown beside the label */
  swatch?: string;
}

export class LayerControl {
  state: Record<string, boolean>;
  entries: Map<string, LayerEntry>;
  map: import('maplibre-gl').Map;
  /** @param {import('maplibre-gl').Map} map */
  constructor(map: import('maplibre-gl').Map) {
    this.map = map;
    /** @type {Map<string, LayerEntry>} */
    this.entries = new Map();
    this.state = loadState();
  }

  /** @param {LayerEntry} entry */
  register(entry: LayerEntry) {
    this.entries.set(entry.id, { group: 'Map', on: true, available: true, ...entry });
    this.apply(entry.id);
    this.render();
  }

  // unregister takes an entry (a placeholder replaced by others) away.
  unregister(id: string) {
    if (this.entries.delete(id)) this.render();
  }

  // visible reports whether an entry is shown (false for unknown ones).
  visible(id: string) {
    const e = this.entries.get(id);
    if (!e || e.available === false) return false;
    return this.state[id] ?? e.on !== false;
  }

  // setVisible switches an entry. The list is not rebuilt (the checkbox
  // clicked stays the same element): only the boxes are brought in line.
  setVisible(id: string, on: boolean) {
    this.state[id] = on;
    saveState(this.state);
    this.apply(id);
    for (const box of document.querySelectorAll<HTMLInputElement>('#layer-list input[data-layer]')) {
      const want = this.visible(box.dataset.layer ?? '');
      if (box.checked !== want) box.checked = want;
    }
  }

  // apply makes the map follow an entry; call it again after layers are
  // added (applyAll).
  apply(id: string) {
    const e = this.entries.get(id);
    if (!e) return;
    const on = this.visible(id);
    for (const l of e.layers ?? []) {
      if (this.map.getLayer(l)) this.map.setLayoutProperty(l, 'visibility', on ? 'visible' : 'none');
    }
    e.onToggle?.(on);
  }

  applyAll() {
    for (const id of this.entries.keys()) this.apply(id);
  }

  render() {
    const box = document.getElementById('layer-list');
    if (!box) return;
    const groups = new Map<string, LayerEntry[]>();
    for (const e of this.entries.values()) {
      if (!groups.has(e.group ?? 'Map')) groups.set(e.group ?? 'Map', []);
      groups.get(e.group ?? 'Map')?.push(e);
    }
    const parts: HTMLElement[] = [];
    for (const [g, list] of groups) {
      parts.push(h('h3', { text: g }));
      for (const e of list) {
        const box = h('input', { type: 'checkbox', 'data-layer': e.id, checked: this.visible(e.id), disabled: e.available === false });
        box.addEventListener('change', () => this.setVisible(e.id, box.checked));
        const label = h('label', { class: e.available === false ? 'layer off' : 'layer' }, box, e.label);
        if (e.swatch) {
          const sw = h('span', { class: 'swatch' });
          sw.style.background = e.swatch;
          label.insertBefore(sw, label.lastChild);
        }
        if (e.available === false && e.note) label.append(h('span', { class: 'hint', text: ` \u2014 ${e.note}` }));
        parts.push(label);
      }
    }
    box.replaceChildren(...parts);
  }

  wire() {
    $('layers-btn').addEventListener('click', () => this.setOpen(!!$('layers').hidden));
  }

  setOpen(open: boolean) {
    $('layers').hidden = !open;
    $('layers-btn').setAttribute('aria-expanded', String(open));
  }
}

function loadState(): Record<string, boolean> {
  try {
    const s = JSON.parse(localStorage.getItem(STORE_KEY) || '{}');
    return s && typeof s === 'object' ? s : {};
  } catch {
    return {};
  }
}

function saveState(s: Record<string, boolean>) {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(s));
  } catch {
    // Storage disabled: the choice lasts until the page is reloaded.
  }
}
