import { chooseState, clickUntilShown, confirm, expect, follow, linkIn, mailTo, open, openUser, signIn, signOut, test } from './helpers';

test('enabling Request card on User/active offers it to the operator; disabling removes it and a crafted call is refused', async ({ page }) => {
  await signIn(page, 'admin');
  await open(page, '/admin/commands/user');
  await chooseState(page, 'active');
  const tab = page.locator('[data-testid="state-tab"][data-state="active"]');
  const row = tab.getByTestId('enabled').locator('tr[data-process="CardsProcRequest"]');
  await expect(row).toContainText('CardsMapUserToCard');
  await row.getByRole('button', { name: 'Remove' }).click();
  await confirm(page, 'Yes, remove');
  await expect(tab.getByTestId('enabled').locator('tr[data-process="CardsProcRequest"]')).toHaveCount(0);
  // Nothing changes until Save.
  await expect(tab.getByTestId('unsaved')).toBeVisible();
  await tab.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('saved')).toContainText('Saved: 1 change.');
  // The model never offers Request card on an inactive user.
  await chooseState(page, 'inactive');
  const inactive = page.locator('[data-testid="state-tab"][data-state="inactive"]');
  await inactive.getByRole('button', { name: 'New' }).click();
  await expect(inactive.locator('select[name="process"] option[value="CardsProcRequest"]')).toHaveCount(0);
  await signOut(page);

  await signIn(page, 'operator');
  await openUser(page, 'Yara Yilmaz');
  await expect(page.locator('[data-process="CardsProcRequest"]')).toHaveCount(0);
  const crafted = await page.request.post('/api/request_card', { form: { user_id: '25', user_version: '1' } });
  expect(crafted.ok()).toBe(false);
  expect(await crafted.text()).toContain('is not enabled');
  await signOut(page);

  await signIn(page, 'admin');
  await open(page, '/admin/commands/user');
  await chooseState(page, 'active');
  const active = page.locator('[data-testid="state-tab"][data-state="active"]');
  // As the guide reads: New (the pen symbol), Request card in the Process list, the mapping
  // CardsMapUserToCard, Save.
  await active.getByRole('button', { name: 'New' }).click();
  await active.getByTestId('new-row').getByLabel('Process').selectOption('CardsProcRequest');
  const added = active.getByTestId('enabled').locator('tr[data-process="CardsProcRequest"]');
  await added.getByLabel('Mapping').selectOption('CardsMapUserToCard');
  await active.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('saved')).toContainText('Saved: 1 change.');
  await expect(added).toContainText('CardsMapUserToCard');
  await expect(active.getByTestId('unsaved')).toHaveCount(0);
  await signOut(page);
  await signIn(page, 'operator');
  await openUser(page, 'Yara Yilmaz');
  await expect(page.locator('[data-process="CardsProcRequest"]')).toBeVisible();
});

test('an invalid option value is refused in the browser and by the server, with its message', async ({ page }) => {
  await signIn(page, 'admin');
  await open(page, '/admin/options/TempCardsScriptOptions');
  await page.locator('[data-option="TempCardsPukLength"] input').fill('abc');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('local-errors')).toContainText('PUK length');
  const crafted = await page.request.post('/api/save_options', {
    data: { package_name: 'TempCardsScriptOptions', version: 1, changes: [['TempCardsPukLength', '3']] },
  });
  expect(crafted.ok()).toBe(false);
  expect(await crafted.text()).toContain('out of range');
  await open(page, '/admin/options/TempCardsScriptOptions');
  await expect(page.getByTestId('options-version')).toContainText('Version 1');
});

