// Unit tests of the lists' keyboard (listkeys.ts): which row the keys
// move the focus to, Enter and Space picking a row, ArrowUp from the
// first row leaving for the field above, keys and targets not the list's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listKey, nextIndex } from '../src/listkeys.js';

// rows makes n rows that record which of them (or what else) has the
// focus; a row contains its own child (row.child).
function rows(n) {
  const focus = { on: null };
  const list = Array.from({ length: n }, (_, i) => {
    const r = { name: `row${i}`, focus: () => (focus.on = r.name), contains: (x) => x === r || x === r.child };
    r.child = { inside: r.name };
    return r;
  });
  return { list, focus };
}

test('nextIndex: arrows, Home and End, stopping at the ends', () => {
  for (const [key, i, n, want] of [
    ['ArrowDown', 0, 3, 1],
    ['ArrowDown', 2, 3, 2],
    ['ArrowUp', 2, 3, 1],
    ['ArrowUp', 0, 3, 0],
    ['Home', 2, 3, 0],
    ['End', 0, 3, 2],
    ['Enter', 1, 3, -1],
    ['ArrowDown', 0, 0, -1],
  ]) {
    assert.equal(nextIndex(key, i, n), want, `${key} from ${i} of ${n}`);
  }
});

test('listKey moves the focus from the row the key was pressed on', () => {
  for (const [key, from, want] of [
    ['ArrowDown', 0, 'row1'],
    ['ArrowDown', 3, 'row3'],
    ['ArrowUp', 2, 'row1'],
    ['ArrowUp', 0, 'row0'],
    ['Home', 2, 'row0'],
    ['End', 1, 'row3'],
  ]) {
    const { list, focus } = rows(4);
    assert.equal(listKey(key, list[from], list), true, `${key} from ${from}`);
    assert.equal(focus.on, want, `${key} from ${from}`);
  }
  // From an element inside a row (a table cell, a badge in a button).
  const { list, focus } = rows(3);
  assert.equal(listKey('ArrowDown', list[1].child, list), true);
  assert.equal(focus.on, 'row2');
});

test('listKey leaves other keys and targets outside the list alone', () => {
  const { list, focus } = rows(3);
  assert.equal(listKey('a', list[0], list), false);
  assert.equal(listKey('Tab', list[0], list), false);
  assert.equal(listKey('Enter', list[0], list), false, 'Enter on a button row clicks it by itself');
  assert.equal(listKey('ArrowDown', { elsewhere: true }, list), false);
  assert.equal(listKey('ArrowDown', null, []), false);
  assert.equal(focus.on, null);
});

test('listKey: Enter and Space pick the row; ArrowUp from the first row goes before the list', () => {
  const { list, focus } = rows(3);
  const picked = [];
  const pick = (r) => picked.push(r.name);
  assert.equal(listKey('Enter', list[1], list, { pick }), true);
  assert.equal(listKey(' ', list[2].child, list, { pick }), true);
  assert.deepEqual(picked, ['row1', 'row2']);
  assert.equal(focus.on, null, 'picking moves no focus');

  const field = { focused: 0, focus() { this.focused++; } };
  assert.equal(listKey('ArrowUp', list[0], list, { before: () => field }), true);
  assert.equal(field.focused, 1);
  assert.equal(listKey('ArrowUp', list[1], list, { before: () => field }), true);
  assert.equal(focus.on, 'row0', 'from the second row, ArrowUp stays in the list');
  assert.equal(field.focused, 1);
  assert.equal(listKey('ArrowUp', list[0], list, { before: () => null }), false, 'nothing before the list: the key is not taken');
});
