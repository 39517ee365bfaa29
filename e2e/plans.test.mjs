// Browser scenarios over the plan workbench and the portal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, login, shot } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('an officer sees their responsibilities and files a progress report', async () => {
  const page = await browser.newPage();
  await login(page, server.base, 'bangongshi');
  await assert.doesNotReject(page.getByRole('heading', { name: '我的职责' }).waitFor());
  await shot(page, 'officer-home');
  await page.getByRole('link', { name: '三(一)3' }).first().click();
  await page.getByLabel('进展情况').fill('浏览器测试:已完成政府信息公开目录更新。');
  await page.getByLabel('进展', { exact: true }).selectOption('done');
  await page.getByRole('button', { name: '提交报告' }).click();
  await page.getByText('浏览器测试:已完成政府信息公开目录更新。').waitFor();
  await shot(page, 'item-with-report');
  await page.close();
});

test('the legal affairs office reads the plan matrix with overdue counts', async () => {
  const page = await browser.newPage();
  await login(page, server.base, 'fazhiban');
  await page.getByRole('link', { name: /全面推进依法行政工作2008年度安排/ }).first().click();
  const overdueRow = page.getByRole('row', { name: /逾期事项数/ });
  await overdueRow.waitFor();
  assert.match(await page.locator('caption').first().innerText(), /工作事项/);
  await shot(page, 'plan-matrix');
  await page.goto(`${server.base}${new URL(page.url()).pathname}?on=2008-06-01`);
  await shot(page, 'plan-matrix-2008-06-01');
  await page.close();
});

test('the portal switches language and remembers the choice', async () => {
  const page = await browser.newPage();
  await page.goto(server.base);
  await page.getByRole('heading', { name: '政务公开门户' }).waitFor();
  await shot(page, 'portal-zh');
  await page.getByRole('link', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Open Government Portal' }).waitFor();
  await page.goto(`${server.base}/login`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shot(page, 'login-en');
  await page.getByRole('link', { name: '中文' }).click();
  await page.getByRole('heading', { name: '登录' }).waitFor();
  await page.close();
});
