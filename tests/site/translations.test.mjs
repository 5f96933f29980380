// The translation check as an editor meets it: on a copy of the site's
// pages, a changed Dutch page stops the check with the way out for editors
// (the GitHub action) and for developers (make), and stamping clears it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../tools/translations.mjs';

const ACTION = readFileSync(join(ROOT, '.github/workflows/translations-checked.yml'), 'utf8').match(/^name: (.+)$/m)[1];

function siteCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'translations-'));
  cpSync(join(ROOT, 'tools/translations.mjs'), join(dir, 'tools/translations.mjs'));
  cpSync(join(ROOT, 'site/content'), join(dir, 'site/content'), { recursive: true });
  cpSync(join(ROOT, 'site/i18n'), join(dir, 'site/i18n'), { recursive: true });
  return dir;
}

const run = (dir, ...args) => spawnSync(process.execPath, ['tools/translations.mjs', ...args], { cwd: dir, encoding: 'utf8' });

test('a changed Dutch page names the action and the make command with its translations; stamping clears it', (t) => {
  const dir = siteCopy();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(run(dir, 'check').status, 0, 'the copy starts clean');

  appendFileSync(join(dir, 'site/content/contact.md'), '\nEen nieuwe zin.\n');
  const stale = ['ar', 'en', 'pl', 'tr', 'uk'].map((l) => `site/content/contact.${l}.md`).join(' ');
  const failed = run(dir, 'check');
  assert.equal(failed.status, 1);
  assert.ok(failed.stderr.includes(`Start dan op GitHub bij Actions de actie '${ACTION}' met: ${stale}\n`), failed.stderr);
  assert.ok(failed.stderr.includes(`make translations-checked PAGES="${stale}"`), failed.stderr);

  assert.equal(run(dir, 'stamp', ...stale.split(' ')).status, 0);
  assert.equal(run(dir, 'check').status, 0, 'stamped translations pass');
});

test('a changed "In het kort" sentence on a Dutch page makes its translations need checking', (t) => {
  const dir = siteCopy();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'site/content/home-start.md');
  const text = readFileSync(file, 'utf8');
  const sentence = text.match(/\[\[extra\.easy_read\]\]\nicon = "[a-z]+"\ntext = "([^"]+)"/)[1];
  writeFileSync(file, text.replace(sentence, 'Een vrijwilliger komt één keer per week.'));
  const failed = run(dir, 'check');
  assert.equal(failed.status, 1);
  for (const lang of ['ar', 'en', 'pl', 'tr', 'uk']) {
    assert.ok(failed.stderr.includes(`site/content/home-start.${lang}.md`), failed.stderr);
  }
});
