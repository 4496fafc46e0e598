import type { Migration } from "kysely";
import * as foundation from "./0001-foundation.ts";
import * as importing from "./0002-import.ts";
import * as linkage from "./0003-linkage.ts";
import * as scoring from "./0004-scoring.ts";
import * as review from "./0005-review.ts";
import * as motherChild from "./0006-mother-child.ts";
import * as retention from "./0007-retention.ts";
import * as policy from "./0008-policy.ts";
import * as importReplacement from "./0010-import-replacement.ts";
import * as runJob from "./0015-run-job.ts";
import * as durableLinkage from "./0020-durable-linkage.ts";
import * as sourceDeclaration from "./0030-source-declaration.ts";
import * as gaiji from "./0031-gaiji.ts";
import * as rowSecurity from "./0040-row-security.ts";
import * as auditAnchor from "./0045-audit-anchor.ts";
import * as accounts from "./0046-accounts.ts";
import * as runViews from "./0050-run-views.ts";
import * as childViews from "./0055-child-views.ts";
import * as cases from "./0060-cases.ts";
import * as mail from "./0061-mail.ts";
import * as followUpReminder from "./0062-follow-up-reminder.ts";
import * as sealedMailPassword from "./0063-sealed-mail-password.ts";
import * as runPartitions from "./0064-run-partitions.ts";
import * as sheets from "./0065-sheets.ts";
import * as totpMustEnrol from "./0066-totp-must-enrol.ts";
import * as scorePartitions from "./0067-score-partitions.ts";
import * as partitionStatistics from "./0068-partition-statistics.ts";
import * as appRunPartitions from "./0069-app-run-partitions.ts";
import * as previousLogin from "./0070-previous-login.ts";
import * as caseworkNotify from "./0071-casework-notify.ts";
import * as auditDisclosureVerify from "./0073-audit-disclosure-verify.ts";
import * as breakGlassNotify from "./0074-break-glass-notify.ts";
import * as security from "./0075-security.ts";
import * as rights from "./0076-rights.ts";
import * as maskingRules from "./0077-masking-rules.ts";
import * as auditDisclosure from "./0078-audit-disclosure.ts";
import * as linkKeyRows from "./0079-link-key-rows.ts";
import * as homeOrderTies from "./0080-home-order-ties.ts";
import * as factCorrection from "./0081-fact-correction.ts";
import * as usageStopKeys from "./0082-usage-stop-keys.ts";
import * as caseRetention from "./0083-case-retention.ts";
import * as caseRetentionSetting from "./0084-case-retention-setting.ts";
import * as personRetention from "./0085-person-retention.ts";
import * as auditPersons from "./0086-audit-persons.ts";
import * as importSources from "./0088-import-sources.ts";
import * as auditDisclosureXid from "./0089-audit-disclosure-xid.ts";
import * as auditChainOrder from "./0090-audit-chain-order.ts";
import * as heldItems from "./0091-held-items.ts";
import * as changeNotify from "./0092-change-notify.ts";
import * as runDataNotify from "./0093-run-data-notify.ts";
import * as appRunCheck from "./0094-app-run-check.ts";
import * as appRunRows from "./0094-app-run-rows.ts";
import * as homeFlagged from "./0095-home-flagged.ts";
import * as distributionKeys from "./0096-distribution-keys.ts";

/**
 * Every migration, in order. Names are permanent (they are recorded in the
 * database); add new ones at the end as `NNNN-topic`.
 */

export const migrations: Record<string, Migration> = {
  "0001-foundation": foundation,
  "0002-import": importing,
  "0003-linkage": linkage,
  "0004-scoring": scoring,
  "0005-review": review,
  "0006-mother-child": motherChild,
  "0007-retention": retention,
  "0008-policy": policy,
  "0015-run-job": runJob,
  "0045-audit-anchor": auditAnchor,
  "0046-accounts": accounts,
  "0030-source-declaration": sourceDeclaration,
  "0031-gaiji": gaiji,
  "0050-run-views": runViews,
  "0020-durable-linkage": durableLinkage,
  "0010-import-replacement": importReplacement,
  "0040-row-security": rowSecurity,
  "0055-child-views": childViews,
  "0070-previous-login": previousLogin,
  "0075-security": security,
  "0060-cases": cases,
  "0065-sheets": sheets,
  "0076-rights": rights,
  "0081-fact-correction": factCorrection,
  "0082-usage-stop-keys": usageStopKeys,
  "0083-case-retention": caseRetention,
  "0090-audit-chain-order": auditChainOrder,
  "0077-masking-rules": maskingRules,
  "0091-held-items": heldItems,
  "0061-mail": mail,
  "0095-home-flagged": homeFlagged,
  "0084-case-retention-setting": caseRetentionSetting,
  "0085-person-retention": personRetention,
  "0092-change-notify": changeNotify,
  "0093-run-data-notify": runDataNotify,
  "0066-totp-must-enrol": totpMustEnrol,
  "0062-follow-up-reminder": followUpReminder,
  "0086-audit-persons": auditPersons,
  "0063-sealed-mail-password": sealedMailPassword,
  "0080-home-order-ties": homeOrderTies,
  "0071-casework-notify": caseworkNotify,
  "0078-audit-disclosure": auditDisclosure,
  "0088-import-sources": importSources,
  "0073-audit-disclosure-verify": auditDisclosureVerify,
  "0064-run-partitions": runPartitions,
  "0067-score-partitions": scorePartitions,
  "0068-partition-statistics": partitionStatistics,
  "0074-break-glass-notify": breakGlassNotify,
  "0069-app-run-partitions": appRunPartitions,
  "0089-audit-disclosure-xid": auditDisclosureXid,
  "0094-app-run-check": appRunCheck,
  "0079-link-key-rows": linkKeyRows,
  "0094-app-run-rows": appRunRows,
  // Stays last: it widens the keys of every municipal table the migrations
  // before it created (issue 12, distribution by municipality_id).
  "0096-distribution-keys": distributionKeys,
};
