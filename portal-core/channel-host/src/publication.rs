//! Publications: an admin's configured instance of a channel (uPortal calls them portlet
//! publications). One channel (`news`) can be published many times (`campus-news`,
//! `library-news`) with different back-end bindings and configuration.

use crate::manifest::{self, ChannelManifest, LocalizedText};
use crate::secret::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;
use url::Url;

/// How the host authenticates to a back-end. The channel never sees any of it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum BackendAuth {
    /// No credentials.
    #[default]
    None,
    /// HTTP Basic.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Secret,
    },
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The token.
        token: Secret,
    },
    /// A CAS proxy ticket minted by the host for this back-end's service URL (the binding's
    /// `url`, or `service` when the back-end validates another one), sent as `ticket=PT-…`.
    CasProxy {
        /// Service URL the back-end validates proxy tickets for.
        service: Option<Url>,
    },
    /// A custom header (API keys).
    Header {
        /// Header name.
        name: String,
        /// Header value.
        value: Secret,
    },
    /// An application JWT the host obtains from a token service and caches until shortly
    /// before it expires (Pégase): see [`crate::jwt`].
    Jwt(JwtAuth),
}

/// `auth = { type = "jwt", token_url = "…", username = "…", password = "…" }`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct JwtAuth {
    /// The token service: a CAS REST `…/cas/v1/tickets` answering `token=true` with a JWT.
    pub token_url: Url,
    /// The application account.
    pub username: String,
    /// Its password.
    pub password: Secret,
    /// How long a token without `exp` is used, in seconds (default one hour).
    #[serde(default)]
    pub lifetime_seconds: Option<u32>,
}

/// An admin's binding of a channel's named back-end to a real service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendBinding {
    /// Base URL; channel paths are appended to it and can never leave it.
    pub url: Url,
    /// Credentials attached by the host.
    #[serde(default)]
    pub auth: BackendAuth,
    /// Request timeout (capped by the channel's `limits.request_timeout_ms`).
    pub timeout_ms: Option<u32>,
}

impl BackendBinding {
    /// The effective timeout of one request given the channel's limit.
    pub fn timeout(&self, limit_ms: u32) -> Duration {
        Duration::from_millis(u64::from(self.timeout_ms.map_or(limit_ms, |t| t.min(limit_ms))))
    }
}

/// What an admin writes for one publication (one `[channels.<id>]` table of `channels.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationSpec {
    /// The channel package (directory under the channel root holding `channel.toml` and
    /// `channel.wasm`).
    pub package: String,
    /// A deployed version of the package to use (the portal's deployed store); without it,
    /// the version made current last, else the installed package.
    #[serde(default)]
    pub version: Option<String>,
    /// Title shown above the slot; defaults to the channel's name.
    pub title: Option<LocalizedText>,
    /// Back-end bindings, one per `[backends.<name>]` of the manifest.
    #[serde(default)]
    pub backends: BTreeMap<String, BackendBinding>,
    /// Configuration, checked against the manifest's `[config]` schema.
    #[serde(default)]
    pub config: toml::Table,
}

