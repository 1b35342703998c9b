// Browser test of the map on a detailed basemap at harbour zoom: a node
// serves a PMTiles archive built from the OpenStreetMap land at 10 m over
// Singapore's harbour (TestBrowserDetailedBasemap in internal/server
// builds it and runs this script), with a ship alongside in Keppel
// Harbour. At zoom 14 the map requests byte ranges of the archive, draws
// its land (only the detailed land reaches zoom 14: the world land of the
// archive stops at zoom 5), Sentosa is land (Natural Earth has no
// Sentosa), the ship is on water, and the screenshot is
// basemap-detail-keppel-z14.png in the artifacts.
import { run, screenshotPixels, nearColour, SEA, LAND } from './lib.mjs';

const near = nearColour;

await run('basemap-detail', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with the ship', await mapReady());
  await waitFor(() => window.__tidewatch.basemap(), null, 'the PMTiles basemap');
  const info = await tw(() => window.__tidewatch.basemap());
  check('the server offers the detailed archive to zoom 14', info && info.pmtiles === '/basemap/tiles.pmtiles' && info.maxzoom >= 14 && info.mapLayers.includes('bm-land'),
    JSON.stringify(info && { maxzoom: info.maxzoom, layers: info.layers }));

  // Requests for the archive from here on: byte ranges of its tiles.
  const ranges = [];
  page.on('request', (req) => {
    if (req.url().includes('/basemap/tiles.pmtiles')) ranges.push(req.headers()['range'] || '');
  });
  await tw(() => (location.hash = '#14/1.258/103.828'));
  await waitFor(() => Math.abs(window.__tidewatch.view().zoom - 14) < 0.01 && window.__tidewatch.settled(), null, 'zoom 14 over Keppel Harbour');
  await waitFor(() => window.__tidewatch.basemapFeatureCount('bm-land') > 0, null, 'the detailed land');
  const land = await tw(() => window.__tidewatch.basemapFeatureCount('bm-land'));
  check('the archive was read by byte range at zoom 14', ranges.length > 0 && ranges.every((r) => /^bytes=\d+-\d+$/.test(r)), JSON.stringify(ranges.slice(0, 5)));
  check('detailed land is drawn at zoom 14', land > 0, `${land} land features`);

  const ships = await tw(() => window.__tidewatch.renderedShips());
  const ship = (ships || []).find((s) => String(s.mmsi) === '563000777');
  check('the ship in Keppel Harbour is drawn', !!ship, JSON.stringify(ships));
  await waitFor(() => window.__tidewatch.settled(), null, 'the map settled');
  const png = await page.screenshot();
  await shot('basemap-detail-keppel-z14.png');
  const pixel = async (points) => (await screenshotPixels(page, png, points)).map((px) => px[0]);
  if (ship) {
    const under = await tw(([x, y]) => window.__tidewatch.basemapAt(x, y), [ship.x, ship.y]);
    check('the ship is on water: no land under it', !under.includes('bm-land'), JSON.stringify(under));
  }
  // Rendered features at each point, and the screenshot's pixel where
  // no panel of the map covers it (pixel: true).
  for (const [what, lon, lat, wantLand, pix] of [
    ['Sentosa (not in Natural Earth) is land', 103.8230, 1.2500, true, true],
    ['the harbour west of the ship is water', 103.8160, 1.2606, false, true],
    ['the harbour beside the ship is water', 103.8300, 1.2625, false, false],
    ['Singapore island, Telok Blangah, is land', 103.8150, 1.2760, true, false],
  ]) {
    const at = await tw(([x, y]) => window.__tidewatch.project(x, y), [lon, lat]);
    const under = await tw(([x, y]) => window.__tidewatch.basemapAt(x, y), at);
    const [px] = pix ? await pixel([at]) : [null];
    const isLand = under.includes('bm-land');
    check(what, isLand === wantLand && (!pix || near(px, wantLand ? LAND : SEA)), `${JSON.stringify(under)} pixel ${JSON.stringify(px)}`);
  }
});
