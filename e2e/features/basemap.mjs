// Browser test of the detailed offline basemap (PMTiles): the server says
// it has one (/basemap/info), the map draws its land, coast and ports at
// harbour zoom over Singapore, names the ports, and the ships in the
// Singapore Strait are on water: no land feature is rendered under them
// and the screenshot's pixels beside each symbol are the sea's colour,
// while a point of the island (103.85 E, 1.30 N) is the land's.
import { run, screenshotPixels, nearColour, SEA, LAND } from '../lib.mjs';

const near = nearColour;

await run('basemap', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  await waitFor(() => window.__tidewatch.basemap(), null, 'the PMTiles basemap');
  const info = await tw(() => window.__tidewatch.basemap());
  check('the server offers a PMTiles basemap and the map added its layers',
    info && info.pmtiles === '/basemap/tiles.pmtiles' && info.mapLayers.includes('bm-land') && info.mapLayers.includes('bm-ports'),
    JSON.stringify(info && { layers: info.layers, mapLayers: info.mapLayers }));

  await tw(() => (location.hash = '#12/1.25/103.84'));
  await waitFor(() => Math.abs(window.__tidewatch.view().zoom - 12) < 0.01 && window.__tidewatch.settled(), null, 'zoom 12 over Singapore');
  await waitFor(() => window.__tidewatch.basemapFeatureCount('bm-land') > 0, null, 'detailed land');
  const land = await tw(() => window.__tidewatch.basemapFeatureCount('bm-land'));
  check('detailed land is drawn at the harbour', land > 0, `${land} land features`);
  await waitFor(() => window.__tidewatch.basemapFeatureCount('bm-ports') > 0, null, 'port points');
  const ports = await tw(() => window.__tidewatch.basemapFeatureCount('bm-ports'));
  check('port points are drawn', ports > 0, `${ports} port features`);
  await waitFor(() => window.__tidewatch.portLabels().length > 0, null, 'port names');
  const labels = await tw(() => window.__tidewatch.portLabels());
  check('ports are named on the map', labels && labels.some((l) => /SINGAPORE|KEPPEL/.test(l.name)), JSON.stringify((labels || []).map((l) => l.name)));

  const strait = () => window.__tidewatch.renderedShips().filter((x) => String(x.mmsi).startsWith('5630'));
  await waitFor(`(${strait})().length >= 3`, null, 'the ships in the strait');
  await waitFor(() => window.__tidewatch.settled(), null, 'the map settled');
  const ships = await tw(strait);
  check('the ships in the Singapore Strait are drawn', ships && ships.length >= 3, JSON.stringify(ships));

  // Pixels of the screenshot, read back in the page (a data: image).
  const png = await page.screenshot();
  await shot('basemap-singapore-z12.png');
  const pixel = async (points) => (await screenshotPixels(page, png, points)).map((px) => px[0]);

  for (const s of ships || []) {
    const under = await tw(([x, y]) => window.__tidewatch.basemapAt(x, y), [s.x, s.y]);
    const around = await pixel([[s.x - 14, s.y], [s.x + 14, s.y], [s.x, s.y - 14], [s.x, s.y + 14]]);
    const sea = around.filter((p) => near(p, SEA)).length;
    check(`ship ${s.mmsi} is on water: no land under it, sea beside it`, !under.includes('bm-land') && sea >= 3,
      `layers under it ${JSON.stringify(under)}, pixels beside it ${JSON.stringify(around)}`);
  }
  // The layer control switches the basemap's overlays: the ports (and
  // their names) off and on.
  const entries = await tw(() => window.__tidewatch.layerEntries());
  // (the test's archive has land and ports: a switch for the ports, none
  // for borders or maritime boundaries it lacks, and no placeholder)
  const bm = entries.filter((e) => e.id.startsWith('bm-'));
  check('the layer control has a switch for each overlay of the archive (its ports), no other', bm.length === 1 && bm[0].id === 'bm-ports' && bm[0].available, JSON.stringify(bm));
  await page.click('#layers-btn');
  await page.uncheck('#layer-list input[data-layer="bm-ports"]');
  const portsOff = await waitFor(() => window.__tidewatch.mapLayerVisibility('bm-ports') === 'none' && window.__tidewatch.portLabels().length === 0, null, 'the ports off');
  check('switched off, the ports and their names go', portsOff);
  await page.check('#layer-list input[data-layer="bm-ports"]');
  const portsOn = await waitFor(() => window.__tidewatch.mapLayerVisibility('bm-ports') === 'visible' && window.__tidewatch.portLabels().length > 0, null, 'the ports on');
  check('and come back on', portsOn);
  await page.click('#layers-btn');

  const inland = await tw(() => window.__tidewatch.project(103.85, 1.3));
  const [px] = await pixel([inland]);
  const underInland = await tw(([x, y]) => window.__tidewatch.basemapAt(x, y), inland);
  check('an inland point of the island is land', underInland.includes('bm-land') && near(px, LAND), `${JSON.stringify(underInland)} ${JSON.stringify(px)}`);
});
