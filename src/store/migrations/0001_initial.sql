-- Schema version 1: sources and their poll state, items, the keys each item is known by, and region tags.

CREATE TABLE sources (
    id                   TEXT PRIMARY KEY,
    url                  TEXT NOT NULL,
    title                TEXT,            -- the feed's own title, from the last good parse
    site_link            TEXT,            -- the feed's home page
    last_attempt         INTEGER,         -- unix seconds
    last_success         INTEGER,
    last_status          INTEGER,         -- HTTP status of the last attempt, 0 for files
    error_class          TEXT,            -- NULL when the last attempt succeeded
    error_message        TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_due             INTEGER,
    etag                 TEXT,
    last_modified        TEXT,
    body_hash            TEXT,
    items_seen           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    uid          TEXT NOT NULL,           -- our stable id, a UUID, never changes (unique by construction:
                                          -- derived from the source and a key that item_keys keeps unique)
    source_id    TEXT NOT NULL,
    guid         TEXT,                    -- upstream guid as last seen
    link         TEXT,                    -- upstream link as last seen
    title        TEXT NOT NULL,
    summary      TEXT,
    content      TEXT,
    author       TEXT,
    published    INTEGER NOT NULL,        -- unix seconds, UTC
    date_source  TEXT NOT NULL,           -- feed | clamped | first-seen
    first_seen   INTEGER NOT NULL,
    updated      INTEGER,                 -- set when an upstream edit changed the item
    content_hash TEXT NOT NULL,
    change_seq   INTEGER NOT NULL         -- value of meta.change_seq when last written
);
CREATE INDEX items_by_published ON items (published DESC, id DESC);

-- Every key (guid:, link:, title:, text:) an item was ever seen under, within its source, stored as the
-- first 16 bytes of SHA-256(source id, 0x1f, key): short, fixed-size keys keep this busy B-tree small.
CREATE TABLE item_keys (
    key_hash  BLOB NOT NULL PRIMARY KEY,
    item_id   INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX item_keys_by_item ON item_keys (item_id);

CREATE TABLE item_regions (
    item_id  INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    region   TEXT NOT NULL,               -- region slug
    origin   TEXT NOT NULL,               -- source | dateline | title | body
    evidence TEXT,
    PRIMARY KEY (item_id, region)
) WITHOUT ROWID;
CREATE INDEX item_regions_by_region ON item_regions (region, item_id);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('change_seq', 0);
