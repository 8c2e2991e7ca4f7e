// The showcase's chat in a real browser: headless Chromium (Debian's, driven by playwright-core)
// opens the page twice, as alice and bob, a TCP client joins the same room, and each says one
// line: every line must reach the other two, and the pages must show it. Then the page's DNS
// form is used once, and a screenshot of alice's page is saved.
//
// node chat.mjs HTTP_URL TCP_PORT SCREENSHOT.png   (NODE_PATH holds playwright-core)
// Prints one JSON line describing what was seen; exits non-zero on any failure.
import { createRequire } from "node:module";
import net from "node:net";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [url, tcpPort, screenshot] = process.argv.slice(2);
const WAIT = 15000;
const seen = {};

// Everything must be over within a minute, whatever hangs.
const deadline = setTimeout(() => fail(new Error("timed out after 60 s")), 60000);

function fail(error) {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
}

// A TCP member whose received lines can be waited for.
function tcpMember(port) {
  const socket = net.connect(Number(port), "127.0.0.1");
  socket.setEncoding("utf8");
  let buffered = "";
  const lines = [];
  const waiters = [];
  socket.on("data", (chunk) => {
    buffered += chunk;
    let i;
    while ((i = buffered.indexOf("\n")) >= 0) {
      lines.push(buffered.slice(0, i));
      buffered = buffered.slice(i + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  const waitFor = (text) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcp never got ${JSON.stringify(text)}; got ${JSON.stringify(lines)}`)), WAIT);
      const check = () => {
        const line = lines.find((l) => l.includes(text));
        if (line !== undefined) {
          clearTimeout(timer);
          resolve(line);
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  return { socket, lines, waitFor };
}

async function openPage(browser, name) {
  const page = await browser.newPage({ viewport: { width: 900, height: 760 } });
  page.on("pageerror", (e) => fail(new Error(`${name}'s page: ${e}`)));
  await page.goto(`${url}?name=${name}`);
  await page.locator("#status", { hasText: "connected" }).waitFor({ timeout: WAIT });
  return page;
}

async function pageShows(page, who, text) {
  await page.locator("#log .msg", { hasText: text }).first().waitFor({ timeout: WAIT });
  (seen[who] ??= []).push(text);
}

async function say(page, text) {
  await page.fill("#text", text);
  await page.click("#say button");
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const alice = await openPage(browser, "alice");
  const bob = await openPage(browser, "bob");
  await pageShows(alice, "alice", "* bob joined");

  const tcp = tcpMember(tcpPort);
  const welcome = await tcp.waitFor("* welcome, ");
  const tcpName = welcome.match(/welcome, (\S+)/)[1];
  await pageShows(alice, "alice", `* ${tcpName} joined`);
  await pageShows(bob, "bob", `* ${tcpName} joined`);

  // alice → bob and the TCP client.
  await say(alice, "hello from alice");
  await pageShows(bob, "bob", "alice> hello from alice");
  (seen.tcp ??= []).push(await tcp.waitFor("alice> hello from alice"));
  await pageShows(alice, "alice", "alice> hello from alice");

  // bob → alice and the TCP client.
  await say(bob, "hi from bob");
  await pageShows(alice, "alice", "bob> hi from bob");
  seen.tcp.push(await tcp.waitFor("bob> hi from bob"));

  // The TCP client → both pages.
  tcp.socket.write("hey from a terminal\n");
  await pageShows(alice, "alice", `${tcpName}> hey from a terminal`);
  await pageShows(bob, "bob", `${tcpName}> hey from a terminal`);

  // The page's DNS form: /dns?name=localhost answered as JSON.
  await alice.fill("#name", "localhost");
  await alice.click("#dns button");
  await alice.locator("#dns-result", { hasText: "127.0.0.1" }).waitFor({ timeout: WAIT });
  seen.dns = JSON.parse(await alice.locator("#dns-result").textContent());

  // The TCP client leaves: the pages say so.
  tcp.socket.end();
  await pageShows(bob, "bob", `* ${tcpName} left`);

  await alice.screenshot({ path: screenshot, fullPage: true });
  seen.screenshot = screenshot;
  console.log(JSON.stringify({ ok: true, tcpName, seen }));
} catch (e) {
  fail(e);
} finally {
  clearTimeout(deadline);
  await browser.close();
}
