-- 001: the kernel's whole state is one ordered key-value table.
--
-- Tables are created unqualified: they land in the schema the store's
-- search_path names.
--
-- ocap_schema_version records every migration applied to this schema; its
-- presence is also how a kernel recognises a schema as its own store.
CREATE TABLE ocap_schema_version (
    version    integer     PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- Keys and values are bytea, not text: a vat may store any JavaScript string,
-- including U+0000, which PostgreSQL text cannot hold, and bytea compares byte
-- by byte, which is the order Store.Scan promises and the order SQLite uses,
-- whatever the database's collation.
CREATE TABLE ocap_kv (
    key   bytea PRIMARY KEY,
    value bytea NOT NULL
);
