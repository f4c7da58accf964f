/** Key backup: its state (and the organisation's), create, change its password, how to restore. */
import { useState } from 'preact/hooks';
import { useUi } from '../context';
import { useAction, useLoad } from '../hooks';
import { t } from '../i18n';
import { CreateBackupForm, MIN_BACKUP_PASSWORD } from '../BackupForm';
import { Badge, PolicyNote, passwordProblem, Section, Spinner, Success, TextField } from '../ui/controls';
import { ErrorNotice } from '../ui/ErrorNotice';

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
  const [oldPw, setOld] = useState('');
  const [pw, setPw] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);
  const change = useAction((o: string, n: string) => api.call({ type: 'backup/changePassword', oldPassword: o, newPassword: n }));
  const problem = passwordProblem(pw, confirm, MIN_BACKUP_PASSWORD);
  return (
    <Section title={t('backup_changeTitle')}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setTouched(true);
          if (problem || !oldPw) return;
          const s = await change.run(oldPw, pw);
          if (s) {
            setOld('');
            setPw('');
            setConfirm('');
            setTouched(false);
            props.onChanged(s);
          }
        }}
      >
        <TextField label={t('backup_oldPassword')} type="password" value={oldPw} onInput={setOld} autoComplete="current-password" />
        <TextField label={t('backup_newPassword')} type="password" value={pw} onInput={setPw} autoComplete="new-password" />
        <TextField
          label={t('backup_passwordConfirm')}
          type="password"
          value={confirm}
          onInput={setConfirm}
          autoComplete="new-password"
          invalid={touched ? problem : undefined}
        />
        <ErrorNotice error={change.error} />
        <button type="submit" disabled={change.busy}>
          {t('backup_changeButton')}
        </button>
      </form>
    </Section>
  );
}
