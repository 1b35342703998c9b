// Browser test of the detailed offline basemap (PMTiles): the server says
// it has one (/basemap/info), the map draws its land, coast and ports at
// harbour zoom over Singapore, names the ports, and the ships in the
// Singapore Strait are on water: no land feature is rendered under them
// and the screenshot's pixels beside each symbol are the sea's colour,
// while an inland point of the island is the land's.
import { run } from '../lib.mjs';

const SEA = [14, 42, 61]; // #0e2a3d, the background
const LAND = [47, 61, 48]; // #2f3d30, bm-land
const near = (px, want) => px && Math.abs(px[0] - want[0]) + Math.abs(px[1] - want[1]) + Math.abs(px[2] - want[2]) <= 12;

await run('basemap', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  const info = await waitFor(() => window.__tidewatch.basemap(), null, 'the PMTiles basemap');
  check('the server offers a PMTiles basemap and the map added its layers',
    info && info.pmtiles === '/basemap/tiles.pmtiles' && info.mapLayers.includes('bm-land') && info.mapLayers.includes('bm-ports'),
    JSON.stringify(info && { layers: info.layers, mapLayers: info.mapLayers }));

  await tw(() => (location.hash = '#12/1.25/103.84'));
  await waitFor(() => Math.abs(window.__tidewatch.view().zoom - 12) < 0.01 && window.__tidewatch.settled(), null, 'zoom 12 over Singapore');
  const land = await waitFor(() => window.__tidewatch.basemapFeatureCount('bm-land') > 0 && window.__tidewatch.basemapFeatureCount('bm-land'), null, 'detailed land');
  check('detailed land is drawn at the harbour', land > 0, `${land} land features`);
  const ports = await waitFor(() => window.__tidewatch.basemapFeatureCount('bm-ports'), null, 'port points');
  check('port points are drawn', ports > 0, `${ports} port features`);
  const labels = await waitFor(() => window.__tidewatch.portLabels().length > 0 && window.__tidewatch.portLabels(), null, 'port names');
  check('ports are named on the map', labels && labels.some((l) => /SINGAPORE|KEPPEL/.test(l.name)), JSON.stringify((labels || []).map((l) => l.name)));

  const ships = await waitFor(() => {
    const s = window.__tidewatch.renderedShips().filter((x) => String(x.mmsi).startsWith('5630'));
    return s.length >= 3 && s;
  }, null, 'the ships in the strait');
  check('the ships in the Singapore Strait are drawn', ships && ships.length >= 3, JSON.stringify(ships));

  // Pixels of the screenshot, read back in the page (a data: image).
  const png = await page.screenshot();
  await shot('basemap-singapore-z12.png');
  const pixel = async (points) => tw(async ([b64, pts]) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    return pts.map(([x, y]) => [...ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3)]);
  }, [png.toString('base64'), points]);

  for (const s of ships || []) {
    const under = await tw(([x, y]) => window.__tidewatch.basemapAt(x, y), [s.x, s.y]);
    const around = await pixel([[s.x - 14, s.y], [s.x + 14, s.y], [s.x, s.y - 14], [s.x, s.y + 14]]);
    const sea = around.filter((p) => near(p, SEA)).length;
    check(`ship ${s.mmsi} is on water: no land under it, sea beside it`, !under.includes('bm-land') && sea >= 3,
      `layers under it ${JSON.stringify(under)}, pixels beside it ${JSON.stringify(around)}`);
  }
  const inland = await tw(() => window.__tidewatch.project(103.82, 1.35));
  const [px] = await pixel([inland]);
  const underInland = await tw(([x, y]) => window.__tidewatch.basemapAt(x, y), inland);
  check('an inland point of the island is land', underInland.includes('bm-land') && near(px, LAND), `${JSON.stringify(underInland)} ${JSON.stringify(px)}`);
});
