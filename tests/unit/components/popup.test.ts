// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { h } from 'preact';
import { App } from '../../../components/popup/App';
import type { ContactView, DeviceView, PrekeyStatus, SettingsView, SiteView } from '../../../lib/api';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import { formatDate } from '../../../components/format';
import {
  button, click, fakeApi, fakeEnv, installMessages, key, mount, msg, queryButton, status, text, type,
  byLabel, unlabelledControls, unmount, waitFor, type Handlers,
} from './helpers';

beforeEach(installMessages);
afterEach(unmount);

const settingsView = (locked: string[] = [], patch: Partial<SettingsView['effective']> = {}): SettingsView => ({
  effective: {
    directoryUrl: 'http://127.0.0.1:8787',
    autoLockMinutes: 15,
    prekeyTarget: 100,
    allowKeyBackup: true,
    requireKeyBackup: false,
    sites: [],
    extraSiteAdapters: [],
    ...patch,
  },
  user: {},
  locked,
  lockedReasons: Object.fromEntries(locked.map((k) => [k, `why ${k} is locked`])),
});

async function openApp(handlers: Handlers, envPatch = {}, screen?: 'keys' | 'devices' | 'contacts' | 'backup' | 'sites' | 'account') {
  const fake = fakeApi({ 'status/get': () => status(), ...handlers });
  const env = fakeEnv(envPatch);
  await mount(h(App, { api: fake.api, env, layout: 'popup', initialScreen: screen }));
  return { fake, env };
}

describe('lock state', () => {
  it('shows the unlock prompt when locked; a wrong passphrase shows the code and message; the right one unlocks', async () => {
    let unlocked = false;
    const { fake } = await openApp({
      'status/get': () => status({ locked: !unlocked }),
      'vault/unlock': ({ passphrase }) => {
        if (passphrase !== 'correct horse') throw new OvercryptError(ErrorCode.WrongPassword, 'vault key did not open');
        unlocked = true;
        return status();
      },
      'page/status': () => { throw new OvercryptError(ErrorCode.NotFound, 'x'); },
      'sites/list': () => [],
    });
    await waitFor(() => queryButton(msg('unlock_button')), 'unlock button');
    expect(text()).toContain(msg('unlock_explainFor', 'alice@irc.test'));
    expect(queryButton(msg('tab_keys'))).toBeUndefined();

    await type(byLabel(msg('unlock_passphrase')), 'nope');
    await click(button(msg('unlock_button')));
    await waitFor(() => document.querySelector('[role=alert]'), 'error');
    expect(text()).toContain(msg('error_WrongPassword'));
    expect(text()).toContain('WrongPassword: vault key did not open');
    expect(byLabel(msg('unlock_passphrase')).value).toBe('');

    await type(byLabel(msg('unlock_passphrase')), 'correct horse');
    await click(button(msg('unlock_button')));
    await waitFor(() => queryButton(msg('tab_keys')), 'tabs after unlock');
    expect(fake.callsOf('vault/unlock').map((c) => c.passphrase)).toEqual(['nope', 'correct horse']);
  });

  it('a forgotten passphrase: explains, needs a confirmation, then wipes locally without revoking', async () => {
    let wiped = false;
    const { fake } = await openApp({
      'status/get': () => (wiped ? status({ registered: false, locked: true, identity: undefined }) : status({ locked: true })),
      'account/logout': () => ((wiped = true), { wiped: true as const }),
    });
    await click(await waitFor(() => queryButton(msg('unlock_forgot')), 'forgot link'));
    expect(text()).toContain(msg('unlock_forgotExplain'));
    expect(button(msg('unlock_forgotWipe')).disabled).toBe(true);
    await click(byLabel(msg('unlock_forgotUnderstand')));
    await click(button(msg('unlock_forgotWipe')));
    await waitFor(() => queryButton(msg('welcome_setup')), 'set-up prompt after the wipe');
    expect(text()).toContain(msg('logout_done'));
    expect(fake.callsOf('account/logout')).toEqual([{ type: 'account/logout', revokeCard: false, confirmWithoutBackup: true }]);
  });

  it('turns a Locked answer from any screen into the unlock prompt', async () => {
    await openApp({ 'prekeys/status': () => { throw new OvercryptError(ErrorCode.Locked, 'locked'); }, 'settings/get': () => settingsView() }, {}, 'keys');
    await waitFor(() => queryButton(msg('unlock_button')), 'unlock prompt');
  });

  it('points an unregistered browser to the first-run tab', async () => {
    const openPage = vi.fn();
    await openApp({ 'status/get': () => status({ registered: false, identity: undefined }) }, { openPage });
    await click(await waitFor(() => queryButton(msg('welcome_setup')), 'setup button'));
    expect(openPage).toHaveBeenCalledWith('firstrun');
  });

  it('"Lock now" sends vault/lock and shows the prompt', async () => {
    const { fake } = await openApp({
      'vault/lock': () => status({ locked: true }),
      'page/status': () => { throw new OvercryptError(ErrorCode.NotFound, 'x'); },
      'sites/list': () => [],
    });
    await click(await waitFor(() => queryButton(msg('status_lockNow')), 'lock button'));
    await waitFor(() => queryButton(msg('unlock_button')), 'unlock prompt');
    expect(fake.callsOf('vault/lock')).toHaveLength(1);
  });
});

