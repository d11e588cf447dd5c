//! Who may do what with a group: pure functions of the group's visibility and the actor's
//! standing in it, so every rule is tested without a database.
//!
//! | action | public | closed | private |
//! |---|---|---|---|
//! | see that it exists (name, description) | everyone signed in | everyone signed in | its members and invitees |
//! | see its members | members | members | members |
//! | join | at once | a request the administrators accept or refuse | only by accepting an invitation |
//! | invite, accept or refuse a request, remove, promote | administrators | administrators | administrators |
//! | leave | members (not the last administrator) | same | same |
//! | delete | administrators | administrators | administrators |

use serde::{Deserialize, Serialize};

/// Who may find and join a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Listed; anyone joins at once.
    Public,
    /// Listed; joining is a request its administrators accept or refuse.
    Closed,
    /// Not listed; by invitation only.
    Private,
}

impl Visibility {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Closed => "closed",
            Visibility::Private => "private",
        }
    }

    /// From the stored word.
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "public" => Some(Visibility::Public),
            "closed" => Some(Visibility::Closed),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }
}

/// A person's standing in one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    /// Not in it, nothing pending.
    Outsider,
    /// Asked to join a closed group; the administrators have not answered.
    Requested,
    /// Invited; has not answered.
    Invited,
    /// A member.
    Member,
    /// A member who manages the group.
    Admin,
}

impl Standing {
    /// The stored word (`None` for an outsider, who has no row).
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Standing::Outsider => None,
            Standing::Requested => Some("requested"),
            Standing::Invited => Some("invited"),
            Standing::Member => Some("member"),
            Standing::Admin => Some("admin"),
        }
    }

    /// From the stored word.
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "requested" => Some(Standing::Requested),
            "invited" => Some(Standing::Invited),
            "member" => Some(Standing::Member),
            "admin" => Some(Standing::Admin),
            _ => None,
        }
    }

    /// A member or an administrator.
    pub fn is_member(self) -> bool {
        matches!(self, Standing::Member | Standing::Admin)
    }
}

/// Why an action is refused (each has a message in the user's language: `groups.refused.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The group is private and the person neither a member nor invited (it is not shown
    /// to exist).
    #[error("no such group")]
    NotFound,
    /// Only the group's administrators may do this.
    #[error("only the group's administrators may do this")]
    NotAdmin,
    /// A private group is joined by invitation only.
    #[error("this group is joined by invitation only")]
    InvitationOnly,
    /// Already a member (or already asked, already invited).
    #[error("already a member or already asked")]
    Already,
    /// Nothing pending to answer.
    #[error("there is nothing to answer")]
    NothingPending,
    /// The last administrator cannot leave or be removed: promote someone first, or delete
    /// the group.
    #[error("the group's last administrator cannot leave")]
    LastAdmin,
    /// The person concerned is not in the group.
    #[error("this person is not in the group")]
    NotInGroup,
}

impl Refusal {
    /// The i18n key of the message shown.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::NotFound => "groups.refused.not_found",
            Refusal::NotAdmin => "groups.refused.not_admin",
            Refusal::InvitationOnly => "groups.refused.invitation_only",
            Refusal::Already => "groups.refused.already",
            Refusal::NothingPending => "groups.refused.nothing_pending",
            Refusal::LastAdmin => "groups.refused.last_admin",
            Refusal::NotInGroup => "groups.refused.not_in_group",
        }
    }
}

/// Whether someone of `standing` sees that a group of `visibility` exists.
pub fn may_see(visibility: Visibility, standing: Standing) -> Result<(), Refusal> {
    match (visibility, standing) {
        (Visibility::Private, Standing::Outsider | Standing::Requested) => Err(Refusal::NotFound),
        _ => Ok(()),
    }
}

/// Whether someone of `standing` sees the group's members.
pub fn may_list_members(visibility: Visibility, standing: Standing) -> Result<(), Refusal> {
    may_see(visibility, standing)?;
    if standing.is_member() {
        Ok(())
    } else {
        Err(Refusal::NotAdmin)
    }
}

