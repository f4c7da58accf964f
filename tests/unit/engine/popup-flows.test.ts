/**
 * Popup flows through the real service, engines and directory (issue 6): verifying a contact turns their earlier
 * messages verified; a compose box opened before a key change refuses to send, and after the user verified again
 * it shows the new device to approve.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/errors';
import { as, HOST, ok, openChannel, register, send, show } from './support';
import { useTestDirectory } from '../helpers/test-directory';

const t = useTestDirectory();

describe('popup flows', () => {
  it('verifying a contact turns the badge of messages shown before verified; taking it back turns them back', async () => {
    const [ann, ben] = await Promise.all([register(t, 'ann'), register(t, 'ben')]);
    await openChannel(ann, '#v', ['ann', 'ben']);
    await openChannel(ben, '#v', ['ann', 'ben']);
    const m = await send(ann, '#v', 'before verification');
    expect((await show(ben, m.parts, { conversationId: '#v', pageAuthor: 'ann' })).badge).toEqual({ kind: 'firstSeen' });
    await ok(ben.call(as.popup(), { type: 'contacts/verify', identity: 'ann@irc', verified: true }));
    // Shown again (a reload): from the cache, with the trust of now.
    const again = await show(ben, m.parts, { conversationId: '#v', pageAuthor: 'ann' });
    expect(again).toMatchObject({ ok: true, fromCache: true, plaintext: 'before verification', badge: { kind: 'verified' } });
    await ok(ben.call(as.popup(), { type: 'contacts/verify', identity: 'ann@irc', verified: false }));
    expect((await show(ben, m.parts, { conversationId: '#v', pageAuthor: 'ann' })).badge).toEqual({ kind: 'firstSeen' });
  }, 120_000);

  it('a compose job opened before a key change: submit refused by name; after verifying again, the new device waits for approval', async () => {
    const [cid, dov] = await Promise.all([register(t, 'cid'), register(t, 'dov')]);
    await openChannel(cid, '#k', ['cid', 'dov']);
    await openChannel(dov, '#k', ['cid', 'dov']);
    await send(cid, '#k', 'first');
    const opened = await ok(cid.call(as.cs(), { type: 'compose/open', host: HOST, conversationId: '#k' }));
    await ok(cid.call(as.compose(), { type: 'compose/claim', handle: opened.handle }));

    const dov2 = await register(t, 'dov'); // reinstalled without a backup
    await openChannel(dov2, '#k', ['cid', 'dov']);
    const refused = await cid.call(as.compose(), { type: 'compose/submit', jobId: opened.jobId, plaintext: 'must wait' });
    expect(refused).toMatchObject({ ok: false, error: { code: ErrorCode.IdentityKeyChanged } });
    const stale = await ok(cid.call(as.compose(), { type: 'compose/approve', jobId: opened.jobId, cardIds: [] }));
    expect(stale.recipients.find((r: any) => r.identity === 'dov@irc')).toMatchObject({ state: 'keyChanged', devices: [] });
    const listed = await ok(cid.call(as.popup(), { type: 'contacts/list' }));
    expect(listed.find((c: any) => c.identity === 'dov@irc')).toMatchObject({ state: 'keyChanged', keyChangedAt: expect.any(Number) });

    await ok(cid.call(as.popup(), { type: 'contacts/verify', identity: 'dov@irc', verified: true }));
    const fresh = await ok(cid.call(as.compose(), { type: 'compose/approve', jobId: opened.jobId, cardIds: [] }));
    const dov2Card = (await ok(dov2.call(as.popup(), { type: 'status/get' }))).deviceCardId;
    expect(fresh.recipients.find((r: any) => r.identity === 'dov@irc')).toMatchObject({
      state: 'verified',
      devices: [expect.objectContaining({ cardId: dov2Card, approved: false })],
    });
    expect(await cid.call(as.compose(), { type: 'compose/submit', jobId: opened.jobId, plaintext: 'must wait' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.UntrustedIdentity },
    });
    await ok(cid.call(as.compose(), { type: 'compose/approve', jobId: opened.jobId, cardIds: [dov2Card] }));
    await ok(cid.call(as.compose(), { type: 'compose/submit', jobId: opened.jobId, plaintext: 'now it goes' }));
    const out = await ok(cid.call(as.cs(), { type: 'compose/output', jobId: opened.jobId }));
    const shown = await show(dov2, out.outputs[0].parts, { conversationId: '#k', pageAuthor: 'cid' });
    expect(shown).toMatchObject({ ok: true, plaintext: 'now it goes' });
  }, 120_000);
});
