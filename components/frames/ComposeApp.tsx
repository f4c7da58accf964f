import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient, ComposeJob, RecipientView } from '../../lib/api';
import { ErrorCode, isError } from '../../lib/errors';
import { Recipients, unapprovedDevices } from './Recipients';
import { SecurityPattern } from './SecurityPattern';
import { neutraliseLabel } from './text';

/** Why the send is blocked; each is shown as a warning in the frame. */
export type ComposeWarning =
  /** The frame is covered, partly outside the viewport, or transparent: keys are refused. */
  | 'covered'
  /** Focus left the frame while text was in it: the user must confirm before sending. */
  | 'focusStolen'
  /** Text appeared in the site's own box during secure compose (reported by the content script). */
  | 'siteBoxChanged'
  /** Devices new to this conversation wait for approval. */
  | 'unapproved'
  /** A recipient's identity key changed: nothing goes out until the user verifies them again. */
  | 'keyChanged';

export const WARNING_TEXT: Record<ComposeWarning, string> = {
  covered: 'Something covers this secure box. Typing is blocked until it is fully visible.',
  focusStolen: 'The page took the focus away while you were typing. Check that nothing went into the page, then continue.',
  siteBoxChanged: 'Text appeared in the site’s own box. Sending is blocked; close and reopen secure compose.',
  unapproved: 'New devices will be able to read this conversation. Approve them to send.',
  keyChanged: 'Someone’s identity key changed: nothing is sent until you verify them again (Overcrypt → Contacts).',
};

export interface FocusSource {
  addEventListener(type: 'blur' | 'focus', cb: () => void): void;
  removeEventListener(type: 'blur' | 'focus', cb: () => void): void;
}

export interface ComposeAppProps {
  api: ApiClient;
  handle: string;
  visible: boolean;
  /** The frame's window (blur = focus left the frame). */
  focus: FocusSource;
  /**
   * Subscribes to the worker's status/settings pushes (a contact verified, a key changed, devices approved,
   * policy changed); returns an unsubscribe. Each one re-reads who can read.
   */
  onStatusPush?: (cb: () => void) => () => void;
  /**
   * Subscribes to the vault locking and unlocking; returns an unsubscribe. While locked the draft is kept but not
   * shown, and nothing can be typed or sent (an unattended screen shows no conversation).
   */
  onLockChange?: (cb: (locked: boolean) => void) => () => void;
}

/**
 * After our own send, the content script writes the armor into the site's box and triggers the site's send; the
 * site then focuses its box (The Lounge does in its submit handler) and the content script hands the focus straight
 * back. A blur inside this window after a send is theft only if the focus does not come back within
 * FOCUS_HANDBACK_MS. (Delivery normally follows the push within milliseconds; a missed push is collected by the
 * content script's 2 s poll, hence the margin.)
 */
export const DELIVERY_WINDOW_MS = 5_000;
export const FOCUS_HANDBACK_MS = 1_000;
/**
 * Who can read is re-read this often while the frame is shown (someone joined or left; the worker answers from the
 * page context the content script reports every second). Not user activity: it does not keep the vault open.
 */
export const RECIPIENTS_POLL_MS = 5_000;
/** Focus coming back re-reads at most this often. */
const RETURN_REFRESH_MIN_MS = 1_000;

type Phase = { kind: 'claiming' } | { kind: 'refused'; reason: string } | { kind: 'ready'; job: ComposeJob };

/**
 * The secure compose box: the user types here, not in the site's box. Enter sends (Shift+Enter: newline) straight
 * to the worker; the ciphertext reaches the site through the content script.
 */
