// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { h } from 'preact';
import { FirstRunPage } from '../../../components/firstrun/FirstRun';
import type { ProgressEvent, SettingsView } from '../../../lib/api';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import { parsePattern } from '../../../components/pattern';
import {
  button, byLabel, click, fakeApi, fakeEnv, installMessages, mount, msg, queryButton, status, text, type,
  unlabelledControls, unmount, waitFor, type Handlers,
} from './helpers';

beforeEach(installMessages);
afterEach(unmount);

const unregistered = () => status({ registered: false, locked: true, identity: undefined, fingerprint: undefined, deviceCardId: undefined });
const settings = (locked: string[] = [], dir = 'https://dir.corp.test'): SettingsView => ({
  effective: { directoryUrl: dir, autoLockMinutes: 15, prekeyTarget: 100, allowKeyBackup: true, requireKeyBackup: false, sites: [], extraSiteAdapters: [], identityHint: '{user}@corp.test' },
  user: {},
  locked,
  lockedReasons: Object.fromEntries(locked.map((k) => [k, `why ${k} is locked`])),
});
const registered = { identity: 'alice@irc.test', deviceCardId: 'd'.repeat(64), fingerprint: 'abcdef0123456789' };

async function start(handlers: Handlers, envPatch = {}) {
  const fake = fakeApi({
    'status/get': unregistered,
    'settings/get': () => settings(),
    'directory/check': () => ({ reachable: true, latencyMs: 12 }),
    ...handlers,
  });
  let clock = 1_000_000;
  const env = fakeEnv({ now: () => (clock += 1000), ...envPatch });
  await mount(h(FirstRunPage, { api: fake.api, env }));
  return fake;
}

/** A welcome choice: a button whose title (in <strong>) is `title`. */
function choice(title: string): HTMLButtonElement | undefined {
  return Array.from(document.querySelectorAll<HTMLButtonElement>('button.choice')).find((b) => b.querySelector('strong')?.textContent === title);
}

async function next() {
  await click(button(msg('common_continue')));
}

async function fillToPattern(path: 'create' | 'restore') {
  await click(await waitFor(() => choice(msg(path === 'create' ? 'firstrun_create' : 'firstrun_restore')), 'welcome'));
  await waitFor(() => text().includes(msg('firstrun_reachable', 12)), 'reachability');
  await next();
  await type(byLabel(msg('firstrun_identity')), 'alice@irc.test');
  await type(byLabel(msg('firstrun_password')), 'account password 1');
  if (path === 'create') {
    await type(byLabel(msg('firstrun_passwordConfirm')), 'account password 1');
    await type(byLabel(msg('firstrun_invite')), 'INVITE-42');
  } else {
    await type(byLabel(msg('firstrun_backupPassword')), 'backup password 9');
  }
  await next();
  await type(byLabel(msg('firstrun_passphrase')), 'local passphrase');
  await type(byLabel(msg('firstrun_passphraseConfirm')), 'local passphrase');
  await next();
  await waitFor(() => text().includes(msg('firstrun_patternTitle')), 'pattern step');
}

