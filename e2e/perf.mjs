// Performance of the web map with many vessels, against a real node, in
// headless Chromium (SwiftShader WebGL, no GPU). For each vessel count it
// measures:
//
//   - first render: from opening the page (world view) to every ship of
//     the picture drawn;
//   - frame times while panning (mouse drags) and zooming (wheel), from a
//     requestAnimationFrame loop;
//   - picture update cost: a full reload of the picture after a move
//     (GET /api/v1/vessels, parsed and given to MapLibre: from the end of
//     the move, less the map's 250 ms debounce), and the live
//     stream at rest: the node's real updates applied per second, the
//     main thread's busy time per second (CDP TaskDuration) and the frame
//     times meanwhile;
//   - memory: the page's JavaScript heap, and the node's resident memory
//     when this script started it.
//
// Two ways to run it. With --tidewatch BIN it starts, for each count N,
// a demo node on N simulated vessels (tidewatch demo --vessels N
// --history 30m --no-admin on a free loopback port, fresh temporary data
// directory), waits until the node's picture holds them, measures, and
// stops it:
//
//   go build -o /tmp/tidewatch ./cmd/tidewatch
//   node e2e/perf.mjs --tidewatch /tmp/tidewatch 5000 20000 50000
//
// With BASE_URL (and no --tidewatch) it measures the node there as it is,
// once (TOKEN if the node wants one):
//
//   BASE_URL=http://127.0.0.1:8080 node e2e/perf.mjs
//
// It prints a table and writes $ARTIFACTS/perf.json (default
// e2e/artifacts). PERF_TIMEOUT_MS bounds each wait (default 10 minutes).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launch, BASE_URL, TOKEN } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.resolve(process.env.ARTIFACTS || path.join(here, 'artifacts'));
const WAIT = Number(process.env.PERF_TIMEOUT_MS) || 600000;
const args = process.argv.slice(2);
let BIN = null;
const i = args.indexOf('--tidewatch');
if (i >= 0) {
  BIN = args[i + 1];
  args.splice(i, 2);
}
const COUNTS = args.map(Number).filter((n) => n > 0);
if (BIN && COUNTS.length === 0) COUNTS.push(5000, 20000, 50000);
if (!BIN && !BASE_URL) {
  console.error('perf.mjs: give --tidewatch BIN [counts...], or BASE_URL of a running node');
  process.exit(2);
}
fs.mkdirSync(ARTIFACTS, { recursive: true });

function stats(xs) {
  if (xs.length === 0) return { n: 0, median: null, p95: null, max: null };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: +q(0.5).toFixed(1), p95: +q(0.95).toFixed(1), max: +s[s.length - 1].toFixed(1) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// until polls fn (async, true when done) every ms until the deadline.
async function until(fn, what, ms = 500) {
  const end = Date.now() + WAIT;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`perf.mjs: timed out waiting for ${what}`);
    await sleep(ms);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function pictureCount(base) {
  // (a request sent while the node starts may get no answer: time out)
  const r = await fetch(`${base}/api/v1/vessels?bbox=-180,-90,180,90`, { headers: TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {}, signal: AbortSignal.timeout(30000) });
  if (!r.ok) return -1;
  return (await r.json()).count;
}

// startNode runs a demo node on n simulated vessels and waits for its
// picture to hold them.
async function startNode(n) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  const child = spawn(BIN, ['demo', '--listen', `127.0.0.1:${port}`, '--vessels', String(n), '--history', '30m', '--no-admin'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.on('exit', (code) => {
    if (code) console.error(`tidewatch demo exited ${code}: ${stderr}`);
  });
  await until(async () => {
    if (child.exitCode != null) throw new Error(`tidewatch demo exited: ${stderr}`);
    return (await pictureCount(base)) >= n;
  }, `${n} vessels in the node's picture`);
  return {
    base,
    startMs: Date.now() - t0,
    rssMB: () => {
      const f = `/proc/${child.pid}/status`;
      const m = fs.existsSync(f) && /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(f, 'utf8'));
      return m ? +(Number(m[1]) / 1024).toFixed(0) : null;
    },
    stop: async () => {
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 30000);
      await exited;
      clearTimeout(t);
    },
  };
}

// shipsInView counts the node's vessels inside the page's view (its
// corners unprojected; the world view at zoom 1.6 shows most, not all).
async function shipsInView(page, base) {
  const { w, s, e, n } = await page.evaluate(() => {
    const c = document.querySelector('#map canvas').getBoundingClientRect();
    const [w, n] = window.__tidewatch.unproject(c.left + 1, c.top + 1);
    const [e, s] = window.__tidewatch.unproject(c.right - 1, c.bottom - 1);
    return { w, s, e, n };
  });
  const r = await fetch(`${base}/api/v1/vessels?bbox=-180,-90,180,90`, { headers: TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {} });
  const all = (await r.json()).vessels;
  const inLon = (x) => (w <= e ? x >= w && x <= e : x >= w || x <= e);
  return all.filter((v) => typeof v.lat === 'number' && v.lat >= s && v.lat <= n && inLon(v.lon)).length;
}

