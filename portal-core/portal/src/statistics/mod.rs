//! Usage statistics (the SDET's "statistiques d'usages"): page views, sign-ins and channel
//! use per day, per population and per channel, for the administrators.
//!
//! **Privacy.** Nothing here knows who: a page view adds one to its day's counts for
//! everyone and for each population of the person, and to each channel on the tab shown;
//! no uid, session or address is kept, so there is no trail to follow. Counts below
//! `[statistics] min_count` are shown as "fewer than" that ([`Report`]), on the page and in
//! the CSV, so a small population's figures do not tell what one person does.
//!
//! **Cost.** Counting is an in-memory addition; a task adds what was counted to the
//! database every `flush_seconds` (an upsert that adds, so several nodes sum up). A node
//! that dies loses at most that many seconds of counts. Days are UTC days.

use crate::storage::{Storage, StorageError, UsageCount};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A signed-in person's page.
    PageView,
    /// The guest page.
    GuestView,
    /// A sign-in.
    SignIn,
    /// A channel shown on a page.
    ChannelView,
}

impl Kind {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PageView => "page_view",
            Kind::GuestView => "guest_view",
            Kind::SignIn => "sign_in",
            Kind::ChannelView => "channel_view",
        }
    }
}

type Key = (i64, Kind, String, String);

/// The counts of one tenant (cheap to clone).
#[derive(Clone)]
pub struct Usage {
    storage: Storage,
    pending: Arc<Mutex<HashMap<Key, i64>>>,
    enabled: bool,
}

/// `YYYY-MM-DD` of the UTC day `days` since the epoch.
pub fn day_text(days: i64) -> String {
    let (y, m, d) = crate::clock::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

impl Usage {
    /// Counts over `storage`; `enabled: false` counts nothing.
    pub fn new(storage: Storage, enabled: bool) -> Self {
        Usage {
            storage,
            pending: Arc::default(),
            enabled,
        }
    }

    /// Add what was counted every `every`, and delete days older than `keep_days` once a
    /// day. Must be called within a Tokio runtime; stops when the last clone is dropped.
    pub fn start(&self, every: std::time::Duration, keep_days: u32) {
        if !self.enabled {
            return;
        }
        let weak = Arc::downgrade(&self.pending);
        let storage = self.storage.clone();
        tokio::spawn(async move {
            let mut pruned_on = i64::MIN;
            loop {
                tokio::time::sleep(every).await;
                let Some(pending) = weak.upgrade() else { return };
                if let Err(e) = flush(&storage, &pending).await {
                    tracing::warn!("cannot keep the usage statistics: {e}");
                }
                let today = crate::clock::now_ms().div_euclid(86_400_000);
                if today != pruned_on {
                    pruned_on = today;
                    if let Err(e) = storage.prune_usage(&day_text(today - i64::from(keep_days))).await {
                        tracing::warn!("cannot delete old usage statistics: {e}");
                    }
                }
            }
        });
    }

    fn add(&self, kind: Kind, populations: &[String], channel: &str, now_ms: i64) {
        if !self.enabled {
            return;
        }
        let day = now_ms.div_euclid(86_400_000);
        let Ok(mut pending) = self.pending.lock() else { return };
        *pending
            .entry((day, kind, String::new(), channel.to_string()))
            .or_default() += 1;
        for p in populations {
            *pending.entry((day, kind, p.clone(), channel.to_string())).or_default() += 1;
        }
    }

    /// A page was shown: to a person of `populations` (or a guest), with `channels` on
    /// the tab shown.
    pub fn page_view<'a>(
        &self,
        signed_in: bool,
        populations: &[String],
        channels: impl Iterator<Item = &'a str>,
        now_ms: i64,
    ) {
        if !signed_in {
            self.add(Kind::GuestView, &[], "", now_ms);
            return;
        }
        self.add(Kind::PageView, populations, "", now_ms);
        for c in channels {
            self.add(Kind::ChannelView, populations, c, now_ms);
        }
    }

    /// A person of `populations` signed in.
    pub fn sign_in(&self, populations: &[String], now_ms: i64) {
        self.add(Kind::SignIn, populations, "", now_ms);
    }

    /// Add what was counted to the database now (what cannot be written is kept for the
    /// next time).
    pub async fn flush(&self) -> Result<(), StorageError> {
        flush(&self.storage, &self.pending).await
    }

    /// The report of the last `days` days up to today (UTC), counts below `min_count`
    /// hidden.
    pub async fn report(&self, days: u32, min_count: u32, now_ms: i64) -> Result<Report, StorageError> {
        self.flush().await?;
        let today = now_ms.div_euclid(86_400_000);
        let from = day_text(today - i64::from(days.max(1)) + 1);
        let to = day_text(today);
        let counts = self.storage.usage(&from, &to).await?;
        Ok(Report::from_counts(from, to, counts, min_count))
    }
}

/// Add `pending` to `storage` (what cannot be written is put back for the next time).
async fn flush(storage: &Storage, pending: &Mutex<HashMap<Key, i64>>) -> Result<(), StorageError> {
    let taken: Vec<(Key, i64)> = match pending.lock() {
        Ok(mut pending) => pending.drain().collect(),
        Err(_) => return Ok(()),
    };
    let counts: Vec<UsageCount> = taken
        .iter()
        .map(|((day, kind, population, channel), count)| UsageCount {
            day: day_text(*day),
            kind: kind.as_str().to_string(),
            population: population.clone(),
            channel: channel.clone(),
            count: *count,
        })
        .collect();
    if let Err(e) = storage.add_usage(&counts).await {
        if let Ok(mut pending) = pending.lock() {
            for (key, count) in taken {
                *pending.entry(key).or_default() += count;
            }
        }
        return Err(e);
    }
    Ok(())
}

