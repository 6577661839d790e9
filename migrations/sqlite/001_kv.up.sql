-- 001: the kernel's whole state is one ordered key-value table.
--
-- ocap_schema_version records every migration applied to this file; its
-- presence is also how a kernel recognises a file as its own store.
CREATE TABLE ocap_schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Keys compare with SQLite's BINARY collation, that is byte by byte, which is
-- the order Store.Scan promises. WITHOUT ROWID keeps each row in the primary
-- key's b-tree: one lookup per Get and no second index to maintain per write.
CREATE TABLE ocap_kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
