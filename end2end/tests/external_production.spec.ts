import { Page } from '@playwright/test';
import { clickUntilShown, confirm, expect, follow, open, openUser, requestCard, signIn, signOut, test } from './helpers';

/** Order card on a user's page → Next; returns the card page's path. */
async function orderCard(page: Page, name: string): Promise<string> {
  const outcome = await requestCard(page, name, 'Order card');
  await expect(outcome.locator('[data-option="CardsExtProdQueue"]')).toHaveText('yes');
  await expect(outcome.locator('[data-option="CardsExtProdProductionType"]')).toHaveText('print_and_encode');
  await expect(outcome).toContainText('queued');
  await expect(outcome.locator('[data-state]')).toHaveAttribute('data-state', 'processing');
  return (await outcome.getByRole('link', { name: 'Open the card' }).getAttribute('href'))!;
}

test('Order card for external production: queue, order file, bureau report, abort only while queued', async ({ page }) => {
  await signIn(page, 'operator');
  const liam = await orderCard(page, 'Liam Lind');
  const maja = await orderCard(page, 'Maja Moreau');

  // A queued order can be aborted.
  await open(page, maja);
  await follow(page, page.getByTestId('commands').getByRole('link', { name: 'Abort card order' }));
  await clickUntilShown(page.getByRole('button', { name: 'Next' }), page.getByRole('alertdialog'));
  await confirm(page, 'Yes, abort card order');
  await expect(page.getByTestId('outcome').locator('[data-state]')).toHaveAttribute('data-state', 'aborted');
  await signOut(page);

  // The admin runs the sync: Liam's card goes out in an order file.
  await signIn(page, 'admin');
  await open(page, '/admin/external-production');
  await expect(page.getByTestId('queued')).toHaveText('1');
  await page.getByTestId('run-sync').click();
  await expect(page.getByTestId('sync-outcome')).toContainText('written with 1 card');
  await expect(page.getByTestId('order-files').locator('tbody tr')).toHaveCount(1);
  await expect(page.getByTestId('queued')).toHaveText('0');
  await signOut(page);

  // Ordered: no abort any more, not even by a crafted call.
  await signIn(page, 'operator');
  await open(page, liam);
  await expect(page.getByTestId('card-data').locator('[data-state]')).toHaveAttribute('data-state', 'ordered');
  await expect(page.getByTestId('commands')).toHaveCount(0);
  const cardId = liam.split('/').pop()!;
  const abort = await page.request.post('/api/run_process', {
    data: { process: 'CardsAddonExtProdProcAbort', kind: 'card', id: Number(cardId), version: 2, input: {} },
  });
  expect(abort.ok()).toBe(false);
  expect(await abort.text()).toContain('processing');

  // The bureau reports: Liam's card is produced; a bad line is refused with its reason.
  const report = `card_id,status,message\n${cardId},produced,ok\nabc,produced,\n`;
  const refused = await page.request.post('/bureau/reports', { data: report, headers: { 'Content-Type': 'text/csv' } });
  expect(refused.status()).toBe(401);
  const answer = await page.request.post('/bureau/reports', {
    data: report,
    headers: { 'Content-Type': 'text/csv', Authorization: 'Bearer e2e-bureau-token' },
  });
  expect(answer.ok()).toBe(true);
  const body = await answer.json();
  expect(body.applied).toBe(1);
  expect(body.refused[0][2]).toContain('not a card number');
  await open(page, liam);
  await expect(page.getByTestId('card-data').locator('[data-state]')).toHaveAttribute('data-state', 'produced');
});

test('a second order for the same user is refused while one is under way', async ({ page }) => {
  await signIn(page, 'operator');
  await orderCard(page, 'Nils Nord');
  await openUser(page, 'Nils Nord');
  await page.getByTestId('commands').getByRole('link', { name: 'Order card' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('alert')).toContainText('multiple card orders are not allowed');
});

test('an admin uploads a bureau report by hand, and the same report applies once', async ({ page }) => {
  await signIn(page, 'operator');
  await open(page, '/temp-cards');
  const newest = page.getByTestId('temp-cards').getByTestId('list-row').first();
  const before = (await newest.count()) ? await newest.getAttribute('data-id') : null;
  await page.getByTestId('order-count').fill('1');
  await clickUntilShown(page.getByTestId('order-temp-cards'), page.getByTestId('ordered'));
  await expect(page.getByTestId('ordered')).toContainText('1 temporary card ordered');
  await expect.poll(() => newest.getAttribute('data-id')).not.toBe(before);
  const id = await newest.getAttribute('data-id');
  await signOut(page);

  await signIn(page, 'admin');
  await open(page, '/admin/external-production');
  await clickUntilShown(page.getByTestId('run-sync'), page.getByTestId('sync-outcome'));
  const upload = page.getByTestId('upload-report');
  await upload.getByLabel('Report file').setInputFiles({
    name: 'bureau-report.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`card_id,status\nT${id},produced\n`),
  });
  await expect(upload.getByLabel('or its text')).toHaveValue(new RegExp(`T${id},produced`));
  await upload.getByRole('button', { name: 'Apply report' }).click();
  await expect(page.getByTestId('upload-outcome')).toContainText('1 line applied, 0 refused');
  await expect(page.getByTestId('reports')).toContainText('bureau-report.csv');
  await upload.getByRole('button', { name: 'Apply report' }).click();
  await expect(page.getByRole('alert')).toContainText('applied already');
  await open(page, `/temp-cards/${id}`);
  await expect(page.getByTestId('temp-card-data')).toContainText('Produced');
});
