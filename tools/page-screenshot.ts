/**
 * `npm run screenshot:page [-- <url>]`: docs/payment-page.png, the payment page of a running
 * system (`npm start`; default http://127.0.0.1:3000/) after two payments, in the same headless
 * Chromium as the browser tests.
 */
import { join } from 'node:path';
import { launchChromium } from './testing/chromium';

const url = process.argv[2] ?? 'http://127.0.0.1:3000/';
const out = join(__dirname, '..', 'docs', 'payment-page.png');

async function main(): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 820, height: 1100 } });
    await page.goto(url);
    const payments = [
      { customer: 'cust-1042', policy: 'HOME-7731', amount: '89.90', currency: 'EUR' },
      { customer: 'cust-1042', policy: 'CAR-2210', amount: '125.00', currency: 'USD' },
    ];
    for (const p of payments) {
      await page.getByLabel('Customer', { exact: true }).fill(p.customer);
      await page.getByLabel('Policy', { exact: true }).fill(p.policy);
      await page.getByLabel('Amount', { exact: true }).fill(p.amount);
      await page.getByLabel('Currency', { exact: true }).selectOption(p.currency);
      await page.getByRole('button', { name: 'Pay' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /COMPLETED|FAILED/ })
        .waitFor({ timeout: 30_000 });
    }
    await page.screenshot({ path: out, fullPage: true });
    process.stdout.write(`wrote ${out}\n`);
  } finally {
    await browser.close();
  }
}

void main();
