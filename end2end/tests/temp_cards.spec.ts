import { Page } from '@playwright/test';
import { clickUntilShown, confirm, expect, follow, open, repeatUntilShown, signIn, signOut, test, virtualCard } from './helpers';

// The second vpcd reader (the engine tests use the first); each card is a fresh blank one.
const READER = 'Virtual PCD 00 01';
const card = virtualCard('35964');
const insertCard = (serial: number, pullAtCertificateWrite = false) =>
  card.insert(serial, undefined, pullAtCertificateWrite);
const removeCard = () => card.remove();

test.afterEach(removeCard);

function readerLine(page: Page) {
  return page.getByTestId('reader').filter({ hasText: READER });
}

test('Issue multiple temporary cards: search, tick, Next card after card through the reader, PINs once, Complete order', async ({ page }) => {
  await signIn(page, 'operator');
  await open(page, '/temp-cards');
  // A count that is not a number: refused (and safe to repeat while the page hydrates).
  await repeatUntilShown(async () => {
    await page.getByTestId('count').fill('two');
    await page.getByTestId('request-temp-cards').click();
  }, page.getByRole('alert'));
  await expect(page.getByRole('alert')).toContainText('as a number');
  await page.getByTestId('count').fill('2');
  await page.getByTestId('request-temp-cards').click();
  await expect(page.getByTestId('requested')).toContainText('2 temporary cards requested');

  await open(page, '/batch-orders');
  const rows = page.getByTestId('requested-card');
  await repeatUntilShown(() => page.getByTestId('search').click(), rows.first());
  await expect(rows).toHaveCount(2);
  // Nothing ticked: a clear refusal, and no batch order.
  await page.getByTestId('issue-multiple').click();
  await expect(page.getByTestId('batch-error')).toContainText('No cards are selected');
  await page.getByTestId('pick-all').check();
  await expect(page.getByTestId('issue-multiple')).toContainText('2 selected');
  await page.getByTestId('issue-multiple').click();
  await expect(page).toHaveURL(/\/batch-orders\/\d+$/);
  await expect(page.getByTestId('batch-data')).toHaveAttribute('data-state', 'open');
  await expect(page.getByTestId('batch-cards').getByTestId('batch-card')).toHaveCount(2);
  // Cancel order asks first; No leaves the order as it was.
  await page.getByTestId('cancel').click();
  await expect(page.getByRole('alertdialog')).toContainText('The order ends and its cards are released');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  await expect(page.getByTestId('cancel')).toBeFocused();
  await expect(page.getByTestId('batch-data')).toHaveAttribute('data-state', 'open');

  // The first blank card in the reader; Next.
  insertCard(6_100_001);
  await expect(readerLine(page)).toContainText('blank');
  await readerLine(page).getByRole('radio').check();
  await page.getByTestId('next').click();
  const progress = page.getByTestId('batch-progress');
  await expect(progress).toHaveAttribute('data-produced', '1', { timeout: 60_000 });
  await expect(page.getByTestId('batch-message')).toContainText('Take out temporary card');
  await removeCard();
  await expect(page.getByTestId('batch-message')).toContainText('Insert a blank card');
  insertCard(6_100_002);
  await expect(progress).toHaveAttribute('data-produced', '2', { timeout: 60_000 });
  await expect(page.getByTestId('batch-message')).toContainText('Production finished');
  const pins = page.getByTestId('batch-card').getByTestId('pin');
  await expect(pins.nth(0)).toHaveText(/^\d{6}$/);
  await expect(pins.nth(1)).toHaveText(/^\d{6}$/);
  await expect(page.getByTestId('batch-card').nth(0)).toHaveAttribute('data-state', 'unassigned');

  // The PIN letters, one a card, are what the printer gets; leaving the page asks first.
  await expect(page.getByTestId('pins-warning')).toContainText('The PINs are shown only now');
  await expect(page.getByTestId('print-pins')).toHaveText('Print PIN letters (2)');
  const letters = page.getByTestId('pin-letter');
  await expect(letters).toHaveCount(2);
  await expect(letters.nth(0)).toBeHidden();
  await page.emulateMedia({ media: 'print' });
  await expect(letters.nth(0)).toBeVisible();
  await expect(letters.nth(0).locator('.pin')).toHaveText((await pins.nth(0).textContent())!);
  await expect(letters.nth(1).locator('.pin')).toHaveText((await pins.nth(1).textContent())!);
  await expect(page.getByTestId('batch-cards')).toBeHidden();
  await page.emulateMedia({ media: 'screen' });
  let asked = '';
  page.once('dialog', async (d) => {
    asked = d.message();
    await d.dismiss();
  });
  await page.getByRole('link', { name: '← BATCH ORDERS' }).click();
  await expect.poll(() => asked).toContain('The PINs of this batch are shown only now');
  await expect(page).toHaveURL(/\/batch-orders\/\d+$/);
  await expect(pins.nth(0)).toHaveText(/^\d{6}$/);

  // The PINs are not shown again.
  await open(page, new URL(page.url()).pathname);
  await expect(page.getByTestId('batch-data')).toHaveAttribute('data-state', 'in_production');
  await expect(page.getByTestId('batch-card').getByTestId('pin').nth(0)).toHaveText('');

  await page.getByTestId('complete').click();
  await confirm(page, 'Yes, complete order');
  await expect(page.getByTestId('batch-outcome')).toContainText('completed');
  await expect(page.getByTestId('batch-data')).toHaveAttribute('data-state', 'completed');
});

