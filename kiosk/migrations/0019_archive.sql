-- Years on one PC (issue 14): closed days' tickets, visits, ratings and service records,
-- past ``[retention] detail_days``, are kept packed, one row a day and table, instead of a
-- row each with its indexes (kiosk/archive.py; reports read them through archive.view).
CREATE TABLE archive (
    day    TEXT NOT NULL,      -- the local day of the rows
    kind   TEXT NOT NULL,      -- the table they came from
    count  INTEGER NOT NULL,
    packed BLOB NOT NULL,      -- {"columns": [...], "values": [[column values]...]}, packed
    PRIMARY KEY (day, kind)
);
