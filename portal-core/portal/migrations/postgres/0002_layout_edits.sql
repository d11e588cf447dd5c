-- Each user's customisations, as edit operations replayed on the merged fragments.
-- status: 'active' (replayed), 'set_aside' (no longer applies: reason says why, kept, shown
-- to the user once: noticed = 0 until then).
CREATE TABLE layout_edit (
    id         BIGSERIAL PRIMARY KEY,
    uid        TEXT NOT NULL,
    edit       TEXT NOT NULL,            -- JSON of agora_layout::Edit
    status     TEXT NOT NULL DEFAULT 'active',
    reason     TEXT,                     -- JSON of agora_layout::Refusal when set aside
    noticed    INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL           -- ms since the Unix epoch
);
CREATE INDEX layout_edit_uid ON layout_edit (uid, id);
