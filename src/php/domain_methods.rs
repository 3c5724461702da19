//! The strict domain methods: add_domain(), check_domain(), remove_domain(),
//! find_domain(), list_domains(). A result array, or an exception.

use super::add_words::describe_add;
use super::args;
use super::call::Call;
use super::convert::{self, assoc, assoc_ht, boolean, list_ht, long, string};
use super::request;
use super::settings::Settings;
use crate::api::decode::Domain;
use crate::config::{Config, SslBatch};
use crate::domain::DomainName;
use crate::error::Result;
use crate::flows::{
    on_apps, on_every_app, AddOutcome, AppFlows, AppSummary, Circuit, DnsCheck, NameKind, SslStatus,
};
use crate::pointing::{Pointing, Via};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::{ZendHashTable, Zval};

pub fn add_domain(this: &Settings, domain: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
    let domain = args::strict_text("add_domain", 1, "domain", domain)?;
    add_like(this, &domain, |flows, name| {
        flows.add(name, NameKind::Mapped)
    })
}

pub fn check_domain(this: &Settings, domain: &Zval) -> PhpResult<ZBox<ZendHashTable>> {
    let domain = args::strict_text("check_domain", 1, "domain", domain)?;
    add_like(this, &domain, |flows, name| {
        flows.recheck(name, NameKind::Mapped)
    })
}

/// add_domain() and check_domain(): `work` on every app, one result array.
fn add_like(
    this: &Settings,
    domain: &str,
    work: impl Fn(&AppFlows, &DomainName) -> Result<AddOutcome>,
) -> PhpResult<ZBox<ZendHashTable>> {
    this.strict(|raw, call| {
        let name = DomainName::parse(domain)?;
        let config = this.config(raw)?;
        let runs = on_every_app(super::worker(), &config, Circuit::Direct, |flows| {
            let o = work(flows, &name)?;
            if o.ssl.status == SslStatus::Queued
                && flows.config().options.ssl_batch == SslBatch::Request
            {
                request::flush_at_end();
            }
            Ok(o)
        });
        let (o, apps) = runs.into_first(|o| describe_add(o).1)?;
        let dns = o
            .dns
            .as_ref()
            .map_or_else(Zval::null, |d| dns_array(d, call));
        Ok(assoc_ht(vec![
            ("name", string(&o.name)),
            ("id", o.id.map_or_else(Zval::null, |id| long(id as i64))),
            ("created", boolean(o.created)),
            ("www", boolean(o.www)),
            ("ssl", string(o.ssl.status.as_str())),
            ("ssl_message", call.text(&o.ssl.message)),
            ("ssl_mode", string(o.ssl.mode.as_str())),
            // Put off by Let's Encrypt's weekly limits: when the order may go (unix time).
            (
                "ssl_next_order",
                o.ssl
                    .status
                    .next_order()
                    .map_or_else(Zval::null, |t| long(t as i64)),
            ),
            ("dns", dns),
            ("apps", apps_list(&apps, call)),
        ]))
    })
}

/// A name's DNS check, as add_domain() shows it.
fn dns_array(d: &DnsCheck, call: &Call) -> Zval {
    let ips = |a: &[std::net::IpAddr]| {
        convert::list(a.iter().map(|ip| string(&ip.to_string())).collect())
    };
    let (via, addresses) = match &d.pointing {
        Pointing::Here { via, addresses } => (
            string(match via {
                Via::Dns => "dns",
                Via::Probe => "probe",
            }),
            addresses.clone(),
        ),
        Pointing::Elsewhere { addresses } => (Zval::null(), addresses.clone()),
        Pointing::Partly { here, elsewhere } => {
            (Zval::null(), [here.as_slice(), elsewhere].concat())
        }
        _ => (Zval::null(), Vec::new()),
    };
    assoc(vec![
        ("points", boolean(d.pointing.points())),
        ("via", via),
        ("addresses", ips(&addresses)),
        ("server", ips(&d.server)),
        ("message", call.text(&d.message)),
    ])
}

/// A result's `apps` list: one line per app.
pub fn apps_list(apps: &[AppSummary], call: &Call) -> Zval {
    convert::list(
        apps.iter()
            .map(|a| {
                assoc(vec![
                    ("server", long(a.server as i64)),
                    ("app", long(a.app as i64)),
                    ("ok", boolean(a.ok)),
                    ("message", call.text(&a.message)),
                ])
            })
            .collect(),
    )
}

pub fn remove_domain(this: &Settings, domain: &Zval) -> PhpResult<bool> {
    let domain = args::strict_text("remove_domain", 1, "domain", domain)?;
    this.strict(|raw, _| {
        let name = DomainName::parse(&domain)?;
        let config = this.config(raw)?;
        let runs = on_every_app(super::worker(), &config, Circuit::Direct, |flows| {
            flows.remove(&name)
        });
        let described = |removed: &bool| {
            if *removed {
                "removed"
            } else {
                "not on the app"
            }
            .to_string()
        };
        runs.into_first(described).map(|(removed, _)| removed)
    })
}

/// `work` on the first app only (reads: find and list).
fn on_first_app<T>(config: &Config, work: impl Fn(&AppFlows) -> Result<T>) -> Result<T> {
    on_apps(super::worker(), vec![config.clone()], Circuit::Direct, work)
        .into_first(|_| String::new())
        .map(|(done, _)| done)
}

pub fn find_domain(this: &Settings, domain: &Zval) -> PhpResult<Option<ZBox<ZendHashTable>>> {
    let domain = args::strict_text("find_domain", 1, "domain", domain)?;
    this.strict(|raw, _| {
        let name = DomainName::parse(&domain)?;
        let config = this.config(raw)?;
        let found = on_first_app(&config, |flows| flows.find(&name))?;
        Ok(found.map(|(d, twin_of)| {
            let mut ht = domain_array(&d);
            if let Some(bare) = twin_of {
                // The name asked for is served as this entry's www twin.
                let _ = ht.insert("twin_of", string(&bare));
            }
            ht
        }))
    })
}

pub fn list_domains(this: &Settings) -> PhpResult<ZBox<ZendHashTable>> {
    this.strict(|raw, _| {
        let config = this.config(raw)?;
        let all = on_first_app(&config, |flows| flows.list())?;
        Ok(list_ht(
            all.iter()
                .map(|d| convert::array(domain_array(d)))
                .collect(),
        ))
    })
}

fn domain_array(d: &Domain) -> ZBox<ZendHashTable> {
    let mut pairs: Vec<(&str, Zval)> = vec![("id", long(d.id as i64)), ("name", string(&d.name))];
    for (k, v) in &d.raw {
        if k != "id" && k != "name" {
            pairs.push((k.as_str(), convert::json(v)));
        }
    }
    assoc_ht(pairs)
}
