-- Schema version 3: when item data last changed, for HTTP Last-Modified.

INSERT INTO meta (key, value) VALUES ('changed_at', 0);
