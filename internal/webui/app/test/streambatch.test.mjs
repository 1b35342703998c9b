// Unit tests of the live stream's batches (streambatch.ts): a window's
// vessel updates applied in one state update, in order, and the window
// the page asks for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MapState } from '../src/state.js';
import { prepare } from '../src/vessel.js';
import { applyBatch, batchWindow, renderDelay } from '../src/streambatch.js';

const T0 = Date.parse('2026-12-06T10:00:00Z');
const prep = (u) => prepare(u, T0, T0);

function summary(mmsi, seq, fields = {}) {
  return { seq, mmsi, name: `SHIP ${mmsi}`, category: 'cargo', flag: 'NL', lat: 12.4, lon: 46, sog: 12, age_s: 3, ...fields };
}

function stateWith(...mmsis) {
  const s = new MapState();
  s.setPicture(new Map(mmsis.map((m) => [String(m), prep(summary(m, 0))])));
  return s;
}

test('a batch is applied in order, each vessel once in the changes, the selection told once', () => {
  const s = stateWith(1, 2, 3);
  s.select('2');
  let selections = 0;
  let pictures = 0;
  s.subscribe('selection', () => selections++);
  s.subscribe('picture', () => pictures++);
  const held = s.vessels.get('2');
  const b = {
    seq: 14,
    updates: [summary(2, 10, { lat: 1 }), summary(4, 11, { lat: 4 }), summary(2, 12, { lat: 2, sog: 0.5 }), summary(1, 14, { lon: 7 })],
    events: [],
    contacts: [],
  };
  const got = applyBatch(s, b, prep);
  assert.deepEqual(got, { changed: ['2', '4', '1'], seq: 14 });
  assert.equal(s.vessels.get('2').lat, 2, "the vessel's last update in the batch wins");
  assert.equal(s.vessels.get('2').sog, 0.5);
  assert.equal(s.vessels.get('2'), held, 'the vessel object is kept (the map and panels hold it)');
  assert.equal(s.vessels.get('4').lat, 4, 'a new vessel is added');
  assert.equal(s.vessels.get('1').lon, 7);
  assert.equal(s.vessels.get('3').lat, 12.4, 'a vessel not in the batch is left alone');
  assert.equal(s.detail.lat, 2, "the selected vessel's details follow");
  assert.equal(selections, 1, 'one selection change for the whole batch');
  assert.equal(pictures, 0, 'not a new picture');
  assert.equal(s.updates, 4);
});

test('a batch without the selected vessel tells no one', () => {
  const s = stateWith(1, 2);
  s.select('1');
  let told = 0;
  for (const t of ['picture', 'selection', 'filter', 'time']) s.subscribe(t, () => told++);
  assert.deepEqual(applyBatch(s, { seq: 3, updates: [summary(2, 3)], events: [], contacts: [] }, prep).changed, ['2']);
  assert.equal(told, 0);
});

test('a past view applies no batch; its resume point is still read', () => {
  const s = stateWith(1);
  s.goPast(new Date(T0 - 3600e3));
  const got = applyBatch(s, { seq: 9, updates: [summary(1, 9, { lat: 50 })], events: [], contacts: [] }, prep);
  assert.deepEqual(got, { changed: [], seq: 9 });
  assert.equal(s.vessels.get('1').lat, 12.4);
  assert.equal(s.updates, 0);
});

test('a malformed batch applies what it can and never throws', () => {
  const s = stateWith(1);
  assert.deepEqual(applyBatch(s, { seq: 'x', updates: [null, 7, { name: 'NO MMSI' }, summary(1, 5, { lat: 3 })] }, prep), { changed: ['1'], seq: null });
  assert.equal(s.vessels.get('1').lat, 3);
  assert.deepEqual(applyBatch(s, {}, prep), { changed: [], seq: null });
  assert.deepEqual(applyBatch(s, null, prep), { changed: [], seq: null });
});

test('the window asked for is the redraw interval of the picture size', () => {
  for (const [n, ms] of [
    [0, 250],
    [5000, 250],
    [5001, 500],
    [20000, 500],
    [20001, 1000],
    [100000, 1000],
  ]) {
    assert.equal(renderDelay(n), ms, `${n} ships`);
    assert.equal(batchWindow(n), `${ms}ms`, `${n} ships`);
  }
});
