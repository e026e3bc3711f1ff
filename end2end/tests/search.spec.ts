import { expect, find, open, signIn, test } from './helpers';

test('Quick search and the SEARCH tab: a kind, a Status, keyboard first', async ({ page }) => {
  await signIn(page, 'operator');
  // "/" puts the cursor in Quick search; User is the first kind; Enter searches.
  await page.keyboard.press('/');
  const quick = page.getByLabel('Quick search', { exact: true });
  await expect(quick).toBeFocused();
  await page.keyboard.type('Karim');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/search\?kind=user&q=Karim$/);
  await expect(page.getByTestId('search-results').getByRole('link', { name: 'Karim Khan' })).toBeVisible();

  // Cards by their holder: Alice has two; with the Status Active, one.
  await find(page, 'Card', 'Alice Andersson');
  const rows = page.getByTestId('search-results').getByTestId('list-row');
  await expect(rows).toHaveCount(2);
  const tab = page.getByTestId('search-tab');
  await tab.getByLabel('Status').selectOption({ label: 'Active' });
  await tab.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/state=active/);
  await expect(rows).toHaveCount(1);
  await expect(rows.first().locator('[data-state]')).toHaveAttribute('data-state', 'active');

  // "In the SEARCH tab, select Temporary card … Select state Produced in the Status drop-down
  // list, and click Search": the Status list follows the kind.
  await tab.getByLabel('Kind').selectOption({ label: 'Temporary card' });
  await tab.getByLabel('Status').selectOption({ label: 'Produced' });
  await tab.getByLabel('Search for').fill('');
  await tab.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/kind=temp_card&state=produced/);
  await expect(page.getByTestId('search-results').or(page.getByTestId('search-empty'))).toBeVisible();
  const states = page.getByTestId('search-results').locator('[data-state]');
  for (const s of await states.all()) await expect(s).toHaveAttribute('data-state', 'produced');

  // A state of another kind in the address is refused with a sentence.
  await open(page, '/search?kind=card&state=produced-ish');
  await expect(page.getByRole('alert')).toContainText('is not a state of a card');
});

test('a self-service account has no Quick search, and the search is refused to it', async ({ page }) => {
  await signIn(page, 'alice');
  await expect(page.getByRole('search')).toHaveCount(0);
  await open(page, '/search?kind=user&q=a');
  await expect(page.getByRole('alert')).toContainText('may not search');
});

test('a list is ordered by the column whose heading is clicked, and again the other way', async ({ page }) => {
  await signIn(page, 'operator');
  await open(page, '/search?kind=user');
  const results = page.getByTestId('search-results');
  const holder = results.getByRole('columnheader', { name: 'Holder' });
  const initials = async () =>
    (await results.getByTestId('list-row').locator('td:nth-child(2)').allTextContents()).map((t) => t.trim().charAt(0).toLowerCase());
  // Newest first until a heading is clicked.
  await expect(results.getByRole('columnheader', { name: 'Object' })).toHaveAttribute('aria-sort', 'descending');
  await holder.getByRole('button').click();
  await expect(holder).toHaveAttribute('aria-sort', 'ascending');
  let seen = await initials();
  expect(seen.length).toBeGreaterThan(10);
  expect(seen).toEqual([...seen].sort());
  await holder.getByRole('button').click();
  await expect(holder).toHaveAttribute('aria-sort', 'descending');
  seen = await initials();
  expect(seen).toEqual([...seen].sort().reverse());
  // Certificates have no holder of their own: that heading is not a button.
  await open(page, '/search?kind=certificate');
  await expect(page.getByTestId('search-results').getByRole('columnheader', { name: 'Holder' }).getByRole('button')).toHaveCount(0);
});
