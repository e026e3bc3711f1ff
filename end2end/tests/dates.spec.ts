import { expect, open, signIn, test } from './helpers';

// A reader in Tokyo whose browser speaks Swedish.
test.use({ locale: 'sv-SE', timezoneId: 'Asia/Tokyo' });

test('dates read in the browser\'s time zone and language, the moment itself kept in the markup', async ({ page }) => {
  await signIn(page, 'admin');
  await open(page, '/admin/audit');
  const when = page.getByTestId('audit').locator('tbody tr').first().locator('time');
  const at = (await when.getAttribute('datetime'))!;
  expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const expected = new Date(at).toLocaleString('sv-SE', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' });
  await expect(when).toHaveText(expected);
  // Not the UTC form the server wrote before the page ran.
  await expect(when).not.toContainText('UTC');
});
