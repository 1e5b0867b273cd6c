// Drives the OAuth login page in headless Chromium (Debian's, through playwright-core):
// screenshot, fill the form, follow the redirect, print the code it carried.
// Usage: node login_page.cjs AUTHORIZE_URL CLIENT_ID SECRET SCREENSHOT_PNG
const { chromium } = require("playwright-core");
const http = require("http");

(async () => {

const [url, clientId, secret, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  // The server's certificate is self-signed for this test installation.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  // The client's redirect target: a real listener, as a desktop MCP client would run.
  let redirected = null;
  const callback = http.createServer((req, res) => {
    // Only the redirect itself; the browser asks for /favicon.ico afterwards.
    if (!redirected) redirected = "http://127.0.0.1:33418" + req.url;
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<title>signed in</title><p>signed in</p>");
  });
  await new Promise((ok) => callback.listen(33418, "127.0.0.1", ok));
  const response = await page.goto(url);
  if (response.status() !== 200) throw new Error(`login page answered ${response.status()}`);
  await page.screenshot({ path: shot, fullPage: true });
  await page.fill("#client_id", clientId);
  await page.fill("#client_secret", secret);
  await Promise.all([page.waitForURL((u) => u.toString().startsWith("http://127.0.0.1:33418/")), page.click("button[type=submit]")]);
  if (!redirected) throw new Error("no redirect to the callback");
  console.log(JSON.stringify({ redirected, title: await page.title() }));
  callback.close();
} finally {
  await browser.close();
}
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
