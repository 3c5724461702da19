//! Whether a name's CAA records (RFC 8659) let Let's Encrypt issue for it.
//!
//! Before issuing, a CA looks for CAA records at the name, then at each parent
//! up the tree, and uses the first non-empty set it finds. When that set has
//! `issue` properties (`issuewild` for a wildcard name, falling back to
//! `issue`) and none of them names the CA's domain, the CA must refuse. No set
//! anywhere, or a set with neither property (only `iodef`, say): allowed.

/// The domain Let's Encrypt's CAA `issue` values name.
pub const LETS_ENCRYPT: &str = "letsencrypt.org";

/// One CAA record: its tag and value, as DNS gave them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub tag: String,
    pub value: String,
}

/// The CAA records found at one level of the tree, or why they could not be read.
pub type Level = (String, Result<Vec<Record>, String>);

/// What the closest CAA set says of Let's Encrypt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// The set at `at` names only other CAs (`issuers`; empty: no CA at all).
    Forbids {
        at: String,
        issuers: Vec<String>,
    },
    /// A level closer than any set found could not be read: nothing is known.
    Unknown(String),
}

/// The levels to ask, closest first: the name, then each parent down to the
/// top-level domain (never the root).
pub fn levels(name: &str) -> Vec<String> {
    let name = name.trim_start_matches("*.").trim_end_matches('.');
    let mut out = vec![name.to_string()];
    let mut rest = name;
    while let Some((_, parent)) = rest.split_once('.') {
        out.push(parent.to_string());
        rest = parent;
    }
    out
}

/// The verdict of the closest non-empty set among `levels` (closest first).
pub fn verdict(levels: &[Level], wildcard: bool) -> Verdict {
    for (at, found) in levels {
        let records = match found {
            Ok(r) if r.is_empty() => continue,
            Ok(r) => r,
            Err(why) => {
                return Verdict::Unknown(format!(
                    "the CAA records of {at} could not be read ({why})"
                ))
            }
        };
        let tagged = |tag: &str| -> Vec<&Record> {
            records
                .iter()
                .filter(|r| r.tag.eq_ignore_ascii_case(tag))
                .collect()
        };
        let wild = if wildcard {
            tagged("issuewild")
        } else {
            Vec::new()
        };
        let relevant = if wild.is_empty() {
            tagged("issue")
        } else {
            wild
        };
        if relevant.is_empty() {
            return Verdict::Allowed;
        }
        let issuers: Vec<String> = relevant.iter().map(|r| issuer(&r.value)).collect();
        if issuers.iter().any(|i| i == LETS_ENCRYPT) {
            return Verdict::Allowed;
        }
        let mut named: Vec<String> = issuers.into_iter().filter(|i| !i.is_empty()).collect();
        named.dedup();
        return Verdict::Forbids {
            at: at.clone(),
            issuers: named,
        };
    }
    Verdict::Allowed
}

/// The issuer domain of an `issue` value (`letsencrypt.org; accounturi=...`),
/// lowercase; empty for `;` (no CA).
fn issuer(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(tag: &str, value: &str) -> Record {
        Record {
            tag: tag.into(),
            value: value.into(),
        }
    }

    #[test]
    fn the_closest_set_decides() {
        assert_eq!(
            levels("shop.example.co.uk"),
            ["shop.example.co.uk", "example.co.uk", "co.uk", "uk"]
        );
        let none: Level = ("shop.example.com".into(), Ok(vec![]));
        let other = (
            "example.com".to_string(),
            Ok(vec![
                rec("issue", "pki.goog"),
                rec("iodef", "mailto:x@example.com"),
            ]),
        );
        let le = ("com".to_string(), Ok(vec![rec("issue", "letsencrypt.org")]));
        assert_eq!(
            verdict(&[none.clone(), other.clone(), le.clone()], false),
            Verdict::Forbids {
                at: "example.com".into(),
                issuers: vec!["pki.goog".into()]
            }
        );
        assert_eq!(verdict(&[none.clone(), le], false), Verdict::Allowed);
        assert_eq!(
            verdict(std::slice::from_ref(&none), false),
            Verdict::Allowed,
            "no CAA anywhere"
        );
        let with_params = (
            "example.com".to_string(),
            Ok(vec![
                rec("issue", "pki.goog"),
                rec("issue", " LetsEncrypt.org ; accounturi=https://x"),
            ]),
        );
        assert_eq!(verdict(&[with_params], false), Verdict::Allowed);
        let iodef_only = (
            "example.com".to_string(),
            Ok(vec![rec("iodef", "mailto:x@example.com")]),
        );
        assert_eq!(verdict(&[iodef_only], false), Verdict::Allowed);
        let no_ca = ("example.com".to_string(), Ok(vec![rec("issue", ";")]));
        assert_eq!(
            verdict(&[no_ca], false),
            Verdict::Forbids {
                at: "example.com".into(),
                issuers: vec![]
            }
        );
    }

    #[test]
    fn a_wildcard_name_reads_issuewild_first() {
        let set = (
            "example.com".to_string(),
            Ok(vec![
                rec("issue", "letsencrypt.org"),
                rec("issuewild", "pki.goog"),
            ]),
        );
        assert!(matches!(
            verdict(std::slice::from_ref(&set), true),
            Verdict::Forbids { .. }
        ));
        assert_eq!(verdict(&[set], false), Verdict::Allowed);
    }

    #[test]
    fn an_unreadable_closer_level_means_unknown() {
        let failed = (
            "shop.example.com".to_string(),
            Err("answered ServFail".to_string()),
        );
        let le = (
            "example.com".to_string(),
            Ok(vec![rec("issue", "letsencrypt.org")]),
        );
        assert!(matches!(verdict(&[failed, le], false), Verdict::Unknown(_)));
    }
}
