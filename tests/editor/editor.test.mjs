// The web editor as an editor uses it: `make edit`'s own script
// (tools/edit.mjs: the editor's server on the checkout's files, the
// rebuild watcher and the real forms server) on a temporary copy of
// site/, driven in Chromium. The checkout's
// files are never touched. Screenshots of each step go to
// target/editor-screenshots/ (`make guide-screenshots` copies them into
// site/handleiding/ for the guide).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import TOML from '@iarna/toml';
import YAML from 'yaml';
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
  // Choosing the language of the right-hand side throws in Decap 3.16
  // (its second pane gets no onLocaleChange); the switch itself works.
  const known = ['undefined', 'this.props.onLocaleChange is not a function'];
  page.on('pageerror', (e) => { if (!known.includes(e.message)) problems.push(e.message); });
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

/** The refusal list at the top of the window (site/admin/widgets.js). */
const refusalList = (page) => page.locator('#weigeringen');

/** Every refusal as an editor reads it: plain Dutch, what to type, no
 *  "patroon", no capitals, one full stop. */
async function assertPlainRefusals(page) {
  const texts = await page.locator('label + ul > li').allInnerTexts();
  assert.ok(texts.length > 0, 'a refusal shows next to the field');
  for (const text of texts) {
    assert.doesNotMatch(text, /patroon|pattern|\.\.|^[^a-z]*$/, `a refusal in plain words: ${text}`);
  }
  const styles = await page.locator('label + ul > li').evaluateAll((items) => items.map((li) => getComputedStyle(li).textTransform));
  assert.ok(styles.every((t) => t === 'none'), 'refusals are not set in capitals');
}

