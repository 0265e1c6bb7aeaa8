-- Schema version 6: a region tag that a story's first item got from another source's copy says so in a
-- column of its own (the copy's source id), instead of an evidence text starting with "via ".

ALTER TABLE item_regions ADD COLUMN lent_by TEXT;
UPDATE item_regions SET lent_by = substr(evidence, 5), evidence = NULL WHERE evidence LIKE 'via %';
