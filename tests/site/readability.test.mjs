// tools/readability.py as an editor meets it: on a copy of the site's
// pages, an "In het kort" block that is too long, has two sentences in
// one line or names a pictogram that does not exist stops the check with
// the file, the sentence and what to do; the real pages pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, staleTranslations } from '../../tools/translations.mjs';

const check = (site) => spawnSync('python3', [join(ROOT, 'tools/readability.py'), '--check-only', '--site', site], { encoding: 'utf8' });

test('the site\'s own "In het kort" blocks are within the limits', () => {
  const result = check(join(ROOT, 'site'));
  assert.equal(result.status, 0, result.stderr);
});

test('a block over the limits is refused with the file, the sentence and what to do', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'readability-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'site/content'), join(dir, 'content'), { recursive: true });
  cpSync(join(ROOT, 'site/static/pictos'), join(dir, 'static/pictos'), { recursive: true });
  const file = join(dir, 'content/buurtgezinnen.pl.md');
  const long = 'Rodzina z okolicy pomaga twojej rodzinie w wielu sprawach każdego tygodnia.';
  const two = 'To nic nie kosztuje. Naprawdę.';
  const entry = (icon, text) => `[[extra.easy_read]]\nicon = "${icon}"\ntext = "${text}"\n`;
  writeFileSync(file, readFileSync(file, 'utf8').replace(/\n\+\+\+\n/, `\n${entry('house', long)}${entry('rocket', two)}+++\n`));

  const result = check(dir);
  assert.equal(result.status, 1);
  const where = 'content/buurtgezinnen.pl.md, "In het kort"';
  assert.ok(result.stderr.includes(`${where}: 7 zinnen. Houd het bij hoogstens 5`), result.stderr);
  assert.ok(result.stderr.includes(`${where}, zin 6: "${long}" heeft 11 woorden. Gebruik hoogstens 10 woorden`), result.stderr);
  assert.ok(result.stderr.includes(`${where}, zin 7: "${two}" is meer dan één zin.`), result.stderr);
  assert.ok(result.stderr.includes(`${where}, zin 7: het plaatje "rocket" bestaat niet. Kies een van: book, calendar,`), result.stderr);
  assert.ok(!result.stderr.includes('buurtgezinnen.md'), 'other pages are fine');
});

test('a changed "In het kort" sentence on a Dutch page marks its translations as outdated', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'easy-read-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'site/content'), join(dir, 'site/content'), { recursive: true });
  assert.deepEqual(staleTranslations(join(dir, 'site')), [], 'the copy starts up to date');
  const file = join(dir, 'site/content/home-start.md');
  const text = readFileSync(file, 'utf8');
  const sentence = text.match(/\[\[extra\.easy_read\]\]\nicon = "[a-z]+"\ntext = "([^"]+)"/)[1];
  writeFileSync(file, text.replace(sentence, 'Een vrijwilliger komt één keer per week.'));
  assert.deepEqual(staleTranslations(join(dir, 'site')).map((s) => s.file.slice(dir.length + 1)).sort(),
    ['ar', 'en', 'pl', 'tr', 'uk'].map((l) => `site/content/home-start.${l}.md`));
});
