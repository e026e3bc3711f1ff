import { expect, open, openUser, signIn, signOut, test } from './helpers';

test('an operator sees a user\'s certificates and downloads one as PEM', async ({ page }) => {
  await signIn(page, 'operator');
  await openUser(page, 'Alice Andersson');
  const panel = page.getByTestId('certificates');
  await expect(panel.locator('tbody tr')).toHaveCount(4);
  await expect(panel.locator('tr[data-profile="Encryption"]')).toContainText('key escrowed');
  await expect(panel.locator('tr[data-profile="Encryption"] [data-state="valid"]')).toBeVisible();
  await expect(panel.locator('[data-state="revoked"]')).toHaveCount(1);
  await expect(panel).toContainText('Key compromise');
  // No recovery for an operator.
  await expect(panel.getByRole('button', { name: 'Recover key' })).toHaveCount(0);
  const href = await panel.locator('tr[data-profile="Signature"]').getByRole('link', { name: 'Download PEM' }).getAttribute('href');
  const pem = await page.request.get(href!);
  expect(pem.ok()).toBe(true);
  expect(await pem.text()).toContain('-----BEGIN CERTIFICATE-----');
  // The card page shows the certificates of that card.
  await panel.locator('tr[data-profile="Signature"]').locator('td').nth(2).textContent().then(async (credential) => {
    const id = credential!.replace('Card ', '').trim();
    await open(page, `/cards/${id}`);
    await expect(page.getByTestId('certificates').locator('tbody tr')).toHaveCount(3);
  });
  await signOut(page);
  const anonymous = await page.request.get(href!);
  expect(anonymous.status()).toBe(401);
});

test('the CA certificates and the CRL are served at their URLs', async ({ request }) => {
  for (const path of ['/pki/ca/root.crt', '/pki/ca/issuing.crt']) {
    const r = await request.get(path);
    expect(r.ok()).toBe(true);
    expect(r.headers()['content-type']).toBe('application/pkix-cert');
    expect((await r.body())[0]).toBe(0x30);
  }
  const chain = await request.get('/pki/ca/chain.pem');
  expect((await chain.text()).match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  const crl = await request.get('/pki/crl/issuing.crl');
  expect(crl.ok()).toBe(true);
  expect(crl.headers()['content-type']).toBe('application/pkix-crl');
  expect((await crl.body())[0]).toBe(0x30);
  expect((await request.get('/pki/ca/other.crt')).status()).toBe(404);
});

test('the admin sees the CA and publishes a CRL', async ({ page }) => {
  await signIn(page, 'admin');
  await open(page, '/admin/ca');
  const cas = page.getByTestId('ca-certificates');
  await expect(cas.locator('tr[data-role="root"]')).toContainText('Tessera Root CA');
  await expect(cas.locator('tr[data-role="issuing"]')).toContainText('Tessera Issuing CA');
  await expect(page.locator('[data-field="key_protection"]')).toContainText('AES-256');
  await expect(page.locator('[data-field="crl_url"]')).toContainText('/pki/crl/issuing.crl');
  const before = await page.locator('[data-field="crl"]').textContent();
  const number = Number(before!.match(/Number (\d+)/)![1]);
  await page.getByRole('button', { name: 'Publish CRL now' }).click();
  await expect(page.getByRole('status')).toContainText(`CRL number ${number + 1} published.`);
  await expect(page.locator('[data-field="crl"]')).toContainText(`Number ${number + 1}`);
});

test('the admin edits a certificate profile; a bad value is refused and kept for correction', async ({ page }) => {
  await signIn(page, 'admin');
  await open(page, '/admin/certificate-profiles');
  const form = page.locator('form[data-profile="Signature"]');
  await form.locator('input[name="validity_days"]').fill('0');
  await form.locator('[data-field="recoverable"] input').check();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('alert')).toContainText('between 1 and 3650');
  await expect(form.getByRole('alert')).toContainText('Only encryption keys may be escrowed');
  await expect(form.locator('input[name="validity_days"]')).toHaveValue('0');
  await form.locator('input[name="validity_days"]').fill('365');
  await form.locator('[data-field="recoverable"] input').uncheck();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('status')).toContainText('Saved as version 2.');
  await open(page, '/admin/certificate-profiles');
  await expect(page.locator('form[data-profile="Signature"] input[name="validity_days"]')).toHaveValue('365');
});

test('a key recovery agent recovers an escrowed key as a PKCS#12 file', async ({ page }) => {
  await signIn(page, 'recovery');
  await openUser(page, 'Alice Andersson');
  const row = page.getByTestId('certificates').locator('tr[data-profile="Encryption"]');
  await row.getByRole('button', { name: 'Recover key' }).click();
  const form = page.getByTestId('recover-form');
  await form.getByLabel('Reason').fill('Alice lost her card; mail archive');
  await form.getByLabel('File password').fill('correct horse battery');
  await form.getByLabel('Repeat password').fill('correct horse');
  await form.getByRole('button', { name: 'Recover' }).click();
  await expect(form.getByRole('alert')).toContainText('The two passwords differ.');
  await form.getByLabel('Repeat password').fill('correct horse battery');
  await form.getByRole('button', { name: 'Recover' }).click();
  const link = form.getByRole('link', { name: /Download .*\.p12/ });
  await expect(link).toBeVisible();
  expect(await link.getAttribute('href')).toMatch(/^data:application\/x-pkcs12;base64,MII/);
});

test('a self-service user sees their own certificates', async ({ page }) => {
  await signIn(page, 'alice');
  await expect(page.getByRole('heading', { name: 'My certificates' })).toBeVisible();
  await expect(page.getByTestId('certificates').locator('tbody tr')).toHaveCount(4);
  const href = await page.getByTestId('certificates').getByRole('link', { name: 'Download PEM' }).first().getAttribute('href');
  expect((await page.request.get(href!)).ok()).toBe(true);
  const recover = await page.request.post('/api/recover_key', { form: { certificate_id: '1', password: 'a long password', reason: 'x' } });
  expect(recover.ok()).toBe(false);
  expect(await recover.text()).toContain('may not recover escrowed keys');
});