/// A publication that does not fit its channel's manifest.
#[derive(Debug, thiserror::Error)]
#[error("[{key}]: {reason}")]
pub struct PublicationError {
    /// The key at fault, relative to the publication (e.g. `config.max_items`).
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

/// A validated publication, ready to render.
#[derive(Debug, Clone)]
pub struct Publication {
    /// Publication id (`fname`), unique in the portal.
    pub id: String,
    /// Title shown above the slot.
    pub title: LocalizedText,
    /// Back-end bindings.
    pub backends: BTreeMap<String, BackendBinding>,
    /// The configuration as JSON, defaults applied: what the channel receives.
    pub config_json: String,
    /// Whose publication it is (a tenant's id; empty on a one-tenant portal): part of its
    /// cache namespace, so two tenants' publications of one id never share entries.
    pub scope: String,
}

impl Publication {
    /// Check `spec` against `manifest` and build the publication.
    pub fn new(id: &str, spec: &PublicationSpec, manifest: &ChannelManifest) -> Result<Self, PublicationError> {
        let err = |key: String, reason: String| PublicationError { key, reason };
        for name in spec.backends.keys() {
            if !manifest.backends.contains_key(name) {
                return Err(err(
                    format!("backends.{name}"),
                    format!(
                        "channel `{}` does not declare a back-end named `{name}`",
                        manifest.channel.id
                    ),
                ));
            }
        }
        for (name, binding) in &spec.backends {
            if !matches!(binding.url.scheme(), "http" | "https") {
                return Err(err(
                    format!("backends.{name}.url"),
                    "only http and https URLs can be bound".into(),
                ));
            }
            if let BackendAuth::Jwt(jwt) = &binding.auth
                && !matches!(jwt.token_url.scheme(), "http" | "https")
            {
                return Err(err(
                    format!("backends.{name}.auth.token_url"),
                    "only http and https URLs can be bound".into(),
                ));
            }
        }
        for key in spec.config.keys() {
            if !manifest.config.contains_key(key) {
                return Err(err(
                    format!("config.{key}"),
                    format!("channel `{}` has no configuration key `{key}`", manifest.channel.id),
                ));
            }
        }
        let mut json = serde_json::Map::new();
        for (key, field) in &manifest.config {
            let value = match spec.config.get(key).or(field.default.as_ref()) {
                Some(v) => v,
                None => {
                    return Err(err(
                        format!("config.{key}"),
                        "is required by the channel and has no default".into(),
                    ));
                }
            };
            manifest::check_value(field, value).map_err(|r| err(format!("config.{key}"), r))?;
            let value = serde_json::to_value(value).map_err(|e| err(format!("config.{key}"), e.to_string()))?;
            json.insert(key.clone(), value);
        }
        for (name, decl) in &manifest.backends {
            if !spec.backends.contains_key(name) && decl.required(&json) {
                let when = if decl.required_when.is_empty() {
                    String::new()
                } else {
                    let values: Vec<String> = decl.required_when.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                    format!(" when {}", values.join(", "))
                };
                return Err(err(
                    format!("backends.{name}"),
                    format!(
                        "channel `{}` needs back-end `{name}`{when}: bind it to a URL here",
                        manifest.channel.id
                    ),
                ));
            }
        }
        Ok(Publication {
            id: id.to_string(),
            title: spec.title.clone().unwrap_or_else(|| manifest.channel.name.clone()),
            backends: spec.backends.clone(),
            config_json: serde_json::Value::Object(json).to_string(),
            scope: String::new(),
        })
    }

    /// This publication, belonging to `scope` (a tenant).
    pub fn in_scope(mut self, scope: &str) -> Self {
        self.scope = scope.to_string();
        self
    }

