-- Every row belongs to a tenant (see the SQLite migration of the same number).
ALTER TABLE last_good_render ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
ALTER TABLE last_good_render ALTER COLUMN tenant DROP DEFAULT;
ALTER TABLE last_good_render DROP CONSTRAINT last_good_render_pkey;
ALTER TABLE last_good_render ADD PRIMARY KEY (tenant, cache_key);
DROP INDEX last_good_render_publication;
DROP INDEX last_good_render_owner;
CREATE INDEX last_good_render_owner ON last_good_render (tenant, publication, owner, rendered_at);

ALTER TABLE layout_edit ADD COLUMN tenant TEXT NOT NULL DEFAULT 'default';
ALTER TABLE layout_edit ALTER COLUMN tenant DROP DEFAULT;
DROP INDEX layout_edit_uid;
CREATE INDEX layout_edit_uid ON layout_edit (tenant, uid, id);
