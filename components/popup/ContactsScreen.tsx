/**
 * People seen, each with devices and a trust state. "Key changed" is loud and sorted first; a contact's device not
 * yet approved is listed as new. A contact opens to the safety number (60 digits in groups of five and a QR code)
 * and "mark as verified"; after a key change, an explanation and re-verification.
 */
import { useState } from 'preact/hooks';
import type { ContactView, TrustState } from '../../lib/api';
import { useUi } from '../context';
import { useAction, useLoad } from '../hooks';
import { t } from '../i18n';
import { formatDate, groupsOf, spacedFingerprint } from '../format';
import { QrCode } from '../qr';
import { Badge, Section, Spinner, Success } from '../ui/controls';
import { ErrorNotice } from '../ui/ErrorNotice';

const ORDER: Record<TrustState, number> = { keyChanged: 0, firstSeen: 1, verified: 2 };

export function TrustBadge(props: { state: TrustState }) {
  if (props.state === 'verified') return <Badge kind="ok">{t('trust_verified')}</Badge>;
  if (props.state === 'keyChanged') return <Badge kind="danger">{t('trust_keyChanged')}</Badge>;
  return <Badge kind="muted">{t('trust_firstSeen')}</Badge>;
}

/** A device that appeared after the contact was first seen or last verified (worker's `isNew`), or not yet approved. */
function isNewDevice(d: { approved?: boolean; isNew?: boolean }): boolean {
  return d.isNew === true || d.approved === false;
}

export function ContactsScreen() {
  const { api } = useUi();
  const contacts = useLoad(() => api.call({ type: 'contacts/list' }));
  const [open, setOpen] = useState<string | undefined>(undefined);
  const current = contacts.data?.find((c) => c.identity === open);
  if (current) {
    return (
      <ContactDetail
        contact={current}
        onBack={() => setOpen(undefined)}
        onChanged={(c) => contacts.set((contacts.data ?? []).map((x) => (x.identity === c.identity ? c : x)))}
      />
    );
  }
  const sorted = [...(contacts.data ?? [])].sort(
    (a, b) => ORDER[a.state] - ORDER[b.state] || a.identity.localeCompare(b.identity),
  );
  return (
    <div class="screen">
      <Section title={t('contacts_title')}>
        {contacts.loading && !contacts.data && <Spinner label={t('common_loading')} />}
        <ErrorNotice error={contacts.error} />
        {contacts.data && contacts.data.length === 0 && <p class="hint">{t('contacts_empty')}</p>}
        <ul class="list">
          {sorted.map((c) => {
            const fresh = c.devices.filter(isNewDevice).length;
            return (
              <li key={c.identity} class={c.state === 'keyChanged' ? 'list-item alarm' : 'list-item'} data-testid="contact">
                <button
                  type="button"
                  class="row-button"
                  onClick={() => setOpen(c.identity)}
                  aria-label={t('contacts_open', c.identity)}
                >
                  <span class="grow">
                    <span class="mono wrap">{c.identity}</span>
                    <span class="hint block">
                      {t('contacts_devices', c.devices.length)}
                      {fresh > 0 && ` · ${t('contacts_newDevices', fresh)}`}
                    </span>
                  </span>
                  <TrustBadge state={c.state} />
                </button>
              </li>
            );
          })}
        </ul>
      </Section>
    </div>
  );
}

function ContactDetail(props: { contact: ContactView; onBack: () => void; onChanged: (c: ContactView) => void }) {
  const { api } = useUi();
  const c = props.contact;
  const safety = useLoad(() => api.call({ type: 'contacts/safetyNumber', identity: c.identity }), [c.identity]);
  const [justVerified, setJustVerified] = useState(false);
  const verify = useAction(async (verified: boolean) => {
    const updated = await api.call({ type: 'contacts/verify', identity: c.identity, verified });
    props.onChanged(updated);
    setJustVerified(verified);
  });
  return (
    <div class="screen">
      <button type="button" class="link back" onClick={props.onBack}>
        ← {t('contacts_back')}
      </button>
      <h2 class="contact-name wrap">{c.identity}</h2>
      <p>
        <TrustBadge state={c.state} /> <span class="hint">{t('contacts_firstSeen', formatDate(c.firstSeenAt))}</span>
        {c.verifiedAt && c.state === 'verified' && (
          <span class="hint"> · {t('contacts_verifiedOn', formatDate(c.verifiedAt))}</span>
        )}
        {c.keyChangedAt !== undefined && c.state === 'keyChanged' && (
          <span class="hint"> · {t('contacts_keyChangedOn', formatDate(c.keyChangedAt))}</span>
        )}
      </p>
      {c.state === 'keyChanged' && (
        <div class="notice notice-danger" role="alert">
          <p class="notice-title">{t('contacts_changedTitle', c.identity)}</p>
          <p>{t('contacts_changedExplain')}</p>
          <p>{t('contacts_changedWhatToDo')}</p>
        </div>
      )}
      <Section title={t('contacts_safetyNumber')}>
        <p class="hint">{t('contacts_safetyExplain', c.identity)}</p>
        {safety.loading && !safety.data && <Spinner label={t('common_loading')} />}
        <ErrorNotice error={safety.error} />
        {safety.data && (
          <div class="safety">
            <div class="digits" data-testid="safety-digits" aria-label={t('contacts_safetyDigitsLabel')}>
              {groupsOf(safety.data.digits, 5).map((g) => (
                <span class="digit-group">{g}</span>
              ))}
            </div>
            <QrCode payload={safety.data.qrPayload} label={t('contacts_qrLabel', c.identity)} />
          </div>
        )}
        {justVerified && c.state === 'verified' && <Success>{t('contacts_nowVerified', c.identity)}</Success>}
        <ErrorNotice error={verify.error} />
        {c.state !== 'verified' ? (
          <button type="button" class="primary" onClick={() => void verify.run(true)} disabled={verify.busy || !safety.data}>
            {c.state === 'keyChanged' ? t('contacts_reverify') : t('contacts_markVerified')}
          </button>
        ) : (
          <button type="button" onClick={() => void verify.run(false)} disabled={verify.busy}>
            {t('contacts_unverify')}
          </button>
        )}
      </Section>
      <Section title={t('contacts_devicesTitle')}>
        <ul class="list">
          {c.devices.map((d) => (
            <li key={d.cardId} class="list-item">
              <span class="grow">
                <span class="mono">{spacedFingerprint(d.fingerprint)}</span>
                <span class="hint block">
                  {t('devices_added', formatDate(d.createdAt))}
                  {d.firstSeenAt !== undefined && ` · ${t('contacts_deviceFirstSeen', formatDate(d.firstSeenAt))}`}
                </span>
              </span>
              {isNewDevice(d) && <Badge kind="warn">{t('contacts_newDevice')}</Badge>}
            </li>
          ))}
        </ul>
      </Section>
    </div>
  );
}
