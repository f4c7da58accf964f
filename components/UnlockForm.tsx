/**
 * The answer to `Locked`: one passphrase field. The passphrase goes to the worker only (never stored here).
 * A forgotten passphrase must not trap the user: "Forgot it?" explains the way out (wipe this browser, then
 * restore from the backup) and does it after an explicit confirmation.
 */
import { useState } from 'preact/hooks';
import type { Status } from '../lib/api';
import { useUi } from './context';
import { useAction } from './hooks';
import { t } from './i18n';
import { Checkbox, TextField } from './ui/controls';
import { ErrorNotice } from './ui/ErrorNotice';

export function UnlockForm(props: { identity?: string; onUnlocked: (s: Status) => void; onWiped?: () => void }) {
  const { api } = useUi();
  const [passphrase, setPassphrase] = useState('');
  const [forgot, setForgot] = useState(false);
  const unlock = useAction((p: string) => api.call({ type: 'vault/unlock', passphrase: p }));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!passphrase) return;
    const s = await unlock.run(passphrase);
    setPassphrase('');
    if (s) props.onUnlocked(s);
  };
  return (
    <div>
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
        <div class="buttons">
          <button type="submit" class="primary" disabled={unlock.busy || !passphrase}>
            {unlock.busy ? t('unlock_busy') : t('unlock_button')}
          </button>
          {!forgot && (
            <button type="button" class="link" onClick={() => setForgot(true)}>
              {t('unlock_forgot')}
            </button>
          )}
        </div>
      </form>
      {forgot && <ForgotPassphrase onCancel={() => setForgot(false)} onWiped={props.onWiped} />}
    </div>
  );
}

function ForgotPassphrase(props: { onCancel: () => void; onWiped?: () => void }) {
  const { api } = useUi();
  const [understood, setUnderstood] = useState(false);
  const wipe = useAction(() => api.call({ type: 'account/logout', revokeCard: false, confirmWithoutBackup: true }));
  return (
    <div class="confirm" role="alertdialog" aria-labelledby="forgot-title" aria-describedby="forgot-explain">
      <h3 id="forgot-title">{t('unlock_forgotTitle')}</h3>
      <p id="forgot-explain">{t('unlock_forgotExplain')}</p>
      <Checkbox label={t('unlock_forgotUnderstand')} checked={understood} onChange={setUnderstood} />
      <ErrorNotice error={wipe.error} />
      <div class="buttons">
        <button
          type="button"
          class="danger"
          disabled={!understood || wipe.busy}
          onClick={async () => {
            if (await wipe.run()) props.onWiped?.();
          }}
        >
          {t('unlock_forgotWipe')}
        </button>
        <button type="button" onClick={props.onCancel} disabled={wipe.busy}>
          {t('common_cancel')}
        </button>
      </div>
    </div>
  );
}
