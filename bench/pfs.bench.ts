/**
 * Forward-secret mode costs: X3DH session start (both sides), Double Ratchet encrypt/decrypt,
 * sender-key encrypt/decrypt for conversations of 2 and 50 devices, and binary overheads.
 * Times are medians in µs on this machine (`npx tsx bench/pfs.bench.ts`, or `npm run bench`).
 */
import { ensureCrypto } from '../lib/crypto/init';
import { ed25519GenerateKeyPair, randomBytes, utf8 } from '../lib/crypto/primitives';
import { toHex } from '../lib/ratchet/codec';
import { MemorySessionStore, decryptFrom, encryptTo, startSession } from '../lib/ratchet';
import {
  GROUP_MESSAGE_OVERHEAD,
  MemorySenderKeyStore,
  decryptGroupMessage,
  encryptGroupMessage,
  prepareOutbound,
  receiveDistribution,
} from '../lib/senderkeys';
import { MemoryPrekeyStore, generateOneTimePrekeys, generateSignedPrekey, verifyPrekeyBundle, type DeviceIdentity } from '../lib/x3dh';
import type { PrekeyBundle } from '../lib/directory/wire';
import { isMain, percentile, runStandalone, type Metrics } from './metric';

const PLAINTEXT = utf8('x'.repeat(200)); // a chat line
const BINDING = utf8('conversation binding header, ~64 bytes in practice.............');

function device(): { identity: DeviceIdentity; prekeys: MemoryPrekeyStore; sessions: MemorySessionStore } {
  const kp = ed25519GenerateKeyPair();
  return {
    identity: { cardId: toHex(randomBytes(32)), signingPublicKey: kp.publicKey, signingPrivateKey: kp.privateKey },
    prekeys: new MemoryPrekeyStore(),
    sessions: new MemorySessionStore(),
  };
}

async function bundles(d: ReturnType<typeof device>, n: number): Promise<PrekeyBundle[]> {
  const now = Date.now();
  const spk = generateSignedPrekey(d.identity, await d.prekeys.takeKeyIds(1), now);
  const otk = generateOneTimePrekeys(d.identity, await d.prekeys.takeKeyIds(n), n, now);
  await d.prekeys.put([spk.stored, ...otk.stored]);
  return otk.wire.map((o) => ({ cardId: d.identity.cardId, identity: 'bench', signedPrekey: spk.wire, oneTimePrekey: o }));
}

/** Median time of `op(i)`; the first tenth of the runs is warm-up and not counted. */
async function timeEach(n: number, op: (i: number) => Promise<unknown> | unknown): Promise<number> {
  const sample: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op(i);
    if (i >= n / 10) sample.push((performance.now() - t) * 1000);
  }
  return percentile(sample, 50);
}

const us = (value: number, target: number | null = null) => ({ value, unit: 'µs', target, better: 'lower' as const });
const bytes = (value: number, target: number | null = null) => ({ value, unit: 'B', target, better: 'lower' as const });

