//! `eduPersonAffiliation` values and `supannListeRouge`.

use crate::SupannError;
use std::fmt;
use std::str::FromStr;

/// An eduPerson affiliation; values outside the SupAnn list are kept as `Other`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Affiliation {
    /// `student`
    Student,
    /// `faculty`
    Faculty,
    /// `staff`
    Staff,
    /// `employee`
    Employee,
    /// `member`
    Member,
    /// `affiliate`
    Affiliate,
    /// `alum`
    Alum,
    /// `researcher`
    Researcher,
    /// `retired`
    Retired,
    /// `emeritus`
    Emeritus,
    /// `teacher`
    Teacher,
    /// `registered-reader`
    RegisteredReader,
    /// `library-walk-in`
    LibraryWalkIn,
    /// Anything else, as written.
    Other(String),
}

impl FromStr for Affiliation {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "student" => Affiliation::Student,
            "faculty" => Affiliation::Faculty,
            "staff" => Affiliation::Staff,
            "employee" => Affiliation::Employee,
            "member" => Affiliation::Member,
            "affiliate" => Affiliation::Affiliate,
            "alum" => Affiliation::Alum,
            "researcher" => Affiliation::Researcher,
            "retired" => Affiliation::Retired,
            "emeritus" => Affiliation::Emeritus,
            "teacher" => Affiliation::Teacher,
            "registered-reader" => Affiliation::RegisteredReader,
            "library-walk-in" => Affiliation::LibraryWalkIn,
            other => Affiliation::Other(other.to_string()),
        })
    }
}

impl fmt::Display for Affiliation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Affiliation::Student => "student",
            Affiliation::Faculty => "faculty",
            Affiliation::Staff => "staff",
            Affiliation::Employee => "employee",
            Affiliation::Member => "member",
            Affiliation::Affiliate => "affiliate",
            Affiliation::Alum => "alum",
            Affiliation::Researcher => "researcher",
            Affiliation::Retired => "retired",
            Affiliation::Emeritus => "emeritus",
            Affiliation::Teacher => "teacher",
            Affiliation::RegisteredReader => "registered-reader",
            Affiliation::LibraryWalkIn => "library-walk-in",
            Affiliation::Other(s) => s,
        })
    }
}

/// `supannListeRouge`: `TRUE` hides the person from directory searches.
pub fn liste_rouge(value: &str) -> Result<bool, SupannError> {
    match value.trim() {
        "TRUE" => Ok(true),
        "FALSE" => Ok(false),
        other => Err(SupannError::new(
            value,
            0,
            format!("`{other}` is neither TRUE nor FALSE"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affiliations_round_trip_and_keep_unknown_values() {
        for a in ["student", "faculty", "registered-reader", "visiting-scholar"] {
            assert_eq!(a.parse::<Affiliation>().map(|x| x.to_string()).ok().as_deref(), Some(a));
        }
        assert_eq!(
            "visiting-scholar".parse::<Affiliation>().ok(),
            Some(Affiliation::Other("visiting-scholar".into()))
        );
    }

    #[test]
    fn liste_rouge_is_strict() {
        assert_eq!(liste_rouge("TRUE"), Ok(true));
        assert_eq!(liste_rouge("FALSE"), Ok(false));
        assert!(liste_rouge("yes").is_err());
    }
}