describe('first run: new account', () => {
  it('walks directory -> account -> passphrase -> pattern -> keys -> backup -> done with the right requests', async () => {
    const fake = await start({
      'account/register': () => registered,
      'backup/status': () => ({ exists: false, allowed: true, orgBackup: false }),
      'backup/create': () => ({ exists: true, allowed: true, orgBackup: false }),
    });
    await fillToPattern('create');
    expect(text()).toContain(msg('firstrun_stepOf', 4, 6));
    // Pick a deliberate pattern: clear the random one, then choose plum + three symbols.
    for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button.symbol[aria-pressed=true]'))) await click(b);
    expect(button(msg('firstrun_createKeys')).disabled).toBe(true);
    await click(byLabel(msg('colour_plum')));
    for (const s of ['star', 'moon', 'crown']) await click(button(msg(`symbol_${s}`)));
    expect(button(msg('symbol_heart')).disabled).toBe(true);
    expect(document.querySelector('.pattern-preview [role=img]')!.getAttribute('aria-label')).toBe(
      msg('pattern_label', msg('colour_plum'), 'star, moon, crown'),
    );
    await click(button(msg('firstrun_createKeys')));

    await waitFor(() => text().includes(msg('firstrun_backupTitle')), 'backup step');
    const [reg] = fake.callsOf('account/register');
    expect(reg).toEqual({
      type: 'account/register',
      identity: 'alice@irc.test',
      password: 'account password 1',
      passphrase: 'local passphrase',
      securityPattern: 'plum star moon crown',
      directoryUrl: 'https://dir.corp.test',
      invite: 'INVITE-42',
    });
    expect(parsePattern(reg!.securityPattern)).toEqual({ colour: 'plum', symbols: [4, 6, 15] });

    await type(byLabel(msg('backup_password')), 'backup password 9');
    await type(byLabel(msg('backup_passwordConfirm')), 'backup password 9');
    await click(button(msg('firstrun_backupCreate')));
    await click(await waitFor(() => queryButton(msg('common_continue')), 'continue after backup'));
    const done = await waitFor(() => document.querySelector<HTMLElement>('[data-testid=firstrun-done]'), 'done');
    expect(text(done)).toContain('abcd ef01 2345 6789');
    expect(Number(done.dataset.publishedMs)).toBeGreaterThan(0);
    expect(fake.callsOf('backup/create')).toEqual([{ type: 'backup/create', backupPassword: 'backup password 9' }]);
    // The account password never goes anywhere but account/register.
    const leaks = fake.calls.filter((c) => c.type !== 'account/register' && JSON.stringify(c).includes('account password 1'));
    expect(leaks).toEqual([]);
  });

  it('does not continue with mismatched passwords, a short passphrase or an identity with spaces', async () => {
    await start({});
    await click(await waitFor(() => choice(msg('firstrun_create')), 'welcome'));
    await next();
    await type(byLabel(msg('firstrun_identity')), 'alice smith');
    await type(byLabel(msg('firstrun_password')), 'account password 1');
    await type(byLabel(msg('firstrun_passwordConfirm')), 'account password 2');
    await next();
    expect(text()).toContain(msg('firstrun_identityInvalid'));
    expect(text()).toContain(msg('password_mismatch'));
    await type(byLabel(msg('firstrun_identity')), 'alice@irc.test');
    await type(byLabel(msg('firstrun_passwordConfirm')), 'account password 1');
    await next();
    await type(byLabel(msg('firstrun_passphrase')), 'short');
    await type(byLabel(msg('firstrun_passphraseConfirm')), 'short');
    await next();
    expect(text()).toContain(msg('password_tooShort', 8));
    expect(text()).toContain(msg('firstrun_passphraseTitle'));
  });

  it('uses a policy-set directory: field locked with the reason, and the UI does not send its own URL', async () => {
    const fake = await start({
      'settings/get': () => settings(['directoryUrl'], 'https://policy-dir.test'),
      'account/register': () => registered,
      'backup/status': () => ({ exists: false, allowed: false, orgBackup: true }),
    });
    await click(await waitFor(() => choice(msg('firstrun_create')), 'welcome'));
    const url = byLabel(msg('firstrun_directoryUrl'));
    expect(url.disabled).toBe(true);
    expect(url.value).toBe('https://policy-dir.test');
    expect(text()).toContain(msg('firstrun_directoryLocked'));
    await next();
    await type(byLabel(msg('firstrun_identity')), 'alice@irc.test');
    expect(text()).toContain(msg('firstrun_identityHintPolicy', '{user}@corp.test'));
    await type(byLabel(msg('firstrun_password')), 'account password 1');
    await type(byLabel(msg('firstrun_passwordConfirm')), 'account password 1');
    await next();
    await type(byLabel(msg('firstrun_passphrase')), 'local passphrase');
    await type(byLabel(msg('firstrun_passphraseConfirm')), 'local passphrase');
    await next();
    await click(button(msg('firstrun_createKeys')));
    // Backups forbidden: the step says so and only offers to continue.
    await waitFor(() => text().includes(msg('backup_forbidden')), 'forbidden note');
    expect(queryButton(msg('firstrun_backupSkip'))).toBeUndefined();
    expect(fake.callsOf('account/register')[0]).not.toHaveProperty('directoryUrl');
  });

  it('policy requires a backup: the backup step has no skip, only the form (and says why)', async () => {
    await start({
      'settings/get': () => settings([]),
      'account/register': () => registered,
      'backup/status': () => ({ exists: false, allowed: true, required: true, orgBackup: false }),
    });
    await click(await waitFor(() => choice(msg('firstrun_create')), 'welcome'));
    await next();
    await type(byLabel(msg('firstrun_identity')), 'alice@irc.test');
    await type(byLabel(msg('firstrun_password')), 'account password 1');
    await type(byLabel(msg('firstrun_passwordConfirm')), 'account password 1');
    await next();
    await type(byLabel(msg('firstrun_passphrase')), 'local passphrase');
    await type(byLabel(msg('firstrun_passphraseConfirm')), 'local passphrase');
    await next();
    await click(button(msg('firstrun_createKeys')));
    await waitFor(() => text().includes(msg('firstrun_backupRequired')), 'required note');
    expect(queryButton(msg('firstrun_backupSkip'))).toBeUndefined();
    expect(text()).not.toContain(msg('firstrun_backupSkipWarning'));
    expect(text()).toContain(msg('firstrun_backupExplain'));
  });

  it('shows an unreachable directory with its error and lets the user check again', async () => {
    let up = false;
    const checks: string[] = [];
    await start({
      'directory/check': ({ url }) => {
        checks.push(url);
        return up ? { reachable: true, latencyMs: 12 } : { reachable: false, error: { code: 'Network', message: 'connection refused' } };
      },
    });
    await click(await waitFor(() => choice(msg('firstrun_create')), 'welcome'));
    await waitFor(() => text().includes(msg('firstrun_unreachable')), 'unreachable');
    expect(text()).toContain('Network: connection refused');
    await type(byLabel(msg('firstrun_directoryUrl')), 'http://127.0.0.1:9999');
    up = true;
    await click(button(msg('firstrun_checkAgain')));
    await waitFor(() => text().includes(msg('firstrun_reachable', 12)), 'reachable');
    expect(checks).toEqual(['https://dir.corp.test', 'http://127.0.0.1:9999']);
  });

  it('shows a registration error as a message with its code, and retries on request', async () => {
    let attempts = 0;
    const fake = await start({
      'account/register': () => {
        attempts++;
        if (attempts === 1) throw new OvercryptError(ErrorCode.Conflict, 'identity already registered');
        return registered;
      },
      'backup/status': () => ({ exists: false, allowed: true, orgBackup: false }),
    });
    await fillToPattern('create');
    await click(button(msg('firstrun_createKeys')));
    await waitFor(() => text().includes('Conflict: identity already registered'), 'error');
    expect(text()).toContain(msg('error_Conflict'));
    await click(button(msg('common_retry')));
    await waitFor(() => text().includes(msg('firstrun_backupTitle')), 'backup step');
    await click(button(msg('firstrun_backupSkip')));
    await waitFor(() => document.querySelector('[data-testid=firstrun-done]'), 'done');
    expect(fake.callsOf('account/register')).toHaveLength(2);
  });

  it('shows worker progress events when the worker sends them', async () => {
    let emit: (e: ProgressEvent) => void = () => undefined;
    let finish: () => void = () => undefined;
    await start(
      {
        'account/register': () => new Promise((r) => (finish = () => r(registered))),
        'backup/status': () => ({ exists: false, allowed: true, orgBackup: false }),
      },
      { subscribeProgress: (l: (e: ProgressEvent) => void) => ((emit = l), () => undefined) },
    );
    await fillToPattern('create');
    await click(button(msg('firstrun_createKeys')));
    await waitFor(() => text().includes(msg('firstrun_workingWait')), 'working');
    await waitFor(() => (emit({ op: 'account/register', step: 'identityKey', done: 1, total: 4 }), document.querySelector('.progress li.done')), 'a done step');
    expect(text(document.querySelector('.progress li.done')!)).toContain(msg('progress_identityKey'));
    finish();
    await waitFor(() => text().includes(msg('firstrun_backupTitle')), 'backup step');
  });
});

