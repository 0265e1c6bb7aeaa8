-- Schema version 5: one story across sources. An item that repeats another source's story points at that
-- story's first item (story_id) and is shown only through it; story_* columns hold its fingerprint.

ALTER TABLE items ADD COLUMN story_id INTEGER REFERENCES items (id) ON DELETE SET NULL;
ALTER TABLE items ADD COLUMN story_hash INTEGER;     -- SimHash, as a signed 64-bit integer
ALTER TABLE items ADD COLUMN story_anchors TEXT;     -- places and numbers of the title
ALTER TABLE items ADD COLUMN story_text TEXT;        -- normalised title, U+001F, normalised lead
CREATE INDEX items_by_story ON items (story_id) WHERE story_id IS NOT NULL;
