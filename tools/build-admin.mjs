#!/usr/bin/env node
// Builds the web editor into the built site: <OUT_DIR>/admin/.
//
//   node tools/build-admin.mjs [SITE_DIR [OUT_DIR]]   (default: site site/public)
//
// Copies the pinned Decap CMS bundle from node_modules (nothing is loaded
// from another host), the page and scripts from site/admin/, and writes
// config.yml from site/admin/config.yml with what depends on the build.
//
// The backend is the same everywhere: Decap's proxy protocol to the site's
// own /api/cms/v1 (cms-auth), on AWS behind CloudFront and on a laptop
// behind tools/edit.mjs. The server, not the browser, knows the
// repository and decides what a save may touch.
//
// The languages come from site/config.toml, so the editor always offers
// every language the site has.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import TOML from '@iarna/toml';
import YAML from 'yaml';
import { LANGUAGES, hashOf, translationQueue, translations } from './translations.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DECAP_DIST = join(ROOT, 'node_modules', 'decap-cms', 'dist');
/** Decap's backend: the editor's server on the site's own origin. */
export const BACKEND = Object.freeze({ name: 'zola-proxy', proxy_url: '/api/cms/v1', branch: 'main' });

/** Languages of the site: the default first, then [languages.*] in file order. */
export function siteLocales(configToml) {
  const config = TOML.parse(configToml);
  return [config.default_language, ...Object.keys(config.languages ?? {})];
}

const PROGRAMMES = { 'home-start': 'Home-Start', buurtgezinnen: 'Buurtgezinnen', taalhuis: 'het Taalhuis' };
const listed = (names) => (names.length > 1 ? `${names.slice(0, -1).join(', ')} en ${names.at(-1)}` : names[0] ?? '');

/** Which forms arrive in a mailbox, from the routing in directory.toml. */
export function mailboxHint(directory, key) {
  const parts = [];
  for (const region of directory.regions ?? []) {
    const kinds = Object.entries(region.programmes ?? {}).filter(([, box]) => box === key)
      .map(([p]) => `de formulieren over ${PROGRAMMES[p] ?? p}`);
    if (region.general === key) kinds.push('het contactformulier en aanmeldingen met "weet ik nog niet"');
    if (kinds.length) parts.push(`${kinds.join(", ")} uit ${listed((region.municipalities ?? []).map((m) => m.name))}`);
  }
  const rest = 'alles wat bij geen andere mailbox hoort, bijvoorbeeld uit een andere gemeente';
  const fallback = directory.routing?.fallback === key;
  if (!parts.length) return fallback ? `Hier komt ${rest}.` : 'Hier komen nu geen formulieren.';
  return `Hier komen ${parts.join('; ')}.${fallback ? ` Ook ${rest}.` : ''}`;
}

/** What needs translating, for the top of the pages list: the Dutch
 *  pages changed since their translations (tools/translations.mjs). */
export function translationsToDo(queue) {
  if (!queue.length) return 'Alle vertalingen zijn bij: ze zeggen hetzelfde als de Nederlandse tekst van nu.';
  const order = Object.keys(LANGUAGES);
  const named = (languages) => [...languages].sort((a, b) => order.indexOf(a) - order.indexOf(b)).map((l) => LANGUAGES[l][0]).join(', ');
  const pages = queue.map((q) => `${q.title || q.source} (${named(q.languages)})`);
  return `Nog te vertalen, omdat de Nederlandse tekst nieuwer is: ${pages.join('; ')}. `
    + 'Tot dan staat er op die vertalingen dat de Nederlandse pagina veranderd is. Open de pagina en kies rechts de taal.';
}

/** The editor's config object for one build. */
export function editorConfig({ source, configToml, directoryToml, env, queue = [] }) {
  const config = YAML.parse(source);
  const pages = config.collections.find((c) => c.name === 'paginas');
  pages.description = `${pages.description.trim()} ${translationsToDo(queue)}`;
  const locales = siteLocales(configToml);
  config.i18n = { ...config.i18n, default_locale: locales[0], locales };
  config.backend = { ...BACKEND };
  if (env.SITE_URL) config.site_url = config.display_url = env.SITE_URL;

  const directory = TOML.parse(directoryToml);
  const file = config.collections.find((c) => c.name === 'gegevens').files.find((f) => f.name === 'directory');
  const field = (fields, name) => fields.find((f) => f.name === name);
  const dates = field(field(file.fields, 'spreekuur').fields, 'dates');
  field(dates.fields, 'location').options = directory.locations.map((l) => ({ label: l.name, value: l.id }));
  const labels = config.mailbox_labels ?? {};
  delete config.mailbox_labels;
  field(file.fields, 'mailboxes').fields = Object.keys(directory.mailboxes).map((key) => ({
    name: key,
    label: labels[key] ?? `Mailadres ${key}`,
    hint: mailboxHint(directory, key),
    widget: 'object',
    collapsed: false,
    fields: [
      {
        name: 'email',
        label: 'Mailadres',
        widget: 'string',
        required: true,
        pattern: ['^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', `Vul bij "${labels[key] ?? key}" een heel mailadres in, zo: naam@organisatie.nl.`],
      },
      {
        name: 'to_be_confirmed',
        label: 'Nog niet zeker (voorbeeldadres)',
        widget: 'boolean',
        required: false,
        hint: 'Zet dit uit als het echte adres erin staat.',
      },
    ],
  }));
  return config;
}

function build(siteDir, outDir) {
  const out = join(outDir, 'admin');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // The bundle and the chunks and WebAssembly it loads from its own folder;
  // source maps stay out (25 MB, and nobody debugs the editor on the site).
  for (const name of readdirSync(DECAP_DIST)) {
    if (/^(\d+\.)?decap-cms\.js$|\.wasm$/.test(name)) copyFileSync(join(DECAP_DIST, name), join(out, name));
  }
  copyFileSync(join(DECAP_DIST, 'decap-cms.js.LICENSE.txt'), join(out, 'decap-cms.js.LICENSE.txt'));
  const src = join(ROOT, 'site', 'admin');
  for (const name of ['index.html', 'session.js', 'editor.css', 'manual-init.js', 'editor-nl.js', 'widgets.js', 'zola-paths.js', 'setup.js']) copyFileSync(join(src, name), join(out, name));
  const config = editorConfig({
    source: readFileSync(join(src, 'config.yml'), 'utf8'),
    configToml: readFileSync(join(siteDir, 'config.toml'), 'utf8'),
    directoryToml: readFileSync(join(siteDir, 'data', 'directory.toml'), 'utf8'),
    env: process.env,
    queue: translationQueue(siteDir),
  });
  // The fingerprint of every Dutch page that has translations, as the
  // build sees it: widgets.js ('vertaalstatus') records it in a
  // translation an editor brought up to date.
  const fingerprints = {};
  for (const t of translations(siteDir)) {
    try { fingerprints[join('site', relative(siteDir, t.source))] = hashOf(t.source); } catch { /* no Dutch page: nothing to follow */ }
  }
  writeFileSync(join(out, 'vertalingen.json'), `${JSON.stringify(fingerprints, null, 1)}\n`);
  const header = '# Written by tools/build-admin.mjs from site/admin/config.yml: change that file.\n';
  writeFileSync(join(out, 'config.yml'), header + YAML.stringify(config));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const siteDir = process.argv[2] ?? join(ROOT, 'site');
  build(siteDir, process.argv[3] ?? join(siteDir, 'public'));
}
