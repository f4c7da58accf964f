/**
 * display/fetch for a region: many messages per request, cheaply. Everything shared by the items is read ONCE per
 * request (page context, account, contact list, the tab's seen-message map); cached items cost one cache read,
 * new ones go to the engine together (one session step per sender key with a batch-capable engine); the seen map
 * is written once. Each item gets its own badge by the per-message rules, and one bad item never fails the others.
 *
 *   const items = await fetchRegionItems(deps, job, indices, namespace);
 */
import type { ContactView, DisplayItem, MessageHeader, TrustState } from '../api/views';
import { ErrorCode, OvercryptError, isError } from '../errors';
import { ciphertextDigest, type CachedMessage } from '../storage/message-cache';
import type { AccountRecord, DecryptInput, DecryptResult } from './engines';
import type { EphemeralStore } from './ephemeral';
import { checkPlacement } from './header-check';
import type { DisplayJob } from './jobs';

/** Message ids remembered per tab for the repeated-id check (oldest forgotten first). */
export const SEEN_IDS_PER_TAB = 2_000;

/** What the header in the cache carries besides the signed header. */
export type DisplayHeader = MessageHeader & { senderName?: string; trust?: TrustState };


export interface RegionDisplayDeps {
  cache: {
    get(digest: string): Promise<CachedMessage | undefined>;
    /** Several at once (one read and one write transaction); absent ones are missing from the map. */
    getMany(digests: readonly string[]): Promise<Map<string, CachedMessage>>;
    put(digest: string, message: CachedMessage): Promise<void>;
  };
  ephemeral: EphemeralStore;
  /** Decrypts new messages (in page order); never rejects for one item's failure (Locked may reject the whole). */
  decrypt(inputs: DecryptInput[]): Promise<DecryptResult[]>;
  /**
   * True (once) when the engine already committed this digest's plaintext with its session step (env.cacheWrite):
   * the service then does not write it again.
   */
  takeCommitted(digest: string): boolean;
  /** Enforces the cache bound after entries were committed outside MessageCache.put. */
  trimCache(): Promise<void>;
  account(): Promise<AccountRecord | undefined>;
  contacts(): Promise<ContactView[]>;
  /** Runs `task` after every earlier task with the same key (SerialQueues): the seen map is read-modify-write. */
  serialise<T>(key: string, task: () => Promise<T>): Promise<T>;
}

interface Opened {
  cached: CachedMessage;
  fromCache: boolean;
}

/** The part of a region the decrypting needs: its site and its messages. */
export type RegionMessages = Pick<DisplayJob, 'host' | 'items'>;

/**
 * Opens every message of a region into the message cache without placing or showing anything (the prefetch ahead
 * of the frame, prefetch.ts). Throws only for Locked (or a broken store).
 */
export async function openRegionItems(deps: RegionDisplayDeps, region: RegionMessages, wanted: number[]): Promise<Set<string>> {
  const opened = await openAll(deps, region, wanted, await digestsOf(region, wanted));
  const fresh = new Set<string>();
  for (const [digest, o] of opened) if ('cached' in o && !o.fromCache) fresh.add(digest);
  return fresh;
}

async function digestsOf(region: RegionMessages, wanted: readonly number[]): Promise<Map<number, string>> {
  const digests = new Map<number, string>();
  await Promise.all(wanted.map(async (i) => digests.set(i, await ciphertextDigest(region.items[i]!.parts))));
  return digests;
}

/**
 * The items at `indices` of `job`, one per index, same order. Throws only for Locked (or a broken store).
 * `prefetched`: digests this region's prefetch decrypted (in the cache now, but new to the user); taken out as shown.
 */
export async function fetchRegionItems(
  deps: RegionDisplayDeps,
  job: DisplayJob,
  indices: readonly number[],
  namespace: string | undefined,
  prefetched: { delete(digest: string): boolean } = new Set(),
): Promise<DisplayItem[]> {
  for (const i of indices) {
    if (i >= job.items.length) throw new OvercryptError(ErrorCode.Malformed, `the region has ${job.items.length} items, not ${i + 1}`);
  }
  const wanted = [...new Set(indices)];
  const digests = await digestsOf(job, wanted);
  const opened = await openAll(deps, job, wanted, digests);
  for (const [digest, o] of opened) if ('cached' in o && prefetched.delete(digest)) opened.set(digest, { ...o, fromCache: false });
  const seenKey = `seen:${job.opener.tabId}`;
  // Two regions of one tab fetching at once must not lose each other's message ids.
  return deps.serialise(seenKey, () => placeItems(deps, job, indices, wanted, digests, opened, namespace, seenKey));
}

