/**
 * The account pages' form fields (ログイン, パスワードの変更, 二要素認証の設定 and
 * the login's second-factor step): one labelled input in the `.field` layout,
 * and the kinds they repeat — a password, a one-time code — with their
 * autocomplete hints set once, so a password manager and the phone's code
 * suggestion work the same on every page.
 */
import type { InputHTMLAttributes, ReactNode } from "react";

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange">;

export interface FieldProps extends InputProps {
  label: ReactNode;
  value: string;
  onValue: (value: string) => void;
}

/** A labelled text input (required unless told otherwise). */
export function Field({ label, value, onValue, required = true, ...input }: FieldProps) {
  return (
    <label className="field">
      <span>{label}</span>
      <input
        {...input}
        required={required}
        value={value}
        onChange={(e) => onValue(e.target.value)}
      />
    </label>
  );
}

/** A password: `current-password` unless `autoComplete="new-password"` is given. */
export function PasswordField(props: FieldProps) {
  return <Field type="password" autoComplete="current-password" {...props} />;
}

/** A one-time code (認証アプリの 6 桁, or a recovery code when `inputMode="text"`). */
export function CodeField(props: FieldProps) {
  return <Field inputMode="numeric" autoComplete="one-time-code" {...props} />;
}

/** Messages of a refused request, one paragraph each, announced as an alert. */
export function ErrorList({ errors }: { errors: readonly string[] }) {
  if (errors.length === 0) return null;
  return (
    <div role="alert" className="alert alert-error">
      {errors.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}
