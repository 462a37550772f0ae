"""regions as codes

A person's region, a helpline's and a survey response's become a code of a fixed list
(training/regions.py: mainland China's provinces and regions, Hong Kong, Macao, Taiwan, another
country) instead of free text, so that "Beijing", "beijing " and "北京" are one group. Existing
values written in English or Chinese, in any case and spacing, with or without 省/市/"Province",
are mapped to their code; anything else becomes none (a helpline's: everywhere). The survey
tallies are derived from the responses: they are deleted and rebuilt at the next read.

Revision ID: 7b3e9d21c4a6
Revises: f1a2b3c4d5e6
Create Date: 2026-12-05 10:00:00.000000

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7b3e9d21c4a6'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None

# Copied from training/regions.py as it was (a migration does the same whatever that module becomes).
REGIONS = {
    "beijing": ("Beijing", "北京"), "tianjin": ("Tianjin", "天津"), "hebei": ("Hebei", "河北"),
    "shanxi": ("Shanxi", "山西"), "neimenggu": ("Inner Mongolia", "内蒙古"), "liaoning": ("Liaoning", "辽宁"),
    "jilin": ("Jilin", "吉林"), "heilongjiang": ("Heilongjiang", "黑龙江"), "shanghai": ("Shanghai", "上海"),
    "jiangsu": ("Jiangsu", "江苏"), "zhejiang": ("Zhejiang", "浙江"), "anhui": ("Anhui", "安徽"),
    "fujian": ("Fujian", "福建"), "jiangxi": ("Jiangxi", "江西"), "shandong": ("Shandong", "山东"),
    "henan": ("Henan", "河南"), "hubei": ("Hubei", "湖北"), "hunan": ("Hunan", "湖南"),
    "guangdong": ("Guangdong", "广东"), "guangxi": ("Guangxi", "广西"), "hainan": ("Hainan", "海南"),
    "chongqing": ("Chongqing", "重庆"), "sichuan": ("Sichuan", "四川"), "guizhou": ("Guizhou", "贵州"),
    "yunnan": ("Yunnan", "云南"), "xizang": ("Xizang (Tibet)", "西藏"), "shaanxi": ("Shaanxi", "陕西"),
    "gansu": ("Gansu", "甘肃"), "qinghai": ("Qinghai", "青海"), "ningxia": ("Ningxia", "宁夏"),
    "xinjiang": ("Xinjiang", "新疆"), "hongkong": ("Hong Kong", "香港"), "macao": ("Macao", "澳门"),
    "taiwan": ("Taiwan", "台湾"), "abroad": ("Another country", "其他国家"),
}
ALIASES = {
    "tibet": "xizang", "nei mongol": "neimenggu", "inner mongolia autonomous region": "neimenggu",
    "hong kong sar": "hongkong", "hk": "hongkong", "香港特别行政区": "hongkong", "香港特區": "hongkong",
    "macau": "macao", "澳門": "macao", "澳门特别行政区": "macao", "臺灣": "taiwan", "台灣": "taiwan",
    "广西壮族自治区": "guangxi", "宁夏回族自治区": "ningxia", "新疆维吾尔自治区": "xinjiang",
    "内蒙古自治区": "neimenggu", "西藏自治区": "xizang", "廣東": "guangdong", "內蒙古": "neimenggu",
    "abroad": "abroad", "overseas": "abroad", "another country": "abroad", "other country": "abroad",
    "海外": "abroad", "国外": "abroad", "境外": "abroad",
}
SUFFIXES = (" special administrative region", " autonomous region", " municipality", " province", " sar",
            " city", "特别行政区", "自治区", "省", "市")


def _key(text):
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("-", " ").split())


LOOKUP = {_key(code): code for code in REGIONS}
LOOKUP.update({_key(name): code for code, names in REGIONS.items() for name in names})
LOOKUP.update({_key(alias): code for alias, code in ALIASES.items()})


def code_of(text):
    key = _key(text or "")
    if key in LOOKUP:
        return LOOKUP[key]
    for suffix in SUFFIXES:
        if key.endswith(suffix) and key[:-len(suffix)].strip() in LOOKUP:
            return LOOKUP[key[:-len(suffix)].strip()]
    return None


# (table, key column, None when unknown or "" when unknown)
TABLES = (("users", "id", sa.Integer, None), ("survey_responses", "id", sa.String, None),
          ("helplines", "id", sa.Integer, ""))


def _map(convert):
    bind = op.get_bind()
    for name, key, key_type, empty in TABLES:
        table = sa.table(name, sa.column(key, key_type), sa.column("region", sa.String))
        for value in list(bind.execute(sa.select(table.c.region).distinct().where(table.c.region.is_not(None),
                                                                                  table.c.region != "")).scalars()):
            new = convert(value) or empty
            if new != value:
                bind.execute(table.update().where(table.c.region == value).values(region=new))
    # Derived from the responses (quizzes/surveys/tallies.py): counted again at the next read.
    bind.execute(sa.text("DELETE FROM survey_tallies"))
    bind.execute(sa.text("DELETE FROM survey_tally_states"))


def upgrade():
    _map(code_of)


def downgrade():
    # Back to free text: the English name.
    _map(lambda code: REGIONS[code][0] if code in REGIONS else code)
