/**
 * First run, in a full tab opened on install. New account:
 *   welcome -> directory -> account -> passphrase -> pattern -> working (identity key + device card) -> backup -> done
 * Second device ("I already use Overcrypt"): the same, with the backup password in the account step, and
 * `account/restore` instead of `account/register` (a new device card signed by the restored identity key);
 * no backup step (the backup exists).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ApiClient, BackupStatus, DirectoryCheck, ProgressEvent, RegisterResult, SettingsView, Status } from '../../lib/api';
import { UiProvider, useUi, type Ui, type UiEnv } from '../context';
import { toOvercryptError, useAction, useLoad } from '../hooks';
import { t } from '../i18n';
import { hostOf, spacedFingerprint } from '../format';
import { formatPattern, PatternPicker, PATTERN_SYMBOL_COUNT, randomPattern, SecurityPatternView, type SecurityPattern } from '../pattern';
import { CreateBackupForm } from '../BackupForm';
import { passwordProblem, PolicyNote, Spinner, Success, TextField } from '../ui/controls';
import { ErrorNotice } from '../ui/ErrorNotice';
import type { OvercryptError } from '../../lib/errors';
import { MIN_PASSPHRASE } from '../popup/AccountScreen';

type Path = 'create' | 'restore';
type Step = 'welcome' | 'directory' | 'account' | 'passphrase' | 'pattern' | 'working' | 'backup' | 'done';

const STEPS: Record<Path, Step[]> = {
  create: ['directory', 'account', 'passphrase', 'pattern', 'working', 'backup', 'done'],
  restore: ['directory', 'account', 'passphrase', 'pattern', 'working', 'done'],
};

export const MIN_ACCOUNT_PASSWORD = 10;

export interface FirstRunForm {
  directoryUrl: string;
  identity: string;
  password: string;
  passwordConfirm: string;
  invite: string;
  backupPassword: string;
  passphrase: string;
  passphraseConfirm: string;
  pattern: SecurityPattern;
}

export function FirstRunPage(props: { api: ApiClient; env: UiEnv }) {
  const ui: Ui = useMemo(() => ({ api: props.api, env: props.env, onLocked: () => undefined }), [props.api, props.env]);
  return (
    <UiProvider value={ui}>
      <div class="app layout-tab firstrun">
        <header class="topbar">
          <span class="brand">
            <img src="/icon/32.png" alt="" width={20} height={20} /> Overcrypt
          </span>
        </header>
        <main>
          <FirstRun />
        </main>
      </div>
    </UiProvider>
  );
}

interface Setup {
  status: Status;
  settings?: SettingsView;
}

export function FirstRun() {
  const { api, env } = useUi();
  const startedAt = useRef(env.now());
  const setup = useLoad<Setup>(async () => {
    const status = await api.call({ type: 'status/get' });
    // Settings may be unavailable before registration on some workers: the form then starts from the status.
    const settings = await api.call({ type: 'settings/get' }).catch(() => undefined);
    return { status, settings };
  });
  const [path, setPath] = useState<Path | undefined>(undefined);
  const [step, setStep] = useState<Step>('welcome');
  const [form, setForm] = useState<FirstRunForm | undefined>(undefined);
  const [result, setResult] = useState<{ reg: RegisterResult; ms: number } | undefined>(undefined);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [step]);

  useEffect(() => {
    const d = setup.data;
    if (!d || form) return;
    setForm({
      directoryUrl: d.settings?.effective.directoryUrl ?? d.status.directory.url,
      identity: '',
      password: '',
      passwordConfirm: '',
      invite: '',
      backupPassword: '',
      passphrase: '',
      passphraseConfirm: '',
      pattern: randomPattern(),
    });
  }, [setup.data, form]);

  if (setup.loading && !setup.data) return <Spinner label={t('common_loading')} />;
  if (setup.error || !setup.data) return <ErrorNotice error={setup.error} />;
  if (setup.data.status.registered && step === 'welcome') {
    return (
      <div class="card">
        <h1 ref={heading} tabIndex={-1}>
          {t('firstrun_alreadyTitle')}
        </h1>
        <p>{t('firstrun_alreadyExplain', setup.data.status.identity ?? '')}</p>
      </div>
    );
  }
  if (!form) return <Spinner label={t('common_loading')} />;

  const settings = setup.data.settings;
  const dirLocked = settings?.locked.includes('directoryUrl') ?? false;
  const update = (patch: Partial<FirstRunForm>) => setForm({ ...form, ...patch });
  const steps = path ? STEPS[path] : [];
  const index = steps.indexOf(step);
  const next = () => setStep(steps[index + 1] ?? 'done');
  const back = () => setStep(index > 0 ? steps[index - 1]! : 'welcome');

  return (
    <div class="wizard">
      {path && step !== 'done' && (
        <p class="step-count" aria-live="polite">
          {t('firstrun_stepOf', index + 1, steps.length - 1)}
        </p>
      )}
      {step === 'welcome' && (
        <Welcome
          heading={heading}
          onChoose={(p) => {
            setPath(p);
            setStep('directory');
          }}
        />
      )}
      {step === 'directory' && (
        <DirectoryStep heading={heading} form={form} update={update} locked={dirLocked} onNext={next} onBack={back} />
      )}
      {step === 'account' && path && (
        <AccountStep heading={heading} path={path} form={form} update={update} hint={settings?.effective.identityHint} onNext={next} onBack={back} />
      )}
      {step === 'passphrase' && <PassphraseStep heading={heading} form={form} update={update} onNext={next} onBack={back} />}
      {step === 'pattern' && <PatternStep heading={heading} form={form} update={update} onNext={next} onBack={back} />}
      {step === 'working' && path && (
        <WorkingStep
          heading={heading}
          path={path}
          form={form}
          directoryLocked={dirLocked}
          onDone={(reg) => {
            setResult({ reg, ms: env.now() - startedAt.current });
            // Secrets are not kept in memory longer than needed.
            update({ password: '', passwordConfirm: '', backupPassword: '', passphrase: '', passphraseConfirm: '' });
            next();
          }}
          onBack={() => setStep('account')}
        />
      )}
      {step === 'backup' && <BackupStep heading={heading} onNext={next} />}
      {step === 'done' && result && <Done heading={heading} result={result} pattern={formatPattern(form.pattern)} path={path} />}
    </div>
  );
}

type Heading = { current: HTMLHeadingElement | null };

function StepHeading(props: { heading: Heading; text: string }) {
  return (
    <h1 ref={props.heading} tabIndex={-1}>
      {props.text}
    </h1>
  );
}

function NavButtons(props: { onBack?: () => void; nextLabel?: string; nextDisabled?: boolean }) {
  return (
    <div class="buttons">
      <button type="submit" class="primary" disabled={props.nextDisabled}>
        {props.nextLabel ?? t('common_continue')}
      </button>
      {props.onBack && (
        <button type="button" onClick={props.onBack}>
          {t('common_back')}
        </button>
      )}
    </div>
  );
}

/**
 * The frame of every form step: heading, explanation, the step's fields, and Continue/Back. Submitting marks the
 * step attempted (fields show their problems from then on) and goes on only when `canContinue`.
 */
