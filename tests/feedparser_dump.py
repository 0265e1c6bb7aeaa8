#!/usr/bin/env python3
"""Reads every feed file under DIR with Python's feedparser and prints what it read, as one JSON document.

    python3 tests/feedparser_dump.py DIR [--base-url-prefix URL]

Output: {"relative/path.xml": {"bozo": bool, "items": [{"title": str or null, "link": str or null,
"published": unix seconds or null}]}} for every *.xml, *.rss, *.atom and *.rdf file, recursively.

Used by tests/feedparser_comparison.rs to compare regionfeed's reading of the same files.
* Each file is given as bytes with the headers a web server would send: `Content-Location: <prefix><path>`
  (relative links resolve against the feed's own URL) and `Content-Type: application/xml` without a
  charset (the XML declaration chooses the encoding; without any Content-Type feedparser flags every
  document as bozo).
* "published" is published_parsed, else updated_parsed, else created_parsed, as Unix seconds (feedparser
  returns UTC struct_times and reads a time without a zone as UTC).
* TZ is set to UTC before feedparser is imported: its ISO 8601 handler goes through time.mktime().
"""

import argparse
import calendar
import io
import json
import os
import sys
import time

os.environ["TZ"] = "UTC"
time.tzset()

import feedparser  # noqa: E402  (after the TZ switch on purpose)

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")


def entry_time(entry):
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return calendar.timegm(value)
            except (ValueError, OverflowError):
                # A struct_time no calendar holds (year -1 for MySQL's 0000-00-00) is no date.
                return None
    return None


def read_feed(path, url):
    with open(path, "rb") as handle:
        data = handle.read()
    result = feedparser.parse(
        io.BytesIO(data),
        response_headers={"content-location": url, "content-type": "application/xml"},
    )
    items = [
        {
            "title": entry.get("title"),
            "link": entry.get("link") or None,
            "published": entry_time(entry),
        }
        for entry in result.entries
    ]
    return {"bozo": bool(result.get("bozo")), "items": items}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--base-url-prefix", default="http://127.0.0.1/feeds/")
    args = parser.parse_args()
    output = {}
    for root, dirs, files in os.walk(args.dir):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(FEED_SUFFIXES) or name.startswith("."):
                continue
            path = os.path.join(root, name)
            relative = os.path.relpath(path, args.dir).replace(os.sep, "/")
            output[relative] = read_feed(path, args.base_url_prefix + relative)
    json.dump(output, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
