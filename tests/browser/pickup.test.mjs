// The "Ik pak dit op" link as a coordinator meets it: taken from the mail
// the real SMTP server received, opened in Chromium with and without
// JavaScript. Opening shows only the form's facts and changes nothing;
// the button picks it up; opening again says who did and when; a changed
// link is refused. Every page is checked with axe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { serverAndBrowser, smtpMailer, receivedMails, waitFor } from './support.mjs';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const running = serverAndBrowser(smtpMailer());

/** Quoted-printable text as the mail program shows it. */
function unQuote(text) {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

async function sendReferral() {
  const referrer = `leerkracht-${randomUUID().slice(0, 8)}@example.org`;
  const family = `Gezin ${randomUUID().slice(0, 6)}`;
  const response = await fetch(`${running.server.base}/api/forms/referral`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      name: family, phone: '0612345678', municipality: 'beverwijk', programme: 'buurtgezinnen',
      message: 'Geheime reden', referrer_name: 'Juf Verwijzer', referrer_organisation: 'Basisschool',
      referrer_email: referrer, parent_consent: 'yes', privacy_consent: 'yes',
    }),
  });
  assert.equal(response.status, 201);
  const { id } = await response.json();
  const mail = await waitFor(() => receivedMails().find((m) => (m.header('Message-ID') || '').includes(`${id}.coordinator@`)), 'the coordinator mail');
  const link = unQuote(mail.raw).match(/Ik pak dit op: (\S+)/)[1];
  return { id, link, referrer, family };
}

async function expectNoAxeViolations(page, where, javaScriptEnabled) {
  let target = page;
  let checker;
  if (!javaScriptEnabled) {
    // axe needs script; check the very HTML the server sent in a tab that may run it.
    const html = await page.content();
    checker = await running.browser.newContext();
    target = await checker.newPage();
    await target.route(`${running.server.base}/__pickup-state`, (route) => route.fulfill({ body: html, contentType: 'text/html' }));
    await target.goto(`${running.server.base}/__pickup-state`);
  }
  const { violations } = await new AxeBuilder({ page: target }).withTags(WCAG_TAGS).analyze();
  await checker?.close();
  assert.deepEqual(violations.map((v) => `${v.id}: ${v.help}`), [], where);
}

for (const javaScriptEnabled of [true, false]) {
  const js = `JavaScript ${javaScriptEnabled ? 'on' : 'off'}`;

  test(`pickup link (${js}): shows only facts, the button picks it up once, the referrer hears`, async () => {
    const { id, link, referrer, family } = await sendReferral();
    const url = new URL(link);
    assert.equal(url.pathname, `/api/pickup/${id}`);
    const local = `${running.server.base}${url.pathname}${url.search}`;
    const context = await running.browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();

    let response = await page.goto(local);
    assert.equal(response.status(), 200);
    const text = await page.locator('main').innerText();
    for (const fact of [id, 'Verwijzing', 'Buurtgezinnen', 'Beverwijk']) assert.ok(text.includes(fact), `${fact} shown`);
    for (const secret of [family, '0612345678', 'Geheime reden', 'Juf Verwijzer', referrer]) assert.ok(!text.includes(secret), `${secret} not shown`);
    await expectNoAxeViolations(page, `pickup page (${js})`, javaScriptEnabled);
    await page.reload();
    assert.ok(!receivedMails().some((m) => m.rcptTos.includes(referrer) && (m.header('Message-ID') || '').includes('.pickedup@')),
      'opening the page twice told nobody anything');

    await page.fill('#by', 'JV');
    [response] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('h1').innerText(), 'Je hebt dit formulier opgepakt');
    await expectNoAxeViolations(page, `picked-up page (${js})`, javaScriptEnabled);

    response = await page.goto(local);
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('h1').innerText(), 'Dit formulier is al opgepakt');
    assert.match(await page.locator('main').innerText(), /al opgepakt op \d{2}-\d{2}-\d{4} om \d{2}:\d{2} door JV\./);
    assert.equal(await page.locator('button').count(), 0, 'no button once it is picked up');
    await expectNoAxeViolations(page, `already picked up (${js})`, javaScriptEnabled);

    const notice = await waitFor(() => receivedMails().find((m) => m.rcptTos.includes(referrer) && (m.header('Message-ID') || '').includes('.pickedup@')), 'the referrer mail');
    const body = unQuote(notice.raw);
    assert.ok(body.includes(id) && body.includes('Buurtgezinnen'), 'reference and programme');
    for (const secret of [family, '0612345678', 'Geheime reden']) assert.ok(!body.includes(secret), `${secret} not in the referrer mail`);

    const tampered = local.replace(/s=([0-9a-f])/, (_, c) => `s=${c === '0' ? '1' : '0'}`);
    response = await page.goto(tampered);
    assert.equal(response.status(), 403);
    assert.equal(await page.locator('h1').innerText(), 'Deze link klopt niet');
    await expectNoAxeViolations(page, `tampered link (${js})`, javaScriptEnabled);
    await context.close();
  });
}
