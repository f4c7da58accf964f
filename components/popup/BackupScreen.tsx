/** Key backup: its state (and the organisation's), create, change its password, how to restore. */
import { useState } from 'preact/hooks';
import { useUi } from '../context';
import { useLoad } from '../hooks';
import { t } from '../i18n';
import { CreateBackupForm, MIN_BACKUP_PASSWORD } from '../BackupForm';
import { Badge, PolicyNote, Section, Spinner, Success } from '../ui/controls';
import { ErrorNotice } from '../ui/ErrorNotice';
import { ChangeSecretForm } from '../ChangeSecretForm';

export function BackupScreen() {
  const { api } = useUi();
  const status = useLoad(() => api.call({ type: 'backup/status' }));
  const [done, setDone] = useState<string | undefined>(undefined);
  const s = status.data;
  return (
    <div class="screen">
      <Section title={t('backup_title')}>
        {status.loading && !s && <Spinner label={t('common_loading')} />}
        <ErrorNotice error={status.error} />
        {s && (
          <>
            <p data-testid="backup-state">
              {s.exists ? <Badge kind="ok">{t('backup_exists')}</Badge> : <Badge kind="warn">{t('backup_none')}</Badge>}
              {s.exists && s.version && <span class="hint"> {t('backup_version', s.version)}</span>}
            </p>
            <p class="hint">{s.exists ? t('backup_existsExplain') : t('backup_noneExplain')}</p>
            {s.orgBackup && <p class="notice notice-info">{t('backup_orgBackup')}</p>}
            {!s.allowed && <PolicyNote reason={t('backup_forbidden')} />}
          </>
        )}
        {done && <Success>{done}</Success>}
      </Section>
      {s?.allowed && !s.exists && (
        <Section title={t('backup_createTitle')}>
          <CreateBackupForm onCreated={(n) => (status.set(n), setDone(t('backup_created')))} />
        </Section>
      )}
      {s?.allowed && s.exists && <ChangePassword onChanged={(n) => (status.set(n), setDone(t('backup_passwordChanged')))} />}
      <Section title={t('backup_restoreTitle')}>
        <p class="hint">{t('backup_restoreExplain')}</p>
      </Section>
    </div>
  );
}

function ChangePassword(props: { onChanged: (s: import('../../lib/api').BackupStatus) => void }) {
  const { api } = useUi();
  return (
    <Section title={t('backup_changeTitle')}>
      <ChangeSecretForm
        labels={{ old: t('backup_oldPassword'), new: t('backup_newPassword'), confirm: t('backup_passwordConfirm'), submit: t('backup_changeButton') }}
        minLength={MIN_BACKUP_PASSWORD}
        change={(o, n) => api.call({ type: 'backup/changePassword', oldPassword: o, newPassword: n })}
        onChanged={props.onChanged}
      />
    </Section>
  );
}