test('an editor adds a spreekuur date; every refusal shows at once, at the field and at the top; the file, the home page and the calendar show the date', async (t) => {
  const beforeText = readFileSync(DIRECTORY, 'utf8');
  const before = TOML.parse(beforeText);
  const page = await openEditor(t);
  await page.getByRole('link', { name: "Pagina's" }).first().waitFor();
  await shot(page, '02-overzicht');
  await openCollection(page, 'Spreekuur, adressen en mailadressen');
  await page.locator('a[href$="/entries/directory"]').click();
  await page.getByRole('button', { name: /Voeg datum toe/ }).click();
  const date = page.getByLabel('Datum', { exact: true }).last();
  const start = page.getByLabel('Begintijd (mag leeg blijven)').last();
  const end = page.getByLabel('Eindtijd (mag leeg blijven)').last();
  // What editors type when they do not know the format: a day that does
  // not exist, a time the Dutch way.
  await retype(date, '2027-02-30');
  await retype(start, '15.00 uur');
  await retype(end, '14:00');
  // The fields out of view, as after scrolling back up to "Publiceer".
  await page.getByText(/^Datums van het spreekuur/).first().scrollIntoViewIfNeeded();
  await page.mouse.move(640, 500);
  await page.mouse.wheel(0, -4000);
  await publish(page);
  // "Publiceer nu" visibly does something: the list of refusals, in view,
  // with the focus on it, each with what to type.
  const list = refusalList(page);
  await list.waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'weigeringen');
  const box = await list.boundingBox();
  assert.ok(box && box.y >= 0 && box.y + 40 <= 900, 'the refusal list is in view');
  const listed = await list.innerText();
  assert.match(listed, /Datum: 30 februari 2027 bestaat niet: februari 2027 heeft 28 dagen\. Typ de dag als dag-maand-jaar, bijvoorbeeld 13-01-2027/);
  assert.match(listed, /Begintijd: Schrijf de begintijd met een dubbele punt, zo: 15:00/);
  await assertPlainRefusals(page);
  await date.scrollIntoViewIfNeeded();
  await shot(page, '04-fout-datum');
  // A link in the list brings the editor to the field.
  await list.getByRole('link', { name: /^Begintijd:/ }).click();
  assert.equal(await start.evaluate((el) => el === document.activeElement), true, 'the link puts the cursor in the field');
  assert.deepEqual(TOML.parse(readFileSync(DIRECTORY, 'utf8')), before, 'a refused date changes nothing on disk');

  // The Dutch way of writing a day is understood and shown in words.
  await retype(date, '12-05-2027');
  await page.getByText('Dat is woensdag 12 mei 2027.').waitFor();
  await retype(start, '15:00');
  await end.blur();
  // An end time before the start time: refused as soon as it is typed.
  await list.getByText('Bij woensdag 12 mei 2027 is de eindtijd (14:00) niet later dan de begintijd (15:00)').waitFor();
  await page.getByText(/Bij woensdag 12 mei 2027 is de eindtijd \(14:00\) niet later dan de begintijd/).nth(1).waitFor();
  await retype(end, '16:30');
  await list.waitFor({ state: 'detached' });
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
  const added = after.spreekuur.dates.find((d) => d.date === '2027-05-12');
  assert.ok(added, `the new date is in directory.toml as YYYY-MM-DD: ${JSON.stringify(after.spreekuur.dates)}`);
  assert.equal(added.start, '15:00');
  assert.equal(added.end, '16:30');
  // Everything the editor does not show is kept: routing, regions, the old date.
  assert.deepEqual(after.mailboxes, before.mailboxes);
  assert.deepEqual(after.regions, before.regions);
  assert.deepEqual(after.routing, before.routing);
  assert.deepEqual(after.spreekuur.dates[0], before.spreekuur.dates[0]);

  await waitFor(async () => (await pageText('/')).includes('12 mei 2027'), 'the home page does not show the new date after the rebuild');
  assert.match(await pageText('/spreekuur.ics'), /DTSTART;TZID=Europe\/Amsterdam:20270512T150000/);
  assert.match(await pageText('/spreekuur/'), /<bdi>12 mei 2027<\/bdi>.*15:00 – 16:30/);
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
  await retype(page.getByLabel('Datum', { exact: true }).first(), '02-01-2027');
  await retype(page.getByLabel('Webadres', { exact: true }).first(), 'nieuws/zonder-titel');
  await publish(page);
  await refusalList(page).getByText('Titel: Titel is nog leeg. Vul het in: zonder kan er niets worden opgeslagen.').waitFor();
  await assertPlainRefusals(page);
  await shot(page, '08-fout-titel');
  const news = readdirSync(join(SITE, 'content', 'berichten'));
  assert.ok(!news.some((f) => readFileSync(join(SITE, 'content', 'berichten', f), 'utf8').includes('zonder-titel')), 'no news file was written');

  const before = readFileSync(DIRECTORY, 'utf8');
  // Leaving the unsaved item: Decap asks "are you sure?"; yes.
  page.once('dialog', (d) => d.accept());
  await page.goto(`${base}/admin/#/collections/gegevens/entries/directory`);
  // Mailboxes named by who reads them, with which forms arrive there; the
  // forms' own names for them stay out of sight.
  await page.getByText('Coördinator van Home-Start in de IJmond', { exact: true }).waitFor();
  await page.getByText('Hier komen de formulieren over Home-Start uit Heemskerk, Beverwijk en Wijk aan Zee.').waitFor();
  assert.doesNotMatch(await page.locator('body').innerText(), /homestart-ijmond|spreekuur-ijmond|taalhuis-ijmond/i);
  const mail = page.getByLabel('Mailadres', { exact: true }).first();
  await retype(mail, 'homestart bij example.org');
  await publish(page);
  await refusalList(page).getByText('Mailadres: Vul bij "Coördinator van Home-Start in de IJmond" een heel mailadres in, zo: naam@organisatie.nl.').waitFor();
  await assertPlainRefusals(page);
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

  await page.keyboard.press('Escape');
  // Decap's own words, in Dutch too.
  await page.getByText('Neem de tekst over uit een andere taal').first().waitFor();
  const shown = await page.locator('body').innerText();
  for (const english of ['Fill in from another locale', 'Writing in', 'Check for Preview', 'optional', 'Toggle']) {
    assert.ok(!shown.includes(english), `no English left in the editor: ${english}`);
  }
  // What the site fills in itself shows as a named block, not as code.
  await page.goto(`${base}/admin/#/collections/paginas`);
  await page.getByText('Hulp voor gezinnen in de IJmond en Friesland', { exact: true }).click();
  await page.getByText('Vanzelf: Het eerstvolgende spreekuur').first().waitFor();
  assert.ok(!(await page.locator('body').innerText()).includes('next_spreekuur'), 'no shortcode code in the text');
});

