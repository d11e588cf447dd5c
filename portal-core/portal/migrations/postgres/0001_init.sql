-- Last good render of each slot variant (see the SQLite migration of the same number).
CREATE TABLE last_good_render (
    cache_key   TEXT PRIMARY KEY NOT NULL,
    publication TEXT NOT NULL,
    html        TEXT NOT NULL,
    title       TEXT,
    rendered_at BIGINT NOT NULL -- ms since the Unix epoch
);
CREATE INDEX last_good_render_publication ON last_good_render (publication);
