/**
 * Password rules, checked before hashing. Length over composition rules, as
 * NIST SP 800-63B recommends; the login name and the previous password are
 * refused because they are the first guesses.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

/** Returns Japanese problems with `candidate`, empty when acceptable. */
export function checkPassword(
  candidate: string,
  context: { loginName: string; currentPassword?: string },
): string[] {
  const problems: string[] = [];
  const length = [...candidate].length;
  if (length < MIN_PASSWORD_LENGTH)
    problems.push(`パスワードは ${MIN_PASSWORD_LENGTH} 文字以上にしてください。`);
  if (length > MAX_PASSWORD_LENGTH)
    problems.push(`パスワードは ${MAX_PASSWORD_LENGTH} 文字以下にしてください。`);
  if (context.loginName && candidate.toLowerCase().includes(context.loginName.toLowerCase())) {
    problems.push("パスワードにログイン名を含めないでください。");
  }
  if (context.currentPassword !== undefined && candidate === context.currentPassword) {
    problems.push("現在のパスワードとは別のパスワードにしてください。");
  }
  if (length >= MIN_PASSWORD_LENGTH && new Set(candidate).size < 4) {
    problems.push("同じ文字の繰り返しが多すぎます。");
  }
  return problems;
}
