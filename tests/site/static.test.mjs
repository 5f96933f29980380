// Checks on the built files alone: links, language pairs, titles and
// descriptions, the calendar file. No server, no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtPages, fileFor, attr, tags, alternates, PUBLIC, FORM_PAGES, LANGS, PARENT_PAGES, langOfPath, prefix } from './pages.mjs';
import { readStrings, I18N } from '../../tools/translations.mjs';
import ICAL from 'ical.js';
import { ROOT } from '../browser/support.mjs';

const pages = builtPages();
const contentPages = pages.filter((p) => p.path !== '/404.html');

test('no internal link or asset is broken, and every #anchor exists', () => {
  const broken = [];
  for (const page of pages) {
    const refs = [...page.html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1].replaceAll('&#x2F;', '/').replaceAll('&amp;', '&'));
    for (const ref of refs) {
      if (/^(mailto|tel):/.test(ref)) continue;
      assert.ok(!/^(https?:)?\/\//.test(ref), `${page.path} links to another site: ${ref}`);
      const url = new URL(ref, `http://site${page.path}`);
      const target = url.pathname === page.path || url.pathname === '' ? page.file : fileFor(url.pathname);
      if (!target) { broken.push(`${page.path} -> ${ref}`); continue; }
      const fragment = decodeURIComponent(url.hash.slice(1));
      if (fragment && target.endsWith('.html') && !readFileSync(target, 'utf8').includes(`id="${fragment}"`)) {
        broken.push(`${page.path} -> ${ref} (no id "${fragment}")`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

test('every page names each of its translations, they name it back, and the switch offers just those', () => {
  for (const page of contentPages) {
    const lang = langOfPath(page.path);
    const htmlTag = page.html.match(/<html [^>]*>/)[0];
    assert.equal(attr(htmlTag, 'lang'), lang, `${page.path}: html lang`);
    assert.equal(attr(htmlTag, 'dir'), lang === 'ar' ? 'rtl' : null, `${page.path}: dir="rtl" on Arabic pages only`);
    const alts = alternates(page.html);
    const langs = alts.map((a) => a.lang);
    assert.equal(alts.find((a) => a.lang === lang)?.href, page.path, `${page.path}: hreflang for itself`);
    assert.ok(langs.includes('nl'), `${page.path}: names its Dutch page`);
    for (const other of alts) {
      const otherFile = fileFor(other.href);
      assert.ok(otherFile, `${page.path}: translation ${other.href} exists`);
      const back = alternates(readFileSync(otherFile, 'utf8'));
      assert.deepEqual(back.map((a) => `${a.lang} ${a.href}`).sort(), alts.map((a) => `${a.lang} ${a.href}`).sort(),
        `${other.href} names the same translations as ${page.path}`);
    }
    // The switch: every language that has this page, named in itself, with lang and hreflang.
    const nav = page.html.match(/<nav class="lang-switch"[\s\S]*?<\/nav>/)?.[0] ?? '';
    const links = tags(nav, 'a');
    assert.deepEqual(links.map((t) => attr(t, 'lang')).sort(), [...langs].sort(), `${page.path}: the switch offers every translation`);
    for (const t of links) {
      const code = attr(t, 'lang');
      assert.equal(attr(t, 'href'), alts.find((a) => a.lang === code).href, `${page.path}: switch link for ${code}`);
      if (code === lang) assert.equal(attr(t, 'aria-current'), 'true', `${page.path}: current language marked`);
      else assert.equal(attr(t, 'hreflang'), code, `${page.path}: hreflang on the ${code} link`);
    }
    const names = [...nav.matchAll(/<a [^>]*>([^<]+)<\/a>/g)].map((m) => m[1]);
    const expected = langs.map((l) => readStrings(join(I18N, `${l}.toml`)).get('lang_name'));
    assert.deepEqual([...names].sort(), [...expected].sort(), `${page.path}: each language named in itself`);
  }
});

test('every page a parent needs exists in every language, with its calendar file', () => {
  for (const path of PARENT_PAGES) {
    const html = readFileSync(fileFor(path), 'utf8');
    assert.deepEqual(alternates(html).map((a) => a.lang).sort(), [...LANGS].sort(), `${path}: translated into every language`);
  }
  for (const lang of LANGS) assert.ok(fileFor(`${prefix(lang)}/spreekuur.ics`), `${lang}: spreekuur.ics`);
});

test('a translated page says so in its language and links to the Dutch page', () => {
  for (const page of contentPages) {
    const lang = langOfPath(page.path);
    if (lang === 'nl') continue;
    const strings = readStrings(join(I18N, `${lang}.toml`));
    const notice = page.html.match(/<p class="translation-notice">([\s\S]*?)<\/p>/)?.[1];
    assert.ok(notice, `${page.path}: translation notice`);
    assert.ok(notice.includes(strings.get('translation_notice').replaceAll("'", '&#x27;')) || notice.includes(strings.get('translation_notice')), `${page.path}: notice in ${lang}`);
    const dutch = alternates(page.html).find((a) => a.lang === 'nl').href;
    // The link text is in the page language; hreflang says where it leads.
    assert.match(notice, new RegExp(`<a href="${dutch}" hreflang="nl">`), `${page.path}: links to ${dutch}`);
  }
});

test('menu and footer links to a page in another language say so (hreflang)', () => {
  for (const page of contentPages) {
    const lang = langOfPath(page.path);
    const chrome = (page.html.match(/<nav class="wrap site-nav"[\s\S]*?<\/nav>/)?.[0] ?? '') + (page.html.match(/<footer[\s\S]*?<\/footer>/)?.[0] ?? '');
    for (const t of tags(chrome, 'a')) {
      const target = langOfPath(attr(t, 'href').replaceAll('&#x2F;', '/'));
      assert.equal(attr(t, 'hreflang') ?? lang, target, `${page.path}: ${t}`);
    }
  }
});

test('the sitemap lists every page in every language', () => {
  const sitemap = readFileSync(join(PUBLIC, 'sitemap.xml'), 'utf8');
  const listed = new Set([...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1], 'http://site').pathname));
  for (const page of contentPages) assert.ok(listed.has(page.path), `sitemap lists ${page.path}`);
});

test('the stylesheet mirrors by itself: logical properties, no left or right', () => {
  const css = readFileSync(join(PUBLIC, 'style.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const physical = css.match(/[^{};]*\b(left|right)\b[^;}]*/g) ?? [];
  assert.deepEqual(physical, [], 'use inline-start/inline-end (margin-inline-start, text-align: start, ...)');
});

test('on Arabic pages, email addresses, phone numbers, dates and times are isolated', () => {
  for (const page of contentPages.filter((p) => langOfPath(p.path) === 'ar')) {
    const text = page.html.replace(/<(script|style)[\s\S]*?<\/\1>/g, '');
    // A mailto/tel link or a date in a table cell outside <bdi>/dir="ltr" would be reordered.
    for (const t of tags(text, 'a').filter((t) => /^(mailto|tel):/.test(attr(t, 'href') ?? ''))) {
      assert.equal(attr(t, 'dir'), 'ltr', `${page.path}: ${t} reads left to right`);
    }
    const bare = text.replace(/<bdi[\s\S]*?<\/bdi>/g, '').replace(/<[^>]*dir="ltr"[^>]*>[^<]*</g, '<')
      .replace(/<[^>]+>/g, ' ').replace(/[\u2066-\u2069][^\u2066-\u2069]*\u2069/g, ' ');
    for (const pattern of [/\b\d{1,2}:\d{2}\b/, /\b[\w.+-]+@[\w-]+\.[\w.]+\b/, /\b0\d{1,3}[ -]?\d{6,8}\b/]) {
      assert.ok(!pattern.test(bare), `${page.path}: ${bare.match(pattern)?.[0]} is not isolated (wrap it in <bdi> or dir="ltr")`);
    }
  }
});

test('the guide\'s buttons have no stray punctuation after them', () => {
  for (const page of pages.filter((p) => p.html.includes('<div class="guide">'))) {
    const guide = page.html.match(/<div class="guide">([\s\S]*?)<\/div>/)[1];
    assert.ok(!/<\/a>\s*[.,;:!?。،؟]\s*<\/li>/.test(guide), `${page.path}: a lone punctuation mark under a button`);
  }
});

test('every page has a unique title and a unique description', () => {
  const seen = { title: new Map(), description: new Map() };
  for (const page of pages) {
    const title = page.html.match(/<title>([^<]+)<\/title>/)?.[1]?.trim();
    const description = attr(tags(page.html, 'meta').find((t) => attr(t, 'name') === 'description') ?? '', 'content')?.trim();
    assert.ok(title, `${page.path}: title`);
    assert.ok(description && description.length >= 30, `${page.path}: description`);
    for (const [kind, value] of [['title', title], ['description', description]]) {
      assert.ok(!seen[kind].has(value), `${page.path}: same ${kind} as ${seen[kind].get(value)}`);
      seen[kind].set(value, page.path);
    }
  }
});

test('form pages follow the markup contract of docs/architecture.md', () => {
  for (const form of FORM_PAGES) {
    for (const lang of form.langs) {
      const where = form.path(lang);
      const html = readFileSync(fileFor(where), 'utf8');
      assert.match(html, new RegExp(`<form [^>]*method="post" action="/api/forms/${form.kind}" novalidate`));
      assert.match(html, new RegExp(`<input type="hidden" name="lang" value="${lang}">`));
      assert.match(html, /<input type="hidden" name="submission_id" value="">/);
      assert.match(html, /<div id="error-summary" class="error-summary" tabindex="-1" hidden><\/div>/);
      assert.match(html, /<div class="hp"[^>]*>[\s\S]*?name="website" tabindex="-1" autocomplete="off"/);
      const fields = [...html.matchAll(/data-field="([a-z_]+)"/g)].map((m) => m[1]);
      const expected = {
        contact: ['name', 'email', 'phone', 'municipality', 'message', 'privacy_consent'],
        registration: ['name', 'email', 'phone', 'municipality', 'programme', 'children_ages', 'message', 'privacy_consent'],
        referral: ['referrer_name', 'referrer_organisation', 'referrer_email', 'referrer_phone', 'name', 'email', 'phone',
          'municipality', 'programme', 'message', 'parent_consent', 'privacy_consent'],
        volunteer: ['name', 'email', 'phone', 'municipality', 'programme', 'message', 'privacy_consent'],
      }[form.kind];
      assert.deepEqual(fields, expected, `${where} fields`);
      for (const field of fields) {
        assert.match(html, new RegExp(`<p class="field-error" id="${field}-error" hidden></p>`), `${where}: ${field}-error`);
        assert.match(html, new RegExp(`id="${field}" name="${field}"`), `${where}: control #${field}`);
      }
      const municipalities = [...html.matchAll(/name="municipality" value="([a-z-]+)"/g)].map((m) => m[1]);
      assert.deepEqual(municipalities, ['heemskerk', 'beverwijk', 'wijk-aan-zee', 'opsterland', 'ooststellingwerf',
        'weststellingwerf', 'sudwest-fryslan', 'de-fryske-marren', 'other']);
      assert.match(html, /id="municipality-9" name="municipality" value="other"/);
    }
  }
});

test('the spreekuur calendar is valid iCalendar made from directory.toml', () => {
  for (const file of LANGS.map((l) => `${prefix(l).slice(1)}${l === 'nl' ? '' : '/'}spreekuur.ics`)) {
    const text = readFileSync(join(PUBLIC, file), 'utf8');
    assert.ok(text.endsWith('\r\n'), `${file}: ends with CRLF`);
    const physical = text.slice(0, -2).split('\r\n');
    for (const line of physical) {
      assert.ok(!line.includes('\n') && !line.includes('\r'), `${file}: bare line break in ${JSON.stringify(line)}`);
      assert.ok(Buffer.byteLength(line) <= 75, `${file}: line over 75 octets: ${line}`);
    }
    // Long lines are folded (CRLF + space); unfolded, each is a content line.
    const lines = text.slice(0, -2).replace(/\r\n /g, '').split('\r\n');
    for (const line of lines) assert.match(line, /^[A-Z-]+[;:]/, `${file}: content line ${JSON.stringify(line)}`);
    assert.equal(lines[0], 'BEGIN:VCALENDAR');
    assert.equal(lines.at(-1), 'END:VCALENDAR');
    // Components nest properly.
    const stack = [];
    for (const line of lines) {
      if (line.startsWith('BEGIN:')) stack.push(line.slice(6));
      if (line.startsWith('END:')) assert.equal(stack.pop(), line.slice(4), `${file}: ${line}`);
    }
    assert.equal(stack.length, 0);
    for (const prop of ['VERSION:2.0', 'PRODID:']) assert.ok(lines.some((l) => l.startsWith(prop)), `${file}: ${prop}`);
    const events = text.split('BEGIN:VEVENT').slice(1);
    assert.ok(events.length >= 1, `${file}: at least one event`);
    for (const event of events) {
      for (const prop of ['UID:', 'DTSTAMP:', 'DTSTART;TZID=Europe/Amsterdam:', 'SUMMARY:']) {
        assert.ok(event.includes(`\r\n${prop}`), `${file}: event has ${prop}`);
      }
      assert.match(event, /\r\nDTSTAMP:\d{8}T\d{6}Z\r\n/);
    }
    assert.ok(text.includes('TZID:Europe/Amsterdam'), `${file}: VTIMEZONE for the TZID used`);
  }
  // The first date of the seeds, at its known start time; unknowns are marked.
  const nl = readFileSync(join(PUBLIC, 'spreekuur.ics'), 'utf8');
  assert.match(nl, /\r\nDTSTART;TZID=Europe\/Amsterdam:\d{4}0508T150000\r\n/);
  assert.match(nl, /\r\nSTATUS:TENTATIVE\r\n/);
  assert.match(nl, /\r\nDESCRIPTION:Nog te bevestigen: [^\r]*eindtijd/);
  assert.ok(!nl.includes('DTEND'), 'no invented end time');
  // Each dated entry in directory.toml with a start time is in the file.
  const toml = readFileSync(join(ROOT, 'site', 'data', 'directory.toml'), 'utf8');
  const dated = [...toml.matchAll(/\[\[spreekuur\.dates\]\]\s*\ndate = "(\d{4})-(\d{2})-(\d{2})"\s*\nstart = "(\d{2}):(\d{2})"/g)];
  assert.ok(dated.length >= 1);
  for (const [, y, m, d, hh, mm] of dated) assert.ok(nl.includes(`:${y}${m}${d}T${hh}${mm}00\r\n`), `${y}-${m}-${d} in the calendar`);
});

test('a real iCalendar parser (ical.js) reads the calendar: 8 May, 15:00 Amsterdam time', () => {
  for (const [file, summary] of [['spreekuur.ics', /^Spreekuur/], ['en/spreekuur.ics', /^Drop-in hour/]]) {
    const calendar = new ICAL.Component(ICAL.parse(readFileSync(join(PUBLIC, file), 'utf8')));
    const zone = calendar.getFirstSubcomponent('vtimezone');
    assert.ok(zone, `${file}: VTIMEZONE`);
    ICAL.TimezoneService.register(zone);
    const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    assert.ok(events.length >= 1);
    const first = events[0];
    assert.match(first.summary, summary);
    assert.equal(first.startDate.month, 5);
    assert.equal(first.startDate.day, 8);
    // 15:00 in Amsterdam in May (summer time) is 13:00 UTC.
    assert.equal(first.startDate.toJSDate().toISOString().slice(11, 16), '13:00');
    assert.equal(new Set(events.map((e) => e.uid)).size, events.length, 'unique UIDs');
  }
});

test('the home page shows the next spreekuur from directory.toml, or says none is known yet', () => {
  const toml = readFileSync(join(ROOT, 'site', 'data', 'directory.toml'), 'utf8');
  const dates = [...toml.matchAll(/\[\[spreekuur\.dates\]\]\s*\ndate = "(\d{4}-\d{2}-\d{2})"/g)].map((m) => m[1]).sort();
  // The site was built moments ago; a date that is today may flip at midnight, so allow either.
  const today = new Date().toISOString().slice(0, 10);
  const next = dates.find((d) => d > today);
  for (const [path, none] of [['/', 'De volgende datums zijn nog niet bekend'], ['/en/', 'The next dates are not known yet']]) {
    const html = readFileSync(fileFor(path), 'utf8');
    const block = html.match(/<p class="next-date">([\s\S]*?)<\/p>/)?.[1];
    assert.ok(block, `${path}: next spreekuur block`);
    if (next) {
      const day = String(Number(next.slice(8, 10)));
      assert.match(block, new RegExp(`<strong>${day} [a-zA-Z]+ ${next.slice(0, 4)}`), `${path}: shows ${next}`);
    } else if (!dates.includes(today)) {
      assert.ok(block.includes(none), `${path}: says no date is known yet`);
    }
  }
});

test('the regions page shows what directory.toml says runs where', () => {
  const nl = readFileSync(fileFor('/regio/'), 'utf8');
  const friesland = nl.slice(nl.indexOf('id="regio-friesland"'));
  const ijmond = nl.slice(nl.indexOf('id="regio-ijmond"'), nl.indexOf('id="regio-friesland"'));
  assert.match(ijmond, /class="available"[^<]*<span[^>]*>[^<]*<\/span> Home-Start/);
  assert.match(ijmond, /class="available"[^<]*<span[^>]*>[^<]*<\/span> Buurtgezinnen/);
  assert.match(ijmond, /MET Heemskerk/);
  assert.match(friesland, /class="available"[^<]*<span[^>]*>[^<]*<\/span> Home-Start/);
  assert.match(friesland, /class="not-available"[^<]*<span[^>]*>[^<]*<\/span> Buurtgezinnen/);
  assert.match(friesland, /Humanitas[^<]*7 tot en met 14/);
});

// Issue 20: a way in for residents who read little.

/** The Dutch pages that start with "In het kort"; each translation too. */
const EASY_READ_PAGES = ['/', '/home-start/', '/buurtgezinnen/', '/bibliotheek-taalhuis/', '/spreekuur/',
  '/advies-anders/', '/advies-buurtgezinnen/', '/advies-home-start/', '/advies-home-start-friesland/',
  '/advies-spreekuur/', '/advies-taalhuis/', ...FORM_PAGES.map((f) => f.nl)];

test('every public page has the read-aloud controls, hidden until the script finds a voice, in its language', () => {
  for (const page of pages) {
    const lang = page.path === '/404.html' ? 'nl' : langOfPath(page.path);
    const strings = readStrings(join(I18N, `${lang}.toml`));
    const box = page.html.match(/<div class="read-aloud"[^>]*>[\s\S]*?<\/div>/)?.[0];
    assert.ok(box, `${page.path}: read-aloud controls`);
    const open = tags(box, 'div')[0];
    assert.ok(/\shidden[\s>]/.test(open), `${page.path}: hidden without JavaScript`);
    assert.equal(attr(open, 'data-label-read'), strings.get('read_aloud').replaceAll("'", '&#x27;'));
    assert.ok(box.includes(`<span data-read-aloud-label>${strings.get('read_aloud').replaceAll("'", '&#x27;')}</span>`), `${page.path}: "${strings.get('read_aloud')}"`);
    // Same-origin script files only: the CSP (script-src 'self') allows nothing else.
    const scripts = page.html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? [];
    assert.ok(scripts.some((s) => s === '<script src="/read-aloud.js" defer></script>'), `${page.path}: loads /read-aloud.js`);
    for (const s of scripts) assert.match(s, /^<script src="\/[^"]+\.js" defer><\/script>$/, `${page.path}: no inline or foreign script`);
  }
});

test('the home, programme, spreekuur, advice and form pages start with "In het kort" in every language', () => {
  const expected = [];
  for (const nlPath of EASY_READ_PAGES) {
    const nl = readFileSync(fileFor(nlPath), 'utf8');
    for (const alt of alternates(nl)) expected.push(alt.href);
  }
  assert.ok(expected.length >= 80, `${expected.length} pages`);
  for (const path of expected) {
    const html = readFileSync(fileFor(path), 'utf8');
    const lang = langOfPath(path);
    const strings = readStrings(join(I18N, `${lang}.toml`));
    const main = html.slice(html.indexOf('<main'));
    const afterTitle = main.slice(main.indexOf('</h1>') + 5).replace(/<div class="read-aloud"[\s\S]*?<\/div>/, '').trimStart();
    assert.ok(afterTitle.startsWith('<section class="easy-read" aria-labelledby="easy-read-title">'), `${path}: the short version comes first`);
    const section = afterTitle.slice(0, afterTitle.indexOf('</section>'));
    assert.ok(section.includes(`<h2 id="easy-read-title">${strings.get('easy_read_title')}</h2>`), `${path}: titled in ${lang}`);
    const items = [...section.matchAll(/<li><img src="\/pictos\/([a-z-]+)\.svg" alt="([^"]+)" width="48" height="48" loading="lazy"><span>([^<]+)<\/span><\/li>/g)];
    assert.equal(items.length, (section.match(/<li>/g) ?? []).length, `${path}: every sentence has a pictogram with a text alternative`);
    assert.ok(items.length >= 3 && items.length <= 5, `${path}: 3 to 5 sentences`);
    for (const [, icon, alt] of items) assert.equal(alt, strings.get(`picto_${icon}`), `${path}: ${icon} described in ${lang}`);
  }
});

test('the pictograms are small, self-drawn SVG files that load nothing', () => {
  const dir = join(PUBLIC, 'pictos');
  const files = readdirSync(dir).filter((f) => f.endsWith('.svg'));
  assert.ok(files.length >= 12, `${files.length} pictograms`);
  const nl = readStrings(join(I18N, 'nl.toml'));
  for (const file of files) {
    const svg = readFileSync(join(dir, file), 'utf8');
    assert.ok(svg.length < 1024, `${file}: ${svg.length} bytes`);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 48 48"/, `${file}: an SVG of 48 by 48`);
    assert.ok(!/<(script|image|use|style|foreignObject)\b|href=|url\(/.test(svg), `${file}: draws only, loads nothing`);
    assert.ok(nl.has(`picto_${file.slice(0, -4)}`), `${file}: has a text alternative (picto_${file.slice(0, -4)})`);
  }
});

/** [follow_up] reminder_working_days in site/data/directory.toml. */
function reminderWorkingDays() {
  const toml = readFileSync(join(ROOT, 'site', 'data', 'directory.toml'), 'utf8');
  return Number(toml.match(/^\[follow_up\]\s*\n(?:#.*\n)*reminder_working_days = (\d+)\s*$/m)[1]);
}

test('the thank-you page says, in every language, within how many working days a coordinator answers: the follow-up\'s setting', () => {
  const days = 2 * reminderWorkingDays(); // the reminder, then the escalation after as many days again
  const thanks = readFileSync(fileFor('/bedankt/'), 'utf8');
  const paths = alternates(thanks).map((a) => a.href);
  assert.equal(paths.length, LANGS.length);
  for (const path of paths) {
    const html = readFileSync(fileFor(path), 'utf8');
    const strings = readStrings(join(I18N, `${langOfPath(path)}.toml`));
    const block = html.match(/<section class="what-now" aria-labelledby="what-now-title">([\s\S]*?)<\/section>/)?.[1];
    assert.ok(block, `${path}: "what now" block`);
    assert.ok(block.includes(`<h2 id="what-now-title">${strings.get('thanks_when_title')}</h2>`), `${path}: its title`);
    assert.ok(block.includes(`<p>${strings.get('thanks_when').replace('{days}', String(days))}</p>`), `${path}: ${days} working days`);
  }
});

test('the privacy page names the same number of working days as the follow-up', () => {
  const days = reminderWorkingDays();
  const text = readFileSync(join(ROOT, 'site', 'content', 'privacy.md'), 'utf8');
  assert.match(text, new RegExp(`na ${days} werkdagen`), 'site/content/privacy.md: the reminder');
  assert.match(text, new RegExp(`${days} werkdagen later`), 'site/content/privacy.md: the escalation');
});
