// Browser test of the ship name labels: none at ocean zoom; at harbour
// zoom, names drawn beside their ships (pixels on the label canvas), no
// two overlapping; the layer control switches them off.
import { run, overlaps, FEATURE_VIEW, viewAt } from '../lib.mjs';

await run('labels', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  await tw((v) => (location.hash = v), viewAt(6));
  // (labels() is of the last frame drawn: one at zoom 6 has none.)
  const ocean = await waitFor(() => window.__tidewatch.view().zoom < 6.5 && window.__tidewatch.idle() && window.__tidewatch.labels().length === 0, null, 'zoom 6 without labels');
  const far = await tw(() => window.__tidewatch.labels().length);
  check('no labels at ocean zoom (6)', ocean && far === 0, `${far} labels`);

  await tw((v) => (location.hash = v), FEATURE_VIEW);
  const near = await waitFor(
    () => window.__tidewatch.view().zoom > 11.5 && window.__tidewatch.idle() && window.__tidewatch.labels().length > 0,
    null,
    'labels at zoom 12',
  );
  // Labels, icons and the label canvas of one frame (the stream moves the
  // ships), read in one turn: the ships settled (renderedShips reads the
  // tiles drawn) and the labels exact (placed where those tiles draw the
  // ships; a position given to the map is drawn a worker round trip
  // later, and the labels wait for it). Each label's box is read on the
  // canvas in the same turn, and where the page has each labelled ship.
  let reading = null;
  let tries = 0;
  for (; tries < 20 && !reading; tries++) {
    await waitFor(() => window.__tidewatch.shipsSettled() && window.__tidewatch.labelsExact(), null, 'the ships drawn and the labels beside them');
    reading = await tw(() => {
      const h = window.__tidewatch;
      if (!h.shipsSettled() || !h.labelsExact()) return null;
      const labels = h.labels();
      const c = document.querySelector('canvas.label-layer');
      const r = c.getBoundingClientRect();
      const k = c.width / r.width;
      const ctx = c.getContext('2d');
      const ink = (l) => {
        const d = ctx.getImageData(Math.round((l.x - r.left) * k), Math.round((l.y - r.top) * k), Math.max(1, Math.round(l.w * k)), Math.max(1, Math.round(l.h * k))).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      };
      return {
        labels: labels.map((l) => ({ ...l, ink: ink(l), at: h.shipAt(l.mmsi) })),
        ships: h.renderedShips(),
        frame: h.mapFrames(),
      };
    });
  }
  const { labels, ships } = reading ?? { labels: [], ships: [] };
  check('the labels and the ships read in one frame', reading !== null, `${tries} tries`);
  const names = await tw(async () => {
    const r = await fetch('/api/v1/vessels');
    const b = await r.json();
    return Object.fromEntries(b.vessels.map((v) => [String(v.mmsi), v.name]));
  });
  check('ship names are labelled at harbour zoom (12)', near && labels.length > 0, `${labels.length} labels, ${ships.length} ships in view`);
  check('each label is its vessel\'s name', labels.every((l) => names[l.mmsi] === l.text), labels.map((l) => l.text).join('; '));
  let overlap = null;
  for (let i = 0; i < labels.length && !overlap; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      if (overlaps({ x: labels[i].x, y: labels[i].y, width: labels[i].w, height: labels[i].h }, { x: labels[j].x, y: labels[j].y, width: labels[j].w, height: labels[j].h })) {
        overlap = [labels[i].text, labels[j].text];
        break;
      }
    }
  }
  check('no two labels overlap', !overlap, overlap ? overlap.join(' / ') : `${labels.length} labels`);
  // What the page said of a label and its ship, for a failure's detail:
  // the label's box, the icon as drawn (renderedShips), and where the
  // page last gave the ship to the map and where its tiles show it.
  const px = (p) => (p ? `${p.x.toFixed(1)},${p.y.toFixed(1)}` : 'none');
  const said = (l, s) =>
    `${l.text} (${l.mmsi}) box ${l.x.toFixed(1)},${l.y.toFixed(1)} ${l.w}×${l.h}, icon ${px(s)}, given ${px(l.at.given)}, shown ${px(l.at.shown)}`;
  const byMMSI = new Map(ships.map((s) => [s.mmsi, s]));
  const far2 = labels.filter((l) => {
    const s = byMMSI.get(l.mmsi);
    if (!s) return false; // the ship may be drawn just outside the view
    const cx = Math.max(l.x, Math.min(s.x, l.x + l.w));
    const cy = Math.max(l.y, Math.min(s.y, l.y + l.h));
    return Math.hypot(cx - s.x, cy - s.y) > 12;
  });
  const beside = labels.filter((l) => byMMSI.has(l.mmsi)).length;
  check('each label sits beside its ship', far2.length === 0 && beside > 0,
    far2.length ? far2.map((l) => said(l, byMMSI.get(l.mmsi))).join('; ') + ` (frame ${reading?.frame})` : `${beside} labels of ships in view`);
  // The canvas really has the text: inked pixels inside every label's box
  // (read in the frame the labels were placed in).
  const blank = labels.filter((l) => l.ink <= 20);
  check('the label canvas is inked where each label is placed', labels.length > 0 && blank.length === 0,
    blank.length ? blank.map((l) => `${said(l, byMMSI.get(l.mmsi))}: ${l.ink} px inked`).join('; ') : `${labels.length} labels inked`);
  await shot('labels-harbour-zoom.png');

  // The layer control switches them off and on.
  await page.click('#layers-btn');
  await page.uncheck('#layer-list input[data-layer="labels"]');
  const off = await waitFor(() => window.__tidewatch.labels().length === 0, null, 'labels off');
  check('the layer control switches the labels off', off);
  await page.check('#layer-list input[data-layer="labels"]');
  const on = await waitFor(() => window.__tidewatch.labels().length > 0, null, 'labels on');
  check('and on again', on);
});
