import { Locator, Page } from '@playwright/test';
import { expect, open, PASSWORDS, test, virtualCard } from './helpers';

// The five use cases of the seed guides (../shared/seeds/), each walked step by step in the
// guide's own words for menus and buttons, with the keyboard alone: Tab and Shift+Tab move,
// Enter follows a link or presses a button, Space ticks, and typing chooses in a drop-down.
// A step the keyboard cannot reach fails the test, as a click would not.

// The second vpcd reader (the engine tests use the first); each card is a fresh blank one.
const READER = 'Virtual PCD 00 01';
const card = virtualCard('35964');

test.afterEach(() => card.remove());

/** Tab (or Shift+Tab) until `target` has the focus; fails if the keyboard never gets there. */
async function tabTo(page: Page, target: Locator, back = false) {
  await expect(target).toBeVisible();
  for (let i = 0; i < 150; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`the keyboard never reached ${target}`);
}

/** Tab to `target` and press Enter on it. */
async function enter(page: Page, target: Locator) {
  await tabTo(page, target);
  await page.keyboard.press('Enter');
}

/** Tab to a drop-down and choose by typing the start of the option's words. */
async function choose(page: Page, select: Locator, label: string) {
  await tabTo(page, select);
  await page.keyboard.type(label);
  await expect(select.locator('option:checked')).toHaveText(label);
}

async function signIn(page: Page, user: string) {
  await open(page, '/login');
  await tabTo(page, page.getByLabel('User name'));
  await page.keyboard.type(user);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORDS[user]);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('account')).toBeVisible();
}

async function signOut(page: Page) {
  await enter(page, page.getByRole('button', { name: 'Sign out', exact: true }));
  await page.waitForURL((url) => url.pathname === '/login');
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached();
}

/** "In the Quick search drop-down list, select <kind> and search for <text>". */
async function quickSearch(page: Page, kind: string, text: string, by?: string) {
  const quick = page.getByRole('search');
  await choose(page, quick.getByLabel('Quick search kind'), kind);
  if (by) await choose(page, quick.getByLabel('Find mobile IDs by'), by);
  await tabTo(page, quick.getByLabel('Quick search', { exact: true }));
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/search\?/);
}

