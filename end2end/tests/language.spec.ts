import AxeBuilder from '@axe-core/playwright';
import { expect, open, PASSWORDS, signIn, signOut, test } from './helpers';

// Each test chooses the language of its own account and goes back to "the browser's language"
// at the end, so the other tests find the accounts as they were.

test.describe('a browser that asks for Swedish', () => {
  test.use({ locale: 'sv-SE' });

  test('gets the sign-in page in Swedish, marked as Swedish', async ({ page }) => {
    await open(page, '/login');
    await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
    await expect(page.getByRole('button', { name: 'Logga in' })).toBeVisible();
    await expect(page.getByLabel('Lösenord')).toBeVisible();
  });
});

// Whatever happens in the test, the other tests find the approver in the browser's language.
test.afterAll(async ({ playwright }, testInfo) => {
  const baseURL = testInfo.project.use.baseURL!;
  const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  const login = await api.post('/api/login', { form: { username: 'approver', password: PASSWORDS.approver } });
  expect(login.status()).toBe(200);
  expect((await api.post('/api/set_language', { form: {} })).status()).toBe(200);
  await api.dispose();
});

test('an account that chooses Svenska gets every page in Swedish, on any browser, until it chooses again', async ({ page, browser }) => {
  await signIn(page, 'approver');
  await open(page, '/account');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByTestId('language-choice').selectOption('sv');
  await page.getByTestId('language').getByRole('button', { name: 'Save' }).click();
  // The page again, in Swedish.
  await expect(page.getByRole('heading', { name: 'Mitt konto', level: 1 })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
  await expect(page.locator('header nav').getByRole('link', { name: 'Begäranden' })).toBeVisible();
  await expect(page.locator('header nav')).toHaveAttribute('aria-label', 'Sidor');

  // Rendered by the server in Swedish too, and the page's moments in Swedish.
  await open(page, '/requests');
  await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
  await expect(page.getByRole('link', { name: 'Begäranden' })).toBeVisible();
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`)).toEqual([]);

  // Another browser, which asks for English: the account's language wins once signed in.
  const other = await browser.newContext({ locale: 'en-US' });
  const elsewhere = await other.newPage();
  await signIn(elsewhere, 'approver');
  await open(elsewhere, '/account');
  await expect(elsewhere.locator('html')).toHaveAttribute('lang', 'sv');
  await expect(elsewhere.getByTestId('language-choice')).toHaveValue('sv');
  await other.close();

  // Back to the browser's language (English here).
  await open(page, '/account');
  await page.getByTestId('language-choice').selectOption('');
  await page.getByTestId('language').getByRole('button', { name: 'Spara' }).click();
  await expect(page.getByRole('heading', { name: 'My account', level: 1 })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await signOut(page);
});