test('an option change is used by the next run, visible in the audit, and can be restored', async ({ page }) => {
  await signIn(page, 'admin');
  await open(page, '/admin/options/CardsScriptOptions');
  const before = Number((await page.getByTestId('options-version').textContent())!.match(/Version (\d+)/)![1]);
  await page.locator('[data-option="CardsRequestApproval"] input[type=checkbox]').uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText(`Saved as version ${before + 1}`);
  await expect(page.getByTestId('options-history').locator(`tr[data-version="${before + 1}"]`)).toContainText('CardsRequestApproval: yes → no');
  await signOut(page);

  await signIn(page, 'operator');
  await openUser(page, 'Zoran Zander');
  await page.getByTestId('commands').getByRole('link', { name: 'Request card' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  const outcome = page.getByTestId('outcome');
  await expect(outcome.locator('[data-state]').first()).toHaveAttribute('data-state', 'approved');
  await expect(outcome).toContainText(`CardsScriptOptions version ${before + 1}`);
  await signOut(page);

  await signIn(page, 'admin');
  await open(page, '/admin/audit');
  await page.getByLabel('Process').fill('CardsProcRequest');
  await page.getByLabel('Who').fill('operator');
  await page.getByRole('button', { name: 'Filter' }).click();
  const first = page.getByTestId('audit').locator('tbody tr').first();
  await expect(first).toContainText('Zoran Zander');
  await first.locator('summary').click();
  await expect(first.locator('pre')).toContainText(`"options_version": ${before + 1}`);
  // Restore the earlier version: a new version equal to it.
  await open(page, '/admin/options/CardsScriptOptions');
  await page.getByTestId('options-history').locator(`tr[data-version="${before}"]`).getByRole('button', { name: 'Restore' }).click();
  await expect(page.getByRole('status')).toContainText(`Restored as version ${before + 2}`);
  await expect(page.locator('[data-option="CardsRequestApproval"] input[type=checkbox]')).toBeChecked();
});

test('CSV import shows a bad line before anything is written, then imports the corrected file', async ({ page }) => {
  await signIn(page, 'operator');
  await open(page, '/users/import');
  const header = 'employee_id,given_name,surname,email,upn,department';
  const good = 'E8001,Ada,Lovelace,ada.lovelace@example.com,ada.lovelace@example.com,Research';
  const bad = 'E8002,Alan,Turing,not-an-address,alan.turing@example.com,Research';
  await page.getByTestId('csv').fill([header, good, bad].join('\n'));
  // Check writes nothing, so pressing it again is harmless; a click that races the page's
  // hydration is retried instead of failing the test.
  await expect(async () => {
    await page.getByRole('button', { name: 'Check' }).click();
    await expect(page.getByTestId('import-summary')).toBeVisible({ timeout: 5000 });
  }).toPass({ timeout: 30000 });
  await expect(page.getByTestId('import-summary')).toContainText('1 to create, 0 to update, 0 unchanged, 1 with errors');
  await expect(page.getByTestId('import-preview').locator('tr[data-line="3"]')).toContainText('not a valid e-mail address');
  await expect(page.getByRole('button', { name: 'Import' })).toBeDisabled();
  const crafted = await page.request.post('/api/import_users', { data: { text: [header, good, bad].join('\n') } });
  expect(crafted.ok()).toBe(false);
  expect(await crafted.text()).toContain('Nothing was imported');

  await page.getByTestId('csv').fill([header, good, bad.replace('not-an-address', 'alan.turing@example.com')].join('\n'));
  await page.getByRole('button', { name: 'Check' }).click();
  await expect(page.getByTestId('import-summary')).toContainText('2 to create, 0 to update, 0 unchanged, 0 with errors');
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByTestId('import-outcome')).toContainText('Imported: 2 created (active), 0 updated');
  await openUser(page, 'Ada Lovelace');
  await expect(page.locator('[data-field="upn"]')).toHaveText('ada.lovelace@example.com');
});

test('Abort user withdraws a user who was never activated; the user is final', async ({ page }) => {
  await signIn(page, 'operator');
  await openUser(page, 'Yusuf Yamada');
  await expect(page.getByTestId('user-data').locator('[data-state="registered"]')).toBeVisible();
  await page.getByTestId('commands').getByRole('link', { name: 'Abort user' }).click();
  await expect(page.getByRole('heading', { name: 'Abort user' })).toBeVisible();
  await page.getByRole('button', { name: 'Next' }).click();
  await confirm(page, 'Yes, abort user');
  await expect(page.getByTestId('outcome').locator('[data-state]')).toHaveAttribute('data-state', 'aborted');
  await page.getByRole('link', { name: 'Back to the user' }).click();
  await expect(page.getByTestId('user-data').locator('[data-state="aborted"]')).toBeVisible();
  await expect(page.getByTestId('commands').getByRole('link', { name: 'Abort user' })).toHaveCount(0);
});

test('Lock user cascades to the user\'s card and certificates', async ({ page }) => {
  await signIn(page, 'operator');
  await openUser(page, 'Karim Khan');
  await expect(page.getByTestId('certificates').locator('[data-state="valid"]')).toHaveCount(2);
  await page.getByTestId('commands').getByRole('link', { name: 'Lock user' }).click();
  await expect(page.getByRole('heading', { name: 'Lock user' })).toBeVisible();
  await expect(page.getByTestId('cascade')).toContainText('Active');
  await expect(page.getByTestId('certificates-affected')).toContainText('2 certificates');
  await page.getByRole('button', { name: 'Next' }).click();
  await confirm(page, 'Yes, lock user');
  await expect(page.getByRole('alert')).toContainText('choose a reason');
  await page.locator('#reason').selectOption('affiliation_changed');
  await page.getByRole('button', { name: 'Next' }).click();
  await confirm(page, 'Yes, lock user');
  await expect(page.getByTestId('outcome')).toContainText('1 credential and 2 certificates changed');
  await page.getByRole('link', { name: 'Back to the user' }).click();
  await expect(page.getByTestId('user-data').locator('[data-state="locked"]')).toBeVisible();
  await expect(page.getByTestId('cards').locator('[data-state="locked"]')).toHaveCount(1);
  await expect(page.getByTestId('certificates').locator('[data-state="revoked"]')).toHaveCount(2);
  await expect(page.getByTestId('certificates')).toContainText('Affiliation changed');
});

test('create a user with the approval step; another approver approves', async ({ page }) => {
  await signIn(page, 'admin');
  await open(page, '/admin/options/UsersScriptOptions');
  await page.locator('[data-option="UsersCreateApproval"] input[type=checkbox]').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('Saved as version 2');
  await signOut(page);

  await signIn(page, 'supervisor');
  await open(page, '/users/new');
  const form = page.getByTestId('person-form');
  await form.locator('input[name="employee_id"]').fill('E8101');
  await form.locator('input[name="given_name"]').fill('Grace');
  await form.locator('input[name="surname"]').fill('Hopper');
  await form.locator('input[name="email"]').fill('grace');
  await form.locator('input[name="upn"]').fill('grace.hopper@example.com');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.locator('[data-field="email"] [role="alert"]')).toContainText('not a valid e-mail address');
  await form.locator('input[name="email"]').fill('grace.hopper@example.com');
  // The server's refusal of a UPN someone else has is shown at the UPN, not above the form.
  await form.locator('input[name="upn"]').fill('Alice.Andersson@example.com');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.locator('[data-field="upn"] [role="alert"]')).toContainText('already has the UPN');
  await form.locator('input[name="upn"]').fill('grace.hopper@example.com');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('outcome')).toContainText('Grace Hopper was created and waits for an approver');
  await follow(page, page.getByRole('link', { name: 'Open the user' }));
  const decision = page.getByTestId('user-decision');
  await decision.getByRole('button', { name: 'Approve' }).click();
  await expect(decision.getByRole('alert')).toContainText('another approver');
  await signOut(page);

  await signIn(page, 'approver');
  await open(page, '/requests');
  await follow(page, page.getByTestId('user-requests').getByRole('link', { name: 'Grace Hopper' }));
  await page.getByTestId('user-decision').getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByTestId('user-decision').getByRole('status')).toContainText('Grace Hopper is now active');
  await signOut(page);

  await signIn(page, 'admin');
  await open(page, '/admin/options/UsersScriptOptions');
  await page.locator('[data-option="UsersCreateApproval"] input[type=checkbox]').uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('Saved as version 3');
});

