/**
 * Formula injection guard for every CSV the system writes (issue 12): a text
 * cell that starts with = + - @, a tab or a carriage return is prefixed with
 * ' so that a spreadsheet shows it as text instead of running it (OWASP
 * "CSV injection"). Numbers are written as numbers.
 */
export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
