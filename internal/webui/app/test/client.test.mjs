// Unit tests of the API client (api.ts) and the page's vessel state
// (vessel.ts), with a stand-in fetch, location and local storage: the
// URLs it builds, the token it sends, the errors it makes of the API's
// answers, the timing it fills in, and how a summary becomes a vessel.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

const store = new Map();
globalThis.location = { origin: 'http://127.0.0.1:8080' };
globalThis.localStorage = {
  getItem: (k) => (store.has(k) ? store.get(k) : null),
  setItem: (k, v) => store.set(k, String(v)),
  removeItem: (k) => store.delete(k),
};
const api = await import('../src/api.js');
const { prepare, prepareColumns, detailOf, unknownVessel } = await import('../src/vessel.js');

let calls;
const answer = (status, body, statusText = '') => async (u, init) => {
  calls.push({ url: String(u), init });
  return new Response(body == null ? null : JSON.stringify(body), { status, statusText, headers: { 'Content-Type': 'application/json' } });
};
beforeEach(() => {
  calls = [];
  store.clear();
});

test('url leaves out empty parameters and keeps the others', () => {
  const u = api.url('/api/v1/vessels', { bbox: '1,2,3,4', at: '', since: null, limit: 100000, flag: undefined, stale: false });
  assert.equal(u.href, 'http://127.0.0.1:8080/api/v1/vessels?bbox=1%2C2%2C3%2C4&limit=100000&stale=false');
});

test('get sends the token as a bearer token, and fills the timing in', async () => {
  api.setToken('tw_secret');
  globalThis.fetch = answer(200, { count: 1, vessels: [{ mmsi: 244123456 }] });
  const timing = { headers: 0, body: 0 };
  const t0 = performance.now();
  const body = await api.get('/api/v1/vessels', { bbox: '0,0,1,1' }, undefined, timing);
  assert.equal(body.count, 1);
  assert.equal(calls[0].init.headers.Authorization, 'Bearer tw_secret');
  assert.equal(calls[0].init.method, 'GET');
  assert.ok(timing.headers >= t0 && timing.body >= timing.headers, JSON.stringify({ t0, timing }));
  api.setToken('');
  assert.equal(api.getToken(), '');
  globalThis.fetch = answer(200, {});
  await api.get('/api/v1/session');
  assert.equal(calls.at(-1).init.headers.Authorization, undefined, 'no token, no header');
});

test('errors: the API code and message, the status, unauthorized; a network failure', async () => {
  globalThis.fetch = answer(400, { error: { code: 'bad_parameter', message: 'bbox: out of range' } });
  await assert.rejects(api.get('/api/v1/vessels', { bbox: 'x' }), (e) => e instanceof api.ApiError && e.status === 400 && e.code === 'bad_parameter' && e.message === 'bbox: out of range' && !e.unauthorized);
  globalThis.fetch = answer(403, { error: { code: 'forbidden', message: 'admins only' } });
  await assert.rejects(api.send('DELETE', '/api/v1/zones/x'), (e) => e.unauthorized && e.status === 403);
  globalThis.fetch = async () => new Response('<html>oops</html>', { status: 502, statusText: 'Bad Gateway' });
  await assert.rejects(api.get('/api/v1/events'), (e) => e.status === 502 && e.code === '' && e.message === '502 Bad Gateway');
  globalThis.fetch = async () => {
    throw new TypeError('fetch failed');
  };
  await assert.rejects(api.get('/api/v1/events'), (e) => e instanceof api.ApiError && e.status === 0 && e.code === 'network');
});

test('a body is sent as JSON; 204 is null', async () => {
  globalThis.fetch = answer(204, null);
  assert.equal(await api.deleteZone('Gulf watch'), null);
  assert.equal(calls[0].url, 'http://127.0.0.1:8080/api/v1/zones/Gulf%20watch');
  globalThis.fetch = answer(201, { name: 'z' });
  await api.createZone({ type: 'Feature', properties: { name: 'z' }, geometry: { type: 'Polygon', coordinates: [] } });
  assert.equal(calls.at(-1).init.method, 'POST');
  assert.equal(calls.at(-1).init.headers['Content-Type'], 'application/json');
  assert.equal(JSON.parse(calls.at(-1).init.body).properties.name, 'z');
});

test('prepare: the MMSI as a string, the age from age_s, else from time, else unknown', () => {
  const now = Date.UTC(2026, 11, 7, 6, 0);
  const a = prepare({ mmsi: 244123456, age_s: 30, time: '2026-12-07T05:00:00Z' }, 1000, now);
  assert.deepEqual([a.mmsi, a._t0, a._age0], ['244123456', 1000, 30]);
  assert.equal(prepare({ mmsi: 1, time: '2026-12-07T05:59:00Z' }, 0, now)._age0, 60);
  assert.equal(prepare({ mmsi: 1 }, 0, now)._age0, Infinity);
  const summary = { mmsi: 1, name: 'SUMMARY', lat: 1 };
  assert.equal(prepare(summary, 0, now) === summary, false, 'the answer is not changed');
});

