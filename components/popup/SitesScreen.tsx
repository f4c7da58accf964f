/** Sites Overcrypt works on: enable/disable, mode, add the current site (generic adapter); policy entries locked. */
import { useState } from 'preact/hooks';
import type { EncryptionMode, SiteView } from '../../lib/api';
import { ErrorCode, OvercryptError } from '../../lib/errors';
import { useUi } from '../context';
import { useAction, useLoad } from '../hooks';
import { t } from '../i18n';
import { Badge, LockMark, Section, Spinner, Success } from '../ui/controls';
import { ErrorNotice } from '../ui/ErrorNotice';

export function SitesScreen() {
  const { api, env } = useUi();
  const sites = useLoad(() => api.call({ type: 'sites/list' }));
  const tab = useLoad(() => env.currentTab());
  const [added, setAdded] = useState<string | undefined>(undefined);
  const toggle = useAction(async (host: string, enabled: boolean, mode?: EncryptionMode) => {
    // Sites in the list were granted when added; https is the safe guess for one whose scheme we do not see.
    const scheme = tab.data?.host === host ? tab.data.scheme : 'https';
    if (enabled && !(await env.requestHostPermission(host, scheme))) throw permissionDenied(host);
    sites.set(await api.call({ type: 'sites/toggle', host, enabled, ...(mode ? { mode } : {}) }));
    return true;
  });
  const host = tab.data?.host;
  const known = host ? sites.data?.find((s) => s.host === host) : undefined;
  return (
    <div class="screen">
      <Section title={t('sites_title')}>
        <p class="hint">{t('sites_explain')}</p>
        {sites.loading && !sites.data && <Spinner label={t('common_loading')} />}
        <ErrorNotice error={sites.error ?? toggle.error} />
        {added && <Success>{t('sites_added', added)}</Success>}
        {sites.data && sites.data.length === 0 && <p class="hint">{t('sites_empty')}</p>}
        <ul class="list">
          {sites.data?.map((s) => (
            <SiteRow site={s} busy={toggle.busy} onToggle={(en, mode) => void toggle.run(s.host, en, mode)} />
          ))}
        </ul>
      </Section>
      <Section title={t('sites_currentTitle')}>
        {!host && <p class="hint">{t('home_noSite')}</p>}
        {host && known?.enabled && <p class="hint">{t('sites_currentAlready', host)}</p>}
        {host && !known?.enabled && (
          <button
            type="button"
            class="primary"
            disabled={toggle.busy || known?.locked}
            onClick={async () => {
              if (await toggle.run(host, true)) setAdded(host);
            }}
          >
            {t('sites_addCurrent', host)}
          </button>
        )}
      </Section>
    </div>
  );
}

function permissionDenied(host: string): OvercryptError {
  return new OvercryptError(ErrorCode.Forbidden, t('sites_permissionDenied', host));
}

function SiteRow(props: { site: SiteView; busy: boolean; onToggle: (enabled: boolean, mode?: EncryptionMode) => void }) {
  const s = props.site;
  const reason = s.lockedReason ?? t('policy_lockedReason');
  const id = `site-${s.host.replace(/[^a-z0-9]/gi, '-')}`;
  return (
    <li class="list-item site" data-testid="site">
      <div class="grow">
        <div>
          <label for={`${id}-on`} class="mono wrap">
            {s.host}
          </label>
          {s.locked && <LockMark />}
        </div>
        <div class="hint">
          {t('sites_adapter')} {s.adapterId ? <Badge kind="info">{s.adapterId}</Badge> : t('sites_generic')}
        </div>
        {s.locked && <p class="hint policy-note">{reason}</p>}
        <label class="inline" for={`${id}-mode`}>
          {t('sites_mode')}{' '}
          <select
            id={`${id}-mode`}
            value={s.mode}
            disabled={s.locked || props.busy || !s.enabled}
            onChange={(e) => props.onToggle(s.enabled, (e.currentTarget as HTMLSelectElement).value as EncryptionMode)}
          >
            <option value="forward-secret">{t('mode_forwardSecret')}</option>
            <option value="card">{t('mode_card')}</option>
          </select>
        </label>
      </div>
      <input
        id={`${id}-on`}
        type="checkbox"
        role="switch"
        class="switch"
        checked={s.enabled}
        disabled={s.locked || props.busy}
        aria-description={s.locked ? reason : undefined}
        onChange={(e) => props.onToggle((e.currentTarget as HTMLInputElement).checked)}
      />
    </li>
  );
}
