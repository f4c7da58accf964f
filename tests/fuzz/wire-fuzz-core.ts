/**
 * Seeded mutation fuzzer for the wire parsers: findArmor, dearmor, Reassembler,
 * base62/base64 decoding, envelope and header decoding. Shared by the vitest
 * run (tests/unit/wire/fuzz.test.ts, 100,000 inputs) and `npm run fuzz`.
 *
 * Checks, for every input: nothing but OvercryptError is thrown, and no input
 * takes longer than `maxMsPerInput` (a slow input is re-timed three times and
 * only fails if its fastest run is still slow, so a GC pause does not count).
 */
import { ENVELOPE_VERSION, EnvelopeKind, Reassembler, decodeChainContext, decodeEnvelope, decodeHeader, decodeStamp, dearmor, encodeEnvelope, encodeHeader, findArmor, makeEnvelope, splitArmor } from '../../lib/wire';
import { base62Decode, base62Encode, base64Decode } from '../../lib/encoding';
import { isError } from '../../lib/errors';
import { injectNewlines, injectZeroWidth, quote, hardWrap, htmlEscape, seededRng, type Rng } from '../unit/wire/transforms';

export interface FuzzOptions {
  readonly count: number;
  readonly seed: number;
  readonly maxMsPerInput: number;
}

export interface FuzzFailure {
  readonly index: number;
  readonly kind: 'exception' | 'slow';
  readonly detail: string;
  readonly input: string;
}

export interface FuzzReport {
  readonly count: number;
  readonly seed: number;
  readonly totalMs: number;
  /** Slowest single input (after re-timing), in ms. */
  readonly maxMs: number;
  readonly partsFound: number;
  readonly envelopesDecoded: number;
  readonly typedErrors: Record<string, number>;
  readonly failures: FuzzFailure[];
}

const KINDS = Object.values(EnvelopeKind);
/** Inputs slower than this are re-timed (fastest of up to 3 more runs), so `maxMs` reflects the parser, not the machine. */
const RETIME_ABOVE_MS = 2;
const NOISE = [' ', '\n', '\r\n', '>', '> ', '&gt;', '\\>', '\u200b', '\u00ad', '\ufeff', '<br>', '&nbsp;', '\t', '\u2028'];
const JUNK = ['/', ':', '@', '_', '*', '~', '`', '#', '&', '<', '-', '=', '.', 'é', '🔐', '\ud800', '\udc00', '\u202e', '\0', 'OC', 'OC1', 'OC1S', 'OC1S1', 'OC1C2', 'OC1Xz'];
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function int(rng: Rng, max: number): number {
  return Math.floor(rng() * max);
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = int(rng, 256);
  return b;
}

/** Valid armors (single and multi-part) and valid binary encodings to mutate. */
function buildCorpus(rng: Rng): { texts: string[]; binaries: Uint8Array[] } {
  const texts: string[] = [];
  const binaries: Uint8Array[] = [];
  for (let i = 0; i < 60; i++) {
    const env = makeEnvelope(pick(rng, KINDS), randomBytes(rng, int(rng, 400)));
    const parts = splitArmor(env, 40 + int(rng, 500));
    texts.push(parts.join(pick(rng, [' ', '\n', '', ' hi '])));
    texts.push(...parts);
    binaries.push(encodeEnvelope(env));
    binaries.push(
      encodeHeader({
        conversation: { namespace: 'irc:127.0.0.1', conversation: '#c' + i },
        senderIdentity: 'user' + i,
        senderCardId: hex(randomBytes(rng, 32)),
        audience: i % 2 ? { type: 'recipients', hash: randomBytes(rng, 16) } : { type: 'group', groupId: hex(randomBytes(rng, 16)), epoch: i },
        flags: i % 2,
        messageId: randomBytes(rng, 16),
        counter: int(rng, 1e6),
        sentAt: 1.79e12 + int(rng, 1e9),
      }),
    );
  }
  return { texts, binaries };
}

function mutateText(rng: Rng, corpus: readonly string[], input: string): string {
  let s = input;
  const steps = 1 + int(rng, 4);
  for (let k = 0; k < steps; k++) {
    const at = int(rng, s.length + 1);
    switch (int(rng, 12)) {
      case 0: s = s.slice(0, at) + pick(rng, [...ALNUM]) + s.slice(at + 1); break;
      case 1: s = s.slice(0, at) + pick(rng, JUNK) + s.slice(at); break;
      case 2: s = s.slice(0, at) + pick(rng, NOISE) + s.slice(at); break;
      case 3: s = s.slice(0, at) + s.slice(at + 1 + int(rng, 20)); break;
      case 4: s = s.slice(0, at); break;
      case 5: { const len = int(rng, 40); s = s.slice(0, at) + s.slice(at, at + len).repeat(2) + s.slice(at + len); break; }
      case 6: s = s.slice(0, at) + pick(rng, corpus) + s.slice(at); break;
      case 7: s = s.slice(0, at) + pick(rng, corpus).slice(int(rng, 50)) + s.slice(at); break;
      case 8: s = injectZeroWidth(s, rng, 0.05); break;
      case 9: s = pick(rng, [quote(hardWrap(s, 1 + int(rng, 80))), htmlEscape(s), injectNewlines(s, rng, 0.05)]); break;
      // The length field (chars 5..8 single, 11..14 multi) and the part digits are the interesting spots.
      case 10: { const p = 3 + int(rng, 12); s = s.slice(0, p) + pick(rng, [...ALNUM]) + s.slice(p + 1); break; }
      default: s = 'OC1' + pick(rng, ['C', 'P', 'R', 'S', 'D', 'X', 'Q']) + [...Array(int(rng, 30))].map(() => pick(rng, [...ALNUM])).join('') + s.slice(at);
    }
  }
  return s.length > 8_000 ? s.slice(0, 8_000) : s;
}

