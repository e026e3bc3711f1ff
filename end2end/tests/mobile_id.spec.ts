import { Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { confirm, expect, mailTo, open, openUser, requestCard, signIn, signOut, test, unfold } from './helpers';

// Supply mobile ID: the QR code in Self-Service or by e-mail, decoded from the image, then the
// phone's part done by stock tools: openssl makes the key and the CSR, curl posts it to EST,
// openssl reads the PKCS#7 and `openssl verify` checks the certificate against Tessera's CA.

function decodeQr(png: Buffer): string {
  const image = PNG.sync.read(png);
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (!code) throw new Error('no QR code in the image');
  return code.data;
}

type Activation = { origin: string; id: string; code: string; enroll: string[] };

function parseLink(link: string): Activation {
  const url = new URL(link);
  const params = new URLSearchParams(url.hash.slice(1));
  expect(params.get('v')).toBe('1');
  return {
    origin: url.origin,
    id: params.get('id')!,
    code: params.get('c')!,
    enroll: (params.get('enroll') ?? '').split(',').filter((l) => l),
  };
}

function run(cmd: string, args: string[], cwd: string, input?: string): string {
  return execFileSync(cmd, args, { cwd, input, encoding: 'utf8' });
}

/** PEM blocks of a file, in order. */
function pems(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

/** The phone's part with curl + openssl; returns the HTTP status of each enrollment. */
function enrollWithCurl(a: Activation, dir: string) {
  // cacerts: issuing CA then root.
  const b64 = run('curl', ['-sS', '--fail-with-body', `${a.origin}/.well-known/est/authentication/cacerts`], dir);
  fs.writeFileSync(path.join(dir, 'cacerts.p7'), Buffer.from(b64.replace(/\s/g, ''), 'base64'));
  const chain = pems(run('openssl', ['pkcs7', '-inform', 'DER', '-in', 'cacerts.p7', '-print_certs'], dir));
  expect(chain.length).toBe(2);
  fs.writeFileSync(path.join(dir, 'issuing.pem'), chain[0]);
  fs.writeFileSync(path.join(dir, 'root.pem'), chain[1]);
  const serials: string[] = [];
  for (const label of a.enroll) {
    run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${label}.key`], dir);
    run('openssl', ['req', '-new', '-key', `${label}.key`, '-subj', '/CN=phone', '-outform', 'DER', '-out', `${label}.csr`], dir);
    fs.writeFileSync(path.join(dir, `${label}.b64`), fs.readFileSync(path.join(dir, `${label}.csr`)).toString('base64'));
    const out = run('curl', [
      '-sS', '--fail-with-body', '-u', `${a.id}:${a.code}`,
      '-H', 'Content-Type: application/pkcs10',
      '--data-binary', `@${label}.b64`,
      `${a.origin}/.well-known/est/${label}/simpleenroll`,
    ], dir);
    fs.writeFileSync(path.join(dir, `${label}.p7`), Buffer.from(out.replace(/\s/g, ''), 'base64'));
    const certs = pems(run('openssl', ['pkcs7', '-inform', 'DER', '-in', `${label}.p7`, '-print_certs'], dir));
    fs.writeFileSync(path.join(dir, `${label}.pem`), certs[0]);
    expect(run('openssl', ['verify', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', `${label}.pem`], dir)).toContain(`${label}.pem: OK`);
    // The certificate is for the key the phone made.
    const certKey = run('openssl', ['x509', '-in', `${label}.pem`, '-noout', '-pubkey'], dir);
    const ownKey = run('openssl', ['pkey', '-in', `${label}.key`, '-pubout'], dir);
    expect(certKey).toBe(ownKey);
    serials.push(run('openssl', ['x509', '-in', `${label}.pem`, '-noout', '-serial'], dir).trim().replace('serial=', ''));
  }
  // The code was for one enrollment: using it again is refused with 401.
  const again = execFileSync('curl', [
    '-sS', '-o', '/dev/null', '-w', '%{http_code}', '-u', `${a.id}:${a.code}`,
    '-H', 'Content-Type: application/pkcs10', '--data-binary', `@${a.enroll[0]}.b64`,
    `${a.origin}/.well-known/est/${a.enroll[0]}/simpleenroll`,
  ], { cwd: dir, encoding: 'utf8' });
  expect(again).toBe('401');
  return serials;
}

/** As the operator: the user's mobile ID is active and its certificates valid. */
async function expectActive(page: Page, name: string, serials: string[]) {
  await signIn(page, 'operator');
  await openUser(page, name);
  const row = page.getByTestId('mobile-ids').locator('tr[data-mobile-id]').first();
  await expect(row.locator('[data-state]')).toHaveAttribute('data-state', 'active');
  await open(page, (await row.getByRole('link').getAttribute('href'))!);
  await expect(page.getByTestId('mobile-id').locator('[data-state]').first()).toHaveAttribute('data-state', 'active');
  for (const serial of serials) {
    const cert = page.locator('tr', { hasText: serial });
    await expect(cert.locator('[data-state]')).toHaveAttribute('data-state', 'valid');
  }
}

test('Supply mobile ID with the QR code in Self-Service: scanned, enrolled with curl + openssl, active, then locked by its holder', async ({ page }) => {
  await signIn(page, 'operator');
  const outcome = await requestCard(page, 'Alice Andersson', 'Supply mobile ID');
  await expect(outcome).toContainText('is Registered');
  await expect(outcome.getByTestId('delivery')).toContainText('Self-Service');
  await signOut(page);

  await signIn(page, 'alice');
  await open(page, '/me');
  await page.getByTestId('show-qr').click();
  const image = page.getByTestId('qr-image');
  await expect(image.locator('svg')).toBeVisible();
  await expect(page.getByTestId('qr-expires')).not.toBeEmpty();
  const link = decodeQr(await image.screenshot());
  expect(link).toContain('/mobile-id#v=1&id=');
  expect(link).not.toContain('alice');
  const a = parseLink(link);
  expect(a.enroll).toEqual(['authentication', 'signature']);
  await signOut(page);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-phone-'));
  const serials = enrollWithCurl(a, dir);
  await expectActive(page, 'Alice Andersson', serials);
  await signOut(page);

  // The phone is lost: Alice locks its mobile ID herself, from her own page, and its
  // certificates are revoked at once.
  await signIn(page, 'alice');
  await open(page, '/me');
  const mine = page.getByTestId('mobile-ids').locator('tr[data-mobile-id]').first();
  await mine.getByTestId('mobile-id-commands').getByRole('link', { name: 'Lock my mobile ID' }).click();
  await expect(page.getByRole('heading', { name: 'Lock my mobile ID' })).toBeVisible();
  await expect(page.getByTestId('certificates-affected')).toContainText('2 certificates');
  await page.locator('#reason').selectOption('key_compromise');
  await page.getByRole('button', { name: 'Next' }).click();
  await confirm(page, 'Yes, lock my mobile id');
  await expect(page.getByTestId('outcome').locator('[data-state]')).toHaveAttribute('data-state', 'locked');
  await expect(page.getByTestId('outcome')).toContainText('2 certificates');
  await page.getByRole('link', { name: 'Back to my credentials' }).click();
  await expect(mine.locator('[data-state]')).toHaveAttribute('data-state', 'locked');
  await expect(mine.getByTestId('mobile-id-commands').getByRole('link')).toHaveCount(0);
  await signOut(page);

  await signIn(page, 'operator');
  await openUser(page, 'Alice Andersson');
  const row = page.getByTestId('mobile-ids').locator('tr[data-mobile-id]').first();
  await open(page, (await row.getByRole('link').first().getAttribute('href'))!);
  for (const serial of serials) {
    const cert = page.locator('tr', { hasText: serial });
    await expect(cert.locator('[data-state]')).toHaveAttribute('data-state', 'revoked');
    await expect(cert).toContainText('Key compromise');
  }
});

/** The base64 body of the MIME part with this content type. */
function part(message: string, contentType: string): Buffer {
  const start = message.indexOf(`Content-Type: ${contentType}`);
  expect(start).toBeGreaterThan(0);
  // The maildir may keep \n or \r\n line ends: the part's body starts after its blank line.
  const rest = message.slice(start);
  const blank = rest.match(/\r?\n\r?\n/)!;
  const body = rest.slice(blank.index! + blank[0].length);
  return Buffer.from(body.slice(0, body.indexOf('--')).replace(/\s/g, ''), 'base64');
}

test('Supply mobile ID with the QR code by e-mail: the PNG from the mail is scanned and enrolled', async ({ page }) => {
  await signIn(page, 'admin');
  await open(page, '/admin/options/MobileIDScriptOptions');
  await page.locator('#MobileIDQrDelivery').selectOption('email');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('Saved as version');
  await signOut(page);

  await signIn(page, 'operator');
  const outcome = await requestCard(page, 'Bruno Berg', 'Supply mobile ID');
  await expect(outcome.getByTestId('delivery')).toContainText('sent by e-mail to bruno.berg@example.com');
  await signOut(page);

  const message = await mailTo('bruno.berg@example.com', 'scan the QR code');
  const link = decodeQr(part(message, 'image/png'));
  expect(unfold(message)).toContain(link);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-phone-'));
  const serials = enrollWithCurl(parseLink(link), dir);
  await expectActive(page, 'Bruno Berg', serials);

  // The next tests expect the shipped option.
  await signOut(page);
  await signIn(page, 'admin');
  await open(page, '/admin/options/MobileIDScriptOptions');
  await page.locator('#MobileIDQrDelivery').selectOption('self_service');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('Saved as version');
});
