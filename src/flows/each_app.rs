//! The one way a piece of work runs on every configured app (the first app
//! and `WU_RUNCLOUD_APPS`): hooks, strict methods, redeploys and sync all go
//! through `on_every_app`. Per app it applies the app's circuit breaker, runs
//! the work with a client of its own, catches a panic, and keeps the notes;
//! one app failing never stops the others. `AppRuns` then answers what each
//! caller needs: the log lines, the hook's boolean, the strict result.

use super::AppFlows;
use crate::breaker::THRESHOLD;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::worker::Worker;

/// How much a log line matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// Whether a run goes through the apps' circuit breakers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Circuit {
    /// Work nobody waits for (the hooks, the request-end redeploy): refused at
    /// once while the app's circuit is open, and its outcome counted.
    Guarded,
    /// Someone waits for the answer (the strict methods, WP-CLI): always tried
    /// and not counted, so an admin asking after an outage sees RunCloud's answer.
    Direct,
}

/// What the work did on one app.
pub struct AppRun<T> {
    pub app: Config,
    pub result: Result<T>,
    /// What the flows noted that did not stop them (a www twin left off, ...).
    pub notes: Vec<String>,
    /// This run's failure opened the app's circuit.
    pub opened_circuit: bool,
}

/// Every app's run, in the order of the configuration.
pub struct AppRuns<T> {
    pub runs: Vec<AppRun<T>>,
}

/// Runs `work` on every app of `config`.
pub fn on_every_app<T>(
    worker: &Worker,
    config: &Config,
    circuit: Circuit,
    work: impl Fn(&AppFlows) -> Result<T>,
) -> AppRuns<T> {
    on_apps(worker, config.targets(), circuit, work)
}

/// Runs `work` on each of `apps`.
pub fn on_apps<T>(
    worker: &Worker,
    apps: Vec<Config>,
    circuit: Circuit,
    work: impl Fn(&AppFlows) -> Result<T>,
) -> AppRuns<T> {
    let guarded = circuit == Circuit::Guarded;
    let runs = apps
        .into_iter()
        .map(|app| {
            let key = app.memory_key();
            let admitted = if guarded {
                worker.breakers().admit(&key)
            } else {
                Ok(())
            };
            if let Err(open) = admitted {
                return AppRun {
                    app,
                    result: Err(open),
                    notes: Vec::new(),
                    opened_circuit: false,
                };
            }
            let mut notes = Vec::new();
            let result = crate::catching_panics(|| {
                let flows = AppFlows::new(&app, worker)?;
                let done = work(&flows);
                notes = flows.notes();
                done
            });
            let opened_circuit = worker
                .breakers()
                .record(&key, app.options.circuit_break, &result);
            AppRun {
                app,
                result,
                notes,
                opened_circuit,
            }
        })
        .collect();
    AppRuns { runs }
}

impl<T> AppRun<T> {
    /// The word for the log when this run's failure opened the app's circuit.
    pub fn circuit_line(&self) -> Option<String> {
        self.opened_circuit.then(|| {
            format!(
                "RunCloud failed {THRESHOLD} times in a row; this worker does not call it for {} s (circuit open)",
                self.app.options.circuit_break.as_secs_f64()
            )
        })
    }

    /// "[web application 2 on server 1] ", when there are several apps.
    pub fn tag(&self, several: bool) -> String {
        if several {
            format!(
                "[web application {} on server {}] ",
                self.app.app_id, self.app.server_id
            )
        } else {
            String::new()
        }
    }
}

impl<T> AppRuns<T> {
    fn several(&self) -> bool {
        self.runs.len() > 1
    }

    /// Every app's log lines: its notes, a word when its circuit opened, and
    /// its outcome (`describe`d, or the failure). Tagged with the app when
    /// there are several.
    pub fn lines(&self, describe: impl Fn(&T) -> (Level, String)) -> Vec<(Level, String)> {
        let mut lines = Vec::new();
        for run in &self.runs {
            let tag = run.tag(self.several());
            for note in &run.notes {
                lines.push((Level::Warning, format!("{tag}{note}")));
            }
            if let Some(line) = run.circuit_line() {
                lines.push((Level::Warning, format!("{tag}{line}")));
            }
            lines.push(match &run.result {
                Ok(done) => {
                    let (level, text) = describe(done);
                    (level, format!("{tag}{text}"))
                }
                Err(e) => (Level::Error, format!("{tag}failed: {e}")),
            });
        }
        lines
    }

