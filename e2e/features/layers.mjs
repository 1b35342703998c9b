// Browser test of the legend and the layer control: the legend lists the
// vessel groups in their colours with counts that add up to the picture;
// it covers no control; the layer control hides and shows vessel groups,
// events and zones, keeps the layers this node does not serve disabled
// (radar and satellite when it has no contacts, the learned anchorages
// when it detects no events); the learned anchorages are drawn where the
// node's detection knows them, and switch off.
import { run, overlaps } from '../lib.mjs';

await run('layers', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  await waitFor(() => window.__tidewatch.eventsLoaded() && window.__tidewatch.zoneFeatureCount() > 0, null, 'events and zones');

  // The legend.
  const legend = await tw(() => {
    const rows = [...document.querySelectorAll('#legend li[data-group]')].map((li) => ({
      group: li.dataset.group,
      colour: getComputedStyle(li.querySelector('.swatch')).backgroundColor,
      label: li.querySelector('.lg-label').textContent,
      count: Number(li.querySelector('.lg-count').textContent),
    }));
    return { open: document.getElementById('legend').open, rows, vessels: window.__tidewatch.vesselCount() };
  });
  const total = legend.rows.reduce((a, r) => a + r.count, 0);
  check('the legend is shown, open, with the 8 vessel groups', legend.open && legend.rows.length === 8, legend.rows.map((r) => `${r.label} ${r.colour}`).join('; '));
  check('its counts add up to the vessels in the picture', Math.abs(total - legend.vessels) <= 2 && total > 0, `${total} vs ${legend.vessels}`);
  const rects = await tw(() => {
    const r = (sel) => document.querySelector(sel)?.getBoundingClientRect().toJSON() ?? null;
    return { legend: r('#legend'), scale: r('.maplibregl-ctrl-scale'), zoom: r('.maplibregl-ctrl-zoom-in'), attrib: r('.maplibregl-ctrl-attrib'), timebar: r('#timebar') };
  });
  check(
    'the legend covers neither the scale, the zoom buttons, the attribution nor the time bar',
    rects.legend && !overlaps(rects.legend, rects.scale) && !overlaps(rects.legend, rects.zoom) && !overlaps(rects.legend, rects.attrib) && !overlaps(rects.legend, rects.timebar),
    JSON.stringify(rects),
  );
  await shot('legend.png');

  // The layer control.
  await page.click('#layers-btn');
  const entries = await tw(() => window.__tidewatch.layerEntries());
  const ids = entries.map((e) => e.id);
  check(
    'the layer control lists vessels by group, names, track, trails, events, zones, incidents, anchorages, radar and satellite',
    ['vessels', 'group-tanker', 'labels', 'track', 'trails', 'events', 'zones', 'incidents', 'anchorages', 'radar', 'satellite'].every((id) => ids.includes(id)),
    ids.join(' '),
  );
  // Radar and satellite are switches when the node serves contacts, the
  // learned anchorages when it serves them (a node that detects events).
  await waitFor(() => window.__tidewatch.contacts().available != null, null, 'the contacts answer');
  await waitFor(() => window.__tidewatch.anchorages().available != null, null, 'the anchorages answer');
  const served = await tw(async () => (await fetch('/api/v1/contacts?limit=1')).ok);
  const anchorages = await tw(async () => {
    const r = await fetch('/api/v1/anchorages');
    return r.ok ? (await r.json()).features.map((f) => f.geometry.coordinates) : null;
  });
  // (and the detailed basemap's overlays: a placeholder without one)
  const detail = await tw(async () => {
    const r = await fetch('/basemap/info');
    return r.ok && typeof (await r.json()).pmtiles === 'string';
  });
  await waitFor((d) => window.__tidewatch.layerEntries().some((e) => (d ? e.id.startsWith('bm-') && e.available : e.id === 'bm-detail' && !e.available)), detail, 'the basemap entries');
  const disabled = await tw(() => [...document.querySelectorAll('#layer-list input:disabled')].map((i) => i.dataset.layer));
  const want = [...(anchorages ? [] : ['anchorages']), ...(served ? [] : ['radar', 'satellite']), ...(detail ? [] : ['bm-detail'])];
  check(
    `layers this node does not serve are disabled (${want.join(', ') || 'none'}), the others not`,
    disabled.length === want.length && want.every((id) => disabled.includes(id)),
    `${disabled.join(' ')}; contacts served: ${served}; anchorages served: ${anchorages != null}`,
  );

  const cats = await tw(async () => {
    const b = await (await fetch('/api/v1/vessels')).json();
    return Object.fromEntries(b.vessels.map((v) => [String(v.mmsi), v.category]));
  });
  await waitFor(() => window.__tidewatch.shipsSettled() && window.__tidewatch.renderedShips().length > 0, null, 'the ships drawn');
  const tankersBefore = (await tw(() => window.__tidewatch.renderedShips().map((s) => s.mmsi))).filter((m) => cats[m] === 'tanker').length;
  // The switch takes effect once MapLibre has laid the ships out again
  // with the new filter and drawn them: wait for a frame drawn with the
  // ships settled after the switch (renderedShips reads only a settled
  // map; before that it gives its last reading, with the tankers).
  const frames = await tw(() => window.__tidewatch.shipFrames());
  await page.uncheck('#layer-list input[data-layer="group-tanker"]');
  await waitFor(
    ({ cats, frames }) => {
      const t = window.__tidewatch;
      if (t.shipFrames() <= frames || !t.shipsSettled()) return false;
      const ships = t.renderedShips();
      return ships.length > 0 && ships.every((s) => cats[s.mmsi] !== 'tanker');
    },
    { cats, frames },
    'the tankers hidden',
  );
  const shown = await tw(() => window.__tidewatch.renderedShips().map((s) => s.mmsi));
  const tankersAfter = shown.filter((m) => cats[m] === 'tanker').length;
  check('switching off tankers hides them, and only them', tankersBefore > 0 && tankersAfter === 0 && shown.length > 0, `${tankersBefore} → ${tankersAfter} tankers, ${shown.length} ships`);
  await shot('layers.png');
  await page.check('#layer-list input[data-layer="group-tanker"]');

  const evBefore = await tw(() => window.__tidewatch.renderedEventCount());
  await page.uncheck('#layer-list input[data-layer="events"]');
  const evOff = await waitFor(() => window.__tidewatch.mapLayerVisibility('event-circles') === 'none' && window.__tidewatch.renderedEventCount() === 0, null, 'events hidden');
  check('switching off events hides their circles', evBefore > 0 && evOff, `${evBefore} before`);
  await page.check('#layer-list input[data-layer="events"]');
  const evOn = await waitFor(() => window.__tidewatch.renderedEventCount() > 0, null, 'events shown');
  check('and on again shows them', evOn);

  const zBefore = await tw(() => window.__tidewatch.renderedZoneCount());
  await page.uncheck('#layer-list input[data-layer="zones"]');
  const zOff = await waitFor(() => window.__tidewatch.renderedZoneCount() === 0, null, 'zones hidden');
  check('switching off zones hides them', zBefore > 0 && zOff, `${zBefore} before`);
  // The learned anchorages: drawn where the API has them, from zoom 5 in.
  if (anchorages && anchorages.length > 0) {
    const [lon, lat] = anchorages[0];
    await page.evaluate(([lon, lat]) => {
      location.hash = `#9/${lat}/${lon}`;
    }, [lon, lat]);
    const drawn = await waitFor(() => window.__tidewatch.anchorages().rendered > 0, null, 'anchorages drawn');
    const st = await tw(() => window.__tidewatch.anchorages());
    check(`the learned anchorages are drawn (${st.count} served, ${st.rendered} in view at ${lat.toFixed(3)}, ${lon.toFixed(3)})`, drawn && st.count === anchorages.length, JSON.stringify(st));
    await shot('anchorages.png');
    await page.uncheck('#layer-list input[data-layer="anchorages"]');
    const off = await waitFor(() => window.__tidewatch.anchorages().rendered === 0, null, 'anchorages hidden');
    check('switching off the learned anchorages hides them', off);
    await page.check('#layer-list input[data-layer="anchorages"]');
  } else {
    check('the node serves learned anchorages to draw', false, JSON.stringify(anchorages));
  }
  // The choice is kept across a reload.
  // (The view is the anchorage's, where there may be no ship: wait for
  // the map and its layer control, not for ships.)
  await page.reload({ waitUntil: 'load' });
  const reloaded = await waitFor(() => window.__tidewatch && window.__tidewatch.layerEntries().length > 0, null, 'the map reloaded');
  const kept = reloaded && (await tw(() => window.__tidewatch.layerVisible('zones') === false && window.__tidewatch.layerVisible('events') === true));
  check('the layer choices survive a reload', kept);
});
