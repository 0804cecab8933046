// Typed calls to the desktop shell. Every type here is generated from the Rust side
// (./bindings); nothing here decides anything, it only forwards.
import { Channel, invoke } from '@tauri-apps/api/core';
import type { SheetReport } from './bindings/SheetReport';
import type { PeriodReport } from './bindings/PeriodReport';
import type { TargetGrid } from './bindings/TargetGrid';
import type { ReportHeading } from './bindings/ReportHeading';
import type { ReportFormat } from './bindings/ReportFormat';
import type { SheetField } from './bindings/SheetField';
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
import type { HistoryEntry } from './bindings/HistoryEntry';
import type { UnitRow } from './bindings/UnitRow';
import type { Attachment } from './bindings/Attachment';
import type { SyncStatus } from './bindings/SyncStatus';
import type { ExportReport } from './bindings/ExportReport';
import type { ImportReport } from './bindings/ImportReport';
import type { StagedBundle } from './bindings/StagedBundle';
import type { Progress } from './bindings/Progress';
import type { UnitCard } from './bindings/UnitCard';
import type { TrustedKey } from './bindings/TrustedKey';
import type { Conflict } from './bindings/Conflict';
import type { ReviewState } from './bindings/ReviewState';
import type { Committee } from './bindings/Committee';
import type { CommitteeEntry } from './bindings/CommitteeEntry';
import type { DecisionEntry } from './bindings/DecisionEntry';
import type { Results } from './bindings/Results';
import type { StatusChange } from './bindings/StatusChange';
import type { ScoreInput } from './bindings/ScoreInput';
import type { ScoreView } from './bindings/ScoreView';
import type { DecisionInput } from './bindings/DecisionInput';
import type { HeldRecord } from './bindings/HeldRecord';
import type { BackupStatus } from './bindings/BackupStatus';
import type { Created } from './bindings/Created';
import type { VerifyReport } from './bindings/VerifyReport';
import type { RestoreReport } from './bindings/RestoreReport';
import type { PurgeReport } from './bindings/PurgeReport';
import type { DetachedAttachment } from './bindings/DetachedAttachment';
import type { PersonDataReport } from './bindings/PersonDataReport';

/** A channel the shell reports on (progress, dropped files). */
function channel<T>(on: (value: T) => void): Channel<T> {
  const ch = new Channel<T>();
  ch.onmessage = on;
  return ch;
}

