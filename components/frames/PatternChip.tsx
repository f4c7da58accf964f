import { parsePattern, SYMBOLS, SymbolGlyph } from '../pattern';
import { patternBackground } from './pattern';

/**
 * The user's security pattern as a small chip in a display item's header: the colour and the three symbols they
 * picked at setup (components/pattern.tsx), so it looks like what they chose. Shown only while `visible` (that item
 * is fully in view and not covered): a page that covers part of the frame must not get a picture of it to imitate.
 * A stored pattern in an older free-text form is shown as text over a background derived from it.
 */
export function PatternChip({ phrase, visible }: { phrase?: string; visible: boolean }) {
  if (!phrase) return <span class="oc-pattern oc-pattern-chip" data-pattern="none" />;
  if (!visible) return <span class="oc-pattern oc-pattern-chip" data-pattern="hidden" />;
  const p = parsePattern(phrase);
  if (!p) {
    return (
      <span class="oc-pattern oc-pattern-chip" data-pattern="shown" style={{ background: patternBackground(phrase) }} title="Your security pattern">
        <span class="oc-pattern-phrase">{phrase}</span>
      </span>
    );
  }
  return (
    <span class={`oc-pattern oc-pattern-chip oc-pc-${p.colour}`} data-pattern="shown" title="Your security pattern">
      {p.symbols.map((i) => (
        <SymbolGlyph symbol={SYMBOLS[i]!} size={12} />
      ))}
    </span>
  );
}
