// Shared set-up for the browser tests: a fresh SQLite database, the real `fazhi serve --demo`
// on a free port, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = process.env.FAZHI_BIN || join(root, 'target', 'debug', 'fazhi');
export const SHOTS = join(root, 'target', 'e2e-screenshots');
export const DEMO_PASSWORD = 'fazhi-demo-2008';
// The demo server's today (FAZHI_TODAY, honoured with --demo only): what the pages show as due,
// overdue or on time does not depend on the day the tests run.
export const TODAY = '2026-11-27';

export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'fazhi-e2e-'));
  const db = `sqlite://${join(dir, 'e2e.db')}`;
  const child = spawn(BIN, ['serve', '--demo', '--addr', '127.0.0.1:0', '--db', db], {
    env: { ...process.env, FAZHI_LOG: 'warn', FAZHI_TODAY: TODAY },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 120_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/fazhi listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return {
    base,
    db,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function login(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel(/用户名|Username/).fill(username);
  await page.getByLabel(/密码|Password/).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
  await page.waitForURL(`${base}/home`);
}

export function shot(page, name) {
  return page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
