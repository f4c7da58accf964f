/**
 * The whole loopback stack an end-to-end test stands on: the directory (when server/main.ts exists),
 * ngircd and The Lounge pointing at it. Started in parallel where independent; stopped in reverse, always.
 */
import { directoryAvailable, startDirectory, type Directory } from './directory';
import { startNgircd, type Ngircd } from './ngircd';
import { startTheLounge, type TheLounge } from './thelounge';

export interface StackOptions {
  /** true: required; false: not started; 'auto' (default): started when server/main.ts exists. */
  directory?: boolean | 'auto';
  channels?: readonly string[];
  network?: string;
  /** The Lounge in private mode with these users (sessions and history survive reloads); default public mode. */
  loungeUsers?: ReadonlyArray<{ name: string; password: string }>;
}

export interface Stack {
  readonly ngircd: Ngircd;
  readonly lounge: TheLounge;
  readonly directory: Directory | undefined;
  /** Start-up time of each service, ms (measured from the test process). */
  readonly timings: Readonly<Record<'ngircd' | 'lounge' | 'directory' | 'total', number>>;
  /** Last output lines of every service (for failure reports). */
  logs(): Record<string, readonly string[]>;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const t0 = performance.now();
  const channels = options.channels ?? ['#overcrypt'];
  const network = options.network ?? 'OvercryptTest';
  const wantDirectory = options.directory === undefined || options.directory === 'auto' ? directoryAvailable() : options.directory;
  const timings = { ngircd: 0, lounge: 0, directory: 0, total: 0 };
  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    for (const s of started.splice(0).reverse()) await s.stop().catch((e: unknown) => errors.push(e));
    if (errors.length) throw errors[0];
  };

  let directoryPromise: Promise<Directory | undefined> = Promise.resolve(undefined);
  try {
    directoryPromise = wantDirectory
      ? startDirectory().then((d) => {
          started.push(d);
          timings.directory = performance.now() - t0;
          return d;
        })
      : Promise.resolve(undefined);
    directoryPromise.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
    const ngircd = await startNgircd({ channels, network });
    started.push(ngircd);
    timings.ngircd = performance.now() - t0;
    const t1 = performance.now();
    const lounge = await startTheLounge({
      ircPort: ngircd.port,
      network,
      join: channels,
      ...(options.loungeUsers ? { users: options.loungeUsers } : {}),
    });
    started.push(lounge);
    timings.lounge = performance.now() - t1;
    const directory = await directoryPromise;
    timings.total = performance.now() - t0;
    return {
      ngircd,
      lounge,
      directory,
      timings,
      logs: () => ({
        ngircd: ngircd.process.output().slice(-50),
        thelounge: lounge.process.output().slice(-50),
        ...(directory ? { directory: directory.process.output().slice(-50) } : {}),
      }),
      stop: stopAll,
    };
  } catch (e) {
    // A service failed: stop what did start (the directory may still be starting: wait for it first).
    await directoryPromise.catch(() => undefined);
    await stopAll().catch(() => undefined);
    throw e;
  }
}
