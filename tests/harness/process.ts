/**
 * Child processes for test services: started in their own process group, output kept (bounded) for
 * diagnostics and readiness, always stopped — on `stop()`, and as a last resort when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface StartOptions {
  /** Short name used in errors and logs, e.g. "ngircd". */
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolve start only when a line of stdout/stderr matches. */
  readyLine?: RegExp;
  /** Limit for the ready line (default 30 s: a loaded 2-core machine). */
  timeoutMs?: number;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Output lines so far (stdout and stderr interleaved, the last 2,000). */
  output(): readonly string[];
  /** Resolves with the first line (already seen or future) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited (for any reason). */
  waitForExit(): Promise<void>;
  /** True once the process has exited. */
  readonly exited: boolean;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const MAX_LINES = 2_000;
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-9;?]*[A-Za-z]/g;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every group still running when the test process exits (crash, failed assertion, Ctrl-C). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals, evenIfLeaderExited = false): void {
  if (child.pid === undefined) return;
  if (!evenIfLeaderExited && (child.exitCode !== null || child.signalCode !== null)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

export async function startProcess(options: StartOptions): Promise<ManagedProcess> {
  installExitHook();
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    // No colours: test runners set FORCE_COLOR, and escape codes would break ready-line matching.
    env: { ...(options.env ?? process.env), FORCE_COLOR: '0', NO_COLOR: '1' },
    detached: true, // own process group, so stop() also reaches grandchildren
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  let spawnError: Error | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
    child.once('error', (e) => {
      spawnError = e;
      running.delete(child);
      resolve();
    });
  });

  const onData = (() => {
    let partial = '';
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const raw of parts) {
        const line = raw.replace(ANSI_ESCAPE, '');
        lines.push(line);
        if (lines.length > MAX_LINES) lines.shift();
        for (const w of waiters) {
          if (w.pattern.test(line)) {
            waiters.delete(w);
            w.resolve(line);
          }
        }
      }
    };
  })();
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const describe = () => `${options.name} (pid ${child.pid ?? '?'}): last output:\n  ${lines.slice(-30).join('\n  ')}`;

  const managed: ManagedProcess = {
    name: options.name,
    pid: child.pid ?? -1,
    output: () => lines,
    waitForExit: () => exitedPromise,
    get exited() {
      return child.exitCode !== null || child.signalCode !== null || spawnError !== undefined;
    },
    waitForLine(pattern, timeoutMs = options.timeoutMs ?? 30_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const waiter = { pattern, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`${options.name}: no line matching ${pattern} within ${timeoutMs} ms. ${describe()}`));
        }, timeoutMs);
        waiters.add(waiter);
        void exitedPromise.then(() => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`${options.name} exited (${spawnError?.message ?? `code ${child.exitCode}, signal ${child.signalCode}`}) before ${pattern}. ${describe()}`));
        });
      });
    },
    async stop(graceMs = 5_000) {
      if (managed.exited) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(timer);
      killGroup(child, 'SIGKILL', true); // grandchildren that outlived the leader
    },
  };

  if (options.readyLine) {
    try {
      await managed.waitForLine(options.readyLine);
    } catch (e) {
      await managed.stop(1_000);
      throw e;
    }
  }
  return managed;
}
