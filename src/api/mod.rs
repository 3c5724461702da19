//! The RunCloud API client: one method per endpoint the extension uses.
//! Status codes decide outcomes; RunCloud's message text never does.

pub mod decode;
pub mod transport;

use crate::config::{Config, Credentials};
use crate::domain::DomainName;
use crate::error::{Error, Result};
use decode::{Domain, Page, SslCert};
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

/// What `GET {app}/ssl/advanced` said.
#[derive(Debug, Clone, PartialEq)]
pub struct SslFlags {
    /// Advanced (per-domain) mode; `None` when the answer had no such flag.
    pub advanced: Option<bool>,
    /// AutoSSL: RunCloud installs certificates for new domains by itself.
    pub auto: bool,
    /// The answer's keys, for the message when the flag is missing.
    pub seen: String,
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

pub struct RunCloud {
    transport: Transport,
    notes: std::cell::RefCell<Vec<String>>,
    /// Every form of the credentials: taken out of RunCloud's texts before they
    /// are cleaned and cut short, so no part of one survives a cut.
    secrets: Vec<crate::secret::Secret>,
    base: String,
    app_path: String,
    server_id: u64,
    app_id: u64,
    /// `Config::memory_key()`: where this worker remembers the app's domain ids.
    memory_key: String,
}

impl RunCloud {
    /// A client for one call: the deadline of `config.options.timeout` starts now.
    pub fn new(config: &Config) -> Result<RunCloud> {
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
            memory_key: config.memory_key(),
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

    /// One page of the app's domains.
    pub fn domains_page(&self, page: u64, search: Option<&str>) -> Result<Page<Domain>> {
        self.pages().fetch(page, search)
    }

    fn pages(&self) -> PageSource<'_> {
        PageSource {
            transport: &self.transport,
            app_path: &self.app_path,
            app_id: self.app_id,
            secrets: &self.secrets,
        }
    }

    /// Remembers where the names of a page live, for later finds and removes.
    fn remember(&self, domains: &[Domain]) {
        crate::app_memory::worker().record_ids(
            &self.memory_key,
            domains.iter().map(|d| (d.name.as_str(), d.id)),
        );
    }

    fn forget(&self, name: &str) {
        crate::app_memory::worker().forget_id(&self.memory_key, name);
    }

    /// Walks the pages until `stop` returns true for an item, or the list ends.
    /// `search` is sent but never trusted: the caller matches exactly. When page
    /// 1 shows that RunCloud ignored `search` and says how many pages there
    /// are, the rest are fetched several at a time, within the rate budget.
    fn walk(
        &self,
        search: Option<&str>,
        mut stop: impl FnMut(&Domain) -> bool,
    ) -> Result<Option<Domain>> {
        let mut previous_ids: Option<Vec<u64>> = None;
        let mut page = 1;
        let mut limit = MAX_PAGES;
        while page <= limit {
            let p = self.domains_page(page, search)?;
            self.note_skipped(page, &p);
            if p.items.is_empty() {
                return Ok(None);
            }
            self.remember(&p.items);
            let ids: Vec<u64> = p.items.iter().map(|d| d.id).collect();
            if previous_ids.as_ref() == Some(&ids) {
                // A server without pagination meta that answers a page past the end
                // with the last page again: that is the end of the list. Page 2
                // repeating a full page 1 is a server that ignores `page`: an error,
                // since the rest of the list cannot be read.
                let ignores_page = page == 2 && ids.len() >= PER_PAGE as usize;
                if p.last_page.is_none() && !ignores_page {
                    return Ok(None);
                }
                return Err(Error::BadResponse {
                    context: format!("listing the domains of web application {}", self.app_id),
                    status: 200,
                    message: format!(
                        "page {page} repeated the page before it; the list was not read to the end"
                    ),
                });
            }
            let search_ignored = search.is_some_and(|s| {
                let s = s.to_ascii_lowercase();
                p.items.iter().any(|d| !d.name.contains(&s))
            });
            if let Some(found) = p.items.into_iter().find(|d| stop(d)) {
                return Ok(Some(found));
            }
            let last = match p.last_page {
                Some(last) if page >= last => return Ok(None),
                Some(last) if last > MAX_KNOWN_PAGES => {
                    return Err(Error::BadResponse {
                        context: format!("listing the domains of web application {}", self.app_id),
                        status: 200,
                        message: format!(
                            "RunCloud says the list has {last} pages, more than the {MAX_KNOWN_PAGES} this extension reads; nothing was taken as missing"
                        ),
                    })
                }
                Some(last) => {
                    limit = last;
                    last
                }
                None => 0,
            };
            // The whole list is wanted, or RunCloud ignored the search: the rest at once.
            if page == 1 && (search.is_none() || search_ignored) && last > 2 {
                return self.walk_in_parallel(2..=last, search, stop);
            }
            previous_ids = Some(ids);
            page += 1;
        }
        Err(Error::BadResponse {
            context: format!("listing the domains of web application {}", self.app_id),
            status: 200,
            message: format!("the list did not end after {MAX_PAGES} pages"),
        })
    }

