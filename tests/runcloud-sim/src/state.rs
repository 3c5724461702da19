//! The simulated RunCloud account: servers, web apps, domains and SSL, and the
//! API routes over them, as `runcloud-api.md` describes them.

use crate::http::{HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const SEED_SERVER: u64 = 101;
pub const SEED_APP: u64 = 201;
pub const SEED_PRIMARY: &str = "network.test";

#[derive(Debug, Clone)]
pub struct SimDomain {
    pub id: u64,
    pub name: String,
    pub kind: String,
    pub www: bool,
    pub redirection: String,
    pub wildcard: bool,
    /// The per-domain certificate (advanced mode).
    pub ssl_id: Option<u64>,
}

impl SimDomain {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "type": self.kind,
            "www": u8::from(self.www),
            "redirection": self.redirection,
            "wildcard": u8::from(self.wildcard),
            "dns_integration": "none",
            "status": null,
            "created_at": "2026-01-02 03:04:05",
        })
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub id: u64,
    pub name: String,
    pub domains: Vec<SimDomain>,
    /// The basic certificate's ID, when one is installed.
    pub ssl_id: Option<u64>,
    pub advanced_ssl: bool,
    /// AutoSSL (with advanced SSL): RunCloud installs new domains' certificates itself.
    pub auto_ssl: bool,
    /// `GET ssl/advanced` answers without the mode flag (a shape the docs leave open).
    pub unflagged: bool,
    pub redeploys: u64,
    /// Certificate orders Let's Encrypt refused (a name did not point here).
    pub refused_orders: u64,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub id: u64,
    pub name: String,
    pub apps: BTreeMap<u64, App>,
}

/// How list answers describe their pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaginationStyle {
    /// `meta.pagination.total_pages` as documented.
    Standard,
    /// `meta.lastPage` as some v3 lists may send.
    LastPage,
    /// No meta at all: the client must stop on an empty page.
    None,
    /// Every page is page 1 and no meta: a broken list that never ends.
    Repeat,
    /// No meta, and a page past the end answers with the last page again.
    RepeatLast,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub servers: BTreeMap<u64, Server>,
    /// Where names point, for the DNS server and the Let's Encrypt model.
    pub dns: crate::dns::Dns,
    /// Let's Encrypt's limits, shared by every app's orders.
    pub le: crate::letsencrypt::LetsEncrypt,
    next_id: u64,
}

impl Account {
    /// One server with one app whose primary domain is network.test, basic SSL installed.
    pub fn seed() -> Account {
        let mut a = Account {
            servers: BTreeMap::new(),
            dns: crate::dns::Dns::default(),
            le: crate::letsencrypt::LetsEncrypt::default(),
            next_id: 1000,
        };
        a.add_app(
            SEED_SERVER,
            SEED_APP,
            "network",
            SEED_PRIMARY,
            false,
            "basic",
        );
        a
    }

    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Creates (or replaces) an app with its primary domain and SSL mode.
    pub fn add_app(
        &mut self,
        server_id: u64,
        app_id: u64,
        name: &str,
        primary: &str,
        wildcard: bool,
        ssl: &str,
    ) {
        let primary_id = self.next_id();
        let ssl_id = if ssl == "none" {
            None
        } else {
            Some(self.next_id())
        };
        let server = self.servers.entry(server_id).or_insert_with(|| Server {
            id: server_id,
            name: format!("web-{server_id}"),
            apps: BTreeMap::new(),
        });
        server.apps.insert(
            app_id,
            App {
                id: app_id,
                name: name.to_string(),
                domains: vec![SimDomain {
                    id: primary_id,
                    name: primary.to_string(),
                    kind: "primary".into(),
                    www: false,
                    redirection: "none".into(),
                    wildcard,
                    ssl_id: None,
                }],
                ssl_id,
                advanced_ssl: matches!(ssl, "advanced" | "autossl"),
                auto_ssl: ssl == "autossl",
                unflagged: ssl == "unflagged",
                redeploys: 0,
                refused_orders: 0,
            },
        );
    }

    pub fn app_mut(&mut self, server_id: u64, app_id: u64) -> Option<&mut App> {
        self.servers.get_mut(&server_id)?.apps.get_mut(&app_id)
    }

    pub fn add_domain(
        &mut self,
        server_id: u64,
        app_id: u64,
        name: &str,
        wildcard: bool,
    ) -> Option<u64> {
        let id = self.next_id();
        let app = self.app_mut(server_id, app_id)?;
        app.domains.push(SimDomain {
            id,
            name: name.to_string(),
            kind: "alias".into(),
            www: false,
            redirection: "none".into(),
            wildcard,
            ssl_id: None,
        });
        Some(id)
    }
}

