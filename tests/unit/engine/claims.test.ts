/**
 * A new device of someone we already talk to: only that device's one-time prekey is claimed, not one of each of
 * their other devices (which have sessions already).
 */
import { describe, expect, it } from 'vitest';
import { as, ok, openChannel, register, restore, send, show } from './support';
import { useTestDirectory } from '../helpers/test-directory';

const t = useTestDirectory();

describe('prekey claims when a contact adds a device', () => {
  it("claims only the new device's prekey; the first device keeps its count", async () => {
    const [ann, ben] = await Promise.all([register(t, 'cl-ann'), register(t, 'cl-ben')]);
    await ok(ben.call(as.popup(), { type: 'backup/create', backupPassword: 'ben backup password' }), 'backup/create');
    for (const u of [ann, ben]) await openChannel(u, '#cl', ['cl-ann', 'cl-ben']);
    await send(ann, '#cl', 'first, to one device');
    const onServer = async () => (await ok(ben.call(as.popup(), { type: 'prekeys/status' }))).onServer as number;
    const afterFirst = await onServer();
    expect(afterFirst).toBe(99);

    const ben2 = await restore(t, 'cl-ben', 'ben backup password');
    await openChannel(ben2, '#cl', ['cl-ann', 'cl-ben']);
    const ben2Before = (await ok(ben2.call(as.popup(), { type: 'prekeys/status' }))).onServer as number;
    const { parts, job } = await send(ann, '#cl', 'second, to both devices');
    expect(job.recipients.find((r: any) => r.identity === 'cl-ben@irc').devices).toHaveLength(2);
    // Both devices read it; only ben2's one-time prekey went.
    for (const u of [ben, ben2]) expect((await show(u, parts, { conversationId: '#cl', pageAuthor: 'cl-ann' })).plaintext).toBe('second, to both devices');
    expect(await onServer()).toBe(afterFirst);
    expect((await ok(ben2.call(as.popup(), { type: 'prekeys/status' }))).onServer).toBe(ben2Before - 1);
  }, 180_000);
});