/** From the results, the user's page. */
async function openUser(page: Page, name: string) {
  await enter(page, page.getByTestId('search-results').getByRole('link', { name, exact: true }));
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

/** "Card data and user data is shown. Common name and UPN are fetched automatically." */
async function userDataShown(page: Page, name: string) {
  await expect(page.getByTestId('user-data').locator('[data-field="common_name"]')).toHaveText(name);
  const upn = name.toLowerCase().replace(' ', '.').replace('ö', 'o') + '@example.com';
  await expect(page.getByTestId('user-data').locator('[data-field="upn"]')).toHaveText(upn);
}

test('Request card, as its guide reads, with the keyboard alone', async ({ page }) => {
  // "Log in to Identity Manager Operator with your user account."
  await signIn(page, 'operator');
  // "In the Quick search drop-down list, select User and search for the user that shall have a
  // card."
  await quickSearch(page, 'User', 'Carl Claesson');
  await openUser(page, 'Carl Claesson');
  // "Click Request card."
  await enter(page, page.getByTestId('commands').getByRole('link', { name: 'Request card', exact: true }));
  await expect(page.getByRole('heading', { name: 'Request card' })).toBeVisible();
  // "Card data and user data is shown. Common name and UPN are fetched automatically."
  await expect(page.getByTestId('card-data')).toBeVisible();
  await userDataShown(page, 'Carl Claesson');
  await expect(page.getByTestId('stepper').locator('[aria-current="step"]')).toHaveText('Options');
  // "Click Next to request the card." End state "approved" (no approval step) or "requested".
  await enter(page, page.getByRole('button', { name: 'Next' }));
  const outcome = page.getByTestId('outcome');
  await expect(outcome).toBeVisible();
  await expect(outcome.locator('[data-state]').first()).toHaveAttribute('data-state', /^(requested|approved)$/);
  await expect(page.getByTestId('stepper').locator('[aria-current="step"]')).toHaveText('Outcome');
});

test('Issue multiple temporary cards, as its guide reads, with the keyboard alone', async ({ page }) => {
  await signIn(page, 'operator');
  // "A valid card request must have been done before issuing": Request temporary cards.
  await enter(page, page.getByRole('link', { name: 'Temporary cards', exact: true }));
  await tabTo(page, page.getByLabel('How many').first());
  await page.keyboard.type('1');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('requested')).toContainText('1 temporary card requested');
  const id = await page.getByTestId('temp-cards').getByTestId('list-row').first().getAttribute('data-id');

  // "In the BATCH ORDERS page, select Issue multiple temporary cards."
  await enter(page, page.getByRole('link', { name: 'Batch orders', exact: true }));
  await expect(page.getByRole('heading', { name: 'BATCH ORDERS', exact: true })).toBeVisible();
  await tabTo(page, page.getByRole('radio', { name: 'Issue multiple temporary cards' }));
  await page.keyboard.press('Space');
  await expect(page.getByRole('radio', { name: 'Issue multiple temporary cards' })).toBeChecked();
  // "Click Search to get a list of all cards in state requested."
  await enter(page, page.getByRole('button', { name: 'Search' }));
  const row = page.locator(`[data-testid="requested-card"][data-id="${id}"]`);
  // "Select the check boxes for the cards that shall be issued."
  await tabTo(page, row.getByRole('checkbox'));
  await page.keyboard.press('Space');
  await expect(row.getByRole('checkbox')).toBeChecked();
  // "Click Issue multiple temporary cards. A list of cards is shown (or one card)."
  await enter(page, page.getByRole('button', { name: /^Issue multiple temporary cards \(1 selected\)/ }));
  await expect(page).toHaveURL(/\/batch-orders\/\d+$/);
  const cards = page.getByTestId('batch-cards').getByTestId('batch-card');
  await expect(cards).toHaveCount(1);
  await expect(page.getByTestId('stepper').locator('[aria-current="step"]')).toHaveText('Next');

  // "Click Next to continue issuing the card(s)": encoded in the reader the operator chooses.
  card.insert(6_700_001);
  const reader = page.getByTestId('reader').filter({ hasText: READER });
  await expect(reader).toContainText('blank');
  await tabTo(page, reader.getByRole('radio'));
  await page.keyboard.press('Space');
  await enter(page, page.getByRole('button', { name: 'Next' }));
  // "The cards are now produced via Card SDK, with the state unassigned."
  await expect(cards.first()).toHaveAttribute('data-state', 'unassigned', { timeout: 60_000 });
  await expect(cards.first().getByTestId('pin')).toHaveText(/^\d{6}$/);
  // "Click Complete order. Confirm that everything is OK." The question has No focused;
  // Shift+Tab reaches the yes.
  await enter(page, page.getByRole('button', { name: 'Complete order' }));
  const dialog = page.getByRole('alertdialog');
  await expect(dialog.getByRole('button', { name: 'No' })).toBeFocused();
  await tabTo(page, dialog.getByRole('button', { name: 'Yes, complete order' }), true);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('batch-data')).toHaveAttribute('data-state', 'completed');
});

test('Order card (external production), as its guide reads, with the keyboard alone', async ({ page }) => {
  await signIn(page, 'operator');
  // "In the Quick search drop-down list, select User and search for the user that shall have a
  // card."
  await quickSearch(page, 'User', 'Beatrix Bauer');
  await openUser(page, 'Beatrix Bauer');
  // "Click Order card under "What do you want to do?"."
  const panel = page.getByRole('navigation', { name: 'What do you want to do?' });
  await enter(page, panel.getByRole('link', { name: 'Order card', exact: true }));
  await expect(page.getByRole('heading', { name: 'Order card' })).toBeVisible();
  // "Card data and user data is shown. Common name and UPN are fetched automatically."
  await userDataShown(page, 'Beatrix Bauer');
  // "Click Next to order the card. The card will now be in state processing, which means the
  // card is put in a queue, or ordered (without queue)."
  await enter(page, page.getByRole('button', { name: 'Next' }));
  await expect(page.getByTestId('outcome').locator('[data-state]').first()).toHaveAttribute('data-state', /^(processing|ordered)$/);
});

