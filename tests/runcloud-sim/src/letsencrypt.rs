//! Let's Encrypt as the simulator's certificate orders meet it: validation
//! always (a name that does not lead here fails the order), and, once a test
//! turns them on (`limits`), its published limits, kept with a clock that tests
//! can move on; each refusal is counted by cause so that a test can assert that
//! none happened. Off by default: suites that order hundreds of certificates
//! from one simulator (the FPM test, the bench) are not about those limits.
//!
//! - 100 names a certificate;
//! - 50 new certificates a registered domain in 7 days (an order for the exact
//!   set of names of an earlier one is a renewal: exempt);
//! - 5 certificates for one exact set of names in 7 days;
//! - 5 failed validations a name an hour;
//! - 300 new orders in 3 hours.

use std::collections::BTreeMap;

const WEEK: u64 = 7 * 86_400;
pub const MAX_NAMES: usize = 100;
pub const PER_DOMAIN_WEEK: usize = 50;
pub const PER_SET_WEEK: usize = 5;
pub const FAILURES_PER_HOUR: usize = 5;
pub const ORDERS_PER_3_HOURS: usize = 300;

#[derive(Debug, Clone, Default)]
pub struct LetsEncrypt {
    /// Certificates issued: when, and the exact set of names (sorted).
    pub issued: Vec<(u64, Vec<String>)>,
    /// Orders made (issued or not), for the 3-hour limit.
    pub orders: Vec<u64>,
    /// Failed validations: when, and the name.
    pub failures: Vec<(u64, String)>,
    /// Seconds the clock was moved on by tests.
    pub offset: u64,
    /// Whether the limits below validation are kept.
    pub limits: bool,
    /// Names a certificate may carry under the account's profile: `None`,
    /// `classic`'s 100; 25 for `tlsserver` and `shortlived`.
    pub max_names: Option<usize>,
    /// Refusals by cause: "names", "domain", "set", "failures", "orders", "validation".
    pub refused: BTreeMap<String, u64>,
}

/// The registered domain of a name (the public suffix list's).
pub fn registered(name: &str) -> String {
    psl::domain_str(name).unwrap_or(name).to_string()
}

impl LetsEncrypt {
    pub fn now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            + self.offset
    }

    fn refuse(&mut self, cause: &str, message: String) -> Result<(), String> {
        *self.refused.entry(cause.to_string()).or_default() += 1;
        Err(message)
    }

    /// An order for `names`; `failing` is the first name whose validation would
    /// fail (DNS elsewhere, CAA). `Ok` when a certificate is issued.
    pub fn order(&mut self, names: &[String], failing: Option<String>) -> Result<(), String> {
        let now = self.now();
        let mut set: Vec<String> = names.to_vec();
        set.sort();
        set.dedup();
        if !self.limits {
            if let Some(bad) = failing {
                return self.refuse(
                    "validation",
                    format!("Let's Encrypt could not validate {bad}: DNS does not point to this server."),
                );
            }
            self.issued.push((now, set));
            return Ok(());
        }
        let max = self.max_names.unwrap_or(MAX_NAMES);
        if set.len() > max {
            return self.refuse(
                "names",
                format!(
                    "too many names on one certificate: {} (at most {max})",
                    set.len()
                ),
            );
        }
        self.orders.retain(|t| now.saturating_sub(*t) < 3 * 3600);
        if self.orders.len() >= ORDERS_PER_3_HOURS {
            return self.refuse("orders", "too many new orders recently".into());
        }
        let week: Vec<&(u64, Vec<String>)> = self
            .issued
            .iter()
            .filter(|(t, _)| now.saturating_sub(*t) < WEEK)
            .collect();
        if week.iter().filter(|(_, s)| *s == set).count() >= PER_SET_WEEK {
            return self.refuse(
                "set",
                format!("too many certificates ({PER_SET_WEEK}) already issued for this exact set of names in the last 7 days"),
            );
        }
        let renewal = self.issued.iter().any(|(_, s)| *s == set);
        if !renewal {
            let mut domains: Vec<String> = set.iter().map(|n| registered(n)).collect();
            domains.dedup();
            for d in domains {
                let count = week
                    .iter()
                    .filter(|(_, s)| s.iter().any(|n| registered(n) == d))
                    .count();
                if count >= PER_DOMAIN_WEEK {
                    return self.refuse(
                        "domain",
                        format!("too many certificates ({PER_DOMAIN_WEEK}) already issued for {d} in the last 7 days"),
                    );
                }
            }
        }
        self.orders.push(now);
        if let Some(bad) = failing {
            self.failures.retain(|(t, _)| now.saturating_sub(*t) < 3600);
            let recent = self.failures.iter().filter(|(_, n)| *n == bad).count();
            self.failures.push((now, bad.clone()));
            if recent >= FAILURES_PER_HOUR {
                return self.refuse(
                    "failures",
                    format!("too many failed authorizations recently for {bad}"),
                );
            }
            return self.refuse(
                "validation",
                format!(
                    "Let's Encrypt could not validate {bad}: DNS does not point to this server."
                ),
            );
        }
        self.issued.push((now, set));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_published_limits_hold() {
        let mut le = LetsEncrypt {
            limits: true,
            ..LetsEncrypt::default()
        };
        let many: Vec<String> = (0..101).map(|i| format!("n{i}.example.com")).collect();
        assert!(le.order(&many, None).is_err());
        for _ in 0..5 {
            assert!(le.order(&names(&["a.example.com"]), None).is_ok());
        }
        assert!(
            le.order(&names(&["a.example.com"]), None).is_err(),
            "sixth of one set"
        );
        for i in 0..45 {
            assert!(
                le.order(&names(&[&format!("b{i}.example.com")]), None)
                    .is_ok(),
                "{i}"
            );
        }
        assert!(
            le.order(&names(&["c.example.com"]), None).is_err(),
            "51st for example.com"
        );
        assert!(
            le.order(&names(&["b0.example.com"]), None).is_ok(),
            "a renewal is exempt"
        );
        le.offset += WEEK;
        assert!(
            le.order(&names(&["c.example.com"]), None).is_ok(),
            "a week later"
        );
        assert_eq!(le.refused.get("names"), Some(&1));
        assert_eq!(le.refused.get("set"), Some(&1));
        assert_eq!(le.refused.get("domain"), Some(&1));
    }
}
