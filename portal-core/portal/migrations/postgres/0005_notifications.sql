-- Notifications raised by channels for one person (agora:channel/notify), per tenant.
-- (tenant, uid, source, key) is unique: raising a key again with the same text changes
-- nothing; with other text it replaces it and it is unread again (read_at NULL).
CREATE TABLE notification (
    id        BIGSERIAL PRIMARY KEY,
    tenant    TEXT NOT NULL,
    uid       TEXT NOT NULL,
    source    TEXT NOT NULL,            -- the publication that raised it
    key       TEXT NOT NULL,
    title     TEXT NOT NULL,
    body      TEXT NOT NULL,
    link      TEXT,
    raised_at BIGINT NOT NULL,         -- ms since the Unix epoch
    read_at   BIGINT,                  -- NULL: unread
    UNIQUE (tenant, uid, source, key)
);
CREATE INDEX notification_person ON notification (tenant, uid, raised_at);

-- The first render of a publication raising notifications for a person sets a baseline:
-- what it raises then is kept as already read (a newcomer is not flooded with old grades).
CREATE TABLE notification_baseline (
    tenant TEXT NOT NULL,
    uid    TEXT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (tenant, uid, source)
);

-- What a person did with an administrator's announcement (announcements.toml).
CREATE TABLE announcement_state (
    tenant       TEXT NOT NULL,
    uid          TEXT NOT NULL,
    announcement TEXT NOT NULL,
    read_at      BIGINT,
    dismissed_at BIGINT,
    PRIMARY KEY (tenant, uid, announcement)
);
