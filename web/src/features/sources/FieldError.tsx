/**
 * A form field's own Japanese error, shown under the field and referenced by
 * the field's aria-describedby (the same markup as the rights forms).
 */
export function FieldError({ id, text }: { id: string; text: string | undefined }) {
  if (!text) return null;
  return (
    <span id={id} className="alert alert-error" role="alert">
      {text}
    </span>
  );
}

/** aria-invalid / aria-describedby for a field whose error has the given id. */
export const invalid = (error: { message?: string } | undefined, id: string) =>
  error
    ? { "aria-invalid": true as const, "aria-describedby": id }
    : { "aria-invalid": undefined, "aria-describedby": undefined };
