//! The built-in defaults, the first layer under `portal.toml` and the environment.

use super::PortalConfig;
use super::secret::Secret;
use super::sections::*;
use std::path::PathBuf;

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            server: ServerConfig {
                listen: ([127, 0, 0, 1], 8080).into(),
                public_url: String::new(),
                workers: 0,
                metrics_token: Secret::default(),
                metrics_from: Vec::new(),
                trusted_proxies: Vec::new(),
            },
            limits: LimitsConfig {
                // Off by default: behind a reverse proxy not listed in `[server]
                // trusted_proxies`, every user has the proxy's address, and one limit would
                // throttle the whole university's sign-ins at term start.
                signin_per_minute: 0,
                api_per_minute: 600,
                concurrent_renders: 0,
                channel_cpu_ms: 0,
            },
            paths: PathsConfig {
                data_dir: "data".into(),
                theme_dir: "themes/default".into(),
                theme_overrides: None,
                channels: "channels.toml".into(),
                channel_packages: "channels".into(),
                fragments: "fragments".into(),
                catalogue: "catalogue.toml".into(),
                announcements: "announcements.toml".into(),
                nomenclature: "nomenclature.toml".into(),
                populations: "populations.toml".into(),
            },
            skin: SkinConfig {
                institution: "Université".into(),
                portal_name: "ENT".into(),
                logo_url: "/static/logo.svg".into(),
                primary_color: "#1d3f72".into(),
                accent_color: "#e0a100".into(),
            },
            i18n: I18nConfig {
                default_locale: "fr".into(),
                time_zone: "Europe/Paris".into(),
            },
            channels: ChannelsConfig {
                render_threads: 0,
                max_instances: 256,
                cache_mib: 64,
                render_cache_entries: 100_000,
                deploy_token: Secret::default(),
                deploy_max_mib: 32,
            },
            session: SessionConfig {
                idle_minutes: 120,
                cookie_name: "agora_session".into(),
                key: Secret::default(),
            },
            tls: TlsConfig {
                extra_ca_file: PathBuf::new(),
            },
            redis: RedisConfig {
                url: Secret::default(),
                key_prefix: "agora:".into(),
                timeout_ms: 1000,
            },
            auth: AuthConfig {
                guest_page: true,
                absolute_hours: 12,
            },
            cas: CasConfig {
                server_url: String::new(),
                renew: false,
                gateway: false,
                proxy: true,
                timeout_ms: 5000,
                logout_from_cas: true,
            },
            oidc: OidcConfig {
                issuer_url: String::new(),
                client_id: String::new(),
                client_secret: Secret::default(),
                scopes: vec!["profile".into(), "email".into()],
                login_claim: "preferred_username".into(),
                claims: [
                    ("name".to_string(), "displayName".to_string()),
                    ("email".to_string(), "mail".to_string()),
                    ("given_name".to_string(), "givenName".to_string()),
                    ("family_name".to_string(), "sn".to_string()),
                ]
                .into(),
                logout_from_provider: true,
                timeout_ms: 5000,
            },
            trusted_headers: TrustedHeadersConfig {
                enabled: false,
                proxies: Vec::new(),
                secret_header: "X-Agora-Proxy-Secret".into(),
                secret: Secret::default(),
                user_header: "REMOTE_USER".into(),
                attributes: std::collections::BTreeMap::new(),
                logout_path: "/Shibboleth.sso/Logout".into(),
            },
            ldap: LdapConfig {
                url: String::new(),
                bind_dn: String::new(),
                bind_password: Secret::default(),
                base_dn: String::new(),
                filter: "(|(uid={login})(supannAliasLogin={login}))".into(),
                attributes: [
                    "uid",
                    "cn",
                    "sn",
                    "givenName",
                    "displayName",
                    "mail",
                    "eduPersonAffiliation",
                    "eduPersonPrimaryAffiliation",
                    "eduPersonPrincipalName",
                    "supannAliasLogin",
                    "supannCivilite",
                    "supannEtablissement",
                    "supannEntiteAffectation",
                    "supannEntiteAffectationPrincipale",
                    "supannEtuId",
                    "supannEmpId",
                    "supannCodeINE",
                    "supannEtuInscription",
                    "supannRoleEntite",
                    "supannEmpCorps",
                    "supannActivite",
                    "supannListeRouge",
                    "memberOf",
                    "telephoneNumber",
                ]
                .into_iter()
                .map(String::from)
                .collect(),
                timeout_ms: 2000,
                starttls: false,
                tls_verify: true,
                pool_size: 4,
            },
            storage: StorageConfig { url: String::new() },
            mail: MailConfig {
                imap_host: String::new(),
                imap_port: 993,
                tls: MailTls::Tls,
                auth: MailAuth::CasProxy,
                cas_service: String::new(),
                master_user: String::new(),
                master_password: Secret::default(),
                master_separator: "*".into(),
                timeout_ms: 3000,
            },
            dav: DavConfig {
                calendars_url: String::new(),
                contacts_url: String::new(),
                files_url: String::new(),
                auth: DavAuthKind::ServiceAccount,
                user: String::new(),
                password: Secret::default(),
                cas_service: String::new(),
                timeout_ms: 4000,
            },
            directory: DirectoryConfig {
                cache_seconds: 300,
                signon_wins: Vec::new(),
            },
            admin: AdminConfig {
                uids: Vec::new(),
                populations: Vec::new(),
                platform: Vec::new(),
                reload_seconds: 2,
            },
            sms: SmsConfig {
                url: String::new(),
                user: String::new(),
                password: Secret::default(),
                account: String::new(),
                sender_uids: Vec::new(),
                sender_populations: Vec::new(),
                approver_uids: Vec::new(),
                approver_populations: Vec::new(),
                populations: Vec::new(),
                approval_over: 50,
                phone_attribute: "mobile".into(),
                max_chars: 320,
                max_recipients: 5000,
                timeout_ms: 5000,
            },
            statistics: StatisticsConfig {
                enabled: true,
                min_count: 5,
                keep_days: 400,
                flush_seconds: 10,
            },
            demo: DemoConfig {
                enabled: false,
                directory: "demo/directory.ldif".into(),
                personas: Vec::new(),
                groups: PathBuf::new(),
            },
            log: LogConfig {
                format: LogFormat::Pretty,
                filter: "info".into(),
                access: true,
            },
            base_dir: PathBuf::from("."),
            source: "built-in defaults".into(),
        }
    }
}
