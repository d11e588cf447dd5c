-- Last good renders are bounded per publication and owner (the user for personal variants,
-- '' for renders shared between users); the oldest are evicted on save.
ALTER TABLE last_good_render ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX last_good_render_owner ON last_good_render (publication, owner, rendered_at);
