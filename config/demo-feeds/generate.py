#!/usr/bin/env python3
"""Writes the offline demo feeds in this folder (run from anywhere: python3 config/demo-feeds/generate.py).

The feeds were written for regionfeed; they imitate real Chinese feeds' shapes: chinanews-like RSS without
guid and with zone-less Beijing-time dates, a GB2312-declared GBK file, a Big5 Traditional file with a `CST`
date, an Atom feed in Traditional script and a JSON Feed. Kept as a script because the GBK and Big5 files are
easier to regenerate than to edit.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def rss(title, link, items, decl="UTF-8", note="（regionfeed 离线演示源）"):
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


def write(name, text, encoding="utf-8"):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(text.encode(encoding))


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
]))

write("shaanxi-gbk.xml", rss("陕西新闻（演示，GBK 编码）", "https://www.example.cn/shaanxi/", [
    ("西安地铁新线开通初期运营", "https://www.example.cn/shaanxi/2026/11-25/20001.shtml",
     "中新网西安11月25日电 西安地铁新线25日开通初期运营，沿线市民出行更加便捷。", "2026-11-25 08:00:00", "sn-20001"),
    ("延安苹果喜获丰收 果农忙着分拣装箱", "https://www.example.cn/shaanxi/2026/11-24/20002.shtml",
     "中新网延安11月24日电 陕西延安苹果进入销售旺季，果农忙着分拣装箱发往全国。", "2026-11-24 18:20:00", "sn-20002"),
], decl="gb2312"), "gbk")

write("taiwan-big5.xml", rss("臺灣新聞（演示，Big5 編碼）", "https://www.example.tw/", [
    ("臺北舉辦兩岸文化交流活動", "https://www.example.tw/news/30001",
     "臺北11月25日電 兩岸文化交流活動25日在臺北舉行，吸引眾多民眾參與。", "Wed, 25 Nov 2026 11:00:00 CST", "tw-30001"),
], decl="big5", note="（regionfeed 離線演示源）"), "big5")

write("national.xml", rss("中新网滚动新闻（演示）", "https://www.example.cn/", [
    ("全国冬季供暖工作全面启动", "https://www.example.cn/gn/2026/11-25/10452400.shtml",
     "中新社北京11月25日电 国家有关部门25日表示，北方地区冬季供暖工作已全面启动。",
     "Wed, 25 Nov 2026 11:20:00 +0800", None),
    ("多地迎来降温降雪天气", "https://www.example.cn/gn/2026/11-25/10452390.shtml",
     "中新网11月25日电 中央气象台预计，未来三天多地将迎来降温降雪天气。", "Wed, 25 Nov 2026 10:40:00 +0800", None),
]))

write("xinjiang.xml", rss("新疆新闻（演示）", "https://www.example.cn/xinjiang/", [
    ("乌鲁木齐国际机场冬季航班增加", "https://www.example.cn/xinjiang/2026/11-25/60001.shtml",
     "中新网乌鲁木齐11月25日电 乌鲁木齐国际机场冬航季新增多条航线。", "2026-11-25 07:45:00", None),
]))

write("xianggang.atom", """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>香港新聞（演示，Atom）</title>
  <id>urn:example:hk-demo</id>
  <link href="https://www.example.hk/"/>
  <updated>2026-11-25T12:00:00+08:00</updated>
  <entry>
    <id>tag:example.hk,2026:news-40001</id>
    <title>香港天氣轉涼 天文台發出寒冷天氣警告</title>
    <link href="https://www.example.hk/news/40001"/>
    <updated>2026-11-25T11:30:00+08:00</updated>
    <author><name>本報記者</name></author>
    <summary>香港天文台25日表示，受東北季候風影響，本港氣溫明顯下降。</summary>
  </entry>
  <entry>
    <id>tag:example.hk,2026:news-40002</id>
    <title>維港兩岸燈光匯演重新登場</title>
    <link href="https://www.example.hk/news/40002"/>
    <updated>2026-11-24T20:00:00+08:00</updated>
    <summary type="html">&lt;p&gt;維港兩岸燈光匯演24日晚重新登場，吸引大批市民及旅客。&lt;/p&gt;</summary>
  </entry>
</feed>
""")

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
    }
  ]
}
""")
