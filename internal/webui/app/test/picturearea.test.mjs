// Unit tests of picturearea.ts: the area the live picture is loaded for,
// and when a view needs it loaded again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pictureArea, bboxOf, covers, MARGIN } from '../src/picturearea.js';

test('a world view loads the whole world', () => {
  // The map's world view at zoom 1.6 in a 1400×900 page spans about 325°.
  const a = pictureArea({ w: -142, s: -58, e: 183, n: 80 }, 1.6);
  assert.deepEqual(a, { w: -180, s: -90, e: 180, n: 90, zoom: 1.6, world: true });
  assert.equal(bboxOf(a), '-180.0000,-90.0000,180.0000,90.0000');
  // 120° of view plus a quarter on each side is 180°: the world too.
  assert.equal(pictureArea({ w: 0, s: -10, e: 120, n: 10 }, 3).world, true);
  assert.equal(pictureArea({ w: 0, s: -10, e: 119, n: 10 }, 3).world, false);
});

test('a closer view loads itself and a quarter of it on each side', () => {
  const a = pictureArea({ w: 10, s: 50, e: 14, n: 52 }, 8);
  assert.deepEqual(a, { w: 10 - 4 * MARGIN, s: 50 - 2 * MARGIN, e: 14 + 4 * MARGIN, n: 52 + 2 * MARGIN, zoom: 8, world: false });
  assert.equal(bboxOf(a), '9.0000,49.5000,15.0000,52.5000');
  // Latitudes stop at the poles.
  const polar = pictureArea({ w: 0, s: 70, e: 40, n: 89 }, 4);
  assert.equal(polar.n, 90);
  assert.equal(polar.s, 70 - 19 * MARGIN);
});

test('a view across the antimeridian loads every longitude of its latitudes', () => {
  const a = pictureArea({ w: 170, s: -20, e: 190, n: 0 }, 5);
  assert.equal(a.world, false);
  assert.deepEqual([a.w, a.e, a.s, a.n], [-180, 180, -25, 5]);
  assert.equal(covers(a, { w: 175, s: -22, e: 195, n: 2 }, 5), true);
  assert.equal(covers(a, { w: 175, s: -30, e: 195, n: -5 }, 5), false);
});

test('covers: a pan inside the area loaded, at about its zoom', () => {
  const view = { w: 10, s: 50, e: 14, n: 52 };
  const a = pictureArea(view, 8);
  assert.equal(covers(a, view, 8), true);
  // A third of the view east: 1.33° of the 1° margin is out.
  assert.equal(covers(a, { w: 11.33, s: 50, e: 15.33, n: 52 }, 8), false);
  // A fifth east and down: inside.
  assert.equal(covers(a, { w: 10.8, s: 49.6, e: 14.8, n: 51.6 }, 8), true);
  // Zoomed: icons or dots and the diff's tolerance follow the zoom.
  assert.equal(covers(a, view, 8.5), true);
  assert.equal(covers(a, view, 8.6), false);
});

test('covers: a world area holds every view that would load the world', () => {
  const world = pictureArea({ w: -142, s: -58, e: 183, n: 80 }, 1.6);
  // Dragged down and sideways, zoomed out or a little in: no reload (the
  // map's drags at a world view reloaded 20,000 ships before).
  assert.equal(covers(world, { w: -100, s: -80, e: 225, n: 60 }, 1.6), true);
  assert.equal(covers(world, { w: -250, s: -85, e: 250, n: 85 }, 0.9), true);
  assert.equal(covers(world, { w: -60, s: -30, e: 90, n: 50 }, 2.3), true);
  // In to a view of an ocean: its own area.
  assert.equal(covers(world, { w: 40, s: -10, e: 100, n: 25 }, 3.5), false);
});
