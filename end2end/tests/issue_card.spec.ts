import { Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { confirm, expect, open, openUser, requestCard, requestRow, signIn, signOut, test, virtualCard } from './helpers';

// The second vpcd reader; the engine tests use the first.
const READER = 'Virtual PCD 00 01';
const state = join(mkdtempSync(join(tmpdir(), 'tessera-card-')), 'card.json');
const card = virtualCard('35964');
/** Puts a virtual PIV card (kept in `state`, so it stays encoded between tests) into the reader. */
const insertCard = (serial: number) => card.insert(serial, state);
const removeCard = () => card.remove();

test.afterEach(removeCard);

/** Request card as the operator, approval by the approver; returns the card page's path. */
async function approvedCard(page: Page, name: string): Promise<string> {
  await signIn(page, 'operator');
  const outcome = await requestCard(page, name);
  const href = await outcome.getByRole('link', { name: 'Open the card' }).getAttribute('href');
  await signOut(page);
  await signIn(page, 'approver');
  await open(page, '/requests');
  await requestRow(page, name).getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toContainText('the card is now approved');
  await signOut(page);
  return href!;
}

function readerLine(page: Page) {
  return page.getByTestId('reader').filter({ hasText: READER });
}

test('Issue card: live readers, step-by-step progress, the PIN once, and a card OpenSC accepts', async ({ page }) => {
  const cardPath = await approvedCard(page, 'Greta Gran');
  const cardId = cardPath.split('/').pop()!;

  await signIn(page, 'operator');
  await open(page, cardPath);
  const panel = page.getByTestId('issue-card');
  await expect(panel).toContainText('Authentication → 9A PIV Authentication');
  // No card yet; the reader list changes live when one is inserted.
  await expect(readerLine(page)).toHaveAttribute('data-present', 'false');
  await expect(page.getByTestId('issue')).toBeDisabled();
  insertCard(5_200_001);
  await expect(readerLine(page)).toHaveAttribute('data-present', 'true');
  await expect(readerLine(page)).toContainText('blank');
  await expect(readerLine(page)).toContainText('serial 5200001');

  await readerLine(page).getByRole('radio').check();
  await page.getByTestId('issue').click();
  const progress = page.getByTestId('job-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(progress.locator('[data-status="done"]')).toHaveCount(9);
  await expect(page.getByTestId('job-outcome')).toContainText('The card is issued');
  const pin = (await page.getByTestId('pin-value').textContent())!.trim();
  expect(pin).toMatch(/^\d{6}$/);
  // The card page follows: the card is issued, with three certificates.
  await expect(page.getByTestId('card-data')).toContainText('Issued');
  await expect(page.getByTestId('certificates').locator('tbody tr')).toHaveCount(3);

  // OpenSC accepts the PIN shown, and refuses the factory PIN.
  const verify = (p: string) =>
    execFileSync('pkcs15-tool', ['--reader', '1', '--verify-pin', '--auth-id', '01', '--pin', p], { encoding: 'utf8' });
  expect(() => verify(pin)).not.toThrow();
  expect(() => verify('123456')).toThrow();
  verify(pin);

  // The PIN is not shown again.
  await open(page, cardPath);
  await expect(page.getByTestId('jobs').getByTestId('job')).toHaveAttribute('data-state', 'succeeded');
  await expect(page.getByTestId('pin')).toHaveCount(0);
  const jobId = await page.getByTestId('jobs').getByTestId('job').locator('td').first().textContent();
  const again = await page.request.post('/api/encoding_job', { form: { job_id: jobId! } });
  expect(again.ok()).toBe(true);
  expect((await again.json()).pin).toBeNull();

  // Pulling the card out shows live.
  await removeCard();
  await expect(readerLine(page)).toHaveAttribute('data-present', 'false');
  await signOut(page);

  // An approver may not issue cards or watch jobs, even by a crafted call.
  await signIn(page, 'approver');
  const issue = await page.request.post('/api/issue_card', { form: { kind: 'card', id: cardId, version: '1', reader: READER } });
  expect(issue.ok()).toBe(false);
  expect(await issue.text()).toContain('may not');
  const job = await page.request.post('/api/encoding_job', { form: { job_id: jobId! } });
  expect(job.ok()).toBe(false);
});

test('a card that is already encoded is refused, and the card stays approved', async ({ page }) => {
  const cardPath = await approvedCard(page, 'Hiro Holm');
  await signIn(page, 'operator');
  await open(page, cardPath);
  // The card the first test encoded.
  insertCard(5_200_001);
  await expect(readerLine(page)).toContainText('encoded');
  await readerLine(page).getByRole('radio').check();
  await page.getByTestId('issue').click();
  const progress = page.getByTestId('job-progress');
  await expect(progress).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
  await expect(page.getByTestId('job-outcome')).toContainText('not blank');
  await expect(progress.locator('[data-step="check_card"]')).toHaveAttribute('data-status', 'failed');
  await expect(page.getByTestId('pin')).toHaveCount(0);
  await expect(page.getByTestId('card-data')).toContainText('Approved');
  // A blank card then goes through.
  await removeCard();
  await expect(readerLine(page)).toHaveAttribute('data-present', 'false');
  insertCardFresh(5_200_002);
  await expect(readerLine(page)).toContainText('blank');
  await readerLine(page).getByRole('radio').check();
  await page.getByTestId('issue').click();
  await expect(progress).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
});

/** A fresh blank card, not the one kept in `state`. */
const insertCardFresh = (serial: number) => card.insert(serial);

test("the issued card's life: activate, deactivate, reactivate, lock with a reason", async ({ page }) => {
  await signIn(page, 'operator');
  await openUser(page, 'Greta Gran');
  await page.getByTestId('cards').getByRole('link').first().click();
  const certificates = page.getByTestId('certificates').locator('tbody tr [data-state]');
  await expect(certificates).toHaveCount(3);
  await expect(certificates.first()).toHaveAttribute('data-state', 'issued');

  const step = async (name: string, state: string, reason?: string) => {
    await page.getByTestId('commands').getByRole('link', { name }).click();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page.locator('[data-field="common_name"]')).toHaveText('Greta Gran');
    // A step to a final state (Lock) asks first; No changes nothing.
    const next = async () => {
      await page.getByRole('button', { name: 'Next' }).click();
      if (reason) await confirm(page, `Yes, ${name.toLowerCase()}`);
    };
    if (reason) {
      await page.getByRole('button', { name: 'Next' }).click();
      await expect(page.getByRole('alertdialog')).toContainText(`${name}: the card becomes Locked, which is final`);
      await expect(page.getByRole('alertdialog').getByRole('button', { name: 'No' })).toBeFocused();
      await page.getByRole('alertdialog').getByRole('button', { name: 'No' }).click();
      await expect(page.getByRole('alertdialog')).toHaveCount(0);
      // Lock asks why; Next without a reason changes nothing.
      await next();
      await expect(page.getByRole('alert')).toContainText('choose a reason');
      await page.getByLabel('Revocation reason').selectOption(reason);
    }
    await next();
    await expect(page.getByTestId('outcome').locator('[data-state]')).toHaveAttribute('data-state', state);
    await page.getByRole('link', { name: 'Back to the card' }).click();
    await expect(page.getByTestId('card-data').locator('[data-state]')).toHaveAttribute('data-state', state);
  };
  await step('Activate card', 'active');
  await expect(certificates.first()).toHaveAttribute('data-state', 'valid');
  await step('Deactivate card', 'inactive');
  await expect(certificates.first()).toHaveAttribute('data-state', 'on_hold');
  await step('Reactivate card', 'active');
  await expect(certificates.first()).toHaveAttribute('data-state', 'valid');
  await step('Lock card', 'locked', 'key_compromise');
  for (const row of await certificates.all()) {
    await expect(row).toHaveAttribute('data-state', 'revoked');
  }
  // Locked is final: nothing more to do.
  await expect(page.getByTestId('commands')).toHaveCount(0);
  await expect(page.getByTestId('no-commands')).toBeVisible();
});