/// A count as shown: the number, or "fewer than the threshold".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "shown", content = "n", rename_all = "lowercase")]
pub enum Shown {
    /// At least the threshold.
    Count(i64),
    /// Below it (nothing, or a few).
    Fewer(u32),
}

impl Shown {
    fn of(count: i64, min_count: u32) -> Shown {
        if count < i64::from(min_count) {
            Shown::Fewer(min_count)
        } else {
            Shown::Count(count)
        }
    }

    /// As text: `12`, or `<5`.
    pub fn text(self) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Fewer(k) => format!("<{k}"),
        }
    }
}

/// One row of a report's table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// What the row is about (a day, a population id, a publication id).
    pub label: String,
    /// Its counts, by column.
    pub cells: Vec<Shown>,
}

/// What the administrators see: per day, per population, per channel, with small counts
/// hidden, and every count for the CSV.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The threshold.
    pub min_count: u32,
    /// Per day: page views, sign-ins, guest page views (everyone).
    pub days: Vec<Row>,
    /// Per population over the period: page views, sign-ins.
    pub populations: Vec<Row>,
    /// Per channel over the period: times shown.
    pub channels: Vec<Row>,
    /// Every count, hidden below the threshold (the CSV).
    pub all: Vec<(UsageCount, Shown)>,
}

impl Report {
    fn from_counts(from: String, to: String, counts: Vec<UsageCount>, min_count: u32) -> Self {
        let mut days: BTreeMap<String, [i64; 3]> = BTreeMap::new();
        let mut populations: BTreeMap<String, [i64; 2]> = BTreeMap::new();
        let mut channels: BTreeMap<String, i64> = BTreeMap::new();
        for c in &counts {
            let everyone = c.population.is_empty();
            match c.kind.as_str() {
                "page_view" if everyone => days.entry(c.day.clone()).or_default()[0] += c.count,
                "sign_in" if everyone => days.entry(c.day.clone()).or_default()[1] += c.count,
                "guest_view" => days.entry(c.day.clone()).or_default()[2] += c.count,
                "page_view" => populations.entry(c.population.clone()).or_default()[0] += c.count,
                "sign_in" => populations.entry(c.population.clone()).or_default()[1] += c.count,
                "channel_view" if everyone => *channels.entry(c.channel.clone()).or_default() += c.count,
                _ => {}
            }
        }
        let shown = |n: i64| Shown::of(n, min_count);
        Report {
            from,
            to,
            min_count,
            days: days
                .into_iter()
                .map(|(label, n)| Row {
                    label,
                    cells: n.iter().map(|n| shown(*n)).collect(),
                })
                .collect(),
            populations: populations
                .into_iter()
                .map(|(label, n)| Row {
                    label,
                    cells: n.iter().map(|n| shown(*n)).collect(),
                })
                .collect(),
            channels: channels
                .into_iter()
                .map(|(label, n)| Row {
                    label,
                    cells: vec![shown(n)],
                })
                .collect(),
            all: counts
                .into_iter()
                .map(|c| {
                    let s = shown(c.count);
                    (c, s)
                })
                .collect(),
        }
    }

    /// The report as CSV (RFC 4180): `day,kind,population,channel,count`, one line per
    /// count, hidden counts as `<k`.
    pub fn csv(&self) -> String {
        let field = |s: &str| {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = String::from("day,kind,population,channel,count\r\n");
        for (c, shown) in &self.all {
            out.push_str(&format!(
                "{},{},{},{},{}\r\n",
                field(&c.day),
                field(&c.kind),
                field(&c.population),
                field(&c.channel),
                shown.text()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(day: &str, kind: &str, population: &str, channel: &str, n: i64) -> UsageCount {
        UsageCount {
            day: day.into(),
            kind: kind.into(),
            population: population.into(),
            channel: channel.into(),
            count: n,
        }
    }

    #[test]
    fn small_counts_are_hidden_everywhere() {
        let report = Report::from_counts(
            "2026-12-01".into(),
            "2026-12-02".into(),
            vec![
                count("2026-12-01", "page_view", "", "", 40),
                count("2026-12-01", "page_view", "students", "", 38),
                count("2026-12-01", "page_view", "teachers", "", 2),
                count("2026-12-01", "sign_in", "", "", 3),
                count("2026-12-01", "channel_view", "", "mail", 12),
            ],
            5,
        );
        assert_eq!(
            report.days[0].cells,
            vec![Shown::Count(40), Shown::Fewer(5), Shown::Fewer(5)]
        );
        let teachers = report.populations.iter().find(|r| r.label == "teachers").expect("row");
        assert_eq!(teachers.cells[0], Shown::Fewer(5));
        let csv = report.csv();
        assert!(csv.starts_with("day,kind,population,channel,count\r\n"), "{csv}");
        assert!(csv.contains("2026-12-01,page_view,teachers,,<5\r\n"), "{csv}");
        assert!(csv.contains("2026-12-01,channel_view,,mail,12\r\n"), "{csv}");
        assert!(!csv.contains(",2\r\n") && !csv.contains(",3\r\n"), "{csv}");
    }

    #[test]
    fn csv_fields_are_quoted_when_they_must_be() {
        let report = Report::from_counts(
            "d".into(),
            "d".into(),
            vec![count("2026-12-01", "channel_view", "", "a,\"b\"", 9)],
            5,
        );
        assert!(report.csv().contains(",\"a,\"\"b\"\"\",9"), "{}", report.csv());
    }

    #[test]
    fn days_are_written_as_dates() {
        assert_eq!(day_text(0), "1970-01-01");
        assert_eq!(day_text(20_793), "2026-12-06");
    }
}
