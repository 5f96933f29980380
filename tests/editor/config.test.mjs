// The editor's settings as built, and the file-name layer between Decap
// and the repository (site/admin/zola-paths.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import TOML from '@iarna/toml';
import YAML from 'yaml';
import { ROOT } from '../browser/support.mjs';
import { editorConfig, BACKEND } from '../../tools/build-admin.mjs';

const { pathMapper, wrapBackend } = createRequire(import.meta.url)(join(ROOT, 'site', 'admin', 'zola-paths.js'));
const read = (...p) => readFileSync(join(ROOT, ...p), 'utf8');
const build = (env, queue = []) => editorConfig({ source: read('site', 'admin', 'config.yml'), configToml: read('site', 'config.toml'), directoryToml: read('site', 'data', 'directory.toml'), env, queue });
const widgets = createRequire(import.meta.url)(join(ROOT, 'site', 'admin', 'widgets.js'));
const locale = createRequire(import.meta.url)(join(ROOT, 'site', 'admin', 'editor-nl.js'));

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

test('dates: the Dutch way and the files\' way are understood, a day that does not exist is refused with what to type', () => {
  assert.equal(widgets.toIso('12-05-2027'), '2027-05-12');
  assert.equal(widgets.toIso('2027-01-13'), '2027-01-13');
  assert.equal(widgets.toIso('13 januari 2027'), '2027-01-13');
  assert.equal(widgets.toIso('29-02-2028'), '2028-02-29');
  assert.equal(widgets.inWords('2027-01-13'), 'woensdag 13 januari 2027');
  assert.equal(widgets.dateProblem('2027-05-12'), null, 'a saved day passes');
  assert.equal(widgets.dateProblem('2027-02-30'), '30 februari 2027 bestaat niet: februari 2027 heeft 28 dagen. Typ de dag als dag-maand-jaar, bijvoorbeeld 13-01-2027, of kies hem in de kalender.');
  assert.match(widgets.dateProblem('31-04-2027'), /^31 april 2027 bestaat niet: april 2027 heeft 30 dagen\./);
  assert.match(widgets.dateProblem('15.00 uur'), /^"15\.00 uur" is geen datum\. Typ de dag als dag-maand-jaar/);
  assert.match(widgets.dateProblem('2027-13-01'), /12 maanden/);
});

test('an end time that is not after the start time is refused, naming the day; unknown times are not', () => {
  assert.deepEqual(widgets.timeOrderProblems([
    { date: '2027-01-13', start: '15:00', end: '14:00' },
    { date: '2027-01-14', start: '15:00', end: '15:00' },
    { date: '2027-01-15', start: '15:00', end: '16:30' },
    { date: '2027-01-16', start: '15:00', end: '' },
    { date: '2027-01-17', start: '', end: '09:00' },
  ]), [
    'Bij woensdag 13 januari 2027 is de eindtijd (14:00) niet later dan de begintijd (15:00). Vul een eindtijd in die na de begintijd komt, of laat de eindtijd leeg.',
    'Bij donderdag 14 januari 2027 is de eindtijd (15:00) niet later dan de begintijd (15:00). Vul een eindtijd in die na de begintijd komt, of laat de eindtijd leeg.',
  ]);
});

