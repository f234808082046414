// tests/web/cookie_browser.js: the browser half of test_cookies.py. In Debian's headless
// Chromium (playwright-core, flags as in test_browser.js) it opens app A, whose page
// tries to plant cookies for other origins (by Set-Cookie and by document.cookie), then
// opens app B and the frontend, and prints one JSON line: what A saw of its own
// cookies, the Cookie header B and the frontend received, and every cookie in the jar.
//   node cookie_browser.js A_URL B_SHOW_URL PUBLIC_URL
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

async function main() {
	const [aUrl, bUrl, pubUrl] = process.argv.slice(2);
	let chromium;
	try {
		({chromium} = require('playwright-core'));
	} catch (e) {
		console.log(JSON.stringify({skip: 'playwright-core is not installed: ' + e.message}));
		return 0;
	}
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'af-cookie-chromium-'));
	let context;
	try {
		context = await chromium.launchPersistentContext(profile, {
			executablePath: process.env.AF_CHROMIUM || '/usr/bin/chromium', headless: true,
			ignoreHTTPSErrors: true,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
				'--disable-background-networking', '--disable-component-update', '--disable-sync',
				'--disable-dev-shm-usage'],
		});
	} catch (e) {
		fs.rmSync(profile, {recursive: true, force: true});
		console.log(JSON.stringify({skip: 'Chromium cannot start on this host: ' + String(e.message).split('\n')[0]}));
		return 0;
	}
	const out = {};
	try {
		const page = context.pages()[0] || await context.newPage();
		page.setDefaultTimeout(60000);
		await page.goto(aUrl);
		await page.waitForFunction(() => window.planted === true);
		out.a_document_cookie = await page.evaluate(() => document.cookie);
		const b = await page.goto(bUrl);
		out.b_cookie = await b.text();
		const p = await page.goto(pubUrl);
		out.public_status = p.status();
		out.jar = (await context.cookies()).map((c) => ({name: c.name, domain: c.domain}));
	} catch (e) {
		out.error = String(e && e.stack ? e.stack : e);
	} finally {
		await context.close().catch(() => {});
		fs.rmSync(profile, {recursive: true, force: true});
	}
	console.log(JSON.stringify(out));
	return 0;
}

main().then((rc) => process.exit(rc), (e) => {
	console.log(JSON.stringify({error: String(e && e.stack ? e.stack : e)}));
	process.exit(1);
});
