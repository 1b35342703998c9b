// Unit tests of positions.ts: a position given to the ships source is
// shown (the labels follow it) only once the source has tiled it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShipPositions } from '../src/positions.js';

const A = [46.0, 12.4];
const B = [46.01, 12.41];
const C = [46.02, 12.42];

// picture is a ShipPositions given ships (MMSI → [lon, lat]) by a replace
// and committed: what a first load leaves.
function picture(ships) {
  const p = new ShipPositions();
  p.replace(new Map(Object.entries(ships)));
  p.commit();
  return p;
}

test('a committed picture is shown where it was given', () => {
  const p = picture({ 1: A, 2: B });
  assert.equal(p.pending, false);
  assert.deepEqual(p.shown('1'), A);
  assert.deepEqual(p.given('2'), B);
  assert.equal(p.shown('3'), undefined);
});

test('changes are given at once and shown at the commit', () => {
  const cases = [
    {
      name: 'a move: the ship stays where it was shown, however often it moves',
      change: (p) => (p.set('1', B), p.set('1', C)),
      given: { 1: C, 2: B },
      before: { 1: A, 2: B },
    },
    {
      name: 'a new ship: not shown before the commit',
      change: (p) => p.set('3', C),
      given: { 1: A, 2: B, 3: C },
      before: { 1: A, 2: B, 3: undefined },
    },
    {
      name: 'a ship taken out: still shown until the commit',
      change: (p) => p.delete('2'),
      given: { 1: A, 2: undefined },
      before: { 1: A, 2: B },
    },
    {
      name: 'a ship taken out and given again: shown where it was',
      change: (p) => (p.delete('2'), p.set('2', C)),
      given: { 2: C },
      before: { 2: B },
    },
    {
      name: 'a replace: the picture before it is shown, its moves too',
      change: (p) => (p.set('1', C), p.replace(new Map([['2', A], ['3', B]])), p.set('3', C)),
      given: { 1: undefined, 2: A, 3: C },
      before: { 1: A, 2: B, 3: undefined },
    },
    {
      name: 'two replaces: the first picture is shown',
      change: (p) => (p.replace(new Map([['1', B]])), p.replace(new Map([['1', C]]))),
      given: { 1: C, 2: undefined },
      before: { 1: A, 2: B },
    },
  ];
  for (const c of cases) {
    const p = picture({ 1: A, 2: B });
    c.change(p);
    assert.equal(p.pending, true, c.name);
    for (const [m, at] of Object.entries(c.given)) assert.deepEqual(p.given(m), at, `${c.name}: given ${m}`);
    for (const [m, at] of Object.entries(c.before)) assert.deepEqual(p.shown(m), at, `${c.name}: shown ${m} before the commit`);
    p.commit();
    assert.equal(p.pending, false, c.name);
    for (const [m, at] of Object.entries(c.given)) assert.deepEqual(p.shown(m), at, `${c.name}: shown ${m} after the commit`);
  }
});

test('a replace keeps the map given, not a copy', () => {
  const p = picture({ 1: A });
  const next = new Map([['1', B]]);
  p.replace(next);
  p.set('2', C);
  assert.deepEqual(next.get('2'), C);
  assert.deepEqual(p.shown('1'), A);
});
