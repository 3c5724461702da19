//! A move to advanced SSL finishes by itself: every name the plan puts off is
//! ordered when its time comes, through the same owed list a later call pays,
//! with no admin; a certified name is never planned or ordered again, however
//! long ago its order left the ledger's week; and the switch is refused while
//! a name would be left without a certificate. Both clocks move (the
//! extension's and the simulated Let's Encrypt's), so this binary holds one test.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod common;

use common::*;
use runcloud_sim::{Sim, SEED_APP, SEED_SERVER};
use wu_runcloud::config::Config;
use wu_runcloud::flows::{AdvancedPlan, OWN_ORDERS_A_CALL};
use wu_runcloud::ssl_batch::owed;

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

/// Both clocks `secs` on from the start.
fn clocks_at(sim: &Sim, secs: u64) {
    wu_runcloud::clock::set_offset(secs as i64);
    sim.shared().with_account(|a| a.le.offset = secs);
}

fn plan(config: &Config, apply: bool) -> AdvancedPlan {
    flows(config)
        .unwrap()
        .advanced_ssl(apply, 20)
        .expect("plan")
}

fn steps(p: &AdvancedPlan, step: &str) -> usize {
    p.names.iter().filter(|n| n.step.as_str() == step).count()
}

fn uncertified(sim: &Sim) -> Vec<String> {
    sim.shared().with_account(|a| {
        a.app_mut(SEED_SERVER, SEED_APP)
            .map(|app| {
                app.domains
                    .iter()
                    .filter(|d| !d.wildcard && d.ssl_id.is_none())
                    .map(|d| d.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    })
}

fn refused(sim: &Sim) -> u64 {
    sim.shared().with_account(|a| a.le.refused.values().sum())
}

#[test]
fn a_move_to_advanced_ssl_finishes_by_itself_and_never_orders_a_certified_name_again() {
    let sim = sim();
    reset_app(&sim, "basic");
    sim.shared().with_account(|a| {
        a.le.limits = true;
        for i in 0..30 {
            a.add_domain(SEED_SERVER, SEED_APP, &format!("customer{i}.com"), false);
        }
        for i in 0..12 {
            a.add_domain(
                SEED_SERVER,
                SEED_APP,
                &format!("site{i}.network.test"),
                false,
            );
        }
    });
    let mut config = config_v3(&sim);
    config.network_domain = Some(name("network.test"));

    // A plan that would leave 70 site names to a wildcard that is not set up:
    // the switch is refused, and nothing changes.
    sim.shared().with_account(|a| {
        for i in 12..70 {
            a.add_domain(
                SEED_SERVER,
                SEED_APP,
                &format!("site{i}.network.test"),
                false,
            );
        }
    });
    let refused_plan = plan(&config, true);
    assert!(steps(&refused_plan, "wildcard") > 0);
    let why = refused_plan.refused.clone().expect("refused");
    assert!(why.contains("wildcard"), "{why}");
    assert!(!refused_plan.switched && refused_plan.ordered == 0);
    assert_eq!(
        sim.shared()
            .with_account(|a| a.app_mut(SEED_SERVER, SEED_APP).map(|a| a.advanced_ssl)),
        Some(false)
    );
    sim.shared().with_account(|a| {
        let app = a.app_mut(SEED_SERVER, SEED_APP).unwrap();
        app.domains.retain(|d| {
            !d.name.starts_with("site")
                || d.name
                    .trim_start_matches("site")
                    .split('.')
                    .next()
                    .and_then(|n| n.parse::<u32>().ok())
                    < Some(12)
        });
    });

    // Applied: 20 orders now, the rest owed, some of the network's own names later in the week.
    let applied = plan(&config, true);
    assert!(applied.switched, "{}", applied.message);
    assert_eq!(applied.ordered, 20);
    let later = steps(&applied, "later");
    assert!(
        later > 0,
        "the network's own names are spaced: {}",
        applied.message
    );
    let owed_now = owed::read(&config).len();
    assert_eq!(
        owed_now,
        43 - 20,
        "every name not ordered yet is owed (the primary, 30 customers, 12 sites)"
    );
    // The next plan (the app now advanced) asks RunCloud about no name it knows:
    // certified here, or owed (known to hold none).
    sim.shared().clear_requests();
    let next = plan(&config, false);
    assert_eq!(steps(&next, "unchecked"), 0, "{}", next.message);
    assert_eq!(
        count_calls(&sim, |c| c.starts_with("GET")
            && c.contains("/domains/")
            && c.ends_with("/ssl")),
        0
    );
    // The status of an advanced app: no 100-name limit, what holds its own, what is owed.
    let st = flows(&config)
        .unwrap()
        .certificate_status()
        .expect("status");
    assert_eq!(
        (st.mode, st.names, st.limit, st.over_limit),
        ("advanced", 20, None, false)
    );
    assert_eq!(st.owed.len(), 23);
    assert!(st.next_order.is_some());

    // No admin from here on: only the hourly job, paying what is owed.
    let mut finished_at = None;
    for hour in 1..=(8 * 24) {
        clocks_at(&sim, hour * HOUR);
        let _ = flows(&config).unwrap().pay_owed_own(OWN_ORDERS_A_CALL);
        if owed::read(&config).is_empty() && finished_at.is_none() {
            finished_at = Some(hour);
            break;
        }
    }
    let finished_at = finished_at.expect("every owed name ordered within 8 days");
    assert!(
        uncertified(&sim).is_empty(),
        "without a certificate: {:?}",
        uncertified(&sim)
    );
    assert_eq!(refused(&sim), 0, "Let's Encrypt refused nothing");
    assert!(finished_at <= 7 * 24, "finished after {finished_at} h");

    let st = flows(&config)
        .unwrap()
        .certificate_status()
        .expect("status");
    assert_eq!((st.names, st.owed.len(), st.next_order), (43, 0, None));

    // Two weeks on, the ledger has forgotten those orders: the plan still
    // knows every name as done, and applying it again orders nothing.
    clocks_at(&sim, 15 * DAY);
    let again = plan(&config, false);
    assert_eq!(steps(&again, "done"), 43, "{}", again.message);
    assert_eq!(steps(&again, "now") + steps(&again, "later"), 0);
    sim.shared().clear_requests();
    let reapplied = plan(&config, true);
    assert_eq!(reapplied.ordered, 0);
    assert_eq!(
        count_calls(&sim, |c| c.starts_with("POST") && c.ends_with("/ssl")),
        0,
        "no needless order"
    );
    clocks_at(&sim, 0);
}