describe('tabs', () => {
  it('moves between sections with the arrow keys, Home and End, and focuses the selected tab', async () => {
    await openApp({
      'page/status': () => { throw new OvercryptError(ErrorCode.NotFound, 'x'); },
      'sites/list': () => [],
      'prekeys/status': () => ({ onServer: 1, target: 100, signedPrekeyCreatedAt: null }),
      'settings/get': () => settingsView(),
      'contacts/list': () => [],
    });
    const home = await waitFor(() => document.getElementById('tab-home'), 'home tab');
    expect(home.getAttribute('aria-selected')).toBe('true');
    await key(home, 'ArrowRight');
    const keys = document.getElementById('tab-keys')!;
    expect(keys.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(keys);
    expect(document.getElementById('tab-home')!.tabIndex).toBe(-1);
    await key(keys, 'End');
    expect(document.getElementById('tab-account')!.getAttribute('aria-selected')).toBe('true');
    await key(document.getElementById('tab-account')!, 'ArrowRight');
    expect(document.getElementById('tab-home')!.getAttribute('aria-selected')).toBe('true');
    await key(document.getElementById('tab-home')!, 'ArrowLeft');
    expect(document.getElementById('tab-account')!.getAttribute('aria-selected')).toBe('true');
  });
});

describe('key change mark', () => {
  it('marks the Contacts tab while a contact has a changed key', async () => {
    await openApp({
      'page/status': () => { throw new OvercryptError(ErrorCode.NotFound, 'x'); },
      'sites/list': () => [],
      'contacts/list': () => [{ identity: 'bob@x', state: 'keyChanged', devices: [], firstSeenAt: 0 }],
    });
    const mark = await waitFor(() => document.querySelector('#tab-contacts .tab-mark'), 'mark');
    expect(mark.getAttribute('aria-label')).toBe(msg('tab_contactsChanged', 1));
  });
});

describe('home', () => {
  const site: SiteView = { host: 'chat.test:9000', enabled: true, mode: 'forward-secret', locked: false, adapterId: 'thelounge' };

  it('shows directory, this device and the current tab: enabled, adapter, conversation encryption; toggles it', async () => {
    let on = false;
    const { fake } = await openApp(
      {
        'tab/status': () => ({
          host: 'chat.test:9000', adapterId: 'thelounge', conversationId: '#overcrypt',
          siteEnabled: true, siteLocked: false, mode: 'forward-secret', modeLocked: false, encryptionOn: on,
          locked: false, registered: true, recipients: { people: 2, devices: 3 }, warnings: [{ kind: 'keyChanged', identity: 'bob@irc.test' }],
        }),
        'page/setEncryption': (r) => {
          on = r.on;
          return { siteEnabled: true, siteLocked: false, mode: 'forward-secret', modeLocked: false, encryptionOn: on, locked: false, registered: true, warnings: [] };
        },
        'sites/list': () => [{ ...site, adapterId: undefined }],
      },
      { currentTab: async () => ({ host: 'chat.test:9000', scheme: 'http' as const, tabId: 4 }) },
    );
    await waitFor(() => document.querySelector('[data-testid=current-host]'), 'current host');
    const t = text();
    expect(t).toContain('http://127.0.0.1:8787');
    expect(t).toContain(msg('home_online'));
    expect(t).toContain('0a1b 2c3d 4e5f 6a7b');
    expect(t).toContain('thelounge'); // the adapter the tab reported
    expect(document.querySelector('[data-testid=current-conversation]')?.textContent).toBe('#overcrypt');
    expect(t).toContain(msg('home_encryptionOff'));
    expect(t).toContain(msg('home_recipients', 2, 3));
    expect(t).toContain(msg('warning_keyChanged', 'bob@irc.test'));
    expect(fake.callsOf('tab/status')).toEqual([{ type: 'tab/status', tabId: 4 }]);
    expect(fake.callsOf('page/status')).toEqual([]);

    await click(button(msg('home_turnOn')));
    await waitFor(() => text().includes(msg('home_encryptionOn')), 'encryption on');
    expect(fake.callsOf('page/setEncryption')).toEqual([{ type: 'page/setEncryption', host: 'chat.test:9000', conversationId: '#overcrypt', on: true }]);
  });

  it('a tab our content script has not reported from: the site status only, no conversation', async () => {
    const { fake } = await openApp(
      {
        'tab/status': () => null,
        'page/status': () => ({ siteEnabled: false, siteLocked: false, mode: 'card', modeLocked: false, encryptionOn: false, locked: false, registered: true, warnings: [] }),
        'sites/list': () => [],
      },
      { currentTab: async () => ({ host: 'news.test', scheme: 'https' as const, tabId: 9 }) },
    );
    await waitFor(() => text().includes(msg('home_noConversation')), 'no conversation');
    expect(fake.callsOf('page/status')).toEqual([{ type: 'page/status', host: 'news.test' }]);
    expect(text()).toContain(msg('home_adapterNone'));
    expect(button(msg('home_enableSite'))).toBeTruthy();
  });

  it('says so when the tab is not a page Overcrypt can work on', async () => {
    await openApp({});
    await waitFor(() => text().includes(msg('home_noSite')), 'no-site note');
  });
});

describe('keys and PFS', () => {
  const status0: PrekeyStatus = { onServer: 37, target: 100, signedPrekeyCreatedAt: Date.UTC(2026, 10, 20, 9) };

  it('shows keys on the directory vs target and the signed prekey age; rotate now shows the result', async () => {
    let release: () => void = () => undefined;
    const { fake } = await openApp(
      {
        'prekeys/status': () => status0,
        'prekeys/rotate': () => new Promise((r) => (release = () => r({ onServer: 100, target: 100, signedPrekeyCreatedAt: Date.UTC(2026, 10, 25, 9) }))),
        'settings/get': () => settingsView(),
      },
      {},
      'keys',
    );
    await waitFor(() => text().includes(msg('keys_onServer', 37, 100)), 'count');
    expect(text()).toContain(msg('keys_signedPrekeyAge', msg('time_daysAgo', 5)));
    await click(button(msg('keys_rotateNow')));
    expect(text()).toContain(msg('keys_rotating'));
    expect(button(msg('keys_rotateNow')).disabled).toBe(true);
    release();
    await waitFor(() => text().includes(msg('keys_rotated', 100, 100)), 'rotation result');
    expect(fake.callsOf('prekeys/rotate')).toHaveLength(1);
    expect((document.getElementById('prekey-meter') as HTMLMeterElement).getAttribute('value')).toBe('100');
  });

  it('saves a new target; a policy-fixed target is disabled with the reason and has no save button', async () => {
    const { fake } = await openApp(
      { 'prekeys/status': () => status0, 'settings/get': () => settingsView(), 'settings/set': (r) => settingsView([], { prekeyTarget: r.patch.prekeyTarget! }) },
      {},
      'keys',
    );
    const input = await waitFor(() => byLabel(msg('keys_targetLabel')), 'target input');
    await type(input, '5');
    expect(text()).toContain(msg('keys_targetRange'));
    expect(button(msg('common_save')).disabled).toBe(true);
    await type(input, '150');
    await click(button(msg('common_save')));
    await waitFor(() => fake.callsOf('settings/set').length === 1, 'settings/set');
    expect(fake.callsOf('settings/set')[0]!.patch).toEqual({ prekeyTarget: 150 });

    unmount();
    await openApp({ 'prekeys/status': () => status0, 'settings/get': () => settingsView(['prekeyTarget'], { prekeyTarget: 250 }) }, {}, 'keys');
    const locked = await waitFor(() => byLabel(msg('keys_targetLabel')), 'locked target');
    expect(locked.disabled).toBe(true);
    expect(locked.value).toBe('250');
    expect(text()).toContain('why prekeyTarget is locked'); // the worker's reason (SettingsView.lockedReasons)
    expect(queryButton(msg('common_save'))).toBeUndefined();
  });
});

describe('devices', () => {
  const devices: DeviceView[] = [
    { cardId: 'a'.repeat(64), identity: 'alice@irc.test', fingerprint: '1111222233334444', createdAt: Date.UTC(2026, 0, 2), thisDevice: true },
    { cardId: 'b'.repeat(64), identity: 'alice@irc.test', fingerprint: '5555666677778888', createdAt: Date.UTC(2026, 5, 2) },
  ];

  it('marks this device, revokes another only after a confirmation that explains it', async () => {
    const { fake } = await openApp({ 'devices/list': () => devices, 'devices/revoke': () => [devices[0]!] }, {}, 'devices');
    await waitFor(() => document.querySelectorAll('[data-testid=device]').length === 2, 'two devices');
    const rows = Array.from(document.querySelectorAll('[data-testid=device]'));
    expect(text(rows[0]!)).toContain(msg('devices_thisDevice'));
    expect(queryButton(msg('devices_revoke'), rows[0]!)).toBeUndefined();

    await click(button(msg('devices_revokeLabel', '5555 6666 7777 8888')));
    expect(text()).toContain(msg('devices_confirmExplain'));
    await click(button(msg('common_cancel')));
    expect(fake.callsOf('devices/revoke')).toHaveLength(0);
    expect(document.querySelector('[role=alertdialog]')).toBeNull();

    await click(button(msg('devices_revokeLabel', '5555 6666 7777 8888')));
    await click(button(msg('devices_confirmRevoke')));
    await waitFor(() => document.querySelectorAll('[data-testid=device]').length === 1, 'one device left');
    expect(fake.callsOf('devices/revoke')).toEqual([{ type: 'devices/revoke', cardId: 'b'.repeat(64) }]);
    expect(text()).toContain(msg('devices_revoked', '5555 6666 7777 8888'));
  });

  it('keeps the confirmation open and shows the error when revoking fails', async () => {
    await openApp(
      { 'devices/list': () => devices, 'devices/revoke': () => { throw new OvercryptError(ErrorCode.Network, 'directory timeout'); } },
      {},
      'devices',
    );
    await click(await waitFor(() => queryButton(msg('devices_revokeLabel', '5555 6666 7777 8888')), 'revoke'));
    await click(button(msg('devices_confirmRevoke')));
    await waitFor(() => text().includes('Network: directory timeout'), 'error');
    expect(text()).toContain(msg('error_Network'));
    expect(document.querySelector('[role=alertdialog]')).not.toBeNull();
  });
});

describe('contacts', () => {
  const dev = (id: string, approved?: boolean): DeviceView => ({
    cardId: id.repeat(64).slice(0, 64), identity: 'x', fingerprint: `${id}${id}${id}${id}`.repeat(4).slice(0, 16), createdAt: Date.UTC(2026, 3, 1), approved,
  });
  const contacts: ContactView[] = [
    { identity: 'carol@irc.test', state: 'verified', devices: [dev('c')], firstSeenAt: Date.UTC(2026, 1, 1), verifiedAt: Date.UTC(2026, 1, 2) },
    { identity: 'dave@irc.test', state: 'firstSeen', devices: [dev('d', true), dev('e', false)], firstSeenAt: Date.UTC(2026, 1, 1) },
    { identity: 'bob@irc.test', state: 'keyChanged', devices: [dev('b')], firstSeenAt: Date.UTC(2026, 1, 1) },
  ];
  const digits = '123456789012345678901234567890098765432109876543210987654321';

  it('lists key changes first and loudly, counts new devices, and shows states', async () => {
    await openApp({ 'contacts/list': () => contacts }, {}, 'contacts');
    await waitFor(() => document.querySelectorAll('[data-testid=contact]').length === 3, 'contacts');
    const rows = Array.from(document.querySelectorAll('[data-testid=contact]'));
    expect(text(rows[0]!)).toContain('bob@irc.test');
    expect(rows[0]!.classList.contains('alarm')).toBe(true);
    expect(text(rows[0]!)).toContain(msg('trust_keyChanged'));
    expect(text(rows[1]!)).toContain('dave@irc.test');
    expect(text(rows[1]!)).toContain(msg('contacts_newDevices', 1));
    expect(text(rows[2]!)).toContain(msg('trust_verified'));
  });

  it('shows the safety number in 12 groups of 5 with a QR code, and marks the contact verified', async () => {
    const { fake } = await openApp(
      {
        'contacts/list': () => contacts,
        'contacts/safetyNumber': () => ({ digits, qrPayload: 'OCSN1:AAAA' }),
        'contacts/verify': (r) => ({ ...contacts[1]!, state: r.verified ? 'verified' : 'firstSeen', verifiedAt: Date.UTC(2026, 10, 25) }),
      },
      {},
      'contacts',
    );
    await click(await waitFor(() => queryButton(msg('contacts_open', 'dave@irc.test')), 'dave'));
    const groups = await waitFor(() => {
      const g = Array.from(document.querySelectorAll('[data-testid=safety-digits] .digit-group'));
      return g.length ? g.map((x) => x.textContent) : undefined;
    }, 'digits');
    expect(groups).toHaveLength(12);
    expect(groups.every((g) => /^\d{5}$/.test(g ?? ''))).toBe(true);
    expect(groups.join('')).toBe(digits);
    const qr = document.querySelector('svg.qr')!;
    expect(qr.getAttribute('aria-label')).toBe(msg('contacts_qrLabel', 'dave@irc.test'));
    expect(qr.querySelector('path')!.getAttribute('d')!.length).toBeGreaterThan(100);
    expect(text()).toContain(msg('contacts_newDevice'));

    await click(button(msg('contacts_markVerified')));
    await waitFor(() => text().includes(msg('contacts_nowVerified', 'dave@irc.test')), 'verified');
    expect(fake.callsOf('contacts/verify')).toEqual([{ type: 'contacts/verify', identity: 'dave@irc.test', verified: true }]);
    expect(queryButton(msg('contacts_unverify'))).toBeDefined();
  });

  it("lists a contact's device the worker marks new (isNew) as new, with when it was first seen; dates the key change", async () => {
    const seen = Date.UTC(2026, 10, 20);
    const changed = Date.UTC(2026, 10, 24);
    const list: ContactView[] = [
      { identity: 'erin@irc.test', state: 'verified', devices: [dev('f'), { ...dev('g'), firstSeenAt: seen, isNew: true }], firstSeenAt: Date.UTC(2026, 1, 1), verifiedAt: Date.UTC(2026, 1, 2) },
      { identity: 'bob@irc.test', state: 'keyChanged', devices: [], firstSeenAt: Date.UTC(2026, 1, 1), keyChangedAt: changed },
    ];
    await openApp({ 'contacts/list': () => list, 'contacts/safetyNumber': () => ({ digits, qrPayload: 'OCSN1:CCCC' }) }, {}, 'contacts');
    await waitFor(() => document.querySelectorAll('[data-testid=contact]').length === 2, 'contacts');
    const erin = Array.from(document.querySelectorAll('[data-testid=contact]')).find((r) => text(r).includes('erin@irc.test'))!;
    expect(text(erin)).toContain(msg('contacts_newDevices', 1));
    await click(button(msg('contacts_open', 'erin@irc.test')));
    await waitFor(() => document.querySelector('[data-testid=safety-digits]'), 'digits');
    expect(text()).toContain(msg('contacts_newDevice'));
    expect(text()).toContain(msg('contacts_deviceFirstSeen', formatDate(seen)));
    await click(button(`← ${msg('contacts_back')}`));
    await click(await waitFor(() => queryButton(msg('contacts_open', 'bob@irc.test')), 'bob'));
    await waitFor(() => text().includes(msg('contacts_keyChangedOn', formatDate(changed))), 'key change date');
  });

  it('explains a key change and offers to verify again', async () => {
    const { fake } = await openApp(
      {
        'contacts/list': () => contacts,
        'contacts/safetyNumber': () => ({ digits, qrPayload: 'OCSN1:BBBB' }),
        'contacts/verify': () => ({ ...contacts[2]!, state: 'verified' }),
      },
      {},
      'contacts',
    );
    await click(await waitFor(() => queryButton(msg('contacts_open', 'bob@irc.test')), 'bob'));
    await waitFor(() => document.querySelector('[data-testid=safety-digits]'), 'digits');
    expect(text()).toContain(msg('contacts_changedTitle', 'bob@irc.test'));
    expect(text()).toContain(msg('contacts_changedExplain'));
    await click(button(msg('contacts_reverify')));
    await waitFor(() => fake.callsOf('contacts/verify').length === 1, 'verify call');
    await click(button(`← ${msg('contacts_back')}`));
    await waitFor(() => document.querySelectorAll('[data-testid=contact]').length === 3, 'list again');
  });
});

describe('backup', () => {
  it('creates a backup after checking the two passwords match', async () => {
    const { fake } = await openApp(
      {
        'backup/status': () => ({ exists: false, allowed: true, orgBackup: true }),
        'backup/create': () => ({ exists: true, allowed: true, orgBackup: true, version: '1' }),
      },
      {},
      'backup',
    );
    await waitFor(() => text().includes(msg('backup_none')), 'state');
    expect(text()).toContain(msg('backup_orgBackup'));
    await type(byLabel(msg('backup_password')), 'long backup pw');
    await type(byLabel(msg('backup_passwordConfirm')), 'long backup pX');
    await click(button(msg('backup_create')));
    expect(text()).toContain(msg('password_mismatch'));
    expect(fake.callsOf('backup/create')).toHaveLength(0);
    await type(byLabel(msg('backup_passwordConfirm')), 'long backup pw');
    await click(button(msg('backup_create')));
    await waitFor(() => text().includes(msg('backup_created')), 'created');
    expect(fake.callsOf('backup/create')).toEqual([{ type: 'backup/create', backupPassword: 'long backup pw' }]);
    expect(queryButton(msg('backup_changeButton'))).toBeDefined();
  });

  it('changes the backup password; a wrong old password shows the error', async () => {
    const { fake } = await openApp(
      {
        'backup/status': () => ({ exists: true, allowed: true, orgBackup: false, version: '3' }),
        'backup/changePassword': (r) => {
          if (r.oldPassword !== 'old password 1') throw new OvercryptError(ErrorCode.WrongPassword, 'backup did not open');
          return { exists: true, allowed: true, orgBackup: false, version: '4' };
        },
      },
      {},
      'backup',
    );
    await waitFor(() => queryButton(msg('backup_changeButton')), 'change form');
    await type(byLabel(msg('backup_oldPassword')), 'wrong');
    await type(byLabel(msg('backup_newPassword')), 'new password 22');
    await type(byLabel(msg('backup_passwordConfirm')), 'new password 22');
    await click(button(msg('backup_changeButton')));
    await waitFor(() => text().includes('WrongPassword: backup did not open'), 'error');
    await type(byLabel(msg('backup_oldPassword')), 'old password 1');
    await click(button(msg('backup_changeButton')));
    await waitFor(() => text().includes(msg('backup_passwordChanged')), 'changed');
    expect(fake.callsOf('backup/changePassword').at(-1)).toEqual({ type: 'backup/changePassword', oldPassword: 'old password 1', newPassword: 'new password 22' });
  });

  it('shows that policy forbids backups and offers no form', async () => {
    await openApp({ 'backup/status': () => ({ exists: false, allowed: false, orgBackup: false }) }, {}, 'backup');
    await waitFor(() => text().includes(msg('backup_forbidden')), 'policy note');
    expect(queryButton(msg('backup_create'))).toBeUndefined();
  });
});

describe('sites', () => {
  const sites: SiteView[] = [
    { host: 'chat.corp.test', enabled: true, mode: 'forward-secret', locked: true, lockedReason: 'Enabled by Corp IT', adapterId: 'thelounge' },
    { host: 'mail.test', enabled: true, mode: 'card', locked: false },
  ];

  it('shows policy entries locked with their reason; toggles the others', async () => {
    const { fake } = await openApp({ 'sites/list': () => sites, 'sites/toggle': (r) => sites.map((s) => (s.host === r.host ? { ...s, enabled: r.enabled } : s)) }, {}, 'sites');
    const lockedSwitch = await waitFor(() => byLabel('chat.corp.test'), 'locked site');
    expect(lockedSwitch.disabled).toBe(true);
    expect(text()).toContain('Enabled by Corp IT');
    const mail = byLabel('mail.test');
    expect(mail.disabled).toBe(false);
    await click(mail);
    await waitFor(() => fake.callsOf('sites/toggle').length === 1, 'toggle');
    expect(fake.callsOf('sites/toggle')[0]).toEqual({ type: 'sites/toggle', host: 'mail.test', enabled: false });
  });

  it('adds the current site after the browser grants access; a refusal shows why and changes nothing', async () => {
    let grant = false;
    const requestHostPermission = vi.fn(async () => grant);
    const { fake } = await openApp(
      { 'sites/list': () => sites, 'sites/toggle': (r) => [...sites, { host: r.host, enabled: true, mode: 'card', locked: false }] },
      { currentTab: async () => ({ host: 'new.example:8443', scheme: 'https' as const }), requestHostPermission },
      'sites',
    );
    await click(await waitFor(() => queryButton(msg('sites_addCurrent', 'new.example:8443')), 'add button'));
    await waitFor(() => text().includes(msg('sites_permissionDenied', 'new.example:8443')), 'denied');
    expect(fake.callsOf('sites/toggle')).toHaveLength(0);
    grant = true;
    await click(button(msg('sites_addCurrent', 'new.example:8443')));
    await waitFor(() => text().includes(msg('sites_added', 'new.example:8443')), 'added');
    expect(requestHostPermission).toHaveBeenCalledWith('new.example:8443', 'https');
    expect(fake.callsOf('sites/toggle')).toEqual([{ type: 'sites/toggle', host: 'new.example:8443', enabled: true }]);
  });
});

describe('log out', () => {
  it('without a backup, requires the user to confirm the loss; passes revokeCard as chosen; then shows set-up', async () => {
    let wiped = false;
    const { fake } = await openApp(
      {
        'status/get': () => (wiped ? status({ registered: false, locked: true, identity: undefined }) : status()),
        'settings/get': () => settingsView(),
        'backup/status': () => ({ exists: false, allowed: true, orgBackup: false }),
        'account/logout': () => ((wiped = true), { wiped: true as const }),
      },
      {},
      'account',
    );
    await click(await waitFor(() => queryButton(msg('logout_start')), 'logout'));
    await waitFor(() => text().includes(msg('logout_noBackupTitle')), 'no-backup warning');
    expect(text()).toContain(msg('logout_noBackupExplain'));
    expect(button(msg('logout_confirm')).disabled).toBe(true);
    await click(byLabel(msg('logout_understand')));
    await click(byLabel(msg('logout_revoke')));
    await click(button(msg('logout_confirm')));
    await waitFor(() => text().includes(msg('logout_done')), 'done');
    expect(queryButton(msg('welcome_setup'))).toBeDefined();
    expect(queryButton(msg('tab_keys'))).toBeUndefined();
    expect(fake.callsOf('account/logout')).toEqual([{ type: 'account/logout', revokeCard: true, confirmWithoutBackup: true }]);
  });

  it('with a backup, logs out without the extra confirmation', async () => {
    let wiped = false;
    const { fake } = await openApp(
      {
        'status/get': () => (wiped ? status({ registered: false, locked: true, identity: undefined }) : status()),
        'settings/get': () => settingsView(),
        'backup/status': () => ({ exists: true, allowed: true, orgBackup: false }),
        'account/logout': () => ((wiped = true), { wiped: true as const }),
      },
      {},
      'account',
    );
    await click(await waitFor(() => queryButton(msg('logout_start')), 'logout'));
    await waitFor(() => text().includes(msg('logout_backupOk')), 'backup ok');
    await click(button(msg('logout_confirm')));
    await waitFor(() => text().includes(msg('logout_done')), 'done');
    expect(fake.callsOf('account/logout')).toEqual([{ type: 'account/logout', revokeCard: false }]);
  });

  it('auto-lock minutes are locked when policy sets them', async () => {
    await openApp({ 'settings/get': () => settingsView(['autoLockMinutes'], { autoLockMinutes: 5 }) }, {}, 'account');
    const input = await waitFor(() => byLabel(msg('account_autoLockLabel')), 'auto-lock');
    expect(input.disabled).toBe(true);
    expect(input.value).toBe('5');
  });
});

describe('labels', () => {
  it('every control on every screen has an accessible name', async () => {
    const handlers: Handlers = {
      'page/status': () => ({ siteEnabled: false, siteLocked: false, mode: 'card', modeLocked: false, encryptionOn: false, locked: false, registered: true, warnings: [] }),
      'sites/list': () => [{ host: 'a.test', enabled: true, mode: 'card', locked: false }],
      'prekeys/status': () => ({ onServer: 1, target: 100, signedPrekeyCreatedAt: null }),
      'settings/get': () => settingsView(),
      'devices/list': () => [{ cardId: 'a'.repeat(64), identity: 'a', fingerprint: '1234', createdAt: 0 }],
      'contacts/list': () => [{ identity: 'b@x', state: 'firstSeen', devices: [], firstSeenAt: 0 }],
      'backup/status': () => ({ exists: true, allowed: true, orgBackup: false }),
    };
    for (const screen of ['keys', 'devices', 'contacts', 'backup', 'sites', 'account'] as const) {
      await openApp(handlers, { currentTab: async () => ({ host: 'a.test', scheme: 'https' as const }) }, screen);
      await waitFor(() => !document.querySelector('.spinner'), `${screen} loaded`);
      expect(unlabelledControls(), screen).toEqual([]);
      unmount();
    }
  });
});