/// What joining does for someone of `standing`: the standing they get.
pub fn join(visibility: Visibility, standing: Standing) -> Result<Standing, Refusal> {
    may_see(visibility, standing)?;
    match standing {
        Standing::Member | Standing::Admin | Standing::Requested => Err(Refusal::Already),
        // Joining when invited is accepting the invitation.
        Standing::Invited => Ok(Standing::Member),
        Standing::Outsider => match visibility {
            Visibility::Public => Ok(Standing::Member),
            Visibility::Closed => Ok(Standing::Requested),
            Visibility::Private => Err(Refusal::InvitationOnly),
        },
    }
}

/// Whether an administrator's action (invite, answer a request, remove, promote) is open
/// to someone of `standing`.
pub fn must_admin(visibility: Visibility, standing: Standing) -> Result<(), Refusal> {
    may_see(visibility, standing)?;
    if standing == Standing::Admin {
        Ok(())
    } else {
        Err(Refusal::NotAdmin)
    }
}

/// Whether an administrator may invite someone of `their` standing.
pub fn invite(visibility: Visibility, mine: Standing, their: Standing) -> Result<Standing, Refusal> {
    must_admin(visibility, mine)?;
    match their {
        Standing::Outsider => Ok(Standing::Invited),
        // Inviting someone who asked is accepting them.
        Standing::Requested => Ok(Standing::Member),
        Standing::Invited | Standing::Member | Standing::Admin => Err(Refusal::Already),
    }
}

/// Whether an administrator may answer `their` request (accept or refuse).
pub fn answer_request(visibility: Visibility, mine: Standing, their: Standing) -> Result<(), Refusal> {
    must_admin(visibility, mine)?;
    if their == Standing::Requested {
        Ok(())
    } else {
        Err(Refusal::NothingPending)
    }
}

/// Whether someone answers an invitation (accept or decline).
pub fn answer_invitation(standing: Standing) -> Result<(), Refusal> {
    if standing == Standing::Invited {
        Ok(())
    } else {
        Err(Refusal::NothingPending)
    }
}

/// Whether an administrator may remove someone of `their` standing (a member, or withdraw
/// an invitation), `admins` being how many administrators the group has.
pub fn remove(visibility: Visibility, mine: Standing, their: Standing, admins: usize) -> Result<(), Refusal> {
    must_admin(visibility, mine)?;
    match their {
        Standing::Outsider | Standing::Requested => Err(Refusal::NotInGroup),
        Standing::Admin if admins <= 1 => Err(Refusal::LastAdmin),
        _ => Ok(()),
    }
}

/// Whether an administrator may make `their` an administrator.
pub fn promote(visibility: Visibility, mine: Standing, their: Standing) -> Result<(), Refusal> {
    must_admin(visibility, mine)?;
    match their {
        Standing::Member => Ok(()),
        Standing::Admin => Err(Refusal::Already),
        _ => Err(Refusal::NotInGroup),
    }
}

