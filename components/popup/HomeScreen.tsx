/** At a glance: directory, this device's card, and what Overcrypt does on the current tab. */
import type { PageStatus, SiteView, Status } from '../../lib/api';
import { useUi } from '../context';
import { useAction, useLoad } from '../hooks';
import { t } from '../i18n';
import { spacedFingerprint } from '../format';
import { Badge, PolicyNote, Section, Spinner } from '../ui/controls';
import { ErrorNotice } from '../ui/ErrorNotice';
import type { ScreenKey } from './App';

export function HomeScreen(props: { status: Status; onGo: (s: ScreenKey) => void }) {
  const s = props.status;
  const dir = s.directory;
  return (
    <div class="screen">
      <Section title={t('home_directory')}>
        <p class="row">
          <span class="mono wrap">{dir.url}</span>
          {dir.online ? <Badge kind="ok">{t('home_online')}</Badge> : <Badge kind="warn">{t('home_offline')}</Badge>}
        </p>
        {dir.queued > 0 && <p class="hint">{t('home_queued', dir.queued)}</p>}
        {dir.lastError && (
          <p class="hint">
            {t('home_lastError')} <code>{dir.lastError.code}</code>: {dir.lastError.message}
          </p>
        )}
      </Section>
      <Section title={t('home_thisDevice')}>
        <dl class="facts">
          <dt>{t('home_identity')}</dt>
          <dd class="mono wrap">{s.identity ?? '—'}</dd>
          <dt>{t('home_fingerprint')}</dt>
          <dd class="mono" data-testid="own-fingerprint">
            {s.fingerprint ? spacedFingerprint(s.fingerprint) : '—'}
          </dd>
        </dl>
      </Section>
      <CurrentSite onGo={props.onGo} />
    </div>
  );
}

interface TabState {
  host: string | null;
  scheme?: 'http' | 'https';
  conversationId?: string;
  conversationTitle?: string;
  /** The adapter our content script in the tab used; undefined when it has not reported. */
  adapterId?: string;
  page?: PageStatus;
  site?: SiteView;
}

function CurrentSite(props: { onGo: (s: ScreenKey) => void }) {
  const { api, env } = useUi();
  const state = useLoad<TabState>(async () => {
    const tab = await env.currentTab();
    if (!tab) return { host: null };
    // What our content script in the tab last reported (adapter, open conversation); without a report (not
    // enabled there, or no content script yet) only the site's status.
    const [reported, sites] = await Promise.all([
      tab.tabId !== undefined ? api.call({ type: 'tab/status', tabId: tab.tabId }) : Promise.resolve(null),
      api.call({ type: 'sites/list' }),
    ]);
    const site = sites.find((x) => x.host === tab.host);
    if (reported && reported.host === tab.host.toLowerCase()) {
      const { host: _h, adapterId, conversationId, conversationTitle, ...page } = reported;
      return { host: tab.host, scheme: tab.scheme, adapterId, conversationId, conversationTitle, page, site };
    }
    const page = await api.call({ type: 'page/status', host: tab.host });
    return { host: tab.host, scheme: tab.scheme, page, site };
  });
  const setOn = useAction(async (on: boolean) => {
    const d = state.data;
    if (!d?.host || !d.conversationId) return;
    const page = await api.call({ type: 'page/setEncryption', host: d.host, conversationId: d.conversationId, on });
    state.set({ ...d, page });
  });
  const enable = useAction(async () => {
    const d = state.data;
    if (!d?.host) return;
    if (!(await env.requestHostPermission(d.host, d.scheme ?? 'https'))) return;
    await api.call({ type: 'sites/toggle', host: d.host, enabled: true });
    state.reload();
  });

  return (
    <Section title={t('home_thisSite')}>
      {state.loading && !state.data && <Spinner label={t('common_loading')} />}
      <ErrorNotice error={state.error} />
      {state.data && body(state.data)}
    </Section>
  );

  function body(d: TabState) {
    if (!d.host) return <p class="hint">{t('home_noSite')}</p>;
    const p = d.page;
    const adapter = d.adapterId ?? d.site?.adapterId;
    return (
      <>
        <p class="mono wrap" data-testid="current-host">
          {d.host}
        </p>
        <ul class="checks">
          <li>
            {t('home_siteEnabled')}{' '}
            {p?.siteEnabled ? <Badge kind="ok">{t('common_yes')}</Badge> : <Badge kind="muted">{t('common_no')}</Badge>}
          </li>
          <li>
            {t('home_adapter')}{' '}
            {adapter ? <Badge kind="ok">{adapter}</Badge> : <Badge kind="muted">{t('home_adapterNone')}</Badge>}
          </li>
          <li>
            {t('home_conversationEncryption')}{' '}
            {d.conversationId && <span class="mono wrap" data-testid="current-conversation">{d.conversationTitle ?? d.conversationId}</span>}{' '}
            {!d.conversationId ? (
              <Badge kind="muted">{t('home_noConversation')}</Badge>
            ) : p?.encryptionOn ? (
              <Badge kind="ok">{t('home_encryptionOn')}</Badge>
            ) : (
              <Badge kind="warn">{t('home_encryptionOff')}</Badge>
            )}
          </li>
          {p?.recipients && <li>{t('home_recipients', p.recipients.people, p.recipients.devices)}</li>}
        </ul>
        {p?.warnings.map((w) => (
          <p class={w.kind === 'keyChanged' ? 'notice notice-danger' : 'notice notice-warn'} role="alert">
            {w.kind === 'noCard' && t('warning_noCard', w.handle)}
            {w.kind === 'keyChanged' && t('warning_keyChanged', w.identity)}
            {w.kind === 'newDevice' && t('warning_newDevice', w.identity)}
            {w.kind === 'keyChanged' && (
              <>
                {' '}
                <button type="button" class="link" onClick={() => props.onGo('contacts')}>
                  {t('warning_review')}
                </button>
              </>
            )}
          </p>
        ))}
        {p && !p.siteEnabled && !p.siteLocked && (
          <button type="button" onClick={() => void enable.run()} disabled={enable.busy}>
            {t('home_enableSite')}
          </button>
        )}
        {p && d.conversationId && p.siteEnabled && (
          <>
            <button
              type="button"
              onClick={() => void setOn.run(!p.encryptionOn)}
              disabled={setOn.busy || p.modeLocked}
              aria-describedby={p.modeLocked ? 'forced-note' : undefined}
            >
              {p.encryptionOn ? t('home_turnOff') : t('home_turnOn')}
            </button>
            {p.modeLocked && (
              <span id="forced-note">
                <PolicyNote reason={t('home_forcedByPolicy')} />
              </span>
            )}
          </>
        )}
        <ErrorNotice error={setOn.error ?? enable.error} />
      </>
    );
  }
}