async function measure(base) {
  const n = await pictureCount(base);
  const browser = await launch(['--enable-precise-memory-info']);
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    if (TOKEN) await context.addInitScript((tk) => localStorage.setItem('tidewatch.token', tk), TOKEN);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const t0 = Date.now();
    await page.goto(base + '/#1.6/20/30', { waitUntil: 'load' });
    // Drawn: the picture loaded (98% of the count asked before: it
    // changes live) and 90% of it rendered on the map. (settled(), which
    // the feature tests use, is rarely true with the node's live stream
    // redrawing thousands of ships.)
    await page.waitForFunction((n) => window.__tidewatch && window.__tidewatch.vesselCount() >= n * 0.98 && window.__tidewatch.renders().full > 0, n, { timeout: WAIT, polling: 50 });
    const inView = await shipsInView(page, base);
    // (shipCount costs the page time with many ships: polled each second)
    await page.waitForFunction((k) => window.__tidewatch.shipCount() >= 0.9 * k, inView, { timeout: WAIT, polling: 1000 });
    const firstRender = Date.now() - t0;
    const drawn = await page.evaluate(() => window.__tidewatch.shipCount());
    console.error(`${n} vessels: first render ${firstRender} ms, ${drawn} ships drawn in view (${inView} there)`);

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
      await page.waitForFunction(() => window.__tidewatch.idle(), null, { timeout: WAIT, polling: 50 });
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
    console.error(`${n} vessels: pan frames median ${stats(pan).median} ms`);
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

    // A full reload of the picture: a short drag, then the time until
    // the map has fetched, parsed and handed the picture to MapLibre
    // (less the 250 ms debounce after the move), three times.
    const reloads = [];
    for (let k = 0; k < 3; k++) {
      const before = await page.evaluate(() => window.__tidewatch.renders().full);
      await page.mouse.move(700, 450);
      await page.mouse.down();
      await page.mouse.move(700 + (k % 2 ? -30 : 30), 450, { steps: 3 });
      await page.mouse.up();
      const t = Date.now();
      await page.waitForFunction((b) => window.__tidewatch.renders().full > b, before, { timeout: WAIT, polling: 20 });
      reloads.push(Date.now() - t - 250);
    }

    // Live load at rest: the node's own stream for 5 s.
    const m0 = await metrics();
    const u0 = await page.evaluate(() => window.__tidewatch.updateCount());
    const w0 = Date.now();
    const live = await frames(() => page.waitForTimeout(5000));
    const wall = (Date.now() - w0) / 1000;
    const m1 = await metrics();
    const u1 = await page.evaluate(() => window.__tidewatch.updateCount());
    const updates = u1 - u0;
    const busyMs = (m1.TaskDuration - m0.TaskDuration) * 1000;
    return {
      vessels: n,
      drawn,
      firstRenderMs: firstRender,
      panFrameMs: stats(pan),
      zoomFrameMs: stats(zoom),
      reloadMs: stats(reloads),
      liveFrameMs: stats(live),
      liveUpdatesPerS: +(updates / wall).toFixed(0),
      liveBusyMsPerS: +(busyMs / wall).toFixed(0),
      liveBusyUsPerUpdate: updates > 0 ? +((busyMs * 1000) / updates).toFixed(0) : null,
      jsHeapMB: +(m1.JSHeapUsedSize / 1048576).toFixed(1),
    };
  } finally {
    await browser.close();
  }
}

const results = [];
if (BIN) {
  for (const n of COUNTS) {
    const node = await startNode(n);
    try {
      const res = await measure(node.base);
      res.asked = n;
      res.nodeStartMs = node.startMs;
      res.nodeRssMB = node.rssMB();
      results.push(res);
      console.log(JSON.stringify(res));
    } finally {
      await node.stop();
    }
  }
} else {
  const res = await measure(BASE_URL);
  results.push(res);
  console.log(JSON.stringify(res));
}
const f = (s) => `${s.median}/${s.p95}/${s.max}`;
console.log('\nvessels  first render  pan frame ms  zoom frame ms  reload ms  live frame ms  updates/s  busy ms/s  JS heap  node RSS');
console.log('                        (median/p95/max)');
for (const r of results) {
  console.log(
    [String(r.vessels).padStart(7), `${r.firstRenderMs} ms`.padStart(12), f(r.panFrameMs).padEnd(12), f(r.zoomFrameMs).padEnd(13), String(r.reloadMs.median).padStart(9), f(r.liveFrameMs).padEnd(13),
      String(r.liveUpdatesPerS).padStart(9), String(r.liveBusyMsPerS).padStart(9), `${r.jsHeapMB} MB`.padStart(8), r.nodeRssMB != null ? `${r.nodeRssMB} MB` : '-'].join('  '),
  );
}
fs.writeFileSync(path.join(ARTIFACTS, 'perf.json'), JSON.stringify({ when: new Date().toISOString(), load: fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').trim() : null, results }, null, 2) + '\n');