test('vesselColumns asks for format=compact with the other parameters, and fills the timing in', async () => {
  globalThis.fetch = answer(200, { time: '2026-12-07T06:00:00Z', count: 0, truncated: false, mmsi: [] });
  const timing = { headers: 0, body: 0 };
  const body = await api.vesselColumns({ bbox: '0,0,1,1', limit: 100000 }, undefined, timing);
  assert.deepEqual(body.mmsi, []);
  const u = new URL(calls[0].url);
  assert.deepEqual([u.pathname, u.searchParams.get('format'), u.searchParams.get('bbox'), u.searchParams.get('limit')], ['/api/v1/vessels', 'compact', '0,0,1,1', '100000']);
  assert.ok(timing.body > 0);
});

test('prepareColumns: a vessel per MMSI with the values of its column, the time from the age, missing fields null', () => {
  const c = {
    time: '2026-12-07T06:00:00Z', count: 2, truncated: false,
    mmsi: [211000001, 636000002], lat: [54.1, null], lon: [7.9, null], sog: [12.5, null], cog: [271.2, null], heading: [270, null],
    category: ['cargo', 'unknown'], flag: ['DE', 'LR'], age_s: [30, null], name: ['ELBE', null],
    callsign: ['DAEL', null], imo: [9123456, null],
  };
  const vs = prepareColumns(c, 1000);
  assert.equal(vs.length, 2);
  const [a, b] = vs;
  assert.deepEqual(
    [a.mmsi, a.lat, a.lon, a.sog, a.cog, a.heading, a.category, a.flag, a.age_s, a.name, a.callsign, a.imo, a.time, a._t0, a._age0],
    ['211000001', 54.1, 7.9, 12.5, 271.2, 270, 'cargo', 'DE', 30, 'ELBE', 'DAEL', 9123456, '2026-12-07T05:59:30.000Z', 1000, 30],
  );
  assert.deepEqual([b.mmsi, b.lat, b.time, b._age0, b.callsign, b.imo, b.flags], ['636000002', null, null, Infinity, null, null, []]);
  // A malformed answer: short or missing columns give missing values.
  const short = prepareColumns({ time: 'x', count: 1, truncated: false, mmsi: [1, 2], lat: [3] }, 0);
  assert.deepEqual(short.map((v) => [v.mmsi, v.lat, v.lon, v.category, v.time]), [['1', 3, null, '', null], ['2', null, null, '', null]]);
  assert.deepEqual(prepareColumns({ time: 'x' }, 0), []);
});

test('detailOf lays the details over the summary; unknownVessel has every field missing', () => {
  const d = detailOf({ mmsi: 7, name: 'DETAIL', imo: 9 }, { mmsi: '7', name: 'OLD', lat: 5 });
  assert.deepEqual([d.mmsi, d.name, d.imo, d.lat], ['7', 'DETAIL', 9, 5]);
  const u = unknownVessel('7');
  assert.equal(u.mmsi, '7');
  assert.ok(Object.entries(u).every(([k, v]) => k === 'mmsi' || v === null || v === '' || (Array.isArray(v) && v.length === 0)));
});

// FakeEventSource stands in for the browser's EventSource: it records
// its URL and listeners, and the test fires events at it.
class FakeEventSource {
  static last = null;
  constructor(u) {
    this.url = new URL(u);
    this.listeners = new Map();
    this.closed = false;
    FakeEventSource.last = this;
  }
  addEventListener(name, fn) {
    this.listeners.set(name, fn);
  }
  fire(name, data, lastEventId = '') {
    this.listeners.get(name)?.({ data: JSON.stringify(data), lastEventId });
  }
  close() {
    this.closed = true;
  }
}

test('stream asks for the batched form and hands each batch over whole', async () => {
  globalThis.EventSource = FakeEventSource;
  const got = [];
  const s = api.stream({ bbox: '1,2,3,4', batch: '500ms' }, { batch: (b, id) => got.push([b, id]) });
  const es = FakeEventSource.last;
  assert.equal(es.url.pathname, '/api/v1/stream');
  assert.equal(es.url.searchParams.get('batch'), '500ms');
  assert.equal(es.url.searchParams.get('bbox'), '1,2,3,4');
  const b = { seq: 7, updates: [{ seq: 6, mmsi: 1 }, { seq: 7, mmsi: 2 }], events: [], contacts: [] };
  es.fire('batch', b, '7');
  es.fire('update', { seq: 8, mmsi: 3 }, '8'); // no update handler: ignored
  es.listeners.get('batch')({ data: 'not json', lastEventId: '9' }); // a broken message is dropped
  assert.deepEqual(got, [[b, '7']]);
  s.close();
  assert.equal(es.closed, true);
  delete globalThis.EventSource;
});
