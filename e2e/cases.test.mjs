// Browser scenarios over cases: a disclosure request is opened and extended (the due date moves
// and the explanation says why); the supervisor sees the overdue alarm the sweep raised; the
// public portal's numbers follow, with no personal data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, launch, login, shot, BIN } from './helpers.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function receivedCount(page) {
  await page.goto(server.base);
  const cells = await page.locator('table', { hasText: '收件' }).locator('tbody tr', { hasText: '政府信息公开申请' }).locator('td:nth-child(4)').allInnerTexts();
  return cells.reduce((sum, c) => sum + Number(c), 0);
}

test('a disclosure request is opened and extended; the due date moves and the explanation changes', async () => {
  const pub = await browser.newPage();
  const before = await receivedCount(pub);
  const page = await browser.newPage();
  await login(page, server.base, 'bangongshi');
  await page.goto(`${server.base}/cases/new`);
  await page.getByLabel('起算日期(收到/受理日)').fill('2026-11-02');
  await page.getByLabel(/申请方式/).selectOption('in_person');
  await page.getByLabel(/申请人姓名或名称/).fill('浏览器测试申请人');
  await page.getByLabel(/所需政府信息的描述/).fill('2026年度城区道路维修计划');
  await page.getByRole('button', { name: '登记' }).click();
  await page.waitForURL(/\/cases\/\d+$/);
  const summary = page.locator('details.deadline summary').first();
  // 20 working days from 2026-11-02 under the 2019 regulation.
  assert.match(await summary.innerText(), /2026-11-30/);
  await shot(page, 'case-disclosure-opened');
  const extend = page.locator('details.action', { hasText: '延长答复期限' });
  // The extension is decided on a given day inside the period, never on the form's default
  // (today), so the test means the same whatever day it runs.
  await extend.getByLabel('办理日期').fill('2026-11-20');
  await extend.getByLabel(/批准人/).fill('办公室主任');
  await extend.getByLabel(/理由/).fill('需调取历史档案');
  await extend.getByRole('button', { name: '延长答复期限' }).click();
  await page.locator('details.deadline summary', { hasText: '2026-12-28' }).waitFor();
  assert.match(await page.locator('pre.explain').first().innerText(), /延长/);
  await shot(page, 'case-disclosure-extended');
  // A second extension is refused: the form now carries the reason.
  await page.locator('details.action', { hasText: '延长答复期限' }).filter({ hasText: '只能进行一次' }).waitFor();
  // The portal counts the new request.
  assert.equal(await receivedCount(pub), before + 1);
  assert.equal(await pub.getByText('浏览器测试申请人').count(), 0, 'no personal data on the portal');
  await shot(pub, 'portal-with-stats');
  await page.close();
  await pub.close();
});

test('the supervisor sees the overdue alarm after the sweep', async () => {
  const db = server.db;
  execFileSync(BIN, ['sweep', '--db', db, '--on', '2026-11-27']);
  const page = await browser.newPage();
  await login(page, server.base, 'fazhiban');
  await page.getByRole('heading', { name: /预警与超期/ }).waitFor();
  assert.ok(await page.getByText('超期红牌').count() > 0);
  await shot(page, 'supervisor-home-alarms');
  await page.goto(`${server.base}/overdue`);
  await page.getByRole('heading', { name: /逾期清单/ }).waitFor();
  await shot(page, 'overdue-list');
  await page.goto(`${server.base}/leader`);
  await shot(page, 'leader-view');
  await page.close();
});
