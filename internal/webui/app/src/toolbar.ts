// The toolbar on a phone: at most 700 px wide (style.css), its tools fold
// into the Menu button so that it keeps to one row within the screen. The
// menu opens and closes with the button, closes when a tool in it is
// chosen, on Escape (the focus goes back to the button) and on a click
// elsewhere. On a wider screen the button is not shown and the tools stay
// in the row.
import { $ } from './dom.js';

export function wireToolbar(): void {
  const bar = $('toolbar');
  const btn = $<HTMLButtonElement>('menu-btn');
  const menu = $('toolbar-menu');
  const setOpen = (open: boolean) => {
    bar.classList.toggle('menu-open', open);
    btn.setAttribute('aria-expanded', String(open));
  };
  btn.addEventListener('click', () => {
    const open = !bar.classList.contains('menu-open');
    setOpen(open);
    if (open) menu.querySelector<HTMLElement>('button:not([hidden])')?.focus();
  });
  // A tool chosen from the menu closes it (the tool's own handler runs
  // too: its panel opens below the toolbar).
  menu.addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest('button')) setOpen(false);
  });
  menu.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || !bar.classList.contains('menu-open')) return;
    e.stopPropagation();
    setOpen(false);
    btn.focus();
  });
  document.addEventListener('click', (e) => {
    if (bar.classList.contains('menu-open') && !(e.target instanceof Node && bar.contains(e.target))) setOpen(false);
  });
}
