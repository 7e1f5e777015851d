import { existsSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { createWebBff } from '../../bffs/web/bff.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';

/**
 * GraphiQL as a developer meets it: the real mocks, a BFF listening on a port, and Debian's
 * Chromium driven by playwright-core (which never downloads a browser of its own). The page must
 * render with no internet, so every request it makes is checked to stay on 127.0.0.1.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const onCi = !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);
const chromiumMissing = !existsSync(CHROMIUM);
/** Only a developer's machine may skip: on CI a missing browser is a broken CI image. */
const skipReason = chromiumMissing && !onCi ? `${CHROMIUM} not found: install Debian's package \`chromium\` to run the GraphiQL browser tests` : undefined;
if (skipReason) console.warn(`[test/browser/graphiql] SKIPPED: ${skipReason}`);

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** Monaco renders non-breaking spaces; compare on plain text. */
const plain = (text: string) => text.replace(/\u00a0/g, ' ');

async function listen(bff: Bff): Promise<{ server: Server; url: string }> {
  const server = createServer(bff);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function payloadOf(token: string): { sub: string } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('GraphiQL in headless Chromium (development mode)', () => {
  let mocks: TestMocks | undefined;
  let browser: Browser | undefined;
  const bffs: Bff[] = [];
  const servers: Server[] = [];
  let mobileUrl = '';
  let webUrl = '';
  let screenshots = '';
  /** Every request a page made that was not to this machine: must stay empty (no CDN). */
  const offMachine: string[] = [];

  beforeAll(async () => {
    if (skipReason) return;
    if (chromiumMissing) throw new Error(`CI is set and ${CHROMIUM} is missing: install Debian's package \`chromium\` (apt-get install -y chromium)`);
    screenshots = process.env.GRAPHIQL_SCREENSHOT_DIR ?? (await mkdtemp(join(tmpdir(), 'graphiql-screens-')));
    mocks = await startTestMocks();
    const config = testConfig(mocks.urls);
    const options = { clock: () => new Date(TEST_NOW), logger: pino({ level: 'silent' }) };
    const mobile = createMobileBff(config, options);
    const web = createWebBff(config, options);
    bffs.push(mobile, web);
    const m = await listen(mobile);
    const w = await listen(web);
    servers.push(m.server, w.server);
    mobileUrl = m.url;
    webUrl = w.url;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await Promise.all(bffs.map((b) => b.close()));
    await mocks?.close();
  });

  /** Opens GraphiQL in a fresh context and waits for the editors, headers included, to be filled in. */
  async function openGraphiQL(url: string): Promise<{ page: Page; headersText: string; queryText: string }> {
    const context = await browser!.newContext({ viewport: { width: 1400, height: 900 } });
    await context.route('**/*', (route) => {
      const { protocol, hostname } = new URL(route.request().url());
      if ((protocol === 'http:' || protocol === 'https:') && hostname !== '127.0.0.1') {
        offMachine.push(route.request().url());
        return route.abort('internetdisconnected');
      }
      return route.continue();
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toContain('text/html');
    await page.locator('.graphiql-execute-button').waitFor({ state: 'visible', timeout: 45_000 });
    const headersEditor = page.locator('.monaco-editor[data-uri$="request-headers.json"] .view-lines');
    await expect.poll(async () => plain(await headersEditor.innerText()), { timeout: 15_000 }).toContain('Bearer ');
    const queryText = plain(await page.locator('.graphiql-query-editor .monaco-editor .view-lines').innerText());
    expect(pageErrors).toEqual([]);
    return { page, headersText: plain(await headersEditor.innerText()), queryText };
  }

  /** Clicks run and returns both what the server answered and what the result pane shows. */
  async function execute(page: Page): Promise<{ body: any; pane: string }> {
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/graphql', { timeout: 20_000 });
    await page.locator('.graphiql-execute-button').click();
    const response = await answered;
    expect(response.status()).toBe(200);
    const body = await response.json();
    const pane = page.locator('.graphiql-response .monaco-editor .view-lines');
    await expect.poll(async () => plain(await pane.innerText()), { timeout: 15_000 }).toMatch(/"home"[\s\S]*"rows"/);
    // Every asset (JS, CSS, editor workers, favicon) came from the BFF itself: nothing from unpkg.
    expect(offMachine).toEqual([]);
    return { body, pane: plain(await pane.innerText()) };
  }

  function tokenIn(headersText: string): string {
    const token = /"Authorization":\s*"Bearer ([^"\s]+)"/.exec(headersText)?.[1];
    expect(token, `no bearer token in the headers editor:\n${headersText}`).toMatch(JWT);
    return token!;
  }

  it('mobile: opens with the home document and a minted token, runs it, and shows home rows', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { page, headersText, queryText } = await openGraphiQL(`${mobileUrl}/graphql`);

    expect(headersText).toContain('Bearer ');
    expect(payloadOf(tokenIn(headersText)).sub).toBe('u_1');
    expect(queryText).toContain('query MobileHome');

    const { body, pane } = await execute(page);
    expect(body.errors).toBeUndefined();
    expect(body.data.home.rows.length).toBeGreaterThan(0);
    expect(pane).toContain('"home"');
    expect(pane).toContain('"rows"');
    expect(pane).not.toContain('"errors"');
    expect(pane).toContain(body.data.home.profile.name);

    const file = join(screenshots, 'graphiql-mobile-u_1.png');
    await page.screenshot({ path: file });
    expect(statSync(file).size).toBeGreaterThan(10_000);
    console.info(`[test/browser/graphiql] screenshot: ${file}`);
    await page.context().close();
  }, 120_000);

  it('mobile: ?as=u_2 mints a token for u_2 and shows a different viewer than u_1', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const names: Record<string, string> = {};
    for (const as of ['u_1', 'u_2']) {
      const { page, headersText } = await openGraphiQL(`${mobileUrl}/graphql?as=${as}`);
      expect(payloadOf(tokenIn(headersText)).sub).toBe(as);
      const { body, pane } = await execute(page);
      expect(body.errors).toBeUndefined();
      expect(pane).not.toContain('"errors"');
      names[as] = body.data.home.profile.name;
      expect(names[as]).toEqual(expect.any(String));
      expect(pane).toContain(`"name": "${names[as]}"`);
      if (as === 'u_2') await page.screenshot({ path: join(screenshots, 'graphiql-mobile-u_2.png') });
      await page.context().close();
    }
    expect(names.u_2).not.toBe(names.u_1);
  }, 120_000);

  it('web: runs the web home document without errors', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const { page, headersText, queryText } = await openGraphiQL(`${webUrl}/graphql`);
    tokenIn(headersText);
    expect(queryText).toContain('query WebHome');

    const { body, pane } = await execute(page);
    expect(body.errors).toBeUndefined();
    expect(body.data.home.rows.length).toBeGreaterThan(0);
    expect(pane).toContain('"home"');
    expect(pane).toContain('"rows"');
    expect(pane).not.toContain('"errors"');
    await page.screenshot({ path: join(screenshots, 'graphiql-web-u_1.png') });
    await page.context().close();
  }, 120_000);
});
