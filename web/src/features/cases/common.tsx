/** Small pieces shared by the workflow pages (issue 13). */
import type { ReactNode } from "react";
import { ApiFailure } from "../../lib/api.ts";

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  const text =
    error instanceof ApiFailure || error instanceof Error ? error.message : "エラーが起きました。";
  return (
    <p role="alert" className="alert alert-error">
      {text}
    </p>
  );
}

export function Done({ children }: { children: ReactNode }) {
  return (
    <p role="status" className="alert alert-success">
      {children}
    </p>
  );
}

/** The mark shown beside a child who is on a list or has an open case. */
export function CaseMark({ state, label }: { state: string; label: string }) {
  return (
    <span className={`chip case-mark case-${state}`} data-testid="case-mark">
      {label}
    </span>
  );
}

export const DECISION_OPTIONS = [
  { id: "support", label: "要支援" },
  { id: "investigate", label: "調査継続" },
  { id: "watch", label: "経過観察" },
  { id: "no_support", label: "支援不要" },
] as const;

export const ACTION_OPTIONS = [
  { id: "interview", label: "面談" },
  { id: "home_visit", label: "家庭訪問" },
  { id: "referral", label: "関係機関への紹介" },
  { id: "affiliation_watch", label: "所属での見守り" },
  { id: "allowance_guidance", label: "手当申請の案内" },
  { id: "other", label: "その他" },
] as const;

export const VERDICT_OPTIONS = [
  { id: "hit", label: "当たり（支援が必要だった）" },
  { id: "miss", label: "外れ（支援は不要だった）" },
  { id: "other", label: "別の困難があった" },
] as const;

export function thisMonth(): string {
  return new Date().toISOString().slice(0, 7);
}

export function fmt(iso: string): string {
  return new Date(iso).toLocaleString("ja-JP");
}
