import { afterEach, describe, expect, it } from 'vitest';
import { createSiteRegistry, THE_LOUNGE, createAdapter, type SiteAdapter } from '../../../lib/sites';
import { pageFromFixture, readFixtureJson, type TestPage } from './dom';

/** What tests/harness/capture-thelounge-dom.ts sent through the real The Lounge. */
interface Sent {
  channel: string;
  network: string;
  messages: Array<{ from: string; text: string }>;
  dm: { from: string; to: string; text: string };
}
const SENT = readFixtureJson<Sent>('thelounge-sent.json');
const LONG = SENT.messages[SENT.messages.length - 1]!.text;

let page: TestPage | undefined;
afterEach(async () => {
  await page?.close();
  page = undefined;
});

function channelPage(): { doc: Document; adapter: SiteAdapter } {
  page = pageFromFixture('thelounge-channel.html');
  return { doc: page.document, adapter: createAdapter(THE_LOUNGE) };
}

describe('The Lounge adapter on a channel captured from the real app (bob\'s view)', () => {
  it('is chosen by the registry from the markup, on any host', () => {
    page = pageFromFixture('thelounge-channel.html', 'https://irc.example.org:9000/');
    expect(createSiteRegistry().forPage(page.document).id).toBe('thelounge');
  });

  it('reads every message\'s whole text although The Lounge split it into elements', () => {
    const { doc, adapter } = channelPage();
    const messages = adapter.messages(doc);
    const first = messages[0]!;
    // The fixture really is split: nick, emoji, channel links and a URL are child elements.
    expect(first.textElement.querySelectorAll('.user, .emoji, .inline-channel, a').length).toBeGreaterThanOrEqual(5);
    expect(first.text).toBe(SENT.messages[0]!.text);
    // Receivers see the 420-byte message in two rows split at 350 bytes; joined, they are what was sent.
    const texts = messages.map((m) => m.text);
    expect(texts.slice(0, 5)).toEqual(SENT.messages.slice(0, 5).map((m) => m.text));
    expect(new TextEncoder().encode(texts[5]!).length).toBeLessThanOrEqual(350);
    expect(texts[5]! + texts[6]!).toBe(LONG);
    expect(messages).toHaveLength(7);
  });

  it('reads sender, time, page id and own messages; skips joins and topics', () => {
    const { doc, adapter } = channelPage();
    const messages = adapter.messages(doc);
    expect(messages.map((m) => m.sender)).toEqual(['alice', 'bob', 'carol', 'alice', 'alice', 'alice', 'alice']);
    expect(messages.map((m) => m.self)).toEqual([false, true, false, false, false, false, false]);
    for (const m of messages) {
      expect(m.time).toMatch(/\d{4}, \d\d:\d\d:\d\d$/);
      expect(m.pageId).toMatch(/^msg-\d+$/);
    }
    expect(new Set(messages.map((m) => m.pageId)).size).toBe(messages.length);
    expect(doc.querySelectorAll('.msg').length).toBeGreaterThan(messages.length); // joins etc. exist, not taken
  });

  it('finds the message a nested node belongs to (for MutationObserver records)', () => {
    const { doc, adapter } = channelPage();
    const link = doc.querySelector('.msg[data-type="message"] .content a')!;
    expect(adapter.messageAt(link.firstChild!)?.text).toBe(SENT.messages[0]!.text);
    expect(adapter.messageAt(doc.querySelector('.userlist')!)).toBeNull();
    const item = doc.querySelectorAll('.msg[data-type="message"]')[2]!;
    expect(adapter.messages(item as unknown as ParentNode).map((m) => m.text)).toEqual([SENT.messages[2]!.text]);
  });

  it('reads the conversation, its members, the own handle and the IRC network as namespace', () => {
    const { doc, adapter } = channelPage();
    expect(adapter.conversation(doc)).toEqual({
      id: '#overcrypt',
      kind: 'group',
      namespace: 'overcrypttest',
      key: 'overcrypttest/group/#overcrypt',
      participants: ['alice', 'bob', 'carol'],
      ownHandle: 'bob',
    });
    expect(adapter.identityOf('Alice', doc)).toBe('alice@overcrypttest');
  });

  it('gives no conversation on the lobby or before the network name shows', () => {
    const { doc, adapter } = channelPage();
    doc.querySelector('.chat-view')!.setAttribute('data-type', 'lobby');
    expect(adapter.conversation(doc)).toBeNull();
    doc.querySelector('.chat-view')!.setAttribute('data-type', 'channel');
    doc.querySelector('.channel-list-item[data-type="lobby"]')!.removeAttribute('data-name');
    expect(adapter.conversation(doc)).toBeNull();
    expect(() => adapter.namespace(doc)).toThrow(expect.objectContaining({ code: 'NotFound' }));
  });

  it('fills the compose box so Vue sees it and sends with Enter', () => {
    const { doc, adapter } = channelPage();
    const box = adapter.composeBox(doc) as HTMLTextAreaElement;
    expect(box.id).toBe('input');
    const seen: string[] = [];
    box.addEventListener('input', () => seen.push(`input:${box.value}`));
    box.addEventListener('keypress', (e) => seen.push(`keypress:${(e as KeyboardEvent).key}:${(e as KeyboardEvent).keyCode}`));
    adapter.insert(box, 'OC1abc');
    expect(adapter.send(doc, box)).toBe('key');
    expect(seen).toEqual(['input:OC1abc', 'keypress:Enter:13']);
    expect(adapter.sendButton(doc)?.id).toBe('submit');
  });

  it('states the IRC limit: 350 bytes of UTF-8, one line, no leading "/"', () => {
    const adapter = createAdapter(THE_LOUNGE);
    expect(adapter.limits).toEqual({ maxMessageLength: 350, unit: 'utf8-bytes', splitsLines: true, forbiddenPrefixes: ['/'] });
    expect(adapter.fits('a'.repeat(350))).toBe(true);
    expect(adapter.fits('a'.repeat(351))).toBe(false);
    expect(adapter.fits('🔐'.repeat(88))).toBe(false); // 352 bytes, 88 characters
    expect(adapter.fits('/join #x')).toBe(false);
    expect(adapter.fits('one\ntwo')).toBe(false);
  });
});

describe('The Lounge adapter on a DM captured from the real app (alice\'s view)', () => {
  it('reads a direct conversation whose participant is the peer', () => {
    page = pageFromFixture('thelounge-query.html');
    const adapter = createAdapter(THE_LOUNGE);
    const conversation = adapter.conversation(page.document);
    expect(conversation).toMatchObject({ id: 'bob', kind: 'direct', participants: ['bob'], ownHandle: 'alice', namespace: 'overcrypttest' });
    const messages = adapter.messages(page.document);
    expect(messages.map((m) => [m.sender, m.text])).toEqual([[SENT.dm.from, SENT.dm.text]]);
  });
});
