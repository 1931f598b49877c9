-- A counter of changes to the taught phrases. Triggers move it in the transaction of every
-- teach and forget (and of any other change to the table, a keeper's own SQL included); each
-- process looks at it every few seconds (bot/telegram/taught.py) and reads the phrases again
-- when it moved, so what is taught or taken back through one replica reaches the others.

CREATE TABLE taught_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO taught_version (id, version) VALUES (1, 0);

CREATE TRIGGER taught_inserted AFTER INSERT ON taught
BEGIN
    UPDATE taught_version SET version = version + 1;
END;

CREATE TRIGGER taught_updated AFTER UPDATE ON taught
BEGIN
    UPDATE taught_version SET version = version + 1;
END;

CREATE TRIGGER taught_deleted AFTER DELETE ON taught
BEGIN
    UPDATE taught_version SET version = version + 1;
END;
