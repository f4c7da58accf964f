/** Labelled form controls and small building blocks; every control has a visible label or an aria-label. */
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import { t } from '../i18n';

export function TextField(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  type?: 'text' | 'password' | 'url' | 'number';
  hint?: string;
  disabled?: boolean;
  lockedReason?: string;
  autoComplete?: string;
  required?: boolean;
  name?: string;
  min?: number;
  max?: number;
  invalid?: string;
  autoFocus?: boolean;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const described = [props.hint || props.lockedReason ? hintId : '', props.invalid ? errId : ''].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>
        {props.label}
        {props.lockedReason && <LockMark />}
      </label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
        disabled={props.disabled || !!props.lockedReason}
        autoComplete={props.autoComplete ?? 'off'}
        required={props.required}
        min={props.min}
        max={props.max}
        spellcheck={false}
        autoFocus={props.autoFocus}
        aria-invalid={props.invalid ? true : undefined}
        aria-describedby={described || undefined}
      />
      {(props.hint || props.lockedReason) && (
        <p id={hintId} class="hint">
          {props.lockedReason ?? props.hint}
        </p>
      )}
      {props.invalid && (
        <p id={errId} class="field-error">
          {props.invalid}
        </p>
      )}
    </div>
  );
}

export function Checkbox(props: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  disabled?: boolean;
  hint?: string;
}) {
  const id = useId();
  return (
    <div class="check">
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        onChange={(e) => props.onChange((e.currentTarget as HTMLInputElement).checked)}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      <label for={id}>{props.label}</label>
      {props.hint && (
        <p id={`${id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}

export function LockMark() {
  return (
    <span class="lock-mark" title={t('policy_lockedTitle')} aria-label={t('policy_lockedTitle')} role="img">
      <svg viewBox="0 0 24 24" width="13" height="13" aria-hidden="true" focusable="false">
        <path
          fill="currentColor"
          fill-rule="evenodd"
          d="M7 10V7.5a5 5 0 0 1 10 0V10h1.5v11h-13V10zm2.5 0h5V7.5a2.5 2.5 0 0 0-5 0z"
        />
      </svg>
    </span>
  );
}

/** A setting the organisation decides: shown, never editable, with the reason. */
export function PolicyNote(props: { reason?: string }) {
  return (
    <p class="policy-note">
      <LockMark /> {props.reason ?? t('policy_lockedReason')}
    </p>
  );
}

export function Spinner(props: { label: string }) {
  return (
    <span class="spinner-wrap" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{props.label}</span>
    </span>
  );
}

export function Badge(props: { kind: 'ok' | 'warn' | 'danger' | 'info' | 'muted'; children: ComponentChildren }) {
  return <span class={`badge badge-${props.kind}`}>{props.children}</span>;
}

export function Section(props: { title: string; children: ComponentChildren; id?: string }) {
  const id = useId();
  return (
    <section class="section" aria-labelledby={id} id={props.id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function Success(props: { children: ComponentChildren }) {
  return (
    <p class="notice notice-ok" role="status">
      {props.children}
    </p>
  );
}

/** Two passwords must match and be long enough; returns the message to show or undefined. */
export function passwordProblem(pw: string, confirm: string, min: number): string | undefined {
  if (pw.length < min) return t('password_tooShort', min);
  if (pw !== confirm) return t('password_mismatch');
  return undefined;
}