function StepForm(props: {
  heading: Heading;
  title: string;
  explain: string;
  canContinue: boolean;
  onNext: () => void;
  onBack: () => void;
  onAttempt?: () => void;
  nextLabel?: string;
  nextDisabled?: boolean;
  children: ComponentChildren;
}) {
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        props.onAttempt?.();
        if (props.canContinue) props.onNext();
      }}
    >
      <StepHeading heading={props.heading} text={props.title} />
      <p>{props.explain}</p>
      {props.children}
      <NavButtons onBack={props.onBack} nextLabel={props.nextLabel} nextDisabled={props.nextDisabled} />
    </form>
  );
}

function Welcome(props: { heading: Heading; onChoose: (p: Path) => void }) {
  return (
    <div class="card">
      <StepHeading heading={props.heading} text={t('firstrun_welcomeTitle')} />
      <p>{t('firstrun_welcomeExplain')}</p>
      <div class="choices">
        <button type="button" class="choice primary" onClick={() => props.onChoose('create')} aria-describedby="choice-create-hint">
          <strong>{t('firstrun_create')}</strong>
          <span id="choice-create-hint">{t('firstrun_createHint')}</span>
        </button>
        <button type="button" class="choice" onClick={() => props.onChoose('restore')} aria-describedby="choice-restore-hint">
          <strong>{t('firstrun_restore')}</strong>
          <span id="choice-restore-hint">{t('firstrun_restoreHint')}</span>
        </button>
      </div>
    </div>
  );
}

