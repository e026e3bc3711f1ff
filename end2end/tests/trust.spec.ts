import { clickUntilShown, expect, follow, open, openUser, requestCard, signIn, signOut, test } from './helpers';

// The abuse case of an operator alone taking over a person: redirecting Alice's e-mail address
// to their own (so that her next mobile ID's activation code comes to them) stops at the first
// step, which needs a second person. An approver then sees it and decides.

test('an operator cannot redirect the e-mail address of a person with credentials alone', async ({ page }) => {
  await signIn(page, 'operator');
  await openUser(page, 'Alice Andersson');
  const email = page.getByTestId('user-data').locator('[data-field="email"]');
  const before = (await email.textContent())!;
  await follow(page, page.getByRole('link', { name: 'Edit user data' }));
  await expect(page.getByLabel('E-mail address')).toHaveValue(before);
  await page.getByLabel('E-mail address').fill('mallory@evil.example');
  await page.getByRole('button', { name: 'Save' }).click();
  const waits = page.getByTestId('change-waits');
  await expect(waits).toContainText("waits for a second person's approval");
  await expect(waits).toContainText('certificates');
  // Alice keeps her address; the operator sees the change but cannot approve it.
  await openUser(page, 'Alice Andersson');
  await expect(email).toHaveText(before);
  const pending = page.getByTestId('pending-change');
  await expect(pending).toContainText(`email: ${before} → mallory@evil.example`);
  await expect(pending.getByTestId('approve-change')).toHaveCount(0);
  await expect(page.getByTestId('history').locator('[data-action="UserChangeRequested"]')).toHaveCount(1);
  await signOut(page);

  // The approver finds it in Requests and rejects it with a reason.
  await signIn(page, 'approver');
  await open(page, '/requests');
  const row = page.getByTestId('user-changes').locator('tr', { hasText: 'Alice Andersson' });
  await expect(row).toContainText('mallory@evil.example');
  await follow(page, row.getByRole('link', { name: 'Alice Andersson' }));
  await page.getByTestId('pending-change').getByLabel('Reason (for a rejection)').fill('Not asked for by Alice');
  await page.getByTestId('reject-change').click();
  await expect(page.getByTestId('pending-change').getByRole('status')).toContainText('Decided');
  await openUser(page, 'Alice Andersson');
  await expect(email).toHaveText(before);
  await expect(page.getByTestId('pending-change')).toHaveCount(0);
  await expect(page.getByTestId('history').locator('[data-action="UserChangeRejected"]')).toHaveCount(1);
  await signOut(page);
});

// A page on another port of the same host is the same site, so SameSite=Strict sends the
// admin's cookie with its forms. Tessera refuses them by their Origin: neither a text/plain
// "JSON" form creating an admin account nor a form signing the browser in does anything.
test('a page served from another port cannot change anything', async ({ page, baseURL }) => {
  const http = await import('http');
  const target = baseURL!;
  const forged = `<!doctype html><html><body>
    <iframe name="sink"></iframe>
    <form id="account" method="POST" target="sink" action="${target}/api/create_account" enctype="text/plain">
      <input name='{"account":{"username":"csrf-admin","display_name":"Forged","password":"forged-password-1","roles":["admin"],"employee_id":"","pad":"' value='"}}'>
    </form>
    <form id="login" method="POST" target="sink" action="${target}/api/login">
      <input name="username" value="operator"><input name="password" value="operator-demo">
    </form>
  </body></html>`;
  const server = http.createServer((_, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(forged);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    await signIn(page, 'admin');
    await page.goto(`http://127.0.0.1:${port}/`);
    for (const form of ['account', 'login']) {
      const answered = page.waitForResponse((r) => r.url().startsWith(`${target}/api/`));
      await page.evaluate((id) => (document.getElementById(id) as HTMLFormElement).submit(), form);
      expect((await answered).status()).toBe(403);
    }
    // Still the admin, and no forged account.
    await open(page, '/admin/accounts');
    await expect(page.getByTestId('account')).toContainText('Ada Admin');
    await expect(page.getByText('csrf-admin')).toHaveCount(0);
    // The same JSON sent as text/plain from Tessera's own origin is refused too.
    const plain = await page.request.post(`${target}/api/create_account`, {
      headers: { 'Content-Type': 'text/plain', Origin: target },
      data: '{"account":{"username":"csrf-admin","display_name":"x","password":"forged-password-1","roles":["admin"],"employee_id":""}}',
    });
    expect(plain.status()).toBe(415);
  } finally {
    server.close();
  }
});

test('recovering an escrowed key onto a mobile ID waits for a key recovery agent, who consents with a reason', async ({ page }) => {
  const options = async (recover: boolean) => {
    await signIn(page, 'admin');
    await open(page, '/admin/options/MobileIDScriptOptions');
    await page.locator('input[name="MobileIDCertificates.encryption"]').setChecked(recover);
    await page.locator('#MobileIDRecoverEncryptionCertificates').setChecked(recover);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('status')).toContainText('Saved as version');
    await signOut(page);
  };
  await options(true);

  // The operator supplies Alice a mobile ID that is to get her escrowed key: it waits.
  await signIn(page, 'operator');
  const outcome = await requestCard(page, 'Alice Andersson', 'Supply mobile ID');
  await expect(outcome).toContainText('is Registered');
  await openUser(page, 'Alice Andersson');
  const waiting = page.getByTestId('mobile-ids').locator('tr[data-mobile-id]').filter({ has: page.locator('[data-state="registered"]') });
  const mobileIdPage = (await waiting.first().getByRole('link').getAttribute('href'))!;
  await open(page, mobileIdPage);
  await expect(page.getByTestId('recovery-consent')).toContainText('not given');
  // Not the operator's to give.
  await expect(page.getByTestId('consent-panel')).toHaveCount(0);
  await signOut(page);

  // The key recovery agent: a reason is required, then the consent is recorded.
  await signIn(page, 'recovery');
  await open(page, mobileIdPage);
  const panel = page.getByTestId('consent-panel');
  await clickUntilShown(panel.getByTestId('consent'), panel.getByRole('alert'));
  await expect(panel.getByRole('alert')).toContainText('Say why');
  await panel.getByLabel('Reason').fill('new phone, ticket 4711');
  await panel.getByTestId('consent').click();
  await expect(panel.getByRole('status')).toContainText('ticket 4711');
  await open(page, mobileIdPage);
  await expect(page.getByTestId('recovery-consent')).toContainText('ticket 4711');
  await expect(page.getByTestId('consent-panel')).toHaveCount(0);
  await signOut(page);

  await options(false);
});