test('Initialize temporary card (external production), as its guide reads, with the keyboard alone', async ({ page }) => {
  // Prerequisite: "The temporary card must be in state produced": ordered from the bureau, sent
  // in the admin's sync, and reported produced by the bureau.
  await signIn(page, 'operator');
  await enter(page, page.getByRole('link', { name: 'Temporary cards', exact: true }));
  await tabTo(page, page.getByLabel('How many').nth(1));
  await page.keyboard.type('1');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('ordered')).toContainText('1 temporary card ordered');
  const newest = page.getByTestId('temp-cards').getByTestId('list-row').first();
  await expect(newest).toContainText(/Processing|Ordered/);
  const id = await newest.getAttribute('data-id');
  await signOut(page);
  await signIn(page, 'admin');
  await enter(page, page.getByRole('link', { name: 'External production', exact: true }));
  await enter(page, page.getByRole('button', { name: 'Run sync now' }));
  await expect(page.getByTestId('sync-outcome')).toBeVisible();
  await signOut(page);
  const report = await page.request.post('/bureau/reports', {
    data: `card_id,status\nT${id},produced\n`,
    headers: { 'Content-Type': 'text/csv', Authorization: 'Bearer e2e-bureau-token' },
  });
  expect((await report.json()).applied).toBe(1);

  await signIn(page, 'operator');
  // "In the SEARCH tab, select Temporary card in the drop-down list. Select state Produced in
  // the Status drop-down list, and click Search."
  await enter(page, page.getByRole('link', { name: 'Search', exact: true }));
  const tab = page.getByTestId('search-tab');
  await choose(page, tab.getByLabel('Kind'), 'Temporary card');
  await choose(page, tab.getByLabel('Status'), 'Produced');
  await enter(page, tab.getByRole('button', { name: 'Search' }));
  await expect(page).toHaveURL(/kind=temp_card&state=produced/);
  // "A list of cards with state produced appears. Select the card you want to initialize and
  // click Initialize temporary card."
  await enter(page, page.getByTestId('search-results').getByRole('link', { name: `Temporary card ${id}`, exact: true }));
  await expect(page.getByTestId('temp-card-data')).toContainText('Produced');
  await enter(page, page.getByRole('button', { name: 'Initialize temporary card' }));
  const panel = page.getByTestId('issue-card');
  await expect(panel).toBeFocused();
  card.insert(6_700_002);
  const reader = panel.getByTestId('reader').filter({ hasText: READER });
  await expect(reader).toContainText('blank');
  await tabTo(page, reader.getByRole('radio'));
  await page.keyboard.press('Space');
  // "Click Next to continue. The Smart ID Desktop App will encode the card with a profile, PIN,
  // and PUK. The card will then be in state unassigned."
  await enter(page, panel.getByRole('button', { name: 'Next' }));
  await expect(page.getByTestId('job-outcome')).toContainText('initialized and unassigned', { timeout: 60_000 });
  await expect(page.getByTestId('temp-card-data')).toContainText('Unassigned');
});

test('Supply mobile ID, as its guide reads, with the keyboard alone', async ({ page }) => {
  await signIn(page, 'operator');
  // "In the Quick search drop-down list, select Mobile ID. Select User in the drop-down menu and
  // select the user that shall have a mobile ID."
  await quickSearch(page, 'Mobile ID', 'Frida Fischer', 'User');
  await expect(page).toHaveURL(/kind=mobile_id&by=user/);
  await expect(page.getByTestId('find-by-user')).toBeVisible();
  await openUser(page, 'Frida Fischer');
  // "Click Supply mobile ID for user."
  await enter(page, page.getByTestId('commands').getByRole('link', { name: 'Supply mobile ID for user' }));
  await expect(page.getByRole('heading', { name: 'Supply mobile ID for user' })).toBeVisible();
  // "Click Next."
  await enter(page, page.getByRole('button', { name: 'Next' }));
  await expect(page.getByTestId('outcome')).toBeVisible();
  await expect(page.getByTestId('outcome').locator('[data-state]').first()).toHaveAttribute('data-state', 'registered');
});
