/**
 * The personal security pattern: a colour and three symbols the user picks once, shown in every Overcrypt frame
 * so a web page cannot draw a convincing fake (it does not know the pattern). Symbols are our own SVG glyphs, not
 * emoji, so they look the same on every machine (a browser without an emoji font would show empty boxes).
 * Stored by the worker as a short, human-readable string, so even a view that shows it verbatim is recognisable:
 *   "<colour> <symbol> <symbol> <symbol>"   e.g. "plum star moon bolt"
 * Views render it with <SecurityPatternView pattern={...} />.
 */
import { t } from './i18n';

export const PATTERN_COLOURS = ['teal', 'indigo', 'plum', 'coral', 'amber', 'olive', 'slate', 'rose'] as const;
export type PatternColour = (typeof PATTERN_COLOURS)[number];

/** 24x24 glyphs, drawn filled (even-odd) in white on the pattern colour. */
export const SYMBOL_PATHS = {
  circle: 'M12 4a8 8 0 1 0 0 16a8 8 0 1 0 0-16z',
  square: 'M5 5h14v14H5z',
  triangle: 'M12 3.5L21 19.5H3z',
  diamond: 'M12 2.5L21.5 12L12 21.5L2.5 12z',
  star: 'M12 2.5l2.8 6.1 6.7.7-5 4.5 1.4 6.6L12 17l-5.9 3.4 1.4-6.6-5-4.5 6.7-.7z',
  heart: 'M12 20.5S3.5 15.2 3.5 9.3A4.3 4.3 0 0 1 12 7.2a4.3 4.3 0 0 1 8.5 2.1c0 5.9-8.5 11.2-8.5 11.2z',
  moon: 'M14.5 2.8a9.5 9.5 0 1 0 6.9 13.6A7.6 7.6 0 0 1 14.5 2.8z',
  bolt: 'M13.5 2L4.5 13.5h6L9 22l9.5-12h-6.2z',
  plus: 'M9 3h6v6h6v6h-6v6H9v-6H3V9h6z',
  ring: 'M12 3.5a8.5 8.5 0 1 0 0 17a8.5 8.5 0 1 0 0-17zm0 4a4.5 4.5 0 1 1 0 9a4.5 4.5 0 1 1 0-9z',
  hexagon: 'M12 2.5l8.5 4.8v9.4L12 21.5l-8.5-4.8V7.3z',
  drop: 'M12 2.5s6.5 7.4 6.5 11.8a6.5 6.5 0 0 1-13 0C5.5 9.9 12 2.5 12 2.5z',
  leaf: 'M4 20C4 9.5 10.5 4 20.5 3.5C20 13.5 14.5 20 4 20z',
  arrow: 'M12 2.5l8.5 8.5h-5.3v10.5H8.8V11H3.5z',
  eye: 'M1.5 12S5.5 5 12 5s10.5 7 10.5 7-4 7-10.5 7S1.5 12 1.5 12zm10.5-4a4 4 0 1 0 0 8a4 4 0 1 0 0-8z',
  crown: 'M3 19V7l4.7 4.3L12 4.5l4.3 6.8L21 7v12z',
} as const;
export type PatternSymbol = keyof typeof SYMBOL_PATHS;
export const SYMBOLS = Object.keys(SYMBOL_PATHS) as PatternSymbol[];

export const PATTERN_SYMBOL_COUNT = 3;

export interface SecurityPattern {
  colour: PatternColour;
  symbols: number[];
}

export function formatPattern(p: SecurityPattern): string {
  return [p.colour, ...p.symbols.map((i) => SYMBOLS[i])].join(' ');
}

/** Parses the stored form; null when absent or malformed (views then show a neutral "no pattern" state). */
export function parsePattern(s: string | undefined): SecurityPattern | null {
  const words = (s ?? '').split(' ');
  const [colour, ...names] = words;
  if (!PATTERN_COLOURS.includes(colour as PatternColour) || names.length !== PATTERN_SYMBOL_COUNT) return null;
  const symbols = names.map((n) => SYMBOLS.indexOf(n as PatternSymbol));
  if (symbols.some((i) => i < 0) || new Set(symbols).size !== symbols.length) return null;
  return { colour: colour as PatternColour, symbols };
}

export function SymbolGlyph(props: { symbol: PatternSymbol; size?: number }) {
  const size = props.size ?? 20;
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} aria-hidden="true" focusable="false" class="glyph">
      <path d={SYMBOL_PATHS[props.symbol]} fill="currentColor" fill-rule="evenodd" />
    </svg>
  );
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
  const names = p.symbols.map((i) => SYMBOLS[i]!);
  const label = t('pattern_label', t(`colour_${p.colour}`), names.map((n) => t(`symbol_${n}`)).join(', '));
  return (
    <span class={`pattern pattern-${p.colour} pattern-${props.size ?? 'small'}`} role="img" aria-label={label}>
      {names.map((n) => (
        <SymbolGlyph symbol={n} size={props.size === 'large' ? 30 : 16} />
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
                aria-label={t(`symbol_${s}`)}
                disabled={!on && value.symbols.length >= PATTERN_SYMBOL_COUNT}
                onClick={() => toggle(i)}
              >
                <SymbolGlyph symbol={s} size={24} />
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
