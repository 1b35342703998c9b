// The vessel colours stay distinguishable with colour blindness: every
// pair of group colours, passed through the simulations of protanopia,
// deuteranopia and tritanopia of Machado, Oliveira and Fernandes (2009,
// severity 1), stays at least MIN_DE apart in CIELAB (ΔE*ab, 1976). The
// palette this replaced (one colour per category) fails it at 3.7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GROUPS, CATEGORIES } from '../src/categories.js';

const MIN_DE = 12;

const SIM = {
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
  'normal vision': [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};

const linear = (c) => {
  c /= 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};

function lab(hex, m) {
  const v = [1, 3, 5].map((i) => linear(parseInt(hex.slice(i, i + 2), 16)));
  const [r, g, b] = m.map((row) => Math.min(1, Math.max(0, row[0] * v[0] + row[1] * v[1] + row[2] * v[2])));
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

function closest(colours, m) {
  const L = colours.map((c) => lab(c, m));
  let min = Infinity;
  let pair = '';
  for (let i = 0; i < L.length; i++) {
    for (let j = i + 1; j < L.length; j++) {
      const d = Math.hypot(L[i][0] - L[j][0], L[i][1] - L[j][1], L[i][2] - L[j][2]);
      if (d < min) [min, pair] = [d, `${colours[i]} ${colours[j]}`];
    }
  }
  return { min, pair };
}

test('the vessel groups stay apart with colour blindness', () => {
  const colours = GROUPS.map((g) => g[2]);
  assert.equal(new Set(colours).size, colours.length);
  for (const [name, m] of Object.entries(SIM)) {
    const { min, pair } = closest(colours, m);
    assert.ok(min >= MIN_DE, `${name}: ${pair} only ${min.toFixed(1)} apart`);
  }
});

test('the check fails the old palette', () => {
  const old = ['#4caf50', '#e53935', '#1e88e5', '#fb8c00', '#a1887f', '#ab47bc', '#ffee58', '#827717', '#5c6bc0', '#f06292', '#eceff1', '#26c6da', '#b39ddb', '#78909c', '#c8b68e', '#9e9e9e'];
  assert.ok(closest(old, SIM.deuteranopia).min < MIN_DE);
});

test('every category has a group colour', () => {
  const colours = new Set(GROUPS.map((g) => g[2]));
  for (const [c, , colour, group] of CATEGORIES) {
    assert.ok(colours.has(colour), c);
    assert.ok(GROUPS.some((g) => g[0] === group), c);
  }
});
