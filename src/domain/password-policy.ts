/**
 * Password rules, checked before hashing. Length over composition rules and
 * no periodic expiry, as NIST SP 800-63B recommends and NISC's guidance for
 * government bodies follows (see docs/security.md for the sources); the login
 * name, the previous password, well-known passwords and simple sequences are
 * refused because they are the first guesses.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

/**
 * Why a password containing the login name is refused, in the words the
 * server answers with and the password pages show beside the field (the
 * session carries PASSWORD_RULES to the page, so the two never differ).
 */
export const LOGIN_NAME_RULE =
  "パスワードにログイン名を含めないでください。ログイン名は職員の間で知られていて、パスワードを推測する人が最初に試すためです（大文字・小文字は区別しません）。";

/** The rules as the password pages list them beside the new password (id → sentence). */
export const PASSWORD_RULES: readonly { readonly id: string; readonly text: string }[] = [
  {
    id: "length",
    text: `${MIN_PASSWORD_LENGTH} 文字以上（${MAX_PASSWORD_LENGTH} 文字まで）。記号や数字を混ぜる決まりはありません。覚えやすい語句をいくつかつなげると長く安全になります。`,
  },
  { id: "login_name", text: LOGIN_NAME_RULE },
  { id: "current", text: "現在のパスワードとは別のものにしてください。" },
  {
    id: "well_known",
    text: "よく使われるパスワード、キーボードの並び、連続した数字や文字、同じ文字の繰り返しは使えません。",
  },
];

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
    problems.push(LOGIN_NAME_RULE);
  }
  if (context.currentPassword !== undefined && candidate === context.currentPassword) {
    problems.push("現在のパスワードとは別のパスワードにしてください。");
  }
  if (length >= MIN_PASSWORD_LENGTH && new Set(candidate).size < 4) {
    problems.push("同じ文字の繰り返しが多すぎます。");
  }
  if (isWellKnown(candidate)) {
    problems.push(
      "よく使われるパスワードや、キーボードの並び・連続した数字は使えません。推測されにくい語句を組み合わせてください。",
    );
  }
  return problems;
}

/** Stems of the passwords tried first in guessing attacks (lists of leaked passwords). */
const WELL_KNOWN = [
  "password",
  "passw0rd",
  "qwerty",
  "asdfgh",
  "zxcvbn",
  "123456",
  "654321",
  "abcdef",
  "111111",
  "iloveyou",
  "admin",
  "welcome",
  "letmein",
  "mimamori",
];

/**
 * True when the password, without digits and symbols at its ends, is a
 * well-known password or a simple run (12345678…, abcdefgh…) padded out.
 */
function isWellKnown(candidate: string): boolean {
  const lower = candidate.toLowerCase();
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, "");
  if (WELL_KNOWN.some((w) => core === w || (lower.startsWith(w) && lower.length - w.length <= 6)))
    return true;
  // Runs: each character one step from the previous (ascending or descending).
  let run = 1;
  for (let i = 1; i < lower.length; i++) {
    const d = lower.charCodeAt(i) - lower.charCodeAt(i - 1);
    run = d === 1 || d === -1 ? run + 1 : 1;
    if (run >= 8) return true;
  }
  return false;
}
