/**
 * A stand-in for the background worker inside one extension page, for looking at every screen with realistic
 * data in real Chromium with the built CSS (Dark Reader's "in-browser tests with a stubbed background" tier).
 * Installed with `page.addInitScript(installStubWorker, scenario)` before the page's own scripts run: it replaces
 * chrome.runtime.sendMessage / tabs / permissions in that page only. The real worker is untouched.
 * Flows that must prove real behaviour (registration, rotation, revocation...) use the real worker instead.
 */
export interface StubScenario {
  registered: boolean;
  locked: boolean;
  backupExists: boolean;
  /** Policy locks the directory, the prekey target and one site. */
  policy: boolean;
  now: number;
}

/** Runs inside the page: must be self-contained (serialised by Playwright). */
export function installStubWorker(s: StubScenario): void {
  const day = 86_400_000;
  const TAG = 'overcrypt/api/v1';
  const state = { ...s, prekeys: 23, target: 100, verified: new Set<string>(['carol@irc.local']) };
  const dir = { url: s.policy ? 'https://directory.corp.example' : 'http://127.0.0.1:8787', online: true, queued: 0 };
  const status = () => ({
    registered: state.registered,
    locked: state.locked,
    ...(state.registered ? { identity: 'alice@irc.local', deviceCardId: 'a'.repeat(64), fingerprint: '3f9a1c07b2e45d68' } : {}),
    directory: dir,
    autoLockMinutes: 15,
  });
  const devices = [
    { cardId: 'a'.repeat(64), identity: 'alice@irc.local', fingerprint: '3f9a1c07b2e45d68', createdAt: s.now - 2 * day, thisDevice: true },
    { cardId: 'b'.repeat(64), identity: 'alice@irc.local', fingerprint: '91c4e0aa5b7d2f13', createdAt: s.now - 40 * day },
  ];
  const dev = (id: string, fp: string, ageDays: number, approved?: boolean) => ({
    cardId: id.repeat(64), identity: 'x', fingerprint: fp, createdAt: s.now - ageDays * day, ...(approved === undefined ? {} : { approved }),
  });
  const contact = (identity: string, base: 'firstSeen' | 'keyChanged', devs: unknown[]) => ({
    identity,
    state: state.verified.has(identity) ? 'verified' : base,
    devices: devs,
    firstSeenAt: s.now - 20 * day,
    ...(state.verified.has(identity) ? { verifiedAt: s.now - day } : {}),
  });
  const contacts = () => [
    contact('carol@irc.local', 'firstSeen', [dev('c', '7d2e91b04a6c3f85', 30)]),
    contact('bob@irc.local', 'keyChanged', [dev('d', 'e04b6a9c13f72d58', 0)]),
    contact('dave@irc.local', 'firstSeen', [dev('e', '52a8c3e1f09b7d46', 12, true), dev('f', 'b81f0d6e2c9a4735', 0, false)]),
  ];
  const sites = () => [
    { host: '127.0.0.1:9000', enabled: true, mode: 'forward-secret', locked: false, adapterId: 'thelounge' },
    ...(s.policy ? [{ host: 'chat.corp.example', enabled: true, mode: 'forward-secret', locked: true, lockedReason: 'Enabled and locked by Corp IT policy.', adapterId: 'thelounge' }] : []),
    { host: 'mail.example.org', enabled: false, mode: 'card', locked: false },
  ];
  const settings = () => ({
    effective: {
      directoryUrl: dir.url, autoLockMinutes: 15, prekeyTarget: state.target, allowKeyBackup: true, requireKeyBackup: false, sites: sites(), extraSiteAdapters: [],
      ...(s.policy ? { identityHint: '{user}@corp.example' } : {}),
    },
    user: {},
    locked: s.policy ? ['directoryUrl', 'prekeyTarget'] : [],
    lockedReasons: s.policy ? { directoryUrl: 'Your organisation sets the directory.', prekeyTarget: 'Your organisation sets how many one-time prekeys are kept.' } : {},
  });
  const pageStatus = () => ({ siteEnabled: true, siteLocked: false, mode: 'forward-secret', modeLocked: false, encryptionOn: true, locked: false, registered: true,
    recipients: { people: 3, devices: 5 }, warnings: [{ kind: 'keyChanged', identity: 'bob@irc.local' }] });
  const fail = (code: string, message: string) => ({ ok: false, error: { code, message } });
  const handle = (r: Record<string, unknown>): unknown => {
    switch (r.type) {
      case 'status/get': return status();
      case 'vault/unlock':
        if (r.passphrase !== 'correct horse battery') return fail('WrongPassword', 'the passphrase did not open the vault');
        state.locked = false; return status();
      case 'vault/lock': state.locked = true; return status();
      case 'settings/get': return settings();
      case 'settings/set': return settings();
      case 'directory/check': return { reachable: true, latencyMs: 4 };
      case 'account/register': case 'account/restore':
        state.registered = true; state.locked = false;
        return { identity: r.identity, deviceCardId: 'a'.repeat(64), fingerprint: '3f9a1c07b2e45d68' };
      case 'page/status': return pageStatus();
      // What the content script in the chat tab reported (the stub has no content script: it answers for any tab).
      case 'tab/status': return { ...pageStatus(), host: '127.0.0.1:9000', adapterId: 'thelounge', conversationId: '#overcrypt', conversationTitle: '#overcrypt' };
      case 'sites/list': return sites();
      case 'sites/toggle': return sites();
      case 'prekeys/status': return { onServer: state.prekeys, target: state.target, signedPrekeyCreatedAt: s.now - 9 * day };
      case 'prekeys/rotate': state.prekeys = state.target; return { onServer: state.prekeys, target: state.target, signedPrekeyCreatedAt: s.now };
      case 'devices/list': return devices;
      case 'devices/revoke': return devices.filter((d) => d.cardId !== r.cardId);
      case 'contacts/list': return contacts();
      case 'contacts/safetyNumber':
        return { digits: '052813749902218576430091827364550918273645501928374655019283', qrPayload: 'OCSN1:AAAb3K9x_example_payload_for_the_preview_only_0123456789abcdefghij' };
      case 'contacts/verify':
        if (r.verified) state.verified.add(String(r.identity)); else state.verified.delete(String(r.identity));
        return contacts().find((c) => c.identity === r.identity);
      case 'backup/status': return { exists: state.backupExists, allowed: true, orgBackup: s.policy, ...(state.backupExists ? { version: '3' } : {}) };
      case 'backup/create': state.backupExists = true; return { exists: true, allowed: true, orgBackup: s.policy, version: '1' };
      case 'backup/changePassword': return { exists: true, allowed: true, orgBackup: s.policy, version: '4' };
      case 'account/logout': return { wiped: true };
      default: return fail('NotFound', `stub has no answer for ${String(r.type)}`);
    }
  };
  const c = (globalThis as unknown as { chrome: Record<string, Record<string, unknown>> }).chrome;
  const define = (obj: Record<string, unknown>, key: string, value: unknown) => Object.defineProperty(obj, key, { value, configurable: true });
  define(c.runtime!, 'sendMessage', async (env: { tag?: string; request?: Record<string, unknown> }) => {
    if (env?.tag !== TAG || !env.request) return undefined;
    const out = handle(env.request);
    return out && typeof out === 'object' && 'ok' in out && (out as { ok: boolean }).ok === false ? out : { ok: true, value: out };
  });
  define(c.tabs!, 'query', async () => [{ id: 7, url: 'http://127.0.0.1:9000/#/chan-1' }]);
  define(c.tabs!, 'sendMessage', async () => ({ conversationId: '#overcrypt' }));
  define(c.tabs!, 'create', async () => ({}));
  define(c.permissions!, 'contains', async () => true);
  define(c.permissions!, 'request', async () => true);
}