export async function run(): Promise<Metrics> {
  await ensureCrypto();
  const N = 60;
  const alice = device();
  const bob = device();
  const bobBundles = await bundles(bob, N);

  // X3DH: Alice verifies a claimed bundle and starts a session; Bob answers the session-start.
  const starts: Uint8Array[] = [];
  const initiate = await timeEach(N, async (i) => {
    alice.sessions = new MemorySessionStore();
    await startSession(alice.sessions, alice.identity, verifyPrekeyBundle(bobBundles[i]!, bob.identity.signingPublicKey), Date.now());
    starts.push(await encryptTo(alice.sessions, bob.identity.cardId, PLAINTEXT, BINDING));
  });
  const aliceRemote = { cardId: alice.identity.cardId, signingPublicKey: alice.identity.signingPublicKey };
  const bobRemote = { cardId: bob.identity.cardId, signingPublicKey: bob.identity.signingPublicKey };
  const respond = await timeEach(N, async (i) => {
    bob.sessions = new MemorySessionStore();
    await decryptFrom(bob, bob.identity, aliceRemote, starts[i]!, BINDING, Date.now());
  });
  const sessionStartOverhead = starts[0]!.length - PLAINTEXT.length;

  // Ratchet: steady state in one direction, then ping-pong (a DH ratchet step per message).
  const reply = await encryptTo(bob.sessions, alice.identity.cardId, PLAINTEXT, BINDING);
  await decryptFrom(alice, alice.identity, bobRemote, reply, BINDING, Date.now());
  const msgs: Uint8Array[] = [];
  const encrypt = await timeEach(200, async () => msgs.push(await encryptTo(alice.sessions, bob.identity.cardId, PLAINTEXT, BINDING)));
  const decrypt = await timeEach(200, (i) => decryptFrom(bob, bob.identity, aliceRemote, msgs[i]!, BINDING, Date.now()));
  const ratchetOverhead = msgs[0]!.length - PLAINTEXT.length;
  const pingPong = await timeEach(50, async (i) => {
    const [from, to, toRemote, fromRemote] = i % 2 ? [alice, bob, bobRemote, aliceRemote] : [bob, alice, aliceRemote, bobRemote];
    const m = await encryptTo(from.sessions, toRemote.cardId, PLAINTEXT, BINDING);
    await decryptFrom(to, to.identity, fromRemote, m, BINDING, Date.now());
  });

  // Sender keys: one encryption whatever the size; each receiving device decrypts once.
  const metrics: Metrics = {
    'pfs.x3dh_initiate_us': us(initiate),
    'pfs.x3dh_respond_us': us(respond),
    'pfs.ratchet_encrypt_us': us(encrypt),
    'pfs.ratchet_decrypt_us': us(decrypt),
    'pfs.ratchet_step_roundtrip_us': us(pingPong),
    'pfs.ratchet_overhead_bytes': bytes(ratchetOverhead),
    'pfs.session_start_overhead_bytes': bytes(sessionStartOverhead),
  };
  for (const devices of [2, 50]) {
    const conv = `bench:${devices}`;
    const sender = new MemorySenderKeyStore();
    const receivers = Array.from({ length: devices - 1 }, () => new MemorySenderKeyStore());
    const { distribution } = await prepareOutbound(sender, conv, Date.now(), { maxMessages: 1e9, maxAgeMs: 1e12 });
    for (const r of receivers) await receiveDistribution(r, alice.identity.cardId, distribution!, Date.now());
    const group: Uint8Array[] = [];
    const enc = await timeEach(200, async () => group.push(await encryptGroupMessage(sender, conv, PLAINTEXT, BINDING)));
    // every receiving device decrypts the same messages; median of the single decryptions
    const sample: number[] = [];
    const rounds = Math.min(group.length, Math.max(4, Math.floor(400 / (devices - 1))));
    for (let i = 0; i < rounds; i++) {
      for (const r of receivers) {
        const t = performance.now();
        await decryptGroupMessage(r, conv, group[i]!, BINDING);
        sample.push((performance.now() - t) * 1000);
      }
    }
    const per = percentile(sample, 50);
    metrics[`pfs.senderkey_encrypt_us_${devices}dev`] = us(enc);
    metrics[`pfs.senderkey_decrypt_us_per_device_${devices}dev`] = us(per);
    metrics[`pfs.senderkey_overhead_bytes_${devices}dev`] = bytes(group[0]!.length - PLAINTEXT.length, 100);
    if (devices === 50) metrics['pfs.senderkey_distribution_bytes'] = bytes(distribution!.length);
  }
  metrics['pfs.senderkey_overhead_base62_chars'] = {
    value: Math.ceil((GROUP_MESSAGE_OVERHEAD * 8) / Math.log2(62)),
    unit: 'chars',
    target: 160,
    better: 'lower',
  };
  return metrics;
}

if (isMain(import.meta.url)) await runStandalone('pfs', run);
