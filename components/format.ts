/** Small, pure formatting helpers shared by the screens. */
import { t } from './i18n';

/** "12345678901234..." -> ["12345", "67890", ...] */
export function groupsOf(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** A fingerprint shown in groups of 4 for reading aloud: "a1b2 c3d4 e5f6". */
export function spacedFingerprint(fp: string): string {
  return groupsOf(fp.replace(/\s+/g, ''), 4).join(' ');
}

/** "today", "1 day ago", "12 days ago" from a timestamp in ms. */
export function ageInDays(then: number, now: number): string {
  const days = Math.max(0, Math.floor((now - then) / 86_400_000));
  if (days === 0) return t('time_today');
  if (days === 1) return t('time_dayAgo');
  return t('time_daysAgo', days);
}

export function formatDate(ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** Host of an http(s) URL, or null. */
export function hostOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.host : null;
  } catch {
    return null;
  }
}
