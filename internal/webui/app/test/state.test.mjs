// Unit tests of the page's state (state.ts): the transitions the map and
// the panels rely on, and whom each one tells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MapState } from '../src/state.js';
import { prepare } from '../src/vessel.js';

const T0 = Date.parse('2026-12-06T10:00:00Z'); // client clock at receipt

// vessel is a summary as the API gives it, prepared at T0.
function vessel(mmsi, fields = {}) {
  return prepare({ mmsi, name: `SHIP ${mmsi}`, category: 'cargo', flag: 'NL', lat: 12.4, lon: 46, sog: 12, age_s: 30, ...fields }, T0, T0);
}

function picture(...vs) {
  return new Map(vs.map((v) => [v.mmsi, v]));
}

// told records which topics a state tells, in order.
function told(s) {
  const got = [];
  for (const topic of ['picture', 'selection', 'filter', 'time']) s.subscribe(topic, () => got.push(topic));
  return got;
}

test('subscribers hear their topic only, until they unsubscribe', () => {
  const s = new MapState();
  let filters = 0;
  let selections = 0;
  const stop = s.subscribe('filter', () => filters++);
  s.subscribe('selection', () => selections++);
  s.setFlag('NL');
  s.select('244000001');
  assert.equal(filters, 1);
  assert.equal(selections, 1);
  stop();
  s.setFlag('PA');
  assert.equal(filters, 1, 'no call after unsubscribing');
  assert.equal(s.flag, 'PA');
});

test('a new picture keeps the selected vessel live, not in a past view', () => {
  const s = new MapState();
  const got = told(s);
  s.setPicture(picture(vessel(1), vessel(2)));
  s.select('2');
  s.setPicture(picture(vessel(3))); // the view moved away from vessel 2
  assert.deepEqual([...s.vessels.keys()].sort(), ['2', '3'], 'live, the selected vessel stays on the map');
  s.goPast(new Date(T0 - 3600e3));
  s.setPicture(picture(vessel(3)));
  assert.deepEqual([...s.vessels.keys()], ['3'], 'the past picture is the past\'s alone');
  assert.deepEqual(got, ['picture', 'selection', 'picture', 'time', 'picture']);
});

test('live updates merge into the picture; a past view ignores them', () => {
  const s = new MapState();
  s.setPicture(picture(vessel(1)));
  const held = s.vessels.get('1');
  const got = told(s);
  assert.equal(s.update(vessel(1, { lat: 12.5, sog: 3 })), true);
  assert.equal(s.vessels.get('1'), held, 'merged into the vessel held (the map\'s features and the table keep it)');
  assert.equal(held.lat, 12.5);
  assert.equal(held.name, 'SHIP 1');
  assert.equal(s.update(vessel(7)), true);
  assert.equal(s.vessels.size, 2, 'a vessel new to the picture is added');
  assert.equal(s.updates, 2);
  assert.deepEqual(got, [], 'no subscriber is called for an unselected vessel (the stream\'s hot path)');

  s.goPast(new Date(T0 - 600e3));
  assert.equal(s.update(vessel(1, { lat: 20 })), false);
  assert.equal(s.update(vessel(9)), false);
  assert.equal(held.lat, 12.5, 'the past picture is not changed by the live stream');
  assert.equal(s.vessels.has('9'), false);
  assert.equal(s.updates, 2);
});

test('an update of the selected vessel updates its panel\'s details', () => {
  const s = new MapState();
  s.setPicture(picture(vessel(1), vessel(2)));
  s.select('1');
  const got = told(s);
  s.update(vessel(2, { sog: 0 }));
  assert.deepEqual(got, []);
  s.update(vessel(1, { sog: 0.2, name: 'RENAMED' }));
  assert.deepEqual(got, ['selection']);
  assert.equal(s.detail.sog, 0.2);
  assert.equal(s.detail.name, 'RENAMED');
});

test('select shows the picture\'s summary, else the hint, else the MMSI; late details of another vessel are dropped', () => {
  const s = new MapState();
  s.setPicture(picture(vessel(1)));
  assert.equal(s.select('1').name, 'SHIP 1');
  assert.notEqual(s.detail, s.vessels.get('1'), 'the panel has a copy: details never write into the picture');
  assert.equal(s.select('5', vessel(5, { name: 'FROM SEARCH' })).name, 'FROM SEARCH');
  const unknown = s.select('6');
  assert.equal(unknown.mmsi, '6');
  assert.equal(unknown.name, null);

  // Details asked for vessel 5 come after vessel 6 was selected.
  assert.equal(s.setDetail('5', { mmsi: 5, name: 'LATE' }), false);
  assert.equal(s.detail.mmsi, '6');
  s.deselect();
  assert.equal(s.setDetail('6', { mmsi: 6, name: 'LATER' }), false);
  assert.equal(s.selected, null);
  assert.equal(s.detail, null);
});