/** Badges (placement, current trust, repeated ids) for the opened items; the tab's seen map read and written once. */
async function placeItems(
  deps: RegionDisplayDeps,
  job: DisplayJob,
  indices: readonly number[],
  wanted: number[],
  digests: Map<number, string>,
  opened: Map<string, Opened | DisplayItem>,
  namespace: string | undefined,
  seenKey: string,
): Promise<DisplayItem[]> {
  const seen = new Map(Object.entries((await deps.ephemeral.get<Record<string, string>>(seenKey)) ?? {}));
  let seenChanged = false;
  let account: AccountRecord | undefined | null = null;
  let contacts: Promise<ContactView[] | undefined> | undefined;
  const byIndex = new Map<number, DisplayItem>();
  for (const i of wanted) {
    const result = opened.get(digests.get(i)!)!;
    if (!('cached' in result)) {
      byIndex.set(i, result);
      continue;
    }
    const header = result.cached.header as DisplayHeader;
    const digest = digests.get(i)!;
    const previous = seen.get(header.messageId);
    if (previous === undefined) {
      seen.set(header.messageId, digest);
      seenChanged = true;
    }
    if (account === null) account = await deps.account();
    const own = result.cached.direction === 'sent' || header.senderIdentity === account?.identity;
    let trust: TrustState = 'verified';
    if (!own) {
      contacts ??= deps.contacts().catch((e: unknown) => {
        if (isError(e, ErrorCode.Locked)) throw e;
        return undefined; // the recorded trust stands
      });
      trust = currentTrust(header, await contacts);
    }
    const item = job.items[i]!;
    const badge = checkPlacement(header, { conversationId: job.conversationId, pageAuthor: item.pageAuthor, namespace }, trust, previous !== undefined && previous !== digest);
    const { senderName, trust: recorded, ...signed } = header;
    void recorded;
    byIndex.set(i, { ok: true, plaintext: result.cached.plaintext, header: signed, senderName: senderName ?? header.senderIdentity, badge, fromCache: result.fromCache });
  }
  if (seenChanged) {
    // Insertion order is oldest first: forget the oldest beyond the bound.
    await deps.ephemeral.set(seenKey, Object.fromEntries([...seen.entries()].slice(-SEEN_IDS_PER_TAB)));
  }
  return indices.map((i) => byIndex.get(i)!);
}

/**
 * Cache first, then the engine for the rest (each distinct ciphertext once). Per digest: the opened message or the
 * failed item to show.
 */
async function openAll(deps: RegionDisplayDeps, job: RegionMessages, wanted: number[], digests: Map<number, string>): Promise<Map<string, Opened | DisplayItem>> {
  const out = new Map<string, Opened | DisplayItem>();
  const first = new Map<string, number>();
  for (const i of wanted) if (!first.has(digests.get(i)!)) first.set(digests.get(i)!, i);
  const hits = await deps.cache.getMany([...first.keys()]);
  const misses: Array<{ digest: string; index: number }> = [];
  for (const [digest, index] of first) {
    const hit = hits.get(digest);
    if (hit) out.set(digest, { cached: hit, fromCache: true });
    else misses.push({ digest, index });
  }
  if (misses.length === 0) return out;
  misses.sort((a, b) => a.index - b.index); // page order: a sender's messages in the order they were sent
  const results = await deps.decrypt(misses.map((m) => ({ parts: job.items[m.index]!.parts, host: job.host, digest: m.digest })));
  let committed = false;
  for (let k = 0; k < misses.length; k++) {
    const { digest } = misses[k]!;
    const r = results[k];
    if (r?.ok) {
      const cached: CachedMessage = { plaintext: r.out.plaintext, header: { ...r.out.header, senderName: r.out.senderName, trust: r.out.trust }, direction: 'received' };
      if (deps.takeCommitted(digest)) committed = true;
      else await deps.cache.put(digest, cached); // engines without session state (card mode); put enforces the bound
      out.set(digest, { cached, fromCache: false });
      continue;
    }
    const error = r ? r.error : new OvercryptError(ErrorCode.Internal, 'no answer from the engine');
    if (isError(error, ErrorCode.Locked)) throw error;
    // Another frame showing the same new message used the key first and committed the plaintext: read it.
    const again = isError(error, ErrorCode.DuplicateMessage) ? await deps.cache.get(digest) : undefined;
    out.set(digest, again ? { cached: again, fromCache: true } : failedItem(error));
  }
  if (committed) await deps.trimCache();
  return out;
}

function failedItem(error: unknown): DisplayItem {
  if (isError(error, ErrorCode.NotARecipient)) return { ok: false, badge: { kind: 'notForThisDevice' } };
  return { ok: false, badge: { kind: 'couldNotDecrypt', reason: isError(error) ? error.code : ErrorCode.Internal } };
}

/**
 * The sender's trust as it is now, not as it was when the message was first decrypted (cached): verifying a
 * contact turns their earlier messages verified too. Only while the sending card is still one the contact store
 * trusts; otherwise (revoked, or the key changed since) the recorded state stands.
 */
function currentTrust(header: DisplayHeader, contacts: ContactView[] | undefined): TrustState {
  const recorded = header.trust ?? 'firstSeen';
  const contact = contacts?.find((c) => c.identity === header.senderIdentity);
  if (contact?.devices.some((d) => d.cardId === header.senderCardId)) return contact.state;
  return recorded;
}
