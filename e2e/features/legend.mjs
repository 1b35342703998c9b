// Browser test of the legend on a small screen (390×700, a phone): it
// starts folded, covers none of the map's controls (zoom, attribution)
// nor the toolbar, unfolds with a click to a compact, bounded list, and
// stays as the user left it after a reload (local storage).
import { run, overlaps } from '../lib.mjs';

await run(
  'legend',
  async ({ page, check, shot, waitFor, tw, mapReady }) => {
    check('the map loads with ships', await mapReady());
    const rects = () =>
      tw(() => {
        const r = (sel) => document.querySelector(sel)?.getBoundingClientRect().toJSON() ?? null;
        const toasts = [...document.querySelectorAll('#toasts .toast')].map((t) => t.getBoundingClientRect().toJSON());
        return { legend: r('#legend'), zoomIn: r('.maplibregl-ctrl-zoom-in'), zoomOut: r('.maplibregl-ctrl-zoom-out'), attrib: r('.maplibregl-ctrl-attrib'), toolbar: r('#toolbar'), timebar: r('#timebar'), toasts, open: document.getElementById('legend').open };
      });
    // Nothing covers it either: the notifications go to the top on a
    // small screen (the test node announces an event every 10 s).
    const clear = (r) => ['zoomIn', 'zoomOut', 'attrib', 'toolbar', 'timebar', ...r.toasts.map((_, i) => i)].every((k) => (typeof k === 'number' ? !overlaps(r.legend, r.toasts[k]) : r[k] && !overlaps(r.legend, r[k])));
    const folded = await rects();
    check('on a small screen the legend starts folded', folded.open === false && folded.legend.height < 40, JSON.stringify(folded.legend));
    check('folded, it covers none of the controls', clear(folded), JSON.stringify(folded));
    await page.click('#legend summary');
    const open = await waitFor(() => document.getElementById('legend').open, null, 'the legend open');
    const r = await rects();
    check('unfolded, it is compact (small type, bounded) and covers none of the controls', open && r.legend.width <= 210 && clear(r), JSON.stringify(r));
    const items = await tw(() => [...document.querySelectorAll('#legend li[data-sym]')].map((li) => li.dataset.sym));
    check('it explains the radar, satellite and dark contact symbols', ['radar', 'satellite', 'dark'].every((s) => items.includes(s)), items.join());
    await shot('legend-small.png');
    await page.reload({ waitUntil: 'load' });
    await mapReady();
    const again = await tw(() => document.getElementById('legend').open);
    check('after a reload it stays as the user left it (open)', again === true);
    await page.click('#legend summary');
    // The choice is stored by the details' toggle event, a task queued
    // after the click: a reload before it ran kept the open state.
    await waitFor((k) => !document.getElementById('legend').open && localStorage.getItem(k) === 'closed', 'tidewatch.legend', 'the folded legend stored');
    await page.reload({ waitUntil: 'load' });
    await mapReady();
    check('and folded when folded', (await tw(() => document.getElementById('legend').open)) === false);
  },
  { viewport: { width: 390, height: 700 } },
);
