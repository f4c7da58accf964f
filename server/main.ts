/**
 * `npm run directory -- [flags]`: starts the Overcrypt directory (see server/config.ts for flags).
 * Prints `overcrypt-directory listening on <url>` once ready (tests and the bench wait for it).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig, ConfigError, isLoopback, type ServerConfig } from './config';
import { loadAppIdentity } from './core/appIdentity';
import { serverCrypto } from './core/crypto';
import { createDirectory } from './core/directory';
import { buildHttpServer } from './http/app';
import { openRepository, redactUrl } from './storage/open';

export async function startDirectory(config: ServerConfig) {
  const crypto = await serverCrypto();
  const app = loadAppIdentity(crypto, { envKey: config.appKeyEnv, path: config.appKeyPath });
  const repo = await openRepository(config.db, { sqlite: { synchronous: config.sqliteSync } });
  const directory = createDirectory({
    crypto, repo, app,
    config: {
      accounts: { registration: config.registration, scrypt: { logN: config.scryptLogN, r: 8, p: 1 } },
      prekeys: { claimsPerMinute: config.claimLimit },
      tokenTtlMs: config.tokenTtlMs,
      adminToken: config.adminToken,
    },
  });
  const http = await buildHttpServer(directory, {
    logger: {
      level: config.logLevel,
      // Bodies are never logged; headers are not logged by default, and if a serializer ever adds them the secrets go.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body', 'res.body'], censor: '[redacted]' },
    },
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
  });
  const stopMaintenance = directory.startMaintenance();
  const address = await http.listen({ host: config.host, port: config.port });
  http.log.info({ db: redactUrl(config.db), storage: repo.kind, registration: config.registration, appId: app.appId },
    'directory started');
  if (!isLoopback(config.host) && config.registration === 'open') {
    http.log.warn('registration is open on a non-loopback address: anyone who can reach it can create accounts');
  }
  const close = async () => {
    stopMaintenance();
    await http.close();
    await repo.close();
  };
  return { address, http, directory, close };
}

async function main(): Promise<void> {
  let config: ServerConfig;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(e instanceof ConfigError ? 2 : 1);
  }
  const server = await startDirectory(config);
  console.log(`overcrypt-directory listening on ${server.address}`);
  if (config.nextSteps) console.log(nextSteps(config, server.address));
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    server.http.log.info({ signal }, 'shutting down');
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

function nextSteps(config: ServerConfig, address: string): string {
  const extension = resolve('.output/chrome-mv3');
  return [
    '',
    `Overcrypt directory is running at ${address}`,
    `  storage: ${redactUrl(config.db)}   registration: ${config.registration}   app key: ${config.appKeyEnv ? 'OVERCRYPT_APP_KEY' : resolve(config.appKeyPath)}`,
    '',
    'Next:',
    `  1. Load the extension: open chrome://extensions, switch on Developer mode, "Load unpacked" and pick`,
    `     ${extension}${existsSync(extension) ? '' : '   (not built yet: npm run build)'}`,
    `  2. Open the Overcrypt popup, keep the directory ${address} and create your account.`,
    '  3. Invite codes (for --registration invite): npm run directory:invite',
    '     API description: ' + `${address}/openapi.json` + '   health: ' + `${address}/healthz`,
    '  Stop with Ctrl-C. Tests: npm test',
    '',
  ].join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  main().catch((e: unknown) => {
    console.error('directory failed to start:', e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
