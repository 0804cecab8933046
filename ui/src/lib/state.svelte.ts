// What the window shows: the app's status, the screen, the record open on it, and the
// guard against leaving a form with unsaved changes.
import type { AppStatus } from './bindings/AppStatus';
import type { Vocabulary } from './bindings/Vocabulary';
import type { UnitRow } from './bindings/UnitRow';
import type { Kind } from './bindings/Kind';
import { api } from './api';
import { setLang } from './i18n.svelte';

export type Screen =
  | 'overview'
  | 'entries'
  | 'projects'
  | 'nominations'
  | 'people'
  | 'units'
  | 'trash'
  | 'review'
  | 'sync'
  | 'sheets'
  | 'reports'
  | 'targets'
  | 'settings';

/** The screen that lists each kind of record. */
export const screenOf: Partial<Record<Kind, Screen>> = {
  entry: 'entries',
  project: 'projects',
  update: 'projects',
  nomination: 'nominations',
  person: 'people',
  unit: 'units',
};

export const ui = $state({
  status: null as AppStatus | null,
  vocab: null as Vocabulary | null,
  units: [] as UnitRow[],
  screen: 'overview' as Screen,
  /** The record open on the screen: an id, `'new'`, or null. */
  open: null as string | null,
  /** A form with unsaved changes is showing. */
  dirty: false,
  /** Set while the "discard changes?" question is asked. */
  asking: null as ((leave: boolean) => void) | null,
  toast: null as { text: string; undo?: () => void } | null,
  searchOpen: false,
});

export function applyStatus(s: AppStatus) {
  ui.status = s;
  setLang(s.settings.lang);
}

export async function refreshUnits() {
  ui.units = await api.unitRows();
}

/** Asks before dropping unsaved changes; true when it is fine to go on. */
export function confirmLeave(): Promise<boolean> {
  if (!ui.dirty) return Promise.resolve(true);
  return new Promise((resolve) => {
    ui.asking = (leave) => {
      ui.asking = null;
      if (leave) ui.dirty = false;
      resolve(leave);
    };
  });
}

export async function go(screen: Screen, open: string | null = null) {
  if (!(await confirmLeave())) return;
  ui.screen = screen;
  ui.open = open;
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
export function toast(text: string, undo?: () => void) {
  ui.toast = { text, undo };
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (ui.toast = null), undo ? 8000 : 3000);
}

export function unitName(code: string | null | undefined): string {
  if (!code) return '';
  return ui.units.find((u) => u.code === code)?.name ?? code;
}
