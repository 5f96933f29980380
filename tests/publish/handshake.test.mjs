// The editor's sign-in in real Chromium, offline: an editor page opens the
// sign-in popup the way Decap CMS does, the popup goes through the real
// cms-auth process and a local stand-in for GitHub, and the token comes
// back by window message. A page on another origin gets nothing.
//
// The "edge" below plays CloudFront: one origin for the site and /api/cms/*,
// with the site's Content-Security-Policy (read from infra/template.yaml,
// Override on every answer) so the handshake is proved under it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePort, requiredEnv, launchChromium, waitFor } from '../browser/support.mjs';

const CLIENT_ID = 'Iv1.browser-test';
const CLIENT_SECRET = 'browser-test-secret';
const TOKEN = 'gho_browser_test_token';
const CSP = readFileSync(join(ROOT, 'infra', 'template.yaml'), 'utf8').match(/ContentSecurityPolicy: "([^"]+)"/)[1];

// Decap CMS's side of the protocol (decap-cms-lib-auth, NetlifyAuthenticator):
// open `${base_url}/${auth_endpoint}?provider=github&site_id=…&scope=repo`,
// answer "authorizing:github" from base_url by echoing it to the popup,
// then take "authorization:github:success:{json}" from base_url only.
const EDITOR_JS = `
const base = location.origin;
const out = document.getElementById('result');
document.getElementById('login').addEventListener('click', () => {
  const popup = window.open(base + '/api/cms/auth?provider=github&site_id=' + location.host + '&scope=repo', 'Netlify Authorization', 'width=960,height=600');
  const handshake = (e) => {
    if (e.data === 'authorizing:github' && e.origin === base) {
      window.removeEventListener('message', handshake);
      window.addEventListener('message', (e2) => {
        if (e2.origin !== base) return;
        const m = String(e2.data).match(/^authorization:github:(success|error):(.+)$/);
        if (!m) return;
        out.textContent = m[1] + ' ' + m[2];
        popup.close();
      });
      popup.postMessage(e.data, e.origin);
    }
  };
  window.addEventListener('message', handshake);
});`;

// A page elsewhere that opens the same popup and listens to everything.
const FOREIGN_JS = `
window.received = [];
window.addEventListener('message', (e) => window.received.push(String(e.data)));
document.getElementById('login').addEventListener('click', () => {
  window.popup = window.open(document.body.dataset.site + '/api/cms/auth?provider=github&scope=repo', 'x', 'width=600,height=400');
});
setInterval(() => { try { window.popup && window.popup.postMessage('authorizing:github', '*'); } catch (e) {} }, 100);`;

const page = (script, site = '') => `<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>editor</title></head>
<body data-site="${site}"><button id="login">Inloggen met GitHub</button><p id="result"></p><script src="/${script}"></script></body></html>`;

let edge, foreign, github, cmsAuth, browser, site, foreignOrigin;
const tokenRequests = [];

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

async function createSecret(moto, name, value) {
  const answer = await fetch(moto, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.CreateSecret',
      // moto reads the region from the credential scope and checks no signature.
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20240101/eu-west-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify({ Name: name, SecretString: value }),
  });
  assert.equal(answer.status, 200, await answer.text());
}

before(async () => {
  const moto = requiredEnv('FORMS_TEST_MOTO_URL');
  const cmsPort = await freePort();

  github = createServer((req, res) => {
    const url = new URL(req.url, 'http://github');
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      // The editor agrees at once; GitHub sends the browser back with a code.
      assert.equal(url.searchParams.get('client_id'), CLIENT_ID);
      const back = new URL(url.searchParams.get('redirect_uri'));
      back.searchParams.set('code', 'browser-code');
      back.searchParams.set('state', url.searchParams.get('state'));
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        tokenRequests.push(Object.fromEntries(form));
        const ok = form.get('client_secret') === CLIENT_SECRET && form.get('code') === 'browser-code';
        res.writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(ok ? { access_token: TOKEN, token_type: 'bearer', scope: 'repo' } : { error: 'bad_verification_code' }));
      });
      return;
    }
    res.writeHead(404).end();
  });
  const githubUrl = await listen(github);

  // The site's origin: static editor page, /api/cms/* passed to cms-auth
  // with its query and cookie, the CSP added to every answer.
  edge = createServer((req, res) => {
    if (req.url.startsWith('/api/cms/')) {
      const upstream = httpRequest({ host: '127.0.0.1', port: cmsPort, path: req.url, method: req.method,
        headers: { cookie: req.headers.cookie ?? '' } }, (answer) => {
        res.writeHead(answer.statusCode, { ...answer.headers, 'content-security-policy': CSP });
        answer.pipe(res);
      });
      upstream.on('error', (e) => res.writeHead(502).end(String(e)));
      upstream.end();
      return;
    }
    const files = { '/admin/': [page('admin/editor.js'), 'text/html'], '/admin/editor.js': [EDITOR_JS, 'text/javascript'] };
    const file = files[req.url];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[1], 'content-security-policy': CSP }).end(file[0]);
  });
  site = await listen(edge);

  foreign = createServer((req, res) => {
    const files = { '/': [page('foreign.js', site), 'text/html'], '/foreign.js': [FOREIGN_JS, 'text/javascript'] };
    const file = files[req.url];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[1] }).end(file[0]);
  });
  // Another port is another origin.
  foreignOrigin = await listen(foreign);

  const secretId = `cms-oauth-browser-${cmsPort}`;
  await createSecret(moto, secretId, JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }));
  cmsAuth = spawn(requiredEnv('CMS_AUTH_BIN'), [], {
    env: {
      ...process.env, PORT: String(cmsPort), SITE_URL: site, GITHUB_URL: githubUrl, CMS_OAUTH_SECRET_ID: secretId,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: moto, RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitFor(async () => {
    try { return (await fetch(`http://127.0.0.1:${cmsPort}/api/cms/handshake.js`)).ok; } catch { return false; }
  }, 'cms-auth to start');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  cmsAuth?.kill();
  for (const s of [edge, foreign, github]) s?.close();
});

test('the editor page receives the token through the popup, under the site CSP', async () => {
  const context = await browser.newContext();
  const editor = await context.newPage();
  const errors = [];
  context.on('page', (p) => p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); }));
  await editor.goto(`${site}/admin/`);
  const [popup] = await Promise.all([context.waitForEvent('page'), editor.click('#login')]);
  await waitFor(async () => (await editor.textContent('#result')) !== '', 'the token message');
  const [status, json] = (await editor.textContent('#result')).split(' ');
  assert.equal(status, 'success', json);
  assert.deepEqual(JSON.parse(json), { token: TOKEN, provider: 'github' });
  await waitFor(() => popup.isClosed(), 'the editor closes the popup');
  assert.deepEqual(errors, [], 'no CSP or script error in the popup');
  assert.equal(tokenRequests.at(-1).redirect_uri, `${site}/api/cms/callback`);
  await context.close();
});

test('a page on another origin that opens the sign-in gets no message at all', async () => {
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(`${foreignOrigin}/`);
  const [popup] = await Promise.all([context.waitForEvent('page'), other.click('#login')]);
  // The popup finishes: GitHub's stand-in answers, the callback page loads.
  await popup.waitForURL(/\/api\/cms\/callback/);
  await popup.waitForLoadState('load');
  assert.match(await popup.textContent('#cms-auth-status'), /ingelogd/);
  // Give the handshake time it would need, then look at what arrived.
  await new Promise((r) => setTimeout(r, 1500));
  const received = await other.evaluate(() => window.received);
  assert.deepEqual(received, [], 'neither the handshake nor the token reaches another origin');
  await context.close();
});