    /// The first failure, tagged with its app when there are several.
    pub fn first_failure(&self) -> Option<(String, &Error)> {
        self.runs.iter().find_map(|run| {
            run.result
                .as_ref()
                .err()
                .map(|e| (run.tag(self.several()), e))
        })
    }

    /// Whether any app's failure may pass by itself: worth a retry of the
    /// whole call, since the apps already in step answer "already there".
    pub fn any_transient(&self) -> bool {
        self.runs
            .iter()
            .any(|r| r.result.as_ref().is_err_and(Error::is_transient))
    }

    /// One summary per app: `describe`d (ok, and words) or the failure.
    pub fn summaries(&self, describe: impl Fn(&T) -> (bool, String)) -> Vec<AppSummary> {
        self.runs
            .iter()
            .map(|run| {
                let (ok, message) = match &run.result {
                    Ok(done) => describe(done),
                    Err(e) => (false, format!("failed: {e}")),
                };
                AppSummary {
                    server: run.app.server_id,
                    app: run.app.app_id,
                    ok,
                    message,
                }
            })
            .collect()
    }

    /// The strict methods' answer: the first app's value and one summary per
    /// app, or the first failure once all ran.
    pub fn into_first(self, describe: impl Fn(&T) -> String) -> Result<(T, Vec<AppSummary>)> {
        let summaries = self.summaries(|done| (true, describe(done)));
        let mut first = None;
        for run in self.runs {
            let done = run.result?;
            first.get_or_insert(done);
        }
        match first {
            Some(done) => Ok((done, summaries)),
            None => Err(Error::Internal("no app to act on".into())),
        }
    }

    /// The first app's outcome (a failure of a later app does not fail it)
    /// and one summary per app.
    pub fn into_first_app(
        self,
        describe: impl Fn(&T) -> (bool, String),
    ) -> Result<(T, Vec<AppSummary>)> {
        let summaries = self.summaries(describe);
        match self.runs.into_iter().next() {
            Some(run) => run.result.map(|done| (done, summaries)),
            None => Err(Error::Internal("no app to act on".into())),
        }
    }
}

/// One app's line in a strict result's `apps` list.
#[derive(Clone, Debug, PartialEq)]
pub struct AppSummary {
    pub server: u64,
    pub app: u64,
    pub ok: bool,
    pub message: String,
}

#[cfg(test)]
mod tests {
    //! The executor by table: what each app's work answered -> the hook's
    //! boolean, whether a retry is worth it, the log lines and the strict result.
    use super::*;
    use crate::config::Options;
    use std::time::Duration;

    fn config(apps: usize) -> Config {
        Config {
            app_id: 10,
            extra_apps: (1..apps as u64).map(|i| (1, 10 + i)).collect(),
            ..Config::for_tests(Options {
                circuit_break: Duration::from_secs(30),
                ..Options::default()
            })
        }
    }

    fn transient() -> Error {
        Error::Transport {
            context: "adding a.com".into(),
            message: "no answer".into(),
        }
    }

    fn refused() -> Error {
        Error::Refused("a.com is the primary domain".into())
    }

    type Answer = fn() -> Result<&'static str>;

