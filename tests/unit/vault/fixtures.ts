/** Shared test setup: a fresh fake IndexedDB database, a fake clock and a vault with a low (test-only) KDF cost. */
import 'fake-indexeddb/auto';
import { openStorage, Keystore, MessageCache, MetaStore, type OvercryptDB } from '../../../lib/storage';
import { InMemorySessionKeyStore, Vault, type VaultHeader, type KdfFloor } from '../../../lib/vault';

export class FakeClock {
  constructor(public t = 1_700_000_000_000) {}
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

/** Test-only floor: production refuses anything below 600,000 PBKDF2 iterations. */
export const TEST_FLOOR: KdfFloor = { pbkdf2Iterations: 1_000, argon2MemoryKiB: 64, argon2Iterations: 1 };

let counter = 0;
export function uniqueDbName(): string {
  return `overcrypt-test-${process.pid}-${Date.now()}-${counter++}`;
}

export interface Harness {
  name: string;
  db: OvercryptDB;
  clock: FakeClock;
  session: InMemorySessionKeyStore;
  vault: Vault;
  keystore: Keystore;
  cache: MessageCache;
  meta: MetaStore;
}

export async function makeHarness(opts: { cacheLimit?: number; name?: string; session?: InMemorySessionKeyStore; clock?: FakeClock } = {}): Promise<Harness> {
  const name = opts.name ?? uniqueDbName();
  const db = await openStorage({ name });
  const clock = opts.clock ?? new FakeClock();
  const session = opts.session ?? new InMemorySessionKeyStore();
  const meta = new MetaStore(db);
  const vault = new Vault({
    header: meta.vaultHeader<VaultHeader>(),
    session,
    clock,
    kdf: { iterations: 1_000 },
    floor: TEST_FLOOR,
  });
  return {
    name,
    db,
    clock,
    session,
    vault,
    meta,
    keystore: new Keystore(db, vault),
    cache: new MessageCache(db, vault, clock, opts.cacheLimit),
  };
}
