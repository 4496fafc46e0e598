import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { api } from "../../lib/api.ts";
import type { DeclaredSource, SourceList } from "../../lib/types.ts";
import { ErrorBox } from "./ErrorBox.tsx";
import { FieldError, invalid } from "./FieldError.tsx";
import { type SourceForm, sourceForm } from "./forms.ts";

type Column = { name: string; type: string; required: boolean; values: string };

const KIND = { built_in: "標準", extended: "標準（列を追加）", own: "自治体の定義" } as const;

const emptyColumn = (): Column => ({ name: "", type: "text", required: false, values: "" });

/** The declaration the form describes (docs/sources-and-items.md format); checked by the server. */
function declarationOf(f: SourceForm & { columns: Column[] }) {
  const opt = (k: string, v: string) => (v.trim() === "" ? {} : { [k]: v.trim() });
  return {
    id: f.id.trim(),
    name: f.name.trim(),
    ...opt("description", f.description),
    subject: f.subject,
    identify: {
      ...opt("residentNo", f.residentNo),
      ...opt("name", f.personName),
      ...opt("birthDate", f.birthDate),
    },
    ...(f.subject === "mother"
      ? { motherChild: { ...opt("childResidentNo", f.childResidentNo) } }
      : {}),
    ...opt("eventDate", f.eventDate),
    columns: f.columns
      .filter((c) => c.name.trim() !== "")
      .map((c) => ({
        name: c.name.trim(),
        type: c.type,
        ...(c.required ? { required: true } : {}),
        ...(c.type === "code"
          ? {
              values: c.values
                .split(/[、,，]/)
                .map((v) => v.trim())
                .filter((v) => v !== ""),
            }
          : {}),
      })),
  };
}

function Saved({ s }: { s: DeclaredSource }) {
  return (
    <p role="status">
      取り込み元「{s.name}」（ID {s.id}）を{s.replaced ? "置き換えました" : "登録しました"}: 列{" "}
      {s.columns} 個、必須 {s.required.join("・") || "なし"}、出来事の日付 {s.eventDate ?? "なし"}。
      このファイルは「データの取込」から取り込めます。
    </p>
  );
}

/**
 * 取り込み元 (総括管理): every source the imports read — the 19 built-ins and
 * the municipality's own — with columns, types, identity and event date; a
 * new source declared by form or by uploading a declaration file (the same
 * checks as `mimamori source add`, every problem listed in Japanese).
 */
