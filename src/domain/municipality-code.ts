/**
 * 全国地方公共団体コード (JIS X 0402 + check digit): five digits and a check
 * digit, the last digit of 11 − (Σ dᵢ·(6−i) mod 11) for weights 6,5,4,3,2.
 */
export function checkMunicipalityCode(code: string): string | undefined {
  if (!/^[0-9]{6}$/.test(code)) {
    return "自治体コードは 6 桁の数字（全国地方公共団体コード、検査数字を含む）で指定してください。";
  }
  let sum = 0;
  for (let i = 0; i < 5; i++) sum += Number(code[i]) * (6 - i);
  const check = (11 - (sum % 11)) % 10;
  if (Number(code[5]) !== check) {
    return `自治体コード ${code} の検査数字（6 桁目）が合いません（${code.slice(0, 5)}${check} ではありませんか）。`;
  }
  return undefined;
}
