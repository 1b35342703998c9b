// build.mjs bundles the web map (TypeScript, types stripped by esbuild;
// tsc --noEmit checks them) into ../dist (or the directory given as the
// first argument): index.html, a content-hashed JS and CSS bundle, MapLibre's
// worker under a content-hashed name, licences, and build.json, which records
// a hash of the sources so that a Go test can tell when dist is stale.
//
// Usage: npm ci && npm run build          (writes ../dist)
//        node build.mjs /tmp/out          (writes elsewhere, for comparison)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] || path.join(here, '..', 'dist'));

// sourceHash must match sourceHash in ../webui_test.go: SHA-256 over the
// sorted lines "PATH NUL SHA256(CONTENT) LF" of package.json,
// package-lock.json, build.mjs and every file under src/.
function sourceFiles() {
  const files = ['package.json', 'package-lock.json', 'build.mjs'];
  const walk = (dir) => {
    for (const e of fs.readdirSync(path.join(here, dir), { withFileTypes: true })) {
      const rel = dir + '/' + e.name;
      if (e.isDirectory()) walk(rel);
      else if (e.isFile()) files.push(rel);
    }
  };
  walk('src');
  return files.sort();
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function sourceHash() {
  const h = createHash('sha256');
  for (const f of sourceFiles()) {
    h.update(f + '\0' + sha256(fs.readFileSync(path.join(here, f))) + '\n');
  }
  return h.digest('hex');
}

const tmp = fs.mkdtempSync(path.join(path.dirname(out), '.dist-'));
fs.chmodSync(tmp, 0o755);
try {
  const assets = path.join(tmp, 'assets');
  fs.mkdirSync(assets, { recursive: true });

  const result = await build({
    absWorkingDir: here,
    entryPoints: { app: 'src/main.ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    outdir: assets,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });

  const names = Object.keys(result.metafile.outputs).map((p) => path.basename(p));
  const js = names.find((n) => /^app-.*\.js$/.test(n));
  const css = names.find((n) => /^app-.*\.css$/.test(n));
  if (!js || !css) throw new Error(`build: missing bundle in ${names}`);

  // MapLibre runs its parsing in a module worker loaded from a URL; shipping
  // it as a same-origin file keeps the CSP free of blob: workers.
  const workerSrc = fs.readFileSync(path.join(here, 'node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs'));
  const worker = `maplibre-worker-${sha256(workerSrc).slice(0, 8).toUpperCase()}.js`;
  fs.writeFileSync(path.join(assets, worker), workerSrc);

  const html = fs.readFileSync(path.join(here, 'src/index.html'), 'utf8')
    .replaceAll('%APP_JS%', 'assets/' + js)
    .replaceAll('%APP_CSS%', 'assets/' + css)
    .replaceAll('%WORKER%', 'assets/' + worker);
  if (html.includes('%')) throw new Error('build: unreplaced placeholder in index.html');
  fs.writeFileSync(path.join(tmp, 'index.html'), html);

  const licences = path.join(tmp, 'licenses');
  fs.mkdirSync(licences);
  fs.copyFileSync(path.join(here, 'node_modules/maplibre-gl/LICENSE.txt'), path.join(licences, 'maplibre-gl.txt'));
  fs.copyFileSync(path.join(here, 'node_modules/fflate/LICENSE'), path.join(licences, 'fflate.txt'));
  // The pmtiles package ships no licence file: record its declared licence.
  const pm = JSON.parse(fs.readFileSync(path.join(here, 'node_modules/pmtiles/package.json'), 'utf8'));
  fs.writeFileSync(path.join(licences, 'pmtiles.txt'),
    `pmtiles ${pm.version}: licence ${pm.license} (SPDX), ${pm.repository?.url || pm.homepage || 'https://github.com/protomaps/PMTiles'}\n`);

  const manifest = {
    sourceHash: sourceHash(),
    index: 'index.html',
    js: 'assets/' + js,
    css: 'assets/' + css,
    worker: 'assets/' + worker,
  };
  fs.writeFileSync(path.join(tmp, 'build.json'), JSON.stringify(manifest, null, 2) + '\n');

  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(tmp, out);
  console.log(`built ${path.relative(process.cwd(), out) || '.'}: ${js}, ${css}, ${worker}`);
} catch (err) {
  fs.rmSync(tmp, { recursive: true, force: true });
  throw err;
}
