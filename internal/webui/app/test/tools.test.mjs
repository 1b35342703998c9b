// Unit tests of the tools' pure parts: the CSV of the vessel table, the
// severity of notifications, the range-and-bearing text, the table's
// text filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, toCSV } from '../src/csv.js';
import { severity } from '../src/notify.js';
import { rangeText } from '../src/measure.js';
import { matches } from '../src/table.js';
import { prepareColumns } from '../src/vessel.js';

test('CSV cells: quoting and formula neutralising', () => {
  for (const [v, want] of [
    ['NORDIC STAR', 'NORDIC STAR'],
    ['A, B', '"A, B"'],
    ['say "hi"', '"say ""hi"""'],
    ['=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'],
    ['+1', "'+1"],
    ['-cmd', "'-cmd"],
    ['@SUM(A1)', "'@SUM(A1)"],
    [-12.5, '-12.5'], // numbers are numbers
    [null, ''],
    [NaN, ''],
    ['<IMG SRC=X ONERROR=ALERT(1)>', '<IMG SRC=X ONERROR=ALERT(1)>'],
    [' padded ', '" padded "'],
  ]) {
    assert.equal(cell(v), want, String(v));
  }
  assert.equal(toCSV(['a', 'b'], [[1, 'x,y']]), 'a,b\r\n1,"x,y"\r\n');
});

test('notification severity: the score first, else the type', () => {
  assert.equal(severity({ type: 'port_visit', severity: 0.9 }), 'high');
  assert.equal(severity({ type: 'gap', severity: 0.5 }), 'medium');
  assert.equal(severity({ type: 'gap', severity: 0.1 }), 'low');
  assert.equal(severity({ type: 'gap' }), 'high');
  assert.equal(severity({ type: 'encounter' }), 'medium');
  assert.equal(severity({ type: 'something_new' }), 'low');
});

test('range and bearing text', () => {
  assert.equal(rangeText([2, 51], [2, 51.5]), '30.0 nm \u00b7 000.0\u00b0 T');
  assert.equal(rangeText([2, 0], [2.05, 0]), '3.00 nm \u00b7 090.0\u00b0 T');
  assert.equal(rangeText([0, 0], [0, -10]), '600 nm \u00b7 180.0\u00b0 T');
});

test('legend: folded by default on a small screen, as the user left it otherwise', async () => {
  const { legendOpen } = await import('../src/legend.js');
  assert.equal(legendOpen(null, false), true);
  assert.equal(legendOpen(null, true), false);
  assert.equal(legendOpen('open', true), true);
  assert.equal(legendOpen('closed', false), false);
  assert.equal(legendOpen('garbage', true), false);
});

test('table filter: a vessel of the compact picture (a reload) is found by call sign and IMO', () => {
  // What the page holds after a reload: the compact picture, no stream
  // or details yet.
  const [a, b] = prepareColumns({
    time: '2026-12-07T06:00:00Z', count: 2, truncated: false,
    mmsi: [244123456, 636000002], lat: [12.37, 1], lon: [46.06, 2], sog: [0, 3], cog: [90, 4], heading: [90, null],
    category: ['cargo', 'tanker'], flag: ['NL', 'LR'], age_s: [1200, 5], name: ['OLD TIMER', null],
    callsign: ['PDOT', null], imo: [9123456, null],
  }, 0);
  for (const [q, want] of [
    ['PDOT', [true, false]],
    ['PDO', [true, false]],
    ['9123456', [true, false]],
    ['912345', [true, false]],
    ['OLD TIMER', [true, false]],
    ['636000002', [false, true]],
    ['LIBERIA', [false, true]],
    ['NOTHING', [false, false]],
    ['', [true, true]],
  ]) {
    assert.deepEqual([matches(a, q), matches(b, q)], want, q);
  }
});
