#!/usr/bin/env python3
"""Writes the offline demo: the feeds in this folder and ../demo.toml, which lists them (run from anywhere:
python3 config/demo-feeds/generate.py).

The feeds were written for regionfeed; they imitate real Chinese feeds' shapes: chinanews-like RSS without
guid and with zone-less Beijing-time dates, a GB2312-declared GBK file, a Big5 Traditional file with a `CST`
date, Atom feeds in Traditional script, a JSON Feed, and a national feed whose items land in regions by
their datelines (中新社拉萨…电 → 西藏), one of them a wire story that the Shanxi feed carries too (shown once,
"also reported by"). Every region has a feed with a few items, so the index map is filled in.

Dates: the files are static, so their dates are fixed: every item lies within the 36 hours before
ANCHOR. They never age out of the demo because demo.toml keeps items for 100 years ([retention]
keep_days) and ends the map's 24-hour window at the newest item ([server] activity_window_end =
"newest-item") rather than now. Fixed dates keep the demo, its tests and the README's screenshot the
same on every run; dates written at start-up would need the daemon to run this script.

Two sources have no feed: an HTML list page (a GB2312 government portal, read with CSS selectors from
[source.html]; its <base href> makes the links real web addresses) and a JSON list (read with dot paths
from [source.json]), as a site without a feed is configured. Neither reads article pages, so the demo
stays offline.

Kept as a script because the GBK and Big5 files are easier to regenerate than to edit.
"""
import datetime
import os

HERE = os.path.dirname(os.path.abspath(__file__))
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
# The newest item of the demo; every other item is at most 36 hours older.
ANCHOR = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=BEIJING)


def at(minutes_before):
    return ANCHOR - datetime.timedelta(minutes=minutes_before)


def zoneless(time):
    """chinanews style: Beijing time without a zone."""
    return time.strftime("%Y-%m-%d %H:%M:%S")


def rfc822(time, zone="+0800"):
    return time.strftime("%a, %d %b %Y %H:%M:%S ") + zone


def rss(title, link, items, decl="UTF-8", note="（regionfeed 离线演示源）"):
    """items: (title, link, description, date text, guid or None)."""
    out = [f'<?xml version="1.0" encoding="{decl}"?>', '<rss version="2.0">', '<channel>',
           f'<title>{title}</title>', f'<link>{link}</link>', f'<description>{title}{note}</description>']
    for t, l, d, date, guid in items:
        out += ['<item>', f'<title>{t}</title>', f'<link>{l}</link>',
                f'<description>\n　　{d}</description>', f'<pubDate>{date}</pubDate>']
        if guid:
            out.append(f'<guid isPermaLink="false">{guid}</guid>')
        out.append('</item>')
    out += ['</channel>', '</rss>', '']
    return "\n".join(out)


