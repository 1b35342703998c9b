// Unit tests of the map's pure modules (formatting, geometry, the time
// slider's range), run with Node's test runner: node --test app/test
// (TestNodeUnit in ../../webui_test.go runs them when node is present).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fmt from '../src/format.js';
import * as geo from '../src/geo.js';
import { sliderRange } from '../src/timerange.js';

test('eta adds the year that puts an AIS ETA near the reference time', () => {
  const ref = Date.UTC(2026, 11, 6, 14, 0); // 2026-12-06 14:00
  for (const [in_, want] of [
    ['12-06T10:30', '2026-12-06 10:30 UTC'], // earlier today
    ['12-24T06:00', '2026-12-24 06:00 UTC'],
    ['01-03T08:15', '2027-01-03 08:15 UTC'], // across the new year
    ['11-20 23:59', '2026-11-20 23:59 UTC'], // recently passed, as sent by the mock
    ['06-01T00:00', '2027-06-01 00:00 UTC'], // 2026's is 188 days back, beyond 90; 2027's 177 days ahead
    ['02-29T12:00', '02-29T12:00'], // 2027 has no 29 February: shown as sent
    ['00-00T24:60', '00-00T24:60'], // AIS "not available"
    ['soon', 'soon'],
  ]) {
    assert.equal(fmt.eta(in_, ref), want, in_);
  }
  assert.equal(fmt.eta(null, ref), fmt.DASH);
  // Early in a year, a December ETA is last year's when it is near.
  assert.equal(fmt.eta('12-30T12:00', Date.UTC(2027, 0, 2)), '2026-12-30 12:00 UTC');
});

test('countryName names ISO codes', () => {
  assert.equal(fmt.countryName('NL'), 'Netherlands');
  assert.equal(fmt.countryName('GB'), 'United Kingdom');
  assert.equal(fmt.countryName('xx1'), 'xx1');
  assert.equal(fmt.countryName(''), fmt.DASH);
});

test('relAge counts from the reference, and not past it', () => {
  const ref = Date.UTC(2026, 11, 6, 12);
  assert.equal(fmt.relAge(ref - 20 * 60e3, ref, true), '20 min ago');
  assert.equal(fmt.relAge(ref - 20 * 60e3, ref, false), '20 min before the time shown');
  assert.equal(fmt.relAge(ref + 60e3, ref, false), null);
  assert.equal(fmt.relAge(NaN, ref, true), null);
});

test('distance and bearing on the sphere', () => {
  // One minute of latitude is a nautical mile (to 0.2 %).
  const d = geo.distanceNm([2, 51], [2, 51 + 1 / 60]);
  assert.ok(Math.abs(d - 1) < 0.002, `${d}`);
  assert.equal(geo.bearingTrue([2, 51], [2, 52]), 0);
  assert.ok(Math.abs(geo.bearingTrue([2, 0], [3, 0]) - 90) < 1e-9);
  assert.ok(Math.abs(geo.bearingTrue([2, 51], [2, 50]) - 180) < 1e-9);
  assert.ok(Math.abs(geo.bearingTrue([3, 0], [2, 0]) - 270) < 1e-9);
  // Dover to Calais against the spherical law of cosines, an independent
  // formula; the bearing is south-east.
  const dover = [1.3197, 51.1279];
  const calais = [1.8587, 50.9513];
  const r = Math.PI / 180;
  const cosines = (Math.acos(Math.sin(dover[1] * r) * Math.sin(calais[1] * r) + Math.cos(dover[1] * r) * Math.cos(calais[1] * r) * Math.cos((calais[0] - dover[0]) * r)) * 6371008.8) / 1852;
  assert.ok(Math.abs(geo.distanceNm(dover, calais) - cosines) < 1e-6, `${geo.distanceNm(dover, calais)} vs ${cosines}`);
  const b = geo.bearingTrue(dover, calais);
  assert.ok(b > 90 && b < 180, `${b}`);
  // Across the antimeridian the short way round.
  assert.ok(Math.abs(geo.distanceNm([179.5, 0], [-179.5, 0]) - 60.04) < 0.1);
  assert.ok(Math.abs(geo.bearingTrue([179.5, 0], [-179.5, 0]) - 90) < 1e-6);
});

test('positions in degrees-minutes and decimal', () => {
  assert.equal(geo.dm(51.6, 2.2), '51\u00b0 36.000\u2032 N 002\u00b0 12.000\u2032 E');
  assert.equal(geo.dm(-33.8568, -151.2153), '33\u00b0 51.408\u2032 S 151\u00b0 12.918\u2032 W');
  // 59.9999 minutes rounds into the next degree.
  assert.equal(geo.dm(10.9999999, 0), '11\u00b0 00.000\u2032 N 000\u00b0 00.000\u2032 E');
  assert.equal(geo.decimal(51.6, -2.2), '51.60000, -2.20000');
  assert.equal(geo.wrapLon(190), -170);
  assert.equal(geo.wrapLon(-180), -180);
});

test('the slider spans the stored history', () => {
  const now = Date.UTC(2026, 11, 6, 12);
  assert.deepEqual(sliderRange(now - 30 * 60e3, now), { min: -30, step: 1 });
  assert.deepEqual(sliderRange(now - 6 * 3600e3 - 59e3, now), { min: -360, step: 5 });
  assert.deepEqual(sliderRange(now - 24 * 3600e3 - 4 * 60e3, now), { min: -1440, step: 5 });
  assert.deepEqual(sliderRange(now - 10 * 86400e3, now), { min: -14400, step: 15 });
  assert.deepEqual(sliderRange(now - 400 * 86400e3, now), { min: -90 * 1440, step: 15 }); // at most 90 days
  assert.deepEqual(sliderRange(now + 60e3, now), { min: -1, step: 1 }); // nothing stored yet
});

test('basemapOverlays: a switch per overlay the archive has; land and water stay on', async () => {
  const { basemapOverlays, basemapLayers } = await import('../src/pmtiles.js');
  const ids = (layers) => basemapLayers(layers).map((l) => l.id);
  // tidewatch basemap build's layers
  assert.deepEqual(
    basemapOverlays(ids(['land', 'countries', 'maritime', 'ports', 'anchorages'])).map((o) => [o.id, o.layers.join()]),
    [['bm-maritime', 'bm-maritime'], ['bm-borders', 'bm-countries'], ['bm-ports', 'bm-ports'], ['bm-anchorages', 'bm-anchorages']],
  );
  // a Protomaps extract: earth, water and boundaries
  assert.deepEqual(basemapOverlays(ids(['earth', 'water', 'boundaries'])).map((o) => [o.id, o.layers.join()]), [['bm-borders', 'bm-boundaries']]);
  assert.deepEqual(basemapOverlays(ids(['land'])), []);
});
