// Which pages need JavaScript? A page needs it when, in real Chromium
// with JavaScript off, it lacks something it shows with JavaScript on:
//   - a line of visible text (live regions, [aria-live] and [role=status],
//     are left out: they hold feedback a script adds, not content);
//   - a visible link or form control;
// or when a form cannot be sent without a script (no method="post" with
// an action), or a link runs script (href="javascript:...").
// Pure enhancements (a script that adds behaviour but hides nothing
// without it) therefore count as not required.
import { chromium } from 'playwright-core';

/** What a visitor gets from the page as it is now rendered. */
function snapshot() {
  document.querySelectorAll('[aria-live], [role=status]').forEach((el) => el.remove());
  const visible = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true });
  const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')]
    .filter(visible)
    .map((el) => `${el.tagName.toLowerCase()}#${el.id || el.getAttribute('name') || el.getAttribute('href') || ''}`);
  const lines = document.body.innerText.split('\n').map((l) => l.trim()).filter(Boolean);
  const formsWithoutServer = [...document.forms]
    .filter((f) => f.getAttribute('method')?.toLowerCase() !== 'post' || !f.getAttribute('action')).length;
  const scriptLinks = document.querySelectorAll('a[href^="javascript:" i]').length;
  return { controls, lines, formsWithoutServer, scriptLinks };
}

async function render(browser, url, javaScriptEnabled) {
  const context = await browser.newContext({ javaScriptEnabled });
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    // evaluate runs even with page JavaScript off: it is the driver's, not the page's.
    return await page.evaluate(snapshot);
  } finally {
    await context.close();
  }
}

const missing = (withJs, withoutJs) => {
  const left = new Map();
  for (const x of withoutJs) left.set(x, (left.get(x) || 0) + 1);
  return withJs.filter((x) => {
    const n = left.get(x) || 0;
    if (n) left.set(x, n - 1);
    return !n;
  });
};

export async function needsJavaScript(base, paths, flags) {
  const browser = await chromium.launch({ executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: flags });
  try {
    const verdicts = {};
    for (const path of paths) {
      const on = await render(browser, base + path, true);
      const off = await render(browser, base + path, false);
      const why = [];
      const text = missing(on.lines, off.lines);
      if (text.length) why.push(`text only with JavaScript: ${JSON.stringify(text.slice(0, 3))}`);
      const controls = missing(on.controls, off.controls);
      if (controls.length) why.push(`links or controls only with JavaScript: ${controls.slice(0, 3).join(', ')}`);
      if (off.formsWithoutServer) why.push(`${off.formsWithoutServer} form(s) without method="post" and an action`);
      if (off.scriptLinks) why.push(`${off.scriptLinks} javascript: link(s)`);
      verdicts[path] = { needed: why.length > 0, why };
    }
    return verdicts;
  } finally {
    await browser.close();
  }
}