/// Whether someone of `standing` may leave (`admins`: how many administrators there are).
pub fn leave(standing: Standing, admins: usize) -> Result<(), Refusal> {
    match standing {
        Standing::Outsider | Standing::Requested | Standing::Invited => Err(Refusal::NotInGroup),
        Standing::Admin if admins <= 1 => Err(Refusal::LastAdmin),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::Standing::*;
    use super::Visibility::*;
    use super::*;

    #[test]
    fn a_private_group_is_seen_by_its_members_and_invitees_only() {
        assert_eq!(may_see(Private, Outsider), Err(Refusal::NotFound));
        assert_eq!(may_see(Private, Requested), Err(Refusal::NotFound));
        assert_eq!(may_see(Private, Invited), Ok(()));
        assert_eq!(may_see(Private, Member), Ok(()));
        assert_eq!(may_see(Public, Outsider), Ok(()));
        assert_eq!(may_see(Closed, Outsider), Ok(()));
    }

    #[test]
    fn members_are_listed_to_members_only() {
        assert_eq!(may_list_members(Public, Outsider), Err(Refusal::NotAdmin));
        assert_eq!(may_list_members(Closed, Requested), Err(Refusal::NotAdmin));
        assert_eq!(may_list_members(Closed, Invited), Err(Refusal::NotAdmin));
        assert_eq!(may_list_members(Private, Outsider), Err(Refusal::NotFound));
        assert_eq!(may_list_members(Public, Member), Ok(()));
        assert_eq!(may_list_members(Private, Admin), Ok(()));
    }

    #[test]
    fn joining_depends_on_the_visibility() {
        assert_eq!(join(Public, Outsider), Ok(Member));
        assert_eq!(join(Closed, Outsider), Ok(Requested));
        assert_eq!(join(Private, Outsider), Err(Refusal::NotFound));
        assert_eq!(join(Private, Invited), Ok(Member));
        assert_eq!(join(Closed, Invited), Ok(Member));
        assert_eq!(join(Closed, Requested), Err(Refusal::Already));
        assert_eq!(join(Public, Member), Err(Refusal::Already));
        assert_eq!(join(Public, Admin), Err(Refusal::Already));
    }

    #[test]
    fn only_administrators_invite_answer_remove_and_promote() {
        for v in [Public, Closed] {
            for who in [Outsider, Requested, Invited, Member] {
                assert_eq!(invite(v, who, Outsider), Err(Refusal::NotAdmin), "{v:?} {who:?}");
                assert_eq!(answer_request(v, who, Requested), Err(Refusal::NotAdmin));
                assert_eq!(remove(v, who, Member, 2), Err(Refusal::NotAdmin));
                assert_eq!(promote(v, who, Member), Err(Refusal::NotAdmin));
            }
        }
        // A stranger to a private group is not even told it exists.
        assert_eq!(invite(Private, Outsider, Outsider), Err(Refusal::NotFound));
        assert_eq!(invite(Private, Member, Outsider), Err(Refusal::NotAdmin));
        assert_eq!(invite(Private, Admin, Outsider), Ok(Invited));
        assert_eq!(invite(Closed, Admin, Requested), Ok(Member));
        assert_eq!(invite(Closed, Admin, Member), Err(Refusal::Already));
        assert_eq!(invite(Closed, Admin, Invited), Err(Refusal::Already));
        assert_eq!(answer_request(Closed, Admin, Requested), Ok(()));
        assert_eq!(answer_request(Closed, Admin, Outsider), Err(Refusal::NothingPending));
        assert_eq!(promote(Public, Admin, Member), Ok(()));
        assert_eq!(promote(Public, Admin, Invited), Err(Refusal::NotInGroup));
        assert_eq!(promote(Public, Admin, Admin), Err(Refusal::Already));
    }

    #[test]
    fn the_last_administrator_stays() {
        assert_eq!(remove(Public, Admin, Admin, 1), Err(Refusal::LastAdmin));
        assert_eq!(remove(Public, Admin, Admin, 2), Ok(()));
        assert_eq!(remove(Public, Admin, Member, 1), Ok(()));
        assert_eq!(remove(Public, Admin, Invited, 1), Ok(()), "withdrawing an invitation");
        assert_eq!(remove(Public, Admin, Outsider, 1), Err(Refusal::NotInGroup));
        assert_eq!(leave(Admin, 1), Err(Refusal::LastAdmin));
        assert_eq!(leave(Admin, 2), Ok(()));
        assert_eq!(leave(Member, 1), Ok(()));
        assert_eq!(leave(Outsider, 1), Err(Refusal::NotInGroup));
    }

    #[test]
    fn only_the_invited_answer_an_invitation() {
        assert_eq!(answer_invitation(Invited), Ok(()));
        for s in [Outsider, Requested, Member, Admin] {
            assert_eq!(answer_invitation(s), Err(Refusal::NothingPending));
        }
    }

    #[test]
    fn words_round_trip() {
        for v in [Public, Closed, Private] {
            assert_eq!(Visibility::parse(v.as_str()), Some(v));
        }
        for s in [Requested, Invited, Member, Admin] {
            assert_eq!(s.as_str().and_then(Standing::parse), Some(s));
        }
        assert_eq!(Visibility::parse("secret"), None);
    }
}
