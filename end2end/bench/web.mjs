// Time to a hydrated page in Chromium, for `tessera-bench web` (which starts the server and
// prints the tables). Each route is opened RUNS times in a fresh browser context (empty cache,
// "cold"), then once more in the same context ("warm": the bundle comes from the cache).
// Hydrated: the moment the app sets data-hydrated on <body>, read from the page's own clock
// (milliseconds since navigation began). Prints JSON.
import { chromium } from '@playwright/test';

const base = process.env.BASE;
const routes = JSON.parse(process.env.ROUTES);
const runs = Number(process.env.RUNS ?? 5);
const passwords = { operator: 'operator-demo', admin: 'admin-demo' };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});

function whenHydrated() {
  new MutationObserver((_, observer) => {
    if (document.body?.dataset.hydrated) {
      window.__hydrated = performance.now();
      observer.disconnect();
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
}

/** Time to hydrated, and to the first byte of the page (the server's part). */
async function open(page) {
  await page.waitForFunction(() => window.__hydrated !== undefined, null, { timeout: 60_000 });
  return page.evaluate(() => [window.__hydrated, performance.getEntriesByType('navigation')[0].responseStart]);
}

const results = [];
for (const route of routes) {
  const cold = [];
  const warm = [];
  const firstByte = [];
  let resources = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ baseURL: base });
    if (route.user) {
      const r = await context.request.post('/api/login', {
        form: { username: route.user, password: passwords[route.user] },
        headers: { origin: base },
      });
      if (!r.ok()) throw new Error(`sign-in as ${route.user}: ${r.status()}`);
    }
    await context.addInitScript(whenHydrated);
    const page = await context.newPage();
    await page.goto(route.path);
    const [hydrated, responseStart] = await open(page);
    cold.push(hydrated);
    firstByte.push(responseStart);
    if (i === 0) {
      resources = await page.evaluate(() =>
        [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => ({
          url: e.name,
          transferred: e.encodedBodySize,
          decoded: e.decodedBodySize,
        })),
      );
    }
    await page.goto(route.path);
    warm.push((await open(page))[0]);
    await context.close();
  }
  results.push({ name: route.name, path: route.path, cold, warm, firstByte, resources });
}
await browser.close();
console.log(JSON.stringify(results));