function mutateBytes(rng: Rng, input: Uint8Array): Uint8Array {
  let b = input;
  const steps = 1 + int(rng, 3);
  for (let k = 0; k < steps; k++) {
    const at = int(rng, b.length + 1);
    switch (int(rng, 4)) {
      case 0:
        if (at < b.length) {
          b = b.slice();
          b[at] = int(rng, 256);
        }
        break;
      case 1: {
        const out = new Uint8Array(b.length + 1);
        out.set(b.subarray(0, at));
        out[at] = int(rng, 256);
        out.set(b.subarray(at), at + 1);
        b = out;
        break;
      }
      case 2: {
        const cut = Math.min(b.length - at, 1 + int(rng, 8));
        const out = new Uint8Array(b.length - cut);
        out.set(b.subarray(0, at));
        out.set(b.subarray(at + cut), at);
        b = out;
        break;
      }
      default:
        b = b.slice(0, at);
    }
  }
  return b;
}

interface Counters {
  partsFound: number;
  envelopesDecoded: number;
  typedErrors: Record<string, number>;
}

/** Runs one call; any non-OvercryptError escapes to the caller as a failure. */
function guarded(counters: Counters, f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!isError(e)) throw e;
    counters.typedErrors[e.code] = (counters.typedErrors[e.code] ?? 0) + 1;
  }
}

function exercise(input: { text: string; bytes: Uint8Array; index: number }, reassembler: Reassembler, c: Counters): void {
  guarded(c, () => {
    for (const m of findArmor(input.text)) {
      if (!m.ok) continue;
      c.partsFound++;
      if (m.start < 0 || m.end > input.text.length || m.start >= m.end) throw new Error('match offsets out of range');
      guarded(c, () => {
        const r = reassembler.add(m.part);
        if (r.status === 'complete') {
          c.envelopesDecoded++;
          const again = decodeEnvelope(encodeEnvelope(r.envelope));
          if (again.version !== ENVELOPE_VERSION || again.body.length !== r.envelope.body.length) throw new Error('envelope round trip changed it');
        }
      });
    }
  });
  // dearmor repeats findArmor's work; every 4th input is enough to cover its own logic.
  if (input.index % 4 === 0) guarded(c, () => void dearmor(input.text));
  if (input.text.length < 400) {
    guarded(c, () => {
      const bytes = base62Decode(input.text);
      if (base62Encode(bytes) !== input.text) throw new Error('base62 accepted a non-canonical string');
    });
    guarded(c, () => void base64Decode(input.text));
  }
  const decoders = [decodeEnvelope, decodeHeader, decodeChainContext, decodeStamp];
  guarded(c, () => void decoders[input.bytes.length % decoders.length]!(input.bytes));
}

export function runWireFuzz(options: FuzzOptions): FuzzReport {
  // Most fuzz inputs end in several typed errors; deep stack traces would dominate the run time.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  try {
    return fuzz(options);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function fuzz(options: FuzzOptions): FuzzReport {
  const rng = seededRng(options.seed);
  const corpus = buildCorpus(rng);
  const counters: Counters = { partsFound: 0, envelopesDecoded: 0, typedErrors: {} };
  const failures: FuzzFailure[] = [];
  let reassembler = new Reassembler({ maxPending: 16, maxPendingChars: 100_000 });
  let maxMs = 0;
  const started = performance.now();
  for (let i = 0; i < options.count; i++) {
    const text = mutateText(rng, corpus.texts, pick(rng, corpus.texts));
    const bytes = mutateBytes(rng, pick(rng, corpus.binaries));
    if (i % 1000 === 0) reassembler = new Reassembler({ maxPending: 16, maxPendingChars: 100_000 });
    const input = { text, bytes, index: i };
    const t0 = performance.now();
    try {
      exercise(input, reassembler, counters);
    } catch (e) {
      failures.push({ index: i, kind: 'exception', detail: String((e as Error)?.stack ?? e), input: text });
      if (failures.length >= 10) break;
      continue;
    }
    let ms = performance.now() - t0;
    if (ms > RETIME_ABOVE_MS) {
      // Re-time with a fresh reassembler: a GC pause or a busy neighbour is not the parser's fault.
      for (let k = 0; k < 3 && ms > RETIME_ABOVE_MS; k++) {
        const t1 = performance.now();
        exercise(input, new Reassembler(), { partsFound: 0, envelopesDecoded: 0, typedErrors: {} });
        ms = Math.min(ms, performance.now() - t1);
      }
      if (ms > options.maxMsPerInput) failures.push({ index: i, kind: 'slow', detail: `${ms.toFixed(1)} ms`, input: text });
    }
    maxMs = Math.max(maxMs, ms);
  }
  return {
    count: options.count,
    seed: options.seed,
    totalMs: performance.now() - started,
    maxMs,
    partsFound: counters.partsFound,
    envelopesDecoded: counters.envelopesDecoded,
    typedErrors: counters.typedErrors,
    failures,
  };
}
