// Performance of the web map with many vessels, in headless Chromium
// (SwiftShader WebGL, no GPU): for each count, the time to the first
// render of all ships, frame times while panning and zooming with the
// mouse, and the JavaScript heap. The picture is synthetic: the page's
// GET /api/v1/vessels is answered here with N vessels spread over the
// oceans (fixed seed), and the live stream with bursts of 200 updates per
// connection (the map reconnects every 2 s), so the map also redraws
// under live load. Everything else comes from BASE_URL.
//
//   BASE_URL=http://127.0.0.1:8090 node e2e/perf.mjs [5000 20000 50000]
//
// (serve the map with the mock API: TIDEWATCH_WEBUI_MOCK=127.0.0.1:8090
// go test ./internal/webui -run TestServeMock -timeout 0). It prints a
// table and writes $ARTIFACTS/perf.json (default e2e/artifacts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, BASE_URL } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(process.env.ARTIFACTS || path.join(here, 'artifacts'));
const COUNTS = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (COUNTS.length === 0) COUNTS.push(5000, 20000, 50000);
if (!BASE_URL) {
  console.error('perf.mjs: set BASE_URL');
  process.exit(2);
}
fs.mkdirSync(ARTIFACTS, { recursive: true });

// rng is a small deterministic generator (mulberry32).
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATS = ['cargo', 'tanker', 'passenger', 'fishing', 'tug', 'pleasure', 'sailing', 'unknown', 'other', 'military'];
const FLAGS = ['PA', 'LR', 'MH', 'SG', 'IN', 'GB', 'NL', 'CN', 'GR', 'MT'];

function fleet(n) {
  const r = rng(16);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const out = [];
  for (let i = 0; i < n; i++) {
    // Two thirds in busy boxes (North Sea, Malacca, Arabian Sea, Gulf of
    // Mexico), the rest anywhere between 60° S and 70° N.
    const box = [[-1, 50, 9, 58], [95, -2, 106, 7], [55, 10, 72, 25], [-97, 24, -82, 30]][i % 6] ?? null;
    const lon = box ? box[0] + r() * (box[2] - box[0]) : -180 + r() * 360;
    const lat = box ? box[1] + r() * (box[3] - box[1]) : -60 + r() * 130;
    const sog = r() < 0.3 ? 0 : r() * 20;
    out.push({
      mmsi: 200000000 + i, name: `PERF VESSEL ${i}`, callsign: `P${i}`, imo: null, ship_type: 70,
      category: CATS[i % CATS.length], flag: FLAGS[i % FLAGS.length],
      lat: +lat.toFixed(5), lon: +lon.toFixed(5), sog: +sog.toFixed(1), cog: +(r() * 360).toFixed(1), heading: null,
      status: 0, time: now, age_s: Math.round(r() * 900), flags: [],
    });
  }
  return out;
}

function stats(xs) {
  if (xs.length === 0) return { n: 0, median: null, p95: null, max: null };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: +q(0.5).toFixed(1), p95: +q(0.95).toFixed(1), max: +s[s.length - 1].toFixed(1) };
}

async function measure(n) {
  const vessels = fleet(n);
  const body = JSON.stringify({ time: new Date().toISOString(), vessels });
  const browser = await launch(['--enable-precise-memory-info']);
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.route('**/api/v1/vessels?*', (route) => route.fulfill({ status: 200, contentType: 'application/json', body }));
    let seq = 0;
    const r = rng(7);
    await page.route('**/api/v1/stream?*', (route) => {
      let s = '';
      for (let k = 0; k < 200; k++) {
        const v = vessels[Math.floor(r() * vessels.length)];
        seq++;
        s += `id: ${seq}\nevent: update\ndata: ${JSON.stringify({ ...v, lat: v.lat + 0.001, seq })}\n\n`;
      }
      return route.fulfill({ status: 200, contentType: 'text/event-stream', body: s });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const t0 = Date.now();
    await page.goto(BASE_URL + '/#1.6/20/30', { waitUntil: 'load' });
    // settled: the ships source has drawn the vessels (cheap to poll,
    // unlike counting the rendered ships).
    await page.waitForFunction((n) => window.__tidewatch && window.__tidewatch.vesselCount() >= n && window.__tidewatch.renders().full > 0 && window.__tidewatch.settled(), n, { timeout: 600000, polling: 50 });
    const firstRender = Date.now() - t0;
    const drawn = await page.evaluate(() => window.__tidewatch.shipCount());

    // Frame times: a requestAnimationFrame loop records the gaps between
    // frames while the mouse drags (pan) or wheels (zoom).
    const frames = async (action) => {
      await page.evaluate(() => {
        window.__frames = [];
        let last = performance.now();
        window.__rafOn = true;
        const tick = (t) => {
          window.__frames.push(t - last);
          last = t;
          if (window.__rafOn) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      await action();
      await page.waitForFunction(() => window.__tidewatch.settled(), null, { timeout: 300000, polling: 50 });
      return page.evaluate(() => {
        window.__rafOn = false;
        return window.__frames.slice(1);
      });
    };
    const pan = await frames(async () => {
      for (const [x0, y0, x1, y1] of [[700, 450, 400, 300], [400, 300, 800, 500], [800, 500, 700, 450]]) {
        await page.mouse.move(x0, y0);
        await page.mouse.down();
        await page.mouse.move(x1, y1, { steps: 10 });
        await page.mouse.up();
      }
    });
    const zoom = await frames(async () => {
      await page.mouse.move(700, 450);
      for (let i = 0; i < 4; i++) {
        await page.mouse.wheel(0, -240);
        await page.waitForTimeout(60);
      }
      for (let i = 0; i < 4; i++) {
        await page.mouse.wheel(0, 240);
        await page.waitForTimeout(60);
      }
    });
    // Live load: frames over 5 s of streamed updates at rest.
    const live = await frames(() => page.waitForTimeout(3000));
    const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    return {
      vessels: n,
      drawn,
      firstRenderMs: firstRender,
      panFrameMs: stats(pan),
      zoomFrameMs: stats(zoom),
      liveFrameMs: stats(live),
      jsHeapMB: +(metrics.JSHeapUsedSize / 1048576).toFixed(1),
      updates: await page.evaluate(() => window.__tidewatch.updateCount()),
    };
  } finally {
    await browser.close();
  }
}

const results = [];
for (const n of COUNTS) {
  const res = await measure(n);
  results.push(res);
  console.log(JSON.stringify(res));
}
console.log('\nvessels  first render  pan frame ms (median/p95/max)  zoom frame ms  live frame ms  JS heap');
for (const r of results) {
  const f = (s) => `${s.median}/${s.p95}/${s.max}`.padEnd(16);
  console.log(`${String(r.vessels).padStart(7)}  ${String(r.firstRenderMs).padStart(9)} ms  ${f(r.panFrameMs).padEnd(29)}  ${f(r.zoomFrameMs)} ${f(r.liveFrameMs)} ${r.jsHeapMB} MB`);
}
fs.writeFileSync(path.join(ARTIFACTS, 'perf.json'), JSON.stringify({ when: new Date().toISOString(), results }, null, 2) + '\n');
