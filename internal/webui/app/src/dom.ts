// DOM helpers. Text from AIS (names, call signs, destinations) is controlled
// by whoever transmits it, so every string goes into the page as a text node
// or an attribute value, never as markup.

// Props are h's properties: class, text, on... listeners and attributes.
export type Props = Record<string, unknown>;

// Child is a child of h: a node, or a string that becomes a text node;
// null, undefined and false are skipped.
export type Child = Node | string | number | null | undefined | false | Child[];

// h creates an element. props sets className (class), textContent (text),
// event listeners (on...), and other attributes; children are nodes or
// strings, and strings become text nodes.
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of (children as unknown[]).flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// $ returns the element with the given id, or throws: the page is ours.
// The type argument names the element's type (an <input>, a <select>, ...).
export function $<E extends HTMLElement = HTMLElement>(id: string): E {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as E;
}

// showStatus writes a panel's status line (the element with the given
// id): hidden when msg is empty, in the error colour when isError.
export function showStatus(id: string, msg: string, isError?: boolean): void {
  const s = $(id);
  s.textContent = msg;
  s.hidden = !msg;
  s.classList.toggle('error', !!isError);
}

// debounce delays fn until ms have passed without another call.
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// FocusHolder is where placeChildren reads the focused element: the page's
// document.
export interface FocusHolder {
  readonly activeElement: Element | null;
}

// placeChildren makes want the children of parent, in order: children not
// in want are removed, the others moved only where they are out of place
// (keyed rows keep their elements). Moving an element takes it out of the
// document for a moment, which drops its focus: a live update that
// reorders a list must not move the keyboard's place, so the element that
// had the focus gets it back if it is still in the page.
export function placeChildren(parent: Element, want: readonly Element[], doc: FocusHolder = document): void {
  const active = doc.activeElement;
  const keep = new Set<Element>(want);
  for (const c of [...parent.children]) if (!keep.has(c)) c.remove();
  want.forEach((el, i) => {
    const at = parent.children[i] ?? null;
    if (at !== el) parent.insertBefore(el, at);
  });
  if (active && active !== doc.activeElement && active.isConnected && 'focus' in active) {
    (active as HTMLElement).focus({ preventScroll: true });
  }
}
