/**
 * Old secret, new secret, confirmation: the one form behind "change passphrase" (Account tab) and
 * "change backup password" (Backup tab). The caller supplies the labels, the minimum length and the request.
 */
import { useState } from 'preact/hooks';
import { useAction } from './hooks';
import { passwordProblem, Success, TextField } from './ui/controls';
import { ErrorNotice } from './ui/ErrorNotice';

export interface ChangeSecretLabels {
  old: string;
  new: string;
  confirm: string;
  submit: string;
  /** Shown after a successful change; none when omitted. */
  changed?: string;
}

export function ChangeSecretForm<R>(props: {
  labels: ChangeSecretLabels;
  minLength: number;
  change: (oldSecret: string, newSecret: string) => Promise<R>;
  onChanged: (result: R) => void;
}) {
  const [oldSecret, setOld] = useState('');
  const [secret, setSecret] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);
  const [done, setDone] = useState(false);
  const change = useAction(props.change);
  const problem = passwordProblem(secret, confirm, props.minLength);
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        setTouched(true);
        setDone(false);
        if (problem || !oldSecret) return;
        const result = await change.run(oldSecret, secret);
        if (result) {
          setOld('');
          setSecret('');
          setConfirm('');
          setTouched(false);
          setDone(true);
          props.onChanged(result);
        }
      }}
    >
      <TextField label={props.labels.old} type="password" value={oldSecret} onInput={setOld} autoComplete="current-password" />
      <TextField label={props.labels.new} type="password" value={secret} onInput={setSecret} autoComplete="new-password" />
      <TextField
        label={props.labels.confirm}
        type="password"
        value={confirm}
        onInput={setConfirm}
        autoComplete="new-password"
        invalid={touched ? problem : undefined}
      />
      <ErrorNotice error={change.error} />
      {done && props.labels.changed && <Success>{props.labels.changed}</Success>}
      <button type="submit" disabled={change.busy}>
        {props.labels.submit}
      </button>
    </form>
  );
}
