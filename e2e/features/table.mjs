// Browser test of the vessel table: the vessels shown, sortable by any
// column, filtered by text, a click opens the vessel, and the CSV export
// holds every row that passes the filter, with AIS text as text; after a
// reload (the picture from the compact answer alone, no stream or details
// yet) the filter finds a vessel by its call sign and IMO number.
//
//   TABLE_NAME, TABLE_MMSI  a vessel whose name no other has (default OLD
//                TIMER, 244123456: TestBrowserFeatures' fixture)
//   TABLE_CALLSIGN, TABLE_IMO  that vessel's call sign and IMO number
//                (default PDOT, 9123456), heard once: not in the stream
//                after a reload
//   TABLE_GROUP  a name prefix of a few vessels (default CONVOY, the demo
//                radar story's convoy)
//   HOSTILE_NAME a vessel named with markup (default <SVG/ONLOAD=ALERT()>,
//                sent as real AIS by the test)
import fs from 'node:fs';
import { run } from '../lib.mjs';

const NAME = process.env.TABLE_NAME || 'OLD TIMER';
const MMSI = process.env.TABLE_MMSI || '244123456';
const CALLSIGN = process.env.TABLE_CALLSIGN || 'PDOT';
const IMO = process.env.TABLE_IMO || '9123456';
const GROUP = process.env.TABLE_GROUP || 'CONVOY';
const HOSTILE = process.env.HOSTILE_NAME || '<SVG/ONLOAD=ALERT()>';
const words = (s) => s.toLowerCase().split(' ').slice(0, 2).join(' ');

await run('table', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  await page.click('#table-btn');
  const open = await waitFor(() => window.__tidewatch.table().rows > 0, null, 'table rows');
  // A live node's picture changes between the table's render and the
  // map's: a vessel heard for the first time in between is shown on one
  // before the other. Wait for both to show the same picture.
  const same = () => {
    const t = window.__tidewatch.table();
    const shown = window.__tidewatch.shownVessels().length;
    return t.total === shown && t.rows === Math.min(500, shown);
  };
  const agreed = await waitFor(same, null, 'table and map agree');
  const t = await tw(() => ({ ...window.__tidewatch.table(), shown: window.__tidewatch.shownVessels().length }));
  check('the table lists the vessels shown on the map', open && agreed, JSON.stringify(t));
  const col = (key) => tw((k) => [...document.querySelectorAll(`#table-rows td[data-field="${k}"]`)].map((td) => td.textContent), key);
  const names = await col('name');
  const sortedNames = [...names].sort((a, b) => (a === '—') - (b === '—') || a.localeCompare(b, 'en', { numeric: true }));
  check('sorted by name by default', JSON.stringify(names) === JSON.stringify(sortedNames), names.slice(0, 5).join('; '));

  await page.click('#table-head button[data-key="sog"]');
  await waitFor(() => window.__tidewatch.table().sortKey === 'sog', null, 'sort by speed');
  const sog = (await col('sog')).filter((s) => s !== '—').map(Number);
  check('a click on Speed sorts by speed, fastest first', sog.length > 10 && sog.every((v, i) => i === 0 || sog[i - 1] >= v), sog.slice(0, 6).join(' '));
  const sortState = await tw(() => document.querySelector('#table-head th[data-key="sog"]').getAttribute('aria-sort'));
  check('the header says how it sorts (aria-sort)', sortState === 'descending', sortState);
  await page.click('#table-head button[data-key="sog"]');
  const sogUp = (await col('sog')).filter((s) => s !== '—').map(Number);
  check('a second click reverses it', sogUp.every((v, i) => i === 0 || sogUp[i - 1] <= v), sogUp.slice(0, 6).join(' '));
  await shot('table.png');

  await page.fill('#table-filter', words(NAME));
  await waitFor(() => window.__tidewatch.table().total === 1, null, 'the filter');
  const filtered = await col('name');
  check('the filter narrows it (name, case-insensitive)', filtered.length === 1 && filtered[0] === NAME, filtered.join('; '));
  await page.fill('#table-filter', '');
  // (New vessels may have come meanwhile.)
  await waitFor((n) => window.__tidewatch.table().total >= n, t.total, 'the filter cleared');

  // The CSV has every row the filter passes, and AIS text as text.
  await page.fill('#table-filter', GROUP);
  await waitFor((n) => window.__tidewatch.table().total < n, t.total, 'the filter');
  const want = await tw(() => window.__tidewatch.table().total);
  const dl = page.waitForEvent('download');
  await page.click('#table-export');
  const download = await dl;
  const file = await download.path();
  const csv = fs.readFileSync(file, 'utf8');
  const lines = csv.trimEnd().split('\r\n');
  check('the CSV export has a header and every row that passes the filter', lines[0] === 'name,mmsi,type,flag,sog,cog,lat,lon,time' && lines.length === want + 1, `${lines.length - 1} rows, want ${want}; ${download.suggestedFilename()}`);
  check('its rows are the vessels named so', want > 1 && lines.slice(1).every((l) => l.startsWith(GROUP)), lines.slice(1, 4).join(' | '));
  await page.fill('#table-filter', '');

  // Hostile AIS text stays text in the table.
  await page.fill('#table-filter', HOSTILE.slice(0, 4));
  await waitFor(() => window.__tidewatch.table().total === 1, null, 'the hostile vessel');
  const hostile = await tw(() => ({ text: document.querySelector('#table-rows td[data-field="name"]')?.textContent, kids: document.querySelectorAll('#table-rows td *').length, imgs: document.querySelectorAll('img').length }));
  check('a hostile name is shown as text', hostile.text === HOSTILE && hostile.kids === 0 && hostile.imgs === 0, JSON.stringify(hostile));

  // A click on a row opens the vessel (and flies to it: last).
  await page.fill('#table-filter', words(NAME));
  await waitFor(() => window.__tidewatch.table().total === 1, null, 'the filter');
  await page.click('#table-rows tr');
  const picked = await waitFor((m) => window.__tidewatch.selected() === m && !document.getElementById('panel').hidden, MMSI, 'the vessel panel');
  check('a click on a row opens the vessel', picked);

  // After a reload the page knows the vessel from the compact picture
  // only (its static report came once, before the page opened): the
  // filter still finds it by call sign and by IMO number.
  await page.reload({ waitUntil: 'load' });
  check('the map reloads with ships, the table closed', (await mapReady()) && (await tw(() => !window.__tidewatch.table().open)));
  await page.click('#table-btn');
  await waitFor(() => window.__tidewatch.table().rows > 0, null, 'table rows after the reload');
  for (const [what, q] of [['call sign', CALLSIGN], ['IMO number', IMO]]) {
    await page.fill('#table-filter', q.toLowerCase());
    const one = await waitFor(() => window.__tidewatch.table().total === 1, null, `the filter by ${what}`);
    const found = await col('name');
    check(`after a reload the filter finds the vessel by ${what} (${q})`, one && found.length === 1 && found[0] === NAME, found.slice(0, 3).join('; '));
  }
});
