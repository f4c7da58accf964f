import fc from 'fast-check';
import type { Audience, ChainContext, MessageHeader, MessageStamp } from '../../../lib/wire';

const printable = (min: number) =>
  fc.string({ minLength: 1, maxLength: 40, unit: fc.integer({ min, max: 0x7e }).map((c) => String.fromCharCode(c)) });

export const audienceArb: fc.Arbitrary<Audience> = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((hash) => ({ type: 'recipients' as const, hash })),
  fc.record({
    type: fc.constant('group' as const),
    groupId: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b).toString('hex')),
    epoch: fc.integer({ min: 0, max: 0xffff_ffff }),
  }),
);

export const contextArb: fc.Arbitrary<ChainContext> = fc.record({
  conversation: fc.record({
    namespace: printable(0x21),
    conversation: fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }),
  }),
  senderIdentity: printable(0x20),
  senderCardId: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
  audience: audienceArb,
  flags: fc.constantFrom(0, 1),
});

export const stampArb: fc.Arbitrary<MessageStamp> = fc.record({
  messageId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  counter: fc.integer({ min: 0, max: 0xffff_ffff }),
  sentAt: fc.maxSafeNat(),
});

export const headerArb: fc.Arbitrary<MessageHeader> = fc
  .tuple(contextArb, stampArb)
  .map(([c, s]) => ({ ...c, ...s }));

export function sampleHeader(overrides: Partial<MessageHeader> = {}): MessageHeader {
  return {
    conversation: { namespace: 'irc:127.0.0.1:6667', conversation: '#overcrypt' },
    senderIdentity: 'alice',
    senderCardId: 'a1'.repeat(32),
    audience: { type: 'recipients', hash: new Uint8Array(16).fill(7) },
    flags: 0,
    messageId: new Uint8Array(16).map((_, i) => i),
    counter: 5,
    sentAt: 1_790_000_000_000,
    ...overrides,
  };
}
