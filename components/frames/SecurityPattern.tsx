import { patternBackground } from './pattern';

/**
 * The user's security pattern: shown only while the frame is fully visible and not covered (a page that covers part
 * of the frame must not get a picture of it to imitate, nor keystrokes).
 */
export function SecurityPattern({ phrase, visible }: { phrase?: string; visible: boolean }) {
  if (!phrase) return <div class="oc-pattern oc-pattern-missing" data-pattern="none" />;
  if (!visible) return <div class="oc-pattern oc-pattern-hidden" data-pattern="hidden" />;
  return (
    <div class="oc-pattern" data-pattern="shown" style={{ background: patternBackground(phrase) }}>
      <span class="oc-pattern-phrase">{phrase}</span>
    </div>
  );
}
