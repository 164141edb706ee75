-- On PostgreSQL the scan log is partitioned by month from here (see its 0014). SQLite has no
-- partitions: its retention deletes old rows (`trace::upkeep`). Nothing changes in this schema.
SELECT 1;
