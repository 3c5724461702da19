//! Ultimate Multisite's "test connection": the admin's troubleshooting
//! questions, in order, each answered in words.

use super::outcome::not_done;
use crate::api::{AppSsl, RunCloud};
use crate::config::{Config, RawConstants};
use crate::error::{Error, Result};

/// One line of the connection test.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionReport {
    pub ok: bool,
    pub api_version: &'static str,
    pub message: String,
    pub checks: Vec<Check>,
}

/// Ultimate Multisite's "test connection": each troubleshooting question in
/// turn, stopping at the first that fails, since later ones depend on it.
pub fn test_connection(raw: &RawConstants, options: crate::config::Options) -> ConnectionReport {
    let api_version = raw.api_version().as_str();
    let mut checks = Vec::new();
    let finish = |checks: Vec<Check>| {
        let first_bad = checks.iter().find(|c| !c.ok);
        let message = match first_bad {
            Some(c) => c.message.clone(),
            None => format!("Connected to RunCloud (API {api_version}): the server and the web application were found"),
        };
        ConnectionReport {
            ok: first_bad.is_none(),
            api_version,
            message,
            checks,
        }
    };
    let missing = raw.missing();
    if !missing.is_empty() {
        checks.push(Check {
            name: "constants",
            ok: false,
            message: format!(
                "Missing constants: {}. Define them in wp-config.php",
                missing.join(", ")
            ),
        });
        return finish(checks);
    }
    let config = match Config::from_constants(raw, options) {
        Ok(c) => c,
        Err(e) => {
            checks.push(Check {
                name: "constants",
                ok: false,
                message: e.to_string(),
            });
            return finish(checks);
        }
    };
    checks.push(Check {
        name: "constants",
        ok: true,
        message: "All constants are defined".into(),
    });
    let api = match RunCloud::new(&config) {
        Ok(api) => api,
        Err(e) => {
            checks.push(Check {
                name: "credentials",
                ok: false,
                message: e.to_string(),
            });
            return finish(checks);
        }
    };
    let api = &api;
    let step = |name: &'static str, r: Result<String>| match r {
        Ok(message) => Check {
            name,
            ok: true,
            message,
        },
        Err(e) => Check {
            name,
            ok: false,
            message: explain(name, &e, &config),
        },
    };
    let steps: [(&'static str, &dyn Fn() -> Result<String>); 3] = [
        ("credentials", &|| {
            api.ping()
                .map(|_| format!("RunCloud accepted the API {} credentials", api_version))
        }),
        ("server", &|| {
            api.server().map(|s| {
                let name = s.get("name").and_then(|v| v.as_str()).unwrap_or("?");
                format!("Server {} ({}) found", config.server_id, name)
            })
        }),
        ("webapp", &|| {
            api.webapp().map(|a| {
                let name = a.get("name").and_then(|v| v.as_str()).unwrap_or("?");
                format!(
                    "Web application {} ({}) found on server {}",
                    config.app_id, name, config.server_id
                )
            })
        }),
    ];
    for (name, run) in steps {
        let check = step(name, run());
        let ok = check.ok;
        checks.push(check);
        if !ok {
            return finish(checks);
        }
    }
    let ok = |message: String| Check {
        name: "ssl",
        ok: true,
        message,
    };
    let ssl = match api.ssl_setup(config.options.ssl) {
        Ok(AppSsl::Advanced) => {
            ok("Advanced SSL: each domain gets its own Let's Encrypt certificate".into())
        }
        Ok(AppSsl::Basic(cert)) => ok(format!(
            "Basic SSL: certificate #{} ({}{}) is redeployed when a domain is added",
            cert.id,
            cert.method.as_deref().unwrap_or("unknown method"),
            cert.valid_until
                .map(|v| format!(", valid until {v}"))
                .unwrap_or_default()
        )),
        Ok(other) => ok(not_done(&other).message),
        Err(e) => Check {
            name: "ssl",
            ok: false,
            message: explain("ssl", &e, &config),
        },
    };
    checks.push(ssl);
    // Every other app of WU_RUNCLOUD_APPS: found, with these credentials.
    for target in config.targets().iter().skip(1) {
        let check = match RunCloud::new(target).and_then(|api| api.webapp()) {
            Ok(a) => Check {
                name: "other_app",
                ok: true,
                message: format!(
                    "Web application {} ({}) found on server {}",
                    target.app_id,
                    a.get("name").and_then(|v| v.as_str()).unwrap_or("?"),
                    target.server_id
                ),
            },
            Err(e) => Check {
                name: "other_app",
                ok: false,
                message: format!("WU_RUNCLOUD_APPS: {}", explain("webapp", &e, target)),
            },
        };
        checks.push(check);
    }
    let (durable, message) = crate::state_dir::describe(config.options.state_dir.as_deref());
    checks.push(Check {
        name: "state",
        ok: durable,
        message,
    });
    finish(checks)
}

/// Turns a failed check into the answer to the admin's troubleshooting question.
fn explain(check: &str, e: &Error, config: &Config) -> String {
    let status = e.status_code();
    match (check, status) {
        (_, 401) => format!(
            "RunCloud rejected the credentials (HTTP 401). {}, and that this server's IP address is on the API allow-list if one is set",
            match config.credentials.version() {
                crate::config::ApiVersion::V3 => "Check WU_RUNCLOUD_API_TOKEN: an API v3 token is made in RunCloud under Workspace > Settings > API Management (it is shown once)",
                crate::config::ApiVersion::V2 => "Check WU_RUNCLOUD_API_KEY and WU_RUNCLOUD_API_SECRET: API v2 keys are under Settings > API Key in RunCloud, where API access must be enabled",
            }
        ),
        (_, 403) => format!("RunCloud refused access (HTTP 403). {}", crate::error::HINT_403),
        ("server", 404) => format!(
            "Server {} was not found in this RunCloud account (HTTP 404). Check WU_RUNCLOUD_SERVER_ID: it is the number after /servers/ in the server's address in RunCloud's dashboard",
            config.server_id
        ),
        ("webapp", 404) => format!(
            "Web application {} was not found on server {} (HTTP 404). Check WU_RUNCLOUD_APP_ID: it is the number after /webapplications/ in the web application's address in RunCloud's dashboard",
            config.app_id, config.server_id
        ),
        ("credentials", 0) => format!("Could not reach RunCloud at {}: {e}", config.options.api_url),
        _ => e.to_string(),
    }
}
