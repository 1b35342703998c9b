// Browser test of the range-and-bearing tool and the cursor readout:
// two clicks measure the great-circle range in nautical miles and the
// bearing in degrees true (checked against the places clicked, computed
// here independently); the readout shows the pointer in degrees-minutes
// and decimal degrees.
import { run } from '../lib.mjs';

const R_NM = 6371008.8 / 1852;
const rad = Math.PI / 180;
function haversineNm([lon1, lat1], [lon2, lat2]) {
  const s = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * R_NM * Math.asin(Math.sqrt(s));
}
function bearing([lon1, lat1], [lon2, lat2]) {
  const y = Math.sin((lon2 - lon1) * rad) * Math.cos(lat2 * rad);
  const x = Math.cos(lat1 * rad) * Math.sin(lat2 * rad) - Math.sin(lat1 * rad) * Math.cos(lat2 * rad) * Math.cos((lon2 - lon1) * rad);
  return ((Math.atan2(y, x) / rad) + 360) % 360;
}
// parseDM reads "51° 36.000′ N 002° 12.000′ E" back to [lat, lon].
function parseDM(s) {
  const m = /^(\d+)° (\d+\.\d+)′ ([NS]) (\d+)° (\d+\.\d+)′ ([EW])$/.exec(s);
  if (!m) return null;
  const lat = (+m[1] + +m[2] / 60) * (m[3] === 'S' ? -1 : 1);
  const lon = (+m[4] + +m[5] / 60) * (m[6] === 'W' ? -1 : 1);
  return [lat, lon];
}

await run('measure', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  await tw(() => (location.hash = '#9/51.25/2.0'));
  await waitFor(() => Math.abs(window.__tidewatch.view().zoom - 9) < 0.01 && window.__tidewatch.idle(), null, 'zoom 9');

  // The cursor readout.
  const [cx, cy] = [520, 430];
  await page.mouse.move(cx, cy);
  await waitFor(() => document.getElementById('cursor-dm').textContent !== '', null, 'the cursor readout');
  const here = await tw(([x, y]) => window.__tidewatch.unproject(x, y), [cx, cy]);
  const dmText = await tw(() => document.getElementById('cursor-dm').textContent);
  const decText = await tw(() => document.getElementById('cursor-dec').textContent);
  const dm = parseDM(dmText);
  const dec = decText.split(', ').map(Number);
  check(
    'the cursor readout shows the pointer in degrees and decimal minutes',
    dm && Math.abs(dm[0] - here[1]) < 0.0005 / 60 + 1e-4 && Math.abs(dm[1] - here[0]) < 1e-4 && /′ [NS] \d{3}°/.test(dmText),
    `${dmText} at ${here[1].toFixed(5)}, ${here[0].toFixed(5)}`,
  );
  check('and in decimal degrees', Math.abs(dec[0] - here[1]) < 1e-4 && Math.abs(dec[1] - here[0]) < 1e-4, decText);

  // Range and bearing between two places 30' of latitude apart, due north.
  await page.click('#measure-btn');
  const a = await tw(() => window.__tidewatch.project(2.0, 51.0));
  const b = await tw(() => window.__tidewatch.project(2.0, 51.5));
  await page.mouse.click(a[0], a[1]);
  await page.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
  const rubber = await waitFor(() => window.__tidewatch.measure() && !window.__tidewatch.measure().fixed, null, 'the line to the pointer');
  check('after the first click the line follows the pointer', rubber);
  await page.mouse.click(b[0], b[1]);
  const fixed = await waitFor(() => window.__tidewatch.measure()?.fixed, null, 'the measurement');
  const m = await tw(() => window.__tidewatch.measure());
  const nm = haversineNm(m.from, m.to);
  const brg = bearing(m.from, m.to);
  check('the range is the great-circle distance between the places clicked', fixed && Math.abs(m.nm - nm) < 1e-6, `${m.nm} vs ${nm}`);
  check('the bearing is the initial bearing, degrees true', Math.abs(m.bearing - brg) < 1e-6 || Math.abs(Math.abs(m.bearing - brg) - 360) < 1e-6, `${m.bearing} vs ${brg}`);
  check('30′ of latitude due north measures 30 nm at 000° T (within a pixel)', Math.abs(m.nm - 30.0) < 0.3 && (m.bearing < 0.5 || m.bearing > 359.5), m.text);
  const shown = await tw(() => document.getElementById('measure-range').textContent);
  check('the tool shows the range in nm and the bearing in °T', shown === m.text && /^\d+(\.\d+)? nm · \d{3}\.\d° T$/.test(shown), shown);
  const drawn = await tw(() => window.__tidewatch.mapLayerVisibility('measure-line'));
  check('the line is drawn', drawn === 'visible', drawn);
  // Clicking ships while measuring does not open them.
  check('measuring opens no vessel', (await tw(() => window.__tidewatch.selected())) === null);
  await shot('range-and-bearing.png');
  await page.keyboard.press('Escape');
  const ended = await waitFor(() => window.__tidewatch.measure() === null && document.getElementById('measure').hidden, null, 'the tool to end');
  check('Escape ends measuring', ended);
});
