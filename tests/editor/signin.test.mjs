// An editor with nothing but a mailbox, in Chromium, through
// `make edit CMS_AUTH=email` (tools/edit.mjs): the real sign-in (the link
// read from the outbox), the real editor's server with its GitHub adapter,
// and the GitHub stand-in with a real repository that plays the publish
// workflow. Adding a spreekuur date makes one commit, by the editor,
// touching only site/data/directory.toml, and /admin/ says when it is live;
// a failed publish is said in /admin/ too (nothing lost) and mails the
// operator. axe (WCAG 2.2 A/AA) checks each screen of the sign-in and
// /admin/ signed in. Screenshots go to target/editor-screenshots/ (the
// guide's pictures).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { ROOT, freePort, launchChromium, requiredEnv, textPart } from '../browser/support.mjs';

const SHOTS = join(ROOT, 'target', 'editor-screenshots');
const EDITOR = 'ans@example.org';
const SECOND_EDITOR = 'bram@example.org';
const OPERATOR = 'beheer@example.org';
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const work = mkdtempSync(join(tmpdir(), 'editor-signin-'));
const DATA = join(work, 'data');
const OUTBOX = join(DATA, 'outbox');
const REPOSITORY = join(DATA, 'cms-github', 'site.git');
let editor;
let browser;
let base;
let github;

