// The on-screen legend: a MapLibre control (bottom left, above the scale)
// that explains the symbols: the vessel groups by colour, with how many
// of each are in the picture, moving and stopped shapes, faded stale
// ships, the selected track and its time marks, trails, and the events'
// circles, and the radar and satellite contacts. In dots mode (more than
// DOTS_ABOVE ships loaded, drawn as dots of their group's colour) it says
// so: the groups' swatches become dots, and the shapes by course give way
// to what a dot is and that zooming in brings the icons back. It folds to its title
// with a click (or Enter); it starts folded on a small screen (legendOpen),
// and a fold or unfold is remembered in local storage. Its height is
// bounded (it scrolls) so that it never reaches the toolbar, and it sits
// in the bottom-left corner, away from the zoom buttons and attribution.
import { h } from './dom.js';
import { GROUPS } from './categories.js';
import { DOTS_ABOVE } from './shipdiff.js';

const STORE_KEY = 'tidewatch.legend';

// SMALL_SCREEN is the media query of a screen too small for an open
// legend beside the map.
export const SMALL_SCREEN = '(max-width: 700px), (max-height: 560px)';

// legendOpen says whether the legend starts open: as the user left it
// ('open' or 'closed' stored), else open unless the screen is small.
export function legendOpen(stored: string|null, small: boolean) {
  if (stored === 'open') return true;
  if (stored === 'closed') return false;
  return !small;
}

function loadState() {
  try {
    return localStorage.getItem(STORE_KEY);
  } catch {
    return null;
  }
}

export class Legend {
  key = '';
  list: HTMLUListElement | null = null;
  el: HTMLDetailsElement | null;
  counts: Map<string, number>;
  dots = false;
  constructor() {
    this.counts = new Map();
    this.el = null;
  }

  onAdd() {
    const small = typeof matchMedia === 'function' && matchMedia(SMALL_SCREEN).matches;
    const details = h('details', { class: 'maplibregl-ctrl legend', id: 'legend', open: legendOpen(loadState(), small) });
    details.append(h('summary', { text: 'Legend' }));
    details.addEventListener('toggle', () => {
      try {
        localStorage.setItem(STORE_KEY, details.open ? 'open' : 'closed');
      } catch {
        // Storage disabled: the choice lasts until the page is reloaded.
      }
    });
    this.list = h('ul');
    details.append(this.list);
    this.el = details;
    this.render();
    return details;
  }

  onRemove() {
    this.el?.remove();
  }

  // setCounts takes the vessels in the picture per group.
  setCounts(counts: Map<string, number>) {
    const key = JSON.stringify([...counts]);
    if (key === this.key) return;
    this.key = key;
    this.counts = counts;
    this.render();
  }

  // setDots says whether the ships are drawn as dots.
  setDots(dots: boolean) {
    if (dots === this.dots) return;
    this.dots = dots;
    this.render();
  }

  render() {
    if (!this.list) return;
    this.el?.classList.toggle('dots', this.dots);
    const items = GROUPS.map(([g, label, color]) => {
      const sw = h('span', { class: this.dots ? 'swatch round' : 'swatch' });
      sw.style.background = color;
      return h('li', { 'data-group': g }, sw, h('span', { class: 'lg-label', text: label }), h('span', { class: 'lg-count', text: String(this.counts.get(g) ?? 0) }));
    });
    if (this.dots) {
      items.unshift(h('li', { class: 'lg-mode', id: 'legend-dots', 'data-mode': 'dots', text: `Over ${DOTS_ABOVE.toLocaleString('en')} ships: each dot is a ship, coloured by its group; zoom in for shapes by course` }));
      items.push(h('li', { class: 'lg-sym' }, h('span', { class: 'sym dot faded' }), h('span', { text: 'faded: no report for 10 min' })));
    } else {
      items.push(
        h('li', { class: 'lg-sym' }, h('span', { class: 'sym hull' }), h('span', { text: 'moving (points along the course)' })),
        h('li', { class: 'lg-sym' }, h('span', { class: 'sym dot' }), h('span', { text: 'stopped or no course' })),
        h('li', { class: 'lg-sym' }, h('span', { class: 'sym dot faded' }), h('span', { text: 'no report for 10 min' })),
      );
    }
    items.push(
      h('li', { class: 'lg-sym' }, h('span', { class: 'sym line track' }), h('span', { text: 'track of the selected ship, time marks' })),
      h('li', { class: 'lg-sym' }, h('span', { class: 'sym line trail' }), h('span', { text: 'trails of the last minutes' })),
      h('li', { class: 'lg-sym' }, h('span', { class: 'sym ring' }), h('span', { text: 'event (colour by type)' })),
      h('li', { class: 'lg-sym', 'data-sym': 'radar' }, h('span', { class: 'sym radar' }), h('span', { text: 'radar contact (hollow: AIS vessel, linked)' })),
      h('li', { class: 'lg-sym', 'data-sym': 'satellite' }, h('span', { class: 'sym sat' }), h('span', { text: 'satellite detection' })),
      h('li', { class: 'lg-sym', 'data-sym': 'dark' }, h('span', { class: 'sym dark' }), h('span', { text: 'dark: filled, ringed (no AIS)' })),
    );
    this.list.replaceChildren(...items);
  }
}
