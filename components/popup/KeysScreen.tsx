/**
 * Keys and forward secrecy: how many one-time prekeys wait on the directory against the target, the signed
 * prekey's age, "rotate now", and the target itself (policy may fix it).
 */
import { useEffect, useState } from 'preact/hooks';
import type { PrekeyStatus, SettingsView } from '../../lib/api';
import { useUi } from '../context';
import { useAction, useLoad } from '../hooks';
import { t } from '../i18n';
import { ageInDays } from '../format';
import { Section, Spinner, Success, TextField } from '../ui/controls';
import { ErrorNotice } from '../ui/ErrorNotice';

export function KeysScreen() {
  const { api, env } = useUi();
  const prekeys = useLoad(() => api.call({ type: 'prekeys/status' }));
  const settings = useLoad(() => api.call({ type: 'settings/get' }));
  const [rotated, setRotated] = useState<PrekeyStatus | undefined>(undefined);
  const rotate = useAction(async () => {
    setRotated(undefined);
    const r = await api.call({ type: 'prekeys/rotate' });
    prekeys.set(r);
    setRotated(r);
  });
  const p = prekeys.data;
  return (
    <div class="screen">
      <Section title={t('keys_title')}>
        <p class="hint">{t('keys_explain')}</p>
        {prekeys.loading && !p && <Spinner label={t('common_loading')} />}
        <ErrorNotice error={prekeys.error} />
        {p && (
          <>
            <label class="meter-label" for="prekey-meter">
              {t('keys_onServer', p.onServer, p.target)}
            </label>
            <meter id="prekey-meter" min={0} max={p.target} low={p.target * 0.25} optimum={p.target} value={p.onServer} />
            <p data-testid="signed-prekey-age">
              {p.signedPrekeyCreatedAt === null
                ? t('keys_noSignedPrekey')
                : t('keys_signedPrekeyAge', ageInDays(p.signedPrekeyCreatedAt, env.now()))}
            </p>
          </>
        )}
        <button type="button" class="primary" onClick={() => void rotate.run()} disabled={rotate.busy || !p}>
          {t('keys_rotateNow')}
        </button>
        {rotate.busy && <Spinner label={t('keys_rotating')} />}
        {rotated && <Success>{t('keys_rotated', rotated.onServer, rotated.target)}</Success>}
        <ErrorNotice error={rotate.error} />
      </Section>
      {settings.data && <TargetSetting settings={settings.data} onSaved={(s) => (settings.set(s), prekeys.reload())} />}
      <ErrorNotice error={settings.error} />
    </div>
  );
}

function TargetSetting(props: { settings: SettingsView; onSaved: (s: SettingsView) => void }) {
  const { api } = useUi();
  const locked = props.settings.locked.includes('prekeyTarget');
  const [value, setValue] = useState(String(props.settings.effective.prekeyTarget));
  useEffect(() => setValue(String(props.settings.effective.prekeyTarget)), [props.settings.effective.prekeyTarget]);
  const save = useAction(async (n: number) => props.onSaved(await api.call({ type: 'settings/set', patch: { prekeyTarget: n } })));
  const n = Number(value);
  const invalid = !Number.isInteger(n) || n < 10 || n > 1000 ? t('keys_targetRange') : undefined;
  return (
    <Section title={t('keys_target')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!invalid && !locked) void save.run(n);
        }}
      >
        <TextField
          label={t('keys_targetLabel')}
          type="number"
          min={10}
          max={1000}
          value={value}
          onInput={setValue}
          lockedReason={locked ? (props.settings.lockedReasons?.prekeyTarget ?? t('policy_lockedReason')) : undefined}
          hint={t('keys_targetHint')}
          invalid={locked ? undefined : invalid}
        />
        {!locked && (
          <button type="submit" disabled={save.busy || !!invalid || n === props.settings.effective.prekeyTarget}>
            {t('common_save')}
          </button>
        )}
        <ErrorNotice error={save.error} />
      </form>
    </Section>
  );
}
