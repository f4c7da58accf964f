/**
 * The personal security pattern: a colour and three symbols the user picks once, shown in every Overcrypt frame
 * so a web page cannot draw a convincing fake (it does not know the pattern). Stored by the worker as a short,
 * human-readable string, so that even a view that shows it verbatim shows something recognisable:
 *   "<symbol><symbol><symbol> <colour>"   e.g. "🦊🌵⭐ teal"
 * Views render it with <SecurityPatternView pattern={...} />.
 */
import { t } from './i18n';

export const PATTERN_COLOURS = ['teal', 'indigo', 'plum', 'coral', 'amber', 'olive', 'slate', 'rose'] as const;
export type PatternColour = (typeof PATTERN_COLOURS)[number];

/** Visually distinct symbols that render in every common emoji font. */
export const SYMBOLS = ['🦊', '🌵', '⭐', '🐙', '🍋', '🚲', '🎈', '🌙', '🐢', '🍄', '⚓', '🎲', '🦉', '🌻', '🔔', '🍒'] as const;

export const PATTERN_SYMBOL_COUNT = 3;

export interface SecurityPattern {
  colour: PatternColour;
  symbols: number[];
}

export function formatPattern(p: SecurityPattern): string {
  return `${p.symbols.map((i) => SYMBOLS[i]).join('')} ${p.colour}`;
}

/** Parses the stored form; null when absent or malformed (views then show a neutral "no pattern" state). */
export function parsePattern(s: string | undefined): SecurityPattern | null {
  const m = /^(\S+) ([a-z]+)$/u.exec(s ?? '');
  if (!m) return null;
  const colour = m[2] as PatternColour;
  if (!PATTERN_COLOURS.includes(colour)) return null;
  // Every symbol is one code point, so splitting by code point is exact.
  const symbols = Array.from(m[1]!).map((ch) => (SYMBOLS as readonly string[]).indexOf(ch));
  if (symbols.length !== PATTERN_SYMBOL_COUNT || symbols.some((i) => i < 0)) return null;
  return { colour, symbols };
}

/** A random starting pattern (the user is asked to change it to one they will remember). */
export function randomPattern(random: () => number = Math.random): SecurityPattern {
  const pick = (n: number) => Math.floor(random() * n) % n;
  const symbols: number[] = [];
  while (symbols.length < PATTERN_SYMBOL_COUNT) {
    const s = pick(SYMBOLS.length);
    if (!symbols.includes(s)) symbols.push(s);
  }
  return { colour: PATTERN_COLOURS[pick(PATTERN_COLOURS.length)] ?? 'teal', symbols };
}

export function SecurityPatternView(props: { pattern: string | undefined; size?: 'small' | 'large' }) {
  const p = parsePattern(props.pattern);
  if (!p) return <span class="pattern pattern-none">{t('pattern_none')}</span>;
  const label = t('pattern_label', t(`colour_${p.colour}`), p.symbols.map((i) => SYMBOLS[i]).join(' '));
  return (
    <span class={`pattern pattern-${p.colour} pattern-${props.size ?? 'small'}`} role="img" aria-label={label}>
      {p.symbols.map((i) => (
        <span class="pattern-symbol" aria-hidden="true">
          {SYMBOLS[i]}
        </span>
      ))}
    </span>
  );
}

/** Colour radio group + symbol toggles (pick exactly three), fully usable with the keyboard. */
export function PatternPicker(props: { value: SecurityPattern; onChange: (p: SecurityPattern) => void }) {
  const { value, onChange } = props;
  const toggle = (i: number) => {
    if (value.symbols.includes(i)) {
      onChange({ ...value, symbols: value.symbols.filter((s) => s !== i) });
    } else if (value.symbols.length < PATTERN_SYMBOL_COUNT) {
      onChange({ ...value, symbols: [...value.symbols, i] });
    }
  };
  return (
    <div class="pattern-picker">
      <fieldset>
        <legend>{t('pattern_colourLegend')}</legend>
        <div class="swatches">
          {PATTERN_COLOURS.map((c) => (
            <label class={`swatch pattern-${c}`} key={c}>
              <input
                type="radio"
                name="pattern-colour"
                value={c}
                checked={value.colour === c}
                onChange={() => onChange({ ...value, colour: c })}
              />
              <span>{t(`colour_${c}`)}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('pattern_symbolsLegend', PATTERN_SYMBOL_COUNT, value.symbols.length)}</legend>
        <div class="symbols">
          {SYMBOLS.map((s, i) => {
            const on = value.symbols.includes(i);
            return (
              <button
                type="button"
                key={s}
                class={on ? 'symbol on' : 'symbol'}
                aria-pressed={on}
                aria-label={t('pattern_symbolButton', s)}
                disabled={!on && value.symbols.length >= PATTERN_SYMBOL_COUNT}
                onClick={() => toggle(i)}
              >
                {s}
              </button>
            );
          })}
        </div>
      </fieldset>
      <div class="pattern-preview">
        <span>{t('pattern_preview')}</span>
        {value.symbols.length === PATTERN_SYMBOL_COUNT ? (
          <SecurityPatternView pattern={formatPattern(value)} size="large" />
        ) : (
          <span class="hint">{t('pattern_pickMore', PATTERN_SYMBOL_COUNT - value.symbols.length)}</span>
        )}
      </div>
    </div>
  );
}
