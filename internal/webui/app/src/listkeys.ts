// The keyboard of the page's lists (events, incidents, zones, the vessel
// table, search results): ArrowDown and ArrowUp move the focus one row
// (stopping at the ends), Home to the first row, End to the last; Enter
// (and Space) picks a row that is not a button itself. One handler for
// all of them; listKey, its decision, is pure and unit-tested.

// Row is what the handler needs of a row: to focus it, and to tell
// whether the key's target is it or inside it.
export interface Row {
  focus(options?: FocusOptions): void;
  contains(other: unknown): boolean;
}

// ListKeyOptions are a list's own keys.
export interface ListKeyOptions<R extends Row = Row> {
  // pick is called with the row on Enter or Space (rows that are not
  // buttons: a button clicks itself).
  pick?: (row: R) => void;
  // before is where ArrowUp from the first row goes (the search field
  // above its results); by default the first row keeps the focus.
  before?: () => { focus(options?: FocusOptions): void } | null;
}

// nextIndex is the row a key moves to from row i of n: ArrowDown and
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

// listKey handles key pressed on target over rows (in order): it moves
// the focus or picks a row and returns true (the caller prevents the
// key's default), or returns false when the key or the target is none
// of the list's.
export function listKey<R extends Row>(key: string, target: unknown, rows: R[], opts: ListKeyOptions<R> = {}): boolean {
  const i = rows.findIndex((r) => r === target || r.contains(target));
  if (i < 0) return false;
  if ((key === 'Enter' || key === ' ') && opts.pick) {
    opts.pick(rows[i]);
    return true;
  }
  if (key === 'ArrowUp' && i === 0 && opts.before) {
    const to = opts.before();
    if (!to) return false;
    to.focus();
    return true;
  }
  const j = nextIndex(key, i, rows.length);
  if (j < 0) return false;
  rows[j].focus();
  return true;
}

// listKeys gives list the keyboard of its rows (selector, within it).
export function listKeys(list: HTMLElement, selector: string, opts: ListKeyOptions<HTMLElement> = {}): void {
  list.addEventListener('keydown', (e: KeyboardEvent) => {
    if (listKey(e.key, e.target, [...list.querySelectorAll<HTMLElement>(selector)], opts)) e.preventDefault();
  });
}
