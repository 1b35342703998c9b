// Unit tests of the anchorage panel's content (anchoragepanel.ts): what
// GET /api/v1/anchorages says of an anchorage, line by line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anchorageRows, anchorageTitle, distanceText } from '../src/anchoragepanel.js';

const feature = (props, lon = 56.418, lat = 25.1523) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] }, properties: props });

test('anchorage panel: a learned anchorage with its nearest port', () => {
  const f = feature({ id: 7, vessels: 12, since: '2026-12-06T10:30:00Z', radius_m: 3000, nearest_port: { name: 'FUJAIRAH', country: 'ARE', distance_m: 4630 } });
  assert.equal(anchorageTitle(f), 'Anchorage 7 near FUJAIRAH');
  assert.deepEqual(Object.fromEntries(anchorageRows(f).map(([k, , v]) => [k, v])), {
    id: '7',
    centre: '25.15230\u00b0 N, 56.41800\u00b0 E',
    radius: '3.0 km (1.6 nm)',
    vessels: '12 seen stopped',
    since: 'learned 2026-12-06 10:30:00 UTC',
    port: 'FUJAIRAH (ARE), 4.6 km (2.5 nm)',
  });
});

test('anchorage panel: known at start, no port near, hostile text stays text', () => {
  const f = feature({ id: 2, vessels: 1, since: null, radius_m: 3000, nearest_port: null }, -94.7242, 29.3405);
  const rows = Object.fromEntries(anchorageRows(f).map(([k, , v]) => [k, v]));
  assert.equal(rows.since, 'known at start (given, or learned before)');
  assert.equal(rows.port, 'none within 200 km');
  assert.equal(rows.centre, '29.34050\u00b0 N, 94.72420\u00b0 W');
  assert.equal(anchorageTitle(f), 'Anchorage 2');
  const h = feature({ id: 3, vessels: 3, since: null, radius_m: 3000, nearest_port: { name: '<img src=x onerror=alert(1)>', country: '', distance_m: 10 } });
  assert.equal(anchorageRows(h).at(-1)[2], '<img src=x onerror=alert(1)>, 0.0 km (0.0 nm)');
});

test('distanceText: km and nautical miles, a dash for nonsense', () => {
  assert.equal(distanceText(1852), '1.9 km (1.0 nm)');
  assert.equal(distanceText(0), '0.0 km (0.0 nm)');
  for (const v of [null, undefined, -1, NaN, '12']) assert.equal(distanceText(v), '\u2014');
});
