/** My device cards; revoking another device after a confirmation that says what revoking means. */
import { useState } from 'preact/hooks';
import type { DeviceView } from '../../lib/api';
import { useUi } from '../context';
import { useAction, useLoad } from '../hooks';
import { t } from '../i18n';
import { formatDate, spacedFingerprint } from '../format';
import { Badge, Section, Spinner, Success } from '../ui/controls';
import { ErrorNotice } from '../ui/ErrorNotice';

export function DevicesScreen() {
  const { api } = useUi();
  const devices = useLoad(() => api.call({ type: 'devices/list' }));
  const [confirming, setConfirming] = useState<DeviceView | undefined>(undefined);
  const [revoked, setRevoked] = useState<string | undefined>(undefined);
  const revoke = useAction(async (d: DeviceView) => {
    const list = await api.call({ type: 'devices/revoke', cardId: d.cardId });
    devices.set(list);
    setConfirming(undefined);
    setRevoked(d.fingerprint);
  });
  return (
    <div class="screen">
      <Section title={t('devices_title')}>
        <p class="hint">{t('devices_explain')}</p>
        {devices.loading && !devices.data && <Spinner label={t('common_loading')} />}
        <ErrorNotice error={devices.error} />
        {revoked && <Success>{t('devices_revoked', spacedFingerprint(revoked))}</Success>}
        <ul class="list">
          {devices.data?.map((d) => (
            <li key={d.cardId} class="list-item" data-testid="device">
              <div class="grow">
                <div>
                  <span class="mono">{spacedFingerprint(d.fingerprint)}</span>{' '}
                  {d.thisDevice && <Badge kind="info">{t('devices_thisDevice')}</Badge>}
                </div>
                <div class="hint">{t('devices_added', formatDate(d.createdAt))}</div>
              </div>
              {!d.thisDevice && (
                <button
                  type="button"
                  class="danger small"
                  onClick={() => (setConfirming(d), revoke.clearError())}
                  aria-label={t('devices_revokeLabel', spacedFingerprint(d.fingerprint))}
                >
                  {t('devices_revoke')}
                </button>
              )}
            </li>
          ))}
        </ul>
      </Section>
      {confirming && (
        <div class="confirm" role="alertdialog" aria-labelledby="revoke-title" aria-describedby="revoke-explain">
          <h3 id="revoke-title">{t('devices_confirmTitle', spacedFingerprint(confirming.fingerprint))}</h3>
          <p id="revoke-explain">{t('devices_confirmExplain')}</p>
          <ErrorNotice error={revoke.error} />
          <div class="buttons">
            <button type="button" class="danger" onClick={() => void revoke.run(confirming)} disabled={revoke.busy}>
              {revoke.busy ? t('devices_revoking') : t('devices_confirmRevoke')}
            </button>
            <button type="button" onClick={() => setConfirming(undefined)} disabled={revoke.busy} autoFocus>
              {t('common_cancel')}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
