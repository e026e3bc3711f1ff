import AxeBuilder from '@axe-core/playwright';
import { Page } from '@playwright/test';
import { expect, open, signIn, signOut, test } from './helpers';

/** Every serious or critical violation of axe-core's WCAG 2.1 A and AA rules, page by page. */
const problems: string[] = [];

async function accessible(page: Page, path: string) {
  await open(page, path);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  for (const v of results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
    problems.push(`${path}: ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`);
  }
}

/** The address of the first link in the Quick search results for `text`. */
async function firstFound(page: Page, kind: string, text: string): Promise<string> {
  await open(page, `/search?kind=${kind}&q=${encodeURIComponent(text)}`);
  return (await page.getByTestId('search-results').getByRole('link').first().getAttribute('href'))!;
}

test('every page passes axe-core (WCAG 2.1 AA) without serious or critical violations', async ({ page }) => {
  test.setTimeout(300_000);
  for (const path of ['/login', '/welcome', '/mobile-id']) {
    await accessible(page, path);
  }

  await signIn(page, 'operator');
  const alice = await firstFound(page, 'user', 'Alice Andersson');
  const card = await firstFound(page, 'card', 'Alice Andersson');
  const temp: number[] = await (await page.request.post('/api/request_temp_cards', { form: { count: '1' } })).json();
  const batch: number = await (await page.request.post('/api/create_batch', { data: { kind: 'temp_card', ids: temp } })).json();
  for (const path of [
    '/',
    '/search?kind=user&q=a',
    alice,
    `${alice}/edit`,
    `${alice}/request-card`,
    `${alice}/process/UsersProcDeactivate`,
    card,
    `${card}/process/CardsProcDeactivate`,
    `/temp-cards/${temp[0]}`,
    `/batch-orders/${batch}`,
    '/users/new',
    '/users/import',
    '/temp-cards',
    '/batch-orders',
    '/lists/failed-cards',
    '/account',
  ]) {
    await accessible(page, path);
  }
  await signOut(page);

  await signIn(page, 'approver');
  await accessible(page, '/requests');
  await signOut(page);

  await signIn(page, 'admin');
  for (const path of [
    '/admin/options/CardsScriptOptions',
    '/admin/audit',
    '/admin/ca',
    '/admin/external-production',
    '/admin/accounts',
    '/admin/commands/user',
    '/admin/certificate-profiles',
  ]) {
    await accessible(page, path);
  }
  await signOut(page);

  await signIn(page, 'alice');
  await accessible(page, '/me');

  expect(problems, problems.join('\n')).toEqual([]);
});
