-- Self-managed groups (issue 16): anyone may create one; a public group is joined at once,
-- a closed one on request (its administrators accept or refuse), a private one by
-- invitation only. Per tenant; every membership change is audited.
CREATE TABLE portal_group (
    tenant      TEXT NOT NULL,
    id          TEXT NOT NULL,          -- a slug, unique within the tenant
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    visibility  TEXT NOT NULL,          -- public | closed | private
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,       -- ms since the Unix epoch
    PRIMARY KEY (tenant, id)
);

-- Members, and the pending: a request to join a closed group, an invitation.
CREATE TABLE group_member (
    tenant   TEXT NOT NULL,
    group_id TEXT NOT NULL,
    uid      TEXT NOT NULL,
    state    TEXT NOT NULL,             -- admin | member | requested | invited
    by_uid   TEXT NOT NULL,             -- who made it so
    since    INTEGER NOT NULL,
    PRIMARY KEY (tenant, group_id, uid)
);
CREATE INDEX group_member_person ON group_member (tenant, uid);

-- Who changed what (kept when the group is deleted).
CREATE TABLE group_audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant   TEXT NOT NULL,
    group_id TEXT NOT NULL,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,             -- created | joined | requested | accepted | refused | invited | declined | removed | left | promoted | deleted
    subject  TEXT NOT NULL              -- the person concerned ('' for the group itself)
);
CREATE INDEX group_audit_group ON group_audit (tenant, group_id, at);
