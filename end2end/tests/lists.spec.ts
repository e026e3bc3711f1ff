import { expect, open, signIn, test } from './helpers';

test('the menu offers each role its lists, and a list shows only its states', async ({ page }) => {
  await signIn(page, 'operator');
  const nav = page.locator('header nav');
  await expect(nav.getByRole('link', { name: 'Failed cards', exact: true })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Expired temporary cards', exact: true })).toBeVisible();
  await nav.getByRole('link', { name: 'Expired certificates', exact: true }).click();
  await expect(page).toHaveURL(/\/lists\/expired-certificates$/);
  await expect(page.getByRole('heading', { name: 'Expired certificates' })).toBeVisible();
  await expect(page.getByText('Certificates past their end date.')).toBeVisible();

  // Whatever other tests left behind, a list holds only its own state, each row linking to
  // the page of the object it belongs to.
  await open(page, '/lists/failed-cards');
  await expect(page.getByRole('heading', { name: 'Failed cards' })).toBeVisible();
  await expect(page.getByTestId('list').or(page.getByTestId('list-empty'))).toBeVisible();
  const rows = page.getByTestId('list-row');
  for (const row of await rows.all()) {
    await expect(row.locator('[data-state]')).toHaveAttribute('data-state', 'failed');
    await expect(row.getByRole('link')).toHaveAttribute('href', /^\/cards\/\d+$/);
  }
  if ((await rows.count()) === 0) {
    await expect(page.getByTestId('list-empty')).toHaveText('No card has failed.');
  }

  await open(page, '/lists/no-such-list');
  await expect(page.getByRole('alert')).toContainText('There is no such list.');
});

test('a list is not offered to a role it does not name, and refused when asked for', async ({ page }) => {
  await signIn(page, 'approver');
  await expect(page.locator('header nav').getByRole('link', { name: 'Requests', exact: true })).toBeVisible();
  await expect(page.locator('header nav').getByRole('link', { name: 'Failed cards' })).toHaveCount(0);
  await open(page, '/lists/failed-cards');
  await expect(page.getByRole('alert')).toContainText('see failed cards');
});
