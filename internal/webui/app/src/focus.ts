// Keyboard focus for the panels (events, vessel, contact): a panel that
// opens takes the focus and remembers where it came from; Escape inside
// it closes it and gives the focus back there (its lists' keys are
// listkeys.ts's).

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

  // closeOnEscape makes Escape inside the panel call close (and go no
  // further: the page's own Escape closes other things).
  closeOnEscape(close: () => void): void {
    document.getElementById(this.id)?.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      close();
    });
  }

  // contains says whether the focus is in the panel.
  contains(el: EventTarget | null): boolean {
    return el instanceof Node && !!document.getElementById(this.id)?.contains(el);
  }
}