export function ComposeApp({ api, handle, visible, focus, onStatusPush, onLockChange }: ComposeAppProps) {
  const [phase, setPhase] = useState<Phase>({ kind: 'claiming' });
  const [recipients, setRecipients] = useState<RecipientView[]>([]);
  const [text, setText] = useState('');
  const [focusStolen, setFocusStolen] = useState(false);
  const [siteBoxChanged, setSiteBoxChanged] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [vaultLocked, setVaultLocked] = useState(false);
  useEffect(() => onLockChange?.(setVaultLocked), [onLockChange]);
  const textRef = useRef(text);
  textRef.current = text;
  const inputRef = useRef<HTMLTextAreaElement>(null);
  /** Set each render: when the user comes back to the frame (from the popup, after verifying), check again. */
  const onReturn = useRef<() => void>(() => undefined);
  /** Until when a blur may be the site re-focusing its box after our own delivery (see DELIVERY_WINDOW_MS). */
  const deliveryUntil = useRef(0);
  const pendingBlur = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    let live = true;
    api
      .call({ type: 'compose/claim', handle })
      .then((job) => {
        if (!live) return;
        setRecipients(job.recipients);
        setPhase({ kind: 'ready', job });
      })
      .catch((e: unknown) => {
        if (!live) return;
        setPhase({ kind: 'refused', reason: isError(e, ErrorCode.Locked) ? 'Overcrypt is locked: unlock it from the toolbar.' : 'This secure box cannot be used here.' });
      });
    return () => {
      live = false;
    };
  }, [api, handle]);

  useEffect(() => {
    const clearPending = () => {
      if (pendingBlur.current !== undefined) clearTimeout(pendingBlur.current);
      pendingBlur.current = undefined;
    };
    const onBlur = () => {
      if (textRef.current.length === 0) return;
      clearPending();
      if (Date.now() < deliveryUntil.current) {
        // Probably the site focusing its box after our delivery: theft only if the focus is not handed back.
        pendingBlur.current = setTimeout(() => {
          pendingBlur.current = undefined;
          setFocusStolen(true);
        }, FOCUS_HANDBACK_MS);
        return;
      }
      setFocusStolen(true);
    };
    // The content script hands us the focus the site's box would have taken: put it in the text box.
    const onFocus = () => {
      clearPending();
      inputRef.current?.focus();
      // Focus handed back after our own delivery is not the user coming back from elsewhere.
      if (Date.now() >= deliveryUntil.current) onReturn.current();
    };
    focus.addEventListener('blur', onBlur);
    focus.addEventListener('focus', onFocus);
    return () => {
      clearPending();
      focus.removeEventListener('blur', onBlur);
      focus.removeEventListener('focus', onFocus);
    };
  }, [focus]);

  const job = phase.kind === 'ready' ? phase.job : undefined;
  const pending = unapprovedDevices(recipients);
  const warnings: ComposeWarning[] = [];
  if (!visible) warnings.push('covered');
  if (focusStolen) warnings.push('focusStolen');
  if (siteBoxChanged) warnings.push('siteBoxChanged');
  if (pending.length > 0) warnings.push('unapproved');
  if (recipients.some((r) => r.state === 'keyChanged')) warnings.push('keyChanged');
  const blocked = warnings.length > 0;

  /**
   * Re-reads the recipients (an approval of nothing; the worker does not count it as user activity). `quiet`: a
   * background refresh keeps what is shown on failure; the user's "Check again" says why it could not check.
   */
  const lastRefresh = useRef(0);
  const refresh = useCallback(
    async (quiet = false) => {
      if (!job) return;
      lastRefresh.current = Date.now();
      try {
        setRecipients((await api.call({ type: 'compose/approve', jobId: job.jobId, cardIds: [] })).recipients);
      } catch (e) {
        // Keep what is shown (the worker checks again on every send).
        if (!quiet) setNotice(`Could not check again: ${isError(e) ? neutraliseLabel(e.message, 100) : 'error'}.`);
      }
    },
    [api, job],
  );

  onReturn.current = () => {
    if (Date.now() - lastRefresh.current >= RETURN_REFRESH_MIN_MS) void refresh(true);
  };

  // Pushes (a contact verified or a key changed elsewhere) and a slow poll while shown (people join and leave).
  useEffect(() => {
    if (!job) return;
    const unsubscribe = onStatusPush?.(() => void refresh(true));
    // A background tab does not look: no directory lookups for it (focus coming back re-reads).
    const poll = () => {
      if (document.visibilityState !== 'hidden') void refresh(true);
    };
    const id = visible ? setInterval(poll, RECIPIENTS_POLL_MS) : undefined;
    return () => {
      unsubscribe?.();
      if (id !== undefined) clearInterval(id);
    };
  }, [job, visible, onStatusPush, refresh]);

  /**
   * Messages waiting to go out, in order. Enter moves the text here at once (the user can type the next one while
   * the worker encrypts); one submit at a time. What cannot be sent goes back into the box.
   */
  const queue = useRef<string[]>([]);
  const sending = useRef(false);
  const blockedRef = useRef(blocked);
  blockedRef.current = blocked;
  const giveBack = (texts: string[]) => setText((now) => [...texts, now].filter((t) => t !== '').join('\n'));

  const drain = useCallback(async () => {
    if (!job || sending.current) return;
    sending.current = true;
    setBusy(true);
    try {
      while (queue.current.length > 0) {
        if (blockedRef.current) return giveBack(queue.current.splice(0));
        const next = queue.current.shift()!;
        deliveryUntil.current = Date.now() + DELIVERY_WINDOW_MS;
        try {
          const r = await api.call({ type: 'compose/submit', jobId: job.jobId, plaintext: next });
          deliveryUntil.current = Date.now() + DELIVERY_WINDOW_MS;
          setNotice(r.parts > 1 ? `Sent encrypted (${r.parts} parts).` : 'Sent encrypted.');
        } catch (e) {
          giveBack([next, ...queue.current.splice(0)]);
          // Who can read changed since the frame opened (a key change, a new device): show it as it is now.
          if (isError(e, ErrorCode.IdentityKeyChanged) || isError(e, ErrorCode.UntrustedIdentity)) await refresh();
          if (isError(e, ErrorCode.ComposeBlocked)) setSiteBoxChanged(true);
          else if (isError(e, ErrorCode.Locked)) setNotice('Overcrypt is locked: unlock it from the toolbar, then press Enter again.');
          else setNotice(`Not sent: ${isError(e) ? neutraliseLabel(e.message, 100) : 'error'}.`);
          return;
        }
      }
    } finally {
      sending.current = false;
      setBusy(false);
    }
  }, [api, job, refresh]);

  const send = () => {
    if (!job || blocked || text.trim().length === 0) return;
    setNotice(undefined);
    queue.current.push(text);
    textRef.current = '';
    setText('');
    void drain();
  };

  const approve = useCallback(async () => {
    if (!job || pending.length === 0) return;
    setBusy(true);
    try {
      const r = await api.call({ type: 'compose/approve', jobId: job.jobId, cardIds: pending });
      setRecipients(r.recipients);
    } catch (e) {
      setNotice(`Could not approve: ${isError(e) ? neutraliseLabel(e.message, 100) : 'error'}.`);
    } finally {
      setBusy(false);
    }
  }, [api, job, pending]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (!visible || vaultLocked) {
      // Keys are refused while the frame is covered: a look-alike laid over part of it must not get them either.
      e.preventDefault();
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };
  const onBeforeInput = (e: Event) => {
    if (!visible) e.preventDefault();
  };

  if (phase.kind === 'claiming') return <div class="oc-compose" data-state="claiming">Opening secure compose…</div>;
  if (phase.kind === 'refused') return <div class="oc-compose oc-refused" data-state="refused">{phase.reason}</div>;

  return (
    <div class={`oc-compose ${blocked ? 'oc-blocked' : ''}`} data-state={blocked ? 'blocked' : 'ready'}>
      <SecurityPattern phrase={phase.job.securityPattern} visible={visible} />
      <textarea
        ref={inputRef}
        class="oc-input"
        aria-label={`Encrypted message to ${neutraliseLabel(phase.job.conversation.title ?? phase.job.conversation.id, 60)}`}
        placeholder="Encrypted message (Enter sends, Shift+Enter new line)"
        value={vaultLocked ? '' : text}
        autoFocus
        readOnly={!visible || siteBoxChanged || vaultLocked}
        onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
        onKeyDown={onKeyDown}
        onBeforeInput={onBeforeInput}
      />
      <div class="oc-compose-footer">
        <Recipients recipients={recipients} onApprove={approve} approving={busy} />
        {warnings.map((w) => (
          <div class="oc-warning" data-warning={w} key={w} role="alert">
            {w === 'keyChanged' ? (
              <button type="button" class="oc-recheck" disabled={busy} onClick={() => void refresh(false)}>
                Check again
              </button>
            ) : null}
            {WARNING_TEXT[w]}
            {w === 'focusStolen' ? (
              <button type="button" class="oc-continue" onClick={() => setFocusStolen(false)}>
                Continue
              </button>
            ) : null}
          </div>
        ))}
        {vaultLocked ? (
          <div class="oc-warning" data-warning="locked" role="status">
            Overcrypt is locked: unlock it from the toolbar to go on. Your draft is kept, hidden.
          </div>
        ) : null}
        {notice ? <div class="oc-notice">{notice}</div> : null}
      </div>
    </div>
  );
}
