-- PostgreSQL leaves half of each `state` page free for in-place balance
-- updates (fillfactor); SQLite updates rows in place and has no such
-- setting. This keeps the two engines' migration numbers in step.
SELECT 1;