/// Behaviour switches of the API routes.
#[derive(Debug, Clone)]
pub struct Behaviour {
    pub ignore_search: bool,
    /// Lists come newest first (RunCloud's order is unknown).
    pub newest_first: bool,
    pub pagination: PaginationStyle,
    /// Writes answer 403, as for an API user without permission.
    pub read_only: bool,
}

fn not_found(what: &str) -> HttpResponse {
    HttpResponse::json(404, &json!({ "message": format!("{what} not found") }))
}

fn invalid(field: &str, message: &str) -> HttpResponse {
    HttpResponse::json(
        422,
        &json!({ "message": "The given data was invalid.", "errors": { field: [message] } }),
    )
}

/// The first name of the entry Let's Encrypt cannot validate: the name, or
/// its www twin, does not point at the server (the simulator's DNS table).
/// The names an entry puts on a certificate: its own, and its www twin.
fn certificate_names(d: &SimDomain) -> Vec<String> {
    let mut n = vec![d.name.clone()];
    if d.www {
        n.push(format!("www.{}", d.name));
    }
    n
}

/// The first name of the entry that Let's Encrypt would refuse: it does not
/// lead here (AAAA first), or its CAA set forbids Let's Encrypt.
fn fails_validation(dns: &crate::dns::Dns, d: &SimDomain) -> Option<String> {
    let fails = |n: &str| !dns.points_here(n) || !dns.caa_allows(n);
    if fails(&d.name) {
        return Some(d.name.clone());
    }
    let twin = format!("www.{}", d.name);
    (d.www && fails(&twin)).then_some(twin)
}

