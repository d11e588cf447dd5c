-- Every row belongs to a tenant (an establishment of the platform); a one-tenant installation
-- is tenant 'default'. Queries go through a handle bound to one tenant (storage/mod.rs).
-- SQLite cannot change a primary key: the render table is rebuilt with (tenant, cache_key).
CREATE TABLE last_good_render_by_tenant (
    tenant      TEXT NOT NULL,
    cache_key   TEXT NOT NULL,
    publication TEXT NOT NULL,
    html        TEXT NOT NULL,
    title       TEXT,
    rendered_at INTEGER NOT NULL, -- ms since the Unix epoch
    owner       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (tenant, cache_key)
);
INSERT INTO last_good_render_by_tenant (tenant, cache_key, publication, html, title, rendered_at, owner)
    SELECT 'default', cache_key, publication, html, title, rendered_at, owner FROM last_good_render;
DROP TABLE last_good_render;
ALTER TABLE last_good_render_by_tenant RENAME TO last_good_render;
CREATE INDEX last_good_render_owner ON last_good_render (tenant, publication, owner, rendered_at);

ALTER TABLE layout_edit ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
DROP INDEX layout_edit_uid;
CREATE INDEX layout_edit_uid ON layout_edit (tenant, uid, id);
