/** WAI-ARIA tabs: arrow keys move between tabs, Home/End jump, the panel follows the selection. */
import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';

export interface TabDef<K extends string> {
  key: K;
  label: string;
  /** Extra mark after the label, e.g. a warning dot with its own aria-label. */
  mark?: ComponentChildren;
}

export function Tabs<K extends string>(props: {
  tabs: TabDef<K>[];
  selected: K;
  onSelect: (k: K) => void;
  label: string;
  children: ComponentChildren;
}) {
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});
  const keys = props.tabs.map((x) => x.key);
  const move = (e: KeyboardEvent) => {
    const i = keys.indexOf(props.selected);
    let next = -1;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = (i + 1) % keys.length;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = (i - 1 + keys.length) % keys.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = keys.length - 1;
    if (next < 0) return;
    e.preventDefault();
    const k = keys[next]!;
    props.onSelect(k);
    refs.current[k]?.focus();
  };
  return (
    <>
      <div class="tabs" role="tablist" aria-label={props.label} onKeyDown={move}>
        {props.tabs.map((tab) => {
          const on = tab.key === props.selected;
          return (
            <button
              key={tab.key}
              ref={(el) => void (refs.current[tab.key] = el)}
              type="button"
              role="tab"
              id={`tab-${tab.key}`}
              aria-selected={on}
              aria-controls={`panel-${tab.key}`}
              tabIndex={on ? 0 : -1}
              class={on ? 'tab on' : 'tab'}
              onClick={() => props.onSelect(tab.key)}
            >
              {tab.label}
              {tab.mark}
            </button>
          );
        })}
      </div>
      <div class="panel" role="tabpanel" id={`panel-${props.selected}`} aria-labelledby={`tab-${props.selected}`} tabIndex={0}>
        {props.children}
      </div>
    </>
  );
}