interface StepProps {
  heading: Heading;
  form: FirstRunForm;
  update: (p: Partial<FirstRunForm>) => void;
  onNext: () => void;
  onBack: () => void;
}

function DirectoryStep(props: StepProps & { locked: boolean }) {
  const { api } = useUi();
  const { form } = props;
  const [check, setCheck] = useState<{ url: string; result?: DirectoryCheck; error?: OvercryptError } | undefined>(undefined);
  const valid = hostOf(form.directoryUrl) !== null;
  const run = (url: string) => {
    setCheck({ url });
    api.call({ type: 'directory/check', url }).then(
      (result) => setCheck((c) => (c?.url === url ? { url, result } : c)),
      (e: unknown) => setCheck((c) => (c?.url === url ? { url, error: toOvercryptError(e) } : c)),
    );
  };
  // Check once on arrival; later on demand (typing a URL should not fire a request per keystroke).
  useEffect(() => {
    if (valid) run(form.directoryUrl);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const current = check?.url === form.directoryUrl ? check : undefined;
  const reachable = current?.result?.reachable === true;
  return (
    <StepForm
      heading={props.heading}
      title={t('firstrun_directoryTitle')}
      explain={t('firstrun_directoryExplain')}
      canContinue={valid}
      onNext={props.onNext}
      onBack={props.onBack}
      nextDisabled={!valid}
    >
      <TextField
        label={t('firstrun_directoryUrl')}
        type="url"
        value={form.directoryUrl}
        onInput={(v) => props.update({ directoryUrl: v.trim() })}
        lockedReason={props.locked ? t('firstrun_directoryLocked') : undefined}
        invalid={form.directoryUrl && !valid ? t('firstrun_directoryInvalid') : undefined}
      />
      <div class="row" aria-live="polite" data-testid="directory-check">
        {current && !current.result && !current.error && <Spinner label={t('firstrun_checking')} />}
        {reachable && <Success>{t('firstrun_reachable', current?.result?.latencyMs ?? '?')}</Success>}
        {current?.result && !reachable && (
          <p class="notice notice-warn" role="alert">
            {t('firstrun_unreachable')}
            {current.result.error && (
              <span class="notice-detail">
                {' '}
                <code>{current.result.error.code}</code>: {current.result.error.message}
              </span>
            )}
          </p>
        )}
        <ErrorNotice error={current?.error} />
      </div>
      <button type="button" onClick={() => run(form.directoryUrl)} disabled={!valid}>
        {t('firstrun_checkAgain')}
      </button>
    </StepForm>
  );
}

function AccountStep(props: StepProps & { path: Path; hint?: string }) {
  const { form, update, path } = props;
  const [touched, setTouched] = useState(false);
  const identityOk = /^[\x21-\x7e]{1,128}$/.test(form.identity);
  const pwProblem =
    path === 'create'
      ? passwordProblem(form.password, form.passwordConfirm, MIN_ACCOUNT_PASSWORD)
      : form.password
        ? undefined
        : t('firstrun_passwordRequired');
  const backupProblem = path === 'restore' && !form.backupPassword ? t('firstrun_backupPasswordRequired') : undefined;
  const ok = identityOk && !pwProblem && !backupProblem;
  return (
    <StepForm
      heading={props.heading}
      title={path === 'create' ? t('firstrun_accountCreateTitle') : t('firstrun_accountSignInTitle')}
      explain={t('firstrun_accountExplain')}
      canContinue={ok}
      onAttempt={() => setTouched(true)}
      onNext={props.onNext}
      onBack={props.onBack}
    >
      <TextField
        label={t('firstrun_identity')}
        value={form.identity}
        onInput={(v) => update({ identity: v.trim() })}
        autoComplete="username"
        hint={props.hint ? t('firstrun_identityHintPolicy', props.hint) : t('firstrun_identityHint')}
        invalid={touched && !identityOk ? t('firstrun_identityInvalid') : undefined}
      />
      <TextField
        label={t('firstrun_password')}
        type="password"
        value={form.password}
        onInput={(v) => update({ password: v })}
        autoComplete={path === 'create' ? 'new-password' : 'current-password'}
        invalid={touched && path === 'restore' ? pwProblem : undefined}
      />
      {path === 'create' && (
        <>
          <TextField
            label={t('firstrun_passwordConfirm')}
            type="password"
            value={form.passwordConfirm}
            onInput={(v) => update({ passwordConfirm: v })}
            autoComplete="new-password"
            invalid={touched ? pwProblem : undefined}
          />
          <TextField
            label={t('firstrun_invite')}
            value={form.invite}
            onInput={(v) => update({ invite: v.trim() })}
            hint={t('firstrun_inviteHint')}
          />
        </>
      )}
      {path === 'restore' && (
        <>
          <TextField
            label={t('firstrun_backupPassword')}
            type="password"
            value={form.backupPassword}
            onInput={(v) => update({ backupPassword: v })}
            autoComplete="off"
            invalid={touched ? backupProblem : undefined}
          />
          <p class="notice notice-info">{t('firstrun_twoPasswords')}</p>
        </>
      )}
    </StepForm>
  );
}

function PassphraseStep(props: StepProps) {
  const { form, update } = props;
  const [touched, setTouched] = useState(false);
  const problem = passwordProblem(form.passphrase, form.passphraseConfirm, MIN_PASSPHRASE);
  return (
    <StepForm
      heading={props.heading}
      title={t('firstrun_passphraseTitle')}
      explain={t('firstrun_passphraseExplain')}
      canContinue={!problem}
      onAttempt={() => setTouched(true)}
      onNext={props.onNext}
      onBack={props.onBack}
    >
      <TextField label={t('firstrun_passphrase')} type="password" value={form.passphrase} onInput={(v) => update({ passphrase: v })} autoComplete="new-password" />
      <TextField
        label={t('firstrun_passphraseConfirm')}
        type="password"
        value={form.passphraseConfirm}
        onInput={(v) => update({ passphraseConfirm: v })}
        autoComplete="new-password"
        invalid={touched ? problem : undefined}
      />
    </StepForm>
  );
}

function PatternStep(props: StepProps) {
  const complete = props.form.pattern.symbols.length === PATTERN_SYMBOL_COUNT;
  return (
    <StepForm
      heading={props.heading}
      title={t('firstrun_patternTitle')}
      explain={t('firstrun_patternExplain')}
      canContinue={complete}
      onNext={props.onNext}
      onBack={props.onBack}
      nextLabel={t('firstrun_createKeys')}
      nextDisabled={!complete}
    >
      <PatternPicker value={props.form.pattern} onChange={(pattern) => props.update({ pattern })} />
    </StepForm>
  );
}

const PROGRESS_STEPS: Record<Path, ProgressEvent['step'][]> = {
  create: ['identityKey', 'deviceCard', 'publish', 'prekeys'],
  restore: ['restore', 'deviceCard', 'publish', 'prekeys'],
};

function WorkingStep(props: {
  heading: Heading;
  path: Path;
  form: FirstRunForm;
  directoryLocked: boolean;
  onDone: (r: RegisterResult) => void;
  onBack: () => void;
}) {
  const { api, env } = useUi();
  const [seen, setSeen] = useState<Set<string>>(new Set());
  const [attempt, setAttempt] = useState(0);
  const work = useAction(async () => {
    const f = props.form;
    const common = {
      identity: f.identity,
      password: f.password,
      passphrase: f.passphrase,
      securityPattern: formatPattern(f.pattern),
      // A policy-set directory is the worker's to apply; the UI sends only what the user typed.
      ...(props.directoryLocked ? {} : { directoryUrl: f.directoryUrl }),
    };
    return props.path === 'create'
      ? api.call({ type: 'account/register', ...common, ...(f.invite ? { invite: f.invite } : {}) })
      : api.call({ type: 'account/restore', ...common, backupPassword: f.backupPassword });
  });
  useEffect(() => {
    const off = env.subscribeProgress?.((e) => setSeen((s) => new Set(s).add(e.step)));
    void work.run().then((r) => r && props.onDone(r));
    return () => off?.();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [attempt]);
  const steps = PROGRESS_STEPS[props.path];
  return (
    <div class="card">
      <StepHeading heading={props.heading} text={props.path === 'create' ? t('firstrun_workingCreate') : t('firstrun_workingRestore')} />
      <ol class="progress" aria-live="polite">
        {steps.map((s) => (
          <li class={seen.has(s) ? 'done' : work.busy ? 'pending' : ''}>
            <span aria-hidden="true">{seen.has(s) ? '✓' : '•'}</span> {t(`progress_${s}`)}
          </li>
        ))}
      </ol>
      {work.busy && <Spinner label={t('firstrun_workingWait')} />}
      {work.error && restoreHint(props.path, work.error.code) && (
        <p class="notice notice-warn">{restoreHint(props.path, work.error.code)}</p>
      )}
      <ErrorNotice error={work.error} />
      {work.error && (
        <div class="buttons">
          <button type="button" class="primary" onClick={() => setAttempt((n) => n + 1)}>
            {t('common_retry')}
          </button>
          <button type="button" onClick={props.onBack}>
            {t('firstrun_backToAccount')}
          </button>
        </div>
      )}
    </div>
  );
}

/** Restore errors that mean something specific on a second device. */
function restoreHint(path: Path, code: string): string | undefined {
  if (path !== 'restore') return undefined;
  if (code === 'NotFound') return t('firstrun_restoreNoBackup');
  if (code === 'WrongPassword') return t('firstrun_restoreWrongBackupPassword');
  return undefined;
}

function BackupStep(props: { heading: Heading; onNext: () => void }) {
  const { api } = useUi();
  const status = useLoad<BackupStatus>(() => api.call({ type: 'backup/status' }));
  const [created, setCreated] = useState(false);
  const s = status.data;
  return (
    <div class="card">
      <StepHeading heading={props.heading} text={t('firstrun_backupTitle')} />
      {status.loading && !s && <Spinner label={t('common_loading')} />}
      <ErrorNotice error={status.error} />
      {s && !s.allowed && (
        <>
          <PolicyNote reason={t('backup_forbidden')} />
          {s.orgBackup && <p class="notice notice-info">{t('backup_orgBackup')}</p>}
          <button type="button" class="primary" onClick={props.onNext}>
            {t('common_continue')}
          </button>
        </>
      )}
      {s?.allowed && !created && (
        <>
          <p>{t('firstrun_backupExplain')}</p>
          {s.orgBackup && <p class="notice notice-info">{t('backup_orgBackup')}</p>}
          <CreateBackupForm onCreated={() => setCreated(true)} submitLabel={t('firstrun_backupCreate')} />
          {s.required ? (
            <PolicyNote reason={t('firstrun_backupRequired')} />
          ) : (
            <>
              <p class="hint">{t('firstrun_backupSkipWarning')}</p>
              <button type="button" class="link" onClick={props.onNext}>
                {t('firstrun_backupSkip')}
              </button>
            </>
          )}
        </>
      )}
      {created && (
        <>
          <Success>{t('backup_created')}</Success>
          <button type="button" class="primary" onClick={props.onNext} autoFocus>
            {t('common_continue')}
          </button>
        </>
      )}
    </div>
  );
}

function Done(props: { heading: Heading; result: { reg: RegisterResult; ms: number }; pattern: string; path?: Path }) {
  const r = props.result.reg;
  return (
    <div class="card" data-testid="firstrun-done" data-published-ms={Math.round(props.result.ms)}>
      <StepHeading heading={props.heading} text={t('firstrun_doneTitle')} />
      <dl class="facts">
        <dt>{t('home_identity')}</dt>
        <dd class="mono wrap">{r.identity}</dd>
        <dt>{t('home_fingerprint')}</dt>
        <dd class="mono">{spacedFingerprint(r.fingerprint)}</dd>
        <dt>{t('firstrun_yourPattern')}</dt>
        <dd>
          <SecurityPatternView pattern={props.pattern} size="large" />
        </dd>
      </dl>
      <p>{t('firstrun_patternReminder')}</p>
      <h2>{t('firstrun_nextTitle')}</h2>
      <ol class="next-steps">
        <li>{t('firstrun_next1')}</li>
        <li>{t('firstrun_next2')}</li>
        <li>{t('firstrun_next3')}</li>
      </ol>
    </div>
  );
}