describe('first run: second device', () => {
  it('signs in and restores from the backup, with no backup step', async () => {
    const fake = await start({ 'account/restore': () => registered });
    await fillToPattern('restore');
    expect(text()).toContain(msg('firstrun_stepOf', 4, 5));
    expect(unlabelledControls()).toEqual([]);
    await click(button(msg('firstrun_createKeys')));
    await waitFor(() => document.querySelector('[data-testid=firstrun-done]'), 'done');
    const [req] = fake.callsOf('account/restore');
    expect(req).toMatchObject({
      type: 'account/restore',
      identity: 'alice@irc.test',
      password: 'account password 1',
      backupPassword: 'backup password 9',
      passphrase: 'local passphrase',
      directoryUrl: 'https://dir.corp.test',
    });
    expect(fake.callsOf('account/register')).toHaveLength(0);
    expect(fake.callsOf('backup/create')).toHaveLength(0);
  });

  it('a wrong backup password says which password, shows the error and leads back to the account step', async () => {
    await start({ 'account/restore': () => { throw new OvercryptError(ErrorCode.WrongPassword, 'backup did not open'); } });
    await fillToPattern('restore');
    await click(button(msg('firstrun_createKeys')));
    await waitFor(() => text().includes('WrongPassword: backup did not open'), 'error');
    expect(text()).toContain(msg('firstrun_restoreWrongBackupPassword'));
    await click(button(msg('firstrun_backToAccount')));
    expect(byLabel(msg('firstrun_backupPassword')).value).toBe('backup password 9');
  });

  it('explains what to do when the account has no backup yet', async () => {
    await start({ 'account/restore': () => { throw new OvercryptError(ErrorCode.NotFound, 'no backup for this identity'); } });
    await fillToPattern('restore');
    await click(button(msg('firstrun_createKeys')));
    await waitFor(() => text().includes(msg('firstrun_restoreNoBackup')), 'hint');
    expect(text()).toContain('NotFound: no backup for this identity');
  });

  it('tells an already set up browser where to go instead of running setup again', async () => {
    await start({ 'status/get': () => status() });
    await waitFor(() => text().includes(msg('firstrun_alreadyTitle')), 'already');
    expect(text()).toContain(msg('firstrun_alreadyExplain', 'alice@irc.test'));
  });
});
