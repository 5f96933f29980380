// "Lees voor" in real Chromium, on the real server and its CSP, with a
// stand-in for the browser's speech API (injected before the page's own
// script): it reports the voices a test gives it, a little later, as
// browsers do, and records every utterance and every pause, resume and
// cancel. The test plays the voice: __speech.finish() ends the utterance
// being spoken, as a real voice does when it reaches the end.
// Also: the screenshots of the home page in every language for the
// README (target/screenshots/readme/, `make readme-screenshots`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { serverAndBrowser, ROOT } from '../browser/support.mjs';
import { LANGS, prefix } from './pages.mjs';
import { readStrings, I18N } from '../../tools/translations.mjs';

const running = serverAndBrowser({ FORMS_STORE: 'sqlite', FORMS_MAILER: 'file' });
const strings = Object.fromEntries(LANGS.map((l) => [l, readStrings(join(I18N, `${l}.toml`))]));
const README_SHOTS = join(ROOT, 'target', 'screenshots', 'readme');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const VOICES = {
  nl: { name: 'Stand-in Nederlands', lang: 'nl-NL' },
  en: { name: 'Stand-in English', lang: 'en-GB' },
  tr: { name: 'Stand-in Türkçe', lang: 'tr-TR' },
  ar: { name: 'Stand-in العربية', lang: 'ar-SA' },
  pl: { name: 'Stand-in polski', lang: 'pl-PL' },
  uk: { name: 'Stand-in українська', lang: 'uk-UA' },
};

/** Runs in the page before its scripts: the stand-in speech API. */
function installSpeech({ voices, withApi }) {
  if (!withApi) {
    Object.defineProperty(window, 'speechSynthesis', { value: undefined, configurable: true });
    return;
  }
  const said = [];
  const log = [];
  let queue = [];
  let speaking = null;
  let paused = false;
  let available = [];
  const fire = (u, type, extra = {}) => u.dispatchEvent(Object.assign(new Event(type), { utterance: u }, extra));
  class Utterance extends EventTarget {
    constructor(text) {
      super();
      Object.assign(this, { text: text ?? '', lang: '', voice: null, rate: 1, pitch: 1, volume: 1 });
    }
  }
  const next = () => {
    speaking = queue.shift() ?? null;
    if (speaking) fire(speaking, 'start');
  };
  const synth = new EventTarget();
  Object.assign(synth, {
    getVoices: () => available.slice(),
    speak(u) {
      said.push({ text: u.text, lang: u.lang, voice: u.voice?.name ?? null, rate: u.rate });
      queue.push(u);
      if (!speaking) next();
    },
    pause() { log.push('pause'); paused = true; },
    resume() { log.push('resume'); paused = false; },
    cancel() {
      log.push('cancel');
      const dropped = [speaking, ...queue].filter(Boolean);
      speaking = null;
      queue = [];
      for (const u of dropped) fire(u, 'error', { error: 'interrupted' });
    },
  });
  Object.defineProperties(synth, {
    speaking: { get: () => speaking !== null },
    paused: { get: () => paused },
    pending: { get: () => queue.length > 0 },
  });
  Object.defineProperty(window, 'speechSynthesis', { value: synth, configurable: true });
  window.SpeechSynthesisUtterance = Utterance;
  window.__speech = {
    said,
    log,
    voicesReady: false,
    /** The voice reaches the end of what it is saying; false when paused or silent. */
    finish() {
      if (!speaking || paused) return false;
      const done = speaking;
      speaking = null;
      fire(done, 'end');
      if (!speaking) next();
      return true;
    },
  };
  // Voices arrive after the page has loaded, as in Chromium.
  setTimeout(() => {
    available = voices.map((v) => ({ default: false, localService: true, voiceURI: v.name, ...v }));
    window.__speech.voicesReady = true;
    synth.dispatchEvent(new Event('voiceschanged'));
  }, 100);
}

async function openPage(path, { voices = [], withApi = true, javaScriptEnabled = true, colorScheme = 'light', viewport } = {}) {
  const context = await running.browser.newContext({ javaScriptEnabled, colorScheme, ...(viewport ? { viewport } : {}) });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  await page.addInitScript(installSpeech, { voices, withApi });
  await page.goto(running.server.base + path);
  if (javaScriptEnabled && withApi) await page.waitForFunction(() => window.__speech.voicesReady);
  return { context, page, problems };
}

const said = (page) => page.evaluate(() => window.__speech.said.slice());
const log = (page) => page.evaluate(() => window.__speech.log.slice());
const finish = (page) => page.evaluate(() => window.__speech.finish());
async function finishAll(page) {
  for (let i = 0; i < 500 && (await finish(page)); i += 1) { /* the voice reads on */ }
}
const current = (page) => page.evaluate(() => [...document.querySelectorAll('.read-aloud-current')].map((el) => el.textContent.trim()));

