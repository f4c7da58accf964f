/**
 * Account: auto-lock, change the local passphrase, log out. Logging out explains that without a backup old
 * messages become unreadable, checks whether a backup exists (and makes the user confirm if not), wipes this
 * browser's keys, sessions and caches, and optionally revokes this device's card.
 */
import { useEffect, useState } from 'preact/hooks';
import type { SettingsView, Status } from '../../lib/api';
import { useUi } from '../context';
import { useAction, useLoad } from '../hooks';
import { t } from '../i18n';
import { Badge, Checkbox, Section, Spinner, TextField } from '../ui/controls';
import { ErrorNotice } from '../ui/ErrorNotice';
import { ChangeSecretForm } from '../ChangeSecretForm';

export const MIN_PASSPHRASE = 8;

export function AccountScreen(props: { status: Status; onStatus: (s: Status) => void; onLoggedOut: () => void }) {
  const { api } = useUi();
  const settings = useLoad(() => api.call({ type: 'settings/get' }));
  return (
    <div class="screen">
      <p class="mono wrap">{props.status.identity}</p>
      {settings.data && <AutoLock settings={settings.data} onSaved={settings.set} />}
      <ErrorNotice error={settings.error} />
      <ChangePassphrase onChanged={props.onStatus} />
      <Logout onLoggedOut={props.onLoggedOut} />
    </div>
  );
}

function AutoLock(props: { settings: SettingsView; onSaved: (s: SettingsView) => void }) {
  const { api } = useUi();
  const locked = props.settings.locked.includes('autoLockMinutes');
  const current = props.settings.effective.autoLockMinutes;
  const [value, setValue] = useState(String(current));
  useEffect(() => setValue(String(current)), [current]);
  const save = useAction(async (n: number) => props.onSaved(await api.call({ type: 'settings/set', patch: { autoLockMinutes: n } })));
  const n = Number(value);
  const invalid = !Number.isInteger(n) || n < 1 || n > 1440 ? t('account_autoLockRange') : undefined;
  return (
    <Section title={t('account_autoLock')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!invalid && !locked) void save.run(n);
        }}
      >
        <TextField
          label={t('account_autoLockLabel')}
          type="number"
          min={1}
          max={1440}
          value={value}
          onInput={setValue}
          lockedReason={locked ? (props.settings.lockedReasons?.autoLockMinutes ?? t('policy_lockedReason')) : undefined}
          invalid={locked ? undefined : invalid}
        />
        {!locked && (
          <button type="submit" disabled={save.busy || !!invalid || n === current}>
            {t('common_save')}
          </button>
        )}
        <ErrorNotice error={save.error} />
      </form>
    </Section>
  );
}

function ChangePassphrase(props: { onChanged: (s: Status) => void }) {
  const { api } = useUi();
  return (
    <Section title={t('account_passphraseTitle')}>
      <ChangeSecretForm
        labels={{
          old: t('account_oldPassphrase'),
          new: t('account_newPassphrase'),
          confirm: t('account_confirmPassphrase'),
          submit: t('account_changePassphrase'),
          changed: t('account_passphraseChanged'),
        }}
        minLength={MIN_PASSPHRASE}
        change={(o, n) => api.call({ type: 'vault/changePassphrase', oldPassphrase: o, newPassphrase: n })}
        onChanged={props.onChanged}
      />
    </Section>
  );
}

function Logout(props: { onLoggedOut: () => void }) {
  const { api } = useUi();
  const [open, setOpen] = useState(false);
  const [revoke, setRevoke] = useState(false);
  const [understood, setUnderstood] = useState(false);
  const backup = useLoad(() => (open ? api.call({ type: 'backup/status' }) : Promise.resolve(undefined)), [open]);
  const logout = useAction(async () => {
    const noBackup = backup.data ? !backup.data.exists : true;
    await api.call({ type: 'account/logout', revokeCard: revoke, ...(noBackup ? { confirmWithoutBackup: understood } : {}) });
    props.onLoggedOut();
  });
  const hasBackup = backup.data?.exists === true;
  return (
    <Section title={t('logout_title')}>
      <p class="hint">{t('logout_explain')}</p>
      {!open ? (
        <button type="button" class="danger" onClick={() => setOpen(true)}>
          {t('logout_start')}
        </button>
      ) : (
        <div class="confirm" role="alertdialog" aria-labelledby="logout-confirm-title">
          <h3 id="logout-confirm-title">{t('logout_confirmTitle')}</h3>
          {backup.loading && <Spinner label={t('logout_checkingBackup')} />}
          <ErrorNotice error={backup.error} />
          {backup.data && hasBackup && (
            <p>
              <Badge kind="ok">{t('backup_exists')}</Badge> {t('logout_backupOk')}
            </p>
          )}
          {backup.data && !hasBackup && (
            <div class="notice notice-danger" role="alert">
              <p class="notice-title">{t('logout_noBackupTitle')}</p>
              <p>{t('logout_noBackupExplain')}</p>
              <Checkbox label={t('logout_understand')} checked={understood} onChange={setUnderstood} />
            </div>
          )}
          <Checkbox label={t('logout_revoke')} checked={revoke} onChange={setRevoke} hint={t('logout_revokeHint')} />
          <ErrorNotice error={logout.error} />
          <div class="buttons">
            <button
              type="button"
              class="danger"
              disabled={logout.busy || !backup.data || (!hasBackup && !understood)}
              onClick={() => void logout.run()}
            >
              {logout.busy ? t('logout_busy') : t('logout_confirm')}
            </button>
            <button type="button" onClick={() => setOpen(false)} disabled={logout.busy}>
              {t('common_cancel')}
            </button>
          </div>
        </div>
      )}
    </Section>
  );
}
