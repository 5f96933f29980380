#!/usr/bin/env node
// "Lees voor" with a real voice, by hand (not part of `make test`): Debian's
// speech-dispatcher and espeak-ng behind real Chromium, on the built site
// served by the forms binary. Prints, per page, the voices Chromium offers,
// every block the button asked the voice to say (with language, voice and
// rate), what speech-dispatcher passed to espeak-ng, and the events.
//
//   make site build
//   FORMS_BIN=target/debug/forms node tests/site/real-voice.mjs /buurtgezinnen/ /ar/
//   ... --controls /home-start/   # read, pause, resume, stop, read again, stop
//
// There is no sound card here: espeak-ng writes each message to a WAV file
// and then waits as long as the audio lasts, so pause and stop meet a voice
// that is really speaking. speech-dispatcher runs with its own settings in
// a temporary folder (generic module around the espeak-ng command; the
// espeak-ng module package is not installed), and Chromium finds it through
// SPEECHD_ADDRESS with --enable-speech-dispatcher.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../browser/support.mjs';
import { readStrings, I18N } from '../../tools/translations.mjs';

const LANGUAGES = { nl: 'nl', en: 'en-gb', tr: 'tr', ar: 'ar', pl: 'pl', uk: 'uk' };

function speechDispatcher(dir) {
  const voice = join(dir, 'voice');
  mkdirSync(join(dir, 'conf', 'modules'), { recursive: true });
  mkdirSync(voice);
  writeFileSync(join(dir, 'conf', 'speechd.conf'), [
    `LogDir "${join(dir, 'log')}"`, 'LogLevel 3', 'AudioOutputMethod "libao"',
    'AddModule "espeak-ng-generic" "sd_generic" "espeak-ng-generic.conf"', 'DefaultModule espeak-ng-generic', '',
  ].join('\n'));
  const synth = `printf %s \\'$DATA\\' > ${voice}/text; n=$(date +%s%N); `
    + `echo \\"$VOICE rate=$RATE: $(cat ${voice}/text)\\" >> ${voice}/said.log; `
    + `espeak-ng -v $VOICE -s $RATE -p $PITCH -w ${voice}/$n.wav < ${voice}/text; `
    + `python3 -c 'import os,sys,time; time.sleep((os.path.getsize(sys.argv[1])-44)/44100)' ${voice}/$n.wav`;
  writeFileSync(join(dir, 'conf', 'modules', 'espeak-ng-generic.conf'), [
    'Debug 0', `GenericExecuteSynth "${synth}"`, 'GenericCmdDependency "espeak-ng"',
    // speech-dispatcher's rate and pitch run from -100 to 100; the
    // multipliers are in hundredths (as in Debian's espeak-ng-mbrola-generic.conf):
    // rate 75 to 275 words a minute around espeak-ng's 175, pitch 0 to 100.
    'GenericRateAdd 175', 'GenericRateMultiply 100', 'GenericPitchAdd 50', 'GenericPitchMultiply 50',
    ...Object.entries(LANGUAGES).flatMap(([lang, v]) => [`GenericLanguage "${lang}" "${v}" "utf-8"`, `AddVoice "${lang}" "MALE1" "${v}"`]), '',
  ].join('\n'));
  mkdirSync(join(dir, 'home'));
  writeFileSync(join(dir, 'home', '.libao'), 'default_driver=null\n'); // no sound card
  const socket = join(dir, 'speechd.sock');
  const child = spawn('speech-dispatcher', ['-s', '-t', '0', '-C', join(dir, 'conf'), '-m', '/usr/lib/speech-dispatcher-modules',
    '-S', socket, '-L', join(dir, 'log'), '-P', join(dir, 'pid')], { env: { ...process.env, HOME: join(dir, 'home') }, stdio: 'ignore' });
  return { child, socket, voice };
}

