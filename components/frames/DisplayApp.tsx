import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../../lib/api';
import { ErrorCode, isError } from '../../lib/errors';
import { DisplayView, type DisplayState } from './DisplayView';

export interface DisplayAppProps {
  api: ApiClient;
  handle: string;
  /** Whether the frame is fully visible (frame-guard.ts). */
  visible: boolean;
  /** Opens the popup / unlock tab (a passphrase is never typed in a frame). */
  openUnlock?: () => void;
  /** Subscribes to "the vault was unlocked"; returns an unsubscribe. The frame then asks again. */
  onUnlocked?: (cb: () => void) => () => void;
}

/** Fetches the job for its handle once (again after an unlock if it was locked) and shows it. */
export function DisplayApp({ api, handle, visible, openUnlock, onUnlocked }: DisplayAppProps) {
  const [state, setState] = useState<DisplayState>({ phase: 'loading' });
  const [pattern, setPattern] = useState<string | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);
  const [reveal, setReveal] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .call(reveal ? { type: 'display/fetch', handle, reveal: true } : { type: 'display/fetch', handle })
      .then((result) => {
        if (!live) return;
        setPattern(result.securityPattern);
        if (result.ok) setState({ phase: 'shown', plaintext: result.plaintext, header: result.header, senderName: result.senderName, badge: result.badge });
        else setState({ phase: 'failed', badge: result.badge });
      })
      .catch((e: unknown) => {
        if (!live) return;
        if (isError(e, ErrorCode.Locked)) setState({ phase: 'failed', badge: { kind: 'locked' } });
        else if (isError(e, ErrorCode.NotFound) || isError(e, ErrorCode.Forbidden)) setState({ phase: 'refused' });
        else setState({ phase: 'failed', badge: { kind: 'couldNotDecrypt', reason: isError(e) ? e.code : 'error' } });
      });
    return () => {
      live = false;
    };
  }, [api, handle, attempt, reveal]);

  const locked = state.phase === 'failed' && state.badge.kind === 'locked';
  useEffect(() => {
    if (!locked || !onUnlocked) return;
    return onUnlocked(() => setAttempt((n) => n + 1));
  }, [locked, onUnlocked]);

  const clickToDecrypt = state.phase === 'failed' && state.badge.kind === 'clickToDecrypt';
  return (
    <DisplayView
      state={state}
      securityPattern={pattern}
      visible={visible}
      onUnlock={locked ? openUnlock : undefined}
      onReveal={clickToDecrypt && visible ? () => setReveal(true) : undefined}
    />
  );
}
