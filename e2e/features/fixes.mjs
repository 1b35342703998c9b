// Browser test of the fixes of issue 16: the details panel leaves the
// map's controls visible; the ETA has a year; the flag filter names
// countries; a past view counts a report's age from the time shown; the
// time slider spans the stored history (from the API); the incidents list
// keeps its rows across reloads (clicks land).
//
//   STALE_NAME  a vessel whose last report is at least STALE_MIN minutes
//               old (default OLD TIMER, 20: TestBrowserFeatures' fixture)
import { run, overlaps } from '../lib.mjs';

const STALE_NAME = process.env.STALE_NAME || 'OLD TIMER';
const STALE_MIN = Number(process.env.STALE_MIN || 20);

await run('fixes', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());

  // The slider spans the history the API reports, not a fixed 24 h.
  const hist = await waitFor(() => window.__tidewatch.history() != null, null, 'the history extent');
  const api = await tw(async () => {
    const r = await fetch('/ogc/collections/positions', { headers: { Accept: 'application/json' } });
    const c = await r.json();
    return Date.parse(c.extent.temporal.interval[0][0]);
  });
  const slider = await tw(() => {
    const s = document.getElementById('time-slider');
    return { min: Number(s.min), step: Number(s.step), max: Number(s.max), now: Date.now(), origin: performance.timeOrigin };
  });
  // The page fitted the slider at some moment between its start and now
  // (and fits it again every few minutes): the history then was at least
  // as long as at the page's start, and at most as long as now. (Compared
  // with now alone, a slow page under load fitted at 124 min of history
  // was read at 125.2 and judged a step short.)
  const span = slider.now - api;
  const spanAtStart = slider.origin - api;
  const back = -slider.min * 60e3;
  check(
    'the time slider reaches back to the start of the stored history, and no further',
    hist && back <= span && back > spanAtStart - slider.step * 60e3 && slider.max === 0,
    `min ${slider.min} min, step ${slider.step}, history ${(spanAtStart / 60e3).toFixed(1)} min at the page's start, ${(span / 60e3).toFixed(1)} now`,
  );

  // The flag filter names countries.
  const flags = await tw(() => [...document.querySelectorAll('#flag-filter option')].map((o) => [o.value, o.textContent]));
  const named = flags.filter(([v]) => v !== '');
  check(
    'the flag filter lists country names with their codes',
    named.length > 0 && named.every(([v, t]) => t.endsWith(`(${v})`) && t.length > v.length + 3) && named.some(([, t]) => t === 'Netherlands (NL)'),
    named.map(([, t]) => t).join('; '),
  );

  // A vessel's panel: the ETA with its year, the panel beside the controls.
  await page.fill('#search', STALE_NAME);
  await waitFor(() => document.querySelector('#search-results button') != null, null, 'search results');
  await page.click('#search-results button');
  await waitFor(() => !document.getElementById('panel').hidden && document.querySelector('#panel-fields dd[data-field="eta"]'), null, 'the panel');
  const opened = await waitFor(() => /\d{4}-\d\d-\d\d/.test(document.querySelector('#panel-fields dd[data-field="eta"]')?.textContent ?? ''), null, 'the ETA');
  const eta = await tw(() => document.querySelector('#panel-fields dd[data-field="eta"]').textContent);
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d) UTC$/.exec(eta);
  const etaMs = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) : NaN;
  check(
    'the ETA shows a year, the one that puts it within 90 days before and 275 after now',
    opened && m && etaMs > Date.now() - 90 * 86400e3 && etaMs < Date.now() + 275 * 86400e3,
    eta,
  );
  const flag = await tw(() => document.querySelector('#panel-fields dd[data-field="flag"]').textContent);
  check('the panel names the flag state', / · [A-Z][a-z]/.test(flag), flag);
  await waitFor(() => !window.__tidewatch.view().moving, null, 'the map to stop');
  const rects = await tw(() => {
    const r = (sel) => document.querySelector(sel)?.getBoundingClientRect().toJSON() ?? null;
    return { panel: r('#panel'), zoom: r('.maplibregl-ctrl-zoom-in'), zoomOut: r('.maplibregl-ctrl-zoom-out'), attrib: r('.maplibregl-ctrl-attrib'), scale: r('.maplibregl-ctrl-scale') };
  });
  check(
    'the open panel covers neither the zoom buttons nor the attribution',
    rects.panel && rects.zoom && rects.attrib && !overlaps(rects.panel, rects.zoom) && !overlaps(rects.panel, rects.zoomOut) && !overlaps(rects.panel, rects.attrib),
    JSON.stringify(rects),
  );
  // The zoom button is usable with the panel open: a click zooms in.
  const z0 = await tw(() => window.__tidewatch.view().zoom);
  await page.click('.maplibregl-ctrl-zoom-in');
  const zoomed = await waitFor((z) => window.__tidewatch.view().zoom > z + 0.5 && !window.__tidewatch.view().moving, z0, 'zoom in');
  check('the zoom-in button works with the panel open', zoomed);
  await shot('fixes-panel.png');

  // The age counts from now to the report's time, which the panel gives.
  const liveAge = await tw(() => ({ text: document.querySelector('#panel-fields dd[data-field="age"]').textContent, now: Date.now() }));
  const lt = /(\d+) min ago · (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC$/.exec(liveAge.text);
  const reportAt = lt ? Date.parse(lt[2].replace(' ', 'T') + 'Z') : NaN;
  const liveMin = lt ? Number(lt[1]) : NaN;
  check(
    `live, the report of ${STALE_NAME} is ${STALE_MIN} min old or more, counted from now`,
    liveMin >= STALE_MIN && Math.abs(liveMin - (liveAge.now - reportAt) / 60e3) < 1.5,
    liveAge.text,
  );

  // A past view a few minutes after that report: the age is counted from
  // the time shown.
  await tw((report) => {
    const s = document.getElementById('time-slider');
    const step = Number(s.step) || 1;
    const back = Math.floor((Date.now() - report) / 60e3) - 3;
    s.value = String(-Math.floor(back / step) * step);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }, reportAt);
  const past = await waitFor(() => window.__tidewatch.mode() === 'at' && window.__tidewatch.lastLoad()?.at, null, 'the past picture');
  const at = Date.parse(await tw(() => window.__tidewatch.lastLoad().at));
  const said = await waitFor(() => (document.querySelector('#panel-fields dd[data-field="age"]')?.textContent ?? '').includes('before the time shown'), null, 'the past age');
  const pastAge = await tw(() => document.querySelector('#panel-fields dd[data-field="age"]').textContent);
  const t = /^(\d+) min before the time shown · (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC$/.exec(pastAge);
  const pastReport = t ? Date.parse(t[2].replace(' ', 'T') + 'Z') : NaN;
  check(
    'in the past, the age is counted from the time shown, with the report\'s time of then',
    past && said && t && pastReport === reportAt && Number(t[1]) === Math.floor((at - reportAt) / 60e3) && !pastAge.includes('ago'),
    `${pastAge} (time shown ${new Date(at).toISOString()})`,
  );
  await shot('fixes-past-panel.png');
  await page.click('#live-btn');
  await waitFor(() => window.__tidewatch.mode() === 'live', null, 'live');
  await page.click('#panel-close');

  // The incidents list keeps its rows across reloads.
  await page.click('#incidents-btn');
  const listed = await waitFor(() => window.__tidewatch.incidentRows() > 0, null, 'incident rows');
  if (listed) {
    const before = await tw(() => {
      const b = document.querySelector('#incidents-list button.incident-row');
      b.__mark = 'kept';
      return { id: b.dataset.id, renders: window.__tidewatch.incidentRowRenders() };
    });
    const reloads0 = await tw(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/incidents?')).length);
    for (let i = 0; i < 3; i++) await tw(() => window.__tidewatch.reloadIncidents());
    await waitFor((n) => performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/incidents?')).length >= n + 3, reloads0, 'the reloads');
    const after = await tw((id) => {
      const b = document.querySelector(`#incidents-list button.incident-row[data-id="${CSS.escape(id)}"]`);
      return { kept: b?.__mark === 'kept', renders: window.__tidewatch.incidentRowRenders() };
    }, before.id);
    check('reloading the incidents keeps the rows (same elements, none rewritten)', after.kept && after.renders === before.renders, JSON.stringify({ before, after }));
    await page.click(`#incidents-list button.incident-row[data-id="${before.id}"]`);
    const detail = await waitFor(() => window.__tidewatch.incidentMode() === 'detail', null, 'the incident details');
    check('a click on an incident row opens it', detail);
  } else check('the incidents panel lists records', false);
});
