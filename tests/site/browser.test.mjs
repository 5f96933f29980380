// Every built page in real Chromium, served by the real forms binary with
// its real security headers: axe (WCAG 2.2 A/AA, light and dark), structure, no requests
// to other hosts, no CSP violations, screenshots at phone and desktop
// width. Then each form in its error state, with JavaScript on and off.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { serverAndBrowser, ROOT } from '../browser/support.mjs';
import { builtPages, FORM_PAGES, langOfPath } from './pages.mjs';
import { readStrings, I18N } from '../../tools/translations.mjs';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SHOTS = join(ROOT, 'target', 'screenshots');
const pages = builtPages();
const running = serverAndBrowser({ FORMS_STORE: 'sqlite', FORMS_MAILER: 'file' });
before(() => mkdirSync(SHOTS, { recursive: true }));

/** A page that records requests to other hosts and CSP complaints. */
async function watchedPage(options = {}) {
  const context = await running.browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(running.server.base) && !url.startsWith('data:')) problems.push(`request to another host: ${url}`);
  });
  page.on('response', (response) => {
    // 422 is the form API's answer to invalid input, which these tests send.
    const expected = response.status() === 422 && response.url().includes('/api/forms/');
    if (response.status() >= 400 && !expected) problems.push(`${response.status()} for ${response.url()}`);
  });
  page.on('console', (message) => {
    // Failed loads are reported above, with their address.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  return { context, page, problems };
}

function formatViolations(violations) {
  return violations.map((v) => `${v.id}: ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`).join('\n');
}

async function expectNoAxeViolations(page, where) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  assert.equal(violations.length, 0, `${where}:\n${formatViolations(violations)}`);
}

function shotName(path, suffix) {
  const base = path === '/' ? 'home' : path.replace(/^\/|\/$/g, '').replace(/[/.]/g, '_');
  return join(SHOTS, `${base}-${suffix}.png`);
}