async function readPage(browser, base, path, controls) {
  const page = await browser.newPage();
  // Watch what the page asks the real engine; nothing is replaced.
  await page.addInitScript(() => {
    window.__events = [];
    const t0 = performance.now();
    const at = () => Math.round(performance.now() - t0);
    const speak = speechSynthesis.speak.bind(speechSynthesis);
    speechSynthesis.speak = (u) => {
      window.__events.push({ t: at(), said: u.text, lang: u.lang, voice: u.voice && `${u.voice.name} [${u.voice.lang}]`, rate: u.rate });
      for (const type of ['start', 'end']) u.addEventListener(type, () => window.__events.push({ t: at(), [type]: u.text.slice(0, 30) }));
      u.addEventListener('error', (e) => window.__events.push({ t: at(), error: e.error, of: u.text.slice(0, 30) }));
      return speak(u);
    };
    window.__click = (what) => window.__events.push({ t: at(), clicked: what });
  });
  await page.goto(base + path);
  const lang = await page.evaluate(() => document.documentElement.lang);
  const s = readStrings(join(I18N, `${lang}.toml`));
  const voices = await page.evaluate(() => new Promise((resolve) => {
    const list = () => speechSynthesis.getVoices().map((v) => `${v.name} [${v.lang}]`);
    if (list().length) resolve(list());
    speechSynthesis.addEventListener('voiceschanged', () => resolve(list()));
    setTimeout(() => resolve(list()), 5000);
  }));
  console.log(`\n${path} (${lang}); voices: ${voices.join(', ')}`);
  const button = (key) => page.getByRole('button', { name: s.get(key), exact: true });
  const click = async (key, wait) => {
    await button(key).click();
    await page.evaluate((w) => window.__click(w), s.get(key));
    await page.waitForTimeout(wait);
  };
  await button('read_aloud').waitFor({ timeout: 10000 });
  console.log(`button "${s.get('read_aloud')}" shown`);
  if (controls) {
    await click('read_aloud', 5000);
    await click('read_aloud_pause', 5000);
    await click('read_aloud_resume', 5000);
    await click('read_aloud_stop', 3000);
    await click('read_aloud', 4000);
    await click('read_aloud_stop', 1000);
  } else {
    const started = Date.now();
    await click('read_aloud', 0);
    await page.waitForFunction(() => document.querySelector('[data-read-aloud]').dataset.state === 'idle', null, { timeout: 900000, polling: 500 });
    console.log(`read to the end in ${Math.round((Date.now() - started) / 1000)} s; the button says "${await page.locator('[data-read-aloud-label]').textContent()}" again`);
  }
  const events = await page.evaluate(() => window.__events);
  let n = 0;
  for (const e of events) {
    if (e.said !== undefined) console.log(`${String(++n).padStart(3)}. [${e.lang}, ${e.voice}, rate ${e.rate.toFixed(1)}] ${e.said}`);
    else if (e.clicked || e.error) console.log(`     ${e.t} ms: ${e.clicked ? `clicked "${e.clicked}"` : `error "${e.error}" (${e.of}…)`}`);
  }
  const ends = events.filter((e) => e.end !== undefined).length;
  console.log(`${n} utterances, ${ends} ended, ${events.filter((e) => e.error).length} errors`);
  await page.close();
}

const args = process.argv.slice(2);
const controls = args.includes('--controls');
const paths = args.filter((a) => !a.startsWith('--'));
const dir = mkdtempSync(join(tmpdir(), 'real-voice-'));
const speechd = speechDispatcher(dir);
const server = await startServer({ FORMS_STORE: 'sqlite', FORMS_MAILER: 'file' });
try {
  for (let i = 0; i < 50 && !existsSync(speechd.socket); i += 1) await new Promise((r) => setTimeout(r, 100));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--enable-speech-dispatcher'],
    env: { ...process.env, SPEECHD_ADDRESS: `unix_socket:${speechd.socket}` },
  });
  for (const path of paths.length ? paths : ['/buurtgezinnen/']) {
    rmSync(join(speechd.voice, 'said.log'), { force: true });
    await readPage(browser, server.base, path, controls);
    const wavs = readdirSync(speechd.voice).filter((f) => f.endsWith('.wav'));
    const seconds = wavs.reduce((sum, f) => sum + (statSync(join(speechd.voice, f)).size - 44) / 44100, 0);
    // Not silence: the loudest sample of each message (16-bit mono after a 44-byte header).
    const peaks = wavs.map((f) => {
      const audio = readFileSync(join(speechd.voice, f)).subarray(44);
      let peak = 0;
      for (let i = 0; i + 1 < audio.length; i += 2) peak = Math.max(peak, Math.abs(audio.readInt16LE(i)));
      return peak / 32768;
    });
    const quiet = peaks.filter((p) => p < 0.05).length;
    console.log(`espeak-ng spoke ${wavs.length} messages, ${seconds.toFixed(1)} s of audio, ${quiet} of them (nearly) silent; speech-dispatcher passed it:`);
    console.log(readFileSync(join(speechd.voice, 'said.log'), 'utf8').trimEnd().replace(/^/gm, '     '));
    for (const f of wavs) rmSync(join(speechd.voice, f));
  }
  await browser.close();
} finally {
  await server.stop();
  speechd.child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