    /// Pages `pages` (their number known from page 1), fetched in waves of
    /// several at once, each wave checked in page order before the next starts.
    /// A wave is only as wide as the rate-limit budget allows, so a big app's
    /// first walk does not set off a storm of 429s.
    fn walk_in_parallel(
        &self,
        pages: std::ops::RangeInclusive<u64>,
        search: Option<&str>,
        mut stop: impl FnMut(&Domain) -> bool,
    ) -> Result<Option<Domain>> {
        let source = self.pages();
        let mut next = *pages.start();
        let end = *pages.end();
        while next <= end {
            let width = transport::spare_requests().map_or(MAX_PARALLEL_PAGES, |spare| {
                spare.clamp(1, MAX_PARALLEL_PAGES)
            });
            let wave: Vec<u64> = (next..=end).take(width as usize).collect();
            next += wave.len() as u64;
            let fetched: Vec<Result<Page<Domain>>> = if wave.len() == 1 {
                wave.iter().map(|&n| source.fetch(n, search)).collect()
            } else {
                std::thread::scope(|scope| {
                    let handles: Vec<_> = wave
                        .iter()
                        .map(|&n| {
                            let source = &source;
                            scope.spawn(move || source.fetch(n, search))
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| {
                            h.join().unwrap_or_else(|_| {
                                Err(Error::Internal("a page fetch panicked".into()))
                            })
                        })
                        .collect()
                })
            };
            for (n, p) in wave.iter().zip(fetched) {
                let p = p?;
                self.note_skipped(*n, &p);
                self.remember(&p.items);
                if let Some(found) = p.items.into_iter().find(|d| stop(d)) {
                    return Ok(Some(found));
                }
            }
        }
        Ok(None)
    }

    fn note_skipped(&self, page: u64, p: &Page<Domain>) {
        for why in &p.skipped {
            self.note(format!(
                "skipped an unreadable entry on page {page} of the domain list: {why}"
            ));
        }
    }

    /// The domain with exactly this name, over every page.
    pub fn find_domain(&self, name: &DomainName) -> Result<Option<Domain>> {
        // Where the name was last seen, checked: the entry must still carry this name.
        let known = crate::app_memory::worker().domain_id(&self.memory_key, name.as_str());
        if let Some(id) = known {
            match self.domain_by_id(id)? {
                Some(d) if d.name == name.as_str() => return Ok(Some(d)),
                _ => self.forget(name.as_str()),
            }
        }
        let found = self.walk(Some(name.as_str()), |d| d.name == name.as_str())?;
        // A name added in RunCloud's dashboard in Unicode may not match a punycode
        // search on RunCloud's side: look at the whole list before saying "not there".
        if found.is_none() && name.labels().any(|l| l.starts_with("xn--")) {
            return self.walk(None, |d| d.name == name.as_str());
        }
        Ok(found)
    }

    /// A wildcard domain that serves the names one level below `parent`, stored
    /// either way RunCloud may store one: the name `*.parent`, or `parent` with
    /// `wildcard: 1`.
    pub fn find_wildcard(&self, parent: &DomainName) -> Result<Option<Domain>> {
        let star = format!("*.{parent}");
        self.walk(Some(parent.as_str()), |d| {
            d.name == star || (d.wildcard && d.name == parent.as_str())
        })
    }

    /// Something worth a log line that did not stop the call (an unreadable list entry).
    pub fn note(&self, text: String) {
        let mut notes = self.notes.borrow_mut();
        if notes.len() < 20 && !notes.contains(&text) {
            notes.push(text);
        }
    }

    /// What was noted during this call, for the log.
    pub fn notes(&self) -> Vec<String> {
        self.notes.borrow().clone()
    }

    /// Every domain of the app, over every page.
    pub fn list_domains(&self) -> Result<Vec<Domain>> {
        let mut all: Vec<Domain> = Vec::new();
        self.walk(None, |d| {
            all.push(d.clone());
            false
        })?;
        // A list that shifted while it was read can show an entry twice.
        let mut seen = std::collections::HashSet::new();
        all.retain(|d| seen.insert(d.id));
        Ok(all)
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
                            Ok(Created::New(d))
                        }
                        // Created, but the answer did not say as what: ask.
                        Err(_) => match self.find_domain(name)? {
                            Some(d) => Ok(Created::New(d)),
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
                        return Ok(Created::Existing(d));
                    }
                    return Err(api_error(resp, &ctx, None, &self.secrets));
                }
                (answer, _) => answer == PostAnswer::Unsure,
            };
            if ambiguous {
                // It may have arrived: look before trying again.
                if let Some(d) = self.find_domain(name)? {
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
                None => return Ok(true),
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
            return Ok(false);
        }
        let deleted = self.expect_ok(resp, &ctx, None).map(|_| true);
        if deleted.is_ok() {
            self.forget(&domain.name);
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

    /// `GET {app}/ssl`: the basic certificate, or `None` when none is installed.
    pub fn ssl(&self) -> Result<Option<SslCert>> {
        let ctx = format!("reading the SSL state of web application {}", self.app_id);
        Ok(self
            .get_app_json_or_absent("/ssl", &ctx)?
            .as_ref()
            .and_then(decode::ssl_cert))
    }

    /// `GET {app}/ssl/advanced`: the app's SSL mode flags. A 404 (an API without
    /// the endpoint) means basic; an answer without the mode flag says so, with what it had.
    pub fn advanced_ssl(&self) -> Result<SslFlags> {
        let ctx = format!("reading the SSL mode of web application {}", self.app_id);
        let Some(v) = self.get_app_json_or_absent("/ssl/advanced", &ctx)? else {
            return Ok(SslFlags {
                advanced: Some(false),
                auto: false,
                seen: String::new(),
            });
        };
        Ok(SslFlags {
            advanced: decode::advanced_flag(&v),
            auto: decode::auto_ssl_flag(&v),
            seen: decode::keys_of(&v),
        })
    }

    /// `PUT {app}/ssl/{id}`: re-issues the app's one certificate for all its names.
    pub fn redeploy_ssl(&self, cert: &SslCert) -> Result<()> {
        let ctx = format!(
            "redeploying the SSL certificate of web application {}",
            self.app_id
        );
        let url = format!("{}/ssl/{}", self.app_path, cert.id);
        let resp = self
            .call(Method::Put, &url, &[], None, &ctx)
            .map_err(not_repeated)?;
        let hint = match resp.status {
            502..=504 => HINT_NOT_REPEATED,
            404 => HINT_CERT_GONE,
            _ => HINT_SSL,
        };
        self.expect_ok(resp, &ctx, Some(hint)).map(|_| ())
    }

    /// `POST {app}/domains/{id}/ssl`: a Let's Encrypt certificate for one domain (advanced mode).
    pub fn issue_domain_ssl(&self, domain: &Domain) -> Result<()> {
        let ctx = format!("requesting an SSL certificate for {}", domain.name);
        let url = format!("{}/domains/{}/ssl", self.app_path, domain.id);
        let body = json!({
            "provider": "letsencrypt",
            "enableHttp": false,
            "enableHsts": false,
            "authorizationMethod": "http-01",
            "environment": "live",
        });
        // Sent again only when it surely was not acted on (429, never sent): a
        // second request after a lost answer could order a second certificate.
        let resp = self
            .call(Method::Post, &url, &[], Some(&body), &ctx)
            .map_err(not_repeated)?;
        if resp.is_success() {
            return Ok(());
        }
        let hint = if matches!(resp.status, 502..=504) {
            HINT_NOT_REPEATED
        } else {
            HINT_SSL
        };
        Err(api_error(&resp, &ctx, Some(hint), &self.secrets))
    }
}

/// Pages fetched at once in a walk of a big app that ignores `search`.
const MAX_PARALLEL_PAGES: u32 = transport::IN_FLIGHT_MAX;

/// What fetching one page needs, shareable between threads (the client's
/// notes are not).
struct PageSource<'a> {
    transport: &'a Transport,
    app_path: &'a str,
    app_id: u64,
    secrets: &'a [crate::secret::Secret],
}

impl PageSource<'_> {
    fn fetch(&self, page: u64, search: Option<&str>) -> Result<Page<Domain>> {
        let ctx = format!(
            "listing the domains of web application {} (page {page})",
            self.app_id
        );
        let mut query = vec![
            ("page", page.to_string()),
            ("perPage", PER_PAGE.to_string()),
        ];
        if let Some(s) = search {
            query.push(("search", s.to_string()));
        }
        let url = format!("{}/domains", self.app_path);
        let resp = self.transport.send(
            &Request {
                method: Method::Get,
                url: &url,
                query: &query,
                body: None,
            },
            &ctx,
        )?;
        if !resp.is_success() {
            return Err(api_error(&resp, &ctx, Some(HINT_APP), self.secrets));
        }
        let v = RunCloud::json_of(&resp, &ctx)?;
        decode::domain_page(&v, resp.status).map_err(|e| e.with_context(&ctx))
    }
}

