//! A person prepared for evaluation: composite SupAnn values parsed once.

use crate::Attributes;
use agora_supann::{EtuInscription, RoleEntite, SupannError};

/// A person's attributes with their SupAnn composites parsed, and the current academic year.
#[derive(Debug)]
pub struct Subject<'a> {
    /// The raw attributes.
    pub attributes: &'a Attributes,
    /// Parsed `supannEtuInscription` values.
    pub inscriptions: Vec<EtuInscription>,
    /// Parsed `supannRoleEntite` values.
    pub roles: Vec<RoleEntite>,
    /// Values that did not parse: (attribute, error). Reported, never silently dropped.
    pub malformed: Vec<(String, SupannError)>,
    /// The current academic year (start year).
    pub current_year: i32,
}

impl<'a> Subject<'a> {
    /// Prepare `attributes`; `current_year` is the academic year "current" refers to.
    pub fn new(attributes: &'a Attributes, current_year: i32) -> Self {
        let mut malformed = Vec::new();
        let parse_all = |name: &str| -> Vec<String> { attributes.get(name).cloned().unwrap_or_default() };
        let mut inscriptions = Vec::new();
        for v in parse_all("supannEtuInscription") {
            match v.parse::<EtuInscription>() {
                Ok(i) => inscriptions.push(i),
                Err(e) => malformed.push(("supannEtuInscription".to_string(), e)),
            }
        }
        let mut roles = Vec::new();
        for v in parse_all("supannRoleEntite") {
            match v.parse::<RoleEntite>() {
                Ok(r) => roles.push(r),
                Err(e) => malformed.push(("supannRoleEntite".to_string(), e)),
            }
        }
        Subject {
            attributes,
            inscriptions,
            roles,
            malformed,
            current_year,
        }
    }

    /// All values of an attribute.
    pub fn values(&self, name: &str) -> &[String] {
        self.attributes.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}
