import { PatternChip } from './PatternChip';

/**
 * The user's security pattern across the top of the compose frame, drawn like the chip in display frames (the
 * colour and symbols picked at setup). Shown only while the frame is fully visible and not covered: a page that
 * covers part of the frame must not get a picture of it to imitate, nor keystrokes.
 */
export function SecurityPattern({ phrase, visible }: { phrase?: string; visible: boolean }) {
  if (!phrase) return <div class="oc-pattern oc-pattern-missing" data-pattern="none" />;
  if (!visible) return <div class="oc-pattern oc-pattern-hidden" data-pattern="hidden" />;
  return (
    <div class="oc-pattern oc-pattern-strip" data-pattern="shown">
      <PatternChip phrase={phrase} visible />
    </div>
  );
}
