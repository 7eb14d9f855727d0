#!/usr/bin/python3
"""Golden PSI values for src/monitor/psi.test.ts, computed independently with pandas and numpy.

Run with the system interpreter:

    /usr/bin/python3 scripts/golden/make_psi_golden.py

Writes src/monitor/__golden__/psi.json: per case the bin edges (numeric) or nothing (categorical), the
raw baseline and current values (generated with fixed numpy seeds), pandas' bin counts and the PSI.

Definition (docs/monitoring.md): bins are the baseline's inner edges, right-closed, open at both ends
(pandas.cut with right=True on [-inf, e0, ..., e_k-1, +inf]); shares are counts over the non-missing
values; a zero share is floored at 1e-4; a bin empty on both sides contributes nothing;
PSI = sum (a - e) * ln(a / e).
"""
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd

EPS = 1e-4
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'src', 'monitor', '__golden__', 'psi.json')


def psi_from_counts(e_counts, a_counts):
    e_counts = np.asarray(e_counts, dtype=float)
    a_counts = np.asarray(a_counts, dtype=float)
    keep = (e_counts > 0) | (a_counts > 0)
    e = np.maximum(e_counts / e_counts.sum(), EPS)[keep]
    a = np.maximum(a_counts / a_counts.sum(), EPS)[keep]
    return float(np.sum((a - e) * np.log(a / e)))


def deciles(values):
    """Training's edges: linear-interpolated deciles rounded to 6 decimals, ties collapsed."""
    q = np.quantile(np.asarray(values, dtype=float), [k / 10 for k in range(1, 10)])
    return sorted(set(float(round(v, 6)) for v in q))


def numeric_case(name, baseline, current, edges=None):
    baseline = [float(round(v, 4)) for v in baseline]
    current = [float(round(v, 4)) for v in current]
    edges = deciles(baseline) if edges is None else edges
    bins = [-np.inf] + list(edges) + [np.inf]
    cut = lambda xs: pd.cut(pd.Series(xs), bins=bins, right=True).value_counts(sort=False).tolist()
    e_counts, a_counts = cut(baseline), cut(current)
    return {
        'name': name,
        'kind': 'numeric',
        'edges': edges,
        'baseline': baseline,
        'current': current,
        'baseline_counts': e_counts,
        'current_counts': a_counts,
        'psi': psi_from_counts(e_counts, a_counts),
        # What the reference system computed: it assumed 10% of the baseline in each of its bins.
        'equal_mass_psi': psi_from_counts([1] * len(e_counts), a_counts),
    }


def categorical_case(name, baseline, current):
    eb = pd.Series(baseline).value_counts()
    ea = pd.Series(current).value_counts()
    keys = sorted(set(eb.index) | set(ea.index))
    e_counts = [int(eb.get(k, 0)) for k in keys]
    a_counts = [int(ea.get(k, 0)) for k in keys]
    return {
        'name': name,
        'kind': 'categorical',
        'baseline': baseline,
        'current': current,
        'keys': keys,
        'baseline_counts': e_counts,
        'current_counts': a_counts,
        'psi': psi_from_counts(e_counts, a_counts),
    }


def main():
    rng = np.random.default_rng(20240613)
    base = rng.normal(7.0, 1.2, 600).clip(0, 10)
    cases = [
        numeric_case('identical', base, base),
        numeric_case('resample_same_distribution', base, rng.normal(7.0, 1.2, 800).clip(0, 10)),
        numeric_case('shift_half_sd', base, rng.normal(7.6, 1.2, 765).clip(0, 10)),
        numeric_case('shift_two_sd', base, rng.normal(9.4, 0.6, 765).clip(0, 10)),
        numeric_case('small_sample', base, rng.normal(7.0, 1.2, 25).clip(0, 10)),
    ]
    # Many ties (like IAN: 2.5, 5 or 10): deciles collapse into few bins with unequal masses.
    ties = rng.choice([2.5, 5.0, 10.0], size=600, p=[0.15, 0.55, 0.30])
    cases.append(numeric_case('ties_identical', ties, ties))
    cases.append(numeric_case('ties_shift', ties, rng.choice([2.5, 5.0, 10.0], size=765, p=[0.05, 0.45, 0.50])))
    # Values on the edges themselves and beyond the training range; a bin empty in training.
    edges = [1.0, 2.0, 3.0, 4.0]
    on_edges = [0.5, 1.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.0, 3.5] * 20
    cases.append(numeric_case('on_edges_and_empty_bin', on_edges, [1.0, 2.0, 3.0, 4.0, 4.5, 9.0, -1.0] * 15, edges))
    cats = ['feminino', 'masculino']
    cases.append(categorical_case('category_identical', cats * 150, cats * 150))
    cases.append(categorical_case(
        'category_unseen_and_vanished',
        ['publica'] * 505 + ['privada_bolsa'] * 95,
        ['publica'] * 600 + ['privada'] * 40 + ['outro'] * 5,
    ))
    cases.append(categorical_case(
        'integer_levels',
        [str(v) for v in rng.choice([-2, -1, 0, 1], size=600, p=[0.2, 0.48, 0.3, 0.02])],
        [str(v) for v in rng.choice([-3, -2, -1, 0, 1], size=765, p=[0.01, 0.15, 0.35, 0.47, 0.02])],
    ))
    doc = {
        'generated_by': 'scripts/golden/make_psi_golden.py',
        'numpy': np.__version__,
        'pandas': pd.__version__,
        'epsilon': EPS,
        'cases': cases,
    }
    with open(OUT, 'w') as f:
        json.dump(doc, f)
        f.write('\n')
    # Formatted the way `npm run lint` expects, so regenerating leaves lint clean.
    root = os.path.join(os.path.dirname(__file__), '..', '..')
    try:
        subprocess.run(['npx', 'biome', 'format', '--write', os.path.relpath(OUT, root)], cwd=root, check=True,
                       stdout=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError) as err:
        print(f'biome format failed ({err}); run `npx biome format --write {OUT}`', file=sys.stderr)
    for c in cases:
        extra = f"  equal-mass {c['equal_mass_psi']:.4f}" if 'equal_mass_psi' in c else ''
        print(f"{c['name']:32s} psi {c['psi']:.6f}{extra}")


if __name__ == '__main__':
    main()
