// Keyboard focus for the panels (events, vessel, contact): a panel that
// opens takes the focus and remembers where it came from; Escape inside
// it closes it and gives the focus back there; its lists move with the
// arrow keys, Home and End.

// nextIndex is the item a key moves to from item i of n: ArrowDown and
// ArrowUp one step (stopping at the ends), Home the first, End the last;
// -1 for any other key or an empty list.
export function nextIndex(key: string, i: number, n: number): number {
  if (n <= 0) return -1;
  switch (key) {
    case 'ArrowDown':
      return Math.min(i + 1, n - 1);
    case 'ArrowUp':
      return Math.max(i - 1, 0);
    case 'Home':
      return 0;
    case 'End':
      return n - 1;
    default:
      return -1;
  }
}

// listKeys makes the items (selector, within list) of a list move with
// the arrow keys, Home and End.
export function listKeys(list: HTMLElement, selector: string) {
  list.addEventListener('keydown', (e: KeyboardEvent) => {
    const items = [...list.querySelectorAll<HTMLElement>(selector)];
    const target = e.target instanceof Element ? e.target.closest<HTMLElement>(selector) : null;
    const i = target ? items.indexOf(target) : -1;
    if (i < 0) return;
    const j = nextIndex(e.key, i, items.length);
    if (j < 0) return;
    e.preventDefault();
    items[j].focus();
  });
}

// PanelFocus moves the focus into a panel when it opens and back to where
// it came from when it closes.
export class PanelFocus {
  opener: HTMLElement | null;
  id: string;
  constructor(id: string) {
    this.id = id;
    this.opener = null;
  }

  // opened takes the focus into the panel (to target, an element of it, or
  // else its first button), remembering where it was. Called again while
  // the panel is open it only moves the focus when it is outside.
  opened(target: HTMLElement|null) {
    const panel = document.getElementById(this.id);
    const active = document.activeElement;
    if (panel?.contains(active)) return;
    if (active instanceof HTMLElement && active !== document.body) this.opener = active;
    const to = target ?? panel?.querySelector('button');
    to?.focus({ preventScroll: true });
  }

  // closed gives the focus back to where it was before the panel opened
  // (fallback, when that is gone or hidden), if the focus was in the panel
  // or nowhere.
  closed(fallback?: HTMLElement | null) {
    const panel = document.getElementById(this.id);
    const active = document.activeElement;
    const back = this.opener;
    this.opener = null;
    if (active && active !== document.body && !panel?.contains(active)) return;
    if (back && back.isConnected && back.getClientRects().length > 0) back.focus({ preventScroll: true });
    else fallback?.focus({ preventScroll: true });
  }

  // contains says whether the focus is in the panel.
  contains(el: EventTarget | null): boolean {
    return el instanceof Node && !!document.getElementById(this.id)?.contains(el);
  }
}
