import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import {
  HeaderFlag,
  assertHeaderMatchesPage,
  compareHeaderToPage,
  decodeChainContext,
  decodeHeader,
  decodeStamp,
  encodeChainContext,
  encodeHeader,
  encodeStamp,
  joinHeader,
  messageIdHex,
  randomMessageId,
  recipientSetHash,
  splitHeader,
} from '../../../lib/wire';
import { ensureCrypto } from '../../../lib/crypto/init';
import { ErrorCode, isError } from '../../../lib/errors';
import { concatBytes } from '../../../lib/encoding';
import { expectCode } from '../encoding/expect-error';
import { contextArb, headerArb, sampleHeader, stampArb } from './header-arbitraries';

beforeAll(async () => {
  await ensureCrypto();
});

describe('header encoding', () => {
  it('round-trips and is the concatenation of context and stamp', () => {
    fc.assert(
      fc.property(headerArb, (h) => {
        const bytes = encodeHeader(h);
        const { context, stamp } = splitHeader(h);
        expect(bytes).toEqual(concatBytes(encodeChainContext(context), encodeStamp(stamp)));
        const back = decodeHeader(bytes);
        expect(back).toEqual(h);
        expect(encodeHeader(back)).toEqual(bytes);
        expect(decodeChainContext(encodeChainContext(context))).toEqual(context);
        expect(decodeStamp(encodeStamp(stamp))).toEqual(stamp);
        expect(joinHeader(context, stamp)).toEqual(h);
      }),
      { numRuns: 300 },
    );
  });

  it('is compact: a typical chat header is ~100 bytes, a stamp ≤ 30', () => {
    const h = sampleHeader();
    expect(encodeStamp(h).length).toBeLessThanOrEqual(30);
    expect(encodeHeader(h).length).toBeLessThanOrEqual(110);
  });

  it('is canonical: any bytes that decode re-encode to themselves', () => {
    const valid = encodeHeader(sampleHeader({ audience: { type: 'group', groupId: '00'.repeat(16), epoch: 3 } }));
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(4), (at, value, cut) => {
        const mutated = valid.slice(0, valid.length - (cut === 4 ? 1 : 0));
        mutated[at % mutated.length] = value;
        try {
          expect(encodeHeader(decodeHeader(mutated))).toEqual(mutated);
        } catch (e) {
          expect(isError(e)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects invalid fields with Malformed and unknown versions with UnsupportedVersion', () => {
    const bad: Partial<ReturnType<typeof sampleHeader>>[] = [
      { senderIdentity: '' },
      { senderIdentity: 'x'.repeat(129) },
      { senderIdentity: 'ålice' },
      { senderCardId: 'A1'.repeat(32) },
      { senderCardId: 'a1'.repeat(31) },
      { conversation: { namespace: 'irc net', conversation: '#c' } },
      { conversation: { namespace: 'irc', conversation: '' } },
      { conversation: { namespace: 'irc', conversation: 'é'.repeat(129) } },
      { conversation: { namespace: 'irc', conversation: '\ud800' } },
      { audience: { type: 'recipients', hash: new Uint8Array(15) } },
      { audience: { type: 'group', groupId: '', epoch: 1 } },
      { audience: { type: 'group', groupId: 'ABCD', epoch: 1 } },
      { audience: { type: 'group', groupId: 'abc', epoch: 1 } },
      { audience: { type: 'group', groupId: 'abcd', epoch: -1 } },
      { flags: 2 },
      { messageId: new Uint8Array(15) },
      { counter: 2 ** 32 },
      { sentAt: -1 },
      { sentAt: 1.5 },
    ];
    for (const b of bad) expectCode(() => encodeHeader(sampleHeader(b)), ErrorCode.Malformed);
    const bytes = encodeHeader(sampleHeader());
    bytes[0] = 2;
    expectCode(() => decodeHeader(bytes), ErrorCode.UnsupportedVersion);
    expectCode(() => decodeHeader(concatBytes(encodeHeader(sampleHeader()), Uint8Array.of(0))), ErrorCode.Malformed);
  });

  it('makes random 16-byte message ids', () => {
    const a = randomMessageId();
    expect(a).toHaveLength(16);
    expect(messageIdHex({ messageId: a, counter: 0, sentAt: 0 })).not.toBe(messageIdHex({ messageId: randomMessageId(), counter: 0, sentAt: 0 }));
  });

  it('context and stamp arbitraries cover both audience types', () => {
    const seen = new Set(fc.sample(contextArb, 50).map((c) => c.audience.type));
    expect(seen).toEqual(new Set(['recipients', 'group']));
    expect(fc.sample(stampArb, 1)[0]!.messageId).toHaveLength(16);
  });
});

describe('recipientSetHash', () => {
  const ids = ['cc'.repeat(32), 'aa'.repeat(32), 'bb'.repeat(32)];

  it('is SHA-256 of the sorted set, truncated to 16 bytes (checked with node:crypto)', () => {
    const sorted = [...ids].sort();
    const count = Buffer.alloc(4);
    count.writeUInt32BE(3);
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from('overcrypt/recipient-set/v1\0'), count, ...sorted.map((i) => Buffer.from(i, 'hex'))]))
      .digest()
      .subarray(0, 16);
    expect(Buffer.from(recipientSetHash(ids))).toEqual(expected);
  });

  it('ignores order, duplicates and hex case, and differs for different sets', () => {
    const h = recipientSetHash(ids);
    expect(recipientSetHash([...ids].reverse())).toEqual(h);
    expect(recipientSetHash([...ids, ids[0]!.toUpperCase()])).toEqual(h);
    expect(recipientSetHash(ids.slice(1))).not.toEqual(h);
  });

  it('rejects empty sets and bad ids', () => {
    expectCode(() => recipientSetHash([]), ErrorCode.Malformed);
    expectCode(() => recipientSetHash(['abc']), ErrorCode.Malformed);
  });
});

