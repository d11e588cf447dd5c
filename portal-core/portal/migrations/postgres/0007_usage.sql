-- Usage statistics (issue 16): counts per day (UTC), kind, population and channel, per
-- tenant. No person is named anywhere: a count is all there is.
CREATE TABLE usage_daily (
    tenant     TEXT NOT NULL,
    day        TEXT NOT NULL,           -- YYYY-MM-DD
    kind       TEXT NOT NULL,           -- page_view | guest_view | sign_in | channel_view
    population TEXT NOT NULL,           -- '' for everyone
    channel    TEXT NOT NULL,           -- '' unless kind = channel_view
    count      BIGINT NOT NULL,
    PRIMARY KEY (tenant, day, kind, population, channel)
);
