//! Reconcile: the network's host names against the app's domain list.
//!
//! Hooks see changes as they happen; a network drifts anyway (a mapping made
//! before the integration, an action that failed for good, a rename that only
//! queued the new name, a name removed by hand in RunCloud). `sync` reads the
//! app once and plans; with `apply` it adds what is missing, a limited number
//! at a time, with one certificate update at the end. It removes only names
//! passed in `remove`: a name the network does not know may be the admin's own.

use crate::api::decode::Domain;
use crate::domain::DomainName;
use crate::error::Result;
use crate::flows::{AppFlows, Checker, NameKind, SslMode, SslOutcome, SslStatus};
use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Changes made per call when the caller does not say.
pub const DEFAULT_LIMIT: usize = 50;
/// The most changes one call makes, whatever the caller says: a call must end
/// well inside a PHP request's time.
pub const MAX_LIMIT: usize = 500;

#[derive(Clone, Debug, Default)]
pub struct SyncOptions {
    pub apply: bool,
    pub limit: usize,
    /// Exact names to remove from the app, if they are on it.
    pub remove: Vec<DomainName>,
}

/// What reading the app showed, before any change.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Network names missing from the app, in the order given.
    pub to_add: Vec<String>,
    /// Names on the app the network did not list (never removed unless asked).
    pub unknown: Vec<String>,
    /// Network names already served by the app.
    pub in_step: usize,
    /// Names not to add, with why.
    pub skipped: Vec<(String, String)>,
    /// Names asked to be removed that are on the app.
    pub to_remove: Vec<String>,
    /// Names on the app that do not point here, with what DNS says: the next
    /// renewal of a basic certificate fails on them, for every site.
    pub not_pointing: Vec<(String, String)>,
    /// Names on the app the audit had no time to check in this call.
    pub not_checked: usize,
}

#[derive(Clone, Debug, Default)]
pub struct SyncReport {
    pub plan: Plan,
    pub applied: bool,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub failed: Vec<(String, String)>,
    /// Names not added because they do not point here yet (basic mode).
    pub waiting: Vec<(String, String)>,
    /// Changes the plan still holds after this call.
    pub remaining: usize,
    /// The one certificate update after the adds, when any were made.
    pub ssl: Option<SslOutcome>,
}

/// What the app's list serves: exact names, bare names with a www twin, wildcards.
struct Served {
    names: HashSet<String>,
    twins: HashSet<String>,
    wildcards: HashSet<String>,
    primary: Option<String>,
}

impl Served {
    fn from(list: &[Domain]) -> Served {
        let mut s = Served {
            names: HashSet::new(),
            twins: HashSet::new(),
            wildcards: HashSet::new(),
            primary: None,
        };
        for d in list {
            if let Some(parent) = d.name.strip_prefix("*.") {
                s.wildcards.insert(parent.to_string());
            } else if d.wildcard {
                s.wildcards.insert(d.name.clone());
            }
            if d.www {
                s.twins.insert(d.name.clone());
            }
            if d.kind == "primary" {
                s.primary = Some(d.name.clone());
            }
            s.names.insert(d.name.clone());
        }
        s
    }

    /// Why `name` needs no add, if it does not.
    fn covers(&self, name: &DomainName) -> Option<Cover> {
        let n = name.as_str();
        if self.primary.as_deref() == Some(n) {
            return Some(Cover::Skip("the app's primary domain".into()));
        }
        if self.names.contains(n) {
            return Some(Cover::InStep);
        }
        if let Some(bare) = n.strip_prefix("www.") {
            if self.twins.contains(bare) {
                return Some(Cover::Skip(format!("served as the www twin of {bare}")));
            }
        }
        let parent = name.parent()?;
        self.wildcards
            .contains(parent.as_str())
            .then(|| Cover::Skip(format!("covered by the wildcard domain *.{parent}")))
    }
}

enum Cover {
    InStep,
    Skip(String),
}

/// Plans from the network's names and the app's list.
pub fn plan(names: &[String], list: &[Domain], remove: &[DomainName]) -> Plan {
    let served = Served::from(list);
    let mut plan = Plan::default();
    let mut known: HashSet<String> = HashSet::new();
    for raw in names {
        let name = match DomainName::parse(raw) {
            Ok(n) => n,
            Err(e) => {
                plan.skipped.push((raw.clone(), e.to_string()));
                continue;
            }
        };
        if !known.insert(name.to_string()) {
            continue; // listed twice
        }
        match served.covers(&name) {
            Some(Cover::InStep) => plan.in_step += 1,
            Some(Cover::Skip(why)) => plan.skipped.push((name.to_string(), why)),
            None => plan.to_add.push(name.to_string()),
        }
    }
    let unknown: BTreeSet<String> = list
        .iter()
        .filter(|d| d.kind != "primary" && !known.contains(&d.name))
        .map(|d| d.name.clone())
        .collect();
    plan.unknown = unknown.into_iter().collect();
    for r in remove {
        if served.primary.as_deref() == Some(r.as_str()) {
            plan.skipped.push((
                r.to_string(),
                "the app's primary domain is never removed".into(),
            ));
        } else if served.names.contains(r.as_str()) && !plan.to_remove.contains(&r.to_string()) {
            plan.to_remove.push(r.to_string());
        }
    }
    plan
}

