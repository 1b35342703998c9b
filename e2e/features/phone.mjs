// Browser test of the map on a phone (390×844): the toolbar keeps to one
// row inside the screen (its tools fold into the Menu button, the search
// takes the rest), nothing scrolls sideways, the menu lists every tool
// inside the screen, and a tool chosen from it (Layers) opens its popover,
// inside the screen, while the menu closes; Escape closes the menu. The
// notifications sit under the toolbar here: with alerts shown over the
// open menu (TestBrowserFeatures sends a vessel into a watch zone every
// 10 s, in view at viewAt(9)), every tool in it still takes the pointer.
import { run, viewAt, TIMEOUT } from '../lib.mjs';

const W = 390;
const H = 844;

await run(
  'phone',
  async ({ page, check, shot, waitFor, tw, mapReady }) => {
    check('the map loads with ships', await mapReady());
    const bar = await tw(() => {
      const r = document.getElementById('toolbar').getBoundingClientRect();
      const s = document.getElementById('search').getBoundingClientRect();
      return {
        left: r.left, right: r.right, height: r.height, searchWidth: s.width,
        viewport: innerWidth, scrollWidth: document.documentElement.scrollWidth,
        menu: getComputedStyle(document.getElementById('menu-btn')).display,
        tools: getComputedStyle(document.getElementById('toolbar-menu')).display,
      };
    });
    check(`the toolbar fits the ${W} px screen, nothing scrolls sideways`, bar.left >= 0 && bar.right <= W && bar.scrollWidth <= W && bar.viewport === W, JSON.stringify(bar));
    check('it keeps to one row', bar.height < 60, `${bar.height} px high`);
    check('the tools are folded into the Menu button, the search is usable', bar.menu !== 'none' && bar.tools === 'none' && bar.searchWidth >= 120, JSON.stringify(bar));
    await shot('phone-toolbar.png');

    await page.click('#menu-btn');
    const tools = await tw(() =>
      [...document.querySelectorAll('#toolbar-menu button')]
        .filter((b) => !b.hidden)
        .map((b) => {
          const r = b.getBoundingClientRect();
          return { id: b.id, left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width };
        }),
    );
    const expanded = await tw(() => document.getElementById('menu-btn').getAttribute('aria-expanded'));
    const want = ['events-btn', 'incidents-btn', 'table-btn', 'layers-btn', 'measure-btn', 'filters-btn', 'settings-btn'];
    check(
      'the menu shows every tool inside the screen',
      expanded === 'true' && want.every((id) => tools.some((t) => t.id === id)) && tools.every((t) => t.width > 0 && t.left >= 0 && t.right <= W && t.top >= 0 && t.bottom <= H),
      JSON.stringify(tools.map((t) => `${t.id} ${Math.round(t.left)}-${Math.round(t.right)},${Math.round(t.top)}-${Math.round(t.bottom)}`)),
    );
    await shot('phone-menu.png');

    // Alerts over the open menu: wait for one that overlaps a tool, and
    // hit-test the tools it covers in the same task (a toast goes after
    // 10 s). A stack of zone alerts once took the menu's clicks.
    const covered = await page
      .waitForFunction(
        () => {
          if (!document.getElementById('toolbar').classList.contains('menu-open')) return null;
          const toasts = [...document.querySelectorAll('#toasts .toast')].map((t) => t.getBoundingClientRect());
          const hits = [];
          for (const b of document.querySelectorAll('#toolbar-menu button')) {
            if (b.hidden) continue;
            const r = b.getBoundingClientRect();
            const x = r.left + r.width / 2;
            const y = r.top + r.height / 2;
            if (!toasts.some((t) => t.left <= x && x <= t.right && t.top <= y && y <= t.bottom)) continue;
            const el = document.elementFromPoint(x, y);
            hits.push({ id: b.id, hit: b.contains(el), at: el?.id || el?.className || el?.tagName || null });
          }
          return hits.length > 0 ? hits : null;
        },
        null,
        { timeout: TIMEOUT, polling: 200 },
      )
      .then((h) => h.jsonValue(), () => null);
    check('with notifications over the open menu, the tools they cover take the pointer', covered && covered.every((c) => c.hit), JSON.stringify(covered));
    await shot('phone-menu-notifications.png');

    await page.click('#layers-btn');
    const opened = await waitFor(() => !document.getElementById('layers').hidden && !document.getElementById('toolbar').classList.contains('menu-open'), null, 'the layers, the menu closed');
    const pop = await tw(() => document.getElementById('layers').getBoundingClientRect().toJSON());
    check('a tool chosen from the menu opens (Layers), inside the screen, and the menu closes', opened && pop.left >= 0 && pop.right <= W, JSON.stringify(pop));
    await shot('phone-layers.png');
    await page.click('#menu-btn');
    await page.keyboard.press('Escape');
    const closed = await waitFor(() => !document.getElementById('toolbar').classList.contains('menu-open') && document.activeElement?.id === 'menu-btn', null, 'the menu closed by Escape');
    check('Escape closes the menu and gives the focus back to its button', closed);
  },
  { viewport: { width: W, height: H }, hash: viewAt(9) },
);
