-- Last good render of each slot variant, kept so that a channel that fails after a restart
-- still shows its previous content, marked with its age.
CREATE TABLE last_good_render (
    cache_key   TEXT PRIMARY KEY NOT NULL,
    publication TEXT NOT NULL,
    html        TEXT NOT NULL,
    title       TEXT,
    rendered_at INTEGER NOT NULL -- ms since the Unix epoch
);
CREATE INDEX last_good_render_publication ON last_good_render (publication);
