// Typed calls to the desktop shell. Every type here is generated from the Rust side
// (./bindings); nothing here decides anything, it only forwards.
import { invoke } from '@tauri-apps/api/core';
import type { AppStatus } from './bindings/AppStatus';
import type { Vocabulary } from './bindings/Vocabulary';
import type { UnitChoice } from './bindings/UnitChoice';
import type { Setup } from './bindings/Setup';
import type { Lang } from './bindings/Lang';
import type { Overview } from './bindings/Overview';
import type { Kind } from './bindings/Kind';
import type { ListFilter } from './bindings/ListFilter';
import type { Page } from './bindings/Page';
import type { RecordView } from './bindings/RecordView';
import type { HistoryRow } from './bindings/HistoryRow';
import type { UnitRow } from './bindings/UnitRow';
import type { Attachment } from './bindings/Attachment';

export const api = {
  status: () => invoke<AppStatus>('status'),
  vocabulary: () => invoke<Vocabulary>('vocabulary'),
  findUnits: (query: string) => invoke<UnitChoice[]>('find_units', { query }),
  setup: (setup: Setup) => invoke<AppStatus>('setup', { setup }),
  setLang: (lang: Lang) => invoke<AppStatus>('set_lang', { lang }),
  setUser: (user: string) => invoke<AppStatus>('set_user', { user }),
  chooseDataDir: () => invoke<AppStatus | null>('choose_data_dir'),
  overview: (year: number) => invoke<Overview>('overview', { year }),
  list: (kind: Kind, filter: ListFilter, after: string | null, limit: number) =>
    invoke<Page>('list', { kind, filter, after, limit }),
  search: (query: string, filter: ListFilter, after: string | null, limit: number) =>
    invoke<Page>('search', { query, filter, after, limit }),
  get: (kind: Kind, id: string) => invoke<RecordView>('get', { kind, id }),
  put: (kind: Kind, input: Record<string, unknown>) => invoke<RecordView>('put', { kind, input }),
  delete: (kind: Kind, id: string) => invoke<RecordView>('delete', { kind, id }),
  restore: (kind: Kind, id: string) => invoke<RecordView>('restore', { kind, id }),
  history: (id: string) => invoke<HistoryRow[]>('history', { id }),
  unitRows: () => invoke<UnitRow[]>('unit_rows'),
  attach: async (kind: Kind, id: string, file: File) =>
    invoke<Attachment>('attach', new Uint8Array(await file.arrayBuffer()), {
      headers: { 'x-kind': kind, 'x-id': id, 'x-name': encodeURIComponent(file.name) },
    }),
  attachmentBytes: (sha256: string) => invoke<ArrayBuffer>('attachment_bytes', { sha256 }),
};

export function emptyFilter(): ListFilter {
  return { unit: null, year: null, status: null, kind: null, trash: false, parent: null, reverse: false };
}
