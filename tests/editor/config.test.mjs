// The editor's settings as built, and the file-name layer between Decap
// and the repository (site/admin/zola-paths.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import TOML from '@iarna/toml';
import YAML from 'yaml';
import { ROOT } from '../browser/support.mjs';
import { editorConfig, BACKEND } from '../../tools/build-admin.mjs';

const { pathMapper, wrapBackend } = createRequire(import.meta.url)(join(ROOT, 'site', 'admin', 'zola-paths.js'));
const read = (...p) => readFileSync(join(ROOT, ...p), 'utf8');
const build = (env) => editorConfig({ source: read('site', 'admin', 'config.yml'), configToml: read('site', 'config.toml'), directoryToml: read('site', 'data', 'directory.toml'), env });

test('the built editor offers every language of the site, Dutch first; news stays Dutch and English', () => {
  const site = TOML.parse(read('site', 'config.toml'));
  const built = YAML.parse(read('site', 'public', 'admin', 'config.yml'));
  assert.deepEqual(built.i18n.locales, [site.default_language, ...Object.keys(site.languages)]);
  assert.equal(built.i18n.default_locale, 'nl');
  assert.deepEqual(built.collections.find((c) => c.name === 'berichten').i18n.locales, ['nl', 'en']);
});

test('the backend is the site\'s own editor server everywhere: no repository, token or other host in the browser', () => {
  for (const env of [{}, { SITE_URL: 'https://www.example.org/' }, { CMS_REPO: 'org/site', CMS_PORT: '8115' }]) {
    assert.deepEqual(build(env).backend, { name: 'zola-proxy', proxy_url: '/api/cms/v1', branch: 'main' });
  }
  assert.deepEqual(BACKEND, { name: 'zola-proxy', proxy_url: '/api/cms/v1', branch: 'main' });
  const built = YAML.parse(read('site', 'public', 'admin', 'config.yml'));
  assert.deepEqual(built.backend, BACKEND, 'the built editor too');
});

test('every mailbox and library location of directory.toml can be filled in', () => {
  const directory = TOML.parse(read('site', 'data', 'directory.toml'));
  const file = build({}).collections.find((c) => c.name === 'gegevens').files[0];
  const mailboxes = file.fields.find((f) => f.name === 'mailboxes').fields.map((f) => f.name);
  assert.deepEqual(mailboxes, Object.keys(directory.mailboxes));
  const dates = file.fields.find((f) => f.name === 'spreekuur').fields.find((f) => f.name === 'dates');
  assert.deepEqual(dates.fields.find((f) => f.name === 'location').options.map((o) => o.value), directory.locations.map((l) => l.id));
});

test('the date pattern accepts calendar dates only', () => {
  const pattern = new RegExp(build({}).collections.find((c) => c.name === 'berichten').fields.find((f) => f.name === 'date').pattern[0]);
  for (const ok of ['2027-01-13', '2028-02-29', '2000-02-29', '2027-12-31']) assert.match(ok, pattern);
  for (const bad of ['2027-02-29', '1900-02-29', '2027-04-31', '2027-13-01', '13-01-2027', '2027-1-3']) assert.doesNotMatch(bad, pattern);
});

test('Dutch files keep zola\'s name.md in the repository; translations keep their names', () => {
  const paths = pathMapper('nl');
  assert.equal(paths.fromRepo('site/content/home-start.md'), 'site/content/home-start.nl.md');
  assert.equal(paths.toRepo('site/content/home-start.nl.md'), 'site/content/home-start.md');
  assert.equal(paths.fromRepo('site/content/home-start.en.md'), 'site/content/home-start.en.md');
  assert.equal(paths.toRepo('site/content/home-start.tr.md'), 'site/content/home-start.tr.md');
  assert.equal(paths.fromRepo('site/data/directory.toml'), 'site/data/directory.toml');
});

test('the wrapped backend lists, reads, saves and deletes under the repository\'s names', async () => {
  const calls = [];
  const files = ['site/content/berichten/_index.md', 'site/content/berichten/a.md', 'site/content/berichten/a.en.md'];
  const backend = wrapBackend({
    async entriesByFolder() { return files.map((path) => ({ file: { path }, data: '' })); },
    async getEntry(path) { calls.push(['get', path]); return { file: { path }, data: '' }; },
    async persistEntry(entry) { calls.push(['save', entry.dataFiles.map((f) => f.path)]); },
    async deleteFiles(paths) { calls.push(['delete', paths]); },
    isGitBackend() { return true; },
  }, 'nl', 'site/content');
  const listed = (await backend.entriesByFolder('site/content/berichten', 'md', 1)).map((e) => e.file.path);
  assert.deepEqual(listed, ['site/content/berichten/a.nl.md', 'site/content/berichten/a.en.md'], 'the section file is not a news item');
  assert.equal((await backend.getEntry('site/content/berichten/a.nl.md')).file.path, 'site/content/berichten/a.nl.md');
  await backend.persistEntry({ dataFiles: [{ path: 'site/content/berichten/b.nl.md' }, { path: 'site/content/berichten/b.en.md' }], assets: [] });
  await backend.deleteFiles(['site/content/berichten/a.nl.md', 'site/content/berichten/a.en.md']);
  assert.deepEqual(calls, [
    ['get', 'site/content/berichten/a.md'],
    ['save', ['site/content/berichten/b.md', 'site/content/berichten/b.en.md']],
    ['delete', ['site/content/berichten/a.md', 'site/content/berichten/a.en.md']],
  ]);
  assert.equal(backend.isGitBackend(), true, 'everything else is passed on');
});
