// The web editor as an editor uses it: `make edit`'s own script
// (tools/edit.mjs: the editor's server on the checkout's files, the
// rebuild watcher and the real forms server) on a temporary copy of
// site/, driven in Chromium. The checkout's
// files are never touched. Screenshots of each step go to
// target/editor-screenshots/ (`make guide-screenshots` copies them into
// site/handleiding/ for the guide).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import TOML from '@iarna/toml';
import { ROOT, freePort, launchChromium, requiredEnv } from '../browser/support.mjs';

const SHOTS = join(ROOT, 'target', 'editor-screenshots');
const work = mkdtempSync(join(tmpdir(), 'editor-test-'));
const SITE = join(work, 'site');
const DIRECTORY = join(SITE, 'data', 'directory.toml');
const NEWS_NL = join(SITE, 'content', 'berichten', '2023-11-30-samen-spreekuur.md');
const NEWS_EN = join(SITE, 'content', 'berichten', '2023-11-30-samen-spreekuur.en.md');
let editor;
let browser;
let base;

before(async () => {
  cpSync(join(ROOT, 'site'), SITE, { recursive: true, filter: (src) => !src.startsWith(join(ROOT, 'site', 'public')) });
  mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const ports = { PORT: String(port), CMS_PORT: String(await freePort()), FORMS_PORT: String(await freePort()), GITHUB_PORT: String(await freePort()) };
  editor = spawn(process.execPath, [join(ROOT, 'tools', 'edit.mjs')], {
    env: { ...process.env, FORMS_BIN: requiredEnv('FORMS_BIN'), CMS_AUTH_BIN: requiredEnv('CMS_AUTH_BIN'), ...ports, SITE_SRC: SITE, DATA_DIR: join(work, 'data'), RUST_LOG: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitFor(async () => (await fetch(`${base}/admin/`)).ok && (await fetch(`${base}/api/cms/session`)).ok, 'the editor did not start');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (editor && editor.exitCode === null) {
    const exited = new Promise((r) => editor.once('exit', r));
    editor.kill('SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

async function waitFor(check, message, ms = 30000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try { if (await check()) return; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const pageText = async (path) => (await fetch(base + path)).text();

/** A page in the editor (the local mode needs no account: it opens signed in). */
async function openEditor(t) {
  // A fresh context: signed out, as an editor arriving for the first time.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const outside = [];
  page.on('request', (r) => { if (!r.url().startsWith('http://127.0.0.1:') && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) outside.push(r.url()); });
  const problems = [];
  // Decap rejects its save with no reason at all (`undefined`) when it
  // refuses the input; that refusal is what the tests want to see.
  page.on('pageerror', (e) => { if (e.message !== 'undefined') problems.push(e.message); });
  t.after(async () => {
    await context.close();
    assert.deepEqual(outside, [], 'the editor loaded nothing from another host');
    assert.deepEqual(problems, [], 'no script errors in the editor');
  });
  await page.goto(`${base}/admin/`);
  return page;
}

/** Replaces a field's text as a person does: select all, type. */
async function retype(field, text) {
  await field.click();
  await field.press('Control+A');
  await field.press('Backspace');
  await field.pressSequentially(text);
}

async function shot(page, name) {
  await page.waitForTimeout(300); // let the editor finish drawing
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function openCollection(page, label) {
  await page.getByRole('link', { name: label }).first().click();
}

/** Decap's save: "Publiceer", then "Publiceer nu" in its menu. */
async function publish(page) {
  await page.getByRole('button', { name: 'Publiceer', exact: true }).click();
  await page.getByRole('menuitem', { name: /nu/i }).click();
}

test('an editor adds a spreekuur date; the file, the home page and the calendar show it; an impossible date is refused', async (t) => {
  const beforeText = readFileSync(DIRECTORY, 'utf8');
  const before = TOML.parse(beforeText);
  const page = await openEditor(t);
  await page.getByRole('link', { name: "Pagina's" }).first().waitFor();
  await shot(page, '02-overzicht');
  await openCollection(page, 'Spreekuur, adressen en mailadressen');
  await page.locator('a[href$="/entries/directory"]').click();
  await page.getByRole('button', { name: /Voeg datum toe/ }).click();
  const date = page.getByLabel('Datum', { exact: true }).last();
  await retype(date, '2027-02-30');
  await page.getByLabel('Begintijd (optioneel)').last().fill('14:00');
  await page.getByLabel('Eindtijd (optioneel)').last().fill('15:30');
  await publish(page);
  await page.getByText('Vul een datum in die in de kalender staat').first().waitFor();
  await date.scrollIntoViewIfNeeded();
  await shot(page, '04-fout-datum');
  assert.deepEqual(TOML.parse(readFileSync(DIRECTORY, 'utf8')), before, 'a refused date changes nothing on disk');

  await retype(date, '2027-01-13');
  await shot(page, '03-datum-invullen');
  await publish(page);
  await page.getByText(/^wijzigingen opgeslagen$/i).first().waitFor();
  await shot(page, '05-opgeslagen');

  const afterText = readFileSync(DIRECTORY, 'utf8');
  const after = TOML.parse(afterText);
  // The file keeps its comments and order: every old line is still there,
  // in the same order; the new date is added after the others.
  let at = 0;
  for (const line of beforeText.split('\n')) {
    const found = afterText.indexOf(line, at);
    assert.ok(found >= 0, `kept in directory.toml: ${line}`);
    at = found + line.length;
  }
  const added = after.spreekuur.dates.find((d) => d.date === '2027-01-13');
  assert.ok(added, 'the new date is in directory.toml');
  assert.equal(added.start, '14:00');
  assert.equal(added.end, '15:30');
  // Everything the editor does not show is kept: routing, regions, the old date.
  assert.deepEqual(after.mailboxes, before.mailboxes);
  assert.deepEqual(after.regions, before.regions);
  assert.deepEqual(after.routing, before.routing);
  assert.deepEqual(after.spreekuur.dates[0], before.spreekuur.dates[0]);

  await waitFor(async () => (await pageText('/')).includes('13 januari 2027'), 'the home page does not show the new date after the rebuild');
  assert.match(await pageText('/spreekuur.ics'), /DTSTART;TZID=Europe\/Amsterdam:20270113T140000/);
  const home = await page.context().newPage();
  await home.goto(`${base}/`);
  await home.locator('.next-date').scrollIntoViewIfNeeded();
  await shot(home, '06-home-pagina');
  await home.close();
});

test('an editor changes a news item in Dutch; only its title changes and the news page shows it', async (t) => {
  const nlBefore = readFileSync(NEWS_NL, 'utf8');
  const enBefore = readFileSync(NEWS_EN, 'utf8');
  const page = await openEditor(t);
  await openCollection(page, 'Nieuwsberichten');
  await page.getByText(/Home-Start, Buurtgezinnen en de bibliotheek starten samen een spreekuur/).click();
  const title = page.getByLabel('Titel', { exact: true }).first();
  await retype(title, 'Samen een spreekuur in de bibliotheek');
  await shot(page, '07-nieuws-aanpassen');
  await publish(page);
  await page.getByText(/^wijzigingen opgeslagen$/i).first().waitFor();

  // A save changes only what the editor changed: in the Dutch file the
  // title line, nothing else (front matter order, quoting, the text as it
  // was written); the English file, which Decap sends again too, is not
  // rewritten at all.
  const nl = readFileSync(NEWS_NL, 'utf8');
  const oldTitle = nlBefore.match(/^title = .*$/m)[0];
  assert.equal(nl, nlBefore.replace(oldTitle, 'title = "Samen een spreekuur in de bibliotheek"'));
  assert.equal(readFileSync(NEWS_EN, 'utf8'), enBefore, 'the untouched English file is byte for byte the same');
  await waitFor(async () => (await pageText('/nieuws/')).includes('Samen een spreekuur in de bibliotheek'), 'the news page does not show the new title');
});

test('an empty title and a mail address that is not an address are refused with a message', async (t) => {
  const page = await openEditor(t);
  await page.getByRole('link', { name: "Pagina's" }).first().waitFor();
  await page.goto(`${base}/admin/#/collections/berichten/new`);
  await retype(page.getByLabel('Korte samenvatting', { exact: true }).first(), 'Een samenvatting die lang genoeg is voor de lijst met nieuws.');
  await retype(page.getByLabel('Datum', { exact: true }).first(), '2027-01-02');
  await retype(page.getByLabel('Webadres', { exact: true }).first(), 'nieuws/zonder-titel');
  await publish(page);
  await page.getByText(/Titel.*verplicht|verplicht/i).first().waitFor();
  await shot(page, '08-fout-titel');
  const news = readdirSync(join(SITE, 'content', 'berichten'));
  assert.ok(!news.some((f) => readFileSync(join(SITE, 'content', 'berichten', f), 'utf8').includes('zonder-titel')), 'no news file was written');

  const before = readFileSync(DIRECTORY, 'utf8');
  // Leaving the unsaved item: Decap asks "are you sure?"; yes.
  page.once('dialog', (d) => d.accept());
  await page.goto(`${base}/admin/#/collections/gegevens/entries/directory`);
  const mail = page.getByLabel('Mailadres', { exact: true }).first();
  await retype(mail, 'homestart bij example.org');
  await publish(page);
  await page.getByText('Vul een mailadres in, zo: naam@organisatie.nl.').first().waitFor();
  await mail.scrollIntoViewIfNeeded();
  await shot(page, '09-fout-mailadres');
  assert.equal(readFileSync(DIRECTORY, 'utf8'), before, 'a refused address changes nothing on disk');
});

test('a page shows Dutch beside a translation, and every language of the site can be chosen', async (t) => {
  const site = TOML.parse(readFileSync(join(SITE, 'config.toml'), 'utf8'));
  const page = await openEditor(t);
  await openCollection(page, "Pagina's");
  await page.getByText('Home-Start: een vrijwilliger bij je thuis', { exact: true }).click();
  await page.getByLabel('Titel', { exact: true }).first().waitFor();
  // The right-hand side: the language menu lists every language but Dutch.
  await page.getByText('EN aan het bewerken').click();
  for (const lang of Object.keys(site.languages)) {
    await page.getByRole('menuitem', { name: new RegExp(`^${lang}$`, 'i') }).first().waitFor();
  }
  await shot(page, '10-vertaling-kiezen');
});
