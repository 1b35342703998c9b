// Performance of the web map with many vessels, against a real node, in
// headless Chromium (SwiftShader WebGL, no GPU). For each vessel count it
// measures:
//
//   - first render: from opening the page (world view) to 90% of the
//     ships of its first answer in view drawn (the node is ready first:
//     its picture counts every simulated vessel); the size of that
//     answer (firstAnswer) beside the node's count;
//   - frame times while panning (mouse drags) and zooming (wheel), from a
//     requestAnimationFrame loop, and the CPU time of the pan per browser
//     thread (renderer/chromium is the page's main thread,
//     renderer/DedicatedWorker MapLibre's workers, gpu-process/* the
//     software WebGL) and per frame, which a loaded machine stretches
//     much less than wall-clock frame times; PERF_PROFILE=1 also writes
//     a CPU profile of the main thread during the pan;
//   - picture update cost: a full reload of the picture (GET
//     /api/v1/vessels, parsed and given to MapLibre), and the live
//     stream at rest: the node's real updates applied per second, the
//     main thread's busy time per second (CDP TaskDuration), the CPU per
//     thread and the frame times meanwhile;
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
// Each page's pan also counts the frames MapLibre rendered (panMapFrames).
//
// --peer measures a bare MapLibre page beside the map (peer.mjs);
// --trace DIR records a Chromium trace of each page's pan, browser-wide
// (DIR/map-pan-N.json, DIR/peer-pan-N.json: open them in Chrome's
// Performance panel or ui.perfetto.dev), and prints and keeps its
// summary: per thread its busy CPU and CPU by event, frame events
// counted, JavaScript self time per function from V8's samples (the
// bundle is minified: a function is its line and column in the app's
// JavaScript). Tracing costs CPU itself: take the CPU figures from a run
// without it.
//
//   node e2e/perf.mjs --tidewatch /tmp/tidewatch --peer --trace /tmp/trace 20000
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launch, BASE_URL, TOKEN } from './lib.mjs';
import { servePeer, shipsGeoJSON, fetchLand } from './peer.mjs';

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
let PEER = false;
const pi = args.indexOf('--peer');
if (pi >= 0) {
  PEER = true;
  args.splice(pi, 1);
}
// --trace DIR: a Chromium trace of each page's pan (the whole browser:
// renderer, workers, GPU process) written to DIR, and its summary printed
// and kept in perf.json (traceSummary).
let TRACE = null;
const ti = args.indexOf('--trace');
if (ti >= 0) {
  TRACE = path.resolve(args[ti + 1]);
  args.splice(ti, 2);
  fs.mkdirSync(TRACE, { recursive: true });
}
const ROUNDS = Math.max(1, Number(process.env.PERF_ROUNDS) || 1);
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

const PROFILE = process.env.PERF_PROFILE === '1';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// selfTimes sums a CPU profile's self time (ms) by function name and
// line, the 30 largest.
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dts = profile.timeDeltas;
  for (let k = 0; k < profile.samples.length; k++) {
    const nd = byId.get(profile.samples[k]);
    const cf = nd.callFrame;
    const key = `${cf.functionName || '(anonymous)'}${cf.url ? ':' + path.basename(cf.url) + ':' + cf.lineNumber + ':' + cf.columnNumber : ''}`;
    self.set(key, (self.get(key) || 0) + (dts[k] || 0) / 1000);
  }
  return Object.fromEntries([...self].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => [k, +v.toFixed(0)]));
}

// threadCPU reads the CPU time (ms) of every thread of the browser's
// processes (this script's descendants other than a tidewatch node),
// keyed by process kind and thread name: "renderer/CrRendererMain" (the
// page's main thread), "renderer/DedicatedWorker" (MapLibre's workers),
// "gpu-process/CrGpuMain" (SwiftShader's GL), and so on.
function threadCPU() {
  const tick = 10; // USER_HZ is 100 on Linux
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      kids.set(Number(d), ppid);
    } catch {
      // gone
    }
  }
  const ours = (pid) => {
    for (let p = pid, k = 0; p > 1 && k < 20; p = kids.get(p), k++) if (p === process.pid) return true;
    return false;
  };
  const out = {};
  for (const pid of kids.keys()) {
    if (pid === process.pid || !ours(pid)) continue;
    let kind;
    try {
      // (Chromium rewrites its children's command lines into one string)
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/chrom/.test(cmd.split(/[\0 ]/)[0])) continue;
      const t = /--type=([a-z-]+)/.exec(cmd);
      const sub = /--utility-sub-type=([a-z.]+)/.exec(cmd);
      kind = t ? t[1] + (sub ? `(${sub[1]})` : '') : 'browser';
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        const st = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')).replace(/[0-9]+$/, '');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        const key = `${kind}/${name}`;
        out[key] = (out[key] || 0) + (Number(f[11]) + Number(f[12])) * tick;
      }
    } catch {
      // gone
    }
  }
  return out;
}

