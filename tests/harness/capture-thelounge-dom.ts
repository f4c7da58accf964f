/**
 * Captures realistic DOM snapshots of The Lounge for the site-adapter unit tests:
 *   node node_modules/tsx/dist/cli.mjs tests/harness/capture-thelounge-dom.ts
 * Starts ngircd + The Lounge, connects alice and bob in Chromium and carol over a raw socket, exchanges
 * messages that The Lounge splits into elements (nicks, channel links, URLs, emoji, HTML-looking text, a
 * message over the 350-byte IRC limit, a multi-line message), opens a DM, and writes bob's channel view and
 * alice's DM view (scripts and stylesheets stripped) plus what was sent to tests/unit/sites/fixtures/.
 */
import { chromium, expect } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { connectToLounge } from '../fixture/thelounge';
import { connectIrc } from './irc-client';
import { REPO_ROOT } from './node';
import { startNgircd } from './ngircd';
import { startTheLounge } from './thelounge';

const OUT = path.join(REPO_ROOT, 'tests/unit/sites/fixtures');

// Letters and digits only, like Overcrypt armor: over the limit, so The Lounge must split it.
const LONG = Array.from({ length: 420 }, (_, i) => 'aB3xY9qZ7'[i % 9]).join('');

export const SENT = {
  channel: '#overcrypt',
  network: 'OvercryptTest',
  messages: [
    { from: 'alice', text: 'hello bob 🔐 <b>not bold</b> see #overcrypt and https://example.com/path?q=1 +voice &local' },
    { from: 'bob', text: 'alice: welcome, ping carol too' },
    { from: 'carol', text: 'hi from a raw socket' },
    { from: 'alice', text: 'first line' },
    { from: 'alice', text: 'second line' },
    { from: 'alice', text: LONG },
  ],
  dm: { from: 'bob', to: 'alice', text: 'a private word for alice' },
};

async function main(): Promise<void> {
  const irc = await startNgircd({ network: SENT.network, channels: [SENT.channel] });
  const lounge = await startTheLounge({ ircPort: irc.port, network: SENT.network, join: [SENT.channel] });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const carol = await connectIrc({ port: irc.port, nick: 'carol' });
  try {
    await carol.join(SENT.channel);
    const alice = await connectToLounge(await browser.newPage(), lounge.url, 'alice', SENT.channel);
    const bob = await connectToLounge(await browser.newPage(), lounge.url, 'bob', SENT.channel);
    await alice.page.locator('.userlist .user[data-name="bob"]').waitFor();

    const [m0, m1, m2, m3, m4, m5] = SENT.messages;
    await alice.sendPlain(m0!.text);
    await bob.messages('alice').first().waitFor();
    await bob.sendPlain(m1!.text);
    carol.privmsg(SENT.channel, m2!.text);
    await alice.messages('carol').first().waitFor();
    // Shift+Enter makes a newline; The Lounge sends each line as its own message.
    const input = alice.page.locator('textarea#input');
    await input.fill(m3!.text);
    await input.press('Shift+Enter');
    await input.pressSequentially(m4!.text);
    await input.press('Enter');
    await alice.sendPlain(m5!.text);
    await carol.waitForMessage((m) => m.from === 'alice' && LONG.endsWith(m.text));
    // Receivers see the long message split in two rows; its sender sees it whole. Wait on counts
    // (The Lounge's CSP forbids page.waitForFunction).
    await expect(bob.messages('alice')).toHaveCount(5);
    await expect(alice.messages()).toHaveCount(6);
    await writeFile(path.join(OUT, 'thelounge-channel.html'), await snapshot(bob.page));

    // A DM from bob: The Lounge opens a query view named after the peer.
    await bob.page.locator('textarea#input').fill(`/msg alice ${SENT.dm.text}`);
    await bob.page.locator('textarea#input').press('Enter');
    const query = alice.page.locator('.channel-list-item[data-type="query"][data-name="bob"]');
    await query.click();
    await alice.page.locator('.chat-view[data-type="query"][aria-label="bob"] .msg[data-type="message"]').first().waitFor();
    await writeFile(path.join(OUT, 'thelounge-query.html'), await snapshot(alice.page));
    await writeFile(path.join(OUT, 'thelounge-sent.json'), `${JSON.stringify(SENT, null, 2)}\n`);
    console.log(`wrote fixtures to ${OUT}`);
  } finally {
    await carol.quit();
    await browser.close();
    await lounge.stop();
    await irc.stop();
  }
}

/** The page's markup without scripts, stylesheets and preloads (a fixture must not fetch anything). */
async function snapshot(page: import('@playwright/test').Page): Promise<string> {
  const html = await page.evaluate(() => {
    const clone = document.documentElement.cloneNode(true) as HTMLElement;
    for (const el of clone.querySelectorAll('script, link, style, img, noscript')) el.remove();
    return `<!DOCTYPE html>\n${clone.outerHTML}`;
  });
  return `${html.replace(/\sstyle="[^"]*"/g, '')}\n`;
}

await main();
