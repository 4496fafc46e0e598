import { describe, expect, it } from "vitest";
import { kanaSkeleton, latinSkeleton, nameSkeletons } from "./foreign-sound.ts";

describe("consonant skeletons of foreign names", () => {
  it("gives one key to the spellings offices really use", () => {
    const same: [string, string][] = [
      ["シルヴァ", "シウバ"],
      ["シルヴァ", "シルバ"],
      ["ヴィトーリア", "ビトリア"],
      ["ティ", "チ"],
      ["ウィリアム", "ウイリアム"],
      ["アンジェリカ", "アンジエリカ"],
      ["ジェニファー", "ジエニファ"],
      ["ゴック", "ゴツク"],
      ["ベアトリース", "ベアトリス"],
      ["ドゥック", "ドゥク"],
      ["グエン", "グェン"],
      ["ギリェルメ", "ギレルメ"],
      ["ズーハン", "ツーハン"],
      ["ルーカス", "ルカス"],
      ["カルロス", "ｶﾙﾛｽ"],
      ["じゅりあ", "ジュリア"],
    ];
    for (const [a, b] of same) expect(kanaSkeleton(a), `${a} / ${b}`).toBe(kanaSkeleton(b));
  });
  it("reads the alphabet as カナ writes it", () => {
    const same: [string, string][] = [
      ["SILVA", "シウバ"],
      ["VITORIA", "ヴィトーリア"],
      ["BEATRIZ", "ベアトリース"],
      ["NGUYEN", "グエン"],
      ["NGOC", "ゴック"],
      ["THI", "チ"],
      ["GUILHERME", "ギリェルメ"],
      ["GIOVANNA", "ジョバンナ"],
      ["ANGELICA", "アンジェリカ"],
      ["HENRIQUE", "エンリケ"],
      ["JOHN", "ジョン"],
      ["HOA", "ホア"],
      ["HUY", "フイ"],
      ["TRUONG", "チュオン"],
      ["HAORAN", "ハオラン"],
      ["JENNIFER", "ジェニファー"],
      ["GABRIEL", "ガブリエル"],
      ["XINYI", "シンイー"],
      ["WANG", "ワン"],
      ["KHOA", "コア"],
    ];
    for (const [a, b] of same) expect(latinSkeleton(a), `${a} / ${b}`).toBe(kanaSkeleton(b));
  });
  it("keeps different names apart: チャン / トラン, ファン / ハン, ユキ / ユウキ's consonants aside", () => {
    expect(kanaSkeleton("チャン")).not.toBe(kanaSkeleton("トラン"));
    expect(latinSkeleton("TRAN")).toBe(kanaSkeleton("チャン"));
    expect(latinSkeleton("TRAN")).not.toBe(kanaSkeleton("トラン"));
    expect(latinSkeleton("TRAVIS")).toBe(kanaSkeleton("トラビス"));
    expect(kanaSkeleton("ファン")).not.toBe(kanaSkeleton("ハン"));
    expect(latinSkeleton("PHAN")).not.toBe(latinSkeleton("HAN"));
    expect(kanaSkeleton("マリア")).not.toBe(kanaSkeleton("マリナ"));
  });
  it("keys a name order-free, and by its first and last part", () => {
    const registry = nameSkeletons("NGUYEN NGOC ANH");
    expect(nameSkeletons("アイン ゴック グエン").full).toBe(registry.full);
    expect(nameSkeletons("グエン アイン").full).not.toBe(registry.full);
    expect(nameSkeletons("グエン アイン").short).toBe(registry.short);
    expect(nameSkeletons("ダヴィ")).toEqual({ full: null, short: null });
    expect(nameSkeletons("ホア グエン").short).toBe(nameSkeletons("NGUYEN THI HOA").short);
  });
});
