// The walking skeleton end to end: a person fills the contact form in real
// Chromium, with and without JavaScript; the record lands in DynamoDB
// (moto) and the coordinator's mail at a real SMTP server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { serverAndBrowser, smtpMailer, receivedMails, waitFor, dynamoItems } from './support.mjs';

const table = `forms-browser-${randomUUID()}`;
const running = serverAndBrowser({ FORMS_STORE: 'dynamodb', FORMS_TABLE: table, ...smtpMailer() });

for (const javaScriptEnabled of [true, false]) {
  for (const [lang, path, thanks] of [['nl', '/contact/', '/bedankt/'], ['en', '/en/contact/', '/en/thank-you/']]) {
    test(`contact form (${lang}) with JavaScript ${javaScriptEnabled ? 'on' : 'off'} reaches the coordinator`, async () => {
      const context = await running.browser.newContext({ javaScriptEnabled });
      const page = await context.newPage();
      const email = `ouder-${randomUUID().slice(0, 8)}@example.org`;
      const name = `Test Ouder ${lang}`;
      await page.goto(running.server.base + path);
      await page.fill('#name', name);
      await page.fill('#email', email);
      await page.fill('#message', `Ik heb een vraag over opvoeden (${lang}).`);
      await page.check('#privacy_consent');
      await Promise.all([page.waitForURL(running.server.base + thanks), page.click('form [type=submit]')]);
      assert.equal(new URL(page.url()).pathname, thanks);
      await context.close();

      const items = await waitFor(() => {
        const found = dynamoItems(table).filter((item) => (item.emails || []).includes(email));
        return found.length ? found : null;
      }, 'the record in DynamoDB');
      assert.equal(items.length, 1, 'exactly one record');
      const record = items[0];
      assert.equal(record.kind, 'contact');
      assert.equal(record.routed_to, 'info@example.org', 'no municipality given: the general mailbox');

      const mail = await waitFor(
        () => receivedMails().find((m) => m.header('Message-ID') === `<${record.id}.coordinator@example.org>`),
        'the coordinator mail at the SMTP server',
      );
      assert.deepEqual(mail.rcptTos, ['info@example.org']);
      assert.match(mail.header('Reply-To'), new RegExp(`<${email}>`));
      assert.match(mail.header('Reply-To'), new RegExp(name));
    });
  }
}

test('a second form from the same tab after a success is never swallowed', async () => {
  const context = await running.browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  // Keep the page where it is after a success, with its script state, as
  // the back/forward cache restores it on Back (this headless Chromium
  // reloads instead, so the cache itself cannot be used here).
  // A 204 answer to a navigation leaves the page as it is.
  await page.route('**/bedankt/', (route) => route.fulfill({ status: 204 }));
  await page.goto(running.server.base + '/contact/');
  const emails = [1, 2].map((n) => `tab-${n}-${randomUUID().slice(0, 8)}@example.org`);
  const keys = [];
  for (const [n, email] of emails.entries()) {
    if (n > 0) {
      await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));
    }
    keys.push(await page.inputValue('input[name="submission_id"]'));
    await page.fill('#name', `Ouder ${n}`);
    await page.fill('#email', email);
    await page.fill('#message', `Vraag nummer ${n}.`);
    await page.check('#privacy_consent');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/forms/contact'), { timeout: 10000 }),
      page.click('form [type=submit]'),
    ]);
    assert.equal(response.status(), 201, `form ${n} is received`);
  }
  await context.close();
  assert.notEqual(keys[0], keys[1], 'each form has its own key');
  for (const email of emails) {
    const items = await waitFor(() => {
      const found = dynamoItems(table).filter((item) => (item.emails || []).includes(email));
      return found.length ? found : null;
    }, `the record of ${email}`);
    assert.equal(items.length, 1);
  }
});