test('details live are over the summary; in a past view they are the moment\'s alone', () => {
  const s = new MapState();
  s.setPicture(picture(vessel(1, { destination: 'LIVE PORT' })));
  s.select('1');
  assert.equal(s.setDetail('1', { mmsi: 1, name: 'DETAIL NAME', imo: 9000001 }), true);
  assert.equal(s.detail.name, 'DETAIL NAME');
  assert.equal(s.detail.destination, 'LIVE PORT', 'live, the summary is under the details');

  s.goPast(new Date(T0 - 7200e3)); // the live summary is still held while the past loads
  s.select('1');
  assert.equal(s.setDetail('1', { mmsi: 1, name: 'THEN', lat: 11 }), true);
  assert.equal(s.detail.destination, undefined, 'in the past, nothing of the live summary');
  assert.equal(s.detail.lat, 11);
});

test('deselect tells once, and nothing when nothing is selected', () => {
  const s = new MapState();
  const got = told(s);
  s.deselect();
  s.select('3');
  s.deselect();
  s.deselect();
  assert.deepEqual(got, ['selection', 'selection']);
});

test('the filters and the vessel groups decide what the map draws', () => {
  const s = new MapState();
  const cargo = vessel(1);
  const tug = vessel(2, { category: 'tug', flag: 'PA' });
  const pilot = vessel(3, { category: 'pilot' });
  const odd = vessel(4, { category: 'no such category' }); // drawn as unknown
  const nowhere = vessel(5, { lat: null, lon: null });
  s.setPicture(picture(cargo, tug, pilot, odd, nowhere));
  const shown = () => [...s.shown()].map((v) => v.mmsi);
  assert.deepEqual(shown(), ['1', '2', '3', '4'], 'everything with a position');

  const got = told(s);
  s.setGroupShown('service', false); // tug and pilot
  assert.deepEqual(shown(), ['1', '4']);
  assert.equal(s.shownCategories().includes('tug'), false);
  assert.equal(s.shownCategories().includes('cargo'), true);
  s.setGroupShown('service', false); // no change: nobody told
  s.setGroupShown('service', true);
  s.setCategory('tug', false);
  assert.deepEqual(shown(), ['1', '3', '4']);
  s.setCategory('unknown', false);
  assert.deepEqual(shown(), ['1', '3']);
  s.setFlag('NL');
  assert.deepEqual(shown(), ['1', '3']);
  s.setFlag('PA');
  assert.deepEqual(shown(), [], 'the PA ship is a tug, filtered out');
  s.setAllCategories(true);
  assert.deepEqual(shown(), ['2']);
  s.setAllCategories(false);
  assert.deepEqual(shown(), []);
  assert.deepEqual(s.shownCategories(), []);
  assert.deepEqual(got, ['filter', 'filter', 'filter', 'filter', 'filter', 'filter', 'filter', 'filter']);
});

test('flag codes and group counts of the picture', () => {
  const s = new MapState();
  s.setPicture(picture(vessel(1), vessel(2, { flag: 'PA', category: 'tug' }), vessel(3, { flag: null, category: 'pilot' }), vessel(4, { category: 'bogus' })));
  assert.deepEqual(s.flagCodes(), ['NL', 'PA']);
  s.setFlag('LR'); // a flag chosen before its ships left the view stays listed
  assert.deepEqual(s.flagCodes(), ['LR', 'NL', 'PA']);
  assert.deepEqual(Object.fromEntries(s.groupCounts()), { cargo: 1, service: 2, other: 1 });
});

test('ages move on live and stand still in a past view', () => {
  const s = new MapState();
  const v = vessel(1, { age_s: 590 });
  s.setPicture(picture(v));
  assert.equal(s.ageOf(v, T0), 590);
  assert.equal(s.ageOf(v, T0 + 5000), 595);
  assert.equal(s.stale(v, T0 + 5000), false);
  assert.equal(s.stale(v, T0 + 15000), true, 'drawn faded after 600 s');
  s.goPast(new Date(T0 - 3600e3));
  assert.equal(s.ageOf(v, T0 + 3600e3), 590, 'the age at the moment shown');
  assert.equal(s.stale(v, T0 + 3600e3), false);
});

test('the time view: the slider counts from where it left live; past and live', () => {
  const s = new MapState();
  s.setServerTime(T0 + 2000, T0); // the server is 2 s ahead
  assert.equal(s.serverNow(T0 + 1000), T0 + 3000);
  assert.equal(s.sliderTime(0, T0), null, '0 is live');
  s.slide(T0);
  s.slide(T0 + 60e3); // moving on does not move the origin
  assert.equal(s.ref, T0 + 2000);
  const at = s.sliderTime(-90, T0 + 600e3);
  assert.equal(at.getTime(), T0 + 2000 - 90 * 60e3, 'from the origin, not from now');

  const got = told(s);
  s.goPast(at);
  assert.equal(s.live, false);
  s.setServerTime(T0 - 99e6, T0); // a past answer's time is not the clock
  assert.equal(s.offset, 2000);
  assert.equal(s.viewEnd(T0 + 5000), at.getTime());
  assert.deepEqual(s.panelView(T0 + 5000), { ref: at.getTime(), live: false });

  s.goLive();
  assert.equal(s.live, true);
  assert.equal(s.at, null);
  assert.equal(s.ref, null, 'the next slide starts from the clock then');
  assert.equal(s.viewEnd(T0 + 5000), T0 + 7000);
  assert.deepEqual(s.panelView(T0 + 5000), { ref: T0 + 7000, live: true });
  assert.deepEqual(got, ['time', 'time']);
});
