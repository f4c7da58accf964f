/** The answer to `Locked`: one passphrase field. The passphrase goes to the worker only (never stored here). */
import { useState } from 'preact/hooks';
import type { Status } from '../lib/api';
import { useUi } from './context';
import { useAction } from './hooks';
import { t } from './i18n';
import { TextField } from './ui/controls';
import { ErrorNotice } from './ui/ErrorNotice';

export function UnlockForm(props: { identity?: string; onUnlocked: (s: Status) => void }) {
  const { api } = useUi();
  const [passphrase, setPassphrase] = useState('');
  const unlock = useAction((p: string) => api.call({ type: 'vault/unlock', passphrase: p }));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!passphrase) return;
    const s = await unlock.run(passphrase);
    setPassphrase('');
    if (s) props.onUnlocked(s);
  };
  return (
    <form class="unlock card" onSubmit={submit} aria-labelledby="unlock-title">
      <h2 id="unlock-title">{t('unlock_title')}</h2>
      <p>{props.identity ? t('unlock_explainFor', props.identity) : t('unlock_explain')}</p>
      <TextField
        label={t('unlock_passphrase')}
        type="password"
        value={passphrase}
        onInput={setPassphrase}
        autoComplete="current-password"
        autoFocus
        required
      />
      <ErrorNotice error={unlock.error} />
      <button type="submit" class="primary" disabled={unlock.busy || !passphrase}>
        {unlock.busy ? t('unlock_busy') : t('unlock_button')}
      </button>
    </form>
  );
}
