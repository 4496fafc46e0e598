/**
 * 肥満度 for B08's school part. Standard weight = a × height(cm) − b, by sex
 * and age 5–17, from 日本学校保健会「児童生徒等の健康診断マニュアル（平成27年度
 * 改訂）」 (the 性別・年齢別・身長別標準体重 formula in use since 2006). 肥満度 =
 * (weight − standard) / standard × 100; ≤ −20 % is 痩身傾向 (the same manual).
 */

/** [a, b] per age 5..17; index 0 is age 5. */
const COEFFICIENTS: Readonly<Record<"male" | "female", readonly (readonly [number, number])[]>> = {
  male: [
    [0.386, 23.699],
    [0.461, 32.382],
    [0.513, 38.878],
    [0.592, 48.804],
    [0.687, 61.39],
    [0.752, 70.461],
    [0.782, 75.106],
    [0.783, 75.642],
    [0.815, 81.348],
    [0.832, 83.695],
    [0.766, 70.989],
    [0.656, 51.822],
    [0.672, 53.642],
  ],
  female: [
    [0.377, 22.75],
    [0.458, 32.079],
    [0.508, 38.367],
    [0.561, 45.006],
    [0.652, 56.992],
    [0.73, 68.091],
    [0.803, 78.846],
    [0.796, 76.934],
    [0.655, 54.234],
    [0.594, 43.264],
    [0.56, 37.002],
    [0.578, 39.057],
    [0.598, 42.339],
  ],
};

/** Ages the formula is defined for. */
export const STANDARD_WEIGHT_AGES = { min: 5, max: 17 } as const;

/**
 * 肥満度 in percent, or null when it cannot be computed (age outside 5–17,
 * sex unknown, a non-positive measurement or standard weight).
 */
export function obesityPercent(
  sex: "male" | "female" | "unknown",
  age: number,
  heightCm: number,
  weightKg: number,
): number | null {
  if (sex === "unknown") return null;
  if (!(age >= STANDARD_WEIGHT_AGES.min && age <= STANDARD_WEIGHT_AGES.max)) return null;
  if (!(heightCm > 0 && weightKg > 0)) return null;
  const [a, b] = COEFFICIENTS[sex][age - STANDARD_WEIGHT_AGES.min] as readonly [number, number];
  const standard = a * heightCm - b;
  if (!(standard > 0)) return null;
  return ((weightKg - standard) / standard) * 100;
}