export function SourcesPage() {
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ["sources"], queryFn: () => api<SourceList>("/sources") });
  const form = useForm<SourceForm>({
    resolver: zodResolver(sourceForm),
    defaultValues: {
      id: "",
      name: "",
      description: "",
      subject: "person",
      residentNo: "",
      personName: "",
      birthDate: "",
      childResidentNo: "",
      eventDate: "",
    },
  });
  const errors = form.formState.errors;
  const subject = form.watch("subject");
  const [columns, setColumns] = useState<Column[]>([emptyColumn(), emptyColumn()]);
  const [file, setFile] = useState<File | null>(null);
  const done = () => void qc.invalidateQueries({ queryKey: ["sources"] });
  const declare = useMutation({
    mutationFn: (values: SourceForm) =>
      api<DeclaredSource>("/sources", {
        method: "POST",
        body: { declaration: declarationOf({ ...values, columns }) },
      }),
    onSuccess: done,
  });
  const upload = useMutation({
    mutationFn: async () => {
      if (!file) throw new Error("定義ファイルを選んでください。");
      return api<DeclaredSource>("/sources", {
        method: "POST",
        body: { text: await file.text(), fileName: file.name },
      });
    },
    onSuccess: done,
  });
  const remove = useMutation({
    mutationFn: (id: string) =>
      api<{ id: string }>(`/sources/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: done,
  });
  const setColumn = (i: number, patch: Partial<Column>) =>
    setColumns((cs) => cs.map((c, j) => (j === i ? { ...c, ...patch } : c)));
  const types = list.data?.columnTypes ?? [];

  return (
    <section>
      <h1>取り込み元</h1>
      <p className="lead">
        各課から届くファイルの定義です。標準の19件のほかに、この自治体のファイル（アンケート、独自の台帳など）を定義すると、プログラムを変えずに取り込み・名寄せ・データ項目・検証レポートで使えます。ファイルで定義するときの書式と記入例は、mimamori
        に同梱の説明書（docs/sources-and-items.md
        の「Sources」の節）にあります。手元にない場合はシステム担当者にお尋ねください。下のフォームでも同じ定義を作れます。
      </p>
      <ErrorBox error={list.error} />
      {list.data && (
        <table aria-label="取り込み元の一覧">
          <thead>
            <tr>
              <th scope="col">名称</th>
              <th scope="col">ID（定義ファイル用）</th>
              <th scope="col">種類</th>
              <th scope="col">だれの行か</th>
              <th scope="col">出来事の日付</th>
              <th scope="col">列と型</th>
              <th scope="col">操作</th>
            </tr>
          </thead>
          <tbody>
            {list.data.sources.map((s) => (
              <tr key={s.id} data-source={s.id}>
                <td>{s.name}</td>
                <td>
                  <code>{s.id}</code>
                </td>
                <td>{KIND[s.kind]}</td>
                <td>
                  {[
                    s.identify.residentNo &&
                      `${s.subject === "mother" ? "母の" : ""}宛名番号: ${s.identify.residentNo}`,
                    s.identify.name && `氏名: ${s.identify.name}`,
                    s.identify.birthDate && `生年月日: ${s.identify.birthDate}`,
                  ]
                    .filter(Boolean)
                    .join("、") || "（世帯番号などで結び付け）"}
                </td>
                <td>{s.eventDate ?? "なし"}</td>
                <td>
                  <details>
                    <summary>{s.columns.length} 列</summary>
                    <ul>
                      {s.columns.map((c) => (
                        <li key={c.name}>
                          {c.name}（{c.typeName}
                          {c.required ? "、必須" : ""}
                          {c.values ? `: ${c.values.join("・")}` : ""}）
                        </li>
                      ))}
                    </ul>
                  </details>
                </td>
                <td>
                  {s.kind === "own" && (
                    <button
                      type="button"
                      className="button"
                      aria-label={`${s.name}の定義を削除`}
                      onClick={() => {
                        if (
                          window.confirm(
                            `「${s.name}」の定義を削除します。取り込み済みの行は残ります。`,
                          )
                        )
                          remove.mutate(s.id);
                      }}
                    >
                      削除
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorBox error={remove.error} />

      <form
        className="card form-card"
        aria-labelledby="upload-title"
        onSubmit={(e) => {
          e.preventDefault();
          upload.mutate();
        }}
      >
        <h2 id="upload-title">定義ファイルで登録</h2>
        <label className="field">
          <span>定義ファイル（YAML・JSON）</span>
          <input
            type="file"
            accept=".yaml,.yml,.json"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </label>
        <button
          type="submit"
          className="button button-primary"
          disabled={!file || upload.isPending}
        >
          ファイルを登録
        </button>
        <ErrorBox error={upload.error} />
        {upload.data && <Saved s={upload.data} />}
      </form>

      <form
        className="card form-card"
        aria-labelledby="form-title"
        onSubmit={form.handleSubmit((values) => declare.mutate(values))}
        noValidate
      >
        <h2 id="form-title">フォームで登録</h2>
        <label className="field">
          <span>ID（半角英小文字・数字・_）</span>
          <input {...form.register("id")} {...invalid(errors.id, "source-id-error")} />
        </label>
        <FieldError id="source-id-error" text={errors.id?.message} />
        <label className="field">
          <span>名称</span>
          <input {...form.register("name")} {...invalid(errors.name, "source-name-error")} />
        </label>
        <FieldError id="source-name-error" text={errors.name?.message} />
        <label className="field">
          <span>説明</span>
          <input {...form.register("description")} />
        </label>
        <label className="field">
          <span>行の主体</span>
          <select {...form.register("subject")}>
            <option value="person">本人の行</option>
            <option value="mother">母の行（こどもについての記録）</option>
          </select>
        </label>
        <label className="field">
          <span>{subject === "mother" ? "母の宛名番号の列" : "宛名番号の列"}</span>
          <input {...form.register("residentNo")} />
        </label>
        <label className="field">
          <span>氏名の列</span>
          <input {...form.register("personName")} />
        </label>
        <label className="field">
          <span>生年月日の列</span>
          <input {...form.register("birthDate")} />
        </label>
        {subject === "mother" && (
          <label className="field">
            <span>子の宛名番号の列</span>
            <input {...form.register("childResidentNo")} />
          </label>
        )}
        <label className="field">
          <span>出来事の日付の列</span>
          <input {...form.register("eventDate")} />
        </label>
        <table aria-label="列の定義">
          <thead>
            <tr>
              <th scope="col">列名</th>
              <th scope="col">型</th>
              <th scope="col">必須</th>
              <th scope="col">値（コードのとき、読点で区切る）</th>
            </tr>
          </thead>
          <tbody>
            {columns.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place and never reordered
              <tr key={i}>
                <td>
                  <input
                    aria-label={`${i + 1}列目の列名`}
                    value={c.name}
                    onChange={(e) => setColumn(i, { name: e.target.value })}
                  />
                </td>
                <td>
                  <select
                    aria-label={`${i + 1}列目の型`}
                    value={c.type}
                    onChange={(e) => setColumn(i, { type: e.target.value })}
                  >
                    {types.map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.name}（{t.id}）
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`${i + 1}列目を必須にする`}
                    checked={c.required}
                    onChange={(e) => setColumn(i, { required: e.target.checked })}
                  />
                </td>
                <td>
                  <input
                    aria-label={`${i + 1}列目の値`}
                    value={c.values}
                    disabled={c.type !== "code"}
                    onChange={(e) => setColumn(i, { values: e.target.value })}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button
          type="button"
          className="button"
          onClick={() => setColumns((cs) => [...cs, emptyColumn()])}
        >
          列を追加
        </button>
        <button type="submit" className="button button-primary" disabled={declare.isPending}>
          登録
        </button>
        <ErrorBox error={declare.error} />
        {declare.data && <Saved s={declare.data} />}
      </form>
    </section>
  );
}
