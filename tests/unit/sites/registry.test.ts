import { afterEach, describe, expect, it } from 'vitest';
import { createSiteRegistry, hostMatches, parseAdapterSpec, THE_LOUNGE, type SiteAdapterSpec } from '../../../lib/sites';
import { pageFromFixture, pageFromHtml, type TestPage } from './dom';

const pages: TestPage[] = [];
afterEach(async () => {
  await Promise.all(pages.splice(0).map((p) => p.close()));
});
function open(html: string, url?: string): Document {
  const p = pageFromHtml(html, url);
  pages.push(p);
  return p.document;
}

const CHAT_SPEC: SiteAdapterSpec = {
  id: 'examplechat',
  name: 'Example Chat',
  match: { hosts: ['chat.example.com', '*.chat.example.org'] },
  compose: { input: '#box', sendButton: 'button.send' },
  messages: { item: 'li.message', text: '.body', sender: { selector: '.author' } },
  conversation: { container: 'main', id: { attribute: 'data-room' }, participants: { selector: '.member' } },
  ownHandle: { selector: 'header .me' },
  namespace: 'host',
  limits: { maxMessageLength: 2000, unit: 'chars' },
};

const CHAT_HTML = `<header><span class="me">Zed</span></header><main data-room="general">
  <span class="member">Zed</span><span class="member">Amy</span><span class="member">Amy</span>
  <ul><li class="message"><b class="author">Amy</b><p class="body">hi <i>there</i></p></li></ul>
  <textarea id="box"></textarea><button class="send">Send</button></main>`;

describe('declarative adapter specs', () => {
  it('accepts a policy spec as JSON text and drives a page with it', () => {
    const registry = createSiteRegistry({ extraSpecs: [JSON.stringify(CHAT_SPEC)] });
    expect(registry.problems).toEqual([]);
    const doc = open(CHAT_HTML, 'https://chat.example.com/rooms/general');
    const adapter = registry.forPage(doc);
    expect(adapter.id).toBe('examplechat');
    expect(adapter.conversation(doc)).toEqual({
      id: 'general',
      kind: 'group',
      namespace: 'chat.example.com',
      key: 'chat.example.com/group/general',
      participants: ['Zed', 'Amy'],
      ownHandle: 'Zed',
    });
    expect(adapter.messages(doc).map((m) => [m.sender, m.text, m.self])).toEqual([['Amy', 'hi there', false]]);
    expect(adapter.identityOf('Amy', doc)).toBe('amy@chat.example.com');
    const box = adapter.composeBox(doc)!;
    let clicked = 0;
    doc.querySelector('button.send')!.addEventListener('click', () => clicked++);
    expect(adapter.send(doc, box)).toBe('button');
    expect(clicked).toBe(1);
  });

  it('falls back to the generic adapter for unknown hosts, and matches wildcard subdomains only', () => {
    const registry = createSiteRegistry({ extraSpecs: [CHAT_SPEC] });
    expect(registry.forPage(open(CHAT_HTML, 'https://other.example.com/')).id).toBe('generic');
    expect(registry.forPage(open(CHAT_HTML, 'https://eu.chat.example.org/')).id).toBe('examplechat');
    expect(registry.forPage(open(CHAT_HTML, 'https://chat.example.org/')).id).toBe('generic');
    expect(hostMatches('127.0.0.1:9000', '127.0.0.1:9001')).toBe(false);
    expect(hostMatches('127.0.0.1', '127.0.0.1:9001')).toBe(true);
  });

  it('lets policy fix a built-in adapter by id without a release', () => {
    const fixed = { ...THE_LOUNGE, compose: { ...THE_LOUNGE.compose, input: '#form textarea.new-input' } };
    const registry = createSiteRegistry({ extraSpecs: [fixed] });
    const p = pageFromFixture('thelounge-channel.html');
    pages.push(p);
    const adapter = registry.forPage(p.document);
    expect(adapter.spec.compose.input).toBe('#form textarea.new-input');
    expect(adapter.composeBox(p.document)).toBeNull();
    expect(registry.adapters.filter((a) => a.id === 'thelounge')).toHaveLength(1);
  });

  it('reports and ignores invalid specs instead of throwing', () => {
    const registry = createSiteRegistry({
      extraSpecs: [
        '{not json',
        { ...CHAT_SPEC, id: 'Bad Id' },
        { ...CHAT_SPEC, id: 'nohooks', hooks: 'does-not-exist' },
        { ...CHAT_SPEC, id: 'nomatch', match: {} },
        { ...CHAT_SPEC, id: 'generic' },
        { ...CHAT_SPEC, limits: { maxMessageLength: 0, unit: 'chars' } },
        'x'.repeat(70_000),
      ],
    });
    expect(registry.problems.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(registry.adapters.map((a) => a.id)).toEqual(['thelounge']);
    const bad = parseAdapterSpec({ ...CHAT_SPEC, compose: { input: 42 } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems.join()).toMatch(/compose\.input/);
  });

  it('treats a selector the browser cannot parse as "not found"', () => {
    const registry = createSiteRegistry({ extraSpecs: [{ ...CHAT_SPEC, compose: { input: 'textarea[[' }, messages: { item: ':::' } }] });
    const doc = open(CHAT_HTML, 'https://chat.example.com/');
    const adapter = registry.forPage(doc);
    expect(adapter.composeBox(doc)).toBeNull();
    expect(adapter.messages(doc)).toEqual([]);
  });

  it('applies a named code hook', () => {
    const registry = createSiteRegistry({ extraSpecs: [{ ...CHAT_SPEC, hooks: 'conversation-from-hash' }] });
    const doc = open(CHAT_HTML, 'https://chat.example.com/app#/room%2042');
    expect(registry.forPage(doc).conversation(doc)?.id).toBe('room 42');
  });
});
