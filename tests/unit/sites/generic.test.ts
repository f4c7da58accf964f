import { afterEach, describe, expect, it } from 'vitest';
import { createSiteRegistry, findArmorElements, findComposeCandidates } from '../../../lib/sites';
import { pageFromHtml, type TestPage } from './dom';

let page: TestPage | undefined;
afterEach(async () => {
  await page?.close();
  page = undefined;
});
function open(html: string, url = 'https://mail.example.net/inbox'): Document {
  page = pageFromHtml(`<body>${html}</body>`, url);
  return page.document;
}

// A stand-in armor for the scan: "OCx" + 12+ letters/digits + "." (the real finder is lib/wire's findArmor).
const countArmor = (text: string) => text.match(/OCx[A-Za-z0-9]{12,}\./g)?.length ?? 0;

describe('generic adapter', () => {
  it('is the fallback, namespaced by host', () => {
    const doc = open('<textarea></textarea>', 'https://Mail.Example.net:8443/x');
    const adapter = createSiteRegistry().forPage(doc);
    expect(adapter.id).toBe('generic');
    expect(adapter.namespace(doc)).toBe('mail.example.net');
    expect(adapter.identityOf('Bob', doc)).toBe('bob@mail.example.net');
    expect(adapter.messages(doc)).toEqual([]);
    expect(adapter.conversation(doc)).toBeNull();
  });

  it('offers text areas and outermost contenteditables, not read-only or nested ones', () => {
    const doc = open(`<textarea id="a"></textarea><textarea id="ro" readonly></textarea>
      <div id="ed" contenteditable="true"><p contenteditable="true" id="inner">x</p></div>
      <div contenteditable="false" id="off"></div>`);
    expect(findComposeCandidates(doc).map((e) => e.id)).toEqual(['a', 'ed']);
  });

  it('finds armor split across elements by the site, and each armor once', () => {
    const doc = open(`<div id="thread">
      <p id="m1">from amy: <a href="#">OCxAAAA</a><b>BBBBCCCC</b>DDDD.</p>
      <p id="m2">plain text</p>
      <div id="m3"><span id="whole">OCxZZZZYYYYXXXX.</span> and <i>OCx1111</i>22223333.</div>
      <textarea>OCxTYPEDTYPEDTYPED.</textarea>
      <div contenteditable="true">OCxEDITINGEDITING.</div>
    </div>`);
    const found = findArmorElements(doc.body, { countArmor }).map((e) => e.id);
    expect(found.sort()).toEqual(['m1', 'm3', 'whole'].sort());
  });

  it('skips what the caller says (e.g. already replaced messages)', () => {
    const doc = open('<p id="a">OCxAAAABBBBCCCC.</p><p id="b" data-overcrypt="done">OCxAAAABBBBCCCC.</p>');
    const found = findArmorElements(doc.body, { countArmor, skip: (el) => el.hasAttribute('data-overcrypt') });
    expect(found.map((e) => e.id)).toEqual(['a']);
  });
});