// cpuSplit is the CPU time per thread between two threadCPU readings,
// largest first, threads under 1% of the total left out.
function cpuSplit(a, b) {
  const d = Object.entries(b).map(([k, v]) => [k, v - (a[k] || 0)]).filter(([, v]) => v > 0);
  const total = d.reduce((s, [, v]) => s + v, 0);
  const split = Object.fromEntries(d.sort((x, y) => y[1] - x[1]).filter(([, v]) => v >= total / 100));
  return { totalMs: total, ...split };
}

// TRACE_CATEGORIES are what a --trace records: the timeline (tasks,
// JavaScript entry points, frames), V8's sampling profiler (JavaScript
// self time per function, main thread and workers), and the compositor
// and GPU process.
const TRACE_CATEGORIES = [
  'toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame',
  'v8.execute', 'disabled-by-default-v8.cpu_profiler', 'blink', 'cc', 'viz', 'gpu',
];

// startTrace starts a browser-wide trace; the function it returns stops
// it, writes the trace to TRACE/name.json and returns its summary.
async function startTrace(browser, page, name) {
  if (!TRACE) return null;
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  return async () => {
    const buf = await browser.stopTracing();
    fs.writeFileSync(path.join(TRACE, `${name}.json`), buf);
    const sum = traceSummary(JSON.parse(buf.toString('utf8')).traceEvents);
    fs.writeFileSync(path.join(TRACE, `${name}.summary.json`), JSON.stringify(sum, null, 2) + '\n');
    return sum;
  };
}

// traceKey names a trace event for the summary: its name, with the kind
// of a dispatched event, the timer or the function called.
function traceKey(e) {
  const d = e.args && e.args.data;
  if (!d) return e.name;
  if (e.name === 'EventDispatch' && d.type) return `EventDispatch:${d.type}`;
  if (e.name === 'FunctionCall' && d.functionName) return `FunctionCall:${d.functionName}`;
  return e.name;
}

