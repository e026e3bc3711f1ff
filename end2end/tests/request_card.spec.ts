import { confirm, expect, follow, open, openUser, requestCard, requestRow, signIn, signOut, test } from './helpers';

test('wrong password opens no session', async ({ page, context }) => {
  await open(page, '/login');
  await page.getByLabel('User name').fill('operator');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong user name or password.');
  const cookies = await context.cookies();
  expect(cookies.find((c) => c.name === 'tessera_session')).toBeUndefined();
  // Signed out, a page sends the browser to sign in, and back to that page afterwards.
  await page.goto('/users?q=1');
  await expect(page).toHaveURL(/\/login\?next=%2Fusers%3Fq%3D1$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Tessera' })).toBeVisible();
  await page.getByLabel('User name').fill('operator');
  await page.getByLabel('Password').fill('operator-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/users\?q=1$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
});

test('after signing in, only a page of Tessera is where the browser goes back to', async ({ page }) => {
  for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
    await page.context().clearCookies();
    await open(page, `/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('User name').fill('operator');
    await page.getByLabel('Password').fill('operator-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('account')).toBeVisible();
    expect(page.url(), next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  }
});

test('session cookie is HttpOnly and SameSite=Strict', async ({ page, context }) => {
  await signIn(page, 'operator');
  const cookie = (await context.cookies()).find((c) => c.name === 'tessera_session');
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Strict');
});

test('request card with approval, then an approver approves it', async ({ page }) => {
  await signIn(page, 'operator');
  await openUser(page, 'Quinn Quist');
  await page.getByTestId('commands').getByRole('link', { name: 'Request card' }).click();
  // Card data and user data, common name and UPN filled in, the options in force.
  await expect(page.getByTestId('card-data')).toContainText('Standard smart card');
  await expect(page.locator('[data-field="upn"]')).toHaveText('quinn.quist@example.com');
  await expect(page.locator('[data-option="CardsRequestApproval"]')).toHaveText('yes');
  await page.getByRole('button', { name: 'Next' }).click();
  const outcome = page.getByTestId('outcome');
  await expect(outcome).toContainText('waits for an approver');
  await expect(outcome.locator('[data-state]')).toHaveAttribute('data-state', 'requested');
  await signOut(page);

  await signIn(page, 'approver');
  await open(page, '/requests');
  // The queue, oldest first; a click on User orders the page by the user's name.
  await expect(page.getByTestId('requests-count')).toContainText('oldest first, postponed last');
  const user = page.getByTestId('requests').getByRole('columnheader', { name: 'User' });
  await user.getByRole('button').click();
  await expect(user).toHaveAttribute('aria-sort', 'ascending');
  await expect(page.getByTestId('requests-count')).toContainText('in the order chosen');
  const names = (await page.getByTestId('requests').locator('tbody tr td:nth-child(2) a').allTextContents()).map((n) => n.charAt(0).toLowerCase());
  expect(names).toEqual([...names].sort());
  const row = requestRow(page, 'Quinn Quist');
  await expect(row).toContainText('Oscar Operator');
  await row.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toContainText('the card is now approved');
  await expect(requestRow(page, 'Quinn Quist')).toHaveCount(0);

  await openUser(page, 'Quinn Quist');
  await expect(page.getByTestId('cards').locator('[data-state]')).toHaveAttribute('data-state', 'approved');
});

test('reject needs a reason, and the requester is told it', async ({ page }) => {
  await signIn(page, 'operator');
  await requestCard(page, 'Rosa Rossi');
  await signOut(page);

  await signIn(page, 'approver');
  await open(page, '/requests');
  const row = requestRow(page, 'Rosa Rossi');
  await row.getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByRole('alert')).toContainText('A reason is required');
  await expect(requestRow(page, 'Rosa Rossi')).toHaveCount(1);
  await row.getByLabel('Reason').fill('Has a valid card already');
  await row.getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByRole('status')).toContainText('the card is now rejected');
  await expect(requestRow(page, 'Rosa Rossi')).toHaveCount(0);
  await signOut(page);

  await signIn(page, 'operator');
  await expect(page.locator('ul.messages')).toContainText('rejected: Has a valid card already');
  await openUser(page, 'Rosa Rossi');
  await expect(page.getByTestId('cards').locator('[data-state]')).toHaveAttribute('data-state', 'rejected');
});

test('Abort card request withdraws a request before the approver decides', async ({ page }) => {
  await signIn(page, 'operator');
  await requestCard(page, 'Ulla Urban');
  await openUser(page, 'Ulla Urban');
  const requested = page.getByTestId('cards').locator('tr', { has: page.locator('[data-state="requested"]') });
  await follow(page, requested.getByRole('link').first());
  await page.getByTestId('commands').getByRole('link', { name: 'Abort card request' }).click();
  await expect(page.getByRole('heading', { name: 'Abort card request' })).toBeVisible();
  await page.getByRole('button', { name: 'Next' }).click();
  await confirm(page, 'Yes, abort card request');
  await expect(page.getByTestId('outcome').locator('[data-state]')).toHaveAttribute('data-state', 'aborted');
  await signOut(page);

  await signIn(page, 'approver');
  await open(page, '/requests');
  await expect(page.getByTestId('requests').or(page.getByTestId('no-requests'))).toBeVisible();
  await expect(requestRow(page, 'Ulla Urban')).toHaveCount(0);
});

test('an approver cannot decide their own request; the server refuses a crafted call', async ({ page }) => {
  await signIn(page, 'supervisor');
  await requestCard(page, 'Sven Strand');
  await open(page, '/requests');
  const row = requestRow(page, 'Sven Strand');
  await expect(row).toContainText('Your own request');
  await expect(row.getByRole('button', { name: 'Approve' })).toBeDisabled();

  const cardId = await row.getAttribute('data-card');
  const response = await page.request.post('/api/decide_card_request', {
    form: { card_id: cardId!, version: '1', decision: 'approve', reason: '' },
  });
  expect(response.ok()).toBe(false);
  expect(await response.text()).toContain('You requested this card yourself');
  await open(page, '/requests');
  await expect(requestRow(page, 'Sven Strand')).toHaveCount(1);
});

test('cancel leaves nothing behind', async ({ page }) => {
  await signIn(page, 'operator');
  await openUser(page, 'Umar Ulvaeus');
  await page.getByTestId('commands').getByRole('link', { name: 'Request card' }).click();
  await expect(page.getByRole('button', { name: 'Next' })).toBeVisible();
  await page.getByRole('link', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Umar Ulvaeus' })).toBeVisible();
  await expect(page.getByText('No cards.')).toBeVisible();
});

test('an inactive user has no Request card, and a crafted request is refused', async ({ page }) => {
  await signIn(page, 'operator');
  await openUser(page, 'Jonas Jansen');
  await expect(page.locator('[data-state="inactive"]')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Request card' })).toHaveCount(0);
  const userId = page.url().split('/').pop();
  await open(page, `/users/${userId}/request-card`);
  await expect(page.getByRole('alert')).toContainText('needs the user to be "active", but it is "inactive"');
  await expect(page.getByRole('button', { name: 'Next' })).toHaveCount(0);
  const response = await page.request.post('/api/request_card', { form: { user_id: userId!, user_version: '1' } });
  expect(response.status()).toBe(409);
  // The answer is the typed error the page reads: its kind and its words.
  const refusal = await response.json();
  expect(refusal.kind).toBe('conflict');
  expect(refusal.message).toContain('needs the user to be "active"');
});

test('admin switches the approval step off: the next request is approved at once', async ({ page }) => {
  await signIn(page, 'admin');
  await open(page, '/admin/options/CardsScriptOptions');
  // Other tests may have changed these options before: work from the version in force.
  const version = Number((await page.getByTestId('options-version').textContent())!.match(/Version (\d+)/)![1]);
  const approval = page.locator('[data-option="CardsRequestApproval"] input[type=checkbox]');
  await expect(approval).toBeChecked();
  await approval.uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText(`Saved as version ${version + 1}`);
  await expect(page.getByTestId('options-version')).toContainText(`Version ${version + 1}, changed by admin`);

  // A wrong value is refused with a message, and nothing is saved.
  await open(page, '/admin/options/TempCardsScriptOptions');
  const tempVersion = (await page.getByTestId('options-version').textContent())!.match(/Version (\d+)/)![0];
  await page.locator('[data-option="TempCardsPinLength"] input').fill('3');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('PIN length: 3 is out of range: allowed are 6 to 8');
  await expect(page.getByTestId('options-version')).toContainText(tempVersion);
  await signOut(page);

  await signIn(page, 'operator');
  const outcome = await requestCard(page, 'Vera Vidal');
  await expect(outcome.locator('[data-state]').first()).toHaveAttribute('data-state', 'approved');
  await expect(outcome.locator('[data-option="CardsRequestApproval"]')).toHaveText('no');
  await signOut(page);

  // Put the option back for whatever runs next.
  await signIn(page, 'admin');
  await open(page, '/admin/options/CardsScriptOptions');
  await page.locator('[data-option="CardsRequestApproval"] input[type=checkbox]').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText(`Saved as version ${version + 2}`);
  await open(page, '/admin/audit');
  // A page at a time, newest first: Older goes back in time, Newer returns.
  const rows = page.getByTestId('audit').locator('tbody tr');
  const newest = await rows.first().locator('td').first().innerText();
  // Run alone, this test may find the whole log on one page: then there is nothing older.
  const oldestShown = Number(await rows.last().locator('td').first().innerText());
  if (oldestShown > 1) {
    await page.getByRole('button', { name: 'Older →' }).click();
    await expect(rows.first().locator('td').first()).not.toHaveText(newest);
    expect(Number(await rows.first().locator('td').first().innerText())).toBeLessThan(Number(newest));
    await page.getByRole('button', { name: '← Newer' }).click();
    await expect(rows.first().locator('td').first()).toHaveText(newest);
  } else {
    await expect(page.getByRole('button', { name: 'Older →' })).toBeDisabled();
  }
  await expect(page.getByRole('button', { name: '← Newer' })).toBeDisabled();
  await page.getByRole('button', { name: 'Check the chain' }).click();
  await expect(page.getByTestId('chain')).toContainText('The audit chain is intact');
});

test('a self-service user sees their own credentials and nobody else', async ({ page }) => {
  await signIn(page, 'alice');
  await expect(page.getByRole('heading', { name: 'My credentials' })).toBeVisible();
  await expect(page.locator('[data-field="common_name"]')).toHaveText('Alice Andersson');
  const other = await page.request.post('/api/user_page', { form: { user_id: '2' } });
  expect(other.ok()).toBe(false);
  expect(await other.text()).toContain('may not see this user');
  const search = await page.request.post('/api/search_users', { form: { query: 'a' } });
  expect(search.ok()).toBe(false);
});

test('a decision on a request someone else changed meanwhile is refused with "reload"', async ({ page, browser }) => {
  await signIn(page, 'operator');
  await requestCard(page, 'Wilma Wallin');
  await signOut(page);
  await signIn(page, 'approver');
  await open(page, '/requests');
  const row = requestRow(page, 'Wilma Wallin');
  await expect(row).toBeVisible();

  // A second approver postpones it in another browser.
  const other = await browser.newContext();
  const page2 = await other.newPage();
  await signIn(page2, 'supervisor');
  await open(page2, '/requests');
  await requestRow(page2, 'Wilma Wallin').getByRole('button', { name: 'Postpone' }).click();
  await expect(page2.getByRole('status')).toContainText('the card is now requested');
  await other.close();

  await row.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('alert')).toContainText('changed by someone else in the meantime. Reload');
  // The list has reloaded: the request is still there, postponed, and can now be decided.
  await expect(requestRow(page, 'Wilma Wallin')).toContainText('postponed by Sam Supervisor');
  // Show: only the postponed requests, then only the others.
  await page.getByTestId('requests-shown').selectOption('postponed');
  await expect(page.getByTestId('requests').locator('tbody tr')).toHaveCount(1);
  await expect(requestRow(page, 'Wilma Wallin')).toBeVisible();
  await page.getByTestId('requests-shown').selectOption('not_postponed');
  await expect(requestRow(page, 'Wilma Wallin')).toHaveCount(0);
  await page.getByTestId('requests-shown').selectOption('all');
  await requestRow(page, 'Wilma Wallin').getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toContainText('the card is now approved');
});

test('an unknown user id gets a clear message', async ({ page }) => {
  await signIn(page, 'operator');
  await open(page, '/users/999999');
  await expect(page.getByRole('alert')).toContainText('There is no user with id 999999.');
  // An address whose id is not a number names no id.
  await open(page, '/cards/abc');
  await expect(page.getByRole('alert')).toContainText('There is no card at this address.');
});

test('Next sent twice, by a double click or again after Back and Forward, requests one card', async ({ page }) => {
  await signIn(page, 'operator');
  await openUser(page, 'Xavier Xu');
  await page.getByTestId('commands').getByRole('link', { name: 'Request card' }).click();
  await expect(page.getByRole('heading', { name: 'Request card' })).toBeVisible();
  await page.getByRole('button', { name: 'Next' }).dblclick();
  const outcome = page.getByTestId('outcome');
  await expect(outcome).toContainText('waits for an approver');
  // The page keeps its submission key in its address, so Back and Forward bring it back.
  await expect(page).toHaveURL(/[?&]once=[0-9a-f]{32}$/);
  const address = page.url();
  const card = (await outcome.textContent())!.match(/Card (\d+) is now/)![1];
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Xavier Xu' })).toBeVisible();
  await page.goForward();
  expect(page.url()).toBe(address);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId('outcome')).toContainText(`Card ${card} is now in state`);
  await openUser(page, 'Xavier Xu');
  await expect(page.getByTestId('cards').locator('[data-state="requested"]')).toHaveCount(1);
});