describe('compareHeaderToPage', () => {
  const h = sampleHeader({ flags: HeaderFlag.ArchivedToOrg });
  const page = { conversation: { ...h.conversation }, senderIdentity: 'alice', seen: new Set<string>() };

  it('reports nothing when the page agrees', () => {
    expect(compareHeaderToPage(h, page)).toEqual([]);
    expect(() => assertHeaderMatchesPage(h, page)).not.toThrow();
  });

  it('reports a message replayed into another conversation', () => {
    const elsewhere = { ...page, conversation: { namespace: h.conversation.namespace, conversation: '#other' } };
    expect(compareHeaderToPage(h, elsewhere)).toEqual([{ kind: 'conversation', expected: elsewhere.conversation, actual: h.conversation }]);
    expectCode(() => assertHeaderMatchesPage(h, elsewhere), ErrorCode.HeaderMismatch);
  });

  it('reports a message shown under another sender, naming the cryptographic sender', () => {
    expect(compareHeaderToPage(h, { ...page, senderIdentity: 'carol' })).toEqual([{ kind: 'sender', pageSays: 'carol', cryptoSays: 'alice' }]);
  });

  it('reports a duplicate message id from the seen-set', () => {
    const seen = new Set([messageIdHex(h)]);
    expect(compareHeaderToPage(h, { ...page, seen })).toEqual([{ kind: 'duplicate', messageId: messageIdHex(h) }]);
    expectCode(() => assertHeaderMatchesPage(h, { ...page, seen }), ErrorCode.DuplicateMessage);
  });

  it('reports audience, epoch and clock mismatches', () => {
    const other = { type: 'recipients' as const, hash: new Uint8Array(16) };
    expect(compareHeaderToPage(h, { ...page, audience: other }).map((m) => m.kind)).toEqual(['audience']);
    expect(compareHeaderToPage(h, { ...page, audience: h.audience })).toEqual([]);
    const g = sampleHeader({ audience: { type: 'group', groupId: '01'.repeat(16), epoch: 4 } });
    const expected = { type: 'group' as const, groupId: '01'.repeat(16), epoch: 3 };
    expect(compareHeaderToPage(g, { ...page, audience: expected })).toEqual([{ kind: 'epoch', expected: 3, actual: 4 }]);
    expect(compareHeaderToPage(h, { ...page, now: h.sentAt - 600_000, maxClockSkewMs: 300_000 }).map((m) => m.kind)).toEqual(['future']);
    expect(compareHeaderToPage(h, { ...page, now: h.sentAt - 100_000, maxClockSkewMs: 300_000 })).toEqual([]);
  });

  it('lists every mismatch at once', () => {
    const all = compareHeaderToPage(h, {
      conversation: { namespace: 'other', conversation: 'x' },
      senderIdentity: 'mallory',
      seen: new Set([messageIdHex(h)]),
    });
    expect(all.map((m) => m.kind).sort()).toEqual(['conversation', 'duplicate', 'sender']);
  });
});
