#!/usr/bin/env node
// Keeping translations true to the Dutch pages (site/README.md,
// "Vertalingen bijhouden").
//
// Every translated page (name.<lang>.md beside name.md) records which
// version of the Dutch page it says the same as:
//
//   [extra]
//   source_hash = "<first 16 hex digits of the sha256 of name.md>"
//
// When name.md changes, the hash no longer matches: the translation is
// outdated. That never holds anything back (a Dutch change goes live at
// once): the built translation shows a notice that the Dutch page changed
// since, with a link to it (templates/macros/translation.html computes the
// same hash with zola's get_hash), and /admin/ lists what needs
// translating (tools/build-admin.mjs). After updating the translation (or
// seeing that it still says the same), it is marked as checked: in the
// editor, or by developers with
//
//   make translations-checked PAGES="site/content/contact.tr.md"
//
// Commands: `check [--site DIR]` reports outdated translations and exits 0;
// it exits 1 only for interface texts (i18n/*.toml) that would break the
// build. `stamp FILE...`. tests/editor/translations.test.mjs runs both.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SITE = join(ROOT, 'site');
export const CONTENT = join(SITE, 'content');
export const I18N = join(SITE, 'i18n');

/** Every language of the site, named for the (Dutch) editors; Dutch is
 *  the source of every translation. [noun, adjective] */
export const LANGUAGES = {
  nl: ['Nederlands', 'Nederlandse'], en: ['Engels', 'Engelse'], tr: ['Turks', 'Turkse'],
  ar: ['Arabisch', 'Arabische'], pl: ['Pools', 'Poolse'], uk: ['Oekraïens', 'Oekraïense'],
};
const TRANSLATED = Object.keys(LANGUAGES).filter((l) => l !== 'nl');

/** A path as the repository names it (site/content/...), for any copy of site/. */
const relTo = (site) => (file) => join('site', relative(site, file));
const rel = relTo(SITE);

/** First 16 hex digits of the sha256 of the file's bytes (zola:
 *  get_hash(sha_type=256) | truncate(length=16), the same number). */
export function hashOf(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
}

/** Every translated page: { file, lang, source } (source: the Dutch file). */
export function translations(site = SITE) {
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) { walk(full); continue; }
      const m = name.match(/^(.+)\.([a-z]{2})\.md$/);
      if (m && TRANSLATED.includes(m[2])) found.push({ file: full, lang: m[2], source: join(dir, `${m[1]}.md`) });
    }
  };
  walk(join(site, 'content'));
  return found;
}

function frontMatter(text) {
  const m = text.match(/^\+\+\+\r?\n([\s\S]*?)\r?\n\+\+\+/);
  return m ? m[1] : null;
}

/** The source_hash recorded in a page's [extra] table, or null. */
export function recordedHash(file) {
  const fm = frontMatter(readFileSync(file, 'utf8')) ?? '';
  const extra = fm.split(/^\[extra\]\s*$/m)[1]?.split(/^\[(?!extra\])/m)[0] ?? '';
  return extra.match(/^source_hash\s*=\s*"([0-9a-f]*)"\s*$/m)?.[1] ?? null;
}

/** The page's title from its front matter ('' when it has none). */
export function titleOf(file) {
  const fm = frontMatter(readFileSync(file, 'utf8')) ?? '';
  const m = fm.match(/^title\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/m);
  return m ? JSON.parse(`"${m[1]}"`) : '';
}

/** The translated pages older than their Dutch page (or never checked
 *  against it): what needs translating. Pages without a Dutch page are
 *  left out (nothing to compare with). */
export function staleTranslations(site = SITE) {
  return translations(site).filter((t) => {
    try { return recordedHash(t.file) !== hashOf(t.source); } catch { return false; }
  });
}

/** What needs translating, per Dutch page: [{ source, title, languages: [lang...] }]. */
export function translationQueue(site = SITE) {
  const bySource = new Map();
  for (const t of staleTranslations(site)) {
    if (!bySource.has(t.source)) bySource.set(t.source, { source: relTo(site)(t.source), title: titleOf(t.source), languages: [] });
    bySource.get(t.source).languages.push(t.lang);
  }
  return [...bySource.values()];
}

/** How to mark pages as checked, for developers (editors: in the editor). */
export function howToMarkChecked(pages) {
  return `Kloppen de vertalingen weer? Ontwikkelaars typen: make translations-checked PAGES="${pages.join(' ')}"`;
}

/** Translated pages that lag behind their Dutch page, each a sentence an
 *  editor can act on. Reported, never a reason to stop publishing. */
export function pageNotes(site = SITE) {
  const rel = relTo(site);
  const notes = [];
  for (const t of translations(site)) {
    const page = rel(t.file);
    const source = rel(t.source);
    const [language, adjective] = LANGUAGES[t.lang];
    let current;
    try { current = hashOf(t.source); } catch {
      notes.push(`${page} (${language}): er is geen Nederlandse pagina ${source}. Geef de vertaling de naam van een Nederlandse pagina, of haal haar weg.`);
      continue;
    }
    const recorded = recordedHash(t.file);
    const fix = `De site zegt erbij dat de Nederlandse pagina nieuwer is. Zorg dat de ${adjective} tekst weer hetzelfde zegt als ${source}.`;
    if (recorded === null) {
      notes.push(`${page} (${language}): er staat niet bij van welke versie van ${source} dit de vertaling is. ${fix}`);
    } else if (recorded !== current) {
      notes.push(`${page} (${language}): ${source} is veranderd sinds deze vertaling is gemaakt of nagekeken. ${fix}`);
    }
  }
  return notes;
}

