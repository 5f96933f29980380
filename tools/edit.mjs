#!/usr/bin/env node
// `make edit`: the web editor on this checkout, no account needed.
//
//   http://127.0.0.1:$PORT/admin/   the editor (Decap CMS)
//   http://127.0.0.1:$PORT/         the site, rebuilt after every save
//
// Three parts, stopped together with Ctrl-C:
//   decap-server  on 127.0.0.1:$CMS_PORT writes the editor's changes into
//                 the files of SITE_SRC (Decap's local-repository mode;
//                 nothing is committed: use git as usual afterwards)
//   a watcher     rebuilds the site (`make site`) when content, data,
//                 config, templates or static files change
//   forms         the local server (FORMS_BIN) serves the built site and
//                 the forms, as `make dev` does
//
// Environment: FORMS_BIN (required), PORT (8080), CMS_PORT (8081),
// SITE_SRC (site folder, default ./site; the tests use a copy), DATA_DIR.
import { spawn, spawnSync } from 'node:child_process';
import { watch } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PORT = process.env.PORT || '8080';
const CMS_PORT = process.env.CMS_PORT || '8081';
const SITE_SRC = resolve(process.env.SITE_SRC || join(ROOT, 'site'));
const FORMS_BIN = process.env.FORMS_BIN;
if (!FORMS_BIN) {
  console.error('FORMS_BIN is not set: start the editor with `make edit`.');
  process.exit(2);
}

function buildSite() {
  const started = Date.now();
  const result = spawnSync('make', ['--no-print-directory', '-s', '-C', ROOT, 'site', `SITE_SRC=${SITE_SRC}`], {
    env: { ...process.env, CMS_PORT },
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

if (!buildSite()) process.exit(1);

// The editor's file paths are relative to the folder that holds site/.
start('decap-server', process.execPath, [join(ROOT, 'node_modules', 'decap-server', 'dist', 'index.js')], {
  PORT: CMS_PORT,
  BIND_HOST: '127.0.0.1',
  MODE: 'fs',
  GIT_REPO_DIRECTORY: dirname(SITE_SRC),
  ORIGIN: `http://127.0.0.1:${PORT}`,
  LOG_LEVEL: 'warn',
});
start('forms', FORMS_BIN, [], { PORT, SITE_DIR: join(SITE_SRC, 'public') });

// Rebuild shortly after the last change of a burst (a save writes several files).
let timer = null;
let building = false;
function changed() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    // The build is synchronous: changes made during it arrive afterwards
    // and schedule one more build.
    if (building) return;
    building = true;
    buildSite();
    building = false;
  }, 200);
}
for (const part of ['content', 'data', 'templates', 'static', 'config.toml']) {
  watch(join(SITE_SRC, part), { recursive: part !== 'config.toml' }, changed);
}
watch(join(ROOT, 'site', 'admin'), changed);

console.log(`\nEditor:  http://127.0.0.1:${PORT}/admin/   (no account needed)\nSite:    http://127.0.0.1:${PORT}/\nChanges are saved in ${SITE_SRC}. Ctrl-C stops.\n`);
