/**
 * Card mode, the org archive copy, contacts (safety numbers, verification), prekey upkeep, the maintenance alarm,
 * devices and logout — through the real service, engines and directory.
 */
import { describe, expect, it } from 'vitest';
import { ensureCrypto, virgil } from '../../../lib/crypto/init';
import { exportPublicKeyBase64 } from '../../../lib/cards';
import { openArchiveBlob } from '../../../lib/org';
import { ErrorCode } from '../../../lib/errors';
import { call } from '../../server/support/harness';
import { as, HOST, newBrowser, ok, openChannel, register, restore, send, show } from './support';
import { useTestDirectory } from '../helpers/test-directory';

const ADMIN = 'admin-token-for-tests-0123456789';
const t = useTestDirectory({ config: { adminToken: ADMIN } });

describe('card mode (webmail default)', () => {
  it('one signAndEncrypt to every trusted card: bob reads it, a tampered copy fails', async () => {
    const [alice, bob] = await Promise.all([register(t, 'cm-alice'), register(t, 'cm-bob')]);
    for (const u of [alice, bob]) {
      await ok(u.call(as.popup(), { type: 'sites/toggle', host: HOST, enabled: true, mode: 'card' }));
      await openChannel(u, 'inbox-thread-1', ['cm-alice', 'cm-bob'], 5_000);
    }
    const { parts, job } = await send(alice, 'inbox-thread-1', 'a signed, encrypted mail');
    expect(job.mode).toBe('card');
    const shown = await show(bob, parts, { conversationId: 'inbox-thread-1', pageAuthor: 'cm-alice' });
    expect(shown).toMatchObject({ ok: true, plaintext: 'a signed, encrypted mail', header: { mode: 'card', senderIdentity: 'cm-alice@irc' }, badge: { kind: 'firstSeen' } });
    const bad = [parts[0]!.replace(/(.{40})(.)/, (_m, a: string, c: string) => a + (c === 'x' ? 'y' : 'x'))];
    expect((await show(bob, bad, { conversationId: 'inbox-thread-1' }, 2)).badge.kind).toBe('couldNotDecrypt');
  }, 120_000);
});

describe('card mode and a restored device', () => {
  it('mail sent before the restore opens on the restored device (its old device key came with the backup)', async () => {
    const [alice, bob] = await Promise.all([register(t, 'cr-alice'), register(t, 'cr-bob')]);
    for (const u of [alice, bob]) {
      await ok(u.call(as.popup(), { type: 'sites/toggle', host: HOST, enabled: true, mode: 'card' }));
      await openChannel(u, 'thread', ['cr-alice', 'cr-bob'], 5_000);
    }
    const old = await send(alice, 'thread', 'sent to the first device only');
    await ok(bob.call(as.popup(), { type: 'backup/create', backupPassword: 'cr-bob backup password' }));
    const bob2 = await restore(t, 'cr-bob', 'cr-bob backup password');
    await ok(bob2.call(as.popup(), { type: 'sites/toggle', host: HOST, enabled: true, mode: 'card' }));
    await openChannel(bob2, 'thread', ['cr-alice', 'cr-bob'], 5_000);
    expect(await show(bob2, old.parts, { conversationId: 'thread', pageAuthor: 'cr-alice' })).toMatchObject({ ok: true, plaintext: 'sent to the first device only' });
    const fresh = await send(alice, 'thread', 'to both devices');
    for (const u of [bob, bob2]) expect((await show(u, fresh.parts, { conversationId: 'thread', pageAuthor: 'cr-alice' })).plaintext).toBe('to both devices');
  }, 120_000);
});

describe('backups', () => {
  it('wrong backup password and missing backup give typed errors; a password change re-encrypts (old one refused)', async () => {
    const nobackup = await register(t, 'bk-none');
    void nobackup;
    const failed = await restoreReply('bk-none', 'whatever password');
    expect(failed.error?.code).toBe(ErrorCode.NotFound);

    const hal = await register(t, 'bk-hal');
    await ok(hal.call(as.popup(), { type: 'backup/create', backupPassword: 'first backup password' }));
    expect(await ok(hal.call(as.popup(), { type: 'backup/status' }))).toMatchObject({ exists: true, allowed: true, orgBackup: false });
    expect((await restoreReply('bk-hal', 'not the backup password')).error?.code).toBe(ErrorCode.WrongPassword);
    await ok(hal.call(as.popup(), { type: 'backup/changePassword', oldPassword: 'first backup password', newPassword: 'second backup password' }));
    expect((await restoreReply('bk-hal', 'first backup password')).error?.code).toBe(ErrorCode.WrongPassword);
    const restored = await restore(t, 'bk-hal', 'second backup password');
    expect(await ok(restored.call(as.popup(), { type: 'devices/list' }))).toHaveLength(2);
  }, 180_000);
});

/** A fresh browser tries to restore `name`; returns the raw reply. */
async function restoreReply(name: string, backupPassword: string) {
  const u = await newBrowser(name);
  return u.call(as.tab(), {
    type: 'account/restore', directoryUrl: t.url, identity: `${name}@irc`, password: `${name} account password`, backupPassword, passphrase: 'local passphrase 1',
  });
}

