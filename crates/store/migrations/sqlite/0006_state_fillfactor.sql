-- PostgreSQL leaves room on `state` pages for in-place balance updates
-- (fillfactor); SQLite updates rows in place and has no such setting. This
-- keeps the two engines' migration numbers in step.
SELECT 1;
