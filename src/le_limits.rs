//! Let's Encrypt's limits as a budget this extension keeps, so that they are
//! never hit: a ledger of the certificate orders it made (when, a digest of
//! the exact set of names, the set's registered domains), and the check every
//! order must pass against it before anything is sent.
//!
//! The limits (Let's Encrypt's published ones, see `shared/runcloud-api.md`):
//! 100 names a certificate; 50 new certificates a registered domain in 7 days
//! (an order of a set already issued is a renewal, exempt); 5 of one exact set
//! in 7 days; 5 failed validations a name an hour; 300 new orders in 3 hours.
//! They are token buckets at Let's Encrypt; a sliding window here is the
//! stricter reading, so a count that fits here fits there.
//!
//! Spacing. A steady stream of new mappings must not drain a registered
//! domain's week (a basic certificate carries the network's own domain, so
//! each of its orders counts against it). An order that is not forced waits
//! after the last order that touched the same registered domain for
//! `gap(used) = 2 · (used − 10) · WEEK / (BUDGET − 10)²` once `used`, that
//! domain's orders in the past 7 days, passes 10; `BUDGET` is the 45 kept for
//! automatic orders (5 of the 50 stay for the admin's own redeploys and for
//! RunCloud's renewals). The first ten go at once, as an admin setting up
//! expects; then the gap widens as the week is spent (10 minutes after the
//! 11th, 9.6 hours after the 44th), so a steady stream spends the last 35
//! over about a week and never runs out, and names added meanwhile share
//! the next order. A forced order (the admin's `redeploy_ssl()`) is not
//! spaced, but never passes a hard limit.

use ring::digest::{digest, SHA256};
use std::fmt::Write as _;

/// New certificates per registered domain in `WEEK`.
pub const PER_DOMAIN_A_WEEK: usize = 50;
/// Of those, kept back from automatic orders.
pub const KEPT_FOR_THE_ADMIN: usize = 5;
/// Certificates of one exact set of names in `WEEK`.
pub const PER_SET_A_WEEK: usize = 5;
/// Failed validations of a name an hour (counted here by set: a set that
/// failed holds the name that failed).
pub const FAILED_AN_HOUR: usize = 5;
/// New orders of one account in `THREE_HOURS`.
pub const ORDERS_IN_THREE_HOURS: usize = 300;

pub const WEEK: u64 = 7 * 24 * 3600;
pub const HOUR: u64 = 3600;
pub const THREE_HOURS: u64 = 3 * HOUR;

/// How long entries are kept: the longest window.
const KEPT_FOR: u64 = WEEK;

/// One order sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Unix time it was sent.
    pub at: u64,
    /// SHA-256 of the set's names (sorted, lower case), hex.
    pub set: String,
    /// The set's registered domains.
    pub domains: Vec<String>,
    /// RunCloud answered that it failed: it counts as an order and a failed
    /// validation, not as a certificate.
    pub failed: bool,
}

/// An order about to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub set: String,
    pub domains: Vec<String>,
    pub names: usize,
    /// The admin asked for it: not spaced, and may use the 5 kept back.
    pub forced: bool,
}

impl Order {
    /// The order of a certificate for `names` (host names; a `*.` wildcard
    /// counts under its parent's registered domain). `registered` gives a
    /// name's registered domain (the public suffix list, with the admin's
    /// extra suffixes).
    pub fn of(names: &[String], forced: bool, registered: impl Fn(&str) -> String) -> Order {
        let mut set: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        set.sort();
        set.dedup();
        let mut domains: Vec<String> = set
            .iter()
            .map(|n| registered(n.trim_start_matches("*.")))
            .collect();
        domains.sort();
        domains.dedup();
        Order {
            set: hex(digest(&SHA256, set.join("\n").as_bytes()).as_ref()),
            domains,
            names: set.len(),
            forced,
        }
    }
}

/// A registered domain as Let's Encrypt counts it: the public suffix list's.
pub fn registered(name: &str) -> String {
    psl::domain_str(name).unwrap_or(name).to_string()
}