describe('org archive copy (policy pins an org key)', () => {
  it('each decrypted message is re-encrypted to the org key and lands in the archive', async () => {
    const org = virgil().generateKeys();
    const policy = () => ({ orgPublicKey: exportPublicKeyBase64(org.publicKey) });
    const [alice, bob] = await Promise.all([register(t, 'org-alice', { policy }), register(t, 'org-bob', { policy })]);
    for (const u of [alice, bob]) await openChannel(u, '#org', ['org-alice', 'org-bob']);
    const { parts } = await send(alice, '#org', 'archived words');
    expect((await show(bob, parts, { conversationId: '#org', pageAuthor: 'org-alice' })).plaintext).toBe('archived words');
    const r = await call(t.url, 'GET', '/v1/archive', { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.status).toBe(200);
    const mine = (r.body.entries as any[]).filter((e) => e.authorIdentity === 'org-bob@irc');
    expect(mine).toHaveLength(1);
    const opened = openArchiveBlob(mine[0].blob, org.privateKey);
    expect(new TextDecoder().decode(opened.body)).toBe('archived words');
    expect(opened.header.flags & 1).toBe(1); // the sender's client announced the archive copy
    expect(opened.header.senderIdentity).toBe('org-alice@irc');
  }, 120_000);
});

describe('contacts, prekeys, maintenance, devices', () => {
  it('safety numbers match on both sides; verifying turns the badge to verified', async () => {
    const [alice, bob] = await Promise.all([register(t, 'sn-alice'), register(t, 'sn-bob')]);
    for (const u of [alice, bob]) await openChannel(u, '#sn', ['sn-alice', 'sn-bob']);
    const a = await ok(alice.call(as.popup(), { type: 'contacts/safetyNumber', identity: 'sn-bob@irc' }));
    const b = await ok(bob.call(as.popup(), { type: 'contacts/safetyNumber', identity: 'sn-alice@irc' }));
    expect(a.digits).toBe(b.digits);
    expect(a.digits.replace(/\s/g, '')).toMatch(/^\d{60}$/);
    const list = await ok(bob.call(as.popup(), { type: 'contacts/list' }));
    expect(list).toEqual([expect.objectContaining({ identity: 'sn-alice@irc', state: 'firstSeen' })]);
    await ok(bob.call(as.popup(), { type: 'contacts/verify', identity: 'sn-alice@irc', verified: true }));
    const { parts } = await send(alice, '#sn', 'now verified');
    expect(await show(bob, parts, { conversationId: '#sn', pageAuthor: 'sn-alice' })).toMatchObject({ ok: true, badge: { kind: 'verified' } });
  }, 120_000);

  it('prekeys: target uploaded at registration, a claim uses one, rotate refills and replaces the signed prekey', async () => {
    const [alice, bob] = await Promise.all([register(t, 'pk-alice'), register(t, 'pk-bob')]);
    const before = await ok(bob.call(as.popup(), { type: 'prekeys/status' }));
    expect(before).toMatchObject({ onServer: 100, target: 100 });
    expect(typeof before.signedPrekeyCreatedAt).toBe('number');
    for (const u of [alice, bob]) await openChannel(u, '#pk', ['pk-alice', 'pk-bob']);
    await send(alice, '#pk', 'uses one of bob’s one-time prekeys');
    expect((await ok(bob.call(as.popup(), { type: 'prekeys/status' }))).onServer).toBe(99);
    bob.clock.offset += 1_000;
    const rotated = await ok(bob.call(as.popup(), { type: 'prekeys/rotate' }));
    expect(rotated.onServer).toBe(100);
    expect(rotated.signedPrekeyCreatedAt).toBeGreaterThan(before.signedPrekeyCreatedAt);
    // The session alice started with the old signed prekey still works (kept for a grace period).
    const { parts } = await send(alice, '#pk', 'after rotation');
    expect((await show(bob, parts, { conversationId: '#pk', pageAuthor: 'pk-alice' })).plaintext).toBe('after rotation');
  }, 120_000);

  it('the maintenance alarm fetches the mailbox, so keys are there before a message is shown', async () => {
    const [alice, bob] = await Promise.all([register(t, 'mt-alice'), register(t, 'mt-bob')]);
    for (const u of [alice, bob]) await openChannel(u, '#mt', ['mt-alice', 'mt-bob']);
    const { parts } = await send(alice, '#mt', 'prefetched');
    const report = await bob.service.onAlarm('maintenance');
    expect(report.failed).toEqual([]);
    const token = await bob.service.directory.sessionToken();
    const account = await bob.service.account();
    const box = await call(t.url, 'GET', `/v1/mailbox/${account!.deviceCardId}`, { token });
    expect(box.body.envelopes).toEqual([]); // processed and acked
    expect((await show(bob, parts, { conversationId: '#mt', pageAuthor: 'mt-alice' })).plaintext).toBe('prefetched');
  }, 120_000);

  it('logout with revoke: the card leaves the directory and alice can no longer pick it', async () => {
    const [alice, bob] = await Promise.all([register(t, 'lo-alice'), register(t, 'lo-bob')]);
    for (const u of [alice, bob]) await openChannel(u, '#lo', ['lo-alice', 'lo-bob']);
    await ok(bob.call(as.popup(), { type: 'account/logout', revokeCard: true, confirmWithoutBackup: true }));
    const opened = await ok(alice.call(as.cs(), { type: 'compose/open', host: HOST, conversationId: '#lo' }));
    const job = await ok(alice.call(as.compose(), { type: 'compose/claim', handle: opened.handle }));
    expect(job.recipients.find((r: any) => r.identity === 'lo-bob@irc').devices).toEqual([]);
    const submit = await alice.call(as.compose(), { type: 'compose/submit', jobId: opened.jobId, plaintext: 'nobody' });
    expect(submit.error?.code).toBe(ErrorCode.NotFound);
  }, 120_000);
});
