// The error page for browsers without JavaScript, as a person sees it:
// whatever they typed, markup and entities included, is back in the
// fields exactly as typed, and none of it becomes part of the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser } from './support.mjs';

const running = serverAndBrowser();

test('without JavaScript, what was typed comes back exactly as typed', async () => {
  const context = await running.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(running.server.base + '/contact/');
  const name = 'Tom &amp; Jerry <b>"de" Boer</b> \'s';
  const message = 'a &lt; b & c\n</textarea><img src=x onerror=alert(1)>';
  await page.fill('#name', name);
  await page.fill('#email', 'niet-goed');
  await page.fill('#message', message);
  const [response] = await Promise.all([page.waitForNavigation(), page.click('form [type=submit]')]);
  assert.equal(response.status(), 422);
  assert.equal(await page.inputValue('#name'), name);
  assert.equal(await page.inputValue('#email'), 'niet-goed');
  assert.equal(await page.inputValue('#message'), message);
  // The page's own pictograms ("In het kort") are images too: count only
  // what the typed text would have made.
  assert.equal(await page.locator('main img:not([src^="/pictos/"]), main b').count(), 0, 'typed markup stays text');
  assert.equal(await page.locator('#email-error .visually-hidden').textContent(), 'Fout: ');
  await context.close();
});
