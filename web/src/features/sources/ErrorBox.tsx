import { ApiFailure } from "../../lib/api.ts";

/** An API failure with every detail the server listed (a declaration's problems come all at once). */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof ApiFailure ? error.details : [];
  return (
    <div role="alert" className="alert alert-error">
      <p>{message}</p>
      {details.length > 0 && (
        <ul>
          {details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
