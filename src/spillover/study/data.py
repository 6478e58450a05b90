"""The study's panel: shipped datasets or a file joined to boundaries (the study's one reading step)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from spillover import io
from spillover.panel import SpatialPanel

if TYPE_CHECKING:
    from spillover.study.validate import Study

__all__ = ["dataset_columns", "read_columns", "load_panel"]

_DATASET_COLUMNS = {
    "us_states": [
        "state",
        "year",
        "pcap",
        "hwy",
        "water",
        "util",
        "pc",
        "gsp",
        "emp",
        "unemp",
        "ln_gsp",
        "ln_pcap",
        "ln_pc",
        "ln_emp",
    ],
    "china_simulated": [
        "province",
        "year",
        "emp",
        "manuf_emp",
        "ps_emp",
        "internet_rate",
        "broadband_pc",
        "software_share",
        "mobile_per100",
        "digital_emp_share",
        "telecom_cost",
        "gdp_pc",
        "ln_gdp_pc",
        "gov",
        "fdi",
        "ami",
        "data_source",
    ],
}


def dataset_columns(name: str) -> list[str]:
    """Columns of a shipped dataset (without loading it; a test checks they match)."""
    return list(_DATASET_COLUMNS[name])


def read_columns(path: Path, *, encoding: str | None = None, sheet: str | int | None = None) -> list[str]:
    """The column names of a panel file (read by :func:`spillover.io.read_panel`, whose errors name the
    file and, for text that is not in the expected encoding, the byte)."""
    return [str(c) for c in io.read_panel(path, sheet=sheet, encoding=encoding).columns]


def load_panel(study: Study) -> SpatialPanel:
    """The panel of a validated study, joined to its boundaries."""
    data = study.section("data") or {}
    if "dataset" in data:
        return _dataset(data["dataset"], data)
    frame = io.read_panel(study.resolve(data["file"]), sheet=data.get("sheet"), encoding=data.get("encoding"))
    if data.get("normalize_regions"):
        from spillover import regions

        frame[data["id"]] = regions.normalize(frame[data["id"]].tolist(), include_sar_taiwan=False)
    geo, geo_id = _boundaries(study)
    return SpatialPanel(
        frame, geo, id=data["id"], time=data["time"], geometry_id=geo_id, interpolate=data["interpolate"]
    )


def _dataset(name: str, data: dict[str, Any]) -> SpatialPanel:
    from spillover import datasets

    if name == "us_states":
        return datasets.us_states()
    if "seed" in data:
        return datasets.china_simulated(seed=data["seed"])
    return datasets.china_simulated()


def _boundaries(study: Study) -> tuple[Any, str]:
    from spillover import datasets

    bounds = study.section("boundaries") or {}
    if bounds.get("dataset") == "china_provinces":
        return datasets.china_provinces(), "province"
    if bounds.get("dataset") == "us_states":
        return datasets.us_states_geometry(), "state"
    geo = io.read_boundaries(study.resolve(bounds["file"]), layer=bounds.get("layer"))
    return geo, bounds["id"]
