/**
 * Two hooks every screen uses: `useLoad` (fetch on mount, reload on demand) and `useAction` (a button's request
 * with busy/error state). Both turn a `Locked` answer into the shell's unlock prompt instead of an error box.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ErrorCode, isError, OvercryptError } from '../lib/errors';
import { useUi } from './context';

export interface Loaded<T> {
  data: T | undefined;
  error: OvercryptError | undefined;
  loading: boolean;
  reload(): void;
  /** Replace the data with a fresher value (e.g. the response of an action). */
  set(value: T): void;
}

export function toOvercryptError(e: unknown): OvercryptError {
  return e instanceof OvercryptError ? e : new OvercryptError(ErrorCode.Internal, e instanceof Error ? e.message : String(e));
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): Loaded<T> {
  const { onLocked } = useUi();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<OvercryptError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  useEffect(() => {
    let current = true;
    setLoading(true);
    load().then(
      (v) => {
        if (!current || !alive.current) return;
        setData(v);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (!current || !alive.current) return;
        if (isError(e, ErrorCode.Locked)) onLocked();
        setError(toOvercryptError(e));
        setLoading(false);
      },
    );
    return () => void (current = false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tick, ...deps]);
  return {
    data,
    error,
    loading,
    reload: useCallback(() => setTick((n) => n + 1), []),
    set: useCallback((v: T) => setData(v), []),
  };
}

export interface Action<A extends unknown[], R> {
  run(...args: A): Promise<R | undefined>;
  busy: boolean;
  error: OvercryptError | undefined;
  clearError(): void;
}

/** Runs one request at a time; the error stays until the next run or clearError. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const { onLocked } = useUi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<OvercryptError | undefined>(undefined);
  const busyRef = useRef(false);
  const run = async (...args: A): Promise<R | undefined> => {
    if (busyRef.current) return undefined;
    busyRef.current = true;
    setBusy(true);
    setError(undefined);
    try {
      return await fn(...args);
    } catch (e) {
      if (isError(e, ErrorCode.Locked)) onLocked();
      setError(toOvercryptError(e));
      return undefined;
    } finally {
      busyRef.current = false;
      setBusy(false);
    }
  };
  return { run, busy, error, clearError: () => setError(undefined) };
}
