// Alert notifications: a new event from the live stream (an id the page
// had not seen, started in the last NEW_MS) shows a toast above the time
// bar, with a severity (high, medium, low: from the event's severity, 0
// to 1, when the node scores it, else by its type), that does not
// block the map: the stack lets clicks through around its toasts, takes
// no focus, and is announced politely to screen readers. A click (or
// Enter) on a toast shows the event; × dismisses it; medium and low
// toasts go by themselves after LINGER_MS, high ones stay until dismissed.
// At most MAX_TOASTS show; the oldest goes first, and the number dropped
// is counted.
import { h, $ } from './dom.js';
import { typeLabel } from './events.js';
import type { Event } from './api.js';

const MAX_TOASTS = 4;
const LINGER_MS = 10000;
const NEW_MS = 15 * 60e3;

// Severity is a notification's grade.
export type Severity = 'high' | 'medium' | 'low';

// SEVERITY of the event types, for events without a score: going dark,
// identity conflicts and teleports (spoofing) are high; encounters,
// loitering and zone entries medium; the rest low.
const SEVERITY = new Map<string, Severity>([
  ['gap', 'high'],
  ['identity_conflict', 'high'],
  ['teleport', 'high'],
  ['encounter', 'medium'],
  ['loitering', 'medium'],
  ['zone_entry', 'medium'],
  ['zone_exit', 'low'],
  ['port_visit', 'low'],
]);

/**
 * severity grades an event: its score (0 to 1) when it has one (high
 * from 0.7, medium from 0.4), else its type's grade.
 * @param {{type?: string, severity?: number}} e
 * @returns {'high' | 'medium' | 'low'}
 */
export function severity(e: { type?: string; severity?: number; }): 'high'|'medium'|'low' {
  if (typeof e.severity === 'number' && Number.isFinite(e.severity)) return e.severity >= 0.7 ? 'high' : e.severity >= 0.4 ? 'medium' : 'low';
  return SEVERITY.get(e.type ?? '') ?? 'low';
}

// NotifyPage is what a Notifier needs of the page.
export interface NotifyPage {
  onPick: (id: string) => void;
  describe: (e: Event) => string;
  now: () => number;
}

export class Notifier {
  dropped: number;
  shown: number;
  seen: Set<string>;
  minSeverity: Severity;
  page: NotifyPage;
  constructor(page: NotifyPage) {
    this.page = page;
    this.shown = 0; // toasts shown
    this.dropped = 0; // toasts pushed out by newer ones
    this.minSeverity = 'low';
    this.seen = new Set(); // ids notified, so that a list refresh does not notify again
  }

  // onNew takes an event first seen on the stream.
  onNew(e: Event) {
    const start = Date.parse(e.start ?? '');
    if (!Number.isNaN(start) && this.page.now() - start > NEW_MS) return;
    const id = String(e.id);
    if (this.seen.has(id)) return;
    if (this.seen.size >= 10000) this.seen.clear();
    this.seen.add(id);
    const sev = severity(e);
    if (sev === 'low' && this.minSeverity !== 'low') return;
    const stack = $('toasts');
    while (stack.children.length >= MAX_TOASTS) {
      stack.firstElementChild?.remove();
      this.dropped++;
    }
    const open = h('button', { type: 'button', class: 'toast-body', 'data-id': id },
      h('span', { class: `sev sev-${sev}`, text: sev }),
      h('span', { class: 'toast-type', text: typeLabel(e.type) }),
      h('span', { class: 'toast-text', text: this.page.describe(e) }),
    );
    const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss', text: '\u2715' });
    const toast = h('div', { class: `toast sev-${sev}`, role: sev === 'high' ? 'alert' : 'status', 'data-id': id, 'data-severity': sev }, open, close);
    open.addEventListener('click', () => {
      toast.remove();
      this.page.onPick(id);
    });
    close.addEventListener('click', () => toast.remove());
    if (sev !== 'high') setTimeout(() => toast.remove(), LINGER_MS);
    stack.append(toast);
    this.shown++;
  }
}

