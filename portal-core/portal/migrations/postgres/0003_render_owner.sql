-- Last good renders bounded per publication and owner (see the SQLite migration of the same number).
ALTER TABLE last_good_render ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX last_good_render_owner ON last_good_render (publication, owner, rendered_at);