before(async () => {
  cpSync(join(ROOT, 'site'), join(work, 'checkout', 'site'), { recursive: true, filter: (src) => !src.startsWith(join(ROOT, 'site', 'public')) });
  mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const githubPort = await freePort();
  github = `http://127.0.0.1:${githubPort}`;
  editor = spawn(process.execPath, [join(ROOT, 'tools', 'edit.mjs')], {
    env: {
      ...process.env,
      FORMS_BIN: requiredEnv('FORMS_BIN'),
      CMS_AUTH_BIN: requiredEnv('CMS_AUTH_BIN'),
      TEST_PY: requiredEnv('TEST_PY'),
      PORT: String(port),
      CMS_PORT: String(await freePort()),
      FORMS_PORT: String(await freePort()),
      GITHUB_PORT: String(githubPort),
      SITE_SRC: join(work, 'checkout', 'site'),
      DATA_DIR: DATA,
      CMS_AUTH: 'email',
      CMS_EDITORS: `Ans de Vries <${EDITOR}>, Renée Bakker <${SECOND_EDITOR}>`,
      OPERATOR_EMAIL: `Beheer <${OPERATOR}>`,
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Up, and the checkout published once (the site served is what is live).
  await waitFor(async () => {
    const runs = await (await fetch(`${github}/_standin/runs`)).json();
    return runs[0]?.conclusion === 'success' && (await fetch(`${base}/admin/`)).ok;
  }, 'the editor and its first publish', 240000);
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

async function waitFor(check, what, ms = 30000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try { if (await check()) return; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function shot(page, name) {
  await page.waitForTimeout(300); // let the page finish drawing
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function expectNoAxeViolations(page, where, only) {
  const axe = new AxeBuilder({ page }).withTags(WCAG_TAGS);
  if (only) axe.include(only);
  const { violations } = await axe.analyze();
  const found = violations.map((v) => `${v.id}: ${v.help}\n    ${v.nodes.map((n) => `${n.target.join(' ')}\n      ${n.html.slice(0, 200)}\n      ${n.failureSummary.replace(/\n/g, ' ')}`).join('\n    ')}`);
  assert.deepEqual(found, [], `axe on ${where}`);
}

const git = (...args) => execFileSync('git', ['--git-dir', REPOSITORY, ...args], { encoding: 'utf8' });

/** The link in the newest sign-in mail to `to`, from the outbox. */
function mailedLink(to) {
  const mails = readdirSync(OUTBOX).filter((f) => f.endsWith('.eml')).map((f) => readFileSync(join(OUTBOX, f), 'utf8'))
    .filter((raw) => raw.includes(`To: ${to}`));
  const text = textPart(mails.at(-1));
  return text.match(/http:\/\/127\.0\.0\.1:\d+\/api\/cms\/link\?t=\S+/)[0];
}

const mailsTo = (to) => {
  try { return readdirSync(OUTBOX).filter((f) => f.endsWith('.eml') && readFileSync(join(OUTBOX, f), 'utf8').includes(`To: ${to}`)).length; } catch { return 0; }
};

/** The mails to `address` (with or without a name before it), raw. */
const mailsFor = (address) => {
  try {
    return readdirSync(OUTBOX).filter((f) => f.endsWith('.eml')).map((f) => readFileSync(join(OUTBOX, f), 'utf8'))
      .filter((raw) => new RegExp(`^To: (.*<)?${address.replace(/[.]/g, '\\.')}>?\\r?$`, 'm').test(raw));
  } catch { return []; }
};

/** Signs `address` in as an editor does: the form, the mailed link, the button. */
async function signIn(page, address) {
  await page.goto(`${base}/admin/`);
  await page.getByLabel('Je mailadres').fill(address);
  await page.getByRole('button', { name: 'Stuur mij een inloglink' }).click();
  await page.getByRole('heading', { name: 'Kijk in je mail' }).waitFor();
  await page.goto(mailedLink(address));
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.waitForURL(`${base}/admin/#/**`);
  await page.getByRole('link', { name: "Pagina's" }).first().waitFor({ timeout: 60000 });
}

test('an editor signs in with the mailed link, adds a spreekuur date, and sees it go live as one commit of theirs', async (t) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => { if (e.message !== 'undefined') problems.push(e.message); });

  await page.goto(`${base}/admin/`);
  await page.getByRole('heading', { name: 'Inloggen op de editor' }).waitFor();
  assert.equal(await page.locator('script[src="decap-cms.js"]').count(), 0, 'the editor is not loaded without a session');
  await expectNoAxeViolations(page, 'the sign-in page');
  await shot(page, 'inloggen-1-mailadres');
  await page.getByLabel('Je mailadres').fill(EDITOR);
  await page.getByRole('button', { name: 'Stuur mij een inloglink' }).click();
  await page.getByRole('heading', { name: 'Kijk in je mail' }).waitFor();
  await expectNoAxeViolations(page, '"Kijk in je mail"');
  await shot(page, 'inloggen-2-kijk-in-je-mail');

  const link = mailedLink(EDITOR);
  await page.goto(link);
  await expectNoAxeViolations(page, 'the page the link opens');
  await shot(page, 'inloggen-3-link-uit-de-mail');
  await page.getByRole('button', { name: 'Inloggen' }).click();
  await page.waitForURL(`${base}/admin/#/**`);
  await page.getByRole('link', { name: "Pagina's" }).first().waitFor({ timeout: 60000 });
  await expectNoAxeViolations(page, '/admin/ signed in');
  await shot(page, 'inloggen-4-editor');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'cms_session');
  assert.ok(session && session.httpOnly && session.secure && session.sameSite === 'Strict' && session.path === '/api/cms/', JSON.stringify(cookies));

  const commitsBefore = Number(git('rev-list', '--count', 'main').trim());
  await page.getByRole('link', { name: 'Spreekuur, adressen en mailadressen' }).first().click();
  await page.locator('a[href$="/entries/directory"]').waitFor();
  await expectNoAxeViolations(page, 'a collection in /admin/');
  await page.locator('a[href$="/entries/directory"]').click();
  await page.getByRole('button', { name: /Voeg datum toe/ }).click();
  const date = page.getByLabel('Datum', { exact: true }).last();
  await date.click();
  await date.press('Control+A');
  await date.pressSequentially('2027-01-13');
  await page.getByRole('textbox', { name: /^Begintijd/ }).last().fill('14:00');
  await page.getByRole('textbox', { name: /^Eindtijd/ }).last().fill('15:30');
  await page.getByRole('button', { name: 'Publiceer', exact: true }).click();
  await page.getByRole('menuitem', { name: /nu/i }).click();
  const status = page.locator('#publish-status');
  await status.getByText(/wordt nu gepubliceerd|staat online/).waitFor();
  await shot(page, 'opslaan-1-wordt-gepubliceerd');
  await status.getByText('Je wijziging staat online.').waitFor({ timeout: 240000 });
  assert.equal(await status.getByRole('link', { name: 'Bekijk de pagina' }).getAttribute('href'), '/spreekuur/');
  // Decap's entry editor itself has unnamed icon buttons (a follow-up);
  // the status line is ours.
  await expectNoAxeViolations(page, 'the status line "staat online"', '#publish-status');
  await shot(page, 'opslaan-2-staat-online');

  // One commit, by the editor, touching only directory.toml, comments kept.
  assert.equal(Number(git('rev-list', '--count', 'main').trim()), commitsBefore + 1);
  assert.equal(git('log', '-1', '--format=%an <%ae>', 'main').trim(), `Ans de Vries <${EDITOR}>`);
  assert.equal(git('show', '--name-only', '--format=', 'main').trim(), 'site/data/directory.toml');
  const before = git('show', 'main~1:site/data/directory.toml');
  const after = git('show', 'main:site/data/directory.toml');
  const removed = git('diff', 'main~1', 'main', '--', 'site/data/directory.toml').split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
  assert.deepEqual(removed, [], 'nothing of the old file was rewritten or lost');
  assert.ok(after.length > before.length && after.includes('date = "2027-01-13"') && after.includes('start = "14:00"'), after);
  // Live: the site that is served was rebuilt from that commit.
  const home = await (await fetch(`${base}/spreekuur/`)).text();
  assert.match(home, /13 januari 2027/);

  // "Uitloggen" ends the session on the server.
  await page.goto(`${base}/admin/`);
  await page.getByRole('link', { name: "Pagina's" }).first().waitFor({ timeout: 60000 });
  await page.getByRole('button', { name: /account/i }).click();
  await page.getByRole('menuitem', { name: 'Uitloggen' }).click();
  await page.getByText('Je bent uitgelogd.').waitFor();
  const answer = await fetch(`${base}/api/cms/session`, { headers: { cookie: `cms_session=${session.value}` } });
  assert.equal(answer.status, 401, 'the old cookie no longer works');
  assert.deepEqual(problems, [], 'no script errors');
});

test('a used link says so and offers a new one; an address not on the list gets the same answer and no mail', async (t) => {
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(`${base}/admin/`);
  await page.getByLabel('Je mailadres').fill('nobody@example.org');
  await page.getByRole('button', { name: 'Stuur mij een inloglink' }).click();
  await page.getByRole('heading', { name: 'Kijk in je mail' }).waitFor();
  assert.equal(mailsTo('nobody@example.org'), 0);

  const link = mailedLink(EDITOR); // used in the test above
  await page.goto(link);
  await page.getByText('Deze link is al gebruikt.').waitFor();
  await expectNoAxeViolations(page, 'a used link');
  await shot(page, 'inloggen-5-link-al-gebruikt');
  await page.getByLabel('Je mailadres').fill(EDITOR);
  await page.getByRole('button', { name: 'Stuur mij een inloglink' }).click();
  await page.getByRole('heading', { name: 'Kijk in je mail' }).waitFor();
});

test('without JavaScript the sign-in form still sends the link', async (t) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  t.after(() => context.close());
  const page = await context.newPage();
  const before = mailsTo(EDITOR);
  await page.goto(`${base}/admin/`);
  await page.getByLabel('Je mailadres').fill(EDITOR);
  await page.getByRole('button', { name: 'Stuur mij een inloglink' }).click();
  await page.getByRole('heading', { name: 'Kijk in je mail' }).waitFor();
  await waitFor(() => mailsTo(EDITOR) === before + 1, 'the mail');
});

test('a failed publish: /admin/ says so and that nothing is lost, the operator gets a mail, the change is kept', async (t) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  t.after(() => context.close());
  const page = await context.newPage();
  await signIn(page, SECOND_EDITOR);
  const operatorMails = mailsFor(OPERATOR).length;
  const commitsBefore = Number(git('rev-list', '--count', 'main').trim());
  // The next run of the publish workflow fails, as when GitHub or AWS is down.
  assert.equal((await fetch(`${github}/_standin/fail-next-run`, { method: 'POST' })).status, 204);

  // A Dutch page: its short description.
  await page.getByRole('link', { name: "Pagina's" }).first().click();
  await page.getByText('Home-Start: een vrijwilliger bij je thuis', { exact: true }).click();
  const summary = page.getByLabel('Korte samenvatting', { exact: true }).first();
  const old = await summary.inputValue();
  await summary.click();
  await summary.press('End');
  await summary.pressSequentially(' Vraag het op het spreekuur.');
  await page.getByRole('button', { name: 'Publiceer', exact: true }).click();
  await page.getByRole('menuitem', { name: /nu/i }).click();
  const status = page.locator('#publish-status');
  await status.getByText(/Publiceren is mislukt/).waitFor({ timeout: 240000 });
  const said = await status.innerText();
  assert.match(said, /Er is niets verloren: je wijziging is bewaard/);
  assert.match(said, /De beheerder heeft een mail gekregen/);
  assert.equal(await status.getAttribute('data-state'), 'failed');
  await expectNoAxeViolations(page, 'the status line "mislukt"', '#publish-status');
  await shot(page, 'opslaan-3-mislukt');

  // Kept: one commit of this editor, only the Dutch page, in the repository.
  assert.equal(Number(git('rev-list', '--count', 'main').trim()), commitsBefore + 1);
  assert.equal(git('log', '-1', '--format=%an <%ae>', 'main').trim(), `Renée Bakker <${SECOND_EDITOR}>`);
  assert.equal(git('show', '--name-only', '--format=', 'main').trim(), 'site/content/home-start.md');
  assert.ok(git('show', 'main:site/content/home-start.md').includes(`${old} Vraag het op het spreekuur.`));
  // The operator is mailed once, with what to do.
  await waitFor(() => mailsFor(OPERATOR).length === operatorMails + 1, 'the operator\'s mail');
  const mail = textPart(mailsFor(OPERATOR).at(-1));
  assert.match(mail, /Publiceren is mislukt/);
  assert.match(mail, /Renée Bakker/);
  assert.match(mail, /Er is niets verloren/);
  // The site stays as it was until the next publish.
  assert.doesNotMatch(await (await fetch(`${base}/home-start/`)).text(), /Vraag het op het spreekuur/);
});