/// Whether an order may go now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Go,
    /// Not before `until` (unix time); `why` names the limit.
    Wait {
        until: u64,
        why: String,
    },
    /// Never as it is (over 100 names).
    Never(String),
}

/// The check of `order` against the ledger at `now`, for certificates of at
/// most `max_names` names (the profile's: `Options::certificate_names`).
pub fn check(ledger: &[Entry], order: &Order, now: u64, max_names: usize) -> Verdict {
    if order.names > max_names {
        return Verdict::Never(format!(
            "certificate full: {} names, and Let's Encrypt puts at most {max_names} on one certificate",
            order.names
        ));
    }
    // The entries of the last `window` seconds that `keep` counts.
    let counted = |window: u64, keep: &dyn Fn(&Entry) -> bool| -> Vec<&Entry> {
        ledger
            .iter()
            .filter(|e| keep(e) && e.at + window > now)
            .collect()
    };
    let mut waits: Vec<(u64, String)> = Vec::new();
    // 5 of one set in a week.
    let same = counted(WEEK, &|e| !e.failed && e.set == order.set);
    if same.len() >= PER_SET_A_WEEK {
        waits.push(limit_wait(&same, WEEK, |at| {
            format!(
                "weekly limit, next order at {}: this exact set of names was certified {} times in 7 days, and Let's Encrypt issues at most {PER_SET_A_WEEK}",
                at,
                same.len()
            )
        }));
    }
    // Failed validations: a set that failed 4 times this hour waits (one is kept spare).
    let failed = counted(HOUR, &|e| e.failed && e.set == order.set);
    if failed.len() + 1 >= FAILED_AN_HOUR {
        waits.push(limit_wait(&failed, HOUR, |at| {
            format!(
                "hourly limit, next order at {}: this set of names failed validation {} times in the past hour, and Let's Encrypt refuses a name after {FAILED_AN_HOUR}",
                at,
                failed.len()
            )
        }));
    }
    // 300 orders in 3 hours (10 kept spare).
    let recent = counted(THREE_HOURS, &|_| true);
    if recent.len() + 10 >= ORDERS_IN_THREE_HOURS {
        waits.push(limit_wait(&recent, THREE_HOURS, |at| {
            format!(
                "3-hour limit, next order at {}: {} orders in 3 hours, and Let's Encrypt takes at most {ORDERS_IN_THREE_HOURS}",
                at,
                recent.len()
            )
        }));
    }
    // 50 a registered domain a week, unless this set was certified before (a renewal).
    let renewal = ledger.iter().any(|e| !e.failed && e.set == order.set);
    if !renewal {
        let budget = if order.forced {
            PER_DOMAIN_A_WEEK
        } else {
            PER_DOMAIN_A_WEEK - KEPT_FOR_THE_ADMIN
        };
        for domain in &order.domains {
            let used = counted(WEEK, &|e| !e.failed && e.domains.contains(domain));
            if used.len() >= budget {
                waits.push(limit_wait(&used, WEEK, |at| {
                    format!(
                        "weekly limit, next order at {}: {} certificates for {domain} in 7 days, and Let's Encrypt issues at most {PER_DOMAIN_A_WEEK}{}",
                        at,
                        used.len(),
                        if order.forced { "" } else { " (5 are kept for your own redeploys)" }
                    )
                }));
            } else if !order.forced && !used.is_empty() {
                let last = used.iter().map(|e| e.at).max().unwrap_or(0);
                let until = last + gap(used.len());
                if until > now {
                    waits.push((
                        until,
                        format!(
                            "weekly limit, next order at {}: {} certificates for {domain} in 7 days, so orders are spaced to keep the week's {budget} from running out",
                            utc(until),
                            used.len()
                        ),
                    ));
                }
            }
        }
    }
    match waits.into_iter().max_by_key(|(until, _)| *until) {
        Some((until, why)) if until > now => Verdict::Wait { until, why },
        _ => Verdict::Go,
    }
}

