/**
 * Create a key backup with a backup password (used by the Backup tab and the first-run backup step).
 * The backup password opens the backup; it never reaches the directory, so it should differ from the account password.
 */
import { useState } from 'preact/hooks';
import type { BackupStatus } from '../lib/api';
import { useUi } from './context';
import { useAction } from './hooks';
import { t } from './i18n';
import { passwordProblem, TextField } from './ui/controls';
import { ErrorNotice } from './ui/ErrorNotice';

export const MIN_BACKUP_PASSWORD = 10;

export function CreateBackupForm(props: { onCreated: (s: BackupStatus) => void; submitLabel?: string }) {
  const { api } = useUi();
  const [pw, setPw] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);
  const create = useAction((p: string) => api.call({ type: 'backup/create', backupPassword: p }));
  const problem = passwordProblem(pw, confirm, MIN_BACKUP_PASSWORD);
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        setTouched(true);
        if (problem) return;
        const s = await create.run(pw);
        if (s) {
          setPw('');
          setConfirm('');
          props.onCreated(s);
        }
      }}
    >
      <p class="hint">{t('backup_passwordExplain')}</p>
      <TextField label={t('backup_password')} type="password" value={pw} onInput={setPw} autoComplete="new-password" />
      <TextField
        label={t('backup_passwordConfirm')}
        type="password"
        value={confirm}
        onInput={setConfirm}
        autoComplete="new-password"
        invalid={touched ? problem : undefined}
      />
      <ErrorNotice error={create.error} />
      <button type="submit" class="primary" disabled={create.busy}>
        {create.busy ? t('backup_creating') : (props.submitLabel ?? t('backup_create'))}
      </button>
    </form>
  );
}