test('every page: axe clean in light and dark mode, one h1, skip link, landmarks, lang, local requests only', async () => {
  const { context, page, problems } = await watchedPage();
  for (const { path } of pages) {
    await page.emulateMedia({ colorScheme: 'light' });
    const response = await page.goto(running.server.base + path);
    assert.equal(response.status(), 200, `${path} is served`);
    const facts = await page.evaluate(() => {
      const skip = document.querySelector('body > a.skip-link:first-child');
      const target = skip && document.querySelector(skip.getAttribute('href'));
      return {
        lang: document.documentElement.lang,
        h1: document.querySelectorAll('h1').length,
        skipToMain: !!target && target.tagName === 'MAIN',
        header: document.querySelectorAll('body > header').length,
        nav: document.querySelectorAll('header nav').length,
        main: document.querySelectorAll('main').length,
        footer: document.querySelectorAll('body > footer').length,
        title: document.title,
      };
    });
    assert.equal(facts.lang, path === '/404.html' ? 'nl' : langOfPath(path), `${path}: lang`);
    assert.equal(facts.h1, 1, `${path}: exactly one h1`);
    assert.ok(facts.skipToMain, `${path}: first element is a skip link to <main>`);
    assert.deepEqual([facts.header, facts.main, facts.footer], [1, 1, 1], `${path}: header, main, footer`);
    assert.ok(facts.nav >= 1, `${path}: navigation`);
    await expectNoAxeViolations(page, path);
    // The same page in dark mode (prefers-color-scheme), without reloading it.
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectNoAxeViolations(page, `${path} (dark)`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('screenshots of every page at 360 px and 1280 px, without sideways scrolling', async () => {
  for (const [width, height] of [[360, 740], [1280, 900]]) {
    const { context, page, problems } = await watchedPage({ viewport: { width, height } });
    for (const { path } of pages) {
      await page.goto(running.server.base + path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${path} at ${width}px scrolls sideways by ${overflow}px`);
      await page.screenshot({ path: shotName(path, String(width)), fullPage: true });
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('the "which help fits me?" guide leads to a form without JavaScript', async () => {
  const { context, page, problems } = await watchedPage({ javaScriptEnabled: false });
  for (const [start, steps, end] of [
    ['/welke-hulp/', ['In Heemskerk, Beverwijk of Wijk aan Zee', 'Ik weet het niet zo goed', 'Meld je aan'], '/aanmelden/'],
    ['/en/which-help/', ['In Opsterland', 'Yes, I have a child aged 7 to 14', 'Sign up'], '/en/sign-up/'],
    ['/welke-hulp/', ['Ergens anders', 'Stuur een bericht'], '/contact/'],
  ]) {
    await page.goto(running.server.base + start);
    for (const step of steps) {
      await Promise.all([page.waitForNavigation(), page.locator('main a', { hasText: step }).first().click()]);
    }
    assert.equal(new URL(page.url()).pathname, end, `${start} via ${steps.join(' > ')}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

for (const javaScriptEnabled of [true, false]) {
  for (const form of FORM_PAGES) {
    for (const lang of form.langs) {
      const path = form.path(lang);
      test(`${path} sent empty, JavaScript ${javaScriptEnabled ? 'on' : 'off'}: errors shown, axe clean`, async () => {
        const { context, page, problems } = await watchedPage({ javaScriptEnabled, viewport: { width: 360, height: 740 } });
        await page.goto(running.server.base + path);
        const answer = javaScriptEnabled
          ? page.waitForResponse((r) => r.url().endsWith(`/api/forms/${form.kind}`))
          : page.waitForNavigation();
        await page.click('form [type=submit]');
        const response = await answer;
        assert.equal(response.status(), 422);
        await page.locator('#error-summary:not([hidden])').waitFor();
        const state = await page.evaluate(() => ({
          title: document.title,
          links: [...document.querySelectorAll('#error-summary a')].map((a) => a.getAttribute('href')),
          shown: [...document.querySelectorAll('.field-error:not([hidden])')].map((p) => p.id),
          invalid: [...document.querySelectorAll('[aria-invalid="true"]')].map((el) => el.id),
          focused: document.activeElement?.id,
          path: location.pathname,
        }));
        const strings = readStrings(join(I18N, `${lang}.toml`));
        const prefix = strings.get('error_prefix');
        const summaryTitle = await page.locator('#error-summary h2').textContent();
        assert.equal(summaryTitle, strings.get('error_summary_title'), 'summary title in the page language');
        const nameError = await page.locator('#name-error').textContent();
        assert.ok(nameError.endsWith(strings.get('error_missing_name')) || nameError.endsWith(strings.get('error_missing_parent_name')),
          `the message under the name field is in ${lang}: ${nameError}`);
        if (lang === 'ar') {
          assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl', 'the error page reads right to left');
        }
        assert.ok(state.title.startsWith(prefix), `title starts with ${prefix}: ${state.title}`);
        assert.ok(state.links.includes('#name') && state.links.includes('#privacy_consent'), `summary links: ${state.links}`);
        // Same set; the order may differ (the server lists fields in its own order).
        assert.deepEqual(state.links.map((l) => `${l.slice(1)}-error`).sort(), [...state.shown].sort(), 'one error at each field in the summary');
        for (const link of state.links) assert.ok(state.invalid.includes(link.slice(1)), `${link} marked invalid`);
        if (javaScriptEnabled) {
          assert.equal(state.path, path, 'stays on the page');
          assert.equal(state.focused, 'error-summary', 'focus moves to the summary');
        } else {
          assert.equal(state.path, `/api/forms/${form.kind}`, 'the server answered with the page');
        }
        await page.screenshot({ path: shotName(path, `error-js-${javaScriptEnabled ? 'on' : 'off'}`), fullPage: true });
        // A summary link brings the reader to the field.
        await page.click('#error-summary a[href="#name"]');
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'name');
        if (javaScriptEnabled) {
          await expectNoAxeViolations(page, `${path} with errors`);
        } else {
          // axe needs script to run; check the very page the server sent
          // in a second tab that may run script (the page's own script
          // is blocked, so what axe sees is what the server rendered).
          const html = await page.content();
          const checker = await watchedPage();
          await checker.page.route('**/forms.js', (route) => route.fulfill({ body: '', contentType: 'text/javascript' }));
          await checker.page.route(`${running.server.base}/__error-state`, (route) => route.fulfill({ body: html, contentType: 'text/html' }));
          await checker.page.goto(`${running.server.base}/__error-state`);
          await expectNoAxeViolations(checker.page, `${path} with errors (server-rendered)`);
          assert.deepEqual(checker.problems, []);
          await checker.context.close();
        }
        assert.deepEqual(problems, []);
        await context.close();
      });
    }
  }
}
