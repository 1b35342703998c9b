// Browser test of dots mode, against a node with more than 5,000 ships
// (TestBrowserDots in internal/server: simulated traffic): at a world
// view every ship loaded is drawn as a dot in its group's colour (the
// ships-dots layer draws, the icons do not), the legend says so with the
// same colours as round swatches, the dots in the screenshot have those
// colours, a click on a dot opens that vessel's panel, and zoomed in to
// fewer ships the icons come back (and the legend's note goes).
// Screenshots: dots-world.png, dots-icons.png.
//
//   DOTS_MIN  the fewest ships the node has (default 5001)
import { run, screenshotPixels } from '../lib.mjs';

const MIN = Number(process.env.DOTS_MIN) || 5001;

// rgb turns #RRGGBB into [r, g, b].
const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const near = (a, b, tol = 60) => Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]) <= tol;

await run(
  'dots',
  async ({ page, check, shot, waitFor, tw, mapReady }) => {
    const T0 = Date.now();
    const lap = (what) => console.log(`(${((Date.now() - T0) / 1000).toFixed(1)} s: ${what})`);
    check('the map loads with ships', await mapReady());
    lap('map ready');
    const drawn = await waitFor(
      (min) => window.__tidewatch.vesselCount() >= min && window.__tidewatch.dots() && window.__tidewatch.shipsSettled() && window.__tidewatch.shipLayerCounts().dots > 1000,
      MIN,
      'the dots drawn',
    );
    lap('dots drawn');
    const counts = await tw(() => ({ loaded: window.__tidewatch.vesselCount(), dotsMode: window.__tidewatch.dots(), ...window.__tidewatch.shipLayerCounts() }));
    check(`over 5,000 ships loaded (${counts.loaded}): the dots layer draws them, the icon layer none`, drawn && counts.dotsMode && counts.dots > 1000 && counts.icons === 0, JSON.stringify(counts));

    // The legend says what a dot is, in the dots' own colours.
    const legend = await tw(() => {
      const note = document.getElementById('legend-dots');
      const sw = [...document.querySelectorAll('#legend li[data-group] .swatch')];
      return {
        open: document.getElementById('legend').open,
        note: note ? note.textContent : null,
        visible: note ? note.getBoundingClientRect().height > 0 : false,
        round: sw.every((s) => getComputedStyle(s).borderRadius === '50%'),
        colours: sw.map((s) => getComputedStyle(s).backgroundColor),
        shapes: [...document.querySelectorAll('#legend .sym.hull')].length,
      };
    });
    check('the legend says the ships are dots, coloured by group, and that zooming in shows icons', legend.open && legend.visible && /dot/.test(legend.note) && /colour/.test(legend.note) && /zoom in/.test(legend.note), JSON.stringify(legend.note));
    check('its group swatches are dots, and the shapes by course are left out', legend.round && legend.shapes === 0, JSON.stringify(legend));
    const dotColours = await tw(() => window.__tidewatch.dotColours());
    const paint = [...new Set(Object.values(dotColours))].map(rgb);
    const swatches = legend.colours.map((c) => c.match(/\d+/g).slice(0, 3).map(Number));
    check(
      'every dot colour is a legend swatch, and every swatch a dot colour (Okabe–Ito, as the icons)',
      paint.length >= 6 && paint.every((p) => swatches.some((s) => near(p, s, 0))) && swatches.every((s) => paint.some((p) => near(p, s, 0))),
      JSON.stringify({ paint, swatches }),
    );

    // The screenshot's pixels: an isolated dot is drawn in its category's
    // colour (stale ones faded: left out).
    await waitFor(() => window.__tidewatch.shipsSettled(), null, 'the ships drawn');
    const ships = await tw(() => window.__tidewatch.renderedShips());
    const cats = await tw(async () => {
      const b = await (await fetch('/api/v1/vessels?bbox=-180,-90,180,90&limit=100000')).json();
      return Object.fromEntries(b.vessels.map((v) => [String(v.mmsi), { cat: v.category, age: v.age_s }]));
    });
    const isolated = ships.filter((s, i) => cats[s.mmsi] && cats[s.mmsi].age < 300 && ships.every((o, j) => j === i || Math.hypot(o.x - s.x, o.y - s.y) > 8)).slice(0, 150);
    const png = await page.screenshot();
    const file = await shot('dots-world.png');
    // the 3×3 pixels round each centre (a dot is 2 to 3 px across here)
    const pixels = await screenshotPixels(page, png, isolated.map((s) => [s.x, s.y]), 3);
    const right = isolated.filter((s, i) => {
      const want = dotColours[cats[s.mmsi].cat] ?? dotColours.unknown;
      return want && pixels[i].some((p) => near(p, rgb(want)));
    });
    check(
      `${file}: isolated dots are drawn in their category's colour (${right.length} of ${isolated.length})`,
      isolated.length >= 20 && right.length >= 0.8 * isolated.length,
      JSON.stringify(isolated.slice(0, 3).map((s, i) => ({ ...s, cat: cats[s.mmsi].cat, pixels: pixels[i] }))),
    );

    lap('pixels checked');
    // A click on a dot opens its vessel's panel.
    const target = isolated[0] ?? ships[0];
    await page.mouse.click(target.x, target.y);
    const opened = await waitFor(
      (m) => window.__tidewatch.selected() === m && !document.getElementById('panel').hidden && document.querySelector('#panel-fields dd[data-field="mmsi"]')?.textContent === m,
      target.mmsi,
      'the vessel panel',
    );
    check(`a click on a dot opens that vessel's panel (${target.mmsi})`, opened);
    await page.click('#panel-close');

    lap('panel opened');
    // Zoomed in to fewer ships (a reload of the view), the icons return.
    await tw(() => (location.hash = '#9/26.3/56.4'));
    const icons = await waitFor(
      () => window.__tidewatch.view().zoom > 8.5 && !window.__tidewatch.dots() && window.__tidewatch.shipsSettled() && window.__tidewatch.shipLayerCounts().icons > 0,
      null,
      'the icons zoomed in',
    );
    const after = await tw(() => ({ loaded: window.__tidewatch.vesselCount(), dotsMode: window.__tidewatch.dots(), note: !!document.getElementById('legend-dots'), ...window.__tidewatch.shipLayerCounts() }));
    check('zoomed in to fewer ships, the icons are drawn again and no dots', icons && !after.dotsMode && after.loaded <= 5000 && after.icons > 0 && after.dots === 0, JSON.stringify(after));
    check('and the legend shows the shapes by course again, without the dots note', !after.note && (await tw(() => document.querySelectorAll('#legend .sym.hull').length)) === 1);
    await shot('dots-icons.png');
    lap('icons');
  },
  { hash: '#1.6/20/30' },
);
