import { expect, open, signIn, signOut, test } from './helpers';

test('the home page is a dashboard of the work waiting for each role', async ({ page }) => {
  await signIn(page, 'operator');
  // A batch order of two temporary cards, made as the pages make it.
  const ids: number[] = await (await page.request.post('/api/request_temp_cards', { form: { count: '2' } })).json();
  const batch: number = await (await page.request.post('/api/create_batch', { data: { kind: 'temp_card', ids } })).json();
  await open(page, '/');
  const board = page.getByTestId('dashboard');
  await expect(board.getByRole('heading', { name: /Open batches/ })).toBeVisible();
  await expect(board.getByRole('heading', { name: /Credentials expiring in 30 days/ })).toBeVisible();
  await expect(board.getByRole('heading', { name: /Jobs in doubt/ })).toBeVisible();
  await expect(board.getByTestId('requests-for-me')).toHaveCount(0);
  await expect(board.getByTestId('mails-given-up')).toHaveCount(0);
  // Each line leads to its object.
  await board.getByTestId('open-batches').getByRole('link', { name: `Batch order ${batch} of temporary cards, open` }).click();
  await expect(page).toHaveURL(new RegExp(`/batch-orders/${batch}$`));
  await signOut(page);

  await signIn(page, 'approver');
  await open(page, '/');
  await expect(page.getByTestId('requests-for-me')).toContainText(/request|None/);
  await expect(page.getByTestId('open-batches')).toHaveCount(0);
  await page.getByTestId('requests-for-me').getByRole('link').click();
  await expect(page).toHaveURL(/\/requests$/);
  await signOut(page);

  await signIn(page, 'admin');
  await open(page, '/');
  await expect(page.getByTestId('mails-given-up').getByRole('heading', { name: /Mails given up/ })).toBeVisible();
});
