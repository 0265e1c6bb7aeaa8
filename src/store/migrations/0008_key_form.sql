-- How identity keys are stored. 1: each key hash's first 4 bytes are the source's (a poll's keys sit
-- together in the item_keys B-tree, so a poll dirties a few pages instead of one per key); 0: the hash as
-- computed (databases that already hold keys keep this form, as the old rows cannot be rewritten without
-- the keys themselves).
INSERT INTO meta (key, value)
SELECT 'key_form',
       CASE WHEN EXISTS (SELECT 1 FROM item_keys) OR EXISTS (SELECT 1 FROM tombstones) THEN 0 ELSE 1 END;
