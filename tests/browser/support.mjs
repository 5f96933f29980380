// Shared pieces for browser tests: the real `forms` server, Debian's
// Chromium through playwright-core, and read-back of mail and records.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run browser tests through \`make test-browser\``);
  return value;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts the real forms binary; resolves once /api/health answers. */
export async function startServer(extraEnv = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'forms-browser-'));
  const env = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    SITE_DIR: join(ROOT, 'site', 'public'),
    RATE_LIMIT_PER_MINUTE: '0',
    RUST_LOG: 'warn',
    ...extraEnv,
  };
  const bin = requiredEnv('FORMS_BIN');
  if (env.FORMS_STORE === 'dynamodb') execFileSync(bin, ['create-table'], { env, stdio: 'inherit' });
  const child = spawn(bin, [], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`forms exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error('forms did not start within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    dataDir,
    env,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The real server and Chromium for the tests of one file: started before
 * them, stopped after, also when a test fails. Read `.server` and
 * `.browser` inside the tests.
 */
export function serverAndBrowser(extraEnv = {}) {
  const running = {};
  before(async () => {
    running.server = await startServer(extraEnv);
    running.browser = await launchChromium();
  });
  after(async () => {
    await running.browser?.close();
    await running.server?.stop();
  });
  return running;
}

/** Settings that send the server's mail to the test SMTP server. */
export function smtpMailer() {
  return { FORMS_MAILER: 'smtp', SMTP_URL: `smtp://127.0.0.1:${requiredEnv('FORMS_TEST_SMTP_PORT')}` };
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launchChromium() {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Mails the SMTP sink received, with envelope and raw text. */
export function receivedMails() {
  const dir = requiredEnv('FORMS_TEST_SMTP_DIR');
  let files = [];
  try { files = readdirSync(dir).filter((f) => f.endsWith('.eml')).sort(); } catch { /* none yet */ }
  return files.map((f) => {
    const raw = readFileSync(join(dir, f), 'utf8');
    const envelope = JSON.parse(readFileSync(join(dir, f.replace(/\.eml$/, '.json')), 'utf8'));
    const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
    const header = (name) => {
      const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
      return line ? line.slice(name.length + 1).trim() : undefined;
    };
    return { raw, rcptTos: envelope.rcpt_tos, header, subject: decodeWords(header('Subject') ?? ''), text: () => textPart(raw) };
  });
}

/** RFC 2047 encoded words (=?utf-8?b?...?= / ?q?), as in a non-ASCII Subject. */
export function decodeWords(value) {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, charset, enc, data) => {
      const bytes = enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return bytes.toString('utf8');
    });
}

/** The decoded text/plain part of a raw mail, with \n line ends. */
export function textPart(raw) {
  return decodedPart(raw).replace(/\r\n/g, '\n');
}

function decodedPart(raw) {
  // A single-part mail may name its type in its first header line.
  const mail = `\r\n${raw}`;
  const at = mail.search(/\r\nContent-Type: text\/plain/i);
  if (at < 0) throw new Error('no text/plain part');
  const part = mail.slice(at + 2);
  const headEnd = part.indexOf('\r\n\r\n');
  const head = part.slice(0, headEnd);
  const body = part.slice(headEnd + 4).split(/\r\n--/)[0];
  const encoding = head.match(/Content-Transfer-Encoding:\s*(\S+)/i)?.[1]?.toLowerCase() ?? '7bit';
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

export async function waitFor(check, what, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Items of a DynamoDB table, read with boto3 (not our code). */
export function dynamoItems(table) {
  const out = execFileSync(requiredEnv('FORMS_TEST_PYTHON'), [join(ROOT, 'tests', 'support', 'dynamo_items.py'), table], {
    encoding: 'utf8',
  });
  return JSON.parse(out);
}