/** A flat `key = "text"` file as a Map; anything else is an error. */
export function readStrings(file) {
  const strings = new Map();
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim() || line.trimStart().startsWith('#')) return;
    const m = line.match(/^([a-z0-9_]+)\s*=\s*("(?:[^"\\]|\\.)*")\s*$/);
    if (!m) throw new Error(`${rel(file)} regel ${i + 1}: schrijf elke tekst als naam = "tekst" op één regel`);
    if (strings.has(m[1])) throw new Error(`${rel(file)} regel ${i + 1}: ${m[1]} staat er twee keer in`);
    strings.set(m[1], JSON.parse(m[2]));
  });
  return strings;
}

/** Interface texts: every language has exactly the keys of nl.toml. A
 *  missing key stops zola's build, so these are real problems. */
export function stringProblems(site = SITE) {
  const problems = [];
  const i18n = join(site, 'i18n');
  const rel = relTo(site);
  const nl = readStrings(join(i18n, 'nl.toml'));
  for (const lang of TRANSLATED) {
    const file = join(i18n, `${lang}.toml`);
    let strings;
    try { strings = readStrings(file); } catch (e) {
      problems.push(e.code === 'ENOENT' ? `${rel(file)} ontbreekt: kopieer nl.toml en vertaal elke tekst in het ${LANGUAGES[lang][0]}.` : e.message);
      continue;
    }
    for (const key of nl.keys()) {
      if (!strings.has(key)) problems.push(`${rel(file)}: geen tekst voor ${key}. Voeg die toe in het ${LANGUAGES[lang][0]}, met dezelfde betekenis als in nl.toml.`);
      else if (!strings.get(key).trim()) problems.push(`${rel(file)}: ${key} is leeg.`);
    }
    for (const key of strings.keys()) {
      if (!nl.has(key)) problems.push(`${rel(file)}: ${key} staat niet in nl.toml. Haal de regel weg, of zet hem in elke taal.`);
    }
    for (const [key, text] of nl) {
      for (const placeholder of text.match(/\{[a-z]+\}/g) ?? []) {
        if (strings.has(key) && !strings.get(key).includes(placeholder)) {
          problems.push(`${rel(file)}: ${key} moet ${placeholder} houden (het formulier vult dat in).`);
        }
      }
    }
  }
  return problems;
}

/** Record the current Dutch version in a translation's front matter. */
export function stamp(file, site = SITE) {
  const t = translations(site).find((x) => x.file === file);
  if (!t) throw new Error(`${relTo(site)(file)} is geen vertaalde pagina (naam.<taal>.md naast naam.md)`);
  const hash = hashOf(t.source);
  const text = readFileSync(file, 'utf8');
  const fm = frontMatter(text);
  if (fm === null) throw new Error(`${relTo(site)(file)} has no +++ front matter`);
  let next;
  if (/^source_hash\s*=.*$/m.test(fm)) next = fm.replace(/^source_hash\s*=.*$/m, `source_hash = "${hash}"`);
  else if (/^\[extra\]\s*$/m.test(fm)) next = fm.replace(/^\[extra\]\s*$/m, `[extra]\nsource_hash = "${hash}"`);
  else next = `${fm}\n[extra]\nsource_hash = "${hash}"`;
  writeFileSync(file, text.replace(fm, next));
  return hash;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const siteFlag = args.indexOf('--site');
  const site = siteFlag >= 0 ? resolve(args.splice(siteFlag, 2)[1]) : SITE;
  const [command, ...files] = args;
  if (command === 'check') {
    const notes = pageNotes(site);
    if (notes.length) {
      console.log(`Nog te vertalen (dit houdt niets tegen: de Nederlandse tekst gaat gewoon online, en de vertaling zegt erbij dat de Nederlandse pagina nieuwer is):`);
      for (const n of notes) console.log(`- ${n}`);
      console.log(howToMarkChecked(staleTranslations(site).map((t) => relTo(site)(t.file))));
    }
    const problems = stringProblems(site);
    for (const p of problems) console.error(p);
    if (problems.length) {
      console.error(`\n${problems.length} korte tekst(en) in i18n/ niet in orde: zonder die teksten kan de site niet gebouwd worden.`);
      process.exit(1);
    }
    const count = translations(site).length;
    console.log(notes.length
      ? `Vertalingen: ${count - notes.length} van ${count} pagina's bijgewerkt; ${notes.length} nog te vertalen (zie hierboven).`
      : `Vertalingen bijgewerkt: ${count} pagina's in ${TRANSLATED.length} talen.`);
  } else if (command === 'stamp' && files.length) {
    for (const f of files) {
      const file = resolve(f);
      console.log(`${relTo(site)(file)}: nagekeken tegen ${basename(translations(site).find((x) => x.file === file)?.source ?? '?')} (${stamp(file, site)})`);
    }
  } else {
    console.error('usage: node tools/translations.mjs check [--site DIR] | stamp [--site DIR] site/content/NAME.LANG.md ...');
    process.exit(2);
  }
}
