// Shared harness of the per-feature browser tests (features/*.mjs):
// Playwright (playwright-core) driving Debian's Chromium against a running
// server, with the same guards as map.mjs (no page errors, no CSP
// violations, no request off the origin, no dialog).
//
//   BASE_URL   the server (required); TOKEN an API token
//   ARTIFACTS  screenshots directory, default e2e/artifacts
//   CHROMIUM   browser binary, default /usr/bin/chromium
//   TIMEOUT_MS per wait, default 30000
//   FEATURE_VIEW where the scripts look closely, #zoom/lat/lon: a harbour
//              zoom with named ships (default the demo's radar area in
//              the Gulf of Aden, #12/12.4/46.0, as TestBrowserFeatures in
//              internal/server runs the node)
//
// A feature script calls run(name, fn): fn gets a context t with page,
// check(name, ok, detail), shot(file), waitFor(fn, arg, what) (polls in
// the page with a deadline), tw(expr, arg) (evaluates in the page) and
// mapReady() (the map is loaded and idle with ships drawn). It prints one
// line per check and "N passed, N failed" and exits 0 only if all passed.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const BASE_URL = process.env.BASE_URL;
export const TOKEN = process.env.TOKEN || '';
export const TIMEOUT = Number(process.env.TIMEOUT_MS) || 30000;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const FEATURE_VIEW = process.env.FEATURE_VIEW || '#12/12.4/46.0';

// viewAt is FEATURE_VIEW's place at another zoom.
export function viewAt(zoom) {
  const [, lat, lon] = FEATURE_VIEW.slice(1).split('/');
  return `#${zoom}/${lat}/${lon}`;
}

// CHROMIUM_ARGS run WebGL without a GPU (SwiftShader).
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

export function launch(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * run opens the map at BASE_URL (plus query, e.g. '#12/51.6/2.2') in a
 * 1400×900 page and runs fn.
 * @param {string} name the feature, for the artifacts' subdirectory
 * @param {(t: object) => Promise<void>} fn
 * @param {{hash?: string, viewport?: {width: number, height: number}}} [opts]
 */
export async function run(name, fn, opts = {}) {
  if (!BASE_URL) {
    console.error(`${name}: set BASE_URL, e.g. BASE_URL=http://127.0.0.1:8080`);
    process.exit(2);
  }
  const artifacts = path.resolve(process.env.ARTIFACTS || path.join(here, 'artifacts'));
  fs.mkdirSync(artifacts, { recursive: true });
  let passed = 0;
  let failed = 0;
  const check = (what, ok, detail) => {
    if (ok) passed++;
    else failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ': ' + detail : ''}`);
    return !!ok;
  };
  const pageErrors = [];
  const consoleErrors = [];
  const dialogs = [];
  const offOrigin = [];
  const browser = await launch();
  let page;
  const shot = async (file) => {
    const p = path.join(artifacts, file);
    await page.screenshot({ path: p });
    return p;
  };
  try {
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 900 }, acceptDownloads: true });
    if (TOKEN) await context.addInitScript((tk) => localStorage.setItem('tidewatch.token', tk), TOKEN);
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT); // clicks wait as long as the checks
    const origin = new URL(BASE_URL).origin;
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // Errors the page logs (a style layer MapLibre refused, say); failed
    // requests are the server's business, checked where they matter.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) consoleErrors.push(msg.text().split('\n')[0]);
    });
    page.on('dialog', async (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      await d.dismiss().catch(() => {});
    });
    page.on('request', (req) => {
      const u = req.url();
      if (!u.startsWith(origin + '/') && !u.startsWith('data:') && !u.startsWith('blob:')) offOrigin.push(u);
    });
    const waitFor = async (f, arg, what) => {
      try {
        await page.waitForFunction(f, arg, { timeout: TIMEOUT, polling: 200 });
        return true;
      } catch {
        console.log(`(timed out waiting for ${what})`);
        return false;
      }
    };
    const tw = (f, arg) => page.evaluate(f, arg);
    const mapReady = () =>
      page
        .waitForFunction(() => window.__tidewatch && window.__tidewatch.idle() && window.__tidewatch.vesselCount() > 0 && window.__tidewatch.shipCount() > 0, null, {
          timeout: 4 * TIMEOUT, // the first load compiles shaders in software: slow on a loaded machine
          polling: 200,
        })
        .then(() => true, () => (console.log('(timed out waiting for the map with ships)'), false));
    const res = await page.goto(BASE_URL + (opts.hash ?? ''), { waitUntil: 'load', timeout: TIMEOUT });
    check('index served', res && res.ok(), res ? `${res.status()}` : 'no response');
    await fn({ page, check, shot, waitFor, tw, mapReady, artifacts });
    const csp = await page.evaluate(() => window.__cspViolations);
    check('no CSP violations', csp.length === 0, csp.join('; '));
    check('no page errors', pageErrors.length === 0, pageErrors.join('; '));
    check('no errors logged', consoleErrors.length === 0, consoleErrors.slice(0, 5).join('; '));
    check('no dialog opened', dialogs.length === 0, dialogs.join('; '));
    check('no requests off the origin', offOrigin.length === 0, offOrigin.slice(0, 5).join(' '));
  } catch (err) {
    check(`${name} ran to the end`, false, err.stack || String(err));
    if (page) await shot(`${name}-error.png`).catch(() => {});
  } finally {
    await browser.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

// overlaps reports whether two DOMRect-like boxes intersect.
export function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

// SEA and LAND are the map's colours of the sea (#0e2a3d, the
// background) and of the detailed land (#2f3d30, bm-land); nearColour
// tells whether a pixel [r, g, b] is within 12 (summed) of a colour.
export const SEA = [14, 42, 61];
export const LAND = [47, 61, 48];
export const nearColour = (px, want) => !!px && Math.abs(px[0] - want[0]) + Math.abs(px[1] - want[1]) + Math.abs(px[2] - want[2]) <= 12;

/**
 * screenshotPixels reads the pixels of a screenshot (a PNG buffer) back in
 * the page (as a data: image): for each point [x, y] (page pixels) the
 * size×size pixels round it, row by row, each [r, g, b].
 * @param {import('playwright-core').Page} page
 * @param {Buffer} png
 * @param {[number, number][]} points
 * @param {number} [size] 1 (the pixel at the point) or an odd width
 * @returns {Promise<number[][][]>}
 */
export function screenshotPixels(page, png, points, size = 1) {
  return page.evaluate(
    async ([b64, pts, n]) => {
      const img = new Image();
      img.src = 'data:image/png;base64,' + b64;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const r = (n - 1) / 2;
      return pts.map(([x, y]) => {
        const d = ctx.getImageData(Math.round(x) - r, Math.round(y) - r, n, n).data;
        const px = [];
        for (let i = 0; i < d.length; i += 4) px.push([d[i], d[i + 1], d[i + 2]]);
        return px;
      });
    },
    [png.toString('base64'), points, size],
  );
}
