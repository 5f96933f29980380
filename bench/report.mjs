// Joins the bench's figures with the budgets: target/bench/results.json,
// target/bench/results.md, and the same table on stdout.
// Usage: node bench/report.mjs DIR  (DIR holds function.json, site.json, lambda.zip)
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';

const dir = process.argv[2];
const fn = JSON.parse(readFileSync(join(dir, 'function.json'), 'utf8'));
const site = JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8'));
const zip = JSON.parse(readFileSync(join(dir, 'lambda.json'), 'utf8'));

const MB = 1000 * 1000;
const KB = 1000;
// [key, value, budget text, met (true/false; null = reported, no budget), unit]
const rows = [
  ['cold_start_ms', fn.cold_start_ms, `≤ 1.2 × baseline (${(1.2 * fn.baseline_cold_start_ms).toFixed(2)})`, fn.cold_start_ratio <= 1.2, 'ms'],
  ['baseline_cold_start_ms', fn.baseline_cold_start_ms, 'the floor (reference)', null, 'ms'],
  ['cold_start_ratio', fn.cold_start_ratio, '≤ 1.2', fn.cold_start_ratio <= 1.2, '×'],
  ['rss_mb_after_1000', fn.rss_mb_after_1000, '≤ 20', fn.rss_mb_after_1000 <= 20, 'MB'],
  ['lambda_zip_bytes', zip.lambda_zip_bytes, `≤ ${3 * MB}`, zip.lambda_zip_bytes <= 3 * MB, 'bytes'],
  ['throughput_per_s', fn.throughput_per_s, '≥ 1000', fn.throughput_per_s >= 1000, '/s'],
  ['p50_ms', fn.p50_ms, `reported (${fn.load_detail.clients} clients)`, null, 'ms'],
  ['p99_ms', fn.p99_ms, `reported (${fn.load_detail.clients} clients)`, null, 'ms'],
  ['site_build_s', site.site_build_s, '≤ 1', site.site_build_s <= 1, 's'],
  ['page_count', site.page_count, 'reported', null, ''],
  ['max_page_gz_bytes', site.max_page_gz_bytes, `≤ ${30 * KB}`, site.max_page_gz_bytes <= 30 * KB, `bytes (${site.max_page})`],
  ['js_required_bytes', site.js_required_bytes, '0', site.js_required_bytes === 0, 'bytes'],
  ['editor_gz_bytes', site.editor_gz_bytes, 'reported (/admin/, not a public page)', null, 'bytes'],
];
for (const [page, scores] of Object.entries(site.lighthouse)) {
  for (const category of ['performance', 'accessibility', 'best-practices', 'seo']) {
    rows.push([`lighthouse ${page} ${category}`, scores[category], '100', scores[category] === 100, '']);
  }
}

const verdict = (met) => (met === null ? '–' : met ? 'met' : 'NOT MET');
const cpuModel = cpus()[0]?.model?.trim() || 'unknown';
const nproc = Number(execFileSync('nproc').toString().trim());
const date = new Date().toISOString();

const results = {
  date,
  machine: { nproc, cpu: cpuModel, kernel: release() },
  cold_start_ms: fn.cold_start_ms,
  baseline_cold_start_ms: fn.baseline_cold_start_ms,
  cold_start_ratio: fn.cold_start_ratio,
  rss_mb_after_1000: fn.rss_mb_after_1000,
  lambda_zip_bytes: zip.lambda_zip_bytes,
  throughput_per_s: fn.throughput_per_s,
  p50_ms: fn.p50_ms,
  p99_ms: fn.p99_ms,
  site_build_s: site.site_build_s,
  page_count: site.page_count,
  max_page_gz_bytes: site.max_page_gz_bytes,
  js_required_bytes: site.js_required_bytes,
  editor_gz_bytes: site.editor_gz_bytes,
  lighthouse: Object.fromEntries(Object.entries(site.lighthouse).map(([p, s]) => [p, {
    performance: s.performance, accessibility: s.accessibility, 'best-practices': s['best-practices'], seo: s.seo,
  }])),
  budgets: rows.map(([key, value, budget, met]) => ({ key, value, budget, met })),
  all_met: rows.every(([, , , met]) => met !== false),
  detail: {
    lambda_zip: zip,
    cold_start: fn.cold_start_detail,
    forms_binary_bytes: fn.forms_binary_bytes,
    baseline_binary_bytes: fn.baseline_binary_bytes,
    shipped_binary_bytes: fn.shipped_binary_bytes,
    load: fn.load_detail,
    pages_needing_js: site.pages_needing_js,
    lighthouse_runs: site.lighthouse,
    site: site.site_detail,
  },
};

const spread = (s) => `median ${s.median}, IQR ${s.p25}–${s.p75}, range ${s.min}–${s.max}, n=${s.n}`;
const md = [
  `Measured ${date} on ${nproc} × ${cpuModel} (Linux ${release()}).`,
  '',
  '| figure | value | budget | |',
  '|---|---:|---|---|',
  ...rows.map(([key, value, budget, met, unit]) => `| ${key} | ${value}${unit ? ` ${unit}` : ''} | ${budget} | ${verdict(met)} |`),
  '',
  `- cold start, forms: ${spread(fn.cold_start_detail.forms_ms)} ms; baseline: ${spread(fn.cold_start_detail.baseline_ms)} ms; ratio per pair: ${spread(fn.cold_start_detail.pair_ratio)}`,
  `- start-up alone (forms answering a health check): ${spread(fn.cold_start_detail.forms_health_check_ms)} ms`,
  `- start-up as shipped (the Lambda build on DynamoDB and SES answering a health check, no call to AWS): ${spread(fn.cold_start_detail.shipped_health_check_ms)} ms`,
  `- binaries: forms ${fn.forms_binary_bytes} bytes, Lambda build for this machine ${fn.shipped_binary_bytes} bytes, baseline ${fn.baseline_binary_bytes} bytes`,
  `- throughput per round: ${spread(fn.load_detail.throughput_per_s)} /s (${fn.load_detail.clients} clients × ${fn.load_detail.requests_per_round} posts per round)`,
  `- zip: ${zip.note}`,
  `- site build: ${spread(site.site_detail.build_s)} s`,
  ...Object.entries(site.lighthouse).filter(([, s]) => s.failing.length)
    .map(([page, s]) => `- Lighthouse ${page} loses points on: ${s.failing.join(', ')}`),
  ...site.pages_needing_js.map((p) => `- ${p.path} needs JavaScript: ${p.why.join('; ')}`),
  '',
].join('\n');

writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2));
writeFileSync(join(dir, 'results.md'), md);
process.stdout.write(`\n${md}\n${results.all_met ? 'All budgets met.' : 'Some budgets are NOT MET (see above).'}\n`);