def atom(title, site, feed_id, entries):
    """entries: (id, title, link, updated time, summary)."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
           f'  <title>{title}</title>', f'  <id>{feed_id}</id>', f'  <link href="{site}"/>',
           f'  <updated>{ANCHOR.isoformat()}</updated>']
    for entry_id, t, link, updated, summary in entries:
        out += ['  <entry>', f'    <id>{entry_id}</id>', f'    <title>{t}</title>', f'    <link href="{link}"/>',
                f'    <updated>{updated.isoformat()}</updated>', f'    <summary>{summary}</summary>', '  </entry>']
    out += ['</feed>', '']
    return "\n".join(out)


def write(name, text, encoding="utf-8"):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(text.encode(encoding))


# Headlines without place names (a regional item gains another region from a place in its title).
TOPICS = [
    ("迎来今冬首场降雪 城区道路有序通行", "迎来今冬首场降雪。当地环卫部门连夜出动，主干道路通行有序。"),
    ("冬季招聘会提供岗位逾万个", "举办冬季招聘会，数百家企业提供就业岗位逾万个，吸引大批求职者。"),
    ("老旧小区改造完成年度任务", "今年计划改造的老旧小区已全部完工，惠及居民数万户。"),
    ("新能源汽车产量同比增长两成", "前十个月新能源汽车产量同比增长两成，产业链持续完善。"),
    ("博物馆推出冬季特展", "博物馆推出冬季特展，展出馆藏文物百余件，市民可预约参观。"),
    ("冰雪旅游季启动 多条线路推出", "冰雪旅游季启动，推出多条冬季旅游线路和优惠措施。"),
    ("农产品冷链物流中心投入使用", "农产品冷链物流中心投入使用，年周转能力可达数十万吨。"),
    ("中小学开展冬季安全教育", "中小学集中开展冬季安全教育，提醒学生注意防寒防滑。"),
]

# slug, region title, dateline cities (first is the capital), items in the demo (0 = older than 24 h only).
REGIONS = [
    ("anhui", "安徽", ["合肥", "芜湖"], 3),
    ("beijing", "北京", ["北京"], 6),
    ("chongqing", "重庆", ["重庆"], 4),
    ("fujian", "福建", ["福州", "厦门"], 3),
    ("gansu", "甘肃", ["兰州", "敦煌"], 2),
    ("guizhou", "贵州", ["贵阳", "遵义"], 2),
    ("guangdong", "广东", ["广州", "深圳"], 7),
    ("guangxi", "广西", ["南宁", "桂林"], 3),
    ("hainan", "海南", ["海口", "三亚"], 2),
    ("hebei", "河北", ["石家庄", "唐山"], 3),
    ("henan", "河南", ["郑州", "洛阳"], 4),
    ("hubei", "湖北", ["武汉", "宜昌"], 5),
    ("hunan", "湖南", ["长沙", "岳阳"], 3),
    ("heilongjiang", "黑龙江", ["哈尔滨", "大庆"], 2),
    ("jiangsu", "江苏", ["南京", "苏州"], 6),
    ("jiangxi", "江西", ["南昌", "景德镇"], 2),
    ("jilin", "吉林", ["长春", "延吉"], 1),
    ("liaoning", "辽宁", ["沈阳", "大连"], 3),
    ("neimenggu", "内蒙古", ["呼和浩特", "包头"], 1),
    ("ningxia", "宁夏", ["银川", "中卫"], 1),
    ("qinghai", "青海", ["西宁", "格尔木"], 0),
    ("shandong", "山东", ["济南", "青岛"], 5),
    ("shanghai", "上海", ["上海"], 7),
    ("sichuan", "四川", ["成都", "绵阳"], 5),
    ("tianjin", "天津", ["天津"], 2),
    ("xinjiang", "新疆", ["乌鲁木齐", "喀什"], 2),
    ("yunnan", "云南", ["昆明", "大理"], 3),
    ("zhejiang", "浙江", ["杭州", "宁波"], 6),
]


def regional_items(index, slug, cities, count):
    """`count` items within the last 24 hours before ANCHOR and one a day older."""
    items = []
    for n in range(count + 1):
        city = cities[n % len(cities)]
        headline, lead = TOPICS[(index * 3 + n) % len(TOPICS)]
        # Spread over the day; the last item of each region is 26–33 hours old (outside the map's window).
        minutes = (index * 53 + n * 197) % (23 * 60) + 20 if n < count else 26 * 60 + (index * 17) % 420
        time = at(minutes)
        items.append((f"{city}{headline}", f"https://www.example.cn/{slug}/2026/{time:%m-%d}/{index:02d}{n:02d}.shtml",
                      f"中新网{city}{time.month}月{time.day}日电 {city}{lead}", zoneless(time), None))
    return items


def regional_feeds():
    sources = []
    for index, (slug, name, cities, count) in enumerate(REGIONS):
        write(f"{slug}.xml", rss(f"中新网{name}新闻（演示）", f"https://www.example.cn/{slug}/",
                                 regional_items(index, slug, cities, count)))
        sources.append((f"demo-{slug}", f"{slug}.xml", slug, None, None))
    return sources


SHANXI_WIRE_TITLE = "山西太原至忻州城际铁路开通运营"
SHANXI_WIRE_LEAD = "太原至忻州城际铁路25日开通运营，两地间最快旅行时间缩短至30分钟，沿线群众出行更加便捷。"


def shanxi_feed():
    write("shanxi.xml", rss("中新网山西新闻（演示）", "https://www.example.cn/shanxi/", [
        ("太原迎来今冬首场降雪 城区道路有序通行", "https://www.example.cn/shanxi/2026/11-25/10452301.shtml",
         "中新网太原11月25日电 25日凌晨，山西省太原市迎来今冬首场降雪。当地环卫部门连夜出动，主干道路通行有序。",
         "2026-11-25 10:52:00", None),
        ("晋中平遥古城冬季游客量同比增长", "https://www.example.cn/shanxi/2026/11-25/10452288.shtml",
         "中新网晋中11月25日电 记者从平遥古城景区获悉，入冬以来古城接待游客人数同比增长一成以上。",
         "2026-11-25 09:30:00", None),
        ("大同云冈石窟数字化保护取得新进展", "https://www.example.cn/shanxi/2026/11-24/10451877.shtml",
         "中新网大同11月24日电 云冈研究院24日介绍，石窟三维数字化采集工作已覆盖主要洞窟。",
         "2026-11-24 16:05:00", None),
        # The wire story the national feed carries too (first seen here: the national copy is merged).
        ("太原至忻州城际铁路开通运营", "https://www.example.cn/shanxi/2026/11-25/10452350.shtml",
         f"中新网太原11月25日电 {SHANXI_WIRE_LEAD}", "2026-11-25 08:15:00", None),
    ]))
    return [("demo-shanxi", "shanxi.xml", "shanxi", "中新网山西（演示）", None)]


def shaanxi_feed():
    write("shaanxi-gbk.xml", rss("陕西新闻（演示，GBK 编码）", "https://www.example.cn/shaanxi/", [
        ("西安地铁新线开通初期运营", "https://www.example.cn/shaanxi/2026/11-25/20001.shtml",
         "中新网西安11月25日电 西安地铁新线25日开通初期运营，沿线市民出行更加便捷。", "2026-11-25 08:00:00", "sn-20001"),
        ("延安苹果喜获丰收 果农忙着分拣装箱", "https://www.example.cn/shaanxi/2026/11-24/20002.shtml",
         "中新网延安11月24日电 陕西延安苹果进入销售旺季，果农忙着分拣装箱发往全国。", "2026-11-24 18:20:00", "sn-20002"),
        ("宝鸡青铜器博物院推出冬季特展", "https://www.example.cn/shaanxi/2026/11-25/20003.shtml",
         "中新网宝鸡11月25日电 宝鸡青铜器博物院推出冬季特展，展出青铜器百余件。", "2026-11-25 10:10:00", "sn-20003"),
    ], decl="gb2312"), "gbk")
    return [("demo-shaanxi", "shaanxi-gbk.xml", "shaanxi", None, "GBK bytes, declared gb2312")]


def traditional_feeds():
    write("taiwan-big5.xml", rss("臺灣新聞（演示，Big5 編碼）", "https://www.example.tw/", [
        ("臺北舉辦兩岸文化交流活動", "https://www.example.tw/news/30001",
         "臺北11月25日電 兩岸文化交流活動25日在臺北舉行，吸引眾多民眾參與。", "Wed, 25 Nov 2026 11:00:00 CST", "tw-30001"),
        ("高雄港貨櫃吞吐量穩定成長", "https://www.example.tw/news/30002",
         "高雄11月24日電 高雄港今年貨櫃吞吐量穩定成長，航線持續增加。", "Tue, 24 Nov 2026 15:30:00 CST", "tw-30002"),
    ], decl="big5", note="（regionfeed 離線演示源）"), "big5")
    write("xianggang.atom", atom("香港新聞（演示，Atom）", "https://www.example.hk/", "urn:example:hk-demo", [
        ("tag:example.hk,2026:news-40001", "香港天氣轉涼 天文台發出寒冷天氣警告", "https://www.example.hk/news/40001",
         at(30), "香港天文台25日表示，受東北季候風影響，本港氣溫明顯下降。"),
        ("tag:example.hk,2026:news-40002", "維港兩岸燈光匯演重新登場", "https://www.example.hk/news/40002",
         at(16 * 60), "維港兩岸燈光匯演24日晚重新登場，吸引大批市民及旅客。"),
        ("tag:example.hk,2026:news-40003", "香港國際機場客運量回升", "https://www.example.hk/news/40003",
         at(5 * 60), "香港國際機場上月客運量按年回升，多條航線加密班次。"),
        ("tag:example.hk,2026:news-40004", "香港舉辦創新科技博覽", "https://www.example.hk/news/40004",
         at(9 * 60), "創新科技博覽在會展中心開幕，展出多項本地研發成果。"),
    ]))
    write("aomen.atom", atom("澳門新聞（演示，Atom）", "https://www.example.mo/", "urn:example:mo-demo", [
        ("tag:example.mo,2026:news-1", "澳門格蘭披治大賽車圓滿落幕", "https://www.example.mo/news/1",
         at(3 * 60), "第七十三屆澳門格蘭披治大賽車圓滿落幕，吸引大批旅客。"),
        ("tag:example.mo,2026:news-2", "澳門美食節開幕", "https://www.example.mo/news/2",
         at(20 * 60), "一年一度的澳門美食節開幕，設有百多個美食攤位。"),
    ]))
    return [("demo-taiwan", "taiwan-big5.xml", "taiwan", None, "Big5, Traditional script, \"CST\" dates"),
            ("demo-xianggang", "xianggang.atom", "xianggang", None, "Atom, Traditional script"),
            ("demo-aomen", "aomen.atom", "aomen", None, "Atom, Traditional script")]


def bingtuan_feed():
    write("bingtuan.json", """{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "兵团新闻（演示，JSON Feed）",
  "home_page_url": "https://www.example.cn/bingtuan/",
  "items": [
    {
      "id": "bt-50001",
      "url": "https://www.example.cn/bingtuan/2026/11-25/50001.shtml",
      "title": "兵团棉花机采率再创新高",
      "content_text": "中新网石河子11月25日电 新疆生产建设兵团今年棉花机采率再创新高。",
      "date_published": "2026-11-25T09:00:00+08:00"
    },
    {
      "id": "bt-50002",
      "url": "https://www.example.cn/bingtuan/2026/11-24/50002.shtml",
      "title": "兵团职工冬季技能培训开班",
      "content_text": "中新网石河子11月24日电 兵团多个师市冬季职工技能培训陆续开班。",
      "date_published": "2026-11-24T17:30:00+08:00"
    }
  ]
}
""")
    return [("demo-bingtuan", "bingtuan.json", "bingtuan", None, "JSON Feed; also shown in the xinjiang feed")]


def national_feed():
    """A national feed: its items carry no region of their own; datelines place them (拉萨 → 西藏)."""
    write("national.xml", rss("中新网滚动新闻（演示）", "https://www.example.cn/", [
        ("全国冬季供暖工作全面启动", "https://www.example.cn/gn/2026/11-25/10452400.shtml",
         "中新社北京11月25日电 国家有关部门25日表示，北方地区冬季供暖工作已全面启动。",
         rfc822(at(40)), None),
        ("多地迎来降温降雪天气", "https://www.example.cn/gn/2026/11-25/10452390.shtml",
         "中新网11月25日电 中央气象台预计，未来三天多地将迎来降温降雪天气。", rfc822(at(80)), None),
        ("拉萨冬季旅游持续升温 游客体验高原冬日风光", "https://www.example.cn/sh/2026/11-25/10452380.shtml",
         "中新社拉萨11月25日电 随着冬季旅游优惠政策推出，来拉萨的游客明显增多。", rfc822(at(150)), None),
        ("日喀则青稞收储工作有序推进", "https://www.example.cn/cj/2026/11-24/10451990.shtml",
         "中新社日喀则11月24日电 当地青稞收储工作有序推进，农牧民增收渠道拓宽。", rfc822(at(17 * 60)), None),
        ("西宁高原冰雪运动季开幕", "https://www.example.cn/ty/2026/11-24/10451950.shtml",
         "中新社西宁11月24日电 高原冰雪运动季24日开幕，吸引各地冰雪爱好者参与。", rfc822(at(20 * 60)), None),
        ("海口国际会展中心迎来年末会展高峰", "https://www.example.cn/cj/2026/11-25/10452370.shtml",
         "中新社海口11月25日电 年末会展活动密集举办，会展中心迎来高峰。", rfc822(at(200)), None),
        # The wire story the Shanxi feed carried first: other title, same lead. Shown once.
        ("太原至忻州城际铁路今日开通", "https://www.example.cn/gn/2026/11-25/10452360.shtml",
         f"中新社太原11月25日电 {SHANXI_WIRE_LEAD}", rfc822(at(200)), None),
    ]))
    return [("demo-national", "national.xml", "national", "中新网滚动新闻（演示）", "datelines place items in regions")]


def jilin_list_page():
    """A provincial government's news list, as such portals look: a nav bar, then one li per story with
    the date in a span; GB2312 declared in a meta tag, the links relative to <base href>."""
    stories = [
        ("长春市冬季冰雪旅游季启动", "2026/11/25/art_1.html", at(90)),
        ("吉林市雾凇观赏季迎来首批游客", "2026/11/25/art_2.html", at(6 * 60)),
        ("延边州推进边境贸易便利化", "2026/11/24/art_3.html", at(19 * 60)),
        ("四平市完成秋粮收购三成以上", "2026/11/24/art_4.html", at(31 * 60)),
    ]
    rows = "\n".join(
        f'<li><a href="{link}" target="_blank">{title}</a><span class="date">{time:%Y-%m-%d %H:%M}</span></li>'
        for title, link, time in stories)
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>今日吉林（演示）</title>
<base href="https://www.example.gov.cn/jl/news/">
</head>
<body>
<div class="nav"><a href="/">首页</a> <a href="/jl/news/">今日吉林</a> <a href="/jl/zwgk/">政务公开</a></div>
<div class="list">
<ul class="news">
{rows}
</ul>
</div>
<div class="footer">吉林省人民政府（regionfeed 离线演示页）</div>
</body>
</html>
"""
    write("jilin-list.html", page, "gbk")
    table = '[source.html]\nitem = "ul.news li"\ntitle = "a"\nlink = "a@href"\ndate = "span.date"'
    return [("demo-jilin-list", "jilin-list.html", "jilin", "今日吉林（演示，HTML 列表页）",
             "an HTML page without a feed", table)]