test('a changed Dutch page goes live at once: its translations say so on the site, /admin/ lists them, and the check before publishing lets it through', async (t) => {
  const page = await openEditor(t);
  await openCollection(page, "Pagina's");
  await page.getByText(/^De tekst van elke pagina\./).waitFor();
  await page.getByText('Home-Start: een vrijwilliger bij je thuis', { exact: true }).click();
  const summary = page.getByLabel('Korte samenvatting', { exact: true }).first();
  const old = await summary.inputValue();
  await retype(summary, `${old} Meer weten? Kom naar het spreekuur.`);
  await publish(page);
  await page.getByText(/^wijzigingen opgeslagen$/i).first().waitFor();

  // The Dutch change is live.
  await waitFor(async () => (await pageText('/home-start/')).includes('Meer weten? Kom naar het spreekuur.'), 'the Dutch page does not show the change');
  const dutch = await pageText('/home-start/');
  const translated = [...dutch.matchAll(/<link rel="alternate" hreflang="(\w\w)" href="([^"]+)">/g)].filter((m) => m[1] !== 'nl');
  assert.equal(translated.length, 5, 'five translations');
  // Each translation says, in its own language, that the Dutch page changed, with a link to it.
  for (const [, lang, href] of translated) {
    const html = await pageText(new URL(href, base).pathname);
    const notice = html.match(/<p class="translation-outdated">([^<]+)<a href="\/home-start\/" hreflang="nl" lang="nl">/);
    assert.ok(notice, `${lang}: the translation says the Dutch page is newer, with a link to it`);
    assert.ok(!notice[1].includes('Nederlands') || lang === 'nl', `${lang}: in its own language`);
  }
  assert.doesNotMatch(await pageText('/en/contact/'), /translation-outdated/, 'an untouched page has no notice');

  // /admin/ lists what needs translating.
  const listed = /Nog te vertalen, omdat de Nederlandse tekst nieuwer is: .*Home-Start: een vrijwilliger bij je thuis \(Engels, Turks, Arabisch, Pools, Oekraïens\)/;
  const pagesDescription = async () => YAML.parse(await pageText('/admin/config.yml')).collections.find((c) => c.name === 'paginas').description;
  await waitFor(async () => listed.test(await pagesDescription()), 'the editor does not list the translations to do').catch(async (e) => { throw new Error(`${e.message}: ${await pagesDescription()}`); });
  await page.goto(`${base}/admin/#/collections/paginas`);
  await page.reload();
  await page.getByText(listed).waitFor();
  await shot(page, '11-nog-te-vertalen');

  // The Turkish translation brought up to date: the editor says so, and
  // the notice goes; the other languages keep theirs.
  await page.getByText('Home-Start: een vrijwilliger bij je thuis', { exact: true }).click();
  await page.getByText('De vertalingen volgen deze tekst.').waitFor();
  await page.getByText('EN aan het bewerken').click();
  await page.getByRole('menuitem', { name: /^tr$/i }).first().click();
  await page.getByText('De Nederlandse tekst is veranderd sinds deze vertaling.', { exact: false }).waitFor();
  await page.getByRole('button', { name: 'Deze vertaling klopt weer' }).click();
  await page.getByText('Deze vertaling is bij: ze zegt hetzelfde als de Nederlandse tekst van nu.').waitFor();
  await shot(page, '12-vertaling-klopt-weer');
  await publish(page);
  await page.getByText(/^wijzigingen opgeslagen$/i).first().waitFor();
  const turkish = readFileSync(join(SITE, 'content', 'home-start.tr.md'), 'utf8');
  const fingerprint = (await (await fetch(`${base}/admin/vertalingen.json`)).json())['site/content/home-start.md'];
  assert.equal(TOML.parse(turkish.split('+++')[1]).extra.source_hash, fingerprint, 'the Turkish page records the Dutch version it follows');
  assert.doesNotMatch(readFileSync(join(SITE, 'content', 'home-start.md'), 'utf8'), /\[extra\]/, 'the Dutch page gets no [extra]');
  const turkishUrl = new URL(translated.find(([, lang]) => lang === 'tr')[2], base).pathname;
  await waitFor(async () => !(await pageText(turkishUrl)).includes('translation-outdated'), 'the Turkish page still says the Dutch page is newer');
  assert.match(await pageText(new URL(translated.find(([, lang]) => lang === 'pl')[2], base).pathname), /translation-outdated/);
  await waitFor(async () => /Home-Start: een vrijwilliger bij je thuis \(Engels, Arabisch, Pools, Oekraïens\)/.test(await pagesDescription()), 'the editor still lists Turkish');

  // The check before publishing reports the translations and refuses nothing.
  const check = spawnSync('python3', [join(ROOT, 'tools', 'check-site.py'), '--site', SITE], { encoding: 'utf8', env: { ...process.env, GITHUB_ACTIONS: '' } });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /Alles in orde/);
  assert.match(check.stdout, /Nog te vertalen \(dit houdt niets tegen/);
  assert.match(check.stdout, /site\/content\/home-start\.pl\.md \(Pools\)/);
});
