-- SMS sent through ESUP SMS-U (issue 16): who asked, to which audience (a group or a
-- population, never a list of numbers: they are read again at send time and not kept),
-- how many recipients, the text, and what became of it.
CREATE TABLE sms_send (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant         TEXT NOT NULL,
    sender         TEXT NOT NULL,
    audience       TEXT NOT NULL,       -- group:<id> | population:<id>
    audience_label TEXT NOT NULL,
    recipients     INTEGER NOT NULL,
    message        TEXT NOT NULL,
    state          TEXT NOT NULL,       -- awaiting | sending | sent | refused | failed
    smsu_id        INTEGER,             -- SMS-U's message id once sent
    created_at     INTEGER NOT NULL,
    decided_by     TEXT,                -- the approver, for a send that waited
    decided_at     INTEGER,
    error          TEXT                 -- why it failed (SMS-U's reason)
);
CREATE INDEX sms_send_sender ON sms_send (tenant, sender, created_at);
CREATE INDEX sms_send_state ON sms_send (tenant, state, created_at);
