-- PostgreSQL's 0006 (see 0006_taught_version.sql): the counter of changes to the taught
-- phrases, moved once per statement that changes them. (PostgreSQL runs the whole file at once,
-- bot/store/postgres_schema.py; EXECUTE FUNCTION needs PostgreSQL 11 or later.)

CREATE TABLE taught_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO taught_version (id, version) VALUES (1, 0);

CREATE FUNCTION taught_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE taught_version SET version = version + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER taught_changed AFTER INSERT OR UPDATE OR DELETE ON taught
FOR EACH STATEMENT EXECUTE FUNCTION taught_changed();
