// Unit tests of the radar and satellite layers' pure part (contactmodel.js):
// checking and keying contacts as the API sends them, keeping the newest
// report per track, the contacts current at a moment, the features and
// links, and the details panel's rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as cm from '../src/contactmodel.js';

const T0 = Date.parse('2026-12-06T12:00:00Z');
const at = (min) => new Date(T0 + min * 60e3).toISOString();

// Shaped as GET /api/v1/contacts answers (httpapi.Contact.MarshalJSON).
const radar = (min, extra = {}) => ({
  time: at(min), lat: 12.41, lon: 46.02, sensor: 'radar', source: 'patrol', target: '07', mmsi: 470123456, dark: false, score: 0.97, track: 12, confirmed: true, ...extra,
});
const sar = (min, extra = {}) => ({
  time: at(min), lat: 12.3, lon: 45.9, sensor: 'satellite', source: 'sar', scene: 'S1A_20261206', mmsi: null, dark: true, score: 0.91, length_m: 23.6, ...extra,
});

test('normalize refuses what is not a contact', () => {
  for (const [why, c] of [
    ['null', null],
    ['a string', 'radar'],
    ['no time', { ...radar(0), time: undefined }],
    ['a bad time', { ...radar(0), time: 'yesterday' }],
    ['latitude beyond 90', { ...radar(0), lat: 91 }],
    ['longitude as a string', { ...radar(0), lon: '46.0' }],
    ['NaN latitude', { ...radar(0), lat: NaN }],
    ['an unknown sensor', { ...radar(0), sensor: 'sonar' }],
  ]) {
    assert.equal(cm.normalize(c), null, why);
  }
  const c = cm.normalize(radar(0));
  assert.equal(c.t, T0);
  assert.equal(c.mmsi, '470123456');
  assert.equal(c.key, 'radar:patrol:#12');
  assert.equal(cm.normalize(sar(0)).mmsi, null);
});

test('keys: a radar track by its track number, else its target; a detection by scene and place', () => {
  assert.equal(cm.key(radar(0)), 'radar:patrol:#12');
  assert.equal(cm.key({ ...radar(0), track: 0 }), 'radar:patrol:07');
  assert.notEqual(cm.key(sar(0)), cm.key(sar(0, { lat: 12.31 })));
  assert.notEqual(cm.key(sar(0)), cm.key(sar(0, { scene: 'S1A_OTHER' })));
  // Two radars with the same target number are two tracks.
  assert.notEqual(cm.key({ ...radar(0), track: 0 }), cm.key({ ...radar(0), track: 0, source: 'site' }));
});

test('merge keeps the newest report of each track, whatever the order', () => {
  const m = new Map();
  assert.equal(cm.merge(m, [radar(2), radar(1), sar(0), null].map(cm.normalize)), 2);
  assert.equal(m.size, 2);
  assert.equal(m.get('radar:patrol:#12').t, T0 + 2 * 60e3);
  assert.equal(cm.merge(m, [cm.normalize(radar(1.5))]), 0, 'an older report changes nothing');
  assert.equal(cm.merge(m, [cm.normalize(radar(3, { lat: 12.42 }))]), 1);
  assert.equal(m.get('radar:patrol:#12').lat, 12.42);
});

test('current: the 10 minutes up to the moment, in data time when live', () => {
  const list = [radar(0, { track: 1 }), radar(9, { track: 2 }), radar(12, { track: 3 }), sar(20)].map(cm.normalize);
  const keys = (l) => l.map((c) => (c.sensor === 'radar' ? c.key.split(':').pop() : 'sar')).sort();
  // Live: the newest contact (20 min) sets the time; 12 and 20 are within 10 min.
  assert.deepEqual(keys(cm.current(list, null)), ['#3', 'sar']);
  // At 10 min, the report at 0 is exactly 10 min old: out; 9 is in.
  assert.deepEqual(keys(cm.current(list, T0 + 10 * 60e3)), ['#2']);
  assert.deepEqual(keys(cm.current(list, T0 + 9.5 * 60e3)), ['#1', '#2']);
  assert.deepEqual(cm.current([], null), []);
});

