//! Domain names as RunCloud receives them: validated and normalised before any
//! request, so a bad name never costs a call or reaches a URL.

use crate::error::{quote, Error, Result};
use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use std::fmt;

const MAX_NAME: usize = 253;
const MAX_LABEL: usize = 63;
/// Longer input is refused before IDNA processing, so hostile input costs nothing.
const MAX_INPUT: usize = 1024;

/// A host name in lowercase ASCII (punycode for IDNs), without a trailing dot.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

impl DomainName {
    /// Trims, lowercases, drops one trailing dot and converts IDNs to punycode;
    /// refuses anything that is not a plain host name.
    pub fn parse(input: &str) -> Result<DomainName> {
        let bad = |why: &str| {
            Error::InvalidDomain(format!("Invalid domain name {}: {why}", quote(input)))
        };
        if input.len() > MAX_INPUT {
            return Err(bad("it is far too long"));
        }
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(bad("it is empty"));
        }
        if trimmed.contains("://") {
            return Err(bad(
                "give the host name only, without a scheme such as https://",
            ));
        }
        if let Some(c) = trimmed
            .chars()
            .find(|c| c.is_whitespace() || c.is_control())
        {
            let what = if c.is_control() {
                "control characters"
            } else {
                "spaces"
            };
            return Err(bad(&format!("it contains {what}")));
        }
        if trimmed.starts_with('[') || trimmed.parse::<std::net::IpAddr>().is_ok() {
            return Err(bad("it is an IP address; RunCloud needs a domain name"));
        }
        for (c, what) in [
            ('/', "a path"),
            ('?', "a query"),
            ('#', "a fragment"),
            ('@', "a user part"),
            (':', "a port"),
            ('\\', "a backslash"),
        ] {
            if trimmed.contains(c) {
                return Err(bad(&format!("give the host name only, without {what}")));
            }
        }
        let without_dot = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if without_dot.is_empty()
            || without_dot.starts_with('.')
            || without_dot.contains("..")
            || without_dot.ends_with('.')
        {
            return Err(bad(
                "it has an empty label (two dots in a row, or a leading dot)",
            ));
        }
        let ascii = Uts46::new()
            .to_ascii(
                without_dot.as_bytes(),
                AsciiDenyList::STD3,
                Hyphens::CheckFirstLast,
                DnsLength::Ignore,
            )
            .map_err(|_| {
                bad("it has characters that are not allowed in a host name (letters, digits and hyphens only; a label may not start or end with a hyphen)")
            })?
            .into_owned();
        let labels: Vec<&str> = ascii.split('.').collect();
        if labels.len() < 2 {
            return Err(bad("it needs at least two labels, such as example.com"));
        }
        for label in &labels {
            if label.is_empty() {
                return Err(bad("it has an empty label"));
            }
            if label.len() > MAX_LABEL {
                return Err(bad("a label is longer than 63 characters"));
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(bad("it has characters that are not allowed in a host name"));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(bad("a label may not start or end with a hyphen"));
            }
        }
        if ascii.len() > MAX_NAME {
            return Err(bad("it is longer than 253 characters"));
        }
        if labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad(
                "it looks like an IP address; RunCloud needs a domain name",
            ));
        }
        Ok(DomainName(ascii))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.0.split('.')
    }

    pub fn starts_with_www(&self) -> bool {
        self.0.starts_with("www.")
    }

    /// The name one level up (`blog.example.com` -> `example.com`), if that still has two labels.
    pub fn parent(&self) -> Option<DomainName> {
        let (_, rest) = self.0.split_once('.')?;
        rest.contains('.').then(|| DomainName(rest.to_string()))
    }

    /// True for a name directly under a public suffix: `example.com`, `example.co.uk`.
    pub fn is_registrable(&self, suffixes: &PublicSuffixes) -> bool {
        if let Some(answer) = suffixes.registrable_by_extra(&self.0) {
            return answer;
        }
        psl::domain_str(&self.0) == Some(self.0.as_str())
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What must hold for any input, whatever it is: used by the fuzz target and by
/// the regression tests of its findings. Panics (in a test or fuzzer) when broken.
#[doc(hidden)]
#[allow(clippy::panic)]
pub fn check_invariants(input: &str, suffixes: &PublicSuffixes) {
    let Ok(d) = DomainName::parse(input) else {
        return;
    };
    let s = d.as_str();
    let ok = s.len() <= MAX_NAME
        && s.split('.').count() >= 2
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= MAX_LABEL
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if !ok {
        panic!("{input:?} was accepted as {s:?}, which is not a plain host name");
    }
    match DomainName::parse(s) {
        Ok(again) if again == d => {}
        other => panic!("{input:?} -> {s:?} does not parse to itself: {other:?}"),
    }
    let _ = d.is_registrable(suffixes);
}

/// The public suffixes in force: the Public Suffix List (the `psl` crate, which
/// republishes it, wildcard rules such as `*.bd` included), plus the admin's own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicSuffixes {
    extra: Vec<String>,
}

