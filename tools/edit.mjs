#!/usr/bin/env node
// `make edit`: the web editor on this computer, on the same path as on AWS.
//
//   http://127.0.0.1:$PORT/admin/   the editor (Decap CMS)
//   http://127.0.0.1:$PORT/         the site
//
// This script stands in for CloudFront: one origin on $PORT, /api/cms/* to
// the editor's server (cms-auth), everything else to the forms server
// (which serves the built site). Two ways to run, stopped with Ctrl-C:
//
// Without CMS_AUTH (no account): cms-auth on the files of SITE_SRC's
//   checkout (CMS_REPOSITORY=worktree), sign-in off, nothing committed
//   (use git as usual); a watcher rebuilds the site after every save.
//
// CMS_AUTH=email CMS_EDITORS=a@example.org,b@example.org: the real
//   sign-in (the mail lands in $DATA_DIR/outbox/) and the real GitHub
//   adapter, against the GitHub stand-in (tests/support/github_standin.py)
//   with a real repository in $DATA_DIR/cms-github/site.git (made from
//   this checkout the first time; `git --git-dir=... log` shows every
//   save). After each save the stand-in plays the publish workflow: the
//   check (tools/check-site.py), then the site rebuilt from that commit
//   and served; /admin/ shows being published / live / failed.
//
// Environment: FORMS_BIN and CMS_AUTH_BIN (required; make edit sets them),
// PORT (8080), and the internal ports CMS_PORT, FORMS_PORT, GITHUB_PORT
// (PORT+1, +2, +3), SITE_SRC (site folder, default ./site; the tests use a
// copy), DATA_DIR (.data), CMS_AUTH, CMS_EDITORS, TEST_PY (a Python with
// the `cryptography` package, for the stand-in).
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { request as httpRequest, createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PORT = Number(process.env.PORT || 8080);
const CMS_PORT = Number(process.env.CMS_PORT || PORT + 1);
const FORMS_PORT = Number(process.env.FORMS_PORT || PORT + 2);
const GITHUB_PORT = Number(process.env.GITHUB_PORT || PORT + 3);
const SITE_SRC = resolve(process.env.SITE_SRC || join(ROOT, 'site'));
const CHECKOUT = dirname(SITE_SRC);
const DATA_DIR = resolve(process.env.DATA_DIR || join(ROOT, '.data'));
const SIGN_IN = process.env.CMS_AUTH || 'off';
const ORIGIN = `http://127.0.0.1:${PORT}`;
const { FORMS_BIN, CMS_AUTH_BIN } = process.env;
if (!FORMS_BIN || !CMS_AUTH_BIN) {
  console.error('FORMS_BIN and CMS_AUTH_BIN are not set: start the editor with `make edit`.');
  process.exit(2);
}
if (!['off', 'email'].includes(SIGN_IN)) {
  console.error(`CMS_AUTH=${SIGN_IN} is not known: leave it out (no account) or use CMS_AUTH=email.`);
  process.exit(2);
}

function buildSite(siteSrc) {
  const started = Date.now();
  const result = spawnSync('make', ['--no-print-directory', '-s', '-C', ROOT, 'site', `SITE_SRC=${siteSrc}`], {
    encoding: 'utf8',
    // Not a pipe on stdin: bash would take it for a remote login and read
    // the system's bashrc (which fails under make's `set -u`).
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status === 0) {
    console.log(`Site rebuilt in ${((Date.now() - started) / 1000).toFixed(1)} s: reload the page to see the change.`);
    return true;
  }
  // zola names the file and the problem; the old pages stay until it is fixed.
  console.error(`The site could not be built. Fix the file below in the editor, then save again.\n${result.stdout}${result.stderr}`);
  return false;
}

const children = [];
function start(name, command, args, env) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} stopped (${signal ?? code}); stopping the editor.`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

/** CloudFront's part: one origin, /api/cms/* to cms-auth, the rest to forms. */
function edge() {
  const server = createServer((incoming, outgoing) => {
    const port = incoming.url.startsWith('/api/cms/') ? CMS_PORT : FORMS_PORT;
    const forward = httpRequest(
      { host: '127.0.0.1', port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      outgoing.end('Dit deel van de site start nog of is gestopt. Kijk in het venster van make edit.');
    });
    incoming.pipe(forward);
  });
  server.listen(PORT, '127.0.0.1');
  return server;
}

async function waitFor(check, what, ms = 120000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try { if (await check()) return; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`${what} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const cmsEnv = { PORT: String(CMS_PORT), SITE_URL: ORIGIN, DATA_DIR, RUST_LOG: process.env.RUST_LOG || 'info' };

if (SIGN_IN === 'off') {
  if (!buildSite(SITE_SRC)) process.exit(1);
  start('cms-auth', CMS_AUTH_BIN, [], { ...cmsEnv, CMS_SIGN_IN: 'off', CMS_REPOSITORY: 'worktree', CMS_WORKTREE: CHECKOUT });
  start('forms', FORMS_BIN, [], { PORT: String(FORMS_PORT), SITE_DIR: join(SITE_SRC, 'public') });
  // Rebuild shortly after the last change of a burst (a save writes several files).
  let timer = null;
  let building = false;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      // The build is synchronous: changes made during it arrive afterwards
      // and schedule one more build.
      if (building) return;
      building = true;
      buildSite(SITE_SRC);
      building = false;
    }, 200);
  };
  for (const part of ['content', 'data', 'templates', 'static', 'config.toml']) {
    watch(join(SITE_SRC, part), { recursive: part !== 'config.toml' }, changed);
  }
  watch(join(ROOT, 'site', 'admin'), changed);
  edge();
  console.log(`\nEditor:  ${ORIGIN}/admin/   (no account needed)\nSite:    ${ORIGIN}/\nChanges are saved in ${SITE_SRC}. Ctrl-C stops.\n`);
} else {
  // "a@example.org" or "Ans de Vries <a@example.org>": the name goes on the commits.
  const editors = (process.env.CMS_EDITORS || '').split(',').map((e) => e.trim()).filter(Boolean).map((e) => {
    const named = e.match(/^(.*)<([^>]+)>$/);
    return named ? { address: named[2].trim().toLowerCase(), name: named[1].trim() } : { address: e.toLowerCase(), name: '' };
  });
  if (editors.length === 0) {
    console.error('Name who may sign in: make edit CMS_AUTH=email CMS_EDITORS=a@example.org,b@example.org');
    process.exit(2);
  }
  const github = join(DATA_DIR, 'cms-github');
  mkdirSync(github, { recursive: true });
  // The GitHub App of this computer: a key pair and a webhook secret, made once.
  const appFile = join(github, 'app.json');
  if (!existsSync(appFile)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    writeFileSync(appFile, JSON.stringify({ app_id: '1', private_key: privateKey, webhook_secret: randomBytes(24).toString('hex') }), { mode: 0o600 });
  }
  const app = JSON.parse(readFileSync(appFile, 'utf8'));
  writeFileSync(join(github, 'app-key.pem'), app.private_key, { mode: 0o600 });

  // The editors' list, as the operator keeps it (cms-auth editors ...).
  const cli = (...args) => spawnSync(CMS_AUTH_BIN, ['editors', ...args], { env: { ...process.env, DATA_DIR }, encoding: 'utf8' });
  const listed = cli('list').stdout.split('\n').map((l) => (l.match(/<([^>]+)>$/) || [])[1]).filter(Boolean);
  for (const old of listed) if (!editors.some((e) => e.address === old)) cli('remove', old);
  for (const { address, name } of editors) {
    const added = cli('add', address, ...(name ? [name] : []));
    if (added.status !== 0) { console.error(added.stderr); process.exit(2); }
  }

  const live = join(github, 'live');
  const repository = join(github, 'site.git');
  const seeded = existsSync(repository);
  const publish = [
    `python3 "${join(ROOT, 'tools', 'check-site.py')}" --site "$PUBLISH_CHECKOUT/site"`,
    `make --no-print-directory -s -C "${ROOT}" site SITE_SRC="$PUBLISH_CHECKOUT/site"`,
  ].join(' && ');
  const python = process.env.TEST_PY || process.env.FORMS_TEST_PYTHON || 'python3';
  start('the GitHub stand-in', python, [
    join(ROOT, 'tests', 'support', 'github_standin.py'),
    '--port', String(GITHUB_PORT), '--repo-dir', repository, '--repository', 'local/site',
    '--app-id', app.app_id, '--app-key', join(github, 'app-key.pem'), '--seed', CHECKOUT,
    '--webhook-url', `${ORIGIN}/api/cms/github/webhook`, '--webhook-secret', app.webhook_secret,
    '--publish-command', publish, '--checkout', live, '--publish-at-start',
  ], {});
  start('cms-auth', CMS_AUTH_BIN, [], {
    ...cmsEnv,
    CMS_SIGN_IN: 'email',
    CMS_REPOSITORY: 'github',
    GITHUB_API_URL: `http://127.0.0.1:${GITHUB_PORT}`,
    GITHUB_REPOSITORY: 'local/site',
    CMS_GITHUB_APP_FILE: appFile,
    OPERATOR_EMAIL: process.env.OPERATOR_EMAIL || 'Beheer <beheer@example.org>',
  });
  start('forms', FORMS_BIN, [], { PORT: String(FORMS_PORT), SITE_DIR: join(live, 'site', 'public') });
  edge();
  console.log(`${seeded ? 'Using' : 'Made'} the stand-in's repository ${repository}; publishing it once…`);
  await waitFor(async () => {
    const runs = await (await fetch(`http://127.0.0.1:${GITHUB_PORT}/_standin/runs`)).json();
    if (runs[0]?.status === 'completed' && runs[0].conclusion !== 'success') {
      console.error(`The first publish failed: ${runs[0].html_url}`);
    }
    return runs[0]?.status === 'completed';
  }, 'the first publish');
  console.log(`
Editor:  ${ORIGIN}/admin/   sign in as ${editors.map((e) => e.address).join(' or ')}
Mail:    ${join(DATA_DIR, 'outbox')}/   (the sign-in link and failed-publish mails)
Site:    ${ORIGIN}/   (what is published)
Saves:   git --git-dir=${repository} log --stat
Delete ${github} to start again from this checkout. Ctrl-C stops.
`);
}