test('status and symbols: the shape by sensor, the fill by association', () => {
  const r = cm.normalize(radar(0));
  const d = cm.normalize(radar(0, { mmsi: null, dark: true }));
  const s = cm.normalize(sar(0));
  const doubt = cm.normalize(sar(0, { dark: false, doubtful: true }));
  assert.deepEqual([r, d, s, doubt].map(cm.status), ['assoc', 'dark', 'dark', 'doubtful']);
  assert.deepEqual([r, d, s, doubt].map(cm.iconName), ['contact-radar-assoc', 'contact-radar-dark', 'contact-satellite-dark', 'contact-satellite-doubtful']);
  const f = cm.feature(s);
  assert.deepEqual(f.geometry, { type: 'Point', coordinates: [45.9, 12.3] });
  assert.equal(f.properties.sensor, 'satellite');
  assert.equal(f.properties.status, 'dark');
  assert.deepEqual(cm.counts([r, d, s, doubt]), { radar: 2, satellite: 2, dark: 2, assoc: 1 });
});

test('link: an associated contact to its vessel, none for a dark one or an unknown vessel', () => {
  const r = cm.normalize(radar(0));
  assert.deepEqual(cm.link(r, [46.03, 12.42]).geometry.coordinates, [[46.02, 12.41], [46.03, 12.42]]);
  assert.equal(cm.link(r, null), null);
  assert.equal(cm.link(cm.normalize(sar(0)), [46, 12]), null);
});

test('rows: sensor, source, target or scene, time with age, length, association, candidates', () => {
  const view = { ref: T0 + 90e3, live: true };
  const get = (rows, k) => rows.find((r) => r[0] === k)?.[2];
  const r = cm.rows(cm.normalize(radar(0, { held: true, speed_kn: 11.94, course_deg: 87, candidates: [{ mmsi: 470123456, distance_m: 84.2, score: 0.97 }] })), view, () => 'DHOW STAR');
  assert.equal(get(r, 'sensor'), 'Radar');
  assert.equal(get(r, 'target'), '07');
  assert.equal(get(r, 'track'), '#12, confirmed');
  assert.equal(get(r, 'time'), '2026-12-06 12:00:00 UTC \u00b7 1 min ago');
  assert.equal(get(r, 'motion'), '11.9 kn, 87\u00b0');
  assert.equal(get(r, 'length'), 'unknown');
  assert.equal(get(r, 'association'), 'DHOW STAR (MMSI 470123456), score 0.97, held by radar (AIS silent)');
  assert.equal(get(r, 'candidates'), '470123456 (84 m, score 0.97)');
  assert.equal(get(r, 'scene'), undefined);

  const s = cm.rows(cm.normalize(sar(0, { episode: 'dark-7' })), { ref: T0 + 20 * 60e3, live: false }, () => null);
  assert.equal(get(s, 'sensor'), 'Satellite');
  assert.equal(get(s, 'scene'), 'S1A_20261206');
  assert.equal(get(s, 'length'), '24 m');
  assert.equal(get(s, 'time'), '2026-12-06 12:00:00 UTC \u00b7 20 min before the time shown');
  assert.match(get(s, 'association'), /^none: dark/);
  assert.equal(get(s, 'episode'), 'dark-7');
  assert.equal(get(s, 'candidates'), 'none in range');
  assert.equal(get(cm.rows(cm.normalize(sar(0, { dark: false, doubtful: true })), view), 'association'), 'none: doubtful detection (low presence score)');
  // Hostile text stays text: the rows are strings for textContent.
  const x = cm.rows(cm.normalize(radar(0, { source: '<img src=x onerror=alert(1)>' })), view);
  assert.equal(get(x, 'source'), '<img src=x onerror=alert(1)>');
});
