//! The RunCloud API client: one method per endpoint the extension uses.
//! Status codes decide outcomes; RunCloud's message text never does.

mod connections;
pub mod decode;
mod domain_index;
mod domain_list;
mod rate_budget;
mod ssl;
pub mod transport;

pub use rate_budget::{reset_rate_state, spare_requests};
pub use ssl::{ssl_setup_at_once, AppSsl, SslFlags};

use crate::config::{Config, Credentials};
use crate::domain::DomainName;
use crate::error::{Error, Result};
use decode::Domain;
use serde_json::{json, Value};
use transport::{Method, Request, Response, Transport};

/// RunCloud's documented maximum page size.
pub const PER_PAGE: u32 = 40;
/// 400 pages of 40: a stop for a list that never ends, when RunCloud does not
/// say how many pages there are.
pub const MAX_PAGES: u64 = 400;
/// When RunCloud says how many pages there are, every one is read up to this
/// many (1,000,000 names); a list said to be longer is an error, never cut short.
pub const MAX_KNOWN_PAGES: u64 = 25_000;

/// Where the client looks up and records the RunCloud ids of the names it
/// has seen, per app (`app`: `Config::memory_key()`). Kept by whoever owns the
/// worker's memory (above this layer) and lent to the client; an id from it is
/// always verified before use.
pub trait IdBook: Sync {
    fn id_of(&self, app: &str, name: &str) -> Option<u64>;
    fn record(&self, app: &str, seen: &mut dyn Iterator<Item = (&str, u64)>);
    fn forget(&self, app: &str, name: &str);
}

/// No memory of ids: every lookup walks the list.
pub struct NoIds;

impl IdBook for NoIds {
    fn id_of(&self, _: &str, _: &str) -> Option<u64> {
        None
    }
    fn record(&self, _: &str, _: &mut dyn Iterator<Item = (&str, u64)>) {}
    fn forget(&self, _: &str, _: &str) {}
}

/// What the answer to a POST says, before any lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PostAnswer {
    /// 2xx: created.
    Created,
    /// 422: refused, or the name is already there: a lookup decides.
    Refused422,
    /// No answer, or a gateway error: it may have arrived. Look before repeating.
    Unsure,
    /// Any other status or error: reported as it is.
    Failed,
}

fn post_answer(sent: &Result<Response>) -> PostAnswer {
    match sent {
        Ok(resp) if resp.is_success() => PostAnswer::Created,
        Ok(resp) if resp.status == 422 => PostAnswer::Refused422,
        Ok(resp) if matches!(resp.status, 502..=504) => PostAnswer::Unsure,
        Err(Error::Transport { .. }) => PostAnswer::Unsure,
        _ => PostAnswer::Failed,
    }
}

/// What a POST of a new domain led to.
#[derive(Debug, Clone)]
pub enum Created {
    /// RunCloud created it.
    New(Domain),
    /// It was there already (422, then found by lookup).
    Existing(Domain),
}

pub struct RunCloud<'ids> {
    transport: Transport,
    notes: std::cell::RefCell<Vec<String>>,
    /// Every form of the credentials: taken out of RunCloud's texts before they
    /// are cleaned and cut short, so no part of one survives a cut.
    secrets: Vec<crate::secret::Secret>,
    base: String,
    app_path: String,
    server_id: u64,
    app_id: u64,
    /// Where the ids of the app's names are remembered, under `app_key`.
    ids: &'ids dyn IdBook,
    app_key: String,
    /// The app's list as this server last read it (`domain_index`).
    index: domain_index::DomainIndex,
}

impl RunCloud<'static> {
    /// A client for one call that remembers no ids.
    pub fn new(config: &Config) -> Result<RunCloud<'static>> {
        RunCloud::with_ids(config, &NoIds)
    }
}

impl<'ids> RunCloud<'ids> {
    /// What is left of this call's deadline.
    pub fn time_left(&self) -> std::time::Duration {
        self.transport.remaining()
    }

