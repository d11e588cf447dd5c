//! A publication's lifecycle, as uPortal's `PortletLifecycleState`: `draft` (being written),
//! `approved` (ready, published at `publish_at`), `published`, `expired` (withdrawn, or past
//! `expire_at`), `maintenance` (on the page, showing `maintenance_message` instead of the
//! channel). Written in the publication's `[channels.<id>]` table:
//!
//! ```toml
//! [channels.library-hours]
//! package = "library-hours"
//! lifecycle = "approved"                       # default: published
//! publish_at = 2027-01-04T08:00:00+01:00       # approved → published then
//! expire_at = 2027-07-01T00:00:00+02:00        # published → expired then
//! maintenance_message = { fr = "Migration en cours, retour à 14 h.", en = "Being migrated, back at 2 pm." }
//! ```
//!
//! Only a published (or in maintenance) publication is on anyone's page or in the catalogue;
//! administrators see every state on `/admin` and in `GET /api/v1/registry`.

use crate::config::ConfigError;
use agora_channel_host::manifest::LocalizedText;
use serde::Serialize;

/// The state an administrator sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Being written: nowhere but the administrators' views.
    Draft,
    /// Ready: published at `publish_at` (never without one).
    Approved,
    /// On the pages that name it and in the catalogue.
    Published,
    /// Withdrawn.
    Expired,
    /// On the pages, showing the maintenance message instead of rendering.
    Maintenance,
}

/// What the state means at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effective {
    /// Rendered as usual.
    Live,
    /// Shown as "in maintenance" with the message.
    Maintenance,
    /// On no page and not in the catalogue.
    Hidden,
}

/// A publication's lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    /// The state written.
    pub state: State,
    /// When an approved publication is published (ms since the epoch).
    pub publish_at: Option<i64>,
    /// When a published one expires (ms since the epoch).
    pub expire_at: Option<i64>,
    /// What a publication in maintenance says.
    pub maintenance_message: Option<LocalizedText>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle {
            state: State::Published,
            publish_at: None,
            expire_at: None,
            maintenance_message: None,
        }
    }
}

/// The keys of a publication's table that belong to its lifecycle.
const KEYS: &[&str] = &["lifecycle", "publish_at", "expire_at", "maintenance_message"];

impl Lifecycle {
    /// Take the lifecycle keys out of a publication's table (`key` is `channels.<id>`); the
    /// rest is the publication itself.
    pub fn take(table: &mut toml::Value, file: &str, key: &str) -> Result<Lifecycle, ConfigError> {
        let err = |k: &str, reason: String| ConfigError::new(file, format!("{key}.{k}"), reason);
        let Some(table) = table.as_table_mut() else {
            return Ok(Lifecycle::default());
        };
        let mut found: std::collections::BTreeMap<&str, toml::Value> = std::collections::BTreeMap::new();
        for k in KEYS {
            if let Some(v) = table.remove(*k) {
                found.insert(k, v);
            }
        }
        let state = match found.get("lifecycle") {
            None => State::Published,
            Some(toml::Value::String(s)) => match s.as_str() {
                "draft" => State::Draft,
                "approved" => State::Approved,
                "published" => State::Published,
                "expired" => State::Expired,
                "maintenance" => State::Maintenance,
                other => {
                    return Err(err(
                        "lifecycle",
                        format!("`{other}`: one of draft, approved, published, expired, maintenance"),
                    ));
                }
            },
            Some(other) => return Err(err("lifecycle", format!("`{other}` is not a string"))),
        };
        let when = |k: &str| -> Result<Option<i64>, ConfigError> {
            match found.get(k) {
                None => Ok(None),
                Some(toml::Value::Datetime(dt)) if dt.date.is_some() && dt.time.is_some() && dt.offset.is_some() => {
                    Ok(crate::clock::toml_datetime_ms(dt, 0))
                }
                Some(other) => Err(err(
                    k,
                    format!("`{other}`: a date, a time and an offset, e.g. 2027-01-04T08:00:00+01:00"),
                )),
            }
        };
        let (publish_at, expire_at) = (when("publish_at")?, when("expire_at")?);
        if state == State::Approved && publish_at.is_none() {
            return Err(err(
                "publish_at",
                "an approved publication needs the date it is published".into(),
            ));
        }
        if let (Some(p), Some(e)) = (publish_at, expire_at)
            && e <= p
        {
            return Err(err("expire_at", "expires before it is published".into()));
        }
        let maintenance_message = match found.get("maintenance_message") {
            None => None,
            Some(v) => Some(v.clone().try_into::<LocalizedText>().map_err(|e| {
                err(
                    "maintenance_message",
                    format!("{{ fr = \"…\", en = \"…\" }}: {}", e.message()),
                )
            })?),
        };
        if state == State::Maintenance && maintenance_message.is_none() {
            return Err(err(
                "maintenance_message",
                "a publication in maintenance says why and until when: { fr = \"…\", en = \"…\" }".into(),
            ));
        }
        Ok(Lifecycle {
            state,
            publish_at,
            expire_at,
            maintenance_message,
        })
    }

