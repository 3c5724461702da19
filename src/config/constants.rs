//! The wp-config.php constants as PHP gave them (`RawConstants`), and the
//! credentials and API version they make.

use crate::secret::Secret;

pub const CONST_API_KEY: &str = "WU_RUNCLOUD_API_KEY";
pub const CONST_API_SECRET: &str = "WU_RUNCLOUD_API_SECRET";
pub const CONST_API_TOKEN: &str = "WU_RUNCLOUD_API_TOKEN";
pub const CONST_SERVER_ID: &str = "WU_RUNCLOUD_SERVER_ID";
pub const CONST_APP_ID: &str = "WU_RUNCLOUD_APP_ID";
/// Optional: more `server:app` pairs that every add, remove and SSL step also goes to.
pub const CONST_APPS: &str = "WU_RUNCLOUD_APPS";
/// Optional: the address(es) a name must point at to count as served here
/// (a load balancer's or floating IP); otherwise RunCloud's `ipAddress` of the server.
pub const CONST_SERVER_IP: &str = "WU_RUNCLOUD_SERVER_IP";
/// Every constant the extension reads, in the order they are shown to admins.
pub const ALL_CONSTANTS: [&str; 5] = [
    CONST_API_TOKEN,
    CONST_API_KEY,
    CONST_API_SECRET,
    CONST_SERVER_ID,
    CONST_APP_ID,
];

/// The `ConstValue::Other` kinds that PHP's `empty()` calls empty.
pub const EMPTY_KINDS: [&str; 4] = ["null", "false", "a zero float", "an empty array"];

/// A constant's value as PHP holds it.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstValue {
    Text(String),
    Int(i64),
    /// Any other type (bool, float, array...): named for the error message.
    Other(&'static str),
}

impl ConstValue {
    /// Ultimate Multisite's meaning of "set": defined and not `empty()` in PHP's
    /// sense, so `""`, `"0"`, `0`, `0.0`, `false`, `null` and `[]` are not set.
    pub fn is_set(&self) -> bool {
        match self {
            ConstValue::Text(s) => !s.is_empty() && s != "0",
            ConstValue::Int(n) => *n != 0,
            ConstValue::Other(kind) => !EMPTY_KINDS.contains(kind),
        }
    }
}

/// The five constants as read from the interpreter; `None` when not defined.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawConstants {
    pub api_key: Option<ConstValue>,
    pub api_secret: Option<ConstValue>,
    pub api_token: Option<ConstValue>,
    pub server_id: Option<ConstValue>,
    pub app_id: Option<ConstValue>,
    /// `WU_RUNCLOUD_APPS` as text (`"101:201,102:305"`); an array constant is
    /// turned into this form by the PHP layer.
    pub apps: Option<String>,
    /// `WU_RUNCLOUD_SERVER_IP` as text (addresses separated by commas or
    /// spaces); an array constant is joined by the PHP layer.
    pub server_ip: Option<String>,
    /// `DOMAIN_CURRENT_SITE`, the network's own domain, when `SUBDOMAIN_INSTALL`
    /// is true: every name below it is a site's name, whichever hook brings it.
    pub network_domain: Option<String>,
}

pub(super) fn set(v: &Option<ConstValue>) -> bool {
    v.as_ref().is_some_and(ConstValue::is_set)
}

impl RawConstants {
    /// Which API the constants select: v3 when a token is set, else v2.
    pub fn api_version(&self) -> ApiVersion {
        if set(&self.api_token) {
            ApiVersion::V3
        } else {
            ApiVersion::V2
        }
    }

    /// The constants that must still be defined (non-empty) before anything can run.
    /// With nothing set at all, the token is asked for: v3 is RunCloud's current API.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if !set(&self.api_token) {
            let key = set(&self.api_key);
            let secret = set(&self.api_secret);
            match (key, secret) {
                (true, true) => {}
                (true, false) => missing.push(CONST_API_SECRET),
                (false, true) => missing.push(CONST_API_KEY),
                (false, false) => missing.push(CONST_API_TOKEN),
            }
        }
        if !set(&self.server_id) {
            missing.push(CONST_SERVER_ID);
        }
        if !set(&self.app_id) {
            missing.push(CONST_APP_ID);
        }
        missing
    }

    /// The definedness of each constant, for phpinfo() and diagnostics: never values.
    pub fn defined(&self) -> [(&'static str, bool); 5] {
        [
            (CONST_API_TOKEN, set(&self.api_token)),
            (CONST_API_KEY, set(&self.api_key)),
            (CONST_API_SECRET, set(&self.api_secret)),
            (CONST_SERVER_ID, set(&self.server_id)),
            (CONST_APP_ID, set(&self.app_id)),
        ]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    V2,
    V3,
}

impl ApiVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2 => "v2",
            ApiVersion::V3 => "v3",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// v2: HTTP Basic with the API key and secret.
    Basic { key: Secret, secret: Secret },
    /// v3: Bearer token.
    Token(Secret),
}

impl Credentials {
    pub fn version(&self) -> ApiVersion {
        match self {
            Credentials::Basic { .. } => ApiVersion::V2,
            Credentials::Token(_) => ApiVersion::V3,
        }
    }

    /// Every form these credentials can take in a text: what redaction removes.
    pub fn secret_forms(&self) -> Vec<Secret> {
        match self {
            Credentials::Basic { key, secret } => {
                crate::secret::forms(Some(key.expose()), Some(secret.expose()), None)
            }
            Credentials::Token(t) => crate::secret::forms(None, None, Some(t.expose())),
        }
    }
}