    /// A client for one call: the deadline of `config.options.timeout` starts
    /// now; `ids` is where the ids of the app's names are looked up and kept.
    pub fn with_ids(config: &Config, ids: &'ids dyn IdBook) -> Result<RunCloud<'ids>> {
        let auth = match &config.credentials {
            Credentials::Basic { key, secret } => transport::Auth::Basic {
                key: key.expose().to_string(),
                secret: secret.expose().to_string(),
            },
            Credentials::Token(t) => transport::Auth::Bearer(t.expose().to_string()),
        };
        let secrets = config.credentials.secret_forms();
        let o = &config.options;
        let transport = Transport::new(
            auth,
            o.connect_timeout,
            o.ca_file.clone(),
            o.timeout,
            o.max_retries,
        )?;
        let base = config.base_url();
        // IDs are u64, so nothing but digits reaches the path.
        let app_path = format!(
            "{base}/servers/{}/webapps/{}",
            config.server_id, config.app_id
        );
        Ok(RunCloud {
            transport,
            notes: std::cell::RefCell::new(Vec::new()),
            secrets,
            base,
            app_path,
            server_id: config.server_id,
            app_id: config.app_id,
            ids,
            app_key: config.memory_key(),
            index: domain_index::DomainIndex::of(config),
        })
    }

    pub fn server_id(&self) -> u64 {
        self.server_id
    }

    pub fn app_id(&self) -> u64 {
        self.app_id
    }

    fn call(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        context: &str,
    ) -> Result<Response> {
        self.transport.send(
            &Request {
                method,
                url,
                query,
                body,
            },
            context,
        )
    }

    /// The response if 2xx, else the error RunCloud gave, with `hint` for the admin.
    fn expect_ok(
        &self,
        resp: Response,
        context: &str,
        hint: Option<&'static str>,
    ) -> Result<Response> {
        if resp.is_success() {
            return Ok(resp);
        }
        Err(api_error(&resp, context, hint, &self.secrets))
    }

    fn json_of(resp: &Response, context: &str) -> Result<Value> {
        decode::json(resp.status, &resp.body).map_err(|e| e.with_context(context))
    }

    /// `GET /ping`: are the credentials accepted?
    pub fn ping(&self) -> Result<()> {
        let ctx = "checking the API credentials";
        let resp = self.call(Method::Get, &format!("{}/ping", self.base), &[], None, ctx)?;
        self.expect_ok(resp, ctx, None).map(|_| ())
    }

    /// `GET /servers/{id}`: the server object.
    pub fn server(&self) -> Result<Value> {
        let ctx = format!("looking up server {}", self.server_id);
        let url = format!("{}/servers/{}", self.base, self.server_id);
        let resp = self.call(Method::Get, &url, &[], None, &ctx)?;
        let resp = self.expect_ok(resp, &ctx, Some(HINT_SERVER))?;
        Self::json_of(&resp, &ctx).map(decode::unwrap_data)
    }

    /// `GET {app}`: the web application object.
    pub fn webapp(&self) -> Result<Value> {
        let ctx = format!(
            "looking up web application {} on server {}",
            self.app_id, self.server_id
        );
        let resp = self.call(Method::Get, &self.app_path, &[], None, &ctx)?;
        let resp = self.expect_ok(resp, &ctx, Some(HINT_APP))?;
        Self::json_of(&resp, &ctx).map(decode::unwrap_data)
    }

    /// `POST {app}/domains`. A 422 or an answer that may have been lost is
    /// settled by a lookup, so a name is never added twice nor reported falsely.
    pub fn create_domain(&self, name: &DomainName, www: bool) -> Result<Created> {
        let ctx = format!("adding {name} to web application {}", self.app_id);
        let body = json!({
            "name": name.as_str(),
            "www": www,
            "redirection": if www { "non-www" } else { "none" },
            "type": "alias",
        });
        let url = format!("{}/domains", self.app_path);
        let mut attempt = 0;
        loop {
            // The transport repeats a POST only when it surely did not arrive.
            let sent = self.transport.send(
                &Request {
                    method: Method::Post,
                    url: &url,
                    query: &[],
                    body: Some(&body),
                },
                &ctx,
            );
            let ambiguous = match (post_answer(&sent), &sent) {
                (PostAnswer::Created, Ok(resp)) => {
                    let v = Self::json_of(resp, &ctx).map(decode::unwrap_data);
                    return match v.and_then(|v| decode::domain(&v, resp.status)) {
                        Ok(d) => {
                            self.remember(std::slice::from_ref(&d));
                            self.index.added(&d);
                            Ok(Created::New(d))
                        }
                        // Created, but the answer did not say as what: ask.
                        Err(_) => match self.find_domain(name)? {
                            Some(d) => {
                                self.index.added(&d);
                                Ok(Created::New(d))
                            }
                            None => Err(Error::BadResponse {
                                context: ctx,
                                status: resp.status,
                                message:
                                    "RunCloud said the domain was added, but it is not on the app"
                                        .into(),
                            }),
                        },
                    };
                }
                (PostAnswer::Refused422, Ok(resp)) => {
                    // Never matched on RunCloud's text: if the name is there, the add succeeded.
                    if let Some(d) = self.find_domain(name)? {
                        self.index.added(&d);
                        return Ok(Created::Existing(d));
                    }
                    return Err(api_error(resp, &ctx, None, &self.secrets));
                }
                (answer, _) => answer == PostAnswer::Unsure,
            };
            if ambiguous {
                // It may have arrived: look before trying again.
                if let Some(d) = self.find_domain(name)? {
                    self.index.added(&d);
                    return Ok(Created::New(d));
                }
                if attempt < self.transport.max_retries()
                    && self.transport.pause_before_retry(attempt, None)
                {
                    attempt += 1;
                    continue;
                }
            }
            return match sent {
                Ok(resp) => Err(api_error(&resp, &ctx, None, &self.secrets)),
                Err(e) => Err(e),
            };
        }
    }

    /// `DELETE {app}/domains/{id}`: true when deleted, false when already gone (404).
    /// When the answer is lost, the id is looked up before anything else: gone
    /// means the DELETE worked; still there under the same name, it is sent once more.
    pub fn delete_domain(&self, domain: &Domain) -> Result<bool> {
        let ctx = format!(
            "removing {} from web application {}",
            domain.name, self.app_id
        );
        let url = format!("{}/domains/{}", self.app_path, domain.id);
        let sent = self.call(Method::Delete, &url, &[], None, &ctx);
        let unsure = match &sent {
            Err(Error::Transport { .. }) => true,
            Ok(resp) => matches!(resp.status, 502..=504),
            Err(_) => false,
        };
        let resp = if unsure {
            match self.domain_by_id(domain.id)? {
                None => {
                    self.index.removed(domain.id);
                    return Ok(true);
                }
                Some(d) if d.name == domain.name => {
                    self.call(Method::Delete, &url, &[], None, &ctx)?
                }
                Some(d) => {
                    return Err(Error::Refused(format!(
                        "RunCloud domain {} is now {}, not {}: nothing was removed",
                        domain.id, d.name, domain.name
                    )))
                }
            }
        } else {
            sent?
        };
        if resp.status == 404 {
            self.forget(&domain.name);
            self.index.removed(domain.id);
            return Ok(false);
        }
        let deleted = self.expect_ok(resp, &ctx, None).map(|_| true);
        if deleted.is_ok() {
            self.forget(&domain.name);
            self.index.removed(domain.id);
        }
        deleted
    }

    /// `GET {app}/domains/{id}`: the domain with this id, or `None` when there is none.
    pub fn domain_by_id(&self, id: u64) -> Result<Option<Domain>> {
        let ctx = format!("looking up RunCloud domain {id}");
        let Some(v) = self.get_app_json_or_absent(&format!("/domains/{id}"), &ctx)? else {
            return Ok(None);
        };
        decode::domain(&v, 200)
            .map(Some)
            .map_err(|e| e.with_context(&ctx))
    }

    /// `GET {app}{suffix}`: the (unwrapped) JSON answer, or `None` on a 404.
    fn get_app_json_or_absent(&self, suffix: &str, ctx: &str) -> Result<Option<Value>> {
        let resp = self.call(
            Method::Get,
            &format!("{}{suffix}", self.app_path),
            &[],
            None,
            ctx,
        )?;
        if resp.status == 404 {
            return Ok(None);
        }
        let resp = self.expect_ok(resp, ctx, None)?;
        Self::json_of(&resp, ctx).map(|v| Some(decode::unwrap_data(v)))
    }
}

/// A certificate request whose answer was lost is reported, never repeated blindly.
pub(crate) fn not_repeated(e: Error) -> Error {
    match e {
        Error::Transport { context, message } => Error::Transport {
            context,
            message: format!("{message}. {HINT_NOT_REPEATED}"),
        },
        other => other,
    }
}

pub(crate) const HINT_NOT_REPEATED: &str = "It may have reached RunCloud, so it was not sent again (a second request could order a second Let's Encrypt certificate): check the SSL/TLS tab in RunCloud, or call redeploy_ssl() once the cause is fixed";
pub(crate) const HINT_CERT_GONE: &str = "The app's certificate was replaced or removed in RunCloud since it was read: call redeploy_ssl(), which reads the current one, or install one in RunCloud (SSL/TLS tab)";
pub(crate) const HINT_SERVER: &str = "Check WU_RUNCLOUD_SERVER_ID: it is the number after /servers/ in the address of the server's page in RunCloud's dashboard, and the server must belong to the account of these API credentials";
pub(crate) const HINT_APP: &str = "Check WU_RUNCLOUD_APP_ID: it is the number after /webapplications/ in the address of the web application's page in RunCloud's dashboard, and the app must be on the server WU_RUNCLOUD_SERVER_ID";
pub(crate) const HINT_SSL: &str = "Let's Encrypt could not issue the certificate: every name on the app must point (DNS A/AAAA record) at this server";

pub(crate) fn api_error(
    resp: &Response,
    context: &str,
    hint: Option<&'static str>,
    secrets: &[crate::secret::Secret],
) -> Error {
    let (message, errors) = decode::error_body(&resp.body, secrets);
    // A 404 on the app path means the app (or server) ID is wrong, whatever the call.
    let hint = match resp.status {
        404 => hint.or(Some(HINT_APP)),
        401 | 403 | 429 => None,
        // A server error keeps only the word that the request was not repeated.
        500..=599 => hint.filter(|h| *h == HINT_NOT_REPEATED),
        _ => hint,
    };
    Error::Api {
        context: context.to_string(),
        status: resp.status,
        message,
        errors,
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16) -> Result<Response> {
        Ok(Response {
            status,
            body: Vec::new(),
        })
    }

    #[test]
    fn a_post_answer_is_sorted_before_any_lookup() {
        for (sent, want) in [
            (answered(200), PostAnswer::Created),
            (answered(201), PostAnswer::Created),
            (answered(422), PostAnswer::Refused422),
            (answered(502), PostAnswer::Unsure),
            (answered(503), PostAnswer::Unsure),
            (answered(504), PostAnswer::Unsure),
            (answered(401), PostAnswer::Failed),
            (answered(404), PostAnswer::Failed),
            (answered(429), PostAnswer::Failed),
            (answered(500), PostAnswer::Failed),
            (
                Err(Error::Transport {
                    context: String::new(),
                    message: "lost".into(),
                }),
                PostAnswer::Unsure,
            ),
            (
                Err(Error::BadResponse {
                    context: String::new(),
                    status: 200,
                    message: "too large".into(),
                }),
                PostAnswer::Failed,
            ),
        ] {
            assert_eq!(post_answer(&sent), want, "{sent:?}");
        }
    }
}