// traceSummary attributes a trace: per thread (process/thread name), its
// busy CPU time (outermost events' thread time, ms), its CPU by event
// (self thread time, the 12 largest), the count of frame events, and
// JavaScript self time per function from V8's samples (the 15 largest
// per thread).
function traceSummary(events) {
  const proc = new Map();
  const thr = new Map();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    if (e.name === 'process_name') proc.set(e.pid, e.args.name);
    if (e.name === 'thread_name') thr.set(`${e.pid}/${e.tid}`, e.args.name);
  }
  const label = (pid, tid) => `${proc.get(pid) || pid}/${(thr.get(`${pid}/${tid}`) || String(tid)).replace(/[0-9]+$/, '')}`;
  const byThread = new Map();
  const counts = {};
  const FRAME = /^(FireAnimationFrame|BeginFrame|DrawFrame|Graphics\.Pipeline|Display::DrawAndSwap|Paint|Layout|UpdateLayoutTree|PrePaint|Commit|RasterTask|EventDispatch:message|TimerFire|ParseAuthorStyleSheet|Scheduler::BeginFrame|ProxyMain::BeginMainFrame|WebGLRenderingContext|DrawingBuffer)/;
  for (const e of events) {
    if (e.ph !== 'X' || e.dur == null) continue;
    const k = label(e.pid, e.tid);
    let list = byThread.get(k);
    if (!list) byThread.set(k, (list = []));
    list.push(e);
    const key = traceKey(e);
    if (FRAME.test(key)) {
      const ck = `${k} ${key}`;
      counts[ck] = (counts[ck] || 0) + 1;
    }
  }
  const threads = {};
  for (const [k, list] of byThread) {
    // (several threads may share a label: their events are kept apart by
    // tid when nesting)
    const perTid = new Map();
    for (const e of list) {
      let l = perTid.get(e.tid + '/' + e.pid);
      if (!l) perTid.set(e.tid + '/' + e.pid, (l = []));
      l.push(e);
    }
    let busy = 0;
    const self = new Map();
    for (const l of perTid.values()) {
      l.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
      const stack = [];
      for (const e of l) {
        while (stack.length && stack[stack.length - 1].end <= e.ts) stack.pop();
        const t = (e.tdur ?? e.dur) / 1000;
        const key = traceKey(e);
        self.set(key, (self.get(key) || 0) + t);
        if (stack.length) self.set(stack[stack.length - 1].key, self.get(stack[stack.length - 1].key) - t);
        else busy += t;
        stack.push({ end: e.ts + e.dur, key });
      }
    }
    threads[k] = {
      busyMs: +busy.toFixed(0),
      selfMs: Object.fromEntries([...self].filter(([, v]) => v >= 1).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, v]) => [n, +v.toFixed(0)])),
    };
  }
  // V8's samples: Profile (per thread) and ProfileChunk events.
  const profiles = new Map();
  for (const e of events) {
    if (e.name !== 'Profile' && e.name !== 'ProfileChunk') continue;
    const key = `${e.pid}/${e.id}`;
    let p = profiles.get(key);
    if (!p) profiles.set(key, (p = { pid: e.pid, tid: e.tid, nodes: new Map(), self: new Map() }));
    if (e.name === 'Profile') p.tid = e.tid;
    const d = e.args && e.args.data;
    const cp = d && d.cpuProfile;
    if (!cp) continue;
    for (const n of cp.nodes || []) {
      const cf = n.callFrame || {};
      const url = cf.url ? path.basename(cf.url).replace(/-[A-Z0-9]{8}\./, '.') : '';
      p.nodes.set(n.id, `${cf.functionName || '(anonymous)'}${url ? ' ' + url + ':' + cf.lineNumber + ':' + cf.columnNumber : ''}`);
    }
    const deltas = d.timeDeltas || [];
    (cp.samples || []).forEach((id, i) => {
      const name = p.nodes.get(id) || String(id);
      p.self.set(name, (p.self.get(name) || 0) + (deltas[i] || 0) / 1000);
    });
  }
  const js = {};
  for (const p of profiles.values()) {
    const k = label(p.pid, p.tid);
    const total = [...p.self].filter(([n]) => n !== '(idle)' && n !== '(program)').reduce((s, [, v]) => s + v, 0);
    js[k] = {
      sampledMs: +total.toFixed(0),
      selfMs: Object.fromEntries([...p.self].filter(([n]) => n !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 15).map(([n, v]) => [n, +v.toFixed(0)])),
    };
  }
  const sorted = Object.fromEntries(Object.entries(threads).sort((a, b) => b[1].busyMs - a[1].busyMs).filter(([, v]) => v.busyMs >= 20));
  return { threads: sorted, frameEvents: counts, js };
}

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
  const r = await fetch(`${base}/api/v1/vessels?bbox=-180,-90,180,90&limit=1`, { headers: TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {}, signal: AbortSignal.timeout(30000) });
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
  const r = await fetch(`${base}/api/v1/vessels?bbox=-180,-90,180,90&limit=100000`, { headers: TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {} });
  const all = (await r.json()).vessels;
  const inLon = (x) => (w <= e ? x >= w && x <= e : x >= w || x <= e);
  return all.filter((v) => typeof v.lat === 'number' && v.lat >= s && v.lat <= n && inLon(v.lon)).length;
}

// frames records the gaps between frames (ms) from a
// requestAnimationFrame loop while action runs, until idle (a function
// evaluated in the page) holds.
async function frames(page, idle, action) {
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
  await action(page);
  await page.waitForFunction(idle, null, { timeout: WAIT, polling: 50 });
  return page.evaluate(() => {
    window.__rafOn = false;
    return window.__frames.slice(1);
  });
}

