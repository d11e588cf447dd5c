//! Administrators' announcements (`config/announcements.toml`, hot-reloaded with the
//! fragments): a message for some populations between two dates, shown as a banner on
//! their home page and in their notification list, dismissible or not.
//!
//! ```toml
//! [announcements.exams]
//! title = { fr = "Examens du premier semestre", en = "First-semester exams" }
//! body = { fr = "Les convocations sont en ligne.", en = "Notices are online." }
//! link = "/?tab=studies"                  # optional: a portal path or an https URL
//! populations = ["students"]              # or everyone = true (every signed-in person)
//! starts = 2026-12-01T08:00:00+01:00      # TOML date-times, with their offset
//! ends = 2026-12-20T00:00:00+01:00
//! dismissible = true                      # default true
//! level = "important"                     # "info" (default) or "important"
//! ```
//!
//! The file is optional: without it there are no announcements.

use crate::config::ConfigError;
use agora_channel_host::capability::notify::acceptable_link;
use agora_channel_host::manifest::LocalizedText;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnouncementsFile {
    #[serde(default)]
    announcements: BTreeMap<String, Spec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    title: LocalizedText,
    #[serde(default)]
    body: Option<LocalizedText>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    everyone: bool,
    #[serde(default)]
    populations: Vec<String>,
    starts: toml::value::Datetime,
    ends: toml::value::Datetime,
    #[serde(default = "yes")]
    dismissible: bool,
    #[serde(default)]
    level: Level,
}

fn yes() -> bool {
    true
}

/// How an announcement is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// An ordinary banner.
    #[default]
    Info,
    /// A banner that stands out (and is announced at once by screen readers).
    Important,
}

/// One announcement, checked.
#[derive(Debug, Clone)]
pub struct Announcement {
    /// Its id (the table's name).
    pub id: String,
    /// Title.
    pub title: LocalizedText,
    /// Text below the title.
    pub body: Option<LocalizedText>,
    /// Where it leads.
    pub link: Option<String>,
    /// Every signed-in person.
    pub everyone: bool,
    /// Or the members of these populations.
    pub populations: Vec<String>,
    /// Shown from (ms since the Unix epoch).
    pub starts_ms: i64,
    /// Until (excluded).
    pub ends_ms: i64,
    /// Whether a person may dismiss it.
    pub dismissible: bool,
    /// How it is shown.
    pub level: Level,
}

impl Announcement {
    /// Whether it is shown at `now` to a person in `populations`.
    pub fn for_person(&self, populations: &[String], now: i64) -> bool {
        (self.starts_ms..self.ends_ms).contains(&now)
            && (self.everyone || self.populations.iter().any(|p| populations.contains(p)))
    }
}

/// The announcements, in start order (newest first).
#[derive(Debug, Clone, Default)]
pub struct Announcements {
    all: Vec<Announcement>,
}

