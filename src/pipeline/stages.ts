/**
 * The stages of a monthly run, in order, and how a stage reports itself.
 * pipeline/linkage.ts and pipeline/score.ts call the reporter; the run engine
 * (pipeline/run.ts) records it in run_job, the CLI prints it, the app polls it.
 */
export const RUN_STAGES = [
  "read",
  "link",
  "store_links",
  "evaluate",
  "score",
  "store_scores",
  "publish",
] as const;

export type RunStage = (typeof RUN_STAGES)[number];

/** Japanese names of the stages (CLI and web app). */
export const RUN_STAGE_NAMES: Readonly<Record<RunStage, string>> = {
  read: "取り込みデータの読込",
  link: "名寄せ",
  store_links: "名寄せ結果の保存",
  evaluate: "データ項目の判定",
  score: "困難の種類ごとの点数",
  store_scores: "判定結果の保存",
  publish: "結果の公開",
};

export interface StageReporter {
  /** A stage begins. Awaited: the run waits for the record to be written. */
  enter(stage: RunStage): Promise<void> | void;
  /** A stage is done, with what it counted. */
  done(stage: RunStage, counts: Readonly<Record<string, number>>): Promise<void> | void;
}