/// The wait after the last order of a registered domain that had `used`
/// orders in the past week (see the module's note).
pub fn gap(used: usize) -> u64 {
    let spaced = (PER_DOMAIN_A_WEEK - KEPT_FOR_THE_ADMIN - UNSPACED) as u64;
    2 * used.saturating_sub(UNSPACED) as u64 * WEEK / (spaced * spaced)
}

/// Orders of a registered domain in a week that are not spaced.
pub const UNSPACED: usize = 10;

/// The wait until the oldest of `entries` leaves its `window`, and why (`why`
/// gets that time in words).
fn limit_wait(entries: &[&Entry], window: u64, why: impl Fn(&str) -> String) -> (u64, String) {
    let until = oldest(entries) + window;
    (until, why(&utc(until)))
}

fn oldest(entries: &[&Entry]) -> u64 {
    entries.iter().map(|e| e.at).min().unwrap_or(0)
}

/// The ledger as text: one order a line, `<unix time> <set digest> <ok|failed> <domain,domain>`.
pub fn format(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        let _ = writeln!(
            out,
            "{} {} {} {}",
            e.at,
            e.set,
            if e.failed { "failed" } else { "ok" },
            e.domains.join(",")
        );
    }
    out
}

/// The entries of a ledger's text younger than a week at `now`; a line that
/// is not one of ours is skipped.
pub fn parse(text: &str, now: u64) -> Vec<Entry> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split(' ');
            let at: u64 = parts.next()?.parse().ok()?;
            let set = parts.next()?;
            let failed = match parts.next()? {
                "ok" => false,
                "failed" => true,
                _ => return None,
            };
            let domains = parts.next()?;
            let valid = set.len() == 64 && set.bytes().all(|b| b.is_ascii_hexdigit());
            (valid && at + KEPT_FOR > now && parts.next().is_none()).then(|| Entry {
                at,
                set: set.to_string(),
                domains: domains
                    .split(',')
                    .filter(|d| !d.is_empty())
                    .map(str::to_string)
                    .collect(),
                failed,
            })
        })
        .collect()
}

