/**
 * Branded types for values that must not mix (STYLE.md §4): a 宛名番号 and a
 * 世帯番号 are both strings, but passing one where the other is expected is a
 * bug the compiler should catch. A brand costs nothing at run time.
 */
declare const brand: unique symbol;

/** `T` tagged with `B` so that two brands of the same base type do not mix. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** 宛名番号: the municipality's person number from the resident registry (not the マイナンバー). */
export type ResidentNo = Brand<string, "ResidentNo">;

/** 世帯番号: the resident registry's household number. */
export type HouseholdNo = Brand<string, "HouseholdNo">;

/** A source id of layouts.md (`jumin`, `gakureibo`, …); see domain/layouts.ts. */
export type SourceId = Brand<string, "SourceId">;

/** A calendar date as `YYYY-MM-DD` (proleptic Gregorian, no time zone). */
export type IsoDate = Brand<string, "IsoDate">;
