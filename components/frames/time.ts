/**
 * The time shown next to a message, from its *signed* header (`header.sentAt`, epoch ms), never from the page.
 * Local time; formatted by hand because the frame renders up to a region's worth of these at load and
 * `toLocaleString` builds a formatter per call.
 */

const pad = (n: number) => String(n).padStart(2, '0');

/** `short`: "HH:MM"; `full`: "YYYY-MM-DD HH:MM:SS" (local). Empty strings for a missing or absurd timestamp. */
export function messageTime(sentAt: number): { short: string; full: string } {
  if (!Number.isFinite(sentAt) || sentAt <= 0) return { short: '', full: '' };
  const d = new Date(sentAt);
  if (Number.isNaN(d.getTime())) return { short: '', full: '' };
  const short = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const full = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${short}:${pad(d.getSeconds())}`;
  return { short, full };
}
