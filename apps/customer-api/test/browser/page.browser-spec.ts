import { readFileSync } from 'node:fs';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium } from '../../../../tools/testing/chromium';
import { databaseKinds } from '../../../../tools/testing/databases';
import { testSqsClient } from '../../../../tools/testing/queues';
import { Harness, startCustomerApi } from '../customer-api.harness';
import { fill, listen, paymentsOf, SalesStandIn } from './page.harness';

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const API_KEY = 'browser-test-key-0123456789';
// MariaDB when the run has it: the deployment's database.
const kind = databaseKinds().at(-1) ?? 'sqlite';

describe(`payment page in Chromium (${kind})`, () => {
  let sqs: SQSClient;
  let browser: Browser;

  beforeAll(async () => {
    sqs = testSqsClient();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser.close();
  });

  /** customer-api, the sales side on the real queues, and a fresh browser context. */
  async function start(overrides: Record<string, string> = {}) {
    const api = await startCustomerApi(kind, sqs, process.env.TEST_SQS_ENDPOINT as string, {
      RATE_LIMIT_PER_SECOND: '0',
      ...overrides,
    });
    const sales = new SalesStandIn(sqs, api.queues, (p) =>
      p.policyId === 'pol-closed'
        ? `policy ${p.policyId} was closed before this payment`
        : undefined,
    );
    const url = await listen(api);
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/content security policy/i.test(m.text())) {
        violations.push(m.text());
      }
    });
    const posts: Request[] = [];
    const gets: Request[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/payments')) {
        (r.method() === 'POST' ? posts : gets).push(r);
      }
    });
    await page.goto(`${url}/`);
    return { api, sales, url, context, page, violations, posts, gets };
  }

  async function stop(s: { api: Harness; sales: SalesStandIn; context: BrowserContext }) {
    await s.context.close();
    await s.sales.stop();
    await s.api.close();
  }

  const status = (page: Page) => page.getByRole('status');

  /** Waits for the status line to match: statuses arrive within a few seconds. */
  async function statusShows(page: Page, text: RegExp): Promise<void> {
    await status(page).filter({ hasText: text }).waitFor({ timeout: 20_000 });
  }

  it('should pay, show the request PENDING at once, then COMPLETED without reloading, by long poll', async () => {
    const s = await start();
    try {
      await fill(s.page, { customer: 'cust-page-1', policy: 'pol-1', amount: '123.45' });
      await s.page.getByRole('button', { name: 'Pay' }).click();
      await expect(status(s.page).textContent()).resolves.toBeDefined();
      await statusShows(s.page, /PENDING/);
      const [row] = await paymentsOf(s.api, 'cust-page-1');
      expect(Number(row.amount)).toBe(12_345);
      expect(await status(s.page).textContent()).toContain(row.id);
      const item = s.page.locator(`li[data-request-id="${row.id}"]`);
      await expect(item.textContent()).resolves.toMatch(/PENDING/);

      await statusShows(s.page, /COMPLETED/);
      expect(await status(s.page).textContent()).toContain(row.id);
      await expect(item.textContent()).resolves.toMatch(/COMPLETED/);
      // Long poll, not a polling storm: one or two held requests, each asking to wait.
      expect(s.gets.length).toBeGreaterThanOrEqual(1);
      expect(s.gets.length).toBeLessThanOrEqual(3);
      for (const get of s.gets) {
        expect(get.headers()['prefer']).toMatch(/^wait=\d+$/);
      }
      // Seen from this browser after a reload, still COMPLETED.
      await s.page.reload();
      await expect(
        s.page.locator(`li[data-request-id="${row.id}"]`).textContent(),
      ).resolves.toMatch(/COMPLETED/);
      expect(s.violations).toEqual([]);
    } finally {
      await stop(s);
    }
  });

  it('should send minor units for the currency chosen (JPY has none, KWD three)', async () => {
    const s = await start();
    try {
      await fill(s.page, {
        customer: 'cust-page-jpy',
        policy: 'pol-1',
        amount: '5000',
        currency: 'JPY',
      });
      await s.page.getByRole('button', { name: 'Pay' }).click();
      await statusShows(s.page, /PENDING|COMPLETED/);
      await fill(s.page, {
        customer: 'cust-page-kwd',
        policy: 'pol-1',
        amount: '1.5',
        currency: 'KWD',
      });
      await s.page.getByRole('button', { name: 'Pay' }).click();
      await s.page.locator('#history li').nth(1).waitFor();
      expect(Number((await paymentsOf(s.api, 'cust-page-jpy'))[0].amount)).toBe(5000);
      expect(Number((await paymentsOf(s.api, 'cust-page-kwd'))[0].amount)).toBe(1500);
    } finally {
      await stop(s);
    }
  });

  it("should show a rejected input's field errors next to the fields", async () => {
    const s = await start();
    try {
      await fill(s.page, { customer: 'bad customer!', policy: 'p'.repeat(65), amount: '10' });
      await s.page.getByRole('button', { name: 'Pay' }).click();
      const customerError = s.page.locator('#customer-error');
      await s.page.locator('#customer-error').filter({ hasText: /./ }).waitFor();
      expect(await customerError.textContent()).toMatch(/customerId must be 1-64 characters/);
      expect(await s.page.locator('#policy-error').textContent()).toMatch(
        /policyId must be 1-64 characters/,
      );
      expect(
        await s.page.getByLabel('Customer', { exact: true }).getAttribute('aria-invalid'),
      ).toBe('true');
      expect(await s.page.locator('#amount-error').textContent()).toBe('');
      expect(await status(s.page).textContent()).toMatch(/refused/);
      expect(s.posts).toHaveLength(1);
      expect(await paymentsOf(s.api, 'bad customer!')).toEqual([]);
    } finally {
      await stop(s);
    }
  });

  it('should show a FAILED payment with its reason', async () => {
    const s = await start();
    try {
      await fill(s.page, { customer: 'cust-page-fail', policy: 'pol-closed', amount: '9.99' });
      await s.page.getByRole('button', { name: 'Pay' }).click();
      await statusShows(s.page, /FAILED/);
      expect(await status(s.page).textContent()).toContain(
        'policy pol-closed was closed before this payment',
      );
      const [row] = await paymentsOf(s.api, 'cust-page-fail');
      expect(row.status).toBe('FAILED');
      await expect(
        s.page.locator(`li[data-request-id="${row.id}"]`).textContent(),
      ).resolves.toMatch(/FAILED.*policy pol-closed was closed/);
    } finally {
      await stop(s);
    }
  });

  it('should resend a payment whose answer was lost with the same key, creating one payment', async () => {
    const s = await start();
    try {
      let dropped = 0;
      await s.page.route('**/payments', async (route) => {
        if (route.request().method() === 'POST' && dropped === 0) {
          dropped += 1;
          // The server gets the request and commits the payment; the browser never hears back.
          const answer = await route.fetch();
          expect(answer.status()).toBe(202);
          await route.abort('connectionreset');
          return;
        }
        await route.continue();
      });
      await fill(s.page, { customer: 'cust-page-drop', policy: 'pol-1', amount: '42' });
      await s.page.getByRole('button', { name: 'Pay' }).click();
      await statusShows(s.page, /Accepted after 1 resend/);
      expect(await status(s.page).textContent()).toMatch(
        /same Idempotency-Key.*one payment, not two/,
      );
      expect(dropped).toBe(1);
      const keys = s.posts.map((p) => p.headers()['idempotency-key']);
      expect(keys).toHaveLength(2);
      expect(keys[1]).toBe(keys[0]);
      expect(await paymentsOf(s.api, 'cust-page-drop')).toHaveLength(1);
    } finally {
      await stop(s);
    }
  });

  it('should send one payment for a double click', async () => {
    const s = await start();
    try {
      await fill(s.page, { customer: 'cust-page-dbl', policy: 'pol-1', amount: '7' });
      await s.page.getByRole('button', { name: 'Pay' }).dblclick();
      await statusShows(s.page, /PENDING|COMPLETED/);
      await new Promise((r) => setTimeout(r, 500));
      expect(s.posts).toHaveLength(1);
      expect(await paymentsOf(s.api, 'cust-page-dbl')).toHaveLength(1);
      // A new payment afterwards is a new payment: a new key.
      await s.page.getByLabel('Amount', { exact: true }).fill('8');
      await s.page.getByRole('button', { name: 'Pay' }).click();
      await s.page.locator('#history li').nth(1).waitFor();
      expect(s.posts).toHaveLength(2);
      expect(s.posts[1].headers()['idempotency-key']).not.toBe(
        s.posts[0].headers()['idempotency-key'],
      );
    } finally {
      await stop(s);
    }
  });

  it('should ask for the API key a server requires and keep it for the tab only', async () => {
    const s = await start({ API_KEYS: `browser:${API_KEY}` });
    try {
      await fill(s.page, { customer: 'cust-page-key', policy: 'pol-1', amount: '15' });
      await s.page.getByRole('button', { name: 'Pay' }).click();
      await s.page.locator('#api-key-error').filter({ hasText: /./ }).waitFor();
      expect(await paymentsOf(s.api, 'cust-page-key')).toEqual([]);
      await s.page.getByLabel('API key').fill(API_KEY);
      await s.page.getByRole('button', { name: 'Pay' }).click();
      await statusShows(s.page, /COMPLETED/);
      expect(await paymentsOf(s.api, 'cust-page-key')).toHaveLength(1);
      // The two sends were one attempt: the same key.
      expect(s.posts[1].headers()['idempotency-key']).toBe(s.posts[0].headers()['idempotency-key']);
      const stored = await s.page.evaluate<{ session: string; local: string }>(
        '({ session: JSON.stringify(sessionStorage), local: JSON.stringify(localStorage) })',
      );
      expect(stored.session).toContain(API_KEY);
      expect(stored.local).not.toContain(API_KEY);
    } finally {
      await stop(s);
    }
  });

  it('should pass an axe-core scan with payments listed and field errors shown, under a self-only CSP', async () => {
    const s = await start();
    try {
      const response = await s.page.goto(`${s.url}/`);
      const csp = response?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      await fill(s.page, { customer: 'cust-page-axe', policy: 'pol-closed', amount: '3.50' });
      await s.page.getByRole('button', { name: 'Pay' }).click();
      await statusShows(s.page, /FAILED/);
      await fill(s.page, { customer: 'bad customer!', policy: 'pol-1', amount: '1' });
      await s.page.getByRole('button', { name: 'Pay' }).click();
      await s.page.locator('#customer-error').filter({ hasText: /./ }).waitFor();
      // Evaluated over the DevTools protocol: the page's CSP does not apply to it.
      await s.page.evaluate(AXE);
      const result = await s.page.evaluate<string[]>(
        'axe.run().then(({ violations }) => violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`))',
      );
      expect(result).toEqual([]);
      expect(s.violations).toEqual([]);
    } finally {
      await stop(s);
    }
  });

  it('should keep the API document UI at /docs working under the CSP', async () => {
    const s = await start();
    try {
      await s.page.goto(`${s.url}/docs`);
      await s.page.waitForSelector('.swagger-ui .info .title', { timeout: 20_000 });
      expect(await s.page.locator('.swagger-ui .info .title').textContent()).toContain(
        'customer-api',
      );
      await s.page.waitForSelector('.opblock', { timeout: 20_000 });
      expect(s.violations).toEqual([]);
    } finally {
      await stop(s);
    }
  });
});