test('an admin creates a self-service account; the user chooses the password from the mailed link, which works once', async ({ page }) => {
  await signIn(page, 'admin');
  await open(page, '/admin/accounts');
  const form = page.getByTestId('new-account');
  await form.getByLabel('User name').fill('tara');
  await form.getByLabel('Display name').fill('Tara Torres');
  await form.locator('input[name="new.self_service"]').check();
  await form.locator('input[name="new.operator"]').check();
  // A self-service account has no initial password: the admin never knows it.
  await expect(form.getByLabel(/Initial password/)).toHaveCount(0);
  await form.getByLabel('Employee id of the user').fill('E1020');
  await form.getByRole('button', { name: 'Create account' }).click();
  await expect(form.getByRole('alert')).toContainText('holds no other role');
  await form.locator('input[name="new.operator"]').uncheck();
  await form.getByRole('button', { name: 'Create account' }).click();
  await expect(form.getByTestId('account-created')).toContainText('A link to choose a password went to tara.torres@example.com');
  const row = page.getByTestId('accounts').locator('tr[data-account="tara"]');
  await expect(row).toContainText('Tara Torres (E1020)');
  await expect(row.getByTestId('send-reset-link')).toBeVisible();
  // The list narrowed to self-service accounts with "torres" in a name, in any case.
  const filter = page.getByTestId('account-filter');
  await filter.locator('input[name=text]').fill('TORRES');
  await filter.locator('select[name=role]').selectOption('self_service');
  await filter.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('accounts-count')).toHaveText('1–1 of 1');
  await expect(page.getByTestId('accounts').locator('tbody tr')).toHaveCount(1);
  await filter.locator('select[name=role]').selectOption('operator');
  await filter.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('accounts-empty')).toHaveText('No account matches.');
  await signOut(page);

  // Tara's mailbox: the link opens the welcome page.
  const link = linkIn(await mailTo('tara.torres@example.com', 'created a Tessera self-service account'));
  expect(link).toContain('/welcome#t=');
  await open(page, link);
  await expect(page.getByTestId('welcome-account')).toContainText('tara');
  const choose = page.getByTestId('choose-password');
  await choose.getByLabel('New password', { exact: true }).fill('password123');
  await choose.getByLabel('New password again').fill('password123');
  await choose.getByRole('button', { name: 'Set password' }).click();
  await expect(choose.getByRole('alert')).toContainText('too easy to guess');
  await choose.getByLabel('New password', { exact: true }).fill('violet tractor under moonlight');
  await choose.getByLabel('New password again').fill('violet tractor under moonlight');
  await choose.getByRole('button', { name: 'Set password' }).click();
  await expect(page.getByTestId('password-chosen')).toContainText('Sign in as tara');
  // The link works once (opened afresh, as from the mail: the same address with only another
  // fragment would not load the page again).
  await open(page, '/login');
  await open(page, link);
  await expect(page.getByTestId('link-refused')).toContainText('does not work');

  await signIn(page, 'tara', 'violet tractor under moonlight');
  await expect(page).not.toHaveURL(/\/account$/);
  await open(page, '/me');
  await expect(page.getByRole('heading', { name: 'My credentials' })).toBeVisible();
  await expect(page.locator('[data-field="common_name"]')).toHaveText('Tara Torres');
  await signOut(page);

  // A reset sends a new link; the old password stops working.
  await signIn(page, 'admin');
  await open(page, '/admin/accounts');
  await clickUntilShown(
    page.getByTestId('accounts').locator('tr[data-account="tara"]').getByTestId('send-reset-link'),
    page.getByTestId('reset-link-sent'),
  );
  await expect(page.getByTestId('reset-link-sent')).toContainText('tara.torres@example.com');
  await signOut(page);
  await open(page, '/login');
  await page.getByLabel('User name').fill('tara');
  await page.getByLabel('Password').fill('violet tractor under moonlight');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong user name or password');
  const reset = linkIn(await mailTo('tara.torres@example.com', 'reset the password'));
  expect(reset).not.toBe(link);
  await open(page, reset);
  await expect(page.getByTestId('welcome-account')).toContainText('tara');
});
