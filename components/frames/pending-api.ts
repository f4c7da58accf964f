/**
 * TODO(api): fields and requests the frames need that lib/api does not have yet (requested from the worker helper).
 * Code reads them as optional, so the frames work (without these features) against the current API.
 */
import type { ApiClient, DisplayResult } from '../../lib/api';

/** TODO(api): `securityPattern?: string` on both branches of DisplayResult (the display frames show it too). */
export type DisplayResultWithPattern = DisplayResult & { securityPattern?: string };

/**
 * TODO(api): `'compose/block': { req: { jobId: string; reason: 'siteBoxChanged' | 'frameGone' }; res: {} }` from the
 * content script that opened the job: the worker then refuses `compose/submit` for that job with
 * ErrorCode.ComposeBlocked. Until it exists the call fails (Malformed) and the content script still refuses to
 * insert ciphertext, so nothing is sent either way.
 */
export type ComposeBlockReason = 'siteBoxChanged' | 'frameGone';

export async function callComposeBlock(api: ApiClient, jobId: string, reason: ComposeBlockReason): Promise<void> {
  const call = api.call as unknown as (req: { type: string; jobId: string; reason: string }) => Promise<unknown>;
  await call({ type: 'compose/block', jobId, reason });
}
