"""The regions a person may give (optional): mainland China's provinces and regions, Hong Kong,
Macao and Taiwan, and "another country". Coarse on purpose (users at risk: no city, no county).

A region is stored as a stable code (``sichuan``) and shown in the reader's language, so that
"Beijing", "beijing " and "北京" are one group in survey statistics and one helpline region.
The migration that turned the old free-text values into codes
(training/migrations/versions/7b3e9d21c4a6_regions_as_codes.py) keeps its own copy of the names.
"""
from __future__ import annotations

import unicodedata

from flask import Flask
from flask_babel import get_locale

# code -> (English, Chinese), in the order of China's administrative division codes (GB/T 2260).
REGIONS: dict[str, tuple[str, str]] = {
    "beijing": ("Beijing", "北京"),
    "tianjin": ("Tianjin", "天津"),
    "hebei": ("Hebei", "河北"),
    "shanxi": ("Shanxi", "山西"),
    "neimenggu": ("Inner Mongolia", "内蒙古"),
    "liaoning": ("Liaoning", "辽宁"),
    "jilin": ("Jilin", "吉林"),
    "heilongjiang": ("Heilongjiang", "黑龙江"),
    "shanghai": ("Shanghai", "上海"),
    "jiangsu": ("Jiangsu", "江苏"),
    "zhejiang": ("Zhejiang", "浙江"),
    "anhui": ("Anhui", "安徽"),
    "fujian": ("Fujian", "福建"),
    "jiangxi": ("Jiangxi", "江西"),
    "shandong": ("Shandong", "山东"),
    "henan": ("Henan", "河南"),
    "hubei": ("Hubei", "湖北"),
    "hunan": ("Hunan", "湖南"),
    "guangdong": ("Guangdong", "广东"),
    "guangxi": ("Guangxi", "广西"),
    "hainan": ("Hainan", "海南"),
    "chongqing": ("Chongqing", "重庆"),
    "sichuan": ("Sichuan", "四川"),
    "guizhou": ("Guizhou", "贵州"),
    "yunnan": ("Yunnan", "云南"),
    "xizang": ("Xizang (Tibet)", "西藏"),
    "shaanxi": ("Shaanxi", "陕西"),
    "gansu": ("Gansu", "甘肃"),
    "qinghai": ("Qinghai", "青海"),
    "ningxia": ("Ningxia", "宁夏"),
    "xinjiang": ("Xinjiang", "新疆"),
    "hongkong": ("Hong Kong", "香港"),
    "macao": ("Macao", "澳门"),
    "taiwan": ("Taiwan", "台湾"),
    "abroad": ("Another country", "其他国家"),
}

# Other ways people wrote a region when it was free text (besides the names above and their
# full official forms, which ``region_code`` reads by dropping 省, 市, "province"...).
ALIASES = {
    "tibet": "xizang", "nei mongol": "neimenggu", "inner mongolia autonomous region": "neimenggu",
    "hong kong sar": "hongkong", "hk": "hongkong", "香港特别行政区": "hongkong", "香港特區": "hongkong",
    "macau": "macao", "澳門": "macao", "澳门特别行政区": "macao", "臺灣": "taiwan", "台灣": "taiwan",
    "广西壮族自治区": "guangxi", "宁夏回族自治区": "ningxia", "新疆维吾尔自治区": "xinjiang",
    "内蒙古自治区": "neimenggu", "西藏自治区": "xizang", "廣東": "guangdong", "內蒙古": "neimenggu",
    "abroad": "abroad", "overseas": "abroad", "another country": "abroad", "other country": "abroad",
    "海外": "abroad", "国外": "abroad", "境外": "abroad",
}
_SUFFIXES = (" special administrative region", " autonomous region", " municipality", " province", " sar",
             " city", "特别行政区", "自治区", "省", "市")


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("-", " ").split())


def _lookup() -> dict[str, str]:
    table = {_key(code): code for code in REGIONS}
    for code, names in REGIONS.items():
        for name in names:
            table[_key(name)] = code
    table.update({_key(alias): code for alias, code in ALIASES.items()})
    return table


_LOOKUP = _lookup()


def region_code(text: str | None) -> str | None:
    """The code of a region written in English or Chinese, in any case and spacing, with or
    without 省/市/"Province" ("Beijing", " beijing ", "北京市" -> "beijing"); None if unknown."""
    key = _key(text or "")
    if not key:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key]
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and key[:-len(suffix)].strip() in _LOOKUP:
            return _LOOKUP[key[:-len(suffix)].strip()]
    return None


def _chinese(locale) -> bool:
    return str(locale or get_locale() or "en").startswith("zh")


def region_name(code: str | None, locale=None) -> str:
    """The region's name in the reader's language (or ``locale``); "" for none. An unknown code
    (there should be none) is shown as it is."""
    if not code:
        return ""
    names = REGIONS.get(code)
    if names is None:
        return code
    return names[1] if _chinese(locale) else names[0]


def region_choices(locale=None) -> list[tuple[str, str]]:
    """(code, name) for a select, in the reader's language: mainland China's provinces and
    regions (alphabetical in English, in the usual official order in Chinese), then Hong Kong,
    Macao, Taiwan and another country."""
    chinese = _chinese(locale)
    mainland = [code for code in REGIONS if code not in ("hongkong", "macao", "taiwan", "abroad")]
    if not chinese:
        mainland.sort(key=lambda code: REGIONS[code][0])
    return [(code, region_name(code, "zh" if chinese else "en"))
            for code in mainland + ["hongkong", "macao", "taiwan", "abroad"]]


def register(app: Flask) -> None:
    app.jinja_env.filters["region_name"] = region_name
