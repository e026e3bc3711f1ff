import { Page } from '@playwright/test';
import { confirm, expect, open, repeatUntilShown, requestCard, requestRow, signIn, signOut, test, virtualCard } from './helpers';

// The second vpcd reader (the engine tests use the first); each card is a fresh blank one.
const READER = 'Virtual PCD 00 01';
const card = virtualCard('35964');

test.afterEach(() => card.remove());

function readerLine(page: Page) {
  return page.getByTestId('reader').filter({ hasText: READER });
}

/** Request card as the operator, approval by the approver. */
async function approve(page: Page, names: string[]) {
  await signIn(page, 'operator');
  for (const name of names) await requestCard(page, name);
  await signOut(page);
  await signIn(page, 'approver');
  await open(page, '/requests');
  for (const name of names) {
    await requestRow(page, name).getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByRole('status')).toContainText('the card is now approved');
  }
  await signOut(page);
}

test('Issue multiple cards: approved personal cards found with their holders, encoded card after card, Complete order', async ({ page }) => {
  await approve(page, ['Elena Ek', 'Farid Falk']);
  await signIn(page, 'operator');
  await open(page, '/batch-orders');
  await repeatUntilShown(() => page.getByTestId('kind-card').check(), page.getByRole('heading', { name: 'Issue multiple cards' }));
  await page.getByTestId('search').click();
  // Earlier tests may have left approved cards of other users: tick these two.
  const rows = page.getByTestId('requested-card');
  for (const name of ['Elena Ek', 'Farid Falk']) {
    await rows.filter({ hasText: name }).getByTestId('pick').check();
  }
  await expect(page.getByTestId('issue-multiple')).toContainText('Issue multiple cards (2 selected)');
  await page.getByTestId('issue-multiple').click();
  await expect(page).toHaveURL(/\/batch-orders\/\d+$/);
  const cards = page.getByTestId('batch-cards').getByTestId('batch-card');
  await expect(cards).toHaveCount(2);
  await expect(cards.nth(0)).toContainText('Elena Ek');
  await expect(cards.nth(1)).toContainText('Farid Falk');

  card.insert(6_400_001);
  await expect(readerLine(page)).toContainText('blank');
  await readerLine(page).getByRole('radio').check();
  await page.getByTestId('next').click();
  await expect(cards.nth(0)).toHaveAttribute('data-state', 'issued', { timeout: 60_000 });
  await expect(page.getByTestId('batch-message')).toContainText('Take out card');
  await card.remove();
  card.insert(6_400_002);
  await expect(cards.nth(1)).toHaveAttribute('data-state', 'issued', { timeout: 60_000 });
  await expect(page.getByTestId('batch-message')).toContainText('Production finished');
  await expect(cards.getByTestId('pin').nth(1)).toHaveText(/^\d{6}$/);
  const firstPin = await cards.getByTestId('pin').nth(0).textContent();

  // Elena's card was printed wrongly: Repeat production makes it again on a new blank, after
  // a question, because what the first card held is revoked.
  await expect(page.getByTestId('again')).toHaveCount(2);
  await expect(page.getByTestId('repeat')).toBeDisabled();
  await cards.nth(0).getByTestId('again').check();
  await card.remove();
  card.insert(6_400_003);
  await page.getByTestId('repeat').click();
  await expect(page.getByRole('alertdialog')).toContainText('revoked (superseded)');
  await confirm(page, 'Yes, repeat production');
  // The new card's PIN replaces the first one once it is encoded.
  await expect(cards.getByTestId('pin').nth(0)).not.toHaveText(firstPin ?? '', { timeout: 60_000 });
  await expect(cards.getByTestId('pin').nth(0)).toHaveText(/^\d{6}$/);
  await expect(page.getByTestId('batch-message')).toContainText('Production finished');
  await expect(cards.nth(0)).toHaveAttribute('data-state', 'issued');
  await page.getByTestId('complete').click();
  await confirm(page, 'Yes, complete order');
  await expect(page.getByTestId('batch-data')).toHaveAttribute('data-state', 'completed');
  const batch = new URL(page.url()).pathname.split('/').pop()!;

  // BATCH ORDERS lists it, newest first, with its cards.
  const cardHref = (await cards.nth(0).getByRole('link').getAttribute('href'))!;
  await open(page, '/batch-orders');
  const listed = page.getByTestId('batches').locator(`[data-testid="list-row"][data-id="${batch}"]`);
  await expect(listed).toContainText('of cards, 2 cards');
  await expect(listed.locator('[data-state]')).toHaveAttribute('data-state', 'completed');
  // Its Status filter: completed ones keep it, cancelled ones do not.
  await page.getByTestId('batch-state').selectOption({ label: 'Cancelled' });
  await expect(listed).toHaveCount(0);
  for (const state of await page.getByTestId('batches').locator('[data-state]').all()) {
    await expect(state).toHaveAttribute('data-state', 'cancelled');
  }
  await page.getByTestId('batch-state').selectOption({ label: 'Completed' });
  await expect(listed).toBeVisible();

  // The card page shows it issued, with the chip.
  await open(page, cardHref);
  await expect(page.getByTestId('card-data').locator('[data-state]')).toHaveAttribute('data-state', 'issued');
});