    /// What the lifecycle means at `now_ms`.
    pub fn at(&self, now_ms: i64) -> Effective {
        if self.expire_at.is_some_and(|e| now_ms >= e) {
            return Effective::Hidden;
        }
        match self.state {
            State::Published => Effective::Live,
            State::Maintenance => Effective::Maintenance,
            State::Approved if self.publish_at.is_some_and(|p| now_ms >= p) => Effective::Live,
            State::Approved | State::Draft | State::Expired => Effective::Hidden,
        }
    }

    /// The state in effect at `now_ms`, as administrators are shown it (`approved` past its
    /// date is `published`; anything past `expire_at` is `expired`).
    pub fn state_at(&self, now_ms: i64) -> State {
        match (self.at(now_ms), self.state) {
            (Effective::Hidden, State::Published | State::Maintenance | State::Approved)
                if self.expire_at.is_some_and(|e| now_ms >= e) =>
            {
                State::Expired
            }
            (Effective::Live, State::Approved) => State::Published,
            (_, s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Lifecycle, ConfigError> {
        let mut v: toml::Value = toml::from_str(text).expect("toml");
        let life = Lifecycle::take(&mut v, "channels.toml", "channels.x")?;
        assert!(KEYS.iter().all(|k| v.get(k).is_none()), "the keys are taken out");
        Ok(life)
    }

    const JAN_4: i64 = 1_799_046_000_000; // 2027-01-04T08:00:00+01:00

    #[test]
    fn published_by_default_and_approved_at_its_date() {
        assert_eq!(parse("package = \"x\"").expect("ok").at(0), Effective::Live);
        let approved = parse("lifecycle = \"approved\"\npublish_at = 2027-01-04T08:00:00+01:00").expect("ok");
        assert_eq!(approved.publish_at, Some(JAN_4));
        assert_eq!(approved.at(JAN_4 - 1), Effective::Hidden);
        assert_eq!(approved.state_at(JAN_4 - 1), State::Approved);
        assert_eq!(approved.at(JAN_4), Effective::Live);
        assert_eq!(approved.state_at(JAN_4), State::Published);
        let expiring = parse("expire_at = 2027-01-04T08:00:00+01:00").expect("ok");
        assert_eq!(expiring.at(JAN_4 - 1), Effective::Live);
        assert_eq!(expiring.at(JAN_4), Effective::Hidden);
        assert_eq!(expiring.state_at(JAN_4), State::Expired);
        for hidden in ["draft", "expired"] {
            assert_eq!(
                parse(&format!("lifecycle = \"{hidden}\"")).expect("ok").at(0),
                Effective::Hidden
            );
        }
        let maintenance =
            parse("lifecycle = \"maintenance\"\nmaintenance_message = { fr = \"Migration\", en = \"Migration\" }");
        assert_eq!(maintenance.expect("ok").at(0), Effective::Maintenance);
    }

    #[test]
    fn mistakes_name_the_key() {
        for (text, key) in [
            ("lifecycle = \"live\"", "channels.x.lifecycle"),
            ("lifecycle = \"approved\"", "channels.x.publish_at"),
            ("lifecycle = \"maintenance\"", "channels.x.maintenance_message"),
            ("publish_at = 2027-01-04", "channels.x.publish_at"),
            (
                "publish_at = 2027-01-04T08:00:00Z\nexpire_at = 2027-01-01T08:00:00Z",
                "channels.x.expire_at",
            ),
        ] {
            assert_eq!(parse(text).expect_err(text).key, key, "{text}");
        }
    }
}