    /// This publication with a user's preferences applied over its configuration. Keys that
    /// are not preferences of the manifest, or values that no longer fit, are ignored.
    pub fn with_preferences(
        &self,
        manifest: &ChannelManifest,
        preferences: &std::collections::BTreeMap<String, String>,
    ) -> Publication {
        let mut json: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&self.config_json).unwrap_or_default();
        for (key, text) in preferences {
            let Some(field) = manifest.config.get(key) else {
                continue;
            };
            if let Ok(value) = field.preference_value(text)
                && let Ok(value) = serde_json::to_value(value)
            {
                json.insert(key.clone(), value);
            }
        }
        Publication {
            config_json: serde_json::Value::Object(json).to_string(),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn manifest() -> ChannelManifest {
        ChannelManifest::parse(
            r#"
            [channel]
            id = "news"
            version = "0.1.0"
            world = "agora:channel/channel@0.1.0"
            name = { fr = "Actualités", en = "News" }
            [backends.feed]
            [config.max_items]
            type = "integer"
            default = 6
            max = 50
            [config.path]
            type = "string"
            "#,
            Path::new("channel.toml"),
        )
        .expect("valid manifest")
    }

    fn spec(text: &str) -> PublicationSpec {
        toml::from_str(text).expect("spec parses")
    }

    #[test]
    fn defaults_are_applied_and_config_becomes_json() {
        let p = Publication::new(
            "campus-news",
            &spec("package = \"news\"\nbackends.feed.url = \"http://127.0.0.1:1/feed\"\nconfig.path = \"/rss\""),
            &manifest(),
        )
        .expect("valid");
        let v: serde_json::Value = serde_json::from_str(&p.config_json).expect("json");
        assert_eq!(v["max_items"], 6);
        assert_eq!(v["path"], "/rss");
        assert_eq!(p.title.en, "News");
    }

    #[test]
    fn missing_required_config_and_unbound_backends_are_named() {
        let e = Publication::new(
            "p",
            &spec("package = \"news\"\nbackends.feed.url = \"http://x/\""),
            &manifest(),
        )
        .unwrap_err();
        assert_eq!(e.key, "config.path");
        let e = Publication::new("p", &spec("package = \"news\"\nconfig.path = \"\""), &manifest()).unwrap_err();
        assert_eq!(e.key, "backends.feed");
    }

    #[test]
    fn wrong_types_undeclared_backends_and_unknown_keys_are_refused() {
        let base = "package = \"news\"\nbackends.feed.url = \"http://x/\"\nconfig.path = \"\"\n";
        let e = Publication::new("p", &spec(&format!("{base}config.max_items = 500")), &manifest()).unwrap_err();
        assert_eq!(e.key, "config.max_items");
        let e = Publication::new(
            "p",
            &spec(&format!("{base}backends.other.url = \"http://y/\"")),
            &manifest(),
        )
        .unwrap_err();
        assert_eq!(e.key, "backends.other");
        let e = Publication::new("p", &spec(&format!("{base}config.colour = \"red\"")), &manifest()).unwrap_err();
        assert_eq!(e.key, "config.colour");
    }

    #[test]
    fn jwt_bindings_parse_and_keep_their_password_secret() {
        let s = spec(
            "package = \"news\"\nconfig.path = \"\"\nbackends.feed = { url = \"https://coc.univ.pc-scol.fr/api/coc/publication/v2\", auth = { type = \"jwt\", token_url = \"https://authn-app.univ.pc-scol.fr/cas/v1/tickets\", username = \"agora-ent\", password = \"hunter2\" } }",
        );
        let p = Publication::new("p", &s, &manifest()).expect("valid");
        let BackendAuth::Jwt(jwt) = &p.backends["feed"].auth else {
            panic!("a jwt binding: {:?}", p.backends["feed"].auth);
        };
        assert_eq!(jwt.username, "agora-ent");
        assert_eq!(jwt.lifetime_seconds, None);
        assert!(!format!("{s:?} {p:?}").contains("hunter2"));
        let unknown: Result<PublicationSpec, _> = toml::from_str(
            "package = \"news\"\nbackends.feed = { url = \"http://x/\", auth = { type = \"jwt\", token_url = \"http://x/t\", username = \"u\", password = \"p\", scope = \"all\" } }",
        );
        assert!(unknown.is_err(), "unknown keys are refused");
        let e = Publication::new(
            "p",
            &spec("package = \"news\"\nconfig.path = \"\"\nbackends.feed = { url = \"http://x/\", auth = { type = \"jwt\", token_url = \"ftp://x/t\", username = \"u\", password = \"p\" } }"),
            &manifest(),
        )
        .unwrap_err();
        assert_eq!(e.key, "backends.feed.auth.token_url");
    }

    #[test]
    fn a_back_end_required_only_by_one_configuration_may_stay_unbound_otherwise() {
        let m = ChannelManifest::parse(
            r#"
            [channel]
            id = "grades"
            version = "0.1.0"
            world = "agora:channel/channel@0.1.0"
            name = { fr = "Notes", en = "Grades" }
            [backends.apogee]
            required_when = { system = "apogee" }
            [backends.pegase]
            required_when = { system = "pegase" }
            [config.system]
            type = "string"
            default = "apogee"
            choices = ["apogee", "pegase"]
            "#,
            Path::new("channel.toml"),
        )
        .expect("valid manifest");
        let apogee = spec("package = \"grades\"\nbackends.apogee.url = \"http://x/\"");
        Publication::new("g", &apogee, &m).expect("apogee by default");
        let pegase = spec("package = \"grades\"\nconfig.system = \"pegase\"\nbackends.pegase.url = \"http://x/\"");
        Publication::new("g", &pegase, &m).expect("pegase without apogee");
        let e = Publication::new("g", &spec("package = \"grades\"\nconfig.system = \"pegase\""), &m).unwrap_err();
        assert_eq!(e.key, "backends.pegase");
        assert!(e.reason.contains("when system = \"pegase\""), "{}", e.reason);
        let e = Publication::new("g", &spec("package = \"grades\"\nconfig.system = \"sap\""), &m).unwrap_err();
        assert_eq!(e.key, "config.system");
        assert!(e.reason.contains("apogee, pegase"), "{}", e.reason);
        let bad = ChannelManifest::parse(
            "[channel]\nid = \"g\"\nversion = \"0.1.0\"\nworld = \"agora:channel/channel@0.1.0\"\nname = { fr = \"N\", en = \"G\" }\n[backends.pegase]\nrequired_when = { sytem = \"pegase\" }\n",
            Path::new("channel.toml"),
        )
        .unwrap_err();
        assert!(bad.to_string().contains("backends.pegase.required_when"), "{bad}");
    }

    #[test]
    fn credentials_never_print() {
        let s = spec(
            "package = \"news\"\nbackends.feed.url = \"http://x/\"\nbackends.feed.auth = { type = \"basic\", username = \"u\", password = \"hunter2\" }",
        );
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
