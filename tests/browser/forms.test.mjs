// Every form on the site, filled in and sent the way a person does it in
// real Chromium (with and without JavaScript): the mail reaches the
// coordinator that directory.toml names for that programme and
// municipality, replies go to the right person, and the sender gets a
// confirmation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { serverAndBrowser, smtpMailer, receivedMails, waitFor } from './support.mjs';

const running = serverAndBrowser(smtpMailer());

const cases = [
  {
    form: 'registration', path: '/aanmelden/', thanks: '/bedankt/', js: true,
    fill: { '#name': 'Ouder Aanmelding', '#email': 'EMAIL', '#children_ages': '2 en 4' },
    choose: { municipality: 'beverwijk', programme: 'home-start' },
    coordinator: 'homestart.ijmond@example.org', replyTo: 'EMAIL',
  },
  {
    form: 'registration', path: '/en/sign-up/', thanks: '/en/thank-you/', js: false,
    fill: { '#name': 'Parent Friesland', '#email': 'EMAIL' },
    choose: { municipality: 'opsterland', programme: 'home-start' },
    coordinator: 'homestart.friesland@example.org', replyTo: 'EMAIL',
  },
  {
    form: 'referral', path: '/en/refer/', thanks: '/en/thank-you/', js: false,
    fill: {
      '#referrer_name': 'Teacher Referrer', '#referrer_organisation': 'Primary school', '#referrer_email': 'EMAIL',
      '#name': 'Parent Referred', '#phone': '0612345678', '#message': 'The family would like help with Dutch.',
    },
    choose: { municipality: 'heemskerk', programme: 'taalhuis' },
    check: ['#parent_consent'],
    coordinator: 'taalhuis.ijmond@example.org', replyTo: 'EMAIL',
  },
  {
    form: 'volunteer', path: '/vrijwilliger-worden/', thanks: '/bedankt/', js: true,
    fill: { '#name': 'Steun Gezin', '#email': 'EMAIL' },
    choose: { municipality: 'wijk-aan-zee', programme: 'buurtgezinnen' },
    coordinator: 'buurtgezinnen.ijmond@example.org', replyTo: 'EMAIL',
  },
];

for (const c of cases) {
  test(`${c.form} at ${c.path} (JavaScript ${c.js ? 'on' : 'off'}) reaches ${c.coordinator}`, async () => {
    const email = `afzender-${randomUUID().slice(0, 8)}@example.org`;
    const context = await running.browser.newContext({ javaScriptEnabled: c.js });
    const page = await context.newPage();
    await page.goto(running.server.base + c.path);
    for (const [selector, value] of Object.entries(c.fill)) await page.fill(selector, value === 'EMAIL' ? email : value);
    for (const [name, value] of Object.entries(c.choose)) await page.check(`input[name="${name}"][value="${value}"]`);
    for (const selector of [...(c.check || []), '#privacy_consent']) await page.check(selector);
    await Promise.all([page.waitForURL(running.server.base + c.thanks), page.click('form [type=submit]')]);
    await context.close();

    const forCoordinator = await waitFor(
      () => receivedMails().find((m) => m.rcptTos.includes(c.coordinator) && (m.header('Reply-To') || '').includes(email)),
      `the mail to ${c.coordinator}`,
    );
    assert.deepEqual(forCoordinator.rcptTos, [c.coordinator]);
    const confirmation = await waitFor(
      () => receivedMails().find((m) => m.rcptTos.includes(email)),
      'the confirmation to the sender',
    );
    assert.deepEqual(confirmation.rcptTos, [email]);
  });
}