/// A certificate request whose answer was lost is reported, never repeated blindly.
fn not_repeated(e: Error) -> Error {
    match e {
        Error::Transport { context, message } => Error::Transport {
            context,
            message: format!("{message}. {HINT_NOT_REPEATED}"),
        },
        other => other,
    }
}

const HINT_NOT_REPEATED: &str = "It may have reached RunCloud, so it was not sent again (a second request could order a second Let's Encrypt certificate): check the SSL/TLS tab in RunCloud, or call redeploy_ssl() once the cause is fixed";
const HINT_CERT_GONE: &str = "The app's certificate was replaced or removed in RunCloud since it was read: call redeploy_ssl(), which reads the current one, or install one in RunCloud (SSL/TLS tab)";
const HINT_SERVER: &str = "Check WU_RUNCLOUD_SERVER_ID: it is the number after /servers/ in the address of the server's page in RunCloud's dashboard, and the server must belong to the account of these API credentials";
const HINT_APP: &str = "Check WU_RUNCLOUD_APP_ID: it is the number after /webapplications/ in the address of the web application's page in RunCloud's dashboard, and the app must be on the server WU_RUNCLOUD_SERVER_ID";
const HINT_SSL: &str = "Let's Encrypt could not issue the certificate: every name on the app must point (DNS A/AAAA record) at this server";

fn api_error(
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
