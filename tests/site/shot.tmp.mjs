import { startServer, launchChromium } from '../browser/support.mjs';
const server = await startServer({});
const browser = await launchChromium();
const [,, path, width, ...ys] = process.argv;
const ctx = await browser.newContext({ viewport: { width: +width, height: 800 }, javaScriptEnabled: !process.env.NOJS, colorScheme: process.env.DARK ? 'dark' : 'light' });
const page = await ctx.newPage();
if (process.env.PRINT) await page.emulateMedia({ media: 'print' });
await page.goto(server.base + path);
if (process.env.SUBMIT) { await page.click('form [type=submit]'); await page.locator('#error-summary:not([hidden])').waitFor(); }
for (const y of ys) { await page.evaluate((y) => window.scrollTo(0, y), +y); await page.screenshot({ path: `/tmp/shot-${y}.png` }); }
await browser.close(); await server.stop();