/// `2026-12-04 03:00 UTC`.
pub fn utc(unix: u64) -> String {
    let when = i64::try_from(unix)
        .ok()
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok());
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    when.and_then(|w| w.format(&format).ok())
        .unwrap_or_else(|| format!("unix time {unix}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(names: &[&str], forced: bool) -> Order {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        Order::of(&names, forced, |n| {
            psl::domain_str(n).unwrap_or(n).to_string()
        })
    }

    fn sent(o: &Order, at: u64) -> Entry {
        Entry {
            at,
            set: o.set.clone(),
            domains: o.domains.clone(),
            failed: false,
        }
    }

    const NOW: u64 = 1_800_000_000;

    #[test]
    fn a_set_is_its_names_in_any_order_and_case() {
        let a = order(&["b.example.com", "A.example.com"], false);
        let b = order(&["a.example.com", "b.example.com"], false);
        assert_eq!(a.set, b.set);
        assert_eq!(a.domains, ["example.com"]);
        let c = order(&["shop.example.co.uk", "*.net.example.org"], false);
        assert_eq!(c.domains, ["example.co.uk", "example.org"]);
    }

    #[test]
    fn the_sixth_order_of_one_set_in_a_week_waits_until_the_first_leaves() {
        let o = order(&["net.example", "a.example.com"], true);
        let ledger: Vec<Entry> = (0..5).map(|i| sent(&o, NOW - 1000 + i)).collect();
        match check(&ledger, &o, NOW, 100) {
            Verdict::Wait { until, why } => {
                assert_eq!(until, NOW - 1000 + WEEK);
                assert!(why.starts_with("weekly limit, next order at "), "{why}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(check(&ledger[..4], &o, NOW, 100), Verdict::Go);
        assert_eq!(check(&ledger, &o, NOW - 1000 + WEEK, 100), Verdict::Go);
    }

    #[test]
    fn a_registered_domain_gets_45_automatic_orders_and_the_admin_5_more() {
        let ledger: Vec<Entry> = (0..45)
            .map(|i| {
                sent(
                    &order(&["example.com", &format!("s{i}.example.com")], false),
                    NOW - WEEK + 10 + i,
                )
            })
            .collect();
        let next = order(&["example.com", "new.example.com"], false);
        assert!(
            matches!(check(&ledger, &next, NOW, 100), Verdict::Wait { until, .. } if until == NOW + 10)
        );
        let forced = order(&["example.com", "new.example.com"], true);
        assert_eq!(check(&ledger, &forced, NOW, 100), Verdict::Go);
        // A renewal of a set certified before is exempt from the 50.
        let again = Order {
            forced: false,
            ..order(&["example.com", "s3.example.com"], false)
        };
        assert_eq!(check(&ledger, &again, NOW, 100), Verdict::Go);
    }

    #[test]
    fn orders_are_spaced_more_as_the_week_is_spent() {
        assert_eq!(gap(0), 0);
        assert_eq!(gap(10), 0);
        assert!(gap(11) < gap(20) && gap(20) < gap(44));
        // A stream of one order whenever allowed spends the 45 in no less than six days.
        let mut ledger = Vec::new();
        let mut t = NOW;
        for i in 0..45 {
            let o = order(&["example.com", &format!("s{i}.example.com")], false);
            match check(&ledger, &o, t, 100) {
                Verdict::Go => {}
                Verdict::Wait { until, .. } => t = until,
                Verdict::Never(w) => panic!("{w}"),
            }
            assert_eq!(check(&ledger, &o, t, 100), Verdict::Go, "order {i}");
            ledger.push(sent(&o, t));
        }
        assert!(t - NOW > 6 * 24 * 3600, "{}", t - NOW);
        // A forced order is not spaced.
        let o = order(&["example.com", "x.example.com"], true);
        let l2: Vec<Entry> = (0..20)
            .map(|i| {
                sent(
                    &order(&["example.com", &format!("t{i}.example.com")], false),
                    NOW,
                )
            })
            .collect();
        assert!(matches!(
            check(
                &l2,
                &Order {
                    forced: false,
                    ..o.clone()
                },
                NOW + 1,
                100
            ),
            Verdict::Wait { .. }
        ));
        assert_eq!(check(&l2, &o, NOW + 1, 100), Verdict::Go);
    }

    #[test]
    fn failures_and_the_three_hour_limit_wait_too() {
        let o = order(&["a.example.com"], true);
        let failed: Vec<Entry> = (0..4)
            .map(|i| Entry {
                failed: true,
                ..sent(&o, NOW - 100 + i)
            })
            .collect();
        assert!(
            matches!(check(&failed, &o, NOW, 100), Verdict::Wait { until, .. } if until == NOW - 100 + HOUR)
        );
        let many: Vec<Entry> = (0..290u64)
            .map(|i| {
                sent(
                    &order(&[&format!("n{i}.example{i}.com")], true),
                    NOW - 60 + i / 10,
                )
            })
            .collect();
        assert!(
            matches!(check(&many, &o, NOW, 100), Verdict::Wait { why, .. } if why.starts_with("3-hour limit"))
        );
        let big: Vec<String> = (0..101).map(|i| format!("n{i}.example.com")).collect();
        let big = Order::of(&big, true, |n| n.to_string());
        assert!(
            matches!(check(&[], &big, NOW, 100), Verdict::Never(w) if w.starts_with("certificate full"))
        );
    }

    #[test]
    fn the_ledger_text_round_trips_and_forgets_what_is_older_than_a_week() {
        let o = order(&["a.example.com", "b.example.org"], false);
        let entries = vec![
            sent(&o, NOW - WEEK - 1),
            Entry {
                failed: true,
                ..sent(&o, NOW)
            },
        ];
        let text = format(&entries);
        assert_eq!(parse(&text, NOW), entries[1..]);
        assert!(parse("garbage\n1 2 ok a\n", NOW).is_empty());
        assert_eq!(utc(1_800_000_000), "2027-01-15 08:00 UTC");
    }
}
