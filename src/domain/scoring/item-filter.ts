/**
 * Held-item conditions of 判定一覧 (issue 11): "B11 AND NOT B01",
 * "(B03 OR B04) AND B12", also written with かつ / または / でない and & | !.
 * Parsed here into a small tree; db/run-view.repository.ts compiles the tree
 * to SQL (array tests on the child's held items, score_child.items, item ids
 * as bound parameters). Precedence:
 * NOT > AND > OR; parentheses group. At most 20 items and depth 8, so a
 * condition can never become an expensive query.
 */
import { MimamoriError } from "../errors.ts";

export type ItemCondition =
  | { readonly kind: "item"; readonly itemId: string }
  | { readonly kind: "not"; readonly operand: ItemCondition }
  | { readonly kind: "and" | "or"; readonly operands: readonly ItemCondition[] };

const MAX_ITEMS = 20;
const MAX_DEPTH = 8;

type Token = { t: "item"; v: string } | { t: "and" | "or" | "not" | "(" | ")" };

function tokenize(input: string): Token[] {
  // Full-width letters, digits and brackets become ASCII (a condition typed with an IME).
  const s = input.normalize("NFKC");
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const rest = s.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    const m =
      /^(AND|OR|NOT)(?![A-Za-z0-9])/i.exec(rest) ??
      /^(かつ|または|でない|ではない|以外|&&?|\|\|?|!|-)/.exec(rest);
    if (m) {
      const w = (m[1] as string).toUpperCase();
      const t =
        w === "AND" || w === "かつ" || w.startsWith("&")
          ? "and"
          : w === "OR" || w === "または" || w.startsWith("|")
            ? "or"
            : "not";
      out.push({ t });
      i += m[0].length;
      continue;
    }
    const item = /^[A-Za-z][0-9]{2}(?![0-9])/.exec(rest);
    if (item) {
      out.push({ t: "item", v: item[0].toUpperCase() });
      i += item[0].length;
      continue;
    }
    if (rest[0] === "(" || rest[0] === ")") {
      out.push({ t: rest[0] });
      i++;
      continue;
    }
    throw invalid(`「${rest.slice(0, 8)}」を読めません。`);
  }
  return out;
}

function invalid(what: string): MimamoriError {
  return new MimamoriError(
    "invalid_input",
    `項目の条件が正しくありません。${what} 例: 「B11 AND NOT B01」「(B03 OR B04) AND B12」`,
  );
}

/**
 * Parses a held-item condition. Postfix でない / ではない / 以外 negate the
 * item or group before them ("B01 でない"); NOT / ! / - negate what follows.
 */
export function parseItemCondition(input: string): ItemCondition {
  const tokens = tokenize(input);
  if (tokens.length === 0) throw invalid("条件が空です。");
  let pos = 0;
  let items = 0;
  const peek = () => tokens[pos];
  function or(depth: number): ItemCondition {
    const operands = [and(depth)];
    while (peek()?.t === "or") {
      pos++;
      operands.push(and(depth));
    }
    return operands.length === 1 ? (operands[0] as ItemCondition) : { kind: "or", operands };
  }
  function and(depth: number): ItemCondition {
    const operands = [unary(depth)];
    while (peek()?.t === "and") {
      pos++;
      operands.push(unary(depth));
    }
    return operands.length === 1 ? (operands[0] as ItemCondition) : { kind: "and", operands };
  }
  function unary(depth: number): ItemCondition {
    if (depth > MAX_DEPTH) throw invalid("入れ子が深すぎます。");
    const tok = peek();
    let node: ItemCondition;
    if (tok?.t === "not") {
      pos++;
      return { kind: "not", operand: unary(depth + 1) };
    }
    if (tok?.t === "item") {
      pos++;
      items++;
      if (items > MAX_ITEMS) throw invalid(`項目は ${MAX_ITEMS} 個までです。`);
      node = { kind: "item", itemId: tok.v };
    } else if (tok?.t === "(") {
      pos++;
      node = or(depth + 1);
      if (peek()?.t !== ")") throw invalid("括弧が閉じていません。");
      pos++;
    } else {
      throw invalid(tok ? "演算子の位置が正しくありません。" : "条件が途中で終わっています。");
    }
    // Postfix negation ("B01 でない") binds to the operand just read.
    while (peek()?.t === "not" && isPostfixContext()) {
      pos++;
      node = { kind: "not", operand: node };
    }
    return node;
  }
  // A NOT right after an operand is postfix only when nothing that starts an operand follows it.
  function isPostfixContext(): boolean {
    const next = tokens[pos + 1];
    return next === undefined || next.t === "and" || next.t === "or" || next.t === ")";
  }
  const tree = or(0);
  if (pos !== tokens.length) throw invalid("演算子が足りません（AND か OR でつないでください）。");
  return tree;
}

/** Every item id a condition names (for the 要対協 rule and for checking ids against the catalog). */
export function conditionItems(c: ItemCondition): string[] {
  switch (c.kind) {
    case "item":
      return [c.itemId];
    case "not":
      return conditionItems(c.operand);
    default:
      return [...new Set(c.operands.flatMap(conditionItems))];
  }
}

/** The condition as text in canonical form (audited with the list filter). */
export function formatItemCondition(c: ItemCondition): string {
  switch (c.kind) {
    case "item":
      return c.itemId;
    case "not":
      return `NOT ${c.operand.kind === "item" ? formatItemCondition(c.operand) : `(${formatItemCondition(c.operand)})`}`;
    default:
      return c.operands
        .map((o) =>
          o.kind === "item" || o.kind === "not"
            ? formatItemCondition(o)
            : `(${formatItemCondition(o)})`,
        )
        .join(c.kind === "and" ? " AND " : " OR ");
  }
}

/** Evaluates a condition against a set of held items (reference for the SQL compiler's tests). */
export function matchesItemCondition(c: ItemCondition, held: ReadonlySet<string>): boolean {
  switch (c.kind) {
    case "item":
      return held.has(c.itemId);
    case "not":
      return !matchesItemCondition(c.operand, held);
    case "and":
      return c.operands.every((o) => matchesItemCondition(o, held));
    case "or":
      return c.operands.some((o) => matchesItemCondition(o, held));
  }
}