test('every field message is a sentence that says what to type, shown as written', () => {
  assert.equal(locale.editor.editorControlPane.widget.regexPattern, '%{pattern}', 'no "komt niet overeen met het patroon", no second full stop');
  const messages = [];
  const walk = (fields) => {
    for (const f of fields ?? []) {
      if (Array.isArray(f.pattern)) messages.push(f.pattern[1]);
      walk(f.fields);
      if (f.field) walk([f.field]);
    }
  };
  for (const c of build({}).collections) { walk(c.fields); for (const f of c.files ?? []) walk(f.fields); }
  assert.ok(messages.length >= 5);
  for (const m of messages) assert.match(m, /^[A-Z"].*[^.]\.$|^[A-Z].*\.$/, `a whole sentence: ${m}`);
  for (const m of messages) assert.doesNotMatch(m, /\.\.$/);
});

test('every text of Decap\'s interface has a Dutch one; none is left in English', () => {
  // decap-cms-locales ships its texts as an ES module without a package
  // type: read the English object from its source.
  const source = read('node_modules', 'decap-cms-locales', 'src', 'en', 'index.js').replace(/^const en =/m, 'return').replace(/export default en;\s*$/, '');
  const english = new Function(source)();
  const leaves = (o, prefix = '') => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? leaves(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]]));
  const dutch = new Map(leaves(locale));
  const missing = leaves(english).filter(([key]) => !dutch.get(key));
  assert.deepEqual(missing.map(([key]) => key), [], 'a Dutch text for every key');
  // Words Dutch shares with English ("Link", "Status: ...") may stay.
  const shared = new Set(['editor.editorToolbar.status', 'editor.editorWidgets.markdown.link', 'editor.editorWidgets.markdown.markdown',
    'editor.editorWidgets.markdown.code', 'collection.collectionTop.newButton', 'workflow.workflowCard.lastChangeNoAuthor', 'ui.toast.onFailToAuth']);
  const same = leaves(english).filter(([key, text]) => dutch.get(key) === text && !shared.has(key));
  assert.deepEqual(same.map(([key]) => key), [], 'nothing left in English');
  for (const phrase of ['Fill in from another locale', 'Check for Preview', 'patroon']) {
    assert.ok(![...dutch.values()].some((t) => t.includes(phrase)), phrase);
  }
});

test('mailboxes are named by who reads them and say which forms arrive there', () => {
  const directory = TOML.parse(read('site', 'data', 'directory.toml'));
  const file = build({}).collections.find((c) => c.name === 'gegevens').files[0];
  const boxes = file.fields.find((f) => f.name === 'mailboxes').fields;
  assert.deepEqual(boxes.map((b) => b.name), Object.keys(directory.mailboxes));
  for (const box of boxes) {
    assert.ok(!box.label.includes(box.name) && /^[A-Z]/.test(box.label), `${box.name} has a label for people (site/admin/config.yml, mailbox_labels): ${box.label}`);
    assert.match(box.hint, /^Hier (komen|komt) /);
    assert.ok(box.fields[0].pattern[1].includes(box.label), 'the refusal names the mailbox');
  }
  assert.equal(boxes.find((b) => b.name === 'homestart-ijmond').hint, 'Hier komen de formulieren over Home-Start uit Heemskerk, Beverwijk en Wijk aan Zee.');
  assert.equal(boxes.find((b) => b.name === 'info').hint, 'Hier komt alles wat bij geen andere mailbox hoort, bijvoorbeeld uit een andere gemeente.');
  assert.equal(build({}).mailbox_labels, undefined, 'no setting Decap does not know');
});

test('the pages list says what needs translating, or that nothing does', () => {
  const pages = (queue) => build({}, queue).collections.find((c) => c.name === 'paginas').description;
  assert.match(pages([]), /Alle vertalingen zijn bij/);
  assert.match(pages([{ source: 'site/content/contact.md', title: 'Contact', languages: ['en', 'tr'] }]),
    /Nog te vertalen, omdat de Nederlandse tekst nieuwer is: Contact \(Engels, Turks\)\. /);
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

test('page texts hold no spreekuur table code and no tbc markup: the templates add those from the front matter and the data', () => {
  const content = join(ROOT, 'site', 'content');
  const files = readdirSync(content, { recursive: true }).filter((f) => f.endsWith('.md'));
  for (const file of files) {
    const body = readFileSync(join(content, file), 'utf8').split('+++')[2] ?? '';
    assert.doesNotMatch(body, /spreekuur_dates|class="tbc"/, file);
  }
  const spreekuur = files.filter((f) => /^spreekuur(\.\w\w)?\.md$/.test(f));
  assert.equal(spreekuur.length, 6, 'the spreekuur page in all six languages');
  for (const file of spreekuur) assert.equal(TOML.parse(readFileSync(join(content, file), 'utf8').split('+++')[1]).extra.show_spreekuur_dates, true, file);
});
