-- Balances are updated in place batch after batch. With full pages every
-- update's new row version lands on another page, so each one also
-- inserts into every index of the table; with room left on the page it
-- stays a heap-only (HOT) update that touches no index.
ALTER TABLE state SET (fillfactor = 70);