    struct Case<'a> {
        answers: &'a [Answer],
        hook_ok: bool,
        retryable: bool,
        /// The levels of the log lines, in order.
        lines: &'static [Level],
        /// The first failure's text starts with this tag.
        tag: &'static str,
        strict_ok: bool,
        first_app_ok: bool,
    }

    #[test]
    fn each_app_runs_and_the_outcomes_add_up() {
        use Level::{Error as E, Info as I};
        fn ok() -> Result<&'static str> {
            Ok("done")
        }
        fn down() -> Result<&'static str> {
            Err(transient())
        }
        fn no() -> Result<&'static str> {
            Err(refused())
        }
        const OK: Answer = ok;
        const DOWN: Answer = down;
        const NO: Answer = no;
        let case = |answers, hook_ok, retryable, lines, tag, strict_ok, first_app_ok| Case {
            answers,
            hook_ok,
            retryable,
            lines,
            tag,
            strict_ok,
            first_app_ok,
        };
        const APP_10: &str = "[web application 10 on server 1] ";
        const APP_11: &str = "[web application 11 on server 1] ";
        #[rustfmt::skip]
        let cases = [
            case(&[OK][..], true, false, &[I][..], "", true, true),
            case(&[DOWN], false, true, &[E], "", false, false),
            case(&[NO], false, false, &[E], "", false, false),
            // A later app failing fails the hook and the strict call, not the first app's answer.
            case(&[OK, DOWN], false, true, &[I, E], APP_11, false, true),
            // One transient failure among final ones: worth a retry.
            case(&[NO, DOWN], false, true, &[E, E], APP_10, false, false),
            case(&[OK, OK, OK], true, false, &[I, I, I], "", true, true),
        ];
        for (i, case) in cases.iter().enumerate() {
            let worker = Worker::new();
            let run = || {
                on_every_app(
                    &worker,
                    &config(case.answers.len()),
                    Circuit::Guarded,
                    |flows| {
                        let n = (flows.config().app_id - 10) as usize;
                        case.answers.get(n).map_or_else(|| Ok("none"), |a| a())
                    },
                )
            };
            let runs = run();
            assert_eq!(
                runs.runs.len(),
                case.answers.len(),
                "case {i}: every app ran"
            );
            assert_eq!(runs.first_failure().is_none(), case.hook_ok, "case {i}");
            assert_eq!(runs.any_transient(), case.retryable, "case {i}");
            let lines = runs.lines(|d| (Level::Info, d.to_string()));
            let levels: Vec<Level> = lines.iter().map(|(l, _)| *l).collect();
            assert_eq!(levels, case.lines, "case {i}: {lines:?}");
            if let Some((tag, _)) = runs.first_failure() {
                assert_eq!(tag, case.tag, "case {i}");
            }
            let summaries = runs.summaries(|d| (true, d.to_string()));
            assert_eq!(summaries.len(), case.answers.len(), "case {i}");
            let first_app = run();
            assert_eq!(
                runs.into_first(|d| d.to_string()).is_ok(),
                case.strict_ok,
                "case {i}"
            );
            assert_eq!(
                first_app.into_first_app(|d| (true, d.to_string())).is_ok(),
                case.first_app_ok,
                "case {i}"
            );
        }
    }

    #[test]
    fn an_app_whose_circuit_opened_is_not_called_and_the_others_are() {
        let worker = Worker::new();
        let config = config(2);
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let run = || {
            on_every_app(&worker, &config, Circuit::Guarded, |flows| {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if flows.config().app_id == 10 {
                    Err(transient())
                } else {
                    Ok(())
                }
            })
        };
        run();
        run();
        let third = run();
        assert!(
            third.runs[0].opened_circuit,
            "the third failure in a row opens it"
        );
        assert!(!third.runs[1].opened_circuit);
        let lines = third.lines(|_| (Level::Info, "ok".into()));
        assert!(
            lines.iter().any(|(l, t)| *l == Level::Warning
                && t.starts_with("[web application 10 on server 1] RunCloud failed 3 times")),
            "{lines:?}"
        );
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 6);
        let fourth = run();
        assert_eq!(
            calls.load(std::sync::atomic::Ordering::SeqCst),
            7,
            "only the other app was called"
        );
        assert!(matches!(
            fourth.runs[0].result,
            Err(Error::CircuitOpen { .. })
        ));
        assert!(fourth.runs[1].result.is_ok());
        assert!(fourth.any_transient(), "a circuit open may pass");
        // Someone waiting for the answer is answered by RunCloud, open circuit or not.
        let direct = on_every_app(&worker, &config, Circuit::Direct, |_| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        });
        assert!(direct.runs.iter().all(|r| r.result.is_ok()));
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 9);
        assert!(
            run().runs[0].result.is_err(),
            "and the hooks' circuit stays as it was"
        );
    }

    #[test]
    fn a_panic_in_one_app_is_that_apps_failure() {
        let worker = Worker::new();
        let runs = on_every_app(&worker, &config(2), Circuit::Guarded, |flows| {
            if flows.config().app_id == 10 {
                #[allow(clippy::panic)]
                {
                    panic!("boom");
                }
            }
            Ok(())
        });
        assert!(matches!(&runs.runs[0].result, Err(Error::Internal(m)) if m == "boom"));
        assert!(runs.runs[1].result.is_ok());
    }
}