async function expectNoAxeViolations(page, where) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  assert.deepEqual(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], where);
}

test('a Dutch page: the button reads title and text in Dutch, by keyboard; pause, resume and stop', async () => {
  const { context, page, problems } = await openPage('/home-start/', { voices: [VOICES.en, VOICES.nl] });
  const nl = strings.nl;
  const read = page.getByRole('button', { name: nl.get('read_aloud'), exact: true });
  await read.waitFor();
  assert.equal(await page.getByRole('group', { name: nl.get('read_aloud_label') }).count(), 1, 'the controls are named');
  assert.equal(await page.getByRole('button', { name: nl.get('read_aloud_stop') }).count(), 0, 'no stop button before reading');

  await read.focus();
  await page.keyboard.press('Enter');
  const h1 = (await page.locator('h1').textContent()).trim();
  let spoken = await said(page);
  assert.deepEqual(spoken[0], { text: h1, lang: 'nl', voice: VOICES.nl.name, rate: 0.9 }, 'starts with the title, in Dutch, with the Dutch voice');
  assert.equal(spoken.length, 1, 'one block at a time');
  assert.deepEqual(await current(page), [h1], 'the block being read is marked');

  await finish(page);
  const easyTitle = nl.get('easy_read_title');
  assert.equal((await said(page)).at(-1).text, easyTitle);

  // The same button pauses at once, by keyboard, and says so; the block stays marked.
  const pause = page.getByRole('button', { name: nl.get('read_aloud_pause'), exact: true });
  assert.ok(await pause.evaluate((el) => el === document.activeElement), 'focus stays on the button');
  await page.keyboard.press('Enter');
  assert.equal((await log(page)).at(-1), 'cancel', 'the voice is silenced');
  const resume = page.getByRole('button', { name: nl.get('read_aloud_resume'), exact: true });
  await resume.waitFor();
  assert.ok(await resume.evaluate((el) => el === document.activeElement), 'focus stays on the button');
  assert.equal(await finish(page), false, 'nothing is being said while paused');
  assert.deepEqual(await current(page), [easyTitle]);
  const whilePaused = (await said(page)).length;
  await page.waitForTimeout(200);
  assert.equal((await said(page)).length, whilePaused, 'and nothing new starts');
  // Resume says the paused block again, from its start.
  await page.keyboard.press('Enter');
  assert.equal((await said(page)).length, whilePaused + 1);
  assert.equal((await said(page)).at(-1).text, easyTitle);
  await pause.waitFor();

  await finishAll(page);
  spoken = await said(page);
  const texts = spoken.map((s) => s.text);
  const easy = await page.locator('.easy-read li').allTextContents();
  assert.deepEqual(texts.slice(0, 3), [h1, easyTitle, easyTitle], 'the title, then "In het kort" (twice: paused and resumed)');
  assert.deepEqual(texts.slice(3, 3 + easy.length), easy.map((t) => t.trim()), 'then each short sentence, without the pictograms\' names');
  // Everything the page says, in order, one utterance per sentence.
  const all = texts.join(' ');
  const clean = (s) => s.trim().replace(/\s+/g, ' ');
  const paragraphs = (await page.locator('main > p, main > ul > li, main > h2').allTextContents()).map(clean);
  let from = 0;
  for (const p of paragraphs) {
    const at = all.indexOf(p, from);
    assert.ok(at >= from, `reads "${p.slice(0, 60)}" in its place`);
    from = at + p.length;
  }
  assert.ok(all.endsWith(paragraphs.at(-1)), 'up to the end of the page text');
  const steps = (await page.locator('main > ol > li').allTextContents()).map(clean);
  assert.ok(steps.length >= 3);
  steps.forEach((step, i) => assert.ok(all.includes(`${i + 1}, ${step}`), `reads step ${i + 1} with its number`));
  const sentences = paragraphs.flatMap((p) => p.split(/(?<=[.?!])\s+/));
  for (const s of sentences) assert.ok(texts.includes(s), `"${s.slice(0, 40)}" is an utterance of its own`);
  for (const outside of [nl.get('nav_label'), nl.get('skip_link'), nl.get('accessibility'), nl.get('read_aloud'), strings.tr.get('lang_name'), strings.uk.get('lang_name')]) {
    assert.ok(!texts.some((t) => t.includes(outside)), `does not read "${outside}"`);
  }
  assert.ok(spoken.every((s) => s.lang === 'nl' && s.voice === VOICES.nl.name), 'every block in Dutch');
  // At the end: back to the start, the stop button gone.
  await read.waitFor();
  assert.equal(await page.getByRole('button', { name: nl.get('read_aloud_stop') }).count(), 0);
  assert.deepEqual(await current(page), []);

  // Stop, half-way: the voice is silenced, the button offers to read again and keeps the focus.
  await read.click();
  await finish(page);
  await page.getByRole('button', { name: nl.get('read_aloud_stop') }).click();
  assert.equal((await log(page)).at(-1), 'cancel');
  await read.waitFor();
  assert.ok(await read.evaluate((el) => el === document.activeElement), 'focus moves to the read button');
  assert.deepEqual(await current(page), []);
  const before = (await said(page)).length;
  assert.equal(await finish(page), false, 'nothing is spoken after stop');
  assert.equal((await said(page)).length, before);
  assert.deepEqual(problems, []);
  await context.close();
});

