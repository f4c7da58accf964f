/**
 * `npm run bench:crypto`: card mode (lib/cardmode) against OpenPGP.js 6 on the same
 * messages and recipients, plus the backup KDF and the safety number.
 *
 * - Card mode: one signAndEncrypt of a 200-character message to N = 1/10/100 recipient
 *   devices (Ed25519) plus the sender's own card (always included, so N + 1 keys);
 *   decrypt + verify by one recipient; ciphertext bytes and armor overhead in characters
 *   (lib/wire armor, the text that goes into a page, minus the 200 message characters).
 * - OpenPGP.js: the same text signed by the sender and encrypted to N Curve25519 (ecc,
 *   curve25519Legacy: what Mailvelope/FlowCrypt keys are) recipients plus the sender
 *   (encrypt-to-self), armored; decrypt + verify by one recipient.
 * - Ratios are ours / OpenPGP's (below 1 = we are faster / smaller).
 * - Argon2id at the enforced minimum (m = 64 MiB, t = 3, p = 1), one derivation.
 * The forward-secret numbers are in bench/pfs.bench.ts.
 */
import * as openpgp from 'openpgp';
import { ensureCrypto } from '../lib/crypto/init';
import { buildDeviceCard, generateDeviceKey, generateIdentityKey, parseDeviceCard, exportPublicKeyBase64, type DeviceCard, type KeyPair } from '../lib/cards';
import { decryptCardMessage, encryptCardMessage, newHeader } from '../lib/cardmode';
import { computeSafetyNumber } from '../lib/contacts';
import { deriveBackupKeyMaterial, newArgon2Params } from '../lib/backup';
import { armorEnvelope } from '../lib/wire/armor';
import { EnvelopeKind, makeEnvelope } from '../lib/wire/envelope';
import { isMain, percentile, runStandalone, type Metrics } from './metric';

const MESSAGE = 'Meeting moved to Thursday 14:00, room 4.12. Please bring the signed contract and the revised budget; ' +
  'Carol will dial in from Lisbon. Reply if the new time does not work for you, otherwise see you there. Thanks!'.slice(0, 200);
const DEVICE_COUNTS = [1, 10, 100] as const;

interface Device {
  card: DeviceCard;
  key: KeyPair;
}

function device(identity: string): Device {
  const key = generateDeviceKey();
  const card = parseDeviceCard(buildDeviceCard({ identity, deviceKey: key, identityKey: generateIdentityKey() }).toJson());
  return { card, key };
}

/** Median µs of `fn` over `runs` runs after `warmup` runs. */
async function timeUs(fn: () => unknown, runs: number, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const sample: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    sample.push((performance.now() - t0) * 1000);
  }
  return percentile(sample, 50);
}

const us = (value: number) => ({ value, unit: 'µs', target: null, better: 'lower' as const });
const size = (value: number, unit: string) => ({ value, unit, target: null, better: 'lower' as const });
const ratio = (value: number) => ({ value, unit: 'x', target: null, better: 'lower' as const });

async function cardMode(n: number, sender: Device, recipients: Device[]) {
  const header = newHeader({
    conversation: { namespace: 'mail.example', conversation: 'thread-1' }, sender: { identity: 'alice', cardId: sender.card.id },
    scope: { recipientCardIds: recipients.map((r) => r.card.id) }, counter: 1, now: Date.now(), archived: false,
  });
  const body = new TextEncoder().encode(MESSAGE);
  const input = { sender: { identity: 'alice', card: sender.card, privateKey: sender.key.privateKey }, recipients: recipients.map((r) => r.card), header, body };
  const ciphertext = encryptCardMessage(input);
  const runs = n >= 100 ? 15 : n >= 10 ? 60 : 200;
  const encrypt = await timeUs(() => encryptCardMessage(input), runs);
  const reader = recipients[0]!;
  const decrypt = await timeUs(() => decryptCardMessage({ ciphertext, privateKey: reader.key.privateKey, trustedSenders: [sender.card] }), runs);
  const armored = armorEnvelope(makeEnvelope(EnvelopeKind.CardMessage, ciphertext));
  return { encrypt, decrypt, bytes: ciphertext.length, chars: armored.length };
}

