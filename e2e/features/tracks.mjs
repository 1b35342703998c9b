// Browser test of tracks and trails: the selected ship's track is a line
// with time marks (marked positions and their times drawn); the trails
// layer draws the last minutes of every ship in view.
//
//   TRACK_NAME  a moving ship with a track of half an hour or more
//               (default TRANSIT 1, of the demo's radar story)
import { run } from '../lib.mjs';

const TRACK_NAME = process.env.TRACK_NAME || 'TRANSIT 1';

await run('tracks', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  await page.fill('#search', TRACK_NAME);
  await waitFor(() => document.querySelector('#search-results button') != null, null, 'search results');
  await page.click('#search-results button');
  const track = await waitFor(() => window.__tidewatch.trackFeatureCount() > 0 && window.__tidewatch.trackMarks().set > 0, null, 'the track');
  await waitFor(() => !window.__tidewatch.view().moving, null, 'the flight');
  // Zoom 8 round the ship: the whole track and the ships near it.
  await tw(() => {
    const [lon, lat] = window.__tidewatch.view().center;
    location.hash = `#8/${lat.toFixed(4)}/${lon.toFixed(4)}`;
  });
  await waitFor(() => Math.abs(window.__tidewatch.view().zoom - 8) < 0.01 && window.__tidewatch.idle(), null, 'zoom 8');
  const marks = await waitFor(() => window.__tidewatch.trackMarks().drawn > 1 && window.__tidewatch.renderedTrackCount() > 0, null, 'the time marks');
  const m = await tw(() => window.__tidewatch.trackMarks());
  check('the selected track is drawn as a line with time marks', track && marks && m.set >= 2 && m.set <= 13, JSON.stringify(m));
  await shot('track-time-marks.png');

  await page.click('#layers-btn');
  await page.check('#layer-list input[data-layer="trails"]');
  const trails = await waitFor(() => window.__tidewatch.trailCount() > 10 && window.__tidewatch.renderedTrailCount() > 10, null, 'trails');
  const n = await tw(() => ({ trails: window.__tidewatch.trailCount(), drawn: window.__tidewatch.renderedTrailCount(), status: document.getElementById('trail-status').textContent }));
  check('the trails layer draws the last 30 min of the ships in view', trails && /of the last 30 min$/.test(n.status), JSON.stringify(n));
  // The window ends when it was asked for (the request's start, not the
  // check's: on a loaded machine the waits above can take minutes).
  const req = await tw(() => {
    const e = performance.getEntriesByType('resource').filter((r) => r.name.includes('/ogc/collections/tracks/items')).pop();
    return e ? { url: e.name, at: performance.timeOrigin + e.startTime } : null;
  });
  const q = req ? new URL(req.url).searchParams.get('datetime').split('/').map(Date.parse) : [NaN, NaN];
  check('for a window of 30 min ending now', q[1] - q[0] === 30 * 60e3 && Math.abs(q[1] - req.at) < 10e3, JSON.stringify(req));
  await page.selectOption('#trail-minutes', '10');
  const ten = await waitFor(() => /of the last 10 min$/.test(document.getElementById('trail-status').textContent), null, '10 min trails');
  check('the trail length can be chosen', ten);
  await shot('trails.png');
  await page.uncheck('#layer-list input[data-layer="trails"]');
  const off = await waitFor(() => window.__tidewatch.trailCount() === 0 && window.__tidewatch.renderedTrailCount() === 0, null, 'trails off');
  check('switching trails off removes them', off);
});
