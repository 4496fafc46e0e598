/**
 * 仮名化データの出力 (issue 12) for analysts (`stats.pseudonymised`): the CSV
 * of the newest run with keyed-HMAC ids, birth year-month and the items that
 * hold — no name, address or 宛名番号. The purpose is asked and audited; the
 * server asks for the password again before the file leaves (useReauth).
 */
import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { useReauth } from "../../lib/reauth.tsx";
import { saveDownload } from "./download.ts";
import { analysisPurposeForm, type PurposeForm } from "./forms.ts";

export function PseudonymisedExportPage() {
  const reauth = useReauth();
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const form = useForm<PurposeForm>({
    resolver: zodResolver(analysisPurposeForm),
    defaultValues: { purpose: "" },
  });
  async function submit(v: PurposeForm) {
    setDone(null);
    setError(null);
    try {
      await reauth.run(async () => {
        await saveDownload(
          "/analysis/pseudonymised",
          { purpose: v.purpose },
          "mimamori-pseudonymised.csv",
        );
        setDone("仮名化データを出力しました。出力と目的は監査ログに記録されています。");
      });
    } catch (e) {
      setError(e instanceof Error ? e.message : "仮名化データを出力できませんでした。");
    }
  }
  const err = form.formState.errors.purpose?.message;
  return (
    <section>
      <h1>仮名化データの出力</h1>
      <p className="lead">
        最新の判定結果を、分析用に仮名化した CSV
        で出力します。IDは自治体ごとの鍵で仮名化され（同じこどもは毎回同じID）、生年月日は年月だけ、氏名・住所・宛名番号・世帯番号は含みません。要対協・一時保護の項目は、要対協の構成員が出力した場合にだけ含まれます。
      </p>
      <form
        className="card"
        aria-label="仮名化データの出力"
        onSubmit={form.handleSubmit(submit)}
        noValidate
      >
        <label className="field">
          <span>分析の目的（必須・監査ログに記録されます）</span>
          <input
            {...form.register("purpose")}
            aria-invalid={err ? true : undefined}
            aria-describedby={err ? "purpose-error" : undefined}
          />
        </label>
        {err && (
          <span id="purpose-error" className="alert alert-error" role="alert">
            {err}
          </span>
        )}
        <button type="submit" className="button button-primary">
          CSV を出力
        </button>
        {done && (
          <p role="status" className="alert alert-success">
            {done}
          </p>
        )}
        {error && (
          <p role="alert" className="alert alert-error">
            {error}
          </p>
        )}
      </form>
      {reauth.prompt}
    </section>
  );
}
