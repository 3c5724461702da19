//! Reading the app's domain list: one name by search (never trusted: matched
//! exactly), by a remembered id, or every page, several at a time when
//! RunCloud ignores `search` on a big app.

use super::decode::{self, Domain, Page};
use super::transport::{Method, Request, Transport};
use super::{api_error, RunCloud, HINT_APP, MAX_KNOWN_PAGES, MAX_PAGES, PER_PAGE};
use crate::domain::DomainName;
use crate::error::{Error, Result};

impl RunCloud<'_> {
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
    pub(super) fn remember(&self, domains: &[Domain]) {
        self.ids.record(
            &self.app_key,
            &mut domains.iter().map(|d| (d.name.as_str(), d.id)),
        );
    }

    pub(super) fn forget(&self, name: &str) {
        self.ids.forget(&self.app_key, name);
    }

    /// Walks the pages until `stop` returns true for an item, or the list ends.
    /// `search` is sent but never trusted: the caller matches exactly. When page
    /// 1 shows that RunCloud ignored `search` and says how many pages there
    /// are, the rest are fetched several at a time, within the rate budget.
    fn walk(
        &self,
        search: Option<&str>,
        stop: impl FnMut(&Domain) -> bool,
    ) -> Result<Option<Domain>> {
        self.walk_from(None, search, stop)
    }

    /// `walk`, with page 1 already fetched (`first`) when the caller has it.
    fn walk_from(
        &self,
        mut first: Option<Page<Domain>>,
        search: Option<&str>,
        mut stop: impl FnMut(&Domain) -> bool,
    ) -> Result<Option<Domain>> {
        let mut previous_ids: Option<Vec<u64>> = None;
        let mut page = 1;
        let mut limit = MAX_PAGES;
        while page <= limit {
            let p = match first.take() {
                Some(p) if page == 1 => p,
                _ => self.domains_page(page, search)?,
            };
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
            let width = super::spare_requests().map_or(MAX_PARALLEL_PAGES, |spare| {
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
        if let Some(d) = self.domain_at_known_id(name)? {
            return Ok(Some(d));
        }
        // Where the index says it is, checked by one GET; "not listed" proves nothing.
        let listed = self
            .index
            .load(crate::clock::now())
            .and_then(|s| s.rows.into_iter().find(|r| r.name == name.as_str()));
        if let Some(row) = listed {
            match self.domain_by_id(row.id)? {
                Some(d) if d.name == name.as_str() => {
                    self.remember(std::slice::from_ref(&d));
                    return Ok(Some(d));
                }
                _ => self.index.removed(row.id),
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

    /// The entry where this worker last saw `name`, checked to still carry
    /// it (one GET); `None` when the worker knows no id for it or the entry
    /// has changed (then forgotten).
    pub fn domain_at_known_id(&self, name: &DomainName) -> Result<Option<Domain>> {
        let Some(id) = self.ids.id_of(&self.app_key, name.as_str()) else {
            return Ok(None);
        };
        match self.domain_by_id(id)? {
            Some(d) if d.name == name.as_str() => Ok(Some(d)),
            _ => {
                self.forget(name.as_str());
                Ok(None)
            }
        }
    }

    /// A wildcard domain that serves the names one level below `parent`, stored
    /// either way RunCloud may store one: the name `*.parent`, or `parent` with
    /// `wildcard: 1`.
    ///
    /// In O(1) requests on any app, however many names it holds under
    /// `parent`: two narrow questions at once, `search=*.parent` (only a
    /// wildcard row of the first spelling has that text) and `search=parent`,
    /// read only until the parent's own row shows its flag (the second
    /// spelling). Neither answer is trusted: a first page with a name that
    /// lacks the text asked means RunCloud ignores `search`, and the whole list
    /// is read, as before. Each question reads on while its answer has more
    /// pages, so no wildcard row is missed, whatever RunCloud's order: the
    /// cost is O(1) when the parent's row comes early (it is the oldest row
    /// of a network, and of a customer's domain), and the answer right always.
    pub fn find_wildcard(&self, parent: &DomainName) -> Result<Option<Domain>> {
        let star = format!("*.{parent}");
        let (bare, star_q) = (parent.as_str(), star.as_str());
        let is_wildcard = |d: &Domain| d.name == star || (d.wildcard && d.name == bare);
        if let Some(snap) = self.checked_index()? {
            return Ok(snap
                .rows
                .iter()
                .map(super::domain_index::Row::domain)
                .find(|d| is_wildcard(d)));
        }
        let source = self.pages();
        let (stars, parents) = std::thread::scope(|scope| {
            let asked = scope.spawn(|| source.fetch(1, Some(star_q)));
            let parents = source.fetch(1, Some(bare));
            let stars = asked
                .join()
                .unwrap_or_else(|_| Err(Error::Internal("a page fetch panicked".into())));
            (stars, parents)
        });
        let (stars, parents) = (stars?, parents?);
        for p in [&stars, &parents] {
            self.note_skipped(1, p);
            self.remember(&p.items);
        }
        if let Some(found) = stars
            .items
            .iter()
            .chain(&parents.items)
            .find(|d| is_wildcard(d))
        {
            return Ok(Some(found.clone()));
        }
        let honoured = |p: &Page<Domain>, text: &str| p.items.iter().all(|d| d.name.contains(text));
        if !honoured(&stars, star_q) || !honoured(&parents, bare) {
            // The whole list, once: it makes the index the next adds use.
            return Ok(self.list_domains()?.into_iter().find(|d| is_wildcard(d)));
        }
        if !Self::single_page(&stars) {
            if let Some(found) = self.walk(Some(star_q), |d| d.name == star)? {
                return Ok(Some(found));
            }
        }
        if parents.items.iter().any(|d| d.name == bare) || Self::single_page(&parents) {
            return Ok(None);
        }
        // The parent's row is further on (or not on the app): the whole list,
        // once, which makes the index the next adds use.
        Ok(self.list_domains()?.into_iter().find(|d| is_wildcard(d)))
    }

    /// The index of the app's list, when page 1 and the last page (read at
    /// once: one round trip) agree with it; `None` otherwise (the caller
    /// reads the list, which makes it anew).
    fn checked_index(&self) -> Result<Option<super::domain_index::Snapshot>> {
        let Some(snap) = self.index.load(crate::clock::now()) else {
            return Ok(None);
        };
        let n = snap.rows.len() as u64;
        let per_page = u64::from(PER_PAGE);
        let last = n.div_ceil(per_page).max(1);
        let source = self.pages();
        let (first, tail) = std::thread::scope(|scope| {
            let tail = (last > 1).then(|| scope.spawn(|| source.fetch(last, None)));
            let first = source.fetch(1, None);
            let tail = tail.map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Internal("a page fetch panicked".into())))
            });
            (first, tail)
        });
        let first = first?;
        let tail = tail.transpose()?;
        let known = |p: &Page<Domain>| p.items.iter().all(|d| snap.rows.iter().any(|r| r.is(d)));
        let pages_agree = match (first.total, first.last_page) {
            (Some(total), _) => total == n,
            (None, Some(l)) => l == last,
            (None, None) => false,
        };
        let tail_agrees = tail
            .as_ref()
            .is_none_or(|t| known(t) && t.items.len() as u64 == n - (last - 1) * per_page);
        if pages_agree && known(&first) && tail_agrees {
            self.remember(&first.items);
            Ok(Some(snap))
        } else {
            Ok(None)
        }
    }

    /// Whether page 1 was the whole answer.
    fn single_page(p: &Page<Domain>) -> bool {
        p.last_page
            .map_or(p.items.len() < PER_PAGE as usize, |last| last <= 1)
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

    /// Every domain of the app when it has at most `max` entries; `None` when
    /// it has more, known from page 1's page count or by reading no further
    /// than the entry past `max`: a few pages, however big the app.
    pub fn list_domains_within(&self, max: usize) -> Result<Option<Vec<Domain>>> {
        let first = self.domains_page(1, None)?;
        let per_page = first.items.len();
        if let Some(last) = first.last_page {
            // Every page before the last is as full as page 1.
            if per_page > 0 && last.saturating_sub(1) as usize * per_page >= max {
                return Ok(None);
            }
        }
        let mut all: Vec<Domain> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let over = self
            .walk_from(Some(first), None, |d| {
                if seen.insert(d.id) {
                    all.push(d.clone());
                }
                all.len() > max
            })?
            .is_some();
        Ok((!over).then_some(all))
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
        self.index.store(&all, crate::clock::now());
        Ok(all)
    }
}

/// Pages fetched at once in a walk of a big app that ignores `search`.
const MAX_PARALLEL_PAGES: u32 = super::rate_budget::IN_FLIGHT_MAX;

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
