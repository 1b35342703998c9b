// Browser test of the anchorage panel: a click on a learned anchorage
// opens what the node knows of it (GET /api/v1/anchorages: number,
// centre, port-visit radius, vessels counted, since when, nearest port),
// as text, with the focus in the panel; Escape closes it. From the
// keyboard: A opens the anchorage nearest the map's centre, Next (Enter)
// goes to the next one and moves the map there. Every line is checked
// against the API's answer.
import { run } from '../lib.mjs';

// want is what a line of the panel must contain for an anchorage of the
// API's answer, formatted here on its own (not by the page's code).
function want(f) {
  const p = f.properties;
  const [lon, lat] = f.geometry.coordinates;
  const km = (m) => `${(m / 1000).toFixed(1)} km`;
  return {
    id: [String(p.id)],
    centre: [Math.abs(lat).toFixed(5), Math.abs(lon).toFixed(5), lat >= 0 ? 'N' : 'S', lon >= 0 ? 'E' : 'W'],
    radius: [km(p.radius_m)],
    vessels: [`${p.vessels} seen stopped`],
    since: p.since == null ? ['known at start'] : [p.since.slice(0, 10), p.since.slice(11, 19)],
    port: p.nearest_port ? [p.nearest_port.name, km(p.nearest_port.distance_m)] : ['none within 200 km'],
  };
}

await run('anchorages', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  const features = await tw(async () => {
    const r = await fetch('/api/v1/anchorages');
    return r.ok ? (await r.json()).features : null;
  });
  if (!check('the node serves learned anchorages', Array.isArray(features) && features.length > 0, JSON.stringify(features))) return;
  features.sort((a, b) => a.properties.id - b.properties.id);
  await waitFor((n) => window.__tidewatch.anchorages().count === n, features.length, 'the anchorages loaded');

  // Only the anchorages take the click: ships, contacts, events and
  // incidents switched off in the layer control.
  await page.click('#layers-btn');
  for (const id of ['vessels', 'events', 'incidents', 'radar', 'satellite']) {
    const sel = `#layer-list input[data-layer="${id}"]:not([disabled])`;
    if (await page.$(sel)) await page.uncheck(sel);
  }
  await page.click('#layers-btn');

  const panel = () =>
    tw(() => {
      const el = document.getElementById('anchorage-panel');
      const fields = Object.fromEntries([...el.querySelectorAll('dd[data-field]')].map((dd) => [dd.dataset.field, dd.textContent]));
      const markup = [...el.querySelectorAll('dd')].some((dd) => dd.children.length > 0);
      return { hidden: el.hidden, title: document.getElementById('anchorage-name').textContent, fields, markup, focus: document.activeElement?.id || document.activeElement?.className || null, state: window.__tidewatch.anchorages() };
    });
  const matches = (got, f) => {
    const w = want(f);
    const bad = Object.entries(w).filter(([k, parts]) => !parts.every((s) => (got.fields[k] ?? '').includes(s)));
    const title = got.title.includes(`Anchorage ${f.properties.id}`) && (!f.properties.nearest_port || got.title.includes(f.properties.nearest_port.name));
    return { ok: bad.length === 0 && title && !got.markup, detail: `${got.title} ${JSON.stringify(got.fields)}; want ${JSON.stringify(w)}` };
  };

  // A click on the first anchorage.
  const first = features[0];
  const [lon, lat] = first.geometry.coordinates;
  await page.evaluate(([lon, lat]) => {
    location.hash = `#11/${lat}/${lon}`;
  }, [lon, lat]);
  await waitFor(() => window.__tidewatch.idle() && window.__tidewatch.anchorages().rendered > 0, null, 'the anchorage drawn');
  const [x, y] = await tw(([lon, lat]) => window.__tidewatch.project(lon, lat), [lon, lat]);
  await page.mouse.move(x, y);
  const hover = await waitFor(() => (window.__tidewatch.hoverText() ?? '').includes('Anchorage'), null, 'the hover text');
  check('hovering the anchorage names it', hover, await tw(() => window.__tidewatch.hoverText()));
  await page.mouse.click(x, y);
  const opened = await waitFor(() => !document.getElementById('anchorage-panel').hidden, null, 'the anchorage panel');
  let got = await panel();
  let m = matches(got, first);
  check(`a click opens the anchorage's panel with what the API says of it (anchorage ${first.properties.id})`, opened && got.state.selected === first.properties.id && m.ok, m.detail);
  check('the panel takes the focus (its title)', got.focus === 'anchorage-name', String(got.focus));
  await shot('anchorage-panel.png');
  await page.keyboard.press('Escape');
  got = await panel();
  check('Escape closes the panel', got.hidden && got.state.selected === null, JSON.stringify(got.state));

  // From the keyboard: A opens the anchorage nearest the centre.
  await tw(() => document.querySelector('.maplibregl-canvas').focus());
  await page.keyboard.press('a');
  await waitFor(() => !document.getElementById('anchorage-panel').hidden, null, 'the panel from the keyboard');
  got = await panel();
  m = matches(got, first);
  check('A opens the anchorage nearest the map centre', got.state.selected === first.properties.id && m.ok, m.detail);
  if (features.length > 1) {
    const second = features[1];
    await tw(() => document.getElementById('anchorage-next').focus());
    await page.keyboard.press('Enter');
    await waitFor((id) => window.__tidewatch.anchorages().selected === id && !window.__tidewatch.view().moving, second.properties.id, 'the next anchorage');
    got = await panel();
    m = matches(got, second);
    const view = await tw(() => window.__tidewatch.view());
    const [lon2, lat2] = second.geometry.coordinates;
    const near = Math.abs(view.center[0] - lon2) < 0.01 && Math.abs(view.center[1] - lat2) < 0.01;
    check(`Next opens the next anchorage (${second.properties.id}) and moves the map to it`, got.state.selected === second.properties.id && m.ok && near, `${m.detail}; centre ${view.center}`);
    await shot('anchorage-panel-next.png');
  } else {
    check('the node serves a second anchorage for Next', false, `${features.length} served`);
  }
  await page.keyboard.press('Escape');
  got = await panel();
  check('Escape closes it and gives the focus back to the map, where A was pressed', got.hidden && String(got.focus).includes('maplibregl-canvas'), String(got.focus));
});
