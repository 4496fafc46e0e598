import { apiDownload } from "../../lib/api.ts";

/** POSTs, then saves the answer as a file (the server audits the export). */
export async function saveDownload(path: string, body: unknown, fileName: string): Promise<void> {
  const blob = await apiDownload(path, body);
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.click();
  URL.revokeObjectURL(url);
}
