// Every form on the site, filled in and sent the way a person does it in
// real Chromium (with and without JavaScript): the mail reaches the
// coordinator that directory.toml names for that programme and
// municipality, replies go to the right person, and the sender gets a
// confirmation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { serverAndBrowser, smtpMailer, receivedMails, waitFor } from './support.mjs';
import { readStrings, I18N, LANGUAGES } from '../../tools/translations.mjs';

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

// The contact form in every language, sent as a person does (JavaScript on
// and off by turns): the browser ends on the thank-you page of that
// language, the confirmation mail speaks it, and the coordinator's mail
// stays Dutch and says in which language the sender wrote.
const CONTACT = { nl: '/contact/', en: '/en/contact/', tr: '/tr/contact/', ar: '/ar/contact/', pl: '/pl/contact/', uk: '/uk/contact/' };
Object.entries(CONTACT).forEach(([lang, path], i) => {
  const js = i % 2 === 0;
  test(`contact form in ${lang} (JavaScript ${js ? 'on' : 'off'}): thank-you page and confirmation in ${lang}`, async () => {
    const strings = readStrings(join(I18N, `${lang}.toml`));
    const email = `afzender-${lang}-${randomUUID().slice(0, 8)}@example.org`;
    const thanks = lang === 'nl' ? '/bedankt/' : `/${lang}/thank-you/`;
    const context = await running.browser.newContext({ javaScriptEnabled: js });
    const page = await context.newPage();
    await page.goto(running.server.base + path);
    await page.fill('#name', 'Ayşe Şahin-Коваленко');
    await page.fill('#email', email);
    await page.check('input[name="municipality"][value="heemskerk"]');
    await page.fill('#message', 'Vraag / question / سؤال');
    await page.check('#privacy_consent');
    await Promise.all([page.waitForURL(running.server.base + thanks), page.click('form [type=submit]')]);
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang, 'the thank-you page is in the sender\'s language');
    await context.close();

    const confirmation = await waitFor(() => receivedMails().find((m) => m.rcptTos.includes(email)), 'the confirmation');
    assert.equal(confirmation.subject, strings.get('mail_subject'));
    const text = confirmation.text();
    for (const key of ['mail_thanks_contact', 'mail_next_heading', 'mail_step_read', 'mail_regards']) {
      assert.ok(text.includes(strings.get(key)), `confirmation says ${key} in ${lang}:\n${text}`);
    }
    assert.ok(text.includes(strings.get('mail_greeting').replace('{name}', 'Ayşe Şahin-Коваленко')), `greeting with the name:\n${text}`);

    const coordinator = await waitFor(
      () => receivedMails().find((m) => !m.rcptTos.includes(email) && (m.header('Reply-To') || '').includes(email)),
      'the coordinator mail',
    );
    const forCoordinator = coordinator.text();
    assert.ok(forCoordinator.includes(`Taal:\n${LANGUAGES[lang][0]}`), `the coordinator sees the language:\n${forCoordinator}`);
    if (lang === 'nl') assert.ok(!forCoordinator.includes('de afzender schreef in het'), forCoordinator);
    else assert.ok(forCoordinator.includes(`de afzender schreef in het ${LANGUAGES[lang][0]}`), forCoordinator);
  });
});
