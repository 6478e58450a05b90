"""Tests of spillover.regions: the province registry and name normalisation.

Expected values are hand-checked facts, not outputs of the code: GB/T 2260 provincial codes (the national
standard's list of provincial-level divisions), official Chinese names, the NBS four-region division, the
MIIT 2022 list of 18 provinces with national advanced-manufacturing clusters (as given in the project brief).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spillover import regions
from spillover.errors import SpilloverError, UnknownRegionError

# GB/T 2260 two-digit codes of the 34 provincial-level units (the standard's table), by canonical id.
GB2260 = {
    "Beijing": "11",
    "Tianjin": "12",
    "Hebei": "13",
    "Shanxi": "14",
    "Inner Mongolia": "15",
    "Liaoning": "21",
    "Jilin": "22",
    "Heilongjiang": "23",
    "Shanghai": "31",
    "Jiangsu": "32",
    "Zhejiang": "33",
    "Anhui": "34",
    "Fujian": "35",
    "Jiangxi": "36",
    "Shandong": "37",
    "Henan": "41",
    "Hubei": "42",
    "Hunan": "43",
    "Guangdong": "44",
    "Guangxi": "45",
    "Hainan": "46",
    "Chongqing": "50",
    "Sichuan": "51",
    "Guizhou": "52",
    "Yunnan": "53",
    "Tibet": "54",
    "Shaanxi": "61",
    "Gansu": "62",
    "Qinghai": "63",
    "Ningxia": "64",
    "Xinjiang": "65",
    "Taiwan": "71",
    "Hong Kong": "81",
    "Macao": "82",
}
EAST = [
    "Beijing",
    "Tianjin",
    "Hebei",
    "Shanghai",
    "Jiangsu",
    "Zhejiang",
    "Fujian",
    "Shandong",
    "Guangdong",
    "Hainan",
]
CENTRAL = ["Shanxi", "Anhui", "Jiangxi", "Henan", "Hubei", "Hunan"]
WEST = [
    "Inner Mongolia",
    "Guangxi",
    "Chongqing",
    "Sichuan",
    "Guizhou",
    "Yunnan",
    "Tibet",
    "Shaanxi",
    "Gansu",
    "Qinghai",
    "Ningxia",
    "Xinjiang",
]
NORTHEAST = ["Liaoning", "Jilin", "Heilongjiang"]
CLUSTER = [
    "Beijing",
    "Tianjin",
    "Hebei",
    "Inner Mongolia",
    "Liaoning",
    "Jilin",
    "Shanghai",
    "Jiangsu",
    "Zhejiang",
    "Anhui",
    "Fujian",
    "Shandong",
    "Hubei",
    "Hunan",
    "Guangdong",
    "Chongqing",
    "Sichuan",
    "Shaanxi",
]


# ----------------------------------------------------------------------------------------------- registry


def test_registry_default_is_the_31_mainland_units_in_code_order():
    reg = regions.registry()
    assert len(reg) == 31
    assert reg.index.name == "province"
    assert reg["code"].tolist() == sorted(reg["code"])
    assert dict(zip(reg.index, reg["code"])) == {k: v for k, v in GB2260.items() if int(v) < 70}
    assert reg["default"].all()


def test_registry_with_sar_taiwan_has_34_units():
    reg = regions.registry(include_sar_taiwan=True)
    assert dict(zip(reg.index, reg["code"])) == GB2260
    assert reg.loc[["Taiwan", "Hong Kong", "Macao"], "default"].tolist() == [False, False, False]
    assert reg.loc[["Taiwan", "Hong Kong", "Macao"], "region4"].isna().all()
    assert not reg.loc[["Taiwan", "Hong Kong", "Macao"], "cluster"].any()


def test_registry_columns():
    expected = [
        "code",
        "name_zh",
        "short_zh",
        "abbr_zh",
        "name_en",
        "pinyin",
        "capital_en",
        "capital_zh",
        "capital_lon",
        "capital_lat",
        "region4",
        "cluster",
        "default",
    ]
    assert regions.registry().columns.tolist() == expected


def test_region_groups_counts_and_members():
    reg = regions.registry()
    assert reg["region4"].value_counts().to_dict() == {"West": 12, "East": 10, "Central": 6, "Northeast": 3}
    groups = regions.region_groups()
    assert sorted(groups["East"]) == sorted(EAST)
    assert sorted(groups["Central"]) == sorted(CENTRAL)
    assert sorted(groups["West"]) == sorted(WEST)
    assert sorted(groups["Northeast"]) == sorted(NORTHEAST)
    assert regions.region_groups(include_sar_taiwan=True)["Other"] == ["Taiwan", "Hong Kong", "Macao"]


def test_cluster_provinces():
    reg = regions.registry()
    assert int(reg["cluster"].sum()) == 18
    assert sorted(reg.index[reg["cluster"]]) == sorted(CLUSTER)


@pytest.mark.parametrize(
    ("pid", "name_zh", "capital_zh"),
    [  # official full names (hand-checked)
        ("Guangxi", "广西壮族自治区", "南宁"),
        ("Inner Mongolia", "内蒙古自治区", "呼和浩特"),
        ("Xinjiang", "新疆维吾尔自治区", "乌鲁木齐"),
        ("Ningxia", "宁夏回族自治区", "银川"),
        ("Tibet", "西藏自治区", "拉萨"),
        ("Shaanxi", "陕西省", "西安"),
        ("Shanxi", "山西省", "太原"),
        ("Chongqing", "重庆市", "重庆"),
        ("Hong Kong", "香港特别行政区", "香港"),
    ],
)
def test_registry_names(pid, name_zh, capital_zh):
    row = regions.registry(include_sar_taiwan=True).loc[pid]
    assert (row["name_zh"], row["capital_zh"], row["name_en"]) == (name_zh, capital_zh, pid)


def test_capitals_are_in_china_and_distinct():
    reg = regions.registry(include_sar_taiwan=True)
    # China's extent (lon 73.5..135.1, lat 18..53.6 for the capitals' region) - catches swapped lon/lat.
    assert reg["capital_lon"].between(73.5, 135.1).all()
    assert reg["capital_lat"].between(18.0, 53.6).all()
    assert not reg[["capital_lon", "capital_lat"]].duplicated().any()


def test_registry_returns_a_copy():
    reg = regions.registry()
    reg.loc["Beijing", "code"] = "99"
    assert regions.registry().loc["Beijing", "code"] == "11"


def test_ids_in_code_order():
    assert regions.ids()[:5] == ["Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia"]
    assert len(regions.ids(include_sar_taiwan=True)) == 34


# ------------------------------------------------------------------------------------------- normalize

ALIASES = [
    # Chinese with and without suffixes
    ("广西壮族自治区", "Guangxi"),
    ("广西", "Guangxi"),
    ("内蒙古自治区", "Inner Mongolia"),
    ("内蒙古", "Inner Mongolia"),
    ("宁夏回族自治区", "Ningxia"),
    ("新疆维吾尔自治区", "Xinjiang"),
    ("西藏自治区", "Tibet"),
    ("北京市", "Beijing"),
    ("北京", "Beijing"),
    ("黑龙江省", "Heilongjiang"),
    ("香港特别行政区", "Hong Kong"),
    ("澳门特别行政区", "Macao"),
    ("台湾省", "Taiwan"),
    ("中国香港", "Hong Kong"),
    # traditional characters
    ("臺灣", "Taiwan"),
    ("台湾", "Taiwan"),
    ("台灣", "Taiwan"),
    ("澳門", "Macao"),
    ("廣東", "Guangdong"),
    ("陝西", "Shaanxi"),
    ("香港特別行政區", "Hong Kong"),
    ("內蒙古", "Inner Mongolia"),
    # one-character abbreviations
    ("粤", "Guangdong"),
    ("沪", "Shanghai"),
    ("晋", "Shanxi"),
    ("陕", "Shaanxi"),
    ("蒙", "Inner Mongolia"),
    # English with or without administrative suffixes
    ("Guangxi Zhuang Autonomous Region", "Guangxi"),
    ("Inner Mongolia Autonomous Region", "Inner Mongolia"),
    ("Xinjiang Uygur Autonomous Region", "Xinjiang"),
    ("Xinjiang Uyghur Autonomous Region", "Xinjiang"),
    ("Ningxia Hui Autonomous Region", "Ningxia"),
    ("Tibet Autonomous Region", "Tibet"),
    ("Beijing Municipality", "Beijing"),
    ("Hebei Province", "Hebei"),
    ("Hong Kong SAR", "Hong Kong"),
    ("Hong Kong Special Administrative Region", "Hong Kong"),
    ("Macao SAR", "Macao"),
    ("Macau", "Macao"),
    ("Hong Kong, China", "Hong Kong"),
    ("Inner Mongolia", "Inner Mongolia"),
    ("Tibet", "Tibet"),
    # pinyin with or without tones and spaces
    ("Nei Menggu", "Inner Mongolia"),
    ("Neimenggu", "Inner Mongolia"),
    ("Nèi Měnggǔ", "Inner Mongolia"),
    ("Xizang", "Tibet"),
    ("Xīzàng", "Tibet"),
    ("Guangxi Zhuangzu Zizhiqu", "Guangxi"),
    ("Hei Long Jiang", "Heilongjiang"),
    ("Xianggang", "Hong Kong"),
    ("Aomen", "Macao"),
    # Wade-Giles / postal names
    ("Nei Mongol", "Inner Mongolia"),
    ("Peking", "Beijing"),
    ("Kwangtung", "Guangdong"),
    ("Szechwan", "Sichuan"),
    ("Sinkiang", "Xinjiang"),
    ("Chungking", "Chongqing"),
    ("Fukien", "Fujian"),
    ("Shensi", "Shaanxi"),
    ("Shansi", "Shanxi"),
    # case, stray and full-width whitespace, full-width letters
    ("  guangdong ", "Guangdong"),
    ("GUANGDONG", "Guangdong"),
    ("\u3000广东省\u3000", "Guangdong"),
    ("ＳＨＡＮＧＨＡＩ", "Shanghai"),
    ("inner  mongolia", "Inner Mongolia"),
    ("xi zang", "Tibet"),
]


@pytest.mark.parametrize(("alias", "expected"), ALIASES)
def test_alias(alias, expected):
    assert regions.normalize(alias) == expected


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("Shanxi", "Shanxi"),
        ("shanxi", "Shanxi"),
        ("山西", "Shanxi"),
        ("山西省", "Shanxi"),
        ("Shānxī", "Shanxi"),
        ("Shan1xi1", "Shanxi"),
        (14, "Shanxi"),
        ("Shaanxi", "Shaanxi"),
        ("SHAANXI", "Shaanxi"),
        ("陕西", "Shaanxi"),
        ("陕西省", "Shaanxi"),
        ("Shǎnxī", "Shaanxi"),
        ("Shǎnxi", "Shaanxi"),
        ("Shan3xi1", "Shaanxi"),
        ("Shaanxi Province", "Shaanxi"),
        (61, "Shaanxi"),
        ("610000", "Shaanxi"),
    ],
)
def test_shanxi_shaanxi_are_not_confused(alias, expected):
    assert regions.normalize(alias) == expected


@pytest.mark.parametrize(
    "code",
    [11, "11", "110000", 110000, np.int64(11), 11.0, " 11 "],
)
def test_codes(code):
    assert regions.normalize(code) == "Beijing"


@pytest.mark.parametrize(("code", "expected"), [(65, "Xinjiang"), ("450000", "Guangxi"), (82, "Macao")])
def test_more_codes(code, expected):
    assert regions.normalize(code) == expected


@pytest.mark.parametrize("bad", [99, "110100", "1100", True])
def test_invalid_codes_raise(bad):
    with pytest.raises(UnknownRegionError):
        regions.normalize(bad)


def test_every_registry_name_maps_to_itself():
    reg = regions.registry(include_sar_taiwan=True)
    for column in ["name_zh", "short_zh", "abbr_zh", "name_en", "pinyin", "code"]:
        assert regions.normalize(reg[column].tolist()) == reg.index.tolist(), column


def test_unknown_name_lists_close_matches():
    with pytest.raises(UnknownRegionError, match="'Shangai'.*did you mean 'Shanghai'") as info:
        regions.normalize("Shangai")
    assert isinstance(info.value, SpilloverError)  # catchable as the package's base error


def test_unknown_names_in_a_collection_are_all_reported():
    with pytest.raises(UnknownRegionError) as info:
        regions.normalize(["Beijing", "Guangdon", "Atlantis", "Sichaun"])
    message = str(info.value)
    assert "'Guangdon' (did you mean 'Guangdong'" in message
    assert "'Sichaun' (did you mean 'Sichuan'" in message
    assert "'Atlantis' (no close match)" in message
    assert "'Beijing'" not in message


def test_national_total_row_gets_a_specific_hint():
    with pytest.raises(UnknownRegionError, match="national total"):
        regions.normalize(["北京", "全国"])


@pytest.mark.parametrize("name", ["Taiwan", "香港", "澳門", 81])
def test_sar_taiwan_can_be_excluded(name):
    with pytest.raises(UnknownRegionError, match="include_sar_taiwan=True"):
        regions.normalize(name, include_sar_taiwan=False)
    assert regions.normalize(name) in {"Taiwan", "Hong Kong", "Macao"}


def test_series_keeps_index_and_name():
    s = pd.Series(["广东省", "Shaanxi", "Nei Mongol"], index=pd.Index([30, 10, 20], name="row"), name="prov")
    out = regions.normalize(s)
    assert isinstance(out, pd.Series)
    pd.testing.assert_index_equal(out.index, s.index)
    assert out.name == "prov"
    assert out.tolist() == ["Guangdong", "Shaanxi", "Inner Mongolia"]
    assert s.tolist() == ["广东省", "Shaanxi", "Nei Mongol"]  # caller's data untouched


def test_index_keeps_type_and_name():
    idx = pd.Index(["京", "津", "冀"], name="province")
    out = regions.normalize(idx)
    assert isinstance(out, pd.Index) and not isinstance(out, pd.MultiIndex)
    assert out.name == "province"
    assert out.tolist() == ["Beijing", "Tianjin", "Hebei"]


def test_list_and_tuple_and_array():
    assert regions.normalize(["山东", 44]) == ["Shandong", "Guangdong"]
    assert regions.normalize(("山东", 44)) == ["Shandong", "Guangdong"]
    assert regions.normalize(np.array([11, 12])) == ["Beijing", "Tianjin"]


def test_round_trip_of_canonical_ids_is_identity():
    ids = pd.Series(regions.ids(include_sar_taiwan=True))
    assert regions.normalize(ids).tolist() == ids.tolist()


def test_missing_values_in_a_collection_stay_missing():
    out = regions.normalize(pd.Series(["湖北", None, np.nan]))
    assert out.iloc[0] == "Hubei"
    assert out.iloc[1:].isna().all()
    assert regions.normalize(["湖北", None]) == ["Hubei", None]


def test_missing_scalar_raises():
    with pytest.raises(UnknownRegionError, match="missing"):
        regions.normalize(None)


def test_non_name_input_raises_type_error():
    with pytest.raises(TypeError, match="dict"):
        regions.normalize({"a": "Beijing"})


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("Tibet (Xizang)", "Tibet"),
        ("Xizang (Tibet)", "Tibet"),
        ("内蒙古（内蒙古自治区）", "Inner Mongolia"),
        ("Xinjiang Uygur", "Xinjiang"),
        ("Ningxia Hui", "Ningxia"),
        ("Guangxi Zhuang", "Guangxi"),
        ("An Hui", "Anhui"),
        ("Yün-nan", "Yunnan"),
        ("T'ien-chin", "Tianjin"),
    ],
)
def test_parenthesised_and_partial_forms(alias, expected):
    assert regions.normalize(alias) == expected


_REGISTRY = regions.registry(include_sar_taiwan=True)
_PADDING = st.sampled_from(["", " ", "  ", "\t", "\u3000", " \u3000 "])


@settings(max_examples=200, deadline=None)
@given(
    row=st.integers(0, len(_REGISTRY) - 1),
    column=st.sampled_from(["name_zh", "short_zh", "name_en", "pinyin"]),
    case=st.sampled_from([str.upper, str.lower, str.title, str]),
    left=_PADDING,
    right=_PADDING,
)
def test_case_and_padding_never_change_the_answer(row, column, case, left, right):
    name = _REGISTRY.iloc[row][column]
    assert regions.normalize(left + case(name) + right) == _REGISTRY.index[row]