/// Reads the app (the one failure that fails the call), plans, and with
/// `apply` makes at most `limit` changes, then updates the certificate once.
pub fn sync(flows: &AppFlows, names: &[String], options: &SyncOptions) -> Result<SyncReport> {
    // Adds queue their certificate step; this call runs it once, at its end.
    let mut config = flows.config().clone();
    config.options.ssl_batch = crate::config::SslBatch::Request;
    let batched = AppFlows::new(&config, flows.worker())?;
    let report = sync_batched(&batched, names, options);
    for note in batched.notes() {
        flows.api().note(note);
    }
    report
}

fn sync_batched(mapping: &AppFlows, names: &[String], options: &SyncOptions) -> Result<SyncReport> {
    let list = mapping.list()?;
    let mut plan = plan(names, &list, &options.remove);
    // The audit of the app's names runs beside the changes, on its own time.
    let checker = match mapping.checker() {
        Ok(Some(c)) => Some(c),
        _ => None,
    };
    let audited: Vec<DomainName> = list
        .iter()
        .filter(|d| !d.wildcard && !d.name.starts_with("*."))
        .filter_map(|d| DomainName::parse(&d.name).ok())
        .collect();
    let mut report = SyncReport {
        remaining: plan.to_add.len() + plan.to_remove.len(),
        applied: options.apply,
        ..SyncReport::default()
    };
    let (not_pointing, not_checked) = std::thread::scope(|scope| {
        let audit = scope.spawn(|| match &checker {
            Some(c) => audit(c, &audited, AUDIT_BUDGET),
            // Not checked (turned off, no server address): nothing to say of any name.
            None => (Vec::new(), 0),
        });
        if options.apply {
            apply(mapping, &plan, options, &mut report);
        }
        audit.join().unwrap_or_else(|_| (Vec::new(), audited.len()))
    });
    plan.not_pointing = not_pointing;
    plan.not_checked = not_checked;
    report.plan = plan;
    if options.apply {
        report.remaining = report.plan.to_add.len() + report.plan.to_remove.len()
            - report.added.len()
            - report.removed.len()
            - report.waiting.len();
        report.ssl = run_owed(mapping);
    }
    Ok(report)
}

/// The least time an add is started with: it needs a few round trips (at
/// most a quarter of the call's `timeout`).
const TIME_FOR_AN_ADD: Duration = Duration::from_secs(3);

/// With `apply`: at most `limit` changes, removals first. A name that waits
/// for DNS does not use up the limit (it changed nothing), and one the
/// waiting list already holds, not yet due, is not looked at again here (the
/// waiting list looks at it on its own schedule), so every chunk makes
/// progress. No add starts without the time in the call to finish it.
fn apply(mapping: &AppFlows, plan: &Plan, options: &SyncOptions, report: &mut SyncReport) {
    let limit = options.limit.clamp(1, MAX_LIMIT);
    let mut done = 0;
    for name in &plan.to_remove {
        if done >= limit {
            break;
        }
        done += 1;
        let result = DomainName::parse(name).and_then(|n| mapping.remove(&n));
        match result {
            Ok(_) => report.removed.push(name.clone()),
            Err(e) => report.failed.push((name.clone(), e.to_string())),
        }
    }
    // A short `timeout` (a test's, a fast network's) leaves each add its share.
    let time_for_an_add = TIME_FOR_AN_ADD.min(mapping.config().options.timeout / 4);
    let now = crate::clock::now();
    let waiting_now: Vec<crate::waiting::Waiting> = mapping
        .waiting_names()
        .into_iter()
        .filter(|w| w.due > now)
        .collect();
    // Three failures in a row that may pass: RunCloud is struggling; end this
    // chunk rather than spend the rest of the limit on timeouts.
    let mut struggling = 0;
    for name in &plan.to_add {
        if let Some(w) = waiting_now.iter().find(|w| &w.name == name) {
            report.waiting.push((
                name.clone(),
                format!(
                    "{name} waits for its DNS to point here; it is looked at again at {}",
                    crate::le_limits::utc(w.due)
                ),
            ));
            continue;
        }
        if done >= limit || struggling >= 3 || mapping.api().time_left() < time_for_an_add {
            break;
        }
        let result =
            DomainName::parse(name).and_then(|n| mapping.add_checked(&n, NameKind::Mapped));
        struggling = match &result {
            Err(e) if e.is_transient() => struggling + 1,
            _ => 0,
        };
        match result {
            Ok(o) if o.ssl.status == SslStatus::WaitingDns && o.id.is_none() => {
                report.waiting.push((name.clone(), o.ssl.message));
                continue;
            }
            // Not added: the app's one certificate has no room for it.
            Ok(o) if o.ssl.status == SslStatus::CertificateFull => {
                report.failed.push((name.clone(), o.ssl.message));
            }
            Ok(o) if o.ssl.status == SslStatus::Failed => {
                report.added.push(name.clone());
                report.failed.push((name.clone(), o.ssl.message));
            }
            Ok(_) => report.added.push(name.clone()),
            Err(e) => report.failed.push((name.clone(), e.to_string())),
        }
        done += 1;
    }
}

