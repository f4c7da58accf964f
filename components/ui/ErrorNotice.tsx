/**
 * An error from the worker, shown as a sentence a person understands plus the `{code, message}` it came with
 * (so a support person can act on it). Never a silent failure.
 */
import type { OvercryptError } from '../../lib/errors';
import { t } from '../i18n';

/** Codes with their own explanation in messages.json (error_<code>); the rest get a generic one. */
const EXPLAINED = new Set([
  'WrongPassword',
  'Locked',
  'NotRegistered',
  'Forbidden',
  'NotFound',
  'Conflict',
  'Network',
  'RateLimited',
  'Unauthenticated',
  'TokenExpired',
  'Malformed',
  'IdentityKeyChanged',
  'UntrustedIdentity',
  'StorageFull',
  'Internal',
]);

export function explainError(e: Pick<OvercryptError, 'code'>): string {
  return EXPLAINED.has(e.code) ? t(`error_${e.code}`) : t('error_generic');
}

export function ErrorNotice(props: { error: OvercryptError | undefined; onDismiss?: () => void }) {
  const e = props.error;
  if (!e) return null;
  return (
    <div class="notice notice-error" role="alert">
      <p class="notice-title">{explainError(e)}</p>
      <p class="notice-detail">
        <code>{e.code}</code>: {e.message}
      </p>
      {props.onDismiss && (
        <button type="button" class="link" onClick={props.onDismiss}>
          {t('common_dismiss')}
        </button>
      )}
    </div>
  );
}