def national_json_list():
    """A news app's JSON list API: items under data.list, Unix-millisecond times, a digest whose dateline
    places each item (the source itself is national)."""
    import json
    items = [
        ("福州马尾船政文化街区夜游开放", "https://www.example.cn/app/news/60001", at(45),
         "中新网福州11月25日电 马尾船政文化街区夜游项目25日开放。"),
        ("成都大运公园冬季花展开幕", "https://www.example.cn/app/news/60002", at(7 * 60),
         "中新网成都11月25日电 大运公园冬季花展开幕，展出花卉百余种。"),
        ("贵阳龙洞堡机场年旅客吞吐量创新高", "https://www.example.cn/app/news/60003", at(22 * 60),
         "中新网贵阳11月24日电 龙洞堡机场今年旅客吞吐量创历史新高。"),
    ]
    document = {"code": 0, "msg": "ok", "data": {"list": [
        {"title": title, "url": url, "pubtime": int(time.timestamp() * 1000), "digest": digest}
        for title, url, time, digest in items]}}
    write("national-list.json", json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    table = '[source.json]\nitems = "data.list"\ndate = "pubtime"\nsummary = "digest"'
    return [("demo-national-list", "national-list.json", "national", "新闻客户端列表（演示，JSON）",
             "a JSON list without a feed", table)]


CONFIG_HEAD = """# Offline demo: every source is a bundled file under demo-feeds/, so the daemon runs with no network.
#   cargo run --release -- run --config config/demo.toml
#   then open http://127.0.0.1:8080/ (the map) or curl http://127.0.0.1:8080/feeds/shanxi.xml
# Relative paths (the file: URLs and the database) resolve against this file's folder.
# Written by demo-feeds/generate.py, with the feeds: edit that script, not this file.

[server]
listen = "127.0.0.1:8080"
# The bundled feeds have fixed dates (2026-11-24/25): the map's 24 hours end at the newest item, not now.
activity_window_end = "newest-item"

[storage]
database = "../target/demo/regionfeed.db"

[poll]
schedule = "*/10 * * * *"
startup_spread_secs = 2

[retention]
# Fixed dates must not age out: keep the demo's items for 100 years.
keep_days = 36500
"""


def write_config(sources):
    parts = [CONFIG_HEAD]
    for source_id, file_name, region, title, note, *table in sources:
        lines = ["", "[[source]]", f'id = "{source_id}"']
        if title:
            lines.append(f'title = "{title}"')
        url = f'url = "file://demo-feeds/{file_name}"'
        lines.append(f"{url:<44} # {note}" if note else url)
        lines.append(f'region = "{region}"')
        lines.extend(table)
        parts.append("\n".join(lines) + "\n")
    with open(os.path.join(HERE, "..", "demo.toml"), "w", encoding="utf-8") as f:
        f.write("".join(parts))


def main():
    sources = (shanxi_feed() + shaanxi_feed() + regional_feeds() + bingtuan_feed() + traditional_feeds()
               + national_feed() + jilin_list_page() + national_json_list())
    write_config(sources)
    print(f"{len(sources)} sources written")


if __name__ == "__main__":
    main()