// dragScript pans: three mouse drags of 10 steps each. wheelScript zooms:
// four wheel steps in, four out. The map and its peer get the same.
async function dragScript(page) {
  for (const [x0, y0, x1, y1] of [[700, 450, 400, 300], [400, 300, 800, 500], [800, 500, 700, 450]]) {
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await page.mouse.move(x1, y1, { steps: 10 });
    await page.mouse.up();
  }
}
async function wheelScript(page) {
  await page.mouse.move(700, 450);
  for (let i = 0; i < 4; i++) {
    await page.mouse.wheel(0, -240);
    await page.waitForTimeout(60);
  }
  for (let i = 0; i < 4; i++) {
    await page.mouse.wheel(0, 240);
    await page.waitForTimeout(60);
  }
}
const tidewatchIdle = () => window.__tidewatch.idle();

// byProcess sums a cpuSplit by browser process kind (gpu-process,
// renderer, ...).
function byProcess(split) {
  const out = {};
  for (const [k, v] of Object.entries(split)) {
    if (k === 'totalMs') continue;
    const kind = k.slice(0, k.indexOf('/'));
    out[kind] = (out[kind] || 0) + v;
  }
  return out;
}

// perFrame is the CPU per frame (ms) of the pan and the zoom by browser
// process: the GPU process (SwiftShader's software WebGL) and the
// renderer (the page's main thread, MapLibre's workers, the
// compositor).
function perFrame(pan, panCPU, zoom, zoomCPU) {
  const per = (fs, cpu, kind) => (fs.length ? +((kind ? byProcess(cpu)[kind] || 0 : cpu.totalMs) / fs.length).toFixed(1) : null);
  return {
    panGPUCPUPerFrameMs: per(pan, panCPU, 'gpu-process'),
    panRendererCPUPerFrameMs: per(pan, panCPU, 'renderer'),
    zoomCPUPerFrameMs: per(zoom, zoomCPU),
    zoomGPUCPUPerFrameMs: per(zoom, zoomCPU, 'gpu-process'),
    zoomRendererCPUPerFrameMs: per(zoom, zoomCPU, 'renderer'),
  };
}

