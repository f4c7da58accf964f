/**
 * A raw IRC client over a TCP socket — no browser, no IRC library — to assert what the wire carries.
 * It registers, joins channels and records every PRIVMSG it receives.
 */
import net from 'node:net';
import { LOOPBACK } from './ports';

export interface IrcMessage {
  /** Nick of the sender (prefix before "!"). */
  from: string;
  /** Channel or nick the message was sent to. */
  target: string;
  text: string;
  /** The raw line as received, without CRLF. */
  raw: string;
}

export interface RawIrcClient {
  readonly nick: string;
  /** Every PRIVMSG received so far, in order. */
  readonly messages: readonly IrcMessage[];
  /** Every line received so far (bounded to the last 5,000). */
  readonly lines: readonly string[];
  join(channel: string): Promise<void>;
  privmsg(target: string, text: string): void;
  /** Resolves with the first message (already received or future) that matches. */
  waitForMessage(match: (m: IrcMessage) => boolean, timeoutMs?: number): Promise<IrcMessage>;
  /** Resolves with the first raw line (already received or future) that matches. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Nicks in a channel (NAMES), without mode prefixes. */
  names(channel: string): Promise<string[]>;
  quit(): Promise<void>;
}

const MAX_LINES = 5_000;

export function parsePrivmsg(line: string): IrcMessage | undefined {
  const m = /^:([^!\s]+)(?:![^\s]*)? PRIVMSG (\S+) :(.*)$/.exec(line);
  if (!m) return undefined;
  return { from: m[1]!, target: m[2]!, text: m[3]!, raw: line };
}

export async function connectIrc(options: { port: number; nick: string; host?: string; timeoutMs?: number }): Promise<RawIrcClient> {
  const socket = net.connect({ port: options.port, host: options.host ?? LOOPBACK });
  socket.setEncoding('utf8');
  const lines: string[] = [];
  const messages: IrcMessage[] = [];
  const waiters = new Set<{ test: (line: string) => boolean; resolve: (line: string) => void }>();
  let closed = false;
  const closedPromise = new Promise<void>((resolve) => socket.once('close', () => ((closed = true), resolve())));
  socket.on('error', () => {
    /* reported through waiters timing out / close */
  });

  const send = (line: string) => {
    if (/[\r\n]/.test(line)) throw new Error('IRC line must not contain CR or LF');
    socket.write(`${line}\r\n`);
  };

  let partial = '';
  socket.on('data', (chunk: string) => {
    const parts = (partial + chunk).split(/\r?\n/);
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (line.startsWith('PING ')) send(`PONG ${line.slice(5)}`);
      lines.push(line);
      if (lines.length > MAX_LINES) lines.shift();
      const msg = parsePrivmsg(line);
      if (msg) messages.push(msg);
      for (const w of waiters) {
        if (w.test(line)) {
          waiters.delete(w);
          w.resolve(line);
        }
      }
    }
  });

  const waitForLine = (test: (line: string) => boolean, timeoutMs = options.timeoutMs ?? 15_000) => {
    const seen = lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`IRC ${options.nick}: no matching line within ${timeoutMs} ms; last lines:\n  ${lines.slice(-15).join('\n  ')}`));
      }, timeoutMs);
      const waiter = { test, resolve: (l: string) => (clearTimeout(timer), resolve(l)) };
      waiters.add(waiter);
    });
  };

  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  send(`NICK ${options.nick}`);
  send(`USER ${options.nick} 0 * :Overcrypt raw test client`);
  // 001 RPL_WELCOME, or a nick error.
  const welcome = await waitForLine((l) => / (001|432|433) /.test(l));
  if (!/ 001 /.test(welcome)) throw new Error(`IRC ${options.nick}: registration refused: ${welcome}`);

  const client: RawIrcClient = {
    nick: options.nick,
    messages,
    lines,
    async join(channel) {
      send(`JOIN ${channel}`);
      // 366 RPL_ENDOFNAMES ends the join burst.
      await waitForLine((l) => new RegExp(` 366 ${escape(options.nick)} ${escape(channel)} `, 'i').test(l));
    },
    privmsg(target, text) {
      send(`PRIVMSG ${target} :${text}`);
    },
    waitForMessage(match, timeoutMs) {
      return waitForLine((l) => {
        const m = parsePrivmsg(l);
        return m !== undefined && match(m);
      }, timeoutMs).then((l) => parsePrivmsg(l)!);
    },
    waitForLine,
    async names(channel) {
      const before = lines.length;
      send(`NAMES ${channel}`);
      const endPattern = new RegExp(` 366 ${escape(options.nick)} ${escape(channel)} `, 'i');
      await waitForLine((l) => endPattern.test(l) && lines.indexOf(l, before) >= before);
      const nicks: string[] = [];
      for (const l of lines.slice(before)) {
        const m = new RegExp(` 353 ${escape(options.nick)} [=*@] ${escape(channel)} :(.*)$`, 'i').exec(l);
        if (m) nicks.push(...m[1]!.trim().split(/\s+/).map((n) => n.replace(/^[~&@%+]+/, '')));
      }
      return nicks;
    },
    async quit() {
      if (closed) return;
      try {
        send('QUIT :bye');
      } catch {
        /* socket already unwritable */
      }
      socket.end();
      const timer = setTimeout(() => socket.destroy(), 2_000);
      await closedPromise;
      clearTimeout(timer);
    },
  };
  return client;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
