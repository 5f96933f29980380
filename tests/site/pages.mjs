// The built site (site/public) as a list of pages, and small readers for
// what the checks need from each page's HTML.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ROOT } from '../browser/support.mjs';

export const PUBLIC = join(ROOT, 'site', 'public');

/** Every HTML page: { path: '/en/contact/', file, html }. */
export function builtPages() {
  const pages = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      // /admin/ is the web editor, not a public page: tests/editor/ checks it.
      if (statSync(full).isDirectory()) { if (full !== join(PUBLIC, 'admin')) walk(full); }
      else if (name.endsWith('.html')) {
        const rel = relative(PUBLIC, full).split(sep).join('/');
        const path = name === 'index.html' ? `/${rel.slice(0, -'index.html'.length)}` : `/${rel}`;
        pages.push({ path, file: full, html: readFileSync(full, 'utf8') });
      }
    }
  };
  walk(PUBLIC);
  if (pages.length < 40) throw new Error(`only ${pages.length} pages in ${PUBLIC}: run \`make site\` first`);
  return pages.sort((a, b) => a.path.localeCompare(b.path));
}

/** The file a root-relative URL path is served from, or null. */
export function fileFor(urlPath) {
  const clean = decodeURIComponent(urlPath.split('#')[0].split('?')[0]);
  const candidates = clean.endsWith('/') ? [join(PUBLIC, clean, 'index.html')] : [join(PUBLIC, clean), join(PUBLIC, clean, 'index.html')];
  return candidates.find((f) => existsSync(f) && statSync(f).isFile()) ?? null;
}

export function attr(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m ? m[1] : null;
}

export function tags(html, tagName) {
  return html.match(new RegExp(`<${tagName}\\b[^>]*>`, 'g')) ?? [];
}

export function alternates(html) {
  return tags(html, 'link')
    .filter((t) => attr(t, 'rel') === 'alternate' && attr(t, 'hreflang'))
    .map((t) => ({ lang: attr(t, 'hreflang'), href: attr(t, 'href') }));
}

/** Every language of the site, Dutch first. */
export const LANGS = ['nl', 'en', 'tr', 'ar', 'pl', 'uk'];

/** The path prefix of a language's pages ('' for Dutch). */
export const prefix = (lang) => (lang === 'nl' ? '' : `/${lang}`);

/** The language a built page is in, from its address. */
export function langOfPath(path) {
  const first = path.split('/')[1];
  return LANGS.includes(first) && first !== 'nl' ? first : 'nl';
}

/** Each form in every language it exists in: the referral form is for
 *  professionals and stays Dutch and English. Translations use the
 *  English page's name. */
export const FORM_PAGES = [
  { kind: 'contact', nl: '/contact/', other: 'contact', langs: LANGS },
  { kind: 'registration', nl: '/aanmelden/', other: 'sign-up', langs: LANGS },
  { kind: 'referral', nl: '/doorverwijzen/', other: 'refer', langs: ['nl', 'en'] },
  { kind: 'volunteer', nl: '/vrijwilliger-worden/', other: 'volunteer', langs: LANGS },
].map((form) => ({ ...form, path: (lang) => (lang === 'nl' ? form.nl : `/${lang}/${form.other}/`) }));

/** The Dutch pages a parent needs, which must exist in every language. */
export const PARENT_PAGES = ['/', '/home-start/', '/buurtgezinnen/', '/bibliotheek-taalhuis/', '/spreekuur/', '/regio/',
  '/welke-hulp/', '/welke-hulp-ijmond/', '/welke-hulp-friesland/', '/advies-anders/', '/advies-buurtgezinnen/',
  '/advies-home-start/', '/advies-home-start-friesland/', '/advies-spreekuur/', '/advies-taalhuis/',
  '/contact/', '/aanmelden/', '/vrijwilliger-worden/', '/bedankt/', '/privacy/'];
