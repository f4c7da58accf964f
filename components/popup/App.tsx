/**
 * The popup (and its full-tab twin, options.html): status first, then one tab per area.
 * Not registered -> a pointer to the first-run tab. Locked (at start, or any request answers `Locked`) -> unlock.
 */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { ApiClient, Status } from '../../lib/api';
import { UiProvider, type Ui, type UiEnv } from '../context';
import { toOvercryptError } from '../hooks';
import { t } from '../i18n';
import { UnlockForm } from '../UnlockForm';
import { ErrorNotice } from '../ui/ErrorNotice';
import { Spinner } from '../ui/controls';
import { Tabs, type TabDef } from '../ui/Tabs';
import type { OvercryptError } from '../../lib/errors';
import { HomeScreen } from './HomeScreen';
import { KeysScreen } from './KeysScreen';
import { DevicesScreen } from './DevicesScreen';
import { ContactsScreen } from './ContactsScreen';
import { BackupScreen } from './BackupScreen';
import { SitesScreen } from './SitesScreen';
import { AccountScreen } from './AccountScreen';

export type ScreenKey = 'home' | 'keys' | 'devices' | 'contacts' | 'backup' | 'sites' | 'account';

export function App(props: { api: ApiClient; env: UiEnv; layout: 'popup' | 'tab'; initialScreen?: ScreenKey }) {
  const [status, setStatus] = useState<Status | undefined>(undefined);
  const [error, setError] = useState<OvercryptError | undefined>(undefined);
  const [screen, setScreen] = useState<ScreenKey>(props.initialScreen ?? 'home');
  /** Set after a logout or a local wipe: the next screen says it happened. */
  const [wiped, setWiped] = useState(false);

  const refresh = useCallback(() => {
    props.api.call({ type: 'status/get' }).then(
      (s) => {
        setStatus(s);
        setError(undefined);
      },
      (e: unknown) => setError(toOvercryptError(e)),
    );
  }, [props.api]);
  useEffect(refresh, [refresh]);

  // A changed key is loud everywhere: the Contacts tab carries a mark until it is dealt with.
  const ready = !!status?.registered && !status.locked;
  const [changedKeys, setChangedKeys] = useState(0);
  useEffect(() => {
    if (!ready) return;
    props.api.call({ type: 'contacts/list' }).then(
      (list) => setChangedKeys(list.filter((c) => c.state === 'keyChanged').length),
      () => setChangedKeys(0),
    );
  }, [ready, screen, props.api]);

  const onLocked = useCallback(() => setStatus((s) => (s ? { ...s, locked: true } : s)), []);
  const ui: Ui = useMemo(() => ({ api: props.api, env: props.env, onLocked }), [props.api, props.env, onLocked]);

  return (
    <UiProvider value={ui}>
      <div class={`app layout-${props.layout}`}>
        <Header status={status} onLock={() => props.api.call({ type: 'vault/lock' }).then(setStatus, refresh)} />
        <main>{body()}</main>
      </div>
    </UiProvider>
  );

  function afterWipe() {
    setWiped(true);
    setScreen('home');
    refresh();
  }

  function body() {
    if (error && !status) {
      return (
        <div class="card">
          <ErrorNotice error={error} />
          <button type="button" onClick={refresh}>
            {t('common_retry')}
          </button>
        </div>
      );
    }
    if (!status) return <Spinner label={t('common_loading')} />;
    if (!status.registered) return <NotRegistered wiped={wiped} onSetup={() => props.env.openPage('firstrun')} />;
    if (status.locked) return <UnlockForm identity={status.identity} onUnlocked={setStatus} onWiped={afterWipe} />;
    const tabs: TabDef<ScreenKey>[] = [
      { key: 'home', label: t('tab_home') },
      { key: 'keys', label: t('tab_keys') },
      { key: 'devices', label: t('tab_devices') },
      {
        key: 'contacts',
        label: t('tab_contacts'),
        mark:
          changedKeys > 0 ? (
            <span class="tab-mark" role="img" aria-label={t('tab_contactsChanged', changedKeys)}>
              !
            </span>
          ) : undefined,
      },
      { key: 'backup', label: t('tab_backup') },
      { key: 'sites', label: t('tab_sites') },
      { key: 'account', label: t('tab_account') },
    ];
    return (
      <Tabs tabs={tabs} selected={screen} onSelect={setScreen} label={t('tabs_label')}>
        {screen === 'home' && <HomeScreen status={status} onGo={setScreen} />}
        {screen === 'keys' && <KeysScreen />}
        {screen === 'devices' && <DevicesScreen />}
        {screen === 'contacts' && <ContactsScreen />}
        {screen === 'backup' && <BackupScreen />}
        {screen === 'sites' && <SitesScreen />}
        {screen === 'account' && <AccountScreen status={status} onStatus={setStatus} onLoggedOut={afterWipe} />}
      </Tabs>
    );
  }
}

function Header(props: { status: Status | undefined; onLock: () => void }) {
  const s = props.status;
  return (
    <header class="topbar">
      <span class="brand">
        <img src="/icon/32.png" alt="" width={20} height={20} /> Overcrypt
      </span>
      {s?.registered && (
        <span class="topbar-status">
          <span class={s.locked ? 'state state-locked' : 'state state-unlocked'} role="status">
            {s.locked ? t('status_locked') : t('status_unlocked')}
          </span>
          {!s.locked && (
            <button type="button" class="small" onClick={props.onLock}>
              {t('status_lockNow')}
            </button>
          )}
        </span>
      )}
    </header>
  );
}

function NotRegistered(props: { wiped: boolean; onSetup: () => void }) {
  return (
    <div class="card">
      {props.wiped && (
        <p class="notice notice-ok" role="status">
          {t('logout_done')}
        </p>
      )}
      <h2>{t('welcome_title')}</h2>
      <p>{t('welcome_notRegistered')}</p>
      <button type="button" class="primary" onClick={props.onSetup}>
        {t('welcome_setup')}
      </button>
    </div>
  );
}
