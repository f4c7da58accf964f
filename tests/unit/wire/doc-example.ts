/**
 * The worked example of docs/wire-format.md, computed by the code.
 * Print it with `npx tsx tests/unit/wire/doc-example.ts`; doc-example.test.ts
 * checks the document still shows exactly these values.
 */
import { EnvelopeKind, armorEnvelope, encodeEnvelope, encodeHeader, encodeStamp, makeEnvelope, splitArmor, type MessageHeader } from '../../../lib/wire';
import { concatBytes } from '../../../lib/encoding';

export const exampleHeader: MessageHeader = {
  conversation: { namespace: 'irc:127.0.0.1:6667', conversation: '#overcrypt' },
  senderIdentity: 'alice',
  senderCardId: '5e'.repeat(32),
  audience: { type: 'group', groupId: '0123456789abcdef0123456789abcdef', epoch: 2 },
  flags: 0,
  messageId: Uint8Array.from({ length: 16 }, (_, i) => 0xf0 + i),
  counter: 7,
  sentAt: 1_795_000_000_000,
};

/** A stand-in body: the stamp followed by 24 bytes standing for ciphertext, tag and signature. */
export const exampleBody = concatBytes(encodeStamp(exampleHeader), Uint8Array.from({ length: 24 }, (_, i) => 0xa0 + i));
export const exampleEnvelope = makeEnvelope(EnvelopeKind.SenderKeyMessage, exampleBody);

export function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

export function docExample() {
  return {
    headerHex: hex(encodeHeader(exampleHeader)),
    stampHex: hex(encodeStamp(exampleHeader)),
    bodyHex: hex(exampleBody),
    envelopeHex: hex(encodeEnvelope(exampleEnvelope)),
    armor: armorEnvelope(exampleEnvelope),
    parts: splitArmor(exampleEnvelope, 50),
  };
}

if (process.argv[1]?.endsWith('doc-example.ts')) console.log(JSON.stringify(docExample(), null, 2));
