// Browser test of the tidewatch web map: Playwright (playwright-core)
// driving Debian's Chromium against a running server.
//
//   BASE_URL      the server, e.g. http://127.0.0.1:8080 (required)
//   TOKEN         API token, put in the map's settings (local storage)
//   SEARCH_NAME   a vessel name to search for; default: the clicked ship's
//   HOSTILE_MMSI  MMSI of the vessel named HOSTILE_NAME; default: found by
//                 searching for HOSTILE_NAME
//   HOSTILE_NAME  default <IMG SRC=X ONERROR=ALERT(1)>
//   ARTIFACTS     screenshots directory, default e2e/artifacts
//   CHROMIUM      browser binary, default /usr/bin/chromium
//   TIMEOUT_MS    per wait, default 30000
//   LIVE_UPDATES  0: do not require updates on the live stream
//   EXPECT_EVENTS 1: the events panel must list events, and clicking one
//                 must open its vessel's panel and show it on the map
//   EXPECT_LIVE_EVENTS 1: events must also arrive on the live stream
//   EXPECT_ZONES  1: the zones layer must have features
//   HOSTILE_ZONE  a zone name with markup in it (e.g. the one above), which
//                 an event in the list and the zone's hover must show as text
//
// It prints one line per check and "N passed, N failed", and exits 0 only if
// every check passed.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const BASE_URL = process.env.BASE_URL;
const TOKEN = process.env.TOKEN || '';
const HOSTILE_NAME = process.env.HOSTILE_NAME || '<IMG SRC=X ONERROR=ALERT(1)>';
const ARTIFACTS = path.resolve(process.env.ARTIFACTS || path.join(here, 'artifacts'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = Number(process.env.TIMEOUT_MS) || 30000;

if (!BASE_URL) {
  console.error('map.mjs: set BASE_URL, e.g. BASE_URL=http://127.0.0.1:8080');
  process.exit(2);
}
fs.mkdirSync(ARTIFACTS, { recursive: true });

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ': ' + detail : ''}`);
  return ok;
}

const dialogs = [];
const pageErrors = [];
const cspViolations = [];
const consoleErrors = [];
const offOrigin = [];

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // WebGL without a GPU: SwiftShader.
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
  ],
});

let page;
async function shot(name) {
  try {
    await page.screenshot({ path: path.join(ARTIFACTS, name) });
  } catch (err) {
    console.log(`(screenshot ${name}: ${err.message})`);
  }
}

async function waitFor(fn, arg, what) {
  try {
    await page.waitForFunction(fn, arg, { timeout: TIMEOUT, polling: 200 });
    return true;
  } catch {
    console.log(`(timed out waiting for ${what})`);
    return false;
  }
}

const panelField = (field) =>
  page.evaluate((f) => document.querySelector(`#panel-fields dd[data-field="${f}"]`)?.textContent ?? null, field);
const panelName = () => page.evaluate(() => document.getElementById('panel-name')?.textContent ?? null);

// openBySearch types q into the search box and clicks the result whose
// MMSI is mmsi, or else the first result whose name is name.
async function openBySearch(q, { mmsi, name }) {
  await page.fill('#search', '');
  await page.fill('#search', q);
  const found = await waitFor(
    ({ mmsi, name }) =>
      [...document.querySelectorAll('#search-results button')].some(
        (b) => (mmsi && b.dataset.mmsi === mmsi) || (name && b.querySelector('.name')?.textContent === name),
      ),
    { mmsi, name },
    `search results for ${JSON.stringify(q)}`,
  );
  if (!found) return null;
  const picked = await page.evaluate(
    ({ mmsi, name }) => {
      const b = [...document.querySelectorAll('#search-results button')].find(
        (b) => (mmsi && b.dataset.mmsi === mmsi) || (name && b.querySelector('.name')?.textContent === name),
      );
      return b ? b.dataset.mmsi : null;
    },
    { mmsi, name },
  );
  await page.click(`#search-results button[data-mmsi="${picked}"]`);
  const opened = await waitFor(
    (m) => document.querySelector('#panel-fields dd[data-field="mmsi"]')?.textContent === m && !document.getElementById('panel').hidden,
    picked,
    `panel of ${picked}`,
  );
  return opened ? picked : null;
}

// pickEvent clicks the row of the event with the given id in the events
// panel and checks that the map highlights it and the panel of its first
// vessel opens. It returns the row's {id, mmsi} or null.
async function pickEvent(sel, what) {
  const row = await page.evaluate((sel) => {
    const b = document.querySelector(sel);
    return b ? { id: b.dataset.id, mmsi: b.dataset.mmsi } : null;
  }, sel);
  if (!check(`an event to click (${what})`, !!row && !!row.mmsi, JSON.stringify(row))) return null;
  await page.click(`#events-list button.event-row[data-id="${row.id.replaceAll('"', '\\"')}"]`);
  const opened = await waitFor(
    (r) =>
      window.__tidewatch.selectedEvent() === r.id &&
      document.querySelector('#panel-fields dd[data-field="mmsi"]')?.textContent === r.mmsi &&
      !document.getElementById('panel').hidden,
    row,
    `panel of ${row.mmsi} from event ${row.id}`,
  );
  check(`clicking event ${row.id} opens the panel of ${row.mmsi}`, opened, `panel ${await panelField('mmsi')}`);
  await page.waitForTimeout(1200); // the fly-to
  await waitFor(() => window.__tidewatch.idle(), null, 'map idle');
  return row;
}

async function checkEvents() {
  await page.click('#events-btn');
  const listed = await waitFor(() => window.__tidewatch.eventRows() > 0, null, 'events in the panel');
  const rows = await page.evaluate(() => window.__tidewatch.eventRows());
  check('events panel lists events', listed, `${rows} rows`);
  await page.waitForTimeout(300);
  await shot('06-events.png');
  if (!listed) return;
  const elements = await page.evaluate(
    () => document.querySelectorAll('#events-list .badge *, #events-list .event-vessels *, #events-list .zone-name *, #events-list .event-time *').length,
  );
  check('event rows hold text only (no elements from data)', elements === 0, `${elements}`);

  const row = await pickEvent('#events-list button.event-row', 'the newest');
  if (row) {
    const drawn = await waitFor((id) => window.__tidewatch.renderedEvents().some((e) => e.id === id), row.id, 'the event on the map');
    check('the clicked event is drawn on the map', drawn, `${await page.evaluate(() => window.__tidewatch.renderedEventCount())} events in view`);
    await shot('07-event-picked.png');
    if (drawn) {
      const at = await page.evaluate((id) => window.__tidewatch.renderedEvents().find((e) => e.id === id), row.id);
      await page.mouse.move(at.x, at.y);
      await waitFor(() => window.__tidewatch.hoverText() !== null, null, 'hover text');
      const text = (await page.evaluate(() => window.__tidewatch.hoverText())) ?? '';
      const kids = await page.evaluate(() => window.__tidewatch.hoverElements());
      check('hovering the event names it (type and vessels, as text)', text.includes(row.mmsi) && kids === 0, JSON.stringify(text));
      await page.mouse.move(5, 450);
    }
  }
  if (process.env.EXPECT_LIVE_EVENTS === '1') {
    const live = await waitFor(() => window.__tidewatch.streamedEventCount() > 0, null, 'events on the stream');
    check('events arrive on the live stream', live, `${await page.evaluate(() => window.__tidewatch.streamedEventCount())} events`);
  }
}

// checkHostileZone finds the event in zone name, which must be text in the
// list, opens it, and hovers around it: the tooltip names the zone, as text.
async function checkHostileZone(name) {
  if (await page.evaluate(() => document.getElementById('events').hidden)) await page.click('#events-btn');
  const found = await waitFor(
    (n) => [...document.querySelectorAll('#events-list .zone-name')].some((z) => z.textContent === n),
    name,
    'the event in the hostile zone',
  );
  check('hostile zone name shown as text in the events list', found, JSON.stringify(name));
  if (!found) return;
  const id = await page.evaluate(
    (n) => [...document.querySelectorAll('#events-list .zone-name')].find((z) => z.textContent === n).closest('button').dataset.id,
    name,
  );
  const row = await pickEvent(`#events-list button.event-row[data-id="${id}"]`, 'in the hostile zone');
  if (!row) return;
  const at = await page.evaluate((id) => window.__tidewatch.renderedEvents().find((e) => e.id === id), row.id);
  let text = null;
  for (const [dx, dy] of [[40, 40], [-40, 40], [40, -40], [-40, -40], [70, 0], [0, 70]]) {
    if (!at) break;
    await page.mouse.move(at.x + dx, at.y + dy);
    await page.waitForTimeout(150);
    text = await page.evaluate(() => window.__tidewatch.hoverText());
    if (text && text.split('\n').includes(`Zone ${name}`)) break;
  }
  const kids = await page.evaluate(() => window.__tidewatch.hoverElements());
  check('hovering the hostile zone names it as text', !!text && text.split('\n').includes(`Zone ${name}`) && kids === 0, JSON.stringify(text));
  await shot('08-hostile-zone.png');
  await page.mouse.move(5, 450);
}

try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const origin = new URL(BASE_URL).origin;
  if (TOKEN) {
    await context.addInitScript((t) => localStorage.setItem('tidewatch.token', t), TOKEN);
  }
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  page = await context.newPage();
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(origin + '/') && !u.startsWith('data:') && !u.startsWith('blob:')) offOrigin.push(u);
  });

  // 1. The map loads and ships are drawn.
  const res = await page.goto(BASE_URL, { waitUntil: 'load', timeout: TIMEOUT });
  check('index served', res && res.ok(), res ? `${res.status()}` : 'no response');
  const csp = res ? res.headers()['content-security-policy'] || '' : '';
  check('strict CSP header', csp.includes("script-src 'self'") && !/unsafe-inline|unsafe-eval/.test(csp), csp);
  const drawn = await waitFor(() => window.__tidewatch && window.__tidewatch.shipCount() > 0, null, 'ships');
  const shipCount = drawn ? await page.evaluate(() => window.__tidewatch.shipCount()) : 0;
  check('ships drawn', shipCount > 0, `${shipCount} ships rendered`);
  const land = await waitFor(() => window.__tidewatch.landFeatureCount() > 0, null, 'the basemap');
  check('basemap land loaded', land || new URL(page.url()).searchParams.has('tiles'), `${await page.evaluate(() => window.__tidewatch.landFeatureCount())} land features`);
  await page.waitForTimeout(500);
  await shot('01-ships.png');

  if (process.env.LIVE_UPDATES !== '0') {
    const live = await waitFor(() => window.__tidewatch.updateCount() > 0, null, 'live updates');
    check('live updates arrive on the stream', live, `${await page.evaluate(() => window.__tidewatch.updateCount())} updates`);
  }

  // Filters: no category shows no ship; all show them again.
  if (shipCount > 0) {
    await page.click('#filters-btn');
    await page.click('#categories-none');
    const none = await waitFor(() => window.__tidewatch.shipCount() === 0, null, 'no ships with no category');
    await page.click('#categories-all');
    const all = await waitFor(() => window.__tidewatch.shipCount() > 0, null, 'ships with all categories');
    await page.click('#filters-btn');
    check('category filter hides and shows ships', none && all);
  }

  // 2. Click a ship; its panel and track show.
  let clicked = null;
  if (shipCount > 0) {
    await waitFor(() => window.__tidewatch.idle(), null, 'map idle');
    clicked = await page.evaluate(() => {
      const w = window.innerWidth;
      const h = window.innerHeight;
      const all = window.__tidewatch.renderedShips();
      // The ship clear of the panels that is furthest from its nearest
      // neighbour, so that the click cannot hit another one.
      const inView = all
        .filter((s) => s.x > 40 && s.x < w - 400 && s.y > 80 && s.y < h - 80)
        .map((s) => ({ ...s, fromCentre: Math.hypot(s.x - w / 2, s.y - h / 2) }))
        .sort((a, b) => a.fromCentre - b.fromCentre)
        .slice(0, 300);
      for (const s of inView) {
        s.clear = Math.min(...all.filter((o) => o !== s).map((o) => Math.hypot(o.x - s.x, o.y - s.y)), 1e9);
      }
      const ships = inView.sort((a, b) => Math.min(b.clear, 40) - Math.min(a.clear, 40) || a.fromCentre - b.fromCentre);
      return ships[0] || null;
    });
  }
  if (check('a ship to click', !!clicked, clicked ? `MMSI ${clicked.mmsi} at ${Math.round(clicked.x)},${Math.round(clicked.y)}` : 'none in view')) {
    await page.mouse.click(clicked.x, clicked.y);
    const opened = await waitFor(
      (m) => document.querySelector('#panel-fields dd[data-field="mmsi"]')?.textContent === m && !document.getElementById('panel').hidden,
      clicked.mmsi,
      'panel of the clicked ship',
    );
    check('panel shows the clicked MMSI', opened, `${await panelField('mmsi')}`);
    const track = await waitFor(() => window.__tidewatch.trackFeatureCount() > 0, null, 'track');
    check('track layer has data', track, `${await page.evaluate(() => window.__tidewatch.trackFeatureCount())} features`);
    await waitFor(() => window.__tidewatch.renderedTrackCount() > 0, null, 'track drawn');
    check('track drawn', (await page.evaluate(() => window.__tidewatch.renderedTrackCount())) > 0);
    await shot('02-clicked.png');
  }

  // 3. Search by name and open the result.
  let searchName = process.env.SEARCH_NAME || '';
  if (!searchName) {
    const n = await panelName();
    if (n && !n.startsWith('MMSI ')) searchName = n;
  }
  if (check('a name to search for', !!searchName, searchName || 'set SEARCH_NAME')) {
    const got = await openBySearch(searchName, { name: searchName });
    if (got) await waitFor((n) => document.getElementById('panel-name')?.textContent === n, searchName, 'name in the panel');
    check(`search "${searchName}" opens its panel`, !!got && (await panelName()) === searchName, `${await panelName()}`);
    await page.waitForTimeout(1200); // the fly-to
    await shot('03-search.png');
  }

  // 4. A hostile name is shown as text and runs nothing.
  let hostile = process.env.HOSTILE_MMSI || '';
  let opened = null;
  if (hostile) opened = await openBySearch(hostile, { mmsi: hostile });
  else opened = await openBySearch(HOSTILE_NAME, { name: HOSTILE_NAME });
  if (check('hostile vessel found by search', !!opened, opened ? `MMSI ${opened}` : hostile || HOSTILE_NAME)) {
    hostile = opened;
    await waitFor((n) => document.getElementById('panel-name')?.textContent === n, HOSTILE_NAME, 'hostile name in the panel');
    check('hostile name shown as text in the panel', (await panelName()) === HOSTILE_NAME, JSON.stringify(await panelName()));
    const elements = await page.evaluate(() => document.querySelectorAll('#panel-name *, #panel-fields dd *, #search-results .name *').length);
    check('panel and results hold text only (no elements from data)', elements === 0, `${elements}`);
    await page.fill('#search', hostile);
    await waitFor((m) => !!document.querySelector(`#search-results button[data-mmsi="${m}"]`), hostile, 'results');
    const resultText = await page.evaluate(
      (m) => document.querySelector(`#search-results button[data-mmsi="${m}"] .name`)?.textContent ?? null,
      hostile,
    );
    check('hostile name shown as text in search results', resultText === HOSTILE_NAME, JSON.stringify(resultText));
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1500); // time for any injected handler to fire
    await shot('04-hostile.png');
  }
  // 5. The time slider shows a past moment (?at=) and Live returns.
  await page.evaluate(() => {
    const s = document.getElementById('time-slider');
    s.value = '-5';
    s.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const past = await waitFor(() => window.__tidewatch.mode() === 'at' && window.__tidewatch.lastLoad()?.at, null, 'the past picture');
  const pastLoad = await page.evaluate(() => window.__tidewatch.lastLoad());
  check('time slider loads the picture of a past moment', past && pastLoad && !pastLoad.error, JSON.stringify(pastLoad));
  await page.waitForTimeout(500);
  await shot('05-past.png');
  await page.click('#live-btn');
  const live = await waitFor(() => window.__tidewatch.mode() === 'live' && window.__tidewatch.lastLoad()?.at === null, null, 'live');
  check('Live returns to the live picture', live, JSON.stringify(await page.evaluate(() => window.__tidewatch.lastLoad())));

  // 6. Events: the panel lists them; a click flies to one, highlights it
  // and opens its vessel; zones are drawn and named on hover.
  if (process.env.EXPECT_EVENTS === '1') await checkEvents();
  if (process.env.EXPECT_ZONES === '1') {
    const zones = await waitFor(() => window.__tidewatch.zoneFeatureCount() > 0, null, 'zones');
    check('zone layer has features', zones, `${await page.evaluate(() => window.__tidewatch.zoneFeatureCount())} zones`);
  }
  if (process.env.HOSTILE_ZONE) await checkHostileZone(process.env.HOSTILE_ZONE);

  const imgs = await page.evaluate(() =>
    [...document.querySelectorAll('img, svg, script, iframe')]
      .filter((e) => e.tagName !== 'SCRIPT' || !e.src)
      .map((e) => `${e.tagName.toLowerCase()} src=${e.getAttribute('src')}`),
  );
  const injected = await page.evaluate(() => [...document.querySelectorAll('img')].filter((i) => (i.getAttribute('src') || '').toLowerCase() === 'x').length);
  check('no <img src=x> in the DOM', injected === 0, `${injected}`);
  check('no injected elements (img, svg, inline script, iframe)', imgs.length === 0, imgs.join('; '));
  check('no dialog opened', dialogs.length === 0, dialogs.join('; '));

  // 6. The page stayed within its origin and its policy.
  const violations = await page.evaluate(() => window.__cspViolations);
  check('no CSP violations', violations.length === 0, violations.join('; '));
  check('no page errors', pageErrors.length === 0, pageErrors.join('; '));
  check('no requests off the origin', offOrigin.length === 0, offOrigin.slice(0, 5).join(' '));
  if (consoleErrors.length) console.log(`(console errors: ${consoleErrors.slice(0, 5).join(' | ')})`);
} catch (err) {
  check('test ran to the end', false, err.stack || String(err));
  await shot('99-error.png');
} finally {
  await browser.close();
}

console.log(`screenshots in ${ARTIFACTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
