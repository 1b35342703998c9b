// The on-screen legend: a MapLibre control (bottom left, above the scale)
// that explains the symbols: the vessel groups by colour, with how many
// of each are in the picture, moving and stopped shapes, faded stale
// ships, the selected track and its time marks, trails, and the events'
// circles. It folds to its title with a click (or Enter).
import { h } from './dom.js';
import { GROUPS } from './categories.js';

export class Legend {
  constructor() {
    this.counts = new Map();
    this.el = null;
  }

  onAdd() {
    const details = h('details', { class: 'maplibregl-ctrl legend', id: 'legend', open: true });
    details.append(h('summary', { text: 'Legend' }));
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
  setCounts(counts) {
    const key = JSON.stringify([...counts]);
    if (key === this.key) return;
    this.key = key;
    this.counts = counts;
    this.render();
  }

  render() {
    if (!this.list) return;
    const items = GROUPS.map(([g, label, color]) => {
      const sw = h('span', { class: 'swatch' });
      sw.style.background = color;
      return h('li', { 'data-group': g }, sw, h('span', { class: 'lg-label', text: label }), h('span', { class: 'lg-count', text: String(this.counts.get(g) ?? 0) }));
    });
    items.push(
      h('li', { class: 'lg-sym' }, h('span', { class: 'sym hull' }), h('span', { text: 'moving (points along the course)' })),
      h('li', { class: 'lg-sym' }, h('span', { class: 'sym dot' }), h('span', { text: 'stopped or no course' })),
      h('li', { class: 'lg-sym' }, h('span', { class: 'sym dot faded' }), h('span', { text: 'no report for 10 min' })),
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
