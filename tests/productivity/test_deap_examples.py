"""DEAP 2.1's examples EG1, EG2 and EG4 reproduced number by number.

Reference: the output files DEAP 2.1 printed itself (Coelli 1996, CEPA Working Paper 96/08), copied into
tests/data/deap/ (see its README).  The expected numbers are parsed from those files here, so every number
cited is DEAP's own.  DEAP prints 3 decimals, so the tolerance is half a unit of the last digit, 5e-4
(plus 1e-9 for binary rounding of values such as 0.5625 that DEAP rounds half up).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spillover.errors import DEAError, OverwriteError
from spillover.productivity.deap_io import (
    format_deap,
    read_deap_data,
    read_deap_instructions,
    run_deap,
    write_deap_output,
)

DATA = Path(__file__).parents[1] / "data" / "deap"
TOL = 5e-4 + 1e-9


def section(text: str, title: str, stop: str) -> list[list[str]]:
    """Token rows between a heading and the next heading, skipping header lines."""
    body = text.split(title, 1)[1].split(stop, 1)[0]
    rows = []
    for line in body.splitlines():
        tokens = line.split()
        if tokens and (tokens[0].isdigit() or tokens[0] == "mean"):
            rows.append(tokens)
    return rows


def numbers(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame([[float(v) for v in r[1:]] for r in rows], index=[r[0] for r in rows])


def reference(name: str) -> str:
    return (DATA / f"{name}-out.txt").read_text()


# ---------------------------------------------------------------------------------------------- EG1 / EG2
@pytest.fixture(scope="module")
def eg1():
    return run_deap(DATA / "eg1-ins.txt"), reference("eg1")


@pytest.fixture(scope="module")
def eg2():
    return run_deap(DATA / "eg2-ins.txt"), reference("eg2")


def test_instructions_parsed():
    ins = read_deap_instructions(DATA / "eg4-ins.txt")
    assert (ins.n_firms, ins.n_periods, ins.n_outputs, ins.n_inputs) == (5, 3, 1, 1)
    assert (ins.orientation, ins.rts, ins.method) == ("output", "crs", "malmquist")
    data = read_deap_data(ins.data_path, ins)
    assert data.shape == (15, 4) and data["firm"].tolist()[:6] == [1, 2, 3, 4, 5, 1]


def test_eg1_efficiency(eg1):
    res, out = eg1
    ref = numbers(section(out, "EFFICIENCY SUMMARY:", "SUMMARY OF OUTPUT SLACKS"))
    np.testing.assert_allclose(res.efficiency.to_numpy(), ref.iloc[:5, 0], atol=TOL)
    assert abs(res.efficiency.mean() - ref.loc["mean", 0]) < TOL


@pytest.mark.parametrize("example", ["eg1", "eg2"])
def test_slacks_and_targets(example, eg1, eg2):
    res, out = {"eg1": eg1, "eg2": eg2}[example]
    for title, stop, got in (
        ("SUMMARY OF OUTPUT SLACKS:", "SUMMARY OF INPUT SLACKS", res.output_slacks),
        ("SUMMARY OF INPUT SLACKS:", "SUMMARY OF PEERS", res.input_slacks),
        ("SUMMARY OF OUTPUT TARGETS:", "SUMMARY OF INPUT TARGETS", res.output_targets),
        ("SUMMARY OF INPUT TARGETS:", "FIRM BY FIRM", res.input_targets),
    ):
        ref = numbers(section(out, title, stop))
        np.testing.assert_allclose(got.to_numpy(), ref.iloc[:5].to_numpy(), atol=TOL, err_msg=title)


@pytest.mark.parametrize("example", ["eg1", "eg2"])
def test_peers_weights_and_counts(example, eg1, eg2):
    res, out = {"eg1": eg1, "eg2": eg2}[example]
    peers = section(out, "SUMMARY OF PEERS:", "SUMMARY OF PEER WEIGHTS")
    weights = section(out, "SUMMARY OF PEER WEIGHTS:", "PEER COUNT SUMMARY")
    for p_row, w_row in zip(peers, weights):
        firm = int(p_row[0])
        expected = dict(zip((int(p) for p in p_row[1:]), (float(w) for w in w_row[1:])))
        got = dict(zip(res.peers[firm], res.peer_weights[firm]))
        assert set(got) == set(expected), firm  # DEAP lists peers in its own basis order
        for peer, w in expected.items():
            assert abs(got[peer] - w) < TOL
    counts = numbers(section(out, "PEER COUNT SUMMARY:", "SUMMARY OF OUTPUT TARGETS"))
    assert res.peer_count.tolist() == counts.iloc[:, 0].astype(int).tolist()


def test_eg2_scale_and_labels(eg2):
    res, out = eg2
    rows = section(out, "EFFICIENCY SUMMARY:", "Note:")
    ref = pd.DataFrame([[float(v) for v in r[1:4]] for r in rows], index=[r[0] for r in rows])
    got = res.scale[["crste", "vrste", "scale"]].to_numpy()
    np.testing.assert_allclose(got, ref.iloc[:5].to_numpy(), atol=TOL)
    np.testing.assert_allclose(res.scale[["crste", "vrste", "scale"]].mean(), ref.loc["mean"], atol=TOL)
    assert res.scale["rts"].tolist() == [r[4] for r in rows[:5]]  # irs irs - drs drs
    assert res.scale["rts"].tolist() == ["irs", "irs", "-", "drs", "drs"]


@pytest.mark.parametrize("example", ["eg1", "eg2"])
def test_firm_by_firm_projection(example, eg1, eg2):
    res, out = {"eg1": eg1, "eg2": eg2}[example]
    blocks = out.split("Results for firm:")[1:]
    for block in blocks:
        firm = int(block.split()[0])
        te = float(re.search(r"Technical efficiency = ([\d.]+)", block).group(1))
        assert abs(res.efficiency[firm] - te) < TOL
        ours = format_deap(res).split("Results for firm:")[firm]
        proj = [ln.split() for ln in block.splitlines() if ln.strip().startswith(("output", "input"))]
        mine = [ln.split() for ln in ours.splitlines() if ln.strip().startswith(("output", "input"))]
        assert [p[:2] for p in proj] == [p[:2] for p in mine]
        np.testing.assert_allclose(
            np.array([p[2:] for p in mine], float), np.array([p[2:] for p in proj], float), atol=TOL
        )


# --------------------------------------------------------------------------------------------------- EG4
@pytest.fixture(scope="module")
def eg4():
    return run_deap(DATA / "eg4-ins.txt"), reference("eg4")


def test_eg4_distances(eg4):
    res, out = eg4
    blocks = out.split("DISTANCES SUMMARY", 1)[1].split("MALMQUIST INDEX SUMMARY", 1)[0].split("year =")[1:]
    for block in blocks:
        year = int(block.split()[0])
        ref = numbers(
            [
                ln.split()
                for ln in block.splitlines()
                if ln.split()
                and ((ln.split()[0].isdigit() and len(ln.split()) == 5) or ln.split()[0] == "mean")
            ]
        )
        got = res.distances.xs(year, level="period")[["crs_prev", "crs", "crs_next", "vrs"]].fillna(0.0)
        # DEAP prints 0.000 for the undefined t-1 (first year) and t+1 (last year) columns
        np.testing.assert_allclose(got.to_numpy(), ref.iloc[:5].to_numpy(), atol=TOL, err_msg=f"year {year}")
        means = res.distance_means.loc[year, ["crs_prev", "crs", "crs_next", "vrs"]].fillna(0.0)
        np.testing.assert_allclose(means.to_numpy(), ref.loc["mean"].to_numpy(), atol=TOL)


def test_eg4_indices_by_year(eg4):
    res, out = eg4
    part = out.split(" MALMQUIST INDEX SUMMARY\n", 1)[1].split("SUMMARY OF ANNUAL MEANS", 1)[0]
    for block in part.split("year =")[1:]:
        year = int(block.split()[0])
        ref = numbers(
            [
                ln.split()
                for ln in block.splitlines()
                if ln.split()
                and ((ln.split()[0].isdigit() and len(ln.split()) == 6) or ln.split()[0] == "mean")
            ]
        )
        got = res.indices.xs(year, level="period")
        np.testing.assert_allclose(got.to_numpy(), ref.iloc[:5].to_numpy(), atol=TOL, err_msg=f"year {year}")
        means = res.period_means.loc[year].to_numpy()
        np.testing.assert_allclose(means, ref.loc["mean"].to_numpy(), atol=TOL)


def test_eg4_annual_and_firm_means(eg4):
    res, out = eg4
    annual = numbers(section(out, "SUMMARY OF ANNUAL MEANS", "SUMMARY OF FIRM MEANS"))
    np.testing.assert_allclose(res.period_means.to_numpy(), annual.iloc[:2].to_numpy(), atol=TOL)
    np.testing.assert_allclose(res.mean.to_numpy(), annual.loc["mean"].to_numpy(), atol=TOL)
    firms = numbers(section(out, "SUMMARY OF FIRM MEANS", "[Note that all"))
    np.testing.assert_allclose(res.unit_means.to_numpy(), firms.iloc[:5].to_numpy(), atol=TOL)
    np.testing.assert_allclose(res.mean.to_numpy(), firms.loc["mean"].to_numpy(), atol=TOL)


# ------------------------------------------------------------------------------------------- writing
def numeric_tokens(text: str, start: str, stop: str) -> list[float]:
    body = text.split(start, 1)[1].split(stop, 1)[0]
    return [float(t) for t in re.findall(r"-?\d+\.\d+", body)]


@pytest.mark.parametrize(
    "example, sections",
    [
        ("eg1", [("EFFICIENCY SUMMARY", "SUMMARY OF PEERS"), ("PEER COUNT", "FIRM BY FIRM")]),
        ("eg2", [("EFFICIENCY SUMMARY", "SUMMARY OF PEERS"), ("PEER COUNT", "FIRM BY FIRM")]),
        ("eg4", [("DISTANCES SUMMARY", "[Note that all")]),
    ],
)
def test_written_output_diffs_clean_against_deap(example, sections, tmp_path):
    ins = read_deap_instructions(DATA / f"{example}-ins.txt")
    res = run_deap(DATA / f"{example}-ins.txt")
    path = write_deap_output(res, tmp_path / "out.txt", instructions=ins)
    ours, theirs = path.read_text(), reference(example)
    for start, stop in sections:  # every printed number, in order, identical to 3 decimals
        assert numeric_tokens(ours, start, stop) == numeric_tokens(theirs, start, stop), start
    assert ours.splitlines()[:4] == theirs.splitlines()[:4]


def test_run_deap_writes_and_refuses_to_overwrite(tmp_path):
    for suffix in ("ins", "dta"):
        (tmp_path / f"eg2-{suffix}.txt").write_text((DATA / f"eg2-{suffix}.txt").read_text())
    run_deap(tmp_path / "eg2-ins.txt", write=True)
    assert (tmp_path / "eg2-out.txt").read_text().startswith(" Results from DEAP Version 2.1")
    with pytest.raises(OverwriteError):
        run_deap(tmp_path / "eg2-ins.txt", write=True)
    run_deap(tmp_path / "eg2-ins.txt", write=True, overwrite=True)


def test_bad_files_are_reported(tmp_path):
    bad = tmp_path / "bad-ins.txt"
    text = (DATA / "eg1-ins.txt").read_text()
    bad.write_text(text.replace("0               0=DEA", "1               0=DEA"))  # method code 1
    with pytest.raises(DEAError, match="cost DEA"):
        read_deap_instructions(bad)
    ins = read_deap_instructions(DATA / "eg1-ins.txt")
    short = tmp_path / "short.txt"
    short.write_text("1 2 5\n2 2 4\n")
    with pytest.raises(DEAError, match="2 rows x 3 columns"):
        read_deap_data(short, ins)


@pytest.mark.parametrize("example", ["eg2", "eg4"])
def test_written_output_is_deap_text_line_for_line(example):
    # EG2 and EG4 have unique peers, so the whole text must equal DEAP's (DEAP writes CRLF line ends).
    # In EG1 only the order in which DEAP lists two peers (its basis order) differs; see the test above.
    ins = read_deap_instructions(DATA / f"{example}-ins.txt")
    ours = format_deap(run_deap(DATA / f"{example}-ins.txt"), ins).splitlines()
    theirs = reference(example).splitlines()
    assert ours == theirs
