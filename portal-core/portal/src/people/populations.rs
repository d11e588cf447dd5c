//! The portal's populations (`config/populations.toml`), evaluated for each person.

use super::Person;
use crate::config::ConfigError;
use agora_population::{Explanation, PopulationSet, Subject};
use std::path::Path;
use std::sync::Arc;

/// Load and validate the populations file; errors name the file, the population and why.
pub fn load(path: &Path) -> Result<PopulationSet, ConfigError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::new(&file, "", format!("cannot read: {e}")))?;
    let set = PopulationSet::from_toml(&text).map_err(|e| {
        let key = if e.population.is_empty() {
            String::new()
        } else {
            format!("populations.{}", e.population)
        };
        ConfigError::new(&file, key, e.reason)
    })?;
    // A misspelt attribute matches nobody: say so, with the nearest known name.
    for w in set.warnings() {
        tracing::warn!(file = %file, population = %w.population, path = %w.path, "{w}");
    }
    Ok(set)
}

/// (year, month) of a Unix time in ms, UTC (civil calendar, proleptic Gregorian).
pub fn year_month(unix_ms: i64) -> (i32, u32) {
    let days = unix_ms.div_euclid(86_400_000);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month)
}

/// The populations `person` belongs to now.
pub fn memberships(set: &PopulationSet, person: &Person, now_ms: i64) -> Vec<String> {
    evaluate(set, person, now_ms).0
}

/// The populations `person` belongs to now, and whether some SupAnn value of theirs is
/// malformed (to tell them).
pub fn evaluate(set: &PopulationSet, person: &Person, now_ms: i64) -> (Vec<String>, bool) {
    let (y, m) = year_month(now_ms);
    let subject = Subject::new(&person.attributes, set.academic_year(y, m));
    let members = set.memberships(&subject).into_iter().map(str::to_string).collect();
    (members, !subject.malformed.is_empty())
}

/// The populations of signed-in people, kept per person for up to [`MembershipCache::FOR_MS`]:
/// a page view does not parse the person's SupAnn values and run every rule again. An entry
/// serves only the very same attributes (the resolver's `Arc`, compared by identity) and the
/// same generation of the populations file; a rule that depends on the date sees it at
/// most a minute late.
pub struct MembershipCache {
    kept: moka::sync::Cache<String, Arc<Kept>>,
}

struct Kept {
    generation: u64,
    /// The attributes the populations were computed from (kept alive, so compared by
    /// identity without an address ever being reused).
    from: Arc<agora_channel_host::Attributes>,
    at_ms: i64,
    members: Arc<Vec<String>>,
    malformed: bool,
    /// The person with their populations as an attribute, as channels receive them.
    person: Person,
}

impl Default for MembershipCache {
    fn default() -> Self {
        MembershipCache {
            kept: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(std::time::Duration::from_millis(Self::FOR_MS as u64))
                .build(),
        }
    }
}

impl MembershipCache {
    /// How long a person's populations are trusted, ms.
    pub const FOR_MS: i64 = 60_000;

    /// The populations of `person` in `set` (generation `generation`) now, whether a SupAnn
    /// value of theirs is malformed, and the person with their populations attached and their
    /// codes in `words` (the nomenclature).
    pub fn evaluate(
        &self,
        generation: u64,
        set: &PopulationSet,
        words: &super::nomenclature::Nomenclature,
        person: &Person,
        now_ms: i64,
    ) -> (Person, Arc<Vec<String>>, bool) {
        let signed_in = person.is_signed_in();
        if signed_in
            && let Some(k) = self.kept.get(&person.uid)
            && k.generation == generation
            && Arc::ptr_eq(&k.from, &person.attributes)
            && now_ms - k.at_ms < Self::FOR_MS
        {
            return (k.person.clone(), k.members.clone(), k.malformed);
        }
        let (members, malformed) = evaluate(set, person, now_ms);
        let members = Arc::new(members);
        let with = words.describe(person.clone().with_populations(&members));
        if signed_in {
            self.kept.insert(
                person.uid.clone(),
                Arc::new(Kept {
                    generation,
                    from: person.attributes.clone(),
                    at_ms: now_ms,
                    members: members.clone(),
                    malformed,
                    person: with.clone(),
                }),
            );
        }
        (with, members, malformed)
    }
}

/// Why `person` is or is not in each population, now.
pub fn explain(set: &PopulationSet, person: &Person, now_ms: i64) -> Vec<Explanation> {
    let (y, m) = year_month(now_ms);
    let subject = Subject::new(&person.attributes, set.academic_year(y, m));
    for (attr, e) in &subject.malformed {
        tracing::warn!(uid = %person.uid, attribute = %attr, "malformed SupAnn value: {e}");
    }
    set.explain(&subject)
}

#[cfg(test)]
mod tests {
    use super::year_month;

    #[test]
    fn civil_dates() {
        assert_eq!(year_month(0), (1970, 1));
        assert_eq!(year_month(1_795_381_200_000), (2026, 11)); // 2026-11-22
        assert_eq!(year_month(951_782_400_000), (2000, 2)); // 2000-02-29
    }
}
