-- The crash store's schema, version 1, as docs/FORMAT.md ("The crash
-- store") documents it.  store_schema.py makes a store from it with
-- Python's sqlite3 module and has bbx ingest into that store.
CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE crash_group (id TEXT PRIMARY KEY, signature TEXT NOT NULL,
  kind TEXT NOT NULL, count BIGINT NOT NULL, first_seen_ms BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL, first_version TEXT NOT NULL,
  first_build_id TEXT NOT NULL, representative TEXT);
CREATE TABLE stack (id TEXT PRIMARY KEY, group_id TEXT NOT NULL, kind TEXT NOT NULL,
  frames TEXT NOT NULL, count BIGINT NOT NULL);
CREATE INDEX stack_group ON stack (group_id);
CREATE TABLE snapshot (hash TEXT PRIMARY KEY, group_id TEXT NOT NULL,
  stack_id TEXT NOT NULL, time_ms BIGINT NOT NULL, host TEXT NOT NULL,
  kernel TEXT NOT NULL, arch TEXT NOT NULL, program TEXT NOT NULL, exe TEXT NOT NULL,
  pid BIGINT NOT NULL, version TEXT NOT NULL, build_id TEXT NOT NULL,
  trigger_kind TEXT NOT NULL, signal INTEGER NOT NULL, si_code INTEGER NOT NULL,
  fault_addr TEXT NOT NULL, reason TEXT NOT NULL, threads INTEGER NOT NULL,
  fds INTEGER NOT NULL, bbx_version TEXT NOT NULL, complete INTEGER NOT NULL,
  source TEXT NOT NULL, size BIGINT NOT NULL, ingested_ms BIGINT NOT NULL);
CREATE INDEX snapshot_group_time ON snapshot (group_id, time_ms);
CREATE TABLE annotation (hash TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (hash, key));
CREATE TABLE group_day (group_id TEXT NOT NULL, day TEXT NOT NULL,
  version TEXT NOT NULL, build_id TEXT NOT NULL, count BIGINT NOT NULL,
  PRIMARY KEY (group_id, day, version, build_id));
CREATE TABLE group_host (group_id TEXT NOT NULL, host TEXT NOT NULL,
  count BIGINT NOT NULL, first_seen_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL,
  PRIMARY KEY (group_id, host));
CREATE TABLE rejected (hash TEXT PRIMARY KEY, source TEXT NOT NULL,
  reason TEXT NOT NULL, size BIGINT NOT NULL, time_ms BIGINT NOT NULL);
CREATE TABLE pruned (hash TEXT PRIMARY KEY, group_id TEXT NOT NULL,
  stack_id TEXT NOT NULL, time_ms BIGINT NOT NULL, host TEXT NOT NULL,
  version TEXT NOT NULL, build_id TEXT NOT NULL);
CREATE TABLE snapshot_copy (hash TEXT PRIMARY KEY, data BLOB NOT NULL);
PRAGMA user_version = 1;
