-- Schema version 2: where a source moved to (301/308) and which URL answered 410 Gone.

ALTER TABLE sources ADD COLUMN moved_to TEXT;
ALTER TABLE sources ADD COLUMN gone_url TEXT;
