/**
 * Finds armor in a live page without ever being a long task on it.
 *
 * A MutationObserver only records what changed (cheap, synchronous); the work — finding which message a change
 * belongs to and reading that message's text — runs later in idle slices (schedule.ts). Each message is scanned on
 * its whole `textContent`, so armor the site split over nick spans, links and line breaks is still found. A message
 * whose text did not change and whose replacement is still in place is not scanned again; one the site re-rendered
 * (new element, or our frame removed) is reported again so the replacement is re-applied.
 */
import { findArmor, type ArmorMatch } from '../wire/armor';
import type { MessageLocator } from './locator';
import { isElement } from './locator';
import { SlicedQueue, type Scheduler } from './schedule';

export interface FoundMessage {
  message: Element;
  textElement: Element;
  /** Author as the page shows it. */
  author?: string;
  text: string;
  matches: ArmorMatch[];
}

export interface ArmorScannerOptions {
  root: Node;
  locator: MessageLocator;
  scheduler: Scheduler;
  /** Called for each message that holds armor and needs (re)placing. */
  onFound(found: FoundMessage): void;
  /** Called when a message we reported earlier no longer holds armor (the site edited or cleared it). */
  onCleared?(message: Element): void;
  /** Our own inserted nodes (frames, buttons): their mutations are ignored. */
  isOwnNode(node: Node): boolean;
  /** True while our replacement for `message` is still in the page. */
  isApplied(message: Element): boolean;
  /** Reorders pending work, e.g. messages in the viewport first. */
  prioritise?(nodes: Node[]): Node[];
  MutationObserver: typeof MutationObserver;
  sliceMs?: number;
  /** End of each idle slice: what onFound reported during it can be handled as one batch. */
  onSliceEnd?(): void;
  onIdle?(): void;
}

export class ArmorScanner {
  private readonly queue: SlicedQueue<Node>;
  /** Elements known to be messages (queued to be scanned, not resolved). */
  private readonly messages = new WeakSet<Node>();
  /** Added subtrees: look for messages inside them, not only around them. */
  private readonly deep = new WeakSet<Node>();
  /** Text of each message at its last scan. */
  private readonly lastText = new WeakMap<Element, string>();
  /** Messages reported to onFound (so onCleared is only called for those). */
  private readonly reported = new WeakSet<Element>();
  private observer: MutationObserver | undefined;

  constructor(private readonly opts: ArmorScannerOptions) {
    this.queue = new SlicedQueue<Node>({
      scheduler: opts.scheduler,
      process: (node) => this.process(node),
      prioritise: opts.prioritise,
      sliceMs: opts.sliceMs,
      onSliceEnd: opts.onSliceEnd,
      onIdle: opts.onIdle,
    });
  }

  /** Observes the root and queues everything already there (history rendered before we started). */
  start(): void {
    this.observer = new this.opts.MutationObserver((records) => this.record(records));
    this.observer.observe(this.opts.root, { childList: true, subtree: true, characterData: true });
    this.rescan();
  }

  /** Queues the whole root again (after unlock, a conversation switch, or a re-enable). */
  rescan(): void {
    this.deep.add(this.opts.root);
    this.queue.push([this.opts.root]);
  }

  /** Forces a scan of one message even if its text did not change. */
  recheck(message: Element): void {
    this.lastText.delete(message);
    this.messages.add(message);
    this.queue.push([message]);
  }

  stop(): void {
    this.observer?.disconnect();
    this.observer = undefined;
    this.queue.stop();
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Whether a node still waiting to be scanned matches (e.g. a message row in view). */
  isPending(match: (node: Node) => boolean): boolean {
    return this.queue.has(match);
  }

  /** The next slice runs soon, idle time or not (see SlicedQueue.hurry). */
  hurry(): void {
    this.queue.hurry();
  }

  private record(records: MutationRecord[]): void {
    const nodes: Node[] = [];
    const own = this.opts.isOwnNode;
    for (const r of records) {
      if (own(r.target)) continue;
      if (r.type === 'childList') {
        const added = Array.from(r.addedNodes).filter((n) => !own(n));
        const removedOwn = Array.from(r.removedNodes).some(own);
        const removedOther = Array.from(r.removedNodes).some((n) => !own(n));
        // Only our own frame was added: nothing to do. Our frame was removed by the site: re-apply.
        if (added.length === 0 && !removedOther && !removedOwn) continue;
        for (const n of added) {
          if (isElement(n)) this.deep.add(n);
          nodes.push(n);
        }
        if (removedOther || removedOwn) nodes.push(r.target);
        else if (added.length > 0) nodes.push(r.target);
      } else {
        nodes.push(r.target);
      }
    }
    if (nodes.length > 0) this.queue.push(nodes);
  }

  private process(node: Node): void {
    if (this.messages.has(node) && isElement(node)) {
      this.messages.delete(node);
      this.scan(node);
      return;
    }
    const { locator } = this.opts;
    const found: Element[] = [];
    const around = locator.messageOf(node);
    if (around) found.push(around);
    if (this.deep.has(node)) {
      this.deep.delete(node);
      if (isElement(node) || node.nodeType === 9 || node.nodeType === 11) found.push(...locator.messagesIn(node as ParentNode));
    }
    for (const m of found) this.messages.add(m);
    if (found.length > 0) this.queue.push(found);
  }

  private scan(message: Element): void {
    if (!message.isConnected) return;
    const textElement = this.opts.locator.textOf(message);
    if (!textElement) return;
    const text = textElement.textContent ?? '';
    const before = this.lastText.get(message);
    if (before === text && this.opts.isApplied(message)) return;
    this.lastText.set(message, text);
    const matches = text.length >= 12 ? findArmor(text) : [];
    if (matches.length === 0) {
      if (this.reported.has(message)) {
        this.reported.delete(message);
        this.opts.onCleared?.(message);
      }
      return;
    }
    this.reported.add(message);
    this.opts.onFound({ message, textElement, author: this.opts.locator.authorOf(message), text, matches });
  }
}