/// How many names the audit checks at once: a name whose nameserver never
/// answers holds one of them for its whole DNS timeout, not the others.
const AUDIT_AT_ONCE: usize = 32;
/// The audit's own time in a call, beside the changes (not taken from them).
const AUDIT_BUDGET: Duration = Duration::from_secs(10);

/// The names (wildcards aside: they need DNS-01, not ours to judge) that do
/// not point here, checked several at a time for at most `budget`; and how
/// many were not checked in that time.
fn audit(
    checker: &Checker,
    names: &[DomainName],
    budget: Duration,
) -> (Vec<(String, String)>, usize) {
    let until = Instant::now() + budget;
    // Each call starts somewhere else in the list, so that names left
    // unchecked when the time ran out are checked by a later call.
    let start = (crate::clock::now() / 10) as usize % names.len().max(1);
    let next = AtomicUsize::new(0);
    let checked = AtomicUsize::new(0);
    let found = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..AUDIT_AT_ONCE.min(names.len()) {
            scope.spawn(|| {
                while Instant::now() < until {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= names.len() {
                        break;
                    }
                    let Some(name) = names.get((start + i) % names.len()) else {
                        break;
                    };
                    let check = checker.check(name);
                    checked.fetch_add(1, Ordering::Relaxed);
                    if !check.pointing.points() {
                        crate::lock(&found).push((name.to_string(), check.message));
                    }
                }
            });
        }
    });
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    found.sort();
    (found, names.len().saturating_sub(checked.into_inner()))
}

/// The certificate redeploy this sync's adds queued, run now.
fn run_owed(flows: &AppFlows) -> Option<SslOutcome> {
    // Only this app's: redeploys owed by the request's other adds stay owed to its end.
    let owed = flows.worker().batch().take(&flows.config().memory_key())?;
    Some(match flows.redeploy_owed(&owed) {
        Ok(o) => o,
        Err(e) => SslOutcome {
            mode: SslMode::Basic,
            status: SslStatus::Failed,
            message: e.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn d(id: u64, name: &str, kind: &str, www: bool, wildcard: bool) -> Domain {
        Domain {
            id,
            name: name.into(),
            kind: kind.into(),
            www,
            wildcard,
            raw: Map::new(),
        }
    }

    #[test]
    fn the_plan_sorts_every_name_and_never_plans_a_removal_unasked() {
        let list = vec![
            d(1, "network.test", "primary", false, false),
            d(2, "shop.com", "alias", true, false),
            d(3, "*.sites.test", "alias", false, false),
            d(4, "wild.test", "alias", false, true),
            d(5, "admins-own.com", "alias", false, false),
            d(6, "old-name.com", "alias", false, false),
        ];
        let names: Vec<String> = [
            "shop.com",
            "Shop.COM",
            "www.shop.com",
            "alice.sites.test",
            "bob.wild.test",
            "network.test",
            "new.com",
            "bad name",
            "later.org",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let remove = vec![
            DomainName::parse("old-name.com").expect("n"),
            DomainName::parse("network.test").expect("n"),
        ];
        let p = plan(&names, &list, &remove);
        assert_eq!(p.to_add, ["new.com", "later.org"]);
        assert_eq!(p.in_step, 1, "shop.com, once");
        let why = |n: &str| {
            p.skipped
                .iter()
                .find(|(s, _)| s == n)
                .map(|(_, w)| w.clone())
                .unwrap_or_default()
        };
        assert!(why("www.shop.com").contains("www twin of shop.com"));
        assert!(why("alice.sites.test").contains("*.sites.test"));
        assert!(why("bob.wild.test").contains("*.wild.test"));
        assert!(why("network.test").contains("primary"));
        assert!(!why("bad name").is_empty());
        assert_eq!(
            p.unknown,
            [
                "*.sites.test",
                "admins-own.com",
                "old-name.com",
                "wild.test"
            ]
        );
        assert_eq!(
            p.to_remove,
            ["old-name.com"],
            "only what was asked, never the primary"
        );
    }
}
