// Keyed list rendering: a list whose rows keep their elements across
// renders, so that a row under the pointer is never replaced while it is
// clicked (a refresh every few seconds would otherwise swallow clicks).

// Row is a shown row: its <li>, the element create made, and the
// signature it was last filled with.
export interface Row {
  li: HTMLLIElement;
  el: HTMLElement;
  sig: string | null;
}

// SyncHow says how syncList keys, signs, creates and fills rows.
export interface SyncHow<T> {
  key: (t: T) => string;
  sig: (t: T) => string;
  create: (key: string) => HTMLElement;
  fill: (el: HTMLElement, t: T) => void;
  tail?: HTMLElement | null;
}

/**
 * syncList shows items in list, keyed by key(item): a row already shown
 * keeps its elements and is rewritten (fill) only when sig(item)
 * changed; rows are moved only when out of place; only the rows of items
 * no longer listed are removed. tail, if given, is an element kept after
 * the rows (a note such as "No records"). It returns the rows by key (pass
 * them back next time) and how many rows were written.
 *
 * @template T
 * @param {HTMLElement} list the <ul> or <ol>
 * @param {T[]} items in the order to show
 * @param {Map<string, Row<T>>} rows the result of the previous call
 * @param {{key: (t: T) => string, sig: (t: T) => string, create: (key: string) => HTMLElement, fill: (el: HTMLElement, t: T) => void, tail?: HTMLElement | null}} how
 * @returns {{rows: Map<string, Row<T>>, written: number}}
 */
export function syncList<T>(list: HTMLElement, items: T[], rows: Map<string, Row>, how: SyncHow<T>): { rows: Map<string, Row>; written: number } {
  const next = new Map<string, Row>();
  const want: HTMLElement[] = [];
  let written = 0;
  for (const it of items) {
    const k = how.key(it);
    if (next.has(k)) continue;
    let row = rows.get(k);
    if (!row) {
      const el = how.create(k);
      const li = document.createElement('li');
      li.append(el);
      row = { li, el, sig: null };
    }
    const sig = how.sig(it);
    if (row.sig !== sig) {
      how.fill(row.el, it);
      row.sig = sig;
      written++;
    }
    next.set(k, row);
    want.push(row.li);
  }
  if (how.tail) want.push(how.tail);
  const keep = new Set(want);
  for (const li of [...list.children]) if (!keep.has(li as HTMLElement)) li.remove();
  want.forEach((li, i) => {
    const at = list.children[i] ?? null;
    if (at !== li) list.insertBefore(li, at);
  });
  return { rows: next, written };
}
