/**
 * The web dashboard end to end: a real cluster (hypernode-cluster with --http, a node daemon, RabbitMQ, Redis)
 * and the page in headless Chromium (Debian's `chromium`, driven by playwright-core).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleSecret } from '@hypernode/core/runtime';
import { clusterName, deleteTestCluster, repoPath, startClusterProcess, testClusterPerTest, type DaemonProcess } from '../test-support';

const CHROMIUM = process.env.HYPERNODE_CHROMIUM ?? '/usr/bin/chromium';
const DASHBOARD_LINE = /web dashboard of cluster '[^']+' at (http:\/\/\S+)/;

let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it with 'apt-get install -y chromium' (or set HYPERNODE_CHROMIUM to its path).`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
});

async function dashboardUrl(daemon: DaemonProcess): Promise<string> {
  return DASHBOARD_LINE.exec(await daemon.waitFor(DASHBOARD_LINE))![1]!;
}

describe('the web dashboard in a browser', () => {
  const clusters = testClusterPerTest();

  it('shows a process spawned after the page opened within 2 s, then its crash with the reason, and its detail on a click', async () => {
    const t = await clusters.start([{ id: 'n1', workers: 1 }], { clusterArgs: ['--http', '127.0.0.1:0'] });
    const url = await dashboardUrl(t.clusterDaemon);
    await t.client.load(repoPath('packages/daemon/test-fixtures/idle.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/crasher.ts'));
    const page = await browser.newPage();
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('#live:text("live")');
    await page.waitForSelector('#workers tr[data-worker]');

    const idle = await t.client.spawn('Idle', {});
    await page.waitForSelector(`tr.proc[data-name="${idle}"]`, { timeout: 2000 });
    const row = page.locator(`tr.proc[data-name="${idle}"]`);
    await expect.poll(() => row.locator('td').nth(1).textContent()).toBe('Idle v1');

    const crasher = await t.client.spawn('Crasher', {});
    await page.waitForSelector(`tr.proc[data-name="${crasher}"]`);
    const reason = 'disk full <img src=x onerror="document.body.dataset.owned=1"> & gone';
    t.client.send(crasher, { crash: reason });
    const crash = page.locator(`#exits tr[data-name="${crasher}"][data-kind="crash"] td.reason`);
    await expect.poll(() => crash.textContent(), { timeout: 10_000 }).toBe(`Error: ${reason}`);
    // The reason was shown as text: no element was made from it.
    expect(await page.locator('#exits img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.owned)).toBeUndefined();
    await expect.poll(() => page.locator(`tr.proc[data-name="${crasher}"]`).count()).toBe(0);

    await row.click();
    const detail = page.locator(`#detail dl[data-name="${idle}"]`);
    await detail.waitFor();
    expect(await detail.locator('dd[data-field="module"]').textContent()).toBe('Idle v1');
    expect(await detail.locator('dd[data-field="state size"]').textContent()).toMatch(/^\d+ B$/);

    // The search keeps the match and its ancestors, and hides the rest.
    await page.fill('#search', 'no-such-process-xyz');
    await page.waitForSelector('#tree p:text("No process matches the filter.")');
    await page.fill('#search', 'idle');
    await page.waitForSelector(`tr.proc.match[data-name="${idle}"]`);
    await page.close();
  });

  describe('with a cluster secret', () => {
    const secret = 'dashboard-browser-test-secret-0123456789';
    let cluster: string;
    let daemon: DaemonProcess | undefined;
    afterAll(async () => {
      await daemon?.stop();
      if (cluster) await deleteTestCluster(cluster);
    });

    it('refuses the page and its websocket without the secret or with a wrong one, and opens with the read-role secret', async () => {
      cluster = clusterName();
      daemon = await startClusterProcess(cluster, {}, ['--http', '127.0.0.1:0'], { HYPERNODE_SECRET: secret });
      const url = await dashboardUrl(daemon);
      const page = await browser.newPage();
      expect((await page.goto(url))?.status()).toBe(401);
      await page.waitForSelector('form#login input[name="secret"]');
      expect(await page.locator('#tree').count()).toBe(0);
      // The websocket is refused too without a session.
      const wsStatus = await page.evaluate(
        (u) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(u.replace(/^http/, 'ws') + 'ws');
            ws.onopen = () => resolve('open');
            ws.onerror = () => resolve('refused');
          }),
        url,
      );
      expect(wsStatus).toBe('refused');

      await page.fill('input[name="secret"]', 'a-wrong-secret-that-is-long-enough');
      const [wrong] = await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
      expect(wrong?.status()).toBe(401);
      expect(await page.locator('#login-problem').textContent()).toBe('That is not the secret of this cluster.');

      await page.fill('input[name="secret"]', roleSecret(secret, cluster, 'read'));
      await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
      await page.waitForSelector('#live:text("live")');
      expect(await page.locator('#cluster').textContent()).toBe(cluster);
      await page.waitForSelector('#summary:text("processes")');
      expect(daemon.lines.join('\n')).not.toContain(secret);
      await page.close();
    });
  });
});