test('in every language: the button in that language, the page read with its voice', async () => {
  for (const lang of LANGS) {
    const { context, page, problems } = await openPage(`${prefix(lang)}/`, { voices: Object.values(VOICES) });
    const button = page.getByRole('button', { name: strings[lang].get('read_aloud'), exact: true });
    await button.click();
    await finishAll(page);
    const spoken = await said(page);
    const h1 = (await page.locator('h1').textContent()).trim();
    assert.equal(spoken[0].text, h1, `${lang}: starts with the title`);
    assert.equal(spoken[1].text, strings[lang].get('easy_read_title'), `${lang}: then the short version`);
    assert.ok(spoken.length > 10, `${lang}: reads the page (${spoken.length} sentences)`);
    assert.ok(spoken.every((s) => s.lang === lang && s.voice === VOICES[lang].name), `${lang}: in ${lang} with its voice`);
    if (lang !== 'nl') {
      const notice = strings[lang].get('translation_notice');
      assert.ok(!spoken.some((s) => s.text.includes(notice)), `${lang}: the translation notice is not read`);
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('a form page reads what happens next, not the form\'s fields', async () => {
  const { context, page, problems } = await openPage('/contact/', { voices: [VOICES.nl] });
  await page.getByRole('button', { name: strings.nl.get('read_aloud'), exact: true }).click();
  await finishAll(page);
  const texts = (await said(page)).map((s) => s.text);
  assert.ok(texts.includes(strings.nl.get('what_next_title')), 'reads "what happens with your data"');
  for (const label of ['field_name', 'field_email', 'field_phone', 'send']) {
    assert.ok(!texts.includes(strings.nl.get(label)), `does not read the field "${strings.nl.get(label)}"`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('the 404 page reads each language it holds with that language\'s voice, and skips those without one', async () => {
  const { context, page, problems } = await openPage('/404.html', { voices: [VOICES.nl, VOICES.en] });
  await page.getByRole('button', { name: strings.nl.get('read_aloud'), exact: true }).click();
  await finishAll(page);
  const spoken = await said(page);
  assert.deepEqual([...new Set(spoken.map((s) => s.lang))], ['nl', 'en']);
  assert.ok(spoken.some((s) => s.lang === 'en' && s.voice === VOICES.en.name && s.text === strings.en.get('not_found_title')));
  assert.deepEqual(problems, []);
  await context.close();
});

test('no button without a voice for the page\'s language, without the speech API, or without JavaScript', async () => {
  for (const [what, options] of [
    ['only an English voice, on a Dutch page', { voices: [VOICES.en] }],
    ['no voices at all', { voices: [] }],
    ['no speech API', { withApi: false }],
    ['JavaScript off', { javaScriptEnabled: false }],
  ]) {
    const { context, page, problems } = await openPage('/spreekuur/', options);
    await page.waitForTimeout(150); // past the moment the stand-in's voices arrive
    assert.equal(await page.getByRole('button', { name: strings.nl.get('read_aloud') }).count(), 0, `${what}: no button`);
    assert.equal(await page.locator('[data-read-aloud]').isVisible(), false, `${what}: controls not shown`);
    assert.deepEqual(problems, [], what);
    await context.close();
  }
});

test('axe finds nothing with the controls shown and a block marked, light and dark; README screenshots at 360 px', async () => {
  mkdirSync(README_SHOTS, { recursive: true });
  for (const colorScheme of ['light', 'dark']) {
    const { context, page } = await openPage('/buurtgezinnen/', { voices: [VOICES.nl], colorScheme });
    await page.getByRole('button', { name: strings.nl.get('read_aloud'), exact: true }).click();
    for (let i = 0; i < 4; i += 1) await finish(page); // on to a list item of "In het kort"
    await expectNoAxeViolations(page, `reading, ${colorScheme}`);
    await page.getByRole('button', { name: strings.nl.get('read_aloud_pause'), exact: true }).click();
    await expectNoAxeViolations(page, `paused, ${colorScheme}`);
    await context.close();
  }
  for (const lang of LANGS) {
    const { context, page } = await openPage(`${prefix(lang)}/`, { voices: [VOICES[lang]], viewport: { width: 360, height: 740 } });
    await page.getByRole('button', { name: strings[lang].get('read_aloud'), exact: true }).waitFor();
    await page.screenshot({ path: join(README_SHOTS, `home-${lang}-360.png`) });
    await context.close();
  }
});