// measurePeer measures the bare MapLibre page (peer.mjs) on the node's
// picture at base: the first render (opened at the map's world view, to
// the land and ships drawn once), and the map's drag and wheel scripts
// with the same frame timing and CPU per thread.
async function measurePeer(base) {
  const headers = TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {};
  const ships = await shipsGeoJSON(base, headers);
  const peer = await servePeer(await fetchLand(base, headers), ships);
  const browser = await launch(['--enable-precise-memory-info']);
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const t0 = Date.now();
    await page.goto(peer.url + '#1.6/20/30', { waitUntil: 'load' });
    await page.waitForFunction(() => window.__peer && window.__peer.drawn(), null, { timeout: WAIT, polling: 50 });
    const firstRender = Date.now() - t0;
    const peerIdle = () => window.__peer.idle();
    const stopTrace = await startTrace(browser, page, `peer-pan-${ships.features.length}`);
    const f0 = await page.evaluate(() => window.__peer.frames());
    const c0 = threadCPU();
    const pan = await frames(page, peerIdle, dragScript);
    const panCPU = cpuSplit(c0, threadCPU());
    const panMapFrames = (await page.evaluate(() => window.__peer.frames())) - f0;
    const trace = stopTrace ? await stopTrace() : null;
    if (trace) console.error(`peer, ${ships.features.length} ships: pan trace`, JSON.stringify(trace));
    const z0 = threadCPU();
    const zoom = await frames(page, peerIdle, wheelScript);
    const zoomCPU = cpuSplit(z0, threadCPU());
    const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
    console.error(`peer, ${ships.features.length} ships: pan frames median ${stats(pan).median} ms; CPU ms by thread ${JSON.stringify(panCPU)}`);
    return {
      ships: ships.features.length,
      firstRenderMs: firstRender,
      panCPUms: panCPU,
      panMapFrames,
      panCPUPerFrameMs: pan.length ? +(panCPU.totalMs / pan.length).toFixed(1) : null,
      panMainCPUPerFrameMs: pan.length ? +((panCPU['renderer/chromium'] || 0) / pan.length).toFixed(1) : null,
      ...perFrame(pan, panCPU, zoom, zoomCPU),
      panFrameMs: stats(pan),
      zoomFrameMs: stats(zoom),
      traceSummary: trace,
      jsHeapMB: +(m.JSHeapUsedSize / 1048576).toFixed(1),
    };
  } finally {
    await browser.close();
    await peer.close();
  }
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
    // Drawn: the first answer of the picture handed to the map, and 90%
    // of the ships of that answer in view rendered. The node is ready
    // before the page opens (startNode: its picture holds every simulated
    // vessel). Not "98% of the node's count in the page", as before: a
    // page that asks for fewer vessels than the node has (the map asked
    // for the API's default 20,000 until it asked for its most, 100,000)
    // only reached that when the stream had brought the rest in, minutes
    // later (461 s at 50,000); the first answer's size is reported
    // (firstAnswer) beside the node's count instead.
    await page.waitForFunction(() => window.__tidewatch && window.__tidewatch.renders().full > 0 && window.__tidewatch.lastLoad() != null, null, { timeout: WAIT, polling: 50 });
    const answered = (await page.evaluate(() => window.__tidewatch.lastLoad())).count;
    const inView = Math.min(await shipsInView(page, base), answered);
    // (shipCount costs the page time with many ships: polled each second)
    await page.waitForFunction((k) => window.__tidewatch.shipCount() >= 0.9 * k, inView, { timeout: WAIT, polling: 1000 });
    const firstRender = Date.now() - t0;
    const drawn = await page.evaluate(() => window.__tidewatch.shipCount());
    console.error(`${n} vessels: first render ${firstRender} ms, ${drawn} ships drawn in view (${inView} there and answered; the first answer held ${answered})`);

    // The pan's CPU time per browser thread, and with PERF_PROFILE=1 a
    // CPU profile of the page's main thread (written to ARTIFACTS, its
    // self time summed by function printed).
    const stopTrace = await startTrace(browser, page, `map-pan-${n}`);
    const hasFrames = await page.evaluate(() => typeof window.__tidewatch.mapFrames === 'function');
    const f0 = hasFrames ? await page.evaluate(() => window.__tidewatch.mapFrames()) : null;
    const c0 = threadCPU();
    if (PROFILE) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    const pan = await frames(page, tidewatchIdle, dragScript);
    const panCPU = cpuSplit(c0, threadCPU());
    const panMapFrames = hasFrames ? (await page.evaluate(() => window.__tidewatch.mapFrames())) - f0 : null;
    const trace = stopTrace ? await stopTrace() : null;
    if (trace) console.error(`${n} vessels: pan trace`, JSON.stringify(trace));
    if (PROFILE) {
      const { profile } = await cdp.send('Profiler.stop');
      fs.writeFileSync(path.join(ARTIFACTS, `perf-pan-${n}.cpuprofile`), JSON.stringify(profile));
      console.error(`${n} vessels: pan, main thread self time by function (ms):`, JSON.stringify(selfTimes(profile)));
    }
    console.error(`${n} vessels: pan frames median ${stats(pan).median} ms; CPU ms by thread ${JSON.stringify(panCPU)}`);
    const z0 = threadCPU();
    const zoom = await frames(page, tidewatchIdle, wheelScript);
    const zoomCPU = cpuSplit(z0, threadCPU());

    // A full reload of the picture: the time until the map has fetched,
    // parsed and handed the picture in view to MapLibre, three times.
    // The hook's reloadVessels does what a move out of the area loaded
    // does; a page without it (before: every move reloaded) is timed
    // from a short drag, less the map's 250 ms debounce after the move.
    const hook = await page.evaluate(() => typeof window.__tidewatch.reloadVessels === 'function');
    const reloads = [];
    const reloadPhases = [];
    for (let k = 0; k < 3; k++) {
      const before = await page.evaluate(() => window.__tidewatch.renders().full);
      let t;
      if (hook) {
        t = Date.now();
        await page.evaluate(() => void window.__tidewatch.reloadVessels());
      } else {
        await page.mouse.move(700, 450);
        await page.mouse.down();
        await page.mouse.move(700 + (k % 2 ? -30 : 30), 450, { steps: 3 });
        await page.mouse.up();
        t = Date.now() + 250;
      }
      await page.waitForFunction((b) => window.__tidewatch.renders().full > b, before, { timeout: WAIT, polling: 20 });
      reloads.push(Date.now() - t);
      // Where it went (a page with the timing hook): the node's answer,
      // its body read and parsed, the vessels prepared, the ships handed
      // to the source (how many sent), and the worker's tiling.
      if (hook && (await page.evaluate(() => window.__tidewatch.lastLoad()?.ms != null))) {
        await page.waitForFunction(() => window.__tidewatch.lastLoad().ms.tiled != null, null, { timeout: WAIT, polling: 20 }).catch(() => {});
        reloadPhases.push(await page.evaluate(() => window.__tidewatch.lastLoad().ms));
      }
    }

    // Live load at rest: the node's own stream for 5 s.
    const m0 = await metrics();
    const u0 = await page.evaluate(() => window.__tidewatch.updateCount());
    const w0 = Date.now();
    const l0 = threadCPU();
    const r0 = await page.evaluate(() => window.__tidewatch.renders());
    const live = await frames(page, tidewatchIdle, () => page.waitForTimeout(5000));
    const r1 = await page.evaluate(() => window.__tidewatch.renders());
    const liveCPU = cpuSplit(l0, threadCPU());
    const wall = (Date.now() - w0) / 1000;
    const m1 = await metrics();
    const u1 = await page.evaluate(() => window.__tidewatch.updateCount());
    const updates = u1 - u0;
    const busyMs = (m1.TaskDuration - m0.TaskDuration) * 1000;
    return {
      vessels: n,
      drawn,
      firstRenderMs: firstRender,
      firstAnswer: answered,
      panCPUms: panCPU,
      // frames MapLibre rendered during the pan (null: a page without the
      // hook)
      panMapFrames,
      traceSummary: trace,
      // CPU per pan frame (ms) over every browser thread, and on the
      // page's main thread alone: under another load wall-clock frame
      // times stretch, CPU times much less.
      panCPUPerFrameMs: pan.length ? +(panCPU.totalMs / pan.length).toFixed(1) : null,
      panMainCPUPerFrameMs: pan.length ? +((panCPU['renderer/chromium'] || 0) / pan.length).toFixed(1) : null,
      ...perFrame(pan, panCPU, zoom, zoomCPU),
      liveCPUms: liveCPU,
      panFrameMs: stats(pan),
      zoomFrameMs: stats(zoom),
      reloadMs: stats(reloads),
      // medians of each phase of the reloads (ms; sent: ships handed to
      // the source)
      reloadPhasesMs: reloadPhases.length
        ? Object.fromEntries(['wait', 'body', 'prepare', 'draw', 'tiled', 'sent'].map((k) => [k, stats(reloadPhases.map((p) => p[k]).filter((x) => typeof x === 'number')).median]))
        : null,
      // ships the stream's changes sent to the source (re-tiled in the
      // worker) and left as drawn, during the 5 s at rest
      liveShipsSent: r1.sent != null ? r1.sent - r0.sent : null,
      liveShipsSame: r1.same != null ? r1.same - r0.same : null,
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

// With --peer, each node is measured PERF_ROUNDS times (default 1) in
// the map and in the bare MapLibre page, alternately (map, peer, map,
// peer, ...), so that both see the same machine.
const results = [];
const peers = [];
const loads = [];
const loadNow = () => (fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : null);
async function measureNode(base, extra) {
  for (let r = 0; r < ROUNDS; r++) {
    const l0 = loadNow();
    const res = await measure(base);
    Object.assign(res, extra(), { round: r + 1, load: l0 });
    results.push(res);
    console.log(JSON.stringify(res));
    if (PEER) {
      const l1 = loadNow();
      const p = await measurePeer(base);
      Object.assign(p, { vessels: res.vessels, round: r + 1, load: l1 });
      peers.push(p);
      console.log(JSON.stringify({ peer: p }));
    }
  }
}
if (BIN) {
  for (const n of COUNTS) {
    const node = await startNode(n);
    try {
      await measureNode(node.base, () => ({ asked: n, nodeStartMs: node.startMs, nodeRssMB: node.rssMB() }));
    } finally {
      await node.stop();
    }
  }
} else {
  await measureNode(BASE_URL, () => ({}));
}
const f = (s) => `${s.median}/${s.p95}/${s.max}`;
console.log('\nvessels  first answer  first render  pan frame ms  pan CPU ms/frame  zoom frame ms  reload ms  live frame ms  updates/s  busy ms/s  JS heap  node RSS');
console.log('                                      (median/p95/max)  (all/main thread)');
for (const r of results) {
  console.log(
    [String(r.vessels).padStart(7), String(r.firstAnswer).padStart(12), `${r.firstRenderMs} ms`.padStart(12), f(r.panFrameMs).padEnd(12), `${r.panCPUPerFrameMs}/${r.panMainCPUPerFrameMs}`.padEnd(16), f(r.zoomFrameMs).padEnd(13), String(r.reloadMs.median).padStart(9), f(r.liveFrameMs).padEnd(13),
      String(r.liveUpdatesPerS).padStart(9), String(r.liveBusyMsPerS).padStart(9), `${r.jsHeapMB} MB`.padStart(8), r.nodeRssMB != null ? `${r.nodeRssMB} MB` : '-'].join('  '),
  );
}
for (const r of results) {
  if (r.reloadPhasesMs) console.log(`${r.vessels} vessels: reload phases (median ms) ${JSON.stringify(r.reloadPhasesMs)}; at rest, ships sent to the source ${r.liveShipsSent}, left as drawn ${r.liveShipsSame}`);
}
if (PEER) {
  // The map beside the bare MapLibre page, round by round: frame times
  // (median/p95), CPU per frame over all browser threads and in the GPU
  // process (SwiftShader) and the renderer, and the map's ratio to the
  // peer (medians of frame time; CPU per frame).
  const ratio = (a, b) => (a != null && b ? (a / b).toFixed(2) : '-');
  console.log('\nthe map beside a bare MapLibre page (same build, basemap and ships; one GeoJSON source, one circle layer)');
  console.log('vessels  round  page       pan frame ms  pan CPU ms/frame      zoom frame ms  zoom CPU ms/frame     first render  pan: CPU s, map frames  load');
  console.log('                           (median/p95)  (all/gpu/renderer)    (median/p95)   (all/gpu/renderer)');
  for (const p of peers) {
    const r = results.find((x) => x.vessels === p.vessels && x.round === p.round);
    for (const [who, x] of [['tidewatch', r], ['peer', p]]) {
      console.log([String(p.vessels).padStart(7), String(p.round).padStart(5), who.padEnd(9), `${x.panFrameMs.median}/${x.panFrameMs.p95}`.padEnd(12),
        `${x.panCPUPerFrameMs}/${x.panGPUCPUPerFrameMs}/${x.panRendererCPUPerFrameMs}`.padEnd(20), `${x.zoomFrameMs.median}/${x.zoomFrameMs.p95}`.padEnd(13),
        `${x.zoomCPUPerFrameMs}/${x.zoomGPUCPUPerFrameMs}/${x.zoomRendererCPUPerFrameMs}`.padEnd(20), `${x.firstRenderMs} ms`.padStart(12),
        `${(x.panCPUms.totalMs / 1000).toFixed(1)}, ${x.panMapFrames ?? '-'}`.padEnd(22), x.load].join('  '));
    }
    console.log([String(p.vessels).padStart(7), String(p.round).padStart(5), 'ratio'.padEnd(9), ratio(r.panFrameMs.median, p.panFrameMs.median).padEnd(12),
      `${ratio(r.panCPUPerFrameMs, p.panCPUPerFrameMs)}/${ratio(r.panGPUCPUPerFrameMs, p.panGPUCPUPerFrameMs)}/${ratio(r.panRendererCPUPerFrameMs, p.panRendererCPUPerFrameMs)}`.padEnd(20),
      ratio(r.zoomFrameMs.median, p.zoomFrameMs.median).padEnd(13),
      `${ratio(r.zoomCPUPerFrameMs, p.zoomCPUPerFrameMs)}/${ratio(r.zoomGPUCPUPerFrameMs, p.zoomGPUCPUPerFrameMs)}/${ratio(r.zoomRendererCPUPerFrameMs, p.zoomRendererCPUPerFrameMs)}`].join('  '));
  }
}
fs.writeFileSync(path.join(ARTIFACTS, 'perf.json'), JSON.stringify({ when: new Date().toISOString(), load: loadNow(), results, peers }, null, 2) + '\n');
