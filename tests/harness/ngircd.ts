/**
 * A private IRC server (Debian's ngircd) on loopback: generated config in a temp dir, a free port,
 * no DNS/ident/PAM lookups, no flood penalties (tests send bursts), predefined channels.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, LOOPBACK } from './ports';
import { startProcess, type ManagedProcess } from './process';

export const NGIRCD_BINARY = process.env.OVERCRYPT_NGIRCD ?? '/usr/sbin/ngircd';

export interface NgircdOptions {
  /** Channels that exist from the start (default ["#overcrypt"]). */
  channels?: readonly string[];
  /** The IRC network name announced in ISUPPORT NETWORK= (default "OvercryptTest"). */
  network?: string;
  port?: number;
}

export interface Ngircd {
  readonly host: string;
  readonly port: number;
  readonly network: string;
  readonly channels: readonly string[];
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export function ngircdConfig(o: { port: number; network: string; channels: readonly string[]; dir: string }): string {
  const channels = o.channels
    .map((name) => `[Channel]\nName = ${name}\nTopic = Overcrypt test channel ${name}\n`)
    .join('\n');
  return `[Global]
Name = irc.overcrypt.test
Info = Overcrypt test IRC server
Network = ${o.network}
AdminInfo1 = Overcrypt tests
AdminInfo2 = loopback only
AdminEMail = nobody@localhost
Listen = ${LOOPBACK}
Ports = ${o.port}
MotdPhrase = "Overcrypt test server"
PidFile = ${path.join(o.dir, 'ngircd.pid')}

[Limits]
# Tests send bursts; penalties would delay them and make timing flaky.
MaxPenaltyTime = 0
MaxNickLength = 30
# Every client of a test comes from 127.0.0.1 (default limit: 5).
MaxConnectionsIP = 0
MaxJoins = 0

[Options]
DNS = no
Ident = no
PAM = no

${channels}`;
}

export async function startNgircd(options: NgircdOptions = {}): Promise<Ngircd> {
  const channels = options.channels ?? ['#overcrypt'];
  const network = options.network ?? 'OvercryptTest';
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'overcrypt-ngircd-'));
  // ngircd drops root for "nobody" before writing its PID file into this dir.
  await chmod(dir, 0o777);
  const configFile = path.join(dir, 'ngircd.conf');
  await writeFile(configFile, ngircdConfig({ port, network, channels, dir }));
  let proc: ManagedProcess;
  try {
    proc = await startProcess({
      name: 'ngircd',
      command: NGIRCD_BINARY,
      args: ['-n', '-f', configFile],
      readyLine: new RegExp(`Now listening on \\[${LOOPBACK.replace(/\./g, '\\.')}\\]:${port}\\b`),
    });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    host: LOOPBACK,
    port,
    network,
    channels,
    process: proc,
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
