/** Test helpers for the frame components: a fake ApiClient and a way to let effects and replies settle. */
import { act } from 'preact/test-utils';
import type { ApiClient, ApiRequest } from '../../../lib/api';

export type Handler = (req: ApiRequest) => unknown | Promise<unknown>;

export function fakeApi(handler: Handler): ApiClient & { calls: ApiRequest[] } {
  const calls: ApiRequest[] = [];
  return {
    calls,
    call: (async (req: ApiRequest) => {
      calls.push(req);
      return handler(req);
    }) as ApiClient['call'],
  };
}

/** Lets pending replies resolve and preact re-render (microtasks only, no timers). */
export async function settle(): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any component's vnode
/** Renders inside act() so effects run (preact would otherwise defer them to an animation frame). */
export async function mount(vnode: import('preact').VNode<any>, root: Element): Promise<void> {
  const { render } = await import('preact');
  await act(() => render(vnode, root));
  await settle();
}
