//! People: who a signed-in user is and what the institution knows about them.
//!
//! | module | job |
//! |---|---|
//! | [`person`] | the [`Person`] value, and the attributes never kept |
//! | [`source`] | the [`AttributeSource`] trait every source implements |
//! | [`ldap`] | the institution's LDAP directory (SupAnn) |
//! | [`ldif`] | LDIF files and the demo directory |
//! | [`resolver`] | sources + sign-on attributes → one person, keyed by the directory's `uid` |
//! | [`directory`] | the directory channels may search |
//! | [`populations`] | the populations a person belongs to, and why |

pub mod directory;
pub mod ldap;
pub mod ldif;
pub mod nomenclature;
pub mod person;
pub mod populations;
pub mod resolver;
pub mod source;

pub use directory::SourcesDirectory;
pub use ldif::LdifDirectory;
pub use person::Person;
pub use resolver::{PersonResolver, Resolved};
pub use source::{AttributeSource, SourceError};
