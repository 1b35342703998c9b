// Unit tests of draw.ts, the polygon drawing shared by the zone editor and
// the incident form: clicks, the closed ring, the outline, the layers that
// draw it, and the keys and pointer while drawing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addSketchLayers, closeRing, cornerClick, outline, sketchCursor, sketchKey, sketchLayers, wireSketch } from '../src/draw.js';

// A map projecting [lng, lat] to pixels 10 to a degree.
const flat = { project: ([x, y]) => ({ x: x * 10, y: -y * 10 }) };

test('cornerClick: a double-click adds nothing, a click on the first corner of three closes', () => {
  const corners = [[0, 0], [10, 0], [10, 10]];
  assert.equal(cornerClick(flat, [], { x: 50, y: 50 }), 'add');
  assert.equal(cornerClick(flat, corners, { x: 102, y: -99 }), 'same'); // the last corner
  assert.equal(cornerClick(flat, corners, { x: 5, y: 5 }), 'close'); // near the first
  assert.equal(cornerClick(flat, corners.slice(0, 2), { x: 1, y: 1 }), 'add'); // two corners do not close
  assert.equal(cornerClick(flat, corners, { x: 50, y: 50 }), 'add');
});

test('closeRing: counterclockwise, closed, three distinct corners', () => {
  assert.deepEqual(closeRing([[0, 0], [1, 0], [1, 1]]), [[0, 0], [1, 0], [1, 1], [0, 0]]);
  assert.deepEqual(closeRing([[0, 0], [1, 1], [1, 0]]), [[0, 0], [1, 0], [1, 1], [0, 0]]); // clockwise turned
  assert.equal(closeRing([[0, 0], [1, 1], [0, 0]]), null);
});

// matches evaluates the layers' filters (['==', ['geometry-type'], T]).
const matches = (layer, f) => layer.filter[0] === '==' && layer.filter[1][0] === 'geometry-type' && layer.filter[2] === f.geometry.type;

const zone = { source: 'zone-draw', fill: 'zone-draw-fill', line: 'zone-draw-line', corners: 'zone-draw-corners', colour: '#ffd54f', fillOpacity: 0.15, bigCorner: 'first' };

test('sketchLayers draw every feature of an outline with exactly one layer, in the sketch colour', () => {
  const layers = sketchLayers(zone);
  assert.deepEqual(layers.map((l) => [l.id, l.type, l.source]), [
    ['zone-draw-fill', 'fill', 'zone-draw'],
    ['zone-draw-line', 'line', 'zone-draw'],
    ['zone-draw-corners', 'circle', 'zone-draw'],
  ]);
  const features = outline([[0, 0], [1, 0], [1, 1]], [0.5, 2], (i) => ({ first: i === 0 ? 1 : 0 }));
  assert.deepEqual(features.map((f) => f.geometry.type), ['Polygon', 'LineString', 'Point', 'Point', 'Point']);
  for (const f of features) assert.equal(layers.filter((l) => matches(l, f)).length, 1, f.geometry.type);
  for (const l of layers) assert.equal(l.paint[`${l.type}-color`], '#ffd54f');
  // The first corner is drawn larger: its property is the one the radius reads.
  assert.deepEqual(layers[2].paint['circle-radius'], ['case', ['==', ['get', 'first'], 1], 6, 4]);
  assert.equal(features[2].properties.first, 1);
});

test('addSketchLayers adds the empty source, then its layers', () => {
  const calls = [];
  addSketchLayers({ addSource: (id, s) => calls.push(['source', id, s.data.features.length]), addLayer: (l) => calls.push(['layer', l.id]) }, zone);
  assert.deepEqual(calls, [['source', 'zone-draw', 0], ['layer', 'zone-draw-fill'], ['layer', 'zone-draw-line'], ['layer', 'zone-draw-corners']]);
});

test('sketchKey: Escape cancels whenever keys act; Enter and Backspace only while drawing; never in a text field', () => {
  const drawing = { drawing: () => true, keys: () => true };
  const placingPoint = { drawing: () => false, keys: () => true };
  const idle = { drawing: () => false, keys: () => false };
  const field = { closest: (sel) => (sel.includes('input') ? {} : null) };
  for (const [key, target, h, want] of [
    ['Escape', null, drawing, 'cancel'],
    ['Enter', null, drawing, 'finish'],
    ['Backspace', null, drawing, 'undo'],
    ['a', null, drawing, null],
    ['Escape', null, placingPoint, 'cancel'],
    ['Enter', null, placingPoint, null],
    ['Escape', null, idle, null],
    ['Backspace', field, drawing, null],
  ]) {
    assert.equal(sketchKey(key, target, h), want, `${key} ${target ? 'in a field' : ''}`);
  }
});

test('wireSketch: the pointer and a double-click while drawing, keys on the document', () => {
  const on = {};
  const map = { on: (type, fn) => (on[type] = fn) };
  const doc = new EventTarget();
  let drawing = true;
  const got = [];
  wireSketch(map, doc, {
    drawing: () => drawing,
    keys: () => drawing,
    pointer: (p) => got.push(['pointer', p]),
    finish: () => got.push(['finish']),
    undo: () => got.push(['undo']),
    cancel: () => got.push(['cancel']),
  });
  let prevented = 0;
  on.mousemove({ lngLat: { lng: 56.1, lat: 26.2 }, preventDefault: () => prevented++ });
  on.dblclick({ lngLat: { lng: 0, lat: 0 }, preventDefault: () => prevented++ });
  const key = (k) => {
    const e = new Event('keydown', { cancelable: true });
    e.key = k;
    doc.dispatchEvent(e);
    return e.defaultPrevented;
  };
  assert.equal(key('Backspace'), true);
  assert.equal(key('x'), false);
  drawing = false;
  on.mousemove({ lngLat: { lng: 1, lat: 1 }, preventDefault: () => prevented++ });
  on.dblclick({ lngLat: { lng: 0, lat: 0 }, preventDefault: () => prevented++ });
  assert.equal(key('Escape'), false);
  assert.deepEqual(got, [['pointer', [56.1, 26.2]], ['finish'], ['undo']]);
  assert.equal(prevented, 1, 'only the double-click while drawing is kept from zooming');
});

test('sketchCursor: a crosshair, and no double-click zoom while corners are clicked', () => {
  const canvas = { style: { cursor: '' } };
  let dbl = true;
  const map = { getCanvas: () => canvas, doubleClickZoom: { enable: () => (dbl = true), disable: () => (dbl = false) } };
  sketchCursor(map, true);
  assert.deepEqual([canvas.style.cursor, dbl], ['crosshair', false]);
  sketchCursor(map, false);
  assert.deepEqual([canvas.style.cursor, dbl], ['', true]);
  sketchCursor(map, true, false); // a point: a crosshair, double-click zooms
  assert.deepEqual([canvas.style.cursor, dbl], ['crosshair', true]);
});
