import { describe, expect, it } from 'vitest';
import { classifySender, PRIVILEGES } from '../../../lib/service';
import { REQUEST_TYPES } from '../../../lib/api';
import { EXT, EXT_ID, HOST, makeWorld, registeredWorld, senders } from './fakes';

describe('sender classification', () => {
  const self = { extensionId: EXT_ID, extensionOrigin: EXT };

  it('derives the kind from origin and path, not from the presence of a tab', () => {
    expect(classifySender(senders.popup(), self)?.kind).toBe('popup');
    expect(classifySender({ ...senders.popup(), tab: { id: 4 } }, self)?.kind).toBe('popup');
    expect(classifySender(senders.tab(), self)?.kind).toBe('extensionTab');
    expect(classifySender(senders.compose(), self)?.kind).toBe('composeFrame');
    expect(classifySender(senders.display(), self)?.kind).toBe('displayFrame');
    expect(classifySender(senders.cs(), self)?.kind).toBe('contentScript');
  });

  it('refuses other extensions, unknown pages of ours, and content scripts without a tab', () => {
    expect(classifySender(senders.otherExtension(), self)).toBeUndefined();
    expect(classifySender(senders.unknownPage(), self)).toBeUndefined();
    expect(classifySender({ ...senders.cs(), tab: undefined }, self)).toBeUndefined();
    expect(classifySender({ id: EXT_ID }, self)).toBeUndefined();
    // A page with our id but claiming the popup path from a web origin is a content script, not the popup.
    expect(classifySender({ id: EXT_ID, origin: 'https://evil.example', url: 'https://evil.example/popup.html', tab: { id: 3 } }, self)?.kind).toBe('contentScript');
  });
});

describe('privilege table', () => {
  it('content scripts get no plaintext-returning, key or settings operation', () => {
    const csAllowed = REQUEST_TYPES.filter((t) => PRIVILEGES[t].who.includes('contentScript'));
    expect(csAllowed.sort()).toEqual(
      ['armor/found', 'compose/block', 'compose/open', 'compose/output', 'display/toSpare', 'job/release', 'page/context', 'page/setEncryption', 'page/status', 'status/get'].sort(),
    );
    for (const t of ['display/open', 'display/await', 'display/fetch', 'compose/submit', 'compose/claim'] as const) expect(PRIVILEGES[t].who).not.toContain('contentScript');
    expect(PRIVILEGES['display/await'].who).toEqual(['displayFrame']);
    expect(PRIVILEGES['armor/found'].who).toEqual(['contentScript']);
    expect(PRIVILEGES['display/open'].who).toEqual(['displayFrame']);
    expect(PRIVILEGES['display/fetch'].who).toEqual(['displayFrame']);
  });

  it('a content script calling a popup-only operation is Forbidden', async () => {
    const t = await registeredWorld();
    for (const request of [
      { type: 'settings/get' },
      { type: 'backup/create', backupPassword: 'x' },
      { type: 'devices/revoke', cardId: 'c' },
      { type: 'vault/unlock', passphrase: 'p' },
      { type: 'account/logout', revokeCard: false },
      { type: 'contacts/list' },
    ] as const) {
      const r = await t.call(senders.cs(), request);
      expect(r, request.type).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    }
  });

  it('frames are limited to their own operations', async () => {
    const t = await registeredWorld();
    expect(await t.call(senders.display(), { type: 'compose/submit', jobId: 'j', plaintext: 'x' })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await t.call(senders.compose(), { type: 'display/fetch', jobId: 'j', indices: [0] })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await t.call(senders.compose(), { type: 'display/open', handle: 'h' })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await t.call(senders.compose(), { type: 'settings/set', patch: {} })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await t.call(senders.popup(), { type: 'display/fetch', jobId: 'j', indices: [0] })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await t.call(senders.cs(), { type: 'display/open', handle: 'h' })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await t.call(senders.cs(), { type: 'display/fetch', jobId: 'j', indices: [0] })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await t.call(senders.display(), { type: 'armor/found', host: HOST, items: [{ parts: ['OC1x'], heightPx: 40 }] })).toMatchObject({ error: { code: 'Forbidden' } });
    expect(await t.call(senders.display(), { type: 'job/release', handleOrJobId: 'h' })).toMatchObject({ error: { code: 'Forbidden' } });
  });

  it('unknown senders are refused before anything else', async () => {
    const t = await makeWorld();
    expect(await t.call(senders.otherExtension(), { type: 'status/get' })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(await t.call(senders.unknownPage(), { type: 'status/get' })).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  });

  it('malformed requests are refused without echoing their content', async () => {
    const t = await makeWorld();
    const r = await t.call(senders.popup(), { type: 'vault/unlock', passphrase: 42 } as never);
    expect(r).toMatchObject({ ok: false, error: { code: 'Malformed' } });
    const r2 = await t.call(senders.popup(), { type: 'vault/unlock', passphrase: 'pw', extra: 'SECRET-EXTRA' } as never);
    expect(r2.error?.code).toBe('Malformed');
    expect(JSON.stringify(r2)).not.toContain('SECRET-EXTRA');
    expect(await t.call(senders.popup(), { type: 'nope' } as never)).toMatchObject({ error: { code: 'Malformed' } });
  });
});
