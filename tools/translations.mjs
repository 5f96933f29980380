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
// When name.md changes, the hash no longer matches and `make test` names
// the page and the language. After updating the translation (or seeing that
// it still says the same), it is marked as checked: editors with the
// GitHub action 'Vertalingen nagekeken' (.github/workflows/
// translations-checked.yml), developers with
//
//   make translations-checked PAGES="site/content/contact.tr.md"
//
// Commands: `check` (exit 1 with a message per problem), `stamp FILE...`.
// tests/site/translations.test.mjs runs both on a copy of the site.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CONTENT = join(ROOT, 'site', 'content');
export const I18N = join(ROOT, 'site', 'i18n');

/** Every language of the site, named for the (Dutch) editors; Dutch is
 *  the source of every translation. [noun, adjective] */
export const LANGUAGES = {
  nl: ['Nederlands', 'Nederlandse'], en: ['Engels', 'Engelse'], tr: ['Turks', 'Turkse'],
  ar: ['Arabisch', 'Arabische'], pl: ['Pools', 'Poolse'], uk: ['Oekraïens', 'Oekraïense'],
};
const TRANSLATED = Object.keys(LANGUAGES).filter((l) => l !== 'nl');

const rel = (file) => relative(ROOT, file);

/** First 16 hex digits of the sha256 of the file's bytes. */
export function hashOf(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
}

/** Every translated page: { file, lang, source } (source: the Dutch file). */
export function translations() {
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) { walk(full); continue; }
      const m = name.match(/^(.+)\.([a-z]{2})\.md$/);
      if (m && TRANSLATED.includes(m[2])) found.push({ file: full, lang: m[2], source: join(dir, `${m[1]}.md`) });
    }
  };
  walk(CONTENT);
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

/** The translated pages that need checking against their Dutch page. */
export function staleTranslations() {
  return translations().filter((t) => {
    try { return recordedHash(t.file) !== hashOf(t.source); } catch { return false; }
  });
}

/** How to mark pages as checked: the editors' way and the developers' way. */
export function howToMarkChecked(pages) {
  const list = pages.join(' ');
  return `Kloppen de vertalingen? Start dan op GitHub bij Actions de actie 'Vertalingen nagekeken' met: ${list}\n`
    + `(Ontwikkelaars typen: make translations-checked PAGES="${list}")`;
}

/** Problems with the translated pages, each a sentence an editor can act on. */
export function pageProblems() {
  const problems = [];
  for (const t of translations()) {
    const page = rel(t.file);
    const source = rel(t.source);
    const [language, adjective] = LANGUAGES[t.lang];
    let current;
    try { current = hashOf(t.source); } catch {
      problems.push(`${page} (${language}): er is geen Nederlandse pagina ${source}. Geef de vertaling de naam van een Nederlandse pagina, of haal haar weg.`);
      continue;
    }
    const recorded = recordedHash(t.file);
    const fix = `Zorg dat de ${adjective} tekst hetzelfde zegt als ${source}.`;
    if (recorded === null) {
      problems.push(`${page} (${language}): er staat niet bij van welke versie van ${source} dit de vertaling is. ${fix}`);
    } else if (recorded !== current) {
      problems.push(`${page} (${language}): ${source} is veranderd sinds deze vertaling is gemaakt of nagekeken. ${fix}`);
    }
  }
  return problems;
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

/** Interface texts: every language has exactly the keys of nl.toml. */
export function stringProblems() {
  const problems = [];
  const nl = readStrings(join(I18N, 'nl.toml'));
  for (const lang of TRANSLATED) {
    const file = join(I18N, `${lang}.toml`);
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
export function stamp(file) {
  const t = translations().find((x) => x.file === file);
  if (!t) throw new Error(`${rel(file)} is geen vertaalde pagina (naam.<taal>.md naast naam.md)`);
  const hash = hashOf(t.source);
  const text = readFileSync(file, 'utf8');
  const fm = frontMatter(text);
  if (fm === null) throw new Error(`${rel(file)} has no +++ front matter`);
  let next;
  if (/^source_hash\s*=.*$/m.test(fm)) next = fm.replace(/^source_hash\s*=.*$/m, `source_hash = "${hash}"`);
  else if (/^\[extra\]\s*$/m.test(fm)) next = fm.replace(/^\[extra\]\s*$/m, `[extra]\nsource_hash = "${hash}"`);
  else next = `${fm}\n[extra]\nsource_hash = "${hash}"`;
  writeFileSync(file, text.replace(fm, next));
  return hash;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, ...files] = process.argv.slice(2);
  if (command === 'check') {
    const problems = [...stringProblems(), ...pageProblems()];
    for (const p of problems) console.error(p);
    if (problems.length) {
      console.error(`\n${problems.length} vertaling(en) niet bijgewerkt. Hoe je dit oplost: site/README.md, "Vertalingen bijhouden".`);
      const stale = staleTranslations().map((t) => rel(t.file));
      if (stale.length) console.error(howToMarkChecked(stale));
      process.exit(1);
    }
    console.log(`Vertalingen bijgewerkt: ${translations().length} pagina's in ${TRANSLATED.length} talen.`);
  } else if (command === 'stamp' && files.length) {
    for (const f of files) {
      const file = resolve(f);
      console.log(`${rel(file)}: nagekeken tegen ${basename(translations().find((x) => x.file === file)?.source ?? '?')} (${stamp(file)})`);
    }
  } else {
    console.error('usage: node tools/translations.mjs check | stamp site/content/NAME.LANG.md ...');
    process.exit(2);
  }
}
