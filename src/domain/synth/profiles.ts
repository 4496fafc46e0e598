/**
 * Municipality profiles of `mimamori synth --profile`. Sizes are children aged 0–18 resident on
 * the as-of date, anchored on real municipalities named in the pilot reports (issue 3):
 * 喬木村 990 children aged 0–19 of 5,888 residents (reference/003), 開成町 3,319 children
 * aged 0–18 of 18,738 residents (reference/004), a mid-sized city, and a 福岡市-scale metro.
 *
 * Rates that differ by size are the ones national statistics show differ between rural and
 * urban municipalities (movers, three-generation households, foreign residents); the figures
 * are approximate and documented in docs/synthetic-data.md.
 */

export type ProfileId = "village" | "town" | "city" | "metro";

export interface Profile {
  readonly id: ProfileId;
  /** Municipality name used in addresses (fictional). */
  readonly municipality: string;
  /** Ward names for a designated city (政令指定都市); empty otherwise. */
  readonly wards: readonly string[];
  /** Children 0–18 resident on the as-of date. */
  readonly children: number;
  /** Total residents the municipality would have (the registry extract holds households with children only). */
  readonly residents: number;
  /** Public elementary / junior-high schools run by the municipality. */
  readonly elementarySchools: number;
  readonly juniorHighSchools: number;
  /** Nurseries, kindergartens and 認定こども園. */
  readonly nurseries: number;
  /** Households with children moving in (and, separately, out) per year. */
  readonly moveRate: number;
  /** Moves within the municipality per year (change of address and school district). */
  readonly internalMoveRate: number;
  /** Share of households with children that are three-generation. */
  readonly threeGenerationShare: number;
  /** Share of households with children whose members are all foreign nationals. */
  readonly foreignShare: number;
  /** Share of households with a foreign spouse (children Japanese). */
  readonly mixedShare: number;
  /** Share of children at a private / national school outside the municipality's system (by level). */
  readonly privateElementary: number;
  readonly privateJuniorHigh: number;
}

export const PROFILES: Readonly<Record<ProfileId, Profile>> = {
  village: {
    id: "village",
    municipality: "みまもり村",
    wards: [],
    children: 1000,
    residents: 5900,
    elementarySchools: 1,
    juniorHighSchools: 1,
    nurseries: 2,
    moveRate: 0.025,
    internalMoveRate: 0.005,
    threeGenerationShare: 0.22,
    foreignShare: 0.01,
    mixedShare: 0.008,
    privateElementary: 0.002,
    privateJuniorHigh: 0.02,
  },
  town: {
    id: "town",
    municipality: "見守町",
    wards: [],
    children: 3300,
    residents: 18700,
    elementarySchools: 2,
    juniorHighSchools: 1,
    nurseries: 6,
    moveRate: 0.05,
    internalMoveRate: 0.01,
    threeGenerationShare: 0.12,
    foreignShare: 0.015,
    mixedShare: 0.01,
    privateElementary: 0.01,
    privateJuniorHigh: 0.06,
  },
  city: {
    id: "city",
    municipality: "見守市",
    wards: [],
    children: 30000,
    residents: 170000,
    elementarySchools: 18,
    juniorHighSchools: 9,
    nurseries: 45,
    moveRate: 0.045,
    internalMoveRate: 0.02,
    threeGenerationShare: 0.08,
    foreignShare: 0.025,
    mixedShare: 0.01,
    privateElementary: 0.012,
    privateJuniorHigh: 0.08,
  },
  metro: {
    id: "metro",
    municipality: "見守市",
    wards: ["東区", "西区", "南区", "北区", "中央区", "港区", "緑区"],
    children: 300000,
    residents: 1600000,
    elementarySchools: 144,
    juniorHighSchools: 69,
    nurseries: 420,
    moveRate: 0.055,
    internalMoveRate: 0.03,
    threeGenerationShare: 0.05,
    foreignShare: 0.03,
    mixedShare: 0.012,
    privateElementary: 0.015,
    privateJuniorHigh: 0.12,
  },
};

export function isProfileId(s: string): s is ProfileId {
  return s === "village" || s === "town" || s === "city" || s === "metro";
}
