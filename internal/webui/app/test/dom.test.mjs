// Unit tests of placeChildren (dom.ts): a list's rows put in a new order
// with the fewest moves, rows no longer wanted removed, and the focused
// row given its focus back when a move dropped it (as a browser does:
// insertBefore of the focused element blurs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeChildren } from '../src/dom.js';

// fakeList is a parent with rows named by names, and a document whose
// focus a move or a removal drops, as in a browser.
function fakeList(names) {
  const doc = { activeElement: null, body: { name: 'body' } };
  const parent = { kids: [], moves: 0 };
  const row = (name) => {
    const r = {
      name,
      get isConnected() { return parent.kids.includes(r); },
      focus() { doc.activeElement = r; },
      remove() {
        parent.kids = parent.kids.filter((k) => k !== r);
        if (doc.activeElement === r) doc.activeElement = doc.body;
      },
    };
    return r;
  };
  Object.defineProperty(parent, 'children', { get: () => parent.kids.slice() });
  parent.insertBefore = (el, at) => {
    parent.moves++;
    if (doc.activeElement === el) doc.activeElement = doc.body;
    parent.kids = parent.kids.filter((k) => k !== el);
    const i = at === null ? parent.kids.length : parent.kids.indexOf(at);
    parent.kids.splice(i, 0, el);
  };
  parent.kids = names.map(row);
  return { doc, parent, row, byName: (n) => parent.kids.find((k) => k.name === n) };
}

const order = (parent) => parent.kids.map((k) => k.name).join(' ');

test('placeChildren: new order, removed rows, new rows', () => {
  const { doc, parent, row, byName } = fakeList(['a', 'b', 'c', 'd']);
  const e = row('e');
  placeChildren(parent, [byName('c'), byName('a'), e, byName('d')], doc);
  assert.equal(order(parent), 'c a e d');
  const moves = parent.moves;
  placeChildren(parent, [...parent.kids], doc);
  assert.equal(parent.moves, moves, 'rows already in place are not moved');
});

test('placeChildren: a moved row keeps the focus', () => {
  const { doc, parent, byName } = fakeList(['a', 'b', 'c']);
  byName('c').focus();
  placeChildren(parent, [byName('c'), byName('a'), byName('b')], doc);
  assert.equal(order(parent), 'c a b');
  assert.equal(doc.activeElement?.name, 'c', 'the focus came back to the moved row');
});

test('placeChildren: a focused row that is removed leaves the focus where the page put it', () => {
  const { doc, parent, byName } = fakeList(['a', 'b', 'c']);
  byName('b').focus();
  placeChildren(parent, [byName('c'), byName('a')], doc);
  assert.equal(order(parent), 'c a');
  assert.equal(doc.activeElement?.name, 'body');
});

test('placeChildren: the focus elsewhere is not taken', () => {
  const { doc, parent, byName } = fakeList(['a', 'b']);
  const field = { name: 'field', isConnected: true, focus() { doc.activeElement = field; } };
  field.focus();
  placeChildren(parent, [byName('b'), byName('a')], doc);
  assert.equal(doc.activeElement?.name, 'field');
});