test('a card taken out of the reader mid-batch fails with its reason; the batch goes on and Repeat production makes it', async ({ page }) => {
  await signIn(page, 'operator');
  await open(page, '/temp-cards');
  await repeatUntilShown(async () => {
    await page.getByTestId('count').fill('2');
    await page.getByTestId('request-temp-cards').click();
  }, page.getByTestId('requested'));
  await open(page, '/batch-orders');
  const rows = page.getByTestId('requested-card');
  await repeatUntilShown(() => page.getByTestId('search').click(), rows.first());
  await page.getByTestId('pick-all').check();
  await page.getByTestId('issue-multiple').click();
  await expect(page).toHaveURL(/\/batch-orders\/\d+$/);
  const cards = page.getByTestId('batch-cards').getByTestId('batch-card');
  await expect(cards).toHaveCount(2);

  // The first card is pulled out in the middle of its encoding, as its certificates are written.
  insertCard(6_300_001, true);
  await expect(readerLine(page)).toContainText('blank');
  await readerLine(page).getByRole('radio').check();
  await page.getByTestId('next').click();
  await expect(cards.nth(0)).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  await expect(cards.nth(0)).toContainText('removed');
  await expect(page.getByTestId('batch-message')).toContainText('Insert a blank card', { timeout: 60_000 });
  await removeCard();
  // The batch goes on with the second card.
  insertCard(6_300_002);
  await expect(cards.nth(1)).toHaveAttribute('data-state', 'unassigned', { timeout: 60_000 });
  await expect(page.getByTestId('batch-message')).toContainText('Production finished');
  await expect(page.getByTestId('batch-progress')).toContainText('1 failed');
  // Complete order waits for the failed card: Repeat production with a new blank card.
  await removeCard();
  insertCard(6_300_003);
  await expect(readerLine(page)).toContainText('blank', { timeout: 60_000 });
  await readerLine(page).getByRole('radio').check();
  await page.getByTestId('repeat').click();
  await expect(cards.nth(0)).toHaveAttribute('data-state', 'unassigned', { timeout: 60_000 });
  await page.getByTestId('complete').click();
  await confirm(page, 'Yes, complete order');
  await expect(page.getByTestId('batch-data')).toHaveAttribute('data-state', 'completed');
});

test('a produced temporary card is assigned to a user for 14 days and withdrawn with a reason', async ({ page }) => {
  await signIn(page, 'operator');
  await open(page, '/temp-cards');
  await follow(page, page.getByTestId('temp-cards').getByTestId('list-row').filter({ hasText: 'Unassigned' }).first().getByRole('link'));
  const cardPath = new URL(page.url()).pathname;
  await expect(page.getByTestId('temp-card-data')).toContainText('Unassigned');

  await follow(page, page.getByTestId('commands').getByRole('link', { name: 'Assign temporary card' }));
  await expect(page.getByTestId('validity')).toContainText('14 days');
  // No user chosen: refused, nothing changes.
  await clickUntilShown(page.getByTestId('next'), page.getByRole('alert'));
  await expect(page.getByRole('alert')).toContainText('Choose the user');
  const option = page.getByTestId('user').locator('option').nth(1);
  const userName = (await option.textContent())!;
  await page.getByTestId('user').selectOption((await option.getAttribute('value'))!);
  await page.getByTestId('next').click();
  await expect(page.getByTestId('outcome')).toContainText('Assigned');
  await expect(page.getByTestId('outcome')).toContainText('Assigned until');

  await open(page, cardPath);
  await expect(page.getByTestId('holder')).toContainText(userName.split(' (')[0]);
  await follow(page, page.getByTestId('commands').getByRole('link', { name: 'Withdraw temporary card' }));
  await clickUntilShown(page.getByTestId('next'), page.getByRole('alert'));
  await expect(page.getByRole('alert')).toContainText('choose a reason');
  await page.locator('#reason').selectOption({ index: 1 });
  await page.getByTestId('next').click();
  await expect(page.getByTestId('outcome')).toContainText('Unassigned');
});

