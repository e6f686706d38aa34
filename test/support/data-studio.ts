/** Directus's Data Studio in a real browser, as a person uses it. */
import * as fs from 'node:fs';
import { RunningDirectus } from '../../embedded/directus';
import { Browser, Page } from '../../tooling/browser';

/** Logs in as the example editor and opens `item` (e.g. "campaigns/2") in the content module. */
export async function openAsEditor(browser: Browser, directus: RunningDirectus, item: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(`${directus.url}/admin/login`, { waitUntil: 'networkidle0', timeout: 60000 });
  await page.type('input[type=email]', directus.editor.email);
  await page.type('input[type=password]', fs.readFileSync(directus.editor.passwordFile, 'utf8').trim());
  await page.click('button[type=submit]');
  await page.waitForFunction("location.pathname.startsWith('/admin/content')", { timeout: 60000 });
  await page.goto(`${directus.url}/admin/content/${item}`, { waitUntil: 'networkidle0', timeout: 60000 });
  return page;
}
