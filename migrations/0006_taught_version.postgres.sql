-- PostgreSQL's 0006 (see 0006_taught_version.sql): the counter of changes to the taught
-- phrases, moved once per statement that changes them. The migration runner splits statements
-- as SQLite reads them: hence the function's body as a quoted string (not $$...$$), and CREATE
-- OR REPLACE TRIGGER (PostgreSQL 14 and later), which SQLite does not take for a trigger of
-- its own that lasts until an END.

CREATE TABLE taught_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO taught_version (id, version) VALUES (1, 0);

CREATE FUNCTION taught_changed() RETURNS trigger LANGUAGE plpgsql AS '
BEGIN
    UPDATE taught_version SET version = version + 1;
    RETURN NULL;
END';

CREATE OR REPLACE TRIGGER taught_changed AFTER INSERT OR UPDATE OR DELETE ON taught
FOR EACH STATEMENT EXECUTE FUNCTION taught_changed();