test('Order temporary cards from the bureau: abort while queued, not once ordered; Initialize a produced one in the reader', async ({ page }) => {
  await signIn(page, 'operator');
  await open(page, '/temp-cards');
  await repeatUntilShown(async () => {
    await page.getByTestId('order-count').fill('none');
    await page.getByTestId('order-temp-cards').click();
  }, page.getByRole('alert'));
  await expect(page.getByRole('alert')).toContainText('as a number');
  await page.getByTestId('order-count').fill('2');
  await page.getByTestId('order-temp-cards').click();
  await expect(page.getByTestId('ordered')).toContainText('2 temporary cards ordered');
  await expect(page.getByTestId('ordered')).toContainText('processing');
  const rows = page.getByTestId('temp-cards').getByTestId('list-row');
  await expect(rows.nth(1)).toContainText('Processing');
  const [aborted, ordered] = [await rows.nth(0).getAttribute('data-id'), await rows.nth(1).getAttribute('data-id')];

  // Queued: Abort temporary card order.
  await open(page, `/temp-cards/${aborted}`);
  await follow(page, page.getByTestId('commands').getByRole('link', { name: 'Abort temporary card order' }));
  // Aborted is final: Next asks first.
  await clickUntilShown(page.getByTestId('next'), page.getByRole('alertdialog'));
  await expect(page.getByRole('alertdialog')).toContainText('which is final');
  await confirm(page, 'Yes, abort temporary card order');
  await expect(page.getByTestId('outcome')).toContainText('Aborted');
  await signOut(page);

  // The admin's sync sends the other one to the bureau.
  await signIn(page, 'admin');
  await open(page, '/admin/external-production');
  await repeatUntilShown(() => page.getByTestId('run-sync').click(), page.getByTestId('sync-outcome'));
  await expect(page.getByTestId('sync-outcome')).toContainText('temporary.zip written with 1 card');
  await signOut(page);

  // Ordered: Abort is gone from the page, and a crafted call is refused with the reason.
  await signIn(page, 'operator');
  await open(page, `/temp-cards/${ordered}`);
  await expect(page.getByTestId('temp-card-data')).toContainText('Ordered');
  await expect(page.getByTestId('commands').getByRole('link', { name: 'Abort temporary card order' })).toHaveCount(0);
  const abort = await page.request.post('/api/run_process', {
    data: { process: 'TempCardsAddonExtProdProcAbort', kind: 'temp_card', id: Number(ordered), version: 2, input: {} },
  });
  expect(abort.ok()).toBe(false);
  expect(await abort.text()).toContain('processing');

  // The bureau reports the card produced, by the name the order file gave it.
  const answer = await page.request.post('/bureau/reports', {
    data: `card_id,status\nT${ordered},produced\n`,
    headers: { 'Content-Type': 'text/csv', Authorization: 'Bearer e2e-bureau-token' },
  });
  expect((await answer.json()).applied).toBe(1);

  // Initialize temporary card: the card from the bureau in the reader.
  await open(page, `/temp-cards/${ordered}`);
  await expect(page.getByTestId('temp-card-data')).toContainText('Produced');
  const panel = page.getByTestId('issue-card');
  await expect(panel.getByRole('heading', { name: 'Initialize temporary card' })).toBeVisible();
  insertCard(6_200_001);
  await expect(readerLine(page)).toContainText('blank');
  await readerLine(page).getByRole('radio').check();
  // "Select the card you want to initialize and click Initialize temporary card. Click Next."
  await page.getByRole('button', { name: 'Initialize temporary card' }).click();
  await expect(panel).toBeFocused();
  await panel.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId('job-outcome')).toContainText('initialized and unassigned', { timeout: 60_000 });
  await expect(page.getByTestId('pin-value')).toHaveText(/^\d{6}$/);
  await expect(page.getByTestId('temp-card-data')).toContainText('Unassigned');
  await expect(page.getByTestId('temp-card-data')).toContainText('6200001');
});