async function pgp(n: number) {
  const make = (name: string) => openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name }], format: 'object' });
  const sender = await make('alice');
  const recipients = await Promise.all(Array.from({ length: n }, (_, i) => make(`r${i}`)));
  const encryptOnce = async () =>
    (await openpgp.encrypt({
      message: await openpgp.createMessage({ text: MESSAGE }),
      // Encrypt-to-self as well, as card mode always includes the sender's own card.
      encryptionKeys: [sender.publicKey, ...recipients.map((r) => r.publicKey)],
      signingKeys: sender.privateKey,
    })) as string;
  const armored = await encryptOnce();
  const runs = n >= 100 ? 8 : n >= 10 ? 30 : 60;
  const encrypt = await timeUs(encryptOnce, runs, 2);
  const decrypt = await timeUs(async () => {
    const { signatures } = await openpgp.decrypt({
      message: await openpgp.readMessage({ armoredMessage: armored }), decryptionKeys: recipients[0]!.privateKey, verificationKeys: sender.publicKey, expectSigned: true,
    });
    await signatures[0]!.verified;
  }, runs, 2);
  return { encrypt, decrypt, chars: armored.length };
}

export async function run(): Promise<Metrics> {
  await ensureCrypto();
  const m: Metrics = {};
  const sender = device('alice');
  const all = Array.from({ length: 100 }, (_, i) => device(`user${i}`));
  for (const n of DEVICE_COUNTS) {
    const others = all.slice(0, n);
    const ours = await cardMode(n, sender, others);
    const theirs = await pgp(n);
    m[`cardmode.encrypt.${n}dev`] = us(ours.encrypt);
    m[`cardmode.decrypt.${n}dev`] = us(ours.decrypt);
    m[`cardmode.ciphertext_bytes.${n}dev`] = size(ours.bytes, 'B');
    m[`cardmode.armor_overhead_chars.${n}dev`] = size(ours.chars - MESSAGE.length, 'chars');
    m[`openpgp.encrypt.${n}dev`] = us(theirs.encrypt);
    m[`openpgp.decrypt.${n}dev`] = us(theirs.decrypt);
    m[`openpgp.armor_overhead_chars.${n}dev`] = size(theirs.chars - MESSAGE.length, 'chars');
    m[`cardmode_vs_openpgp.encrypt_time.${n}dev`] = ratio(ours.encrypt / theirs.encrypt);
    m[`cardmode_vs_openpgp.decrypt_time.${n}dev`] = ratio(ours.decrypt / theirs.decrypt);
    m[`cardmode_vs_openpgp.armored_size.${n}dev`] = ratio(ours.chars / theirs.chars);
  }
  const params = newArgon2Params();
  const t0 = performance.now();
  await deriveBackupKeyMaterial('benchmark password', params);
  m['backup.argon2id_min_params'] = { value: performance.now() - t0, unit: 'ms', target: 3000, better: 'lower' };
  const a = { identity: 'alice', identityKey: exportPublicKeyBase64(generateIdentityKey().publicKey) };
  const b = { identity: 'bob', identityKey: exportPublicKeyBase64(generateIdentityKey().publicKey) };
  // 2 × 5,200 SHA-512 iterations; shown on demand, so "feels instant" (250 ms) is the bar.
  const safety = (await timeUs(() => computeSafetyNumber(a, b), 3, 1)) / 1000;
  m['contacts.safety_number'] = { value: safety, unit: 'ms', target: 250, better: 'lower' };
  return m;
}

if (isMain(import.meta.url)) await runStandalone('crypto (card mode vs OpenPGP.js)', run);
