//! # agora-supann — typed SupAnn values
//!
//! ```
//! use agora_supann::EtuInscription;
//! let i: EtuInscription = "[etab={UAI}0751717J][anneeinsc=2026][regimeinsc={SISE}10][sectdisc={SISE}25]\
//!     [typedip={SISE}XB][cursusann={SUPANN}L1][affect=UFR27][etape={UAI:0751717J}L1MATH]".parse().unwrap();
//! assert_eq!(i.anneeinsc, 2026);
//! assert_eq!(i.level().map(|l| l.to_string()).as_deref(), Some("L1"));
//! assert_eq!(i.affect.as_deref(), Some("UFR27"));
//! ```

mod affiliation;
mod composite;
mod inscription;
mod tagged;

pub use affiliation::{Affiliation, liste_rouge};
pub use composite::Composite;
pub use inscription::{CursusLevel, EmpProfil, EtuInscription, RoleEntite};
pub use tagged::Tagged;

/// A SupAnn value that does not follow the syntax.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}`: {reason} (at byte {position})")]
pub struct SupannError {
    /// The offending value (shortened to 200 bytes).
    pub value: String,
    /// Byte offset where the problem was found.
    pub position: usize,
    /// What is wrong.
    pub reason: String,
}

impl SupannError {
    pub(crate) fn new(value: &str, position: usize, reason: impl Into<String>) -> Self {
        let mut end = value.len().min(200);
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        SupannError {
            value: value[..end].to_string(),
            position,
            reason: reason.into(),
        }
    }
}
