#!/usr/bin/env python3
"""Reference figures for src/domain/stats, computed once with scipy (and statsmodels).

mimamori's statistics are TypeScript (src/domain/stats). To check them against an
independent, widely used implementation, this script computes the same figures
with scipy (required, tested with 1.17) and statsmodels (optional, tested with
0.15) and writes them as JSON fixtures that the Vitest suites read. Neither
Python nor scipy is needed on users' machines: the JSON files are committed.

    python3 scripts/stats-fixtures.py

writes
    src/domain/stats/fixtures/scipy-2x2.json      200 random 2x2 tables (seeded):
        chi2_contingency (correction False and True), fisher_exact (two-sided),
        the Woolf odds-ratio CI (scipy's odds_ratio(kind="sample") where every
        cell is > 0; numpy + norm.ppf with Haldane's +0.5 where a cell is 0)
    src/domain/stats/fixtures/scipy-misc.json     Benjamini-Hochberg q-values
        (scipy.stats.false_discovery_control) and ROC AUC with ties
        (scipy.stats.mannwhitneyu U / (n1 n0))
    src/domain/stats/fixtures/statsmodels-mh.json Mantel-Haenszel pooled OR, its
        Robins-Breslow-Greenland CI and the CMH test with and without continuity
        correction (statsmodels.stats.contingency_tables.StratifiedTable); only
        written when statsmodels is importable.

The output is deterministic for a given seed and library version.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy
from scipy import stats
from scipy.stats.contingency import odds_ratio

SEED = 20240507
OUT_DIR = Path(__file__).resolve().parent.parent / "src" / "domain" / "stats" / "fixtures"


def num(x: float) -> float | None:
    """JSON has no NaN/Infinity: such values are written as null."""
    x = float(x)
    return x if math.isfinite(x) else None


def random_tables(rng: np.random.Generator) -> list[tuple[int, int, int, int]]:
    """200 tables: tiny counts, zeros, zero margins, mid-size and strongly associated big ones."""
    tables: list[tuple[int, int, int, int]] = []
    # 50 tiny tables (cells 0..5): many zeros and expected counts < 5.
    for _ in range(50):
        tables.append(tuple(int(v) for v in rng.integers(0, 6, size=4)))
    # 50 small tables (cells 0..40), like a village's 2x2 for one item.
    for _ in range(50):
        tables.append(tuple(int(v) for v in rng.integers(0, 41, size=4)))
    # 40 town/city-sized tables: rare item, small 抽出群, big 対照群.
    for _ in range(40):
        a = int(rng.integers(0, 60))
        b = int(rng.integers(0, 400))
        c = int(rng.integers(0, 300))
        d = int(rng.integers(500, 8000))
        tables.append((a, b, c, d))
    # 30 strongly associated tables, p down to ~1e-200 (tests the upper tail).
    for _ in range(30):
        n1 = int(rng.integers(20, 400))
        n0 = int(rng.integers(500, 5000))
        p1 = float(rng.uniform(0.1, 0.6))
        p0 = float(rng.uniform(0.01, 0.1))
        a = int(rng.binomial(n1, p1))
        b = int(rng.binomial(n0, p0))
        tables.append((a, b, n1 - a, n0 - b))
    # 20 tables with exact zeros in chosen places, including zero margins.
    for i in range(20):
        cells = [int(v) for v in rng.integers(0, 25, size=4)]
        zero_pattern = [(0,), (1,), (2,), (3,), (0, 3), (1, 2), (0, 1), (2, 3), (0, 2), (1, 3)][i % 10]
        for z in zero_pattern:
            cells[z] = 0
        tables.append(tuple(cells))
    # 10 tables with nothing associated (a*d == b*c) or symmetric margins (Fisher ties).
    for _ in range(5):
        k = int(rng.integers(1, 6))
        m = int(rng.integers(1, 6))
        r = int(rng.integers(1, 4))
        tables.append((k * r, k * m * r, k, k * m))
    for _ in range(5):
        n = int(rng.integers(4, 30))
        a = int(rng.integers(0, n + 1))
        c = int(rng.integers(0, n + 1))
        tables.append((a, n - a, c, n - c))
    assert len(tables) == 200
    return tables


def two_by_two(a: int, b: int, c: int, d: int) -> dict:
    # Layout as in cli.md: rows = 該当/非該当, columns = 抽出群/対照群.
    table = np.array([[a, b], [c, d]], dtype=np.int64)
    row = {"a": a, "b": b, "c": c, "d": d}
    n = a + b + c + d
    zero_margin = 0 in table.sum(axis=0) or 0 in table.sum(axis=1)
    row["zero_margin"] = bool(zero_margin)
    if zero_margin:
        # scipy raises ("expected frequencies has a zero element"): no statistic.
        row.update(chi2=None, p=None, chi2_yates=None, p_yates=None)
        row["expected_a"] = None if n == 0 else (a + b) * (a + c) / n
    else:
        r0 = stats.chi2_contingency(table, correction=False)
        r1 = stats.chi2_contingency(table, correction=True)
        row.update(
            chi2=num(r0.statistic),
            p=num(r0.pvalue),
            chi2_yates=num(r1.statistic),
            p_yates=num(r1.pvalue),
            expected_a=num(r0.expected_freq[0, 0]),
        )
    row["p_fisher"] = num(stats.fisher_exact(table, alternative="two-sided").pvalue)

    z = stats.norm.ppf(0.975)
    if zero_margin:
        row.update(odds_ratio=None, or_ci_low=None, or_ci_high=None, haldane=False)
    elif min(a, b, c, d) > 0:
        res = odds_ratio(table, kind="sample")
        ci = res.confidence_interval(confidence_level=0.95)
        row.update(
            odds_ratio=num(res.statistic), or_ci_low=num(ci.low), or_ci_high=num(ci.high), haldane=False
        )
    else:
        # scipy's sample odds ratio has no Haldane correction; compute it directly.
        h = table.astype(float) + 0.5
        lor = math.log(h[0, 0] * h[1, 1] / (h[0, 1] * h[1, 0]))
        se = math.sqrt((1.0 / h).sum())
        row.update(
            odds_ratio=math.exp(lor),
            or_ci_low=math.exp(lor - z * se),
            or_ci_high=math.exp(lor + z * se),
            haldane=True,
        )
    return row


def misc_fixtures(rng: np.random.Generator) -> dict:
    bh = []
    for size in [1, 2, 5, 10, 20, 50]:
        for _ in range(3):
            # A mix of signals (small p) and nulls (uniform p), with exact ties.
            p = np.concatenate([rng.uniform(0, 1, size), rng.uniform(0, 0.01, size // 3)])
            if size >= 5:
                p[1] = p[0]
            rng.shuffle(p)
            q = stats.false_discovery_control(p, method="bh")
            bh.append({"p": [float(v) for v in p], "q": [float(v) for v in q]})
    auc = []
    for _ in range(20):
        n = int(rng.integers(5, 60))
        # Integer scores make ties common, as with 1-point rule scores.
        scores = rng.integers(0, 6, size=n).astype(float)
        labels = (rng.uniform(0, 1, size=n) < 0.2 + 0.1 * scores).astype(int)
        if labels.sum() == 0:
            labels[0] = 1
        if labels.sum() == n:
            labels[0] = 0
        pos = scores[labels == 1]
        neg = scores[labels == 0]
        u = stats.mannwhitneyu(pos, neg, alternative="two-sided").statistic
        auc.append(
            {
                "scores": [float(v) for v in scores],
                "labels": [int(v) for v in labels],
                "auc": float(u) / (len(pos) * len(neg)),
            }
        )
    return {"benjamini_hochberg": bh, "roc_auc": auc}


def mh_fixtures(rng: np.random.Generator) -> list[dict] | None:
    try:
        from statsmodels.stats.contingency_tables import StratifiedTable
    except ImportError:
        return None
    sets: list[list[tuple[int, int, int, int]]] = []
    # The three towns of mantel-haenszel.test.ts, cross-checked here.
    sets.append([(6, 10, 4, 20), (5, 10, 5, 30), (12, 15, 8, 25)])
    for _ in range(40):
        k = int(rng.integers(2, 7))
        strata = []
        for _ in range(k):
            n1 = int(rng.integers(3, 60))
            n0 = int(rng.integers(10, 400))
            p0 = float(rng.uniform(0.02, 0.3))
            p1 = min(0.95, p0 * float(rng.uniform(0.8, 4)))
            a = int(rng.binomial(n1, p1))
            b = int(rng.binomial(n0, p0))
            strata.append((a, b, n1 - a, n0 - b))
        sets.append(strata)
    out = []
    for strata in sets:
        # statsmodels' layout is 2 x 2 x K with the same [[a, b], [c, d]] per stratum.
        arr = np.stack([np.array([[a, b], [c, d]], dtype=float) for a, b, c, d in strata], axis=2)
        st = StratifiedTable(arr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lo, hi = st.oddsratio_pooled_confint(alpha=0.05)
            t_cc = st.test_null_odds(correction=True)
            t_nc = st.test_null_odds(correction=False)
        out.append(
            {
                "strata": [list(s) for s in strata],
                "odds_ratio": num(st.oddsratio_pooled),
                "log_or_se": num(st.logodds_pooled_se),
                "or_ci_low": num(lo),
                "or_ci_high": num(hi),
                # statsmodels' p-value is 1 - chi2.cdf, which loses every p below ~1e-16;
                # the tail is taken from scipy's chi2.sf of statsmodels' statistic.
                "cmh": num(t_nc.statistic),
                "cmh_p": num(stats.chi2.sf(t_nc.statistic, 1)),
                "cmh_corrected": num(t_cc.statistic),
                "cmh_corrected_p": num(stats.chi2.sf(t_cc.statistic, 1)),
            }
        )
    return out


def write(name: str, payload: dict) -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / name
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    print(f"wrote {path}")


def format_with_biome(paths: list[Path]) -> None:
    """Lays the JSON out as the project's formatter does, so `biome ci` stays clean."""
    root = OUT_DIR.parents[2]
    try:
        subprocess.run(["npx", "biome", "format", "--write", *map(str, paths)], cwd=root, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"could not run biome format ({e}): run `npx biome format --write {OUT_DIR}`", file=sys.stderr)


def main() -> int:
    rng = np.random.default_rng(SEED)
    tables = random_tables(rng)
    write(
        "scipy-2x2.json",
        {
            "generator": f"scripts/stats-fixtures.py seed {SEED}, scipy {scipy.__version__}, numpy {np.__version__}",
            "tables": [two_by_two(*t) for t in tables],
        },
    )
    write(
        "scipy-misc.json",
        {"generator": f"scripts/stats-fixtures.py seed {SEED}, scipy {scipy.__version__}", **misc_fixtures(rng)},
    )
    written = [OUT_DIR / "scipy-2x2.json", OUT_DIR / "scipy-misc.json"]
    mh = mh_fixtures(rng)
    if mh is None:
        print("statsmodels not installed: statsmodels-mh.json left as it was", file=sys.stderr)
    else:
        import statsmodels

        write(
            "statsmodels-mh.json",
            {"generator": f"scripts/stats-fixtures.py seed {SEED}, statsmodels {statsmodels.__version__}", "sets": mh},
        )
        written.append(OUT_DIR / "statsmodels-mh.json")
    format_with_biome(written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
