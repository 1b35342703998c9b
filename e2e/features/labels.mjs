// Browser test of the ship name labels: none at ocean zoom; at harbour
// zoom, names drawn beside their ships (pixels on the label canvas), no
// two overlapping; the layer control switches them off.
import { run, overlaps, FEATURE_VIEW, viewAt } from '../lib.mjs';

await run('labels', async ({ page, check, shot, waitFor, tw, mapReady }) => {
  check('the map loads with ships', await mapReady());
  await tw((v) => (location.hash = v), viewAt(6));
  await waitFor(() => window.__tidewatch.view().zoom < 6.5 && window.__tidewatch.idle(), null, 'zoom 6');
  await page.waitForTimeout(300);
  const far = await tw(() => window.__tidewatch.labels().length);
  check('no labels at ocean zoom (6)', far === 0, `${far} labels`);

  await tw((v) => (location.hash = v), FEATURE_VIEW);
  const near = await waitFor(
    () => window.__tidewatch.view().zoom > 11.5 && window.__tidewatch.idle() && window.__tidewatch.labels().length > 0,
    null,
    'labels at zoom 12',
  );
  // (shipsSettled: idle since the ships last changed, so that the ships
  // renderedShips reads are the ones drawn with the labels.)
  // Labels and icons of one moment (the stream moves the ships), read in
  // one turn while the ships are settled: renderedShips returns its last
  // settled reading otherwise, which may be of an earlier view while the
  // labels are current (a fast ship's label then seemed far from it).
  let reading = null;
  for (let i = 0; i < 20 && !reading; i++) {
    await waitFor(() => window.__tidewatch.shipsSettled(), null, 'the ships drawn');
    reading = await tw(() => (window.__tidewatch.shipsSettled() ? { labels: window.__tidewatch.labels(), ships: window.__tidewatch.renderedShips() } : null));
  }
  const { labels, ships } = reading ?? { labels: [], ships: [] };
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
  const byMMSI = new Map(ships.map((s) => [s.mmsi, s]));
  const far2 = labels.filter((l) => {
    const s = byMMSI.get(l.mmsi);
    if (!s) return false; // the ship may be drawn just outside the view
    const cx = Math.max(l.x, Math.min(s.x, l.x + l.w));
    const cy = Math.max(l.y, Math.min(s.y, l.y + l.h));
    return Math.hypot(cx - s.x, cy - s.y) > 12;
  });
  check('each label sits beside its ship', far2.length === 0, far2.map((l) => l.text).join('; '));
  // The canvas really has the text: inked pixels inside the first label's
  // box, none in an empty corner.
  const ink = await tw((l) => {
    const c = document.querySelector('canvas.label-layer');
    const r = c.getBoundingClientRect();
    const k = c.width / r.width;
    const count = (x, y, w, h) => {
      const d = c.getContext('2d').getImageData(Math.round((x - r.left) * k), Math.round((y - r.top) * k), Math.max(1, Math.round(w * k)), Math.max(1, Math.round(h * k))).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    };
    return { label: count(l.x, l.y, l.w, l.h), box: l };
  }, labels[0]);
  check('the label canvas is inked where a label is placed', ink.label > 20, JSON.stringify(ink));
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