impl PublicSuffixes {
    /// Extra suffixes, such as `co.example` or `sites.myhost.net`: each is normalised
    /// like a domain name (a single label like `com` is already a suffix and is accepted).
    pub fn with_extra(list: &[String]) -> Result<PublicSuffixes> {
        let mut extra = Vec::new();
        for raw in list {
            let s = raw.trim().trim_start_matches('.').to_ascii_lowercase();
            if s.is_empty() {
                continue;
            }
            let valid = s.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= MAX_LABEL
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
            if !valid {
                return Err(Error::InvalidOption(format!(
                    "public_suffixes: {} is not a domain suffix such as co.uk",
                    quote(raw)
                )));
            }
            extra.push(s);
        }
        Ok(PublicSuffixes { extra })
    }

    /// For a name at or below one of the admin's suffixes: whether it is the
    /// registrable name directly under it. `None` when no extra suffix applies.
    fn registrable_by_extra(&self, name: &str) -> Option<bool> {
        self.extra
            .iter()
            .filter(|s| name == s.as_str() || name.ends_with(&format!(".{s}")))
            .max_by_key(|s| s.len())
            .map(|s| {
                name.strip_suffix(s.as_str())
                    .and_then(|head| head.strip_suffix('.'))
                    .is_some_and(|head| !head.is_empty() && !head.contains('.'))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_names_are_normalised() {
        let cases = [
            ("example.com", "example.com"),
            ("  Shop.Example.COM  ", "shop.example.com"),
            ("example.com.", "example.com"),
            ("bücher.de", "xn--bcher-kva.de"),
            ("BÜCHER.example", "xn--bcher-kva.example"),
            ("münchen.co.uk", "xn--mnchen-3ya.co.uk"),
            ("xn--bcher-kva.de", "xn--bcher-kva.de"),
            ("a-b.example.com", "a-b.example.com"),
            ("ab--cd.example.com", "ab--cd.example.com"),
            ("123.example.com", "123.example.com"),
            ("www.example.com", "www.example.com"),
            ("例え.jp", "xn--r8jz45g.jp"),
        ];
        for (input, want) in cases {
            match DomainName::parse(input) {
                Ok(d) => assert_eq!(d.as_str(), want, "input {input:?}"),
                Err(e) => panic!("{input:?} was refused: {e}"),
            }
        }
    }

    #[test]
    fn bad_names_are_refused_with_a_reason() {
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = format!("{}.com", ["abcdefghij"; 25].join("."));
        let cases: Vec<(&str, &str)> = vec![
            ("", "empty"),
            ("   ", "empty"),
            ("https://example.com", "scheme"),
            ("example.com/path", "path"),
            ("example.com:8080", "port"),
            ("example.com?x=1", "query"),
            ("example.com#top", "fragment"),
            ("user@example.com", "user part"),
            ("exa mple.com", "spaces"),
            ("exa\u{0}mple.com", "control"),
            ("192.168.1.10", "IP address"),
            ("[::1]", "IP address"),
            ("::1", "IP address"),
            ("localhost", "two labels"),
            ("-bad.example.com", "hyphen"),
            ("bad-.example.com", "hyphen"),
            ("a..example.com", "empty label"),
            (".example.com", "empty label"),
            ("example.com..", "empty label"),
            ("exa_mple.com", "not allowed"),
            ("*.example.com", "not allowed"),
            ("ex!ample.com", "not allowed"),
            ("1.2.3.4.5", "IP address"),
        ];
        for (input, why) in &cases {
            match DomainName::parse(input) {
                Ok(d) => panic!("{input:?} was accepted as {d}"),
                Err(e) => assert!(e.to_string().contains(why), "{input:?}: {e}"),
            }
        }
        assert!(DomainName::parse(&long_label)
            .unwrap_err()
            .to_string()
            .contains("63"));
        assert!(DomainName::parse(&long_name)
            .unwrap_err()
            .to_string()
            .contains("253"));
        assert!(DomainName::parse(&"a".repeat(5000)).is_err());
    }

    #[test]
    fn surrounding_whitespace_including_newlines_is_trimmed() {
        assert_eq!(
            DomainName::parse("example.com\n")
                .map(|d| d.to_string())
                .ok()
                .as_deref(),
            Some("example.com")
        );
    }

    #[test]
    fn error_message_quotes_input_safely() {
        let e = DomainName::parse("bad\u{7}name\nx.com")
            .unwrap_err()
            .to_string();
        assert!(e.contains("\\u{7}"), "{e}");
        assert!(!e.contains('\u{7}'));
        assert!(!e.contains('\n'));
    }

    #[test]
    fn registrable_names_know_multi_label_suffixes() {
        let ps = PublicSuffixes::default();
        let reg = |s: &str| {
            DomainName::parse(s)
                .map(|d| d.is_registrable(&ps))
                .unwrap_or(false)
        };
        assert!(reg("example.com"));
        assert!(reg("example.co.uk"));
        assert!(reg("example.com.au"));
        assert!(!reg("blog.example.com"));
        assert!(!reg("shop.example.co.uk"));
        assert!(!reg("co.uk.example")); // a subdomain of uk.example
                                        // A bare public suffix is not a registrable name.
        assert!(!reg("co.uk"));
        // sch.uk is a wildcard rule: names register one level below a school's name.
        assert!(!reg("school.sch.uk"));
        assert!(reg("example.school.sch.uk"));
        // Wildcard rules (*.ck) and their exceptions (!www.ck).
        assert!(reg("example.co.ck"));
        assert!(!reg("example.ck"));
        assert!(reg("www.ck"));
        assert!(reg("example.com.bd"));
        assert!(reg("example.org.uk"));
        assert!(reg("example.github.io"));
        let custom =
            PublicSuffixes::with_extra(&["sites.host.net".to_string()]).unwrap_or_default();
        let d = DomainName::parse("alice.sites.host.net").ok();
        assert_eq!(d.map(|d| d.is_registrable(&custom)), Some(true));
        for not_registrable in ["sites.host.net", "shop.alice.sites.host.net"] {
            let d = DomainName::parse(not_registrable).ok();
            assert_eq!(
                d.map(|d| d.is_registrable(&custom)),
                Some(false),
                "{not_registrable}"
            );
        }
        assert!(PublicSuffixes::with_extra(&["bad suffix".to_string()]).is_err());
    }

    #[test]
    fn parent_stops_at_two_labels() {
        let d = DomainName::parse("a.b.example.com").ok();
        assert_eq!(
            d.and_then(|d| d.parent()).map(|p| p.to_string()).as_deref(),
            Some("b.example.com")
        );
        assert_eq!(
            DomainName::parse("example.com")
                .ok()
                .and_then(|d| d.parent()),
            None
        );
    }
}