fn valid_host(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.contains('.')
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// Routes an authenticated API request (path already stripped of `/api/vN`).
pub fn route(
    account: &mut Account,
    behaviour: &Behaviour,
    req: &HttpRequest,
    version: &str,
) -> HttpResponse {
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let m = req.method.as_str();
    let write = m != "GET";
    if write && behaviour.read_only {
        return HttpResponse::json(403, &json!({ "message": "This action is unauthorized." }));
    }
    match segs.as_slice() {
        ["ping"] if m == "GET" => HttpResponse::json(200, &json!({ "message": "pong" })),
        ["servers", sid] if m == "GET" => match sid
            .parse::<u64>()
            .ok()
            .and_then(|s| account.servers.get(&s))
        {
            Some(s) => {
                let mut v = json!({ "id": s.id, "name": s.name, "ipAddress": account.dns.server_ip.to_string(), "online": true, "connected": true });
                // A server whose address RunCloud does not give (tests set 0.0.0.0 for it).
                if account.dns.server_ip.is_unspecified() {
                    if let Some(o) = v.as_object_mut() {
                        o.remove("ipAddress");
                    }
                }
                HttpResponse::json(200, &v)
            }
            None => not_found("Server"),
        },
        ["servers", sid, "webapps", aid, rest @ ..] => {
            let app = match (sid.parse::<u64>(), aid.parse::<u64>()) {
                (Ok(s), Ok(a)) => account
                    .servers
                    .get(&s)
                    .and_then(|srv| srv.apps.get(&a))
                    .map(|_| (s, a)),
                _ => None,
            };
            let Some((s, a)) = app else {
                return not_found(if account.servers.contains_key(&sid.parse().unwrap_or(0)) {
                    "Web application"
                } else {
                    "Server"
                });
            };
            app_route(account, behaviour, req, version, s, a, rest)
        }
        _ => HttpResponse::json(404, &json!({ "message": "Not found" })),
    }
}

fn app_route(
    account: &mut Account,
    behaviour: &Behaviour,
    req: &HttpRequest,
    version: &str,
    server_id: u64,
    app_id: u64,
    rest: &[&str],
) -> HttpResponse {
    let m = req.method.as_str();
    let new_id = account.next_id();
    let dns = account.dns.clone();
    let le = &mut account.le;
    let Some(app) = account
        .servers
        .get_mut(&server_id)
        .and_then(|s| s.apps.get_mut(&app_id))
    else {
        return not_found("Web application");
    };
    match rest {
        [] if m == "GET" => HttpResponse::json(
            200,
            &json!({ "id": app.id, "name": app.name, "rootPath": format!("/home/runcloud/webapps/{}", app.name),
                     "publicPath": "/", "phpVersion": "php82rc", "stack": "hybrid" }),
        ),
        ["domains"] if m == "GET" => list_domains(app, behaviour, req, version),
        ["domains"] if m == "POST" => create_domain(app, req, new_id),
        ["domains", did] if m == "GET" => match find(app, did).and_then(|i| app.domains.get(i)) {
            Some(d) => HttpResponse::json(200, &d.to_json()),
            None => not_found("Domain"),
        },
        ["domains", did] if m == "DELETE" => match find(app, did) {
            Some(i) if app.domains.get(i).is_some_and(|d| d.kind == "primary") => {
                HttpResponse::json(
                    422,
                    &json!({ "message": "The primary domain cannot be deleted." }),
                )
            }
            Some(i) => {
                let d = app.domains.remove(i);
                HttpResponse::json(200, &d.to_json())
            }
            None => not_found("Domain"),
        },
        ["ssl"] if m == "GET" => match app.ssl_id {
            // Each order issues a new certificate with a later end, as Let's Encrypt does.
            Some(id) if !app.advanced_ssl => HttpResponse::json(
                200,
                &json!({ "id": id, "method": "letsencrypt",
                         "validUntil": format!("2027-02-01 {:02}:{:02}:00", (app.redeploys / 60) % 24, app.redeploys % 60),
                         "renewalDate": format!("2027-01-02 {:02}:{:02}:00", (app.redeploys / 60) % 24, app.redeploys % 60),
                         "enableHttp": false, "enableHsts": false, "authorizationMethod": "http-01" }),
            ),
            _ => HttpResponse::json(200, &json!({ "message": "SSL not installed!" })),
        },
        ["ssl", "advanced"] if m == "GET" && app.unflagged => {
            HttpResponse::json(200, &json!({ "sslCertificate": null }))
        }
        ["ssl", "advanced"] if m == "GET" => HttpResponse::json(
            200,
            &json!({ "advancedSSL": app.advanced_ssl, "autoSSL": app.auto_ssl }),
        ),
        // The mode switch (documented; its answer's shape is not): both flags
        // required as booleans, as RunCloud's validation would.
        ["ssl", "advanced"] if m == "POST" => {
            let body = serde_json::from_slice::<Value>(&req.body).unwrap_or(Value::Null);
            let (Some(advanced), Some(auto)) = (
                body.get("advancedSSL").and_then(Value::as_bool),
                body.get("autoSSL").and_then(Value::as_bool),
            ) else {
                return invalid("advancedSSL", "The advanced s s l field is required.");
            };
            app.advanced_ssl = advanced || auto;
            app.auto_ssl = auto;
            HttpResponse::json(
                200,
                &json!({ "advancedSSL": app.advanced_ssl, "autoSSL": app.auto_ssl }),
            )
        }
        ["ssl", sid] if m == "PUT" => {
            if app.ssl_id.map(|id| id.to_string()).as_deref() != Some(*sid) || app.advanced_ssl {
                return not_found("SSL certificate");
            }
            // One certificate for every name of the app, www twins included; Let's
            // Encrypt refuses the whole order when any one name fails, or a limit is met.
            let names: Vec<String> = app.domains.iter().flat_map(certificate_names).collect();
            let bad = app.domains.iter().find_map(|d| fails_validation(&dns, d));
            if let Err(why) = le.order(&names, bad) {
                app.refused_orders += 1;
                return HttpResponse::json(422, &json!({ "message": why }));
            }
            app.redeploys += 1;
            HttpResponse::json(200, &json!({ "id": app.ssl_id, "method": "letsencrypt" }))
        }
        ["domains", did, "ssl"] if m == "POST" => {
            if app.auto_ssl {
                return HttpResponse::json(
                    422,
                    &json!({ "message": "AutoSSL manages the certificates of this web application." }),
                );
            }
            if !app.advanced_ssl {
                return HttpResponse::json(
                    422,
                    &json!({ "message": "Advanced SSL is not enabled for this web application." }),
                );
            }
            let Some(i) = find(app, did) else {
                return not_found("Domain");
            };
            let bad = app.domains.get(i).and_then(|d| fails_validation(&dns, d));
            let names = app
                .domains
                .get(i)
                .map(certificate_names)
                .unwrap_or_default();
            if let Err(why) = le.order(&names, bad) {
                app.refused_orders += 1;
                return HttpResponse::json(422, &json!({ "message": why }));
            }
            if let Some(d) = app.domains.get_mut(i) {
                d.ssl_id = Some(new_id);
            }
            HttpResponse::json(200, &json!({ "id": new_id, "provider": "letsencrypt" }))
        }
        ["domains", did, "ssl"] if m == "GET" => {
            match find(app, did).and_then(|i| app.domains.get(i)) {
                Some(d) => match d.ssl_id {
                    Some(id) => HttpResponse::json(
                        200,
                        &json!({ "id": id, "provider": "letsencrypt", "method": "letsencrypt",
                             "validUntil": "2027-02-01 00:00:00", "renewalDate": "2027-01-02 00:00:00" }),
                    ),
                    None => not_found("SSL certificate"),
                },
                None => not_found("Domain"),
            }
        }
        ["domains", did, "ssl", _sid] if m == "PUT" => match find(app, did)
            .and_then(|i| app.domains.get(i))
        {
            Some(d) if d.ssl_id.is_some() => HttpResponse::json(200, &json!({ "id": d.ssl_id })),
            _ => not_found("SSL certificate"),
        },
        _ => HttpResponse::json(405, &json!({ "message": "Method not allowed" })),
    }
}

fn find(app: &App, did: &str) -> Option<usize> {
    let id: u64 = did.parse().ok()?;
    app.domains.iter().position(|d| d.id == id)
}

fn list_domains(
    app: &App,
    behaviour: &Behaviour,
    req: &HttpRequest,
    version: &str,
) -> HttpResponse {
    let default_per_page = if version == "v3" { 20 } else { 15 };
    let per_page = req
        .query_param("perPage")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default_per_page)
        .min(40);
    let mut page = req
        .query_param("page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    if behaviour.pagination == PaginationStyle::Repeat {
        page = 1;
    }
    let matching: Vec<&SimDomain> = match req.query_param("search") {
        Some(s) if !behaviour.ignore_search && !s.is_empty() => {
            app.domains.iter().filter(|d| d.name.contains(s)).collect()
        }
        _ => app.domains.iter().collect(),
    };
    let matching: Vec<&SimDomain> = if behaviour.newest_first {
        matching.into_iter().rev().collect()
    } else {
        matching
    };
    let total = matching.len();
    let total_pages = total.div_ceil(per_page).max(1);
    if behaviour.pagination == PaginationStyle::RepeatLast {
        page = page.min(total_pages);
    }
    let items: Vec<Value> = matching
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|d| d.to_json())
        .collect();
    let count = items.len();
    let meta = match behaviour.pagination {
        PaginationStyle::Standard => json!({ "pagination": {
            "total": total, "count": count, "per_page": per_page, "current_page": page,
            "total_pages": total_pages, "links": {} } }),
        PaginationStyle::LastPage => {
            json!({ "currentPage": page, "lastPage": total_pages, "perPage": per_page, "total": total })
        }
        PaginationStyle::None | PaginationStyle::Repeat | PaginationStyle::RepeatLast => {
            Value::Null
        }
    };
    let mut body = json!({ "data": items });
    if !meta.is_null() {
        if let Some(o) = body.as_object_mut() {
            o.insert("meta".into(), meta);
        }
    }
    HttpResponse::json(200, &body)
}

