/**
 * The directory goes away mid-conversation: a conversation whose sender key is already distributed keeps working
 * (recipients come from the contact store's last verified state); decrypting needs no directory at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCrypto } from '../../../lib/crypto/init';
import { startTestDirectory, type TestDirectory } from '../../server/support/harness';
import { openChannel, register, send, show } from './support';

let t: TestDirectory | undefined;
beforeAll(async () => {
  await ensureCrypto();
  t = await startTestDirectory();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('directory offline', () => {
  it('alice keeps sending to bob and bob keeps reading while the directory is down', async () => {
    const [alice, bob] = await Promise.all([register(t!, 'off-alice'), register(t!, 'off-bob')]);
    for (const u of [alice, bob]) await openChannel(u, '#off', ['off-alice', 'off-bob']);
    const first = await send(alice, '#off', 'while online');
    expect((await show(bob, first.parts, { conversationId: '#off', pageAuthor: 'off-alice' })).plaintext).toBe('while online');

    await t!.close();
    t = undefined;
    const { parts } = await send(alice, '#off', 'while the directory is down');
    expect(await show(bob, parts, { conversationId: '#off', pageAuthor: 'off-alice' })).toMatchObject({ ok: true, plaintext: 'while the directory is down' });
  }, 120_000);
});
