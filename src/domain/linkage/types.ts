/**
 * Types shared by the linkage engine. The engine is pure: records and settings
 * in, links, persons, review pairs and a trained model out (STYLE.md §1).
 */
import type { Brand, HouseholdNo, IsoDate, ResidentNo, SourceId } from "../types.ts";
import type { Sex } from "../values.ts";

/** A person found by 名寄せ; stable across monthly runs (see person-ids.ts). */
export type PersonId = Brand<string, "PersonId">;

/** log2 of the odds that a pair is a match (Fellegi–Sunter match weight). */
export type MatchWeight = Brand<number, "MatchWeight">;

/** A probability in [0, 1]. */
export type Probability = Brand<number, "Probability">;

/**
 * One source row as the linkage sees it: identity fields only, already
 * validated and normalised by ingest/ (dates ISO, sex coded). Every field but
 * the row's address (source, file, row) may be missing: the engine links on
 * what is there.
 */
export interface LinkRecord {
  /** Source id of layouts.md (`jumin`, `gakureibo`, `shukketsu`, …). */
  readonly source: SourceId;
  /** File name as imported. */
  readonly file: string;
  /** 1-based data row in that file. */
  readonly row: number;
  /** 宛名番号 of the person the row is about (for mother-keyed sources, the mother's). */
  readonly residentNo?: ResidentNo | null;
  readonly householdNo?: HouseholdNo | null;
  /** 氏名 as written (kanji; family and given name separated by a space, or not). */
  readonly name?: string | null;
  /** 氏名カナ (any width, katakana or hiragana). */
  readonly nameKana?: string | null;
  /**
   * A registry record's 通称 (a foreign resident's registered alias, jumin 通称) and its
   * reading (通称カナ): another name the person is known by. Compared as an alternative
   * name of the same record (japanese.ts), never as a record of its own.
   */
  readonly alias?: string | null;
  readonly aliasKana?: string | null;
  readonly birthDate?: IsoDate | null;
  /** As ingest parses 性別 (domain/values.ts); "unknown" and null carry no evidence. */
  readonly sex?: Sex | null;
  readonly address?: string | null;
  /** 学校名 (school sources and 学齢簿). */
  readonly school?: string | null;
  /** School year counted from 小1 = 1 to 中3 = 9 (中1 = 7), as ingest derives it from 学校名 + 学年. */
  readonly grade?: number | null;
  /** The as-of date (抽出日) of the row's data, needed to check a grade against an age. */
  readonly asOf?: IsoDate | null;
  /** 続柄 to the head of household (registry rows). */
  readonly relationship?: string | null;
  /** 住定日: the registry record's residence began on this date. */
  readonly residentSince?: IsoDate | null;
  /** 消除日: the registry record was removed on this date (blank = current resident). */
  readonly removedDate?: IsoDate | null;
  /**
   * 相談分野 of a household-keyed row (相談記録): decides which member of the
   * household a row with only a 世帯番号 is about (household-rows.ts).
   */
  readonly topic?: string | null;
  /** The date the row records (相談日), for the household's members on that day. */
  readonly eventDate?: IsoDate | null;
}

/** How a row came to its person (cli.md `export links` method). */
export type LinkMethod = "id" | "probabilistic" | "manual" | "unlinked";

/**
 * A reviewer's decision on a pair, keyed by the profile keys shown in the review queue and
 * the anchors of both sides (japanese.ts `profileAnchors`). When a side's profile is no
 * longer in the data (a move of school, a corrected name), the decision follows the record
 * through its anchors, so it holds until someone reverses it.
 */
export interface ReviewDecision {
  readonly left: string;
  readonly right: string;
  readonly same: boolean;
  readonly leftAnchors?: readonly string[];
  readonly rightAnchors?: readonly string[];
}
