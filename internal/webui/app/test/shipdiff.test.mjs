// Unit tests of shipdiff.ts: which ships the map hands to MapLibre again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { movedPx, sameDrawing, diffShips, changedShips, worthDiffing, TOLERANCE_PX } from '../src/shipdiff.js';

const ship = (id, lon, lat, props = {}) => ({
  type: 'Feature',
  id,
  geometry: { type: 'Point', coordinates: [lon, lat] },
  properties: { mmsi: String(id), icon: 'cargo-moving', rot: 90, cat: 'cargo', flag: 'NL', stale: 0, ...props },
});

test('movedPx is the distance drawn in pixels, 512 px tiles', () => {
  // The world is 512·2^z px wide: 360° at zoom 0 is 512 px.
  assert.ok(Math.abs(movedPx([0, 0], [90, 0], 0) - 128) < 1e-9);
  assert.ok(Math.abs(movedPx([0, 0], [90, 0], 3) - 1024) < 1e-9);
  // The short way across the antimeridian.
  assert.ok(Math.abs(movedPx([179, 0], [-179, 0], 0) - (2 / 360) * 512) < 1e-9);
  // Mercator stretches latitude away from the equator.
  assert.ok(movedPx([0, 60], [0, 61], 5) > 1.9 * movedPx([0, 0], [0, 1], 5));
});

test('a ship that moved under a quarter pixel is drawn where it was', () => {
  const a = ship(1, 55.0, 20.0);
  // 100 m east: about 0.0009°, far under a pixel at a world view, over
  // one at harbour zoom.
  const b = ship(1, 55.00096, 20.0);
  assert.equal(sameDrawing(a, b, 1.6, true), true);
  assert.equal(sameDrawing(a, b, 1.6, false), true);
  assert.equal(sameDrawing(a, b, 14, false), false);
  assert.ok(movedPx(a.geometry.coordinates, b.geometry.coordinates, 14) > TOLERANCE_PX);
});

test('what a ship is drawn or filtered by always counts; icon and course only as icons', () => {
  const a = ship(1, 55, 20);
  for (const [change, dots, same] of [
    [{ cat: 'tanker' }, true, false],
    [{ flag: 'PA' }, true, false],
    [{ stale: 1 }, true, false],
    [{ icon: 'cargo-stopped' }, true, true],
    [{ rot: 180 }, true, true],
    [{ icon: 'cargo-stopped' }, false, false],
    [{ rot: 180 }, false, false],
    [{ rot: 90.3 }, false, true], // to the degree
  ]) {
    assert.equal(sameDrawing(a, ship(1, 55, 20, change), 10, dots), same, `${JSON.stringify(change)} dots=${dots}`);
  }
});

test('diffShips removes the ships gone, adds the new, replaces the changed, keeps the rest', () => {
  const drawn = new Map([ship(1, 10, 10), ship(2, 20, 20), ship(3, 30, 30)].map((f) => [f.id, f]));
  const next = [ship(1, 10.00001, 10), ship(2, 25, 20), ship(4, 40, 40)];
  const d = diffShips(drawn, next, 4, false);
  assert.equal(d.same, 1);
  assert.deepEqual(d.add.map((f) => f.id), [2, 4]);
  assert.deepEqual([...d.remove].sort(), [2, 3]);
  assert.equal(worthDiffing(d, next.length), false, '4 changes of 3 ships: setData is cheaper');
  const big = Array.from({ length: 100 }, (_, i) => ship(i + 1, i, 0));
  const bigDrawn = new Map(big.map((f) => [f.id, f]));
  const moved = big.map((f) => (f.id <= 10 ? ship(f.id, f.geometry.coordinates[0] + 1, 0) : f));
  const d2 = diffShips(bigDrawn, moved, 2, true);
  assert.equal(d2.same, 90);
  assert.equal(d2.add.length, 10);
  assert.equal(worthDiffing(d2, 100), true);
});

test('changedShips sends only the stream changes that draw differently', () => {
  const drawn = new Map([ship(1, 10, 10), ship(2, 20, 20)].map((f) => [f.id, f]));
  const changed = new Map([
    [1, ship(1, 10.000001, 10)], // moved a few centimetres
    [2, null], // left the picture
    [5, ship(5, 50, 5)], // new
    [6, null], // never drawn, gone
  ]);
  const d = changedShips(drawn, changed, 8, false);
  assert.equal(d.same, 1);
  assert.deepEqual(d.remove, [2]);
  assert.deepEqual(d.add.map((f) => f.id), [5]);
});
