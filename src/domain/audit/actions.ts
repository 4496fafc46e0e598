/**
 * Japanese names of every audit action the code writes (issue 16: the audit
 * view for people). One table: the API sends the name with each row and the
 * list for the action filter. `test/audit-actions.test.ts` scans src/ for the action
 * strings the code writes and fails for one without a name here — add the
 * name when you add an action.
 */
export const AUDIT_ACTION_NAMES = {
  // Sign-in and accounts
  "auth.login": "ログイン",
  "auth.login_failed": "ログイン失敗",
  "auth.logout": "ログアウト",
  "auth.password_changed": "パスワード変更",
  "auth.password_ok": "パスワード確認（二要素認証の前）",
  "auth.reauth": "再認証",
  "auth.reauth_failed": "再認証の失敗",
  "auth.second_factor_enrolled": "二要素認証の登録",
  "auth.second_factor_failed": "二要素認証の失敗",
  "auth.second_factor_reset": "二要素認証のリセット",
  "auth.second_factor_disabled": "二要素認証の停止（本人）",
  "auth.recovery_codes_regenerated": "回復コードの再発行",
  "auth.sessions_ended": "セッションの終了",
  "authz.denied": "権限のない操作の拒否",
  // User administration
  "user.create": "利用者の追加",
  "user.disable": "利用者の無効化",
  "user.enable": "利用者の再有効化",
  "user.password_reset": "パスワードの再設定",
  "user.roles": "役割の変更",
  "user.import_sources": "取り込めるデータの変更",
  "user.inventory": "利用者の棚卸",
  "user.inventory_export": "利用者の棚卸表の出力",
  "user.email": "利用者のメールアドレスの変更",
  "mail.settings": "メール通知（SMTP）の設定の変更",
  "mail.test": "試験メールの送信",
  "municipality.add": "自治体の追加",
  // The audit log itself
  "audit.view": "監査ログの閲覧",
  "audit.report": "監査レポートの出力",
  "audit.report_view": "監査レポートの閲覧",
  // Children: views, search, exports
  "child.view": "こども詳細の閲覧",
  "household.view": "世帯の閲覧",
  "children.list": "こども一覧の閲覧",
  "children.search": "こどもの検索",
  "children.matrix": "判定一覧の閲覧",
  "children.export": "こども一覧の出力",
  "export.flags": "判定結果の出力",
  "export.scores": "スコアの出力",
  "export.links": "名寄せ結果の出力",
  "export.persons": "名寄せ人物の出力",
  // Imports
  "import.file": "データの取込",
  "import.correct": "取込データの訂正",
  "import.undo": "置き換えの取り消し",
  "import.rejections.download": "取込エラー行のダウンロード",
  "source.declare": "データ元の登録",
  "source.remove": "データ元の削除",
  "gaiji.set": "外字表の設定",
  "retention.policy": "保存期間の設定",
  "retention.settings": "保存期間の設定の変更（画面）",
  "retention.delete": "保存期間を過ぎたデータの削除",
  "retention.cases": "保存期間を過ぎた終結ケースの削除",
  "retention.case_policy": "終結ケースの保存期間の設定",
  "retention.persons": "保存期間を過ぎた個人の取込行の削除",
  "retention.person_policy": "個人の取込行の保存期間の設定",
  "demo.load": "デモデータの読込",
  // Linkage review
  "linkage.review_view": "名寄せ確認リストの閲覧",
  "linkage.decision": "名寄せの判断",
  "linkage.decision_undo": "名寄せの判断の取り消し",
  "linkage.settings": "名寄せの設定の変更",
  // Monthly run and rules
  "run.start": "月次実行の開始",
  "run.link": "名寄せの実行",
  "run.score": "判定の実行",
  "run.complete": "月次実行の完了",
  "run.failed": "月次実行の失敗",
  "rules.version": "判定規則の保存",
  "rules.preview": "判定規則の試算",
  "rules.compare": "判定規則の比較",
  "rules.preview_moves": "判定規則の試算（入る・外れるこども）",
  "models.train": "モデルの学習（試行）",
  // Cases, review lists and conferences (issue 13)
  "review_list.create": "候補リストの作成",
  "review_list.view": "候補リストの閲覧",
  "review_list.add": "候補リストへの追加",
  "settings.update": "確認件数の上限の設定",
  "masking.update": "マスキングルールの変更",
  "conference.create": "会議の登録",
  "conference.view": "会議の閲覧",
  "case.view": "ケースの閲覧",
  "case.schedule": "会議の議題への追加",
  "case.decide": "会議での決定",
  "case.correct": "ケース記録の訂正",
  "case.register_council": "要対協への登録",
  "case.assign": "担当者の変更",
  "case.plan": "支援計画の記録",
  "case.action": "支援の記録",
  "case.follow_up": "予定の登録",
  "case.follow_up_done": "予定の完了",
  "case.evaluate": "判定結果の評価",
  "case.close": "ケースの終結",
  "case.reopen": "ケースの再開",
  "case.relist": "ケースの見直し（候補リストへ戻す）",
  "case.unschedule": "会議の議題から外す",
  "case.request_info": "情報収集の開始",
  // 情報収集シート (issue 13)
  "sheet.list": "情報収集シート一覧の閲覧",
  "sheet.view": "情報収集シートの閲覧",
  "sheet.inbox": "受信した情報収集シートの閲覧",
  "sheet.template.save": "シートのひな形の保存",
  "sheet.template.reset": "シートのひな形を標準に戻す",
  "sheet.send": "情報収集シートの送付",
  "sheet.send_bulk": "情報収集シートの一括送付",
  "sheet.answer": "情報収集シートへの回答",
  "sheet.withdraw": "情報収集シートの取り下げ",
  // Privacy (issue 12)
  "export.pseudonymised": "仮名化データの出力",
  "export.register": "個人情報ファイル簿用の項目一覧の出力",
  "breakglass.open": "緊急時の閲覧の開始",
  "breakglass.check": "緊急時の閲覧の対象の確認",
  "breakglass.report": "緊急時の閲覧の報告の閲覧",
  // Rights of the data subject: 開示・訂正・利用停止 (issue 12)
  "rights.disclosure": "開示請求への対応",
  "rights.stop": "利用停止",
  "rights.resume": "利用停止の解除",
  "rights.stops.view": "利用停止の一覧の閲覧",
  "rights.records.view": "訂正のための本人の行の閲覧",
  "rights.correct": "訂正",
  "rights.correction.withdraw": "訂正の取消し",
  // Statistics
  "stats.validate": "統計との照合",
  "stats.export": "統計用データの出力",
} as const satisfies Record<string, string>;

export type AuditAction = keyof typeof AUDIT_ACTION_NAMES;

/** The Japanese name of an action; an unknown one (written by a newer version) as recorded. */
export function auditActionName(action: string): string {
  return (AUDIT_ACTION_NAMES as Record<string, string>)[action] ?? action;
}

/** Every known action with its name, in the table's order (for the filter). */
export const AUDIT_ACTIONS: readonly { id: string; label: string }[] = Object.entries(
  AUDIT_ACTION_NAMES,
).map(([id, label]) => ({ id, label }));
