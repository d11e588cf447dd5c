//! The embedder's services for one render, in one value: everything a page request carries
//! down to the channels besides the person and the parameters. The portal builds one per
//! page and hands it to every slot; capabilities take from it what their hook needs.

use crate::capability::backend::ProxyTicketIssuer;
use crate::capability::dav::DavService;
use crate::capability::directory::DirectoryService;
use crate::capability::mail::MailService;
use std::sync::Arc;

/// Services the portal lends to the renders of one page.
#[derive(Clone, Default)]
pub struct Services {
    /// CAS proxy tickets for back-ends bound with `auth = cas-proxy` (signed in with CAS only).
    pub proxy_tickets: Option<Arc<dyn ProxyTicketIssuer>>,
    /// The directory, for channels granted `[directory]`.
    pub directory: Option<Arc<dyn DirectoryService>>,
    /// The user's mail, for channels granted `[mail]` (none on the guest page).
    pub mail: Option<Arc<dyn MailService>>,
    /// The person's calendars, address books and files, for channels granted `[dav]`.
    pub dav: Option<Arc<dyn DavService>>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("proxy_tickets", &self.proxy_tickets.is_some())
            .field("directory", &self.directory.is_some())
            .field("mail", &self.mail.is_some())
            .field("dav", &self.dav.is_some())
            .finish()
    }
}