async function bytes(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

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
  history: (id: string) => invoke<HistoryEntry[]>('history', { id }),
  unitRows: () => invoke<UnitRow[]>('unit_rows'),
  attach: async (kind: Kind, id: string, file: File) =>
    invoke<Attachment>('attach', new Uint8Array(await file.arrayBuffer()), {
      headers: { 'x-kind': kind, 'x-id': id, 'x-name': encodeURIComponent(file.name) },
    }),
  attachmentBytes: (sha256: string) => invoke<ArrayBuffer>('attachment_bytes', { sha256 }),
  syncStatus: () => invoke<SyncStatus>('sync_status'),
  exportBundle: (to: string | null, full: boolean, onProgress: (p: Progress) => void) =>
    invoke<ExportReport>('export_bundle', { to, full, onProgress: channel(onProgress) }),
  showExport: () => invoke<void>('show_export'),
  backupStatus: () => invoke<BackupStatus>('backup_status'),
  backupNow: () => invoke<Created>('backup_now'),
  verifyBackup: (id: string) => invoke<VerifyReport>('verify_backup', { id }),
  restoreBackup: (id: string) => invoke<RestoreReport>('restore_backup', { id }),
  setBackupSettings: (automatic: boolean, choose: boolean, remove: boolean) =>
    invoke<BackupStatus>('set_backup_settings', { automatic, choose, remove }),
  purge: (kind: 'person' | 'attachment', id: string) => invoke<PurgeReport>('purge', { kind, id }),
  detach: (id: string) => invoke<RecordView>('detach', { id }),
  detachedAttachments: () => invoke<DetachedAttachment[]>('detached_attachments'),
  exportPersonData: (id: string) => invoke<PersonDataReport>('export_person_data', { id }),
  exportCard: () => invoke<string>('export_card'),
  readCard: async (file: File) => invoke<UnitCard>('read_card', await bytes(file)),
  trustCard: (card: UnitCard) => invoke<TrustedKey>('trust_card', { card }),
  revokeKey: (fingerprint: string) => invoke<TrustedKey>('revoke_key', { fingerprint }),
  stageBundle: async (file: File) =>
    invoke<StagedBundle>('stage_bundle', await bytes(file), {
      headers: { 'x-name': encodeURIComponent(file.name) },
    }),
  watchDrops: (onDrop: (files: StagedBundle[]) => void) => invoke<void>('watch_drops', { onDrop: channel(onDrop) }),
  previewBundle: (token: string) => invoke<ImportReport>('preview_bundle', { token }),
  importBundle: (token: string, onProgress: (p: Progress) => void) =>
    invoke<ImportReport>('import_bundle', { token, onProgress: channel(onProgress) }),
  conflicts: () => invoke<Conflict[]>('conflicts'),
  resolveConflict: (id: string, keep: string) => invoke<Conflict>('resolve_conflict', { id, keep }),
  heldList: () => invoke<HeldRecord[]>('held_list'),
  reviewState: (nomination: string) => invoke<ReviewState>('review_state', { nomination }),
  submitNomination: (nomination: string) => invoke<ReviewState>('submit_nomination', { nomination }),
  committees: () => invoke<CommitteeEntry[]>('committees'),
  committeeTemplate: () => invoke<Committee>('committee_template'),
  /** The ranking's first `limit` rows, and how many there are in all. */
  results: (committee: string, limit: number) => invoke<Results>('results', { committee, limit }),
  startReview: (nomination: string) => invoke<StatusChange>('start_review', { nomination }),
  score: (committee: string, nomination: string, input: ScoreInput) =>
    invoke<ScoreView>('score', { committee, nomination, input }),
  scores: (committee: string, nomination: string) => invoke<ScoreView[]>('scores', { committee, nomination }),
  decide: (committee: string, nomination: string, input: DecisionInput) =>
    invoke<unknown>('decide', { committee, nomination, input }),
  decisionInForce: (nomination: string) => invoke<DecisionEntry | null>('decision_in_force', { nomination }),
  reopenDecision: (decision: string, reason: string) => invoke<StatusChange>('reopen_decision', { decision, reason }),
  /** The chair reopens a member's submitted sheet (`score` is the sheet's id). */
  reopenSheet: (score: string, reason: string) => invoke<ScoreView>('reopen_sheet', { score, reason }),
  forwardNomination: (nomination: string) => invoke<StatusChange>('forward_nomination', { nomination }),
  exportRanking: (committee: string) => invoke<string>('export_ranking', { committee }),
  exportDossier: (nomination: string) => invoke<string>('export_dossier', { nomination }),
  stageSheet: async (file: File) =>
    invoke<StagedBundle>('stage_sheet', await bytes(file), {
      headers: { 'x-name': encodeURIComponent(file.name) },
    }),
  /** `map`: the user's choices, [column letter, field or '-'] pairs. */
  previewSheet: (token: string, kind: Kind, map: [string, string][]) =>
    invoke<SheetReport>('preview_sheet', { token, kind, map }),
  importSheet: (token: string, kind: Kind, map: [string, string][]) =>
    invoke<SheetReport>('import_sheet', { token, kind, map }),
  saveRejectedRows: (token: string, kind: Kind, map: [string, string][]) =>
    invoke<string>('save_rejected_rows', { token, kind, map }),
  saveSheetTemplate: (kind: Kind) => invoke<string>('save_sheet_template', { kind }),
  /** The list as shown (filter, order) to a workbook, or its print view (`print`: an A4 PDF):
   * its path and number of rows. */
  exportList: (kind: Kind, filter: ListFilter, print = false) =>
    invoke<[string, number]>('export_list', { kind, filter, print }),
  targetGrid: (year: number) => invoke<TargetGrid>('target_grid', { year }),
  setTarget: (unit: string, year: number, metric: string, target: number | null) =>
    invoke<TargetGrid>('set_target', { unit, year, metric, target }),
  /** `brief`: without the entries by value (the Overview's, faster). */
  report: (unit: string, period: string, brief = false) => invoke<PeriodReport>('report', { unit, period, brief }),
  reportHeading: (unit: string) => invoke<ReportHeading>('report_heading', { unit }),
  saveReport: (unit: string, period: string, heading: ReportHeading, format: ReportFormat) =>
    invoke<string>('save_report', { unit, period, heading, format }),
  sheetFields: (kind: Kind) => invoke<SheetField[]>('sheet_fields', { kind }),
};

export function emptyFilter(): ListFilter {
  return { unit: null, year: null, status: null, kind: null, trash: false, parent: null, reverse: false };
}
