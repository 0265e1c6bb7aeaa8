-- Schema version 4: keys of items removed by retention. An entry seen again under any of them is not
-- ingested again, so a purged item never comes back while upstream still lists it.

CREATE TABLE tombstones (
    key_hash   BLOB NOT NULL PRIMARY KEY,
    removed_at INTEGER NOT NULL
) WITHOUT ROWID;