impl Announcements {
    /// Read and check `path` (absent: none) against the known populations.
    pub fn load(path: &Path, populations: &agora_population::PopulationSet) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(ConfigError::new(&file, "", format!("cannot read: {e}"))),
        };
        let raw: AnnouncementsFile = toml::from_str(&text)
            .map_err(|e| ConfigError::new(&file, "", e.to_string().trim_end().replace('\n', " ")))?;
        let mut all = Vec::new();
        for (id, spec) in raw.announcements {
            let key = format!("announcements.{id}");
            let err = |k: &str, why: String| ConfigError::new(&file, format!("{key}{k}"), why);
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') || id.len() > 64
            {
                return Err(err("", "an id is 1 to 64 of a-z, 0-9, '-' and '_'".into()));
            }
            for (i, p) in spec.populations.iter().enumerate() {
                if populations.get(p).is_none() {
                    return Err(err(
                        &format!(".populations[{i}]"),
                        format!("no population `{p}` in populations.toml"),
                    ));
                }
            }
            if spec.everyone != spec.populations.is_empty() {
                return Err(err(
                    "",
                    "say who sees it: everyone = true, or populations = [...] (not both)".into(),
                ));
            }
            if let Some(link) = &spec.link
                && !acceptable_link(link)
            {
                return Err(err(".link", "a path on the portal (/…) or an https:// URL".into()));
            }
            let when = |k: &str, dt: &toml::value::Datetime| {
                if dt.offset.is_none() || dt.time.is_none() {
                    return Err(err(
                        &format!(".{k}"),
                        format!("`{dt}`: write a date, a time and an offset, e.g. 2026-12-01T08:00:00+01:00"),
                    ));
                }
                crate::clock::toml_datetime_ms(dt, 0)
                    .ok_or_else(|| err(&format!(".{k}"), format!("`{dt}` has no date")))
            };
            let (starts_ms, ends_ms) = (when("starts", &spec.starts)?, when("ends", &spec.ends)?);
            if ends_ms <= starts_ms {
                return Err(err(".ends", "must be after starts".into()));
            }
            if spec.title.fr.trim().is_empty() || spec.title.en.trim().is_empty() {
                return Err(err(".title", "a title in French and in English".into()));
            }
            all.push(Announcement {
                id,
                title: spec.title,
                body: spec.body,
                link: spec.link,
                everyone: spec.everyone,
                populations: spec.populations,
                starts_ms,
                ends_ms,
                dismissible: spec.dismissible,
                level: spec.level,
            });
        }
        all.sort_by(|a, b| b.starts_ms.cmp(&a.starts_ms).then_with(|| a.id.cmp(&b.id)));
        Ok(Announcements { all })
    }

    /// Those shown at `now` to a person in `populations`, newest first.
    pub fn for_person<'a>(
        &'a self,
        populations: &'a [String],
        now: i64,
    ) -> impl Iterator<Item = &'a Announcement> + 'a {
        self.all.iter().filter(move |a| a.for_person(populations, now))
    }

    /// One announcement by id.
    pub fn get(&self, id: &str) -> Option<&Announcement> {
        self.all.iter().find(|a| a.id == id)
    }

    /// How many there are (current or not).
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn populations() -> agora_population::PopulationSet {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("agora-ann-pop-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let p = dir.join("populations.toml");
        std::fs::write(&p, "[populations.students]\nlabel = { fr = \"Étudiants\", en = \"Students\" }\nrule = { affiliation = \"student\" }\n").expect("write");
        crate::people::populations::load(&p).expect("populations")
    }

    fn load(text: &str) -> Result<Announcements, ConfigError> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("agora-ann-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let p = dir.join("announcements.toml");
        std::fs::write(&p, text).expect("write");
        Announcements::load(&p, &populations())
    }

    const GOOD: &str = r#"
[announcements.exams]
title = { fr = "Examens", en = "Exams" }
populations = ["students"]
starts = 2026-12-01T08:00:00+01:00
ends = 2026-12-20T00:00:00+01:00
"#;

    #[test]
    fn an_announcement_shows_to_its_populations_between_its_dates() {
        let a = load(GOOD).expect("loads");
        let students = vec!["students".to_string()];
        let start = 1_796_108_400_000;
        assert_eq!(a.for_person(&students, start).count(), 1);
        assert_eq!(a.for_person(&students, start - 1).count(), 0, "not before");
        assert_eq!(a.for_person(&[], start).count(), 0, "not to others");
        assert!(a.get("exams").is_some_and(|x| x.dismissible && x.level == Level::Info));
        let none =
            Announcements::load(Path::new("/nonexistent/announcements.toml"), &populations()).expect("absent is none");
        assert!(none.is_empty());
    }

    #[test]
    fn a_bad_announcement_names_its_key_and_reason() {
        let cases = [
            (
                GOOD.replace("students\"]", "staff\"]"),
                "announcements.exams.populations[0]",
                "no population",
            ),
            (
                GOOD.replace("ends = 2026-12-20", "ends = 2026-11-20"),
                "announcements.exams.ends",
                "after",
            ),
            (
                GOOD.replace("+01:00\nends", "\nends"),
                "announcements.exams.starts",
                "offset",
            ),
            (
                GOOD.replace(
                    "populations = [\"students\"]",
                    "link = \"javascript:alert(1)\"\neveryone = true",
                ),
                "announcements.exams.link",
                "https",
            ),
            (
                GOOD.replace("populations = [\"students\"]", ""),
                "announcements.exams",
                "everyone",
            ),
        ];
        for (text, key, why) in cases {
            let e = load(&text).expect_err(key);
            assert_eq!(e.key, key, "{e}");
            assert!(e.reason.contains(why), "{e}");
        }
    }
}
