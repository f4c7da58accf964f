import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCrypto, virgil } from '../../../lib/crypto/init';
import { exportPublicKeyBase64, generateDeviceKey } from '../../../lib/cards';
import { newHeader } from '../../../lib/cardmode';
import { makeArchiveEntry, messageDigest, openArchiveBlob, pinnedOrgKey } from '../../../lib/org';
import { ErrorCode, OvercryptError } from '../../../lib/errors';

beforeAll(async () => {
  await ensureCrypto();
});

function header(cardId: string) {
  return newHeader({ conversation: { namespace: 'mail.example', conversation: 't1' }, sender: { identity: 'alice', cardId }, scope: { recipientCardIds: [cardId] }, counter: 1, now: 5, archived: true });
}

describe('org archive', () => {
  it('re-encrypts a decrypted message with its header to the org key; the admin key opens it', () => {
    const org = virgil().generateKeys();
    const orgPublicKey = pinnedOrgKey({ orgPublicKey: exportPublicKeyBase64(org.publicKey) })!;
    const h = header('ab'.repeat(32));
    const entry = makeArchiveEntry({ orgPublicKey, header: h, body: new TextEncoder().encode('quarterly numbers'), archiver: { identity: 'bob', cardId: 'cd'.repeat(32) } });
    expect(entry.conversationId).toBe('mail.example/t1');
    expect(entry.messageDigest).toBe(messageDigest(h));
    expect(entry.blob).not.toContain('quarterly');
    const opened = openArchiveBlob(entry.blob, org.privateKey);
    expect(opened.header).toEqual(h);
    expect(new TextDecoder().decode(opened.body)).toBe('quarterly numbers');
    expect(opened.archiver).toEqual({ identity: 'bob', cardId: 'cd'.repeat(32) });
  });

  it('the digest is the same for every recipient of one message and differs between messages', () => {
    const h1 = header('ab'.repeat(32));
    const h2 = header('ab'.repeat(32));
    expect(messageDigest(h1)).toBe(messageDigest({ ...h1 }));
    expect(messageDigest(h1)).not.toBe(messageDigest(h2));
  });

  it('no org key in policy means no archiving; another key cannot open; garbage is a typed error', () => {
    expect(pinnedOrgKey({})).toBeUndefined();
    expect(() => pinnedOrgKey({ orgPublicKey: 'not a key' })).toThrow(OvercryptError);
    const org = virgil().generateKeys();
    const entry = makeArchiveEntry({ orgPublicKey: exportPublicKeyBase64(org.publicKey), header: header('ab'.repeat(32)), body: new Uint8Array(3), archiver: { identity: 'bob', cardId: 'x' } });
    const codeOf = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return (e as OvercryptError).code;
      }
    };
    expect(codeOf(() => openArchiveBlob(entry.blob, generateDeviceKey().privateKey))).toBe(ErrorCode.Tampered);
    expect(codeOf(() => openArchiveBlob('AAAA', org.privateKey))).toBe(ErrorCode.Malformed);
    const raw = Buffer.from(entry.blob, 'base64');
    for (let i = 0; i < raw.length; i += 3) {
      const bad = Buffer.from(raw);
      bad[i]! ^= 0x41;
      expect([ErrorCode.Tampered, ErrorCode.Malformed, ErrorCode.UnsupportedVersion, 'ok']).toContain(codeOf(() => openArchiveBlob(bad.toString('base64'), org.privateKey)));
    }
  });
});
