/**
 * Turns armor found in page messages into display units: one unit per encrypted message, with its parts in index
 * order and the page elements that carried them. A single-part armor is a unit at once; the parts of a long message
 * (which the site showed as several messages) are collected until all are there. Parts claimed by different page
 * authors never join (that would let a page splice someone else's part into a message).
 */
import type { ArmorMatch } from '../wire/armor';

export interface ArmorUnit {
  /** Stable for the same armor under the same page author (used to find frames again after a re-render). */
  key: string;
  /** The element the frame replaces (the carrier of the first part). */
  anchor: Element;
  /** Every element that carried a part, `anchor` first. */
  members: Element[];
  /** Armor text of each part, in index order, without page noise. */
  parts: string[];
  author?: string;
  /** Total armor characters: what the frame size is computed from. */
  armorChars: number;
  /** Envelope kind code from the armor (undefined for a damaged armor). */
  kind?: number;
}

interface PendingSet {
  kind: number;
  count: number;
  parts: Map<number, { text: string; element: Element }>;
}

export interface AddResult {
  /** Messages ready to be shown (one frame each). */
  units: ArmorUnit[];
  /**
   * Elements that carry a later part of an already complete message (the site re-rendered them): no frame of
   * their own; `key` is the message's unit key.
   */
  continuations: { element: Element; key: string }[];
}

/** Incomplete multi-part messages kept; the oldest is dropped beyond this. */
export const MAX_PENDING_SETS = 64;
/** Completed multi-part messages remembered so a re-rendered part is recognised. */
export const MAX_COMPLETED_SETS = 512;

export class ArmorUnits {
  private readonly pending = new Map<string, PendingSet>();
  private readonly completed = new Map<string, PendingSet>();

  /** Feeds one scanned message; returns the units it completed (possibly several in one message). */
  add(message: Element, author: string | undefined, text: string, matches: readonly ArmorMatch[]): AddResult {
    const units: ArmorUnit[] = [];
    const continuations: AddResult['continuations'] = [];
    const who = author ?? '';
    for (const m of matches) {
      const armor = canonical(text.slice(m.start, m.end));
      if (!m.ok || m.part.count === 1) {
        // A damaged armor still gets a frame: the worker answers "could not decrypt: tampered".
        const unit: ArmorUnit = { key: `${who}|${armor}`, anchor: message, members: [message], parts: [armor], author, armorChars: armor.length };
        if (m.ok) unit.kind = m.part.kind;
        units.push(unit);
        continue;
      }
      const setKey = `${who}|${m.part.count}|${m.part.setId}|${m.part.kind}`;
      const done = this.completed.get(setKey);
      if (done && done.parts.get(m.part.index)?.text === armor) {
        // A part of a message already shown, re-rendered by the site: the first part brings the frame back.
        done.parts.set(m.part.index, { text: armor, element: message });
        if (m.part.index === 0) units.push(unitOf(setKey, done, author));
        else continuations.push({ element: message, key: setKey });
        continue;
      }
      let set = this.pending.get(setKey);
      if (!set) {
        set = { kind: m.part.kind, count: m.part.count, parts: new Map() };
        this.pending.set(setKey, set);
        this.evict();
      }
      set.parts.set(m.part.index, { text: armor, element: message });
      if (set.parts.size < set.count) continue;
      this.pending.delete(setKey);
      this.completed.set(setKey, set);
      if (this.completed.size > MAX_COMPLETED_SETS) this.completed.delete(this.completed.keys().next().value!);
      units.push(unitOf(setKey, set, author));
    }
    return { units, continuations };
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  clear(): void {
    this.pending.clear();
    this.completed.clear();
  }

  private evict(): void {
    for (const key of this.pending.keys()) {
      if (this.pending.size <= MAX_PENDING_SETS) return;
      this.pending.delete(key);
    }
  }
}

function unitOf(key: string, set: PendingSet, author: string | undefined): ArmorUnit {
  const ordered = [...set.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
  const members = [...new Set(ordered.map((p) => p.element))];
  return {
    key,
    anchor: members[0]!,
    members,
    parts: ordered.map((p) => p.text),
    author,
    armorChars: ordered.reduce((n, p) => n + p.text.length, 0),
    kind: set.kind,
  };
}

/** The armor's own characters: page noise (spaces, zero-width characters, quote markers) removed. */
export function canonical(slice: string): string {
  const chars = slice.replace(/[\s\p{Default_Ignorable_Code_Point}>\\]/gu, '');
  // Anything else inside (an entity, markup) is left for the worker's finder to deal with.
  return /^[A-Za-z0-9]+$/.test(chars) ? chars : slice;
}
