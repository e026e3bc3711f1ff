import { expect, Locator, Page, test as base } from '@playwright/test';
export { expect } from '@playwright/test';

/**
 * Every test fails if one of its pages threw (a panic in the WASM bundle, such as a failed
 * hydration, leaves the page on screen with no click working): the error says where, not only
 * the timeout that follows.
 */
export const test = base.extend<{ pageErrors: void }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      // Leaving a page that holds PINs asks first; a test that goes elsewhere means to leave.
      page.on('dialog', async (d) => {
        if (d.type() === 'beforeunload') await d.accept();
      });
      page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && m.text().includes('panicked')) errors.push(`${page.url()}: ${m.text().split('\n')[0]}`);
      });
      await use();
      expect(errors, 'errors thrown in the page').toEqual([]);
    },
    { auto: true },
  ],
});
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const maildir = process.env.TESSERA_E2E_MAILDIR ?? '/tmp/tessera-e2e-mail';

/** A message's text with quoted-printable soft line breaks and `=3D` undone. */
export function unfold(message: string): string {
  return message.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
}

/**
 * The newest message (raw) in the SMTP sink's maildir to `to` whose text contains `text`,
 * waiting for the mail worker.
 */
export async function mailTo(to: string, text: string): Promise<string> {
  const dir = path.join(maildir, 'new');
  let found: string | undefined;
  await expect
    .poll(() => {
      const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
      found = files
        .map((f) => path.join(dir, f))
        .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)
        .map((f) => fs.readFileSync(f, 'utf8'))
        .find((m) => m.includes(`To: ${to}`) && unfold(m).includes(text));
      return found !== undefined;
    }, { timeout: 30_000 })
    .toBe(true);
  return found!;
}

/** The first link in a message. */
export function linkIn(message: string): string {
  return unfold(message).match(/https?:\/\/\S+/)![0];
}

/** Opens a page and waits until the WASM bundle has hydrated it (clicks work from then on). */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}

/**
 * Goes where `link` points, by its address. Right after a page loads under load, Chromium can
 * lose a click on a list the page is still rendering; the address is what the test means.
 */
export async function follow(page: Page, link: Locator) {
  await open(page, (await link.getAttribute('href'))!);
}

export const PASSWORDS: Record<string, string> = {
  admin: 'admin-demo',
  operator: 'operator-demo',
  approver: 'approver-demo',
  supervisor: 'supervisor-demo',
  alice: 'alice-demo',
  recovery: 'recovery-demo',
};

/** Signs in, whatever language the page speaks (the form's fields by their names). */
export async function signIn(page: Page, user: string, password = PASSWORDS[user]) {
  await open(page, '/login');
  const form = page.locator('form').filter({ has: page.locator('input[name=username]') });
  await form.locator('input[name=username]').fill(user);
  await form.locator('input[name=password]').fill(password);
  await form.locator('button[type=submit]').click();
  await expect(page.getByTestId('account')).toBeVisible();
}

/** Sign out: the browser then goes to the sign-in page by itself; a test's next navigation
 * waits for that one, or the two race. */
export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/login');
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
}

/**
 * As the guides begin: "In the Quick search drop-down list, select User and search for the
 * user", then the user's page.
 */
export async function openUser(page: Page, name: string) {
  await find(page, 'User', name);
  await page.getByTestId('search-results').getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

/** Quick search in the header: the kind from its drop-down, the text, Enter. */
export async function find(page: Page, kind: string, text: string) {
  if (!(await page.locator('body[data-hydrated="true"]').count())) await open(page, '/');
  const quick = page.getByRole('search');
  await quick.getByLabel('Quick search kind').selectOption({ label: kind });
  await quick.getByLabel('Quick search', { exact: true }).fill(text);
  await quick.getByLabel('Quick search', { exact: true }).press('Enter');
  await expect(page).toHaveURL(/\/search\?/);
  await expect(page.getByTestId('search-results').or(page.getByTestId('search-empty'))).toBeVisible();
}

/** As an operator on a user's page: Request card (or Order card) → Next; returns the outcome box. */
export async function requestCard(page: Page, name: string, command = 'Request card') {
  await openUser(page, name);
  await page.getByTestId('commands').getByRole('link', { name: command }).click();
  await expect(page.getByRole('heading', { name: command })).toBeVisible();
  await expect(page.getByTestId('user-data').locator('[data-field="common_name"]')).toHaveText(name);
  await page.getByRole('button', { name: 'Next' }).click();
  const outcome = page.getByTestId('outcome');
  await expect(outcome).toBeVisible();
  return outcome;
}

/** The Requests row of a user's card. */
export function requestRow(page: Page, name: string) {
  return page.getByTestId('requests').locator('tr', { hasText: name });
}

/**
 * Additional Commands: opens the tab of `state`. The first page of a run can take its first
 * click while the WASM bundle is still compiling, so the click is repeated (it is idempotent)
 * until the tab shows.
 */
export async function chooseState(page: Page, state: string) {
  await repeatUntilShown(
    () => page.getByTestId('state-tabs').locator(`[data-state="${state}"]`).click(),
    page.locator(`[data-testid="state-tab"][data-state="${state}"]`),
  );
}

/**
 * Repeats an idempotent first step on a freshly loaded page until `shown` appears: under load
 * Chromium can lose the first input while the page is still being hydrated.
 */
export async function repeatUntilShown(step: () => Promise<unknown>, shown: Locator) {
  await expect(async () => {
    await step();
    await expect(shown).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
}

/** Answers the question a final action asks (Confirm) with the button of the given words. */
export async function confirm(page: Page, yes: string) {
  await page.getByRole('alertdialog').getByRole('button', { name: yes }).click();
}

/**
 * Clicks `button` on a freshly loaded page until `shown` appears. Under load Chromium can lose
 * the first click while the page hydrates; the button is clicked again only while it is still
 * there (once the step is done, the page shows its outcome instead).
 */
export async function clickUntilShown(button: Locator, shown: Locator) {
  await expect(async () => {
    if (await button.isVisible()) await button.click({ timeout: 2000 });
    await expect(shown).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
}

/**
 * A virtual PIV card (`tessera-virtual-card`) in the vpcd reader on `port`. With `state` the card
 * is kept in that file, so it stays encoded from one insertion to the next.
 */
export function virtualCard(port: string) {
  let card: ChildProcess | undefined;
  return {
    /** `pullAtCertificateWrite`: the card is pulled out instead of taking its first certificate. */
    insert(serial: number, state?: string, pullAtCertificateWrite = false) {
      const args = ['--port', port, '--serial', String(serial)];
      if (state) args.push('--state', state);
      if (pullAtCertificateWrite) args.push('--pull-at-certificate-write');
      card = spawn('../target/debug/tessera-virtual-card', args, { stdio: 'ignore' });
    },
    async remove() {
      if (card && card.exitCode === null) {
        const exited = new Promise((resolve) => card!.once('exit', resolve));
        card.kill('SIGTERM');
        await exited;
        // vpcd takes a moment to let go of a card before it accepts the next one.
        await new Promise((resolve) => setTimeout(resolve, 1500));
      }
      card = undefined;
    },
  };
}