fn create_domain(app: &mut App, req: &HttpRequest, new_id: u64) -> HttpResponse {
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return invalid("name", "The name field is required.");
    };
    let Some(name) = body.get("name").and_then(Value::as_str) else {
        return invalid("name", "The name field is required.");
    };
    if !valid_host(name) {
        return invalid("name", "The name format is invalid.");
    }
    if app.domains.iter().any(|d| d.name == name) {
        return invalid("name", "The name has already been taken.");
    }
    // A www twin is `www: 1` on the bare name: its www. name is taken too.
    if let Some(bare) = name.strip_prefix("www.") {
        if app.domains.iter().any(|d| d.name == bare && d.www) {
            return invalid("name", "The name has already been taken.");
        }
    }
    let www = body.get("www").and_then(Value::as_bool).unwrap_or(false);
    let redirection = body
        .get("redirection")
        .and_then(Value::as_str)
        .unwrap_or("none");
    if !matches!(redirection, "none" | "www" | "non-www") {
        return invalid("redirection", "The selected redirection is invalid.");
    }
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("alias");
    if !matches!(kind, "alias" | "redirect") {
        return invalid("type", "The selected type is invalid.");
    }
    let d = SimDomain {
        id: new_id,
        name: name.to_string(),
        kind: kind.to_string(),
        www,
        redirection: redirection.to_string(),
        wildcard: false,
        // AutoSSL installs the new domain's certificate by itself.
        ssl_id: app.auto_ssl.then_some(new_id),
    };
    let out = d.to_json();
    app.domains.push(d);
    HttpResponse::json(200, &out)
}
