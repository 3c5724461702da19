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

/// Runs `work` on every app of `config`, through each app's breaker.
pub fn on_every_app<T>(
    worker: &Worker,
    config: &Config,
    work: impl Fn(&AppFlows) -> Result<T>,
) -> AppRuns<T> {
    on_apps(worker, config.targets(), work)
}

/// Runs `work` on each of `apps`, through each app's breaker.
pub fn on_apps<T>(
    worker: &Worker,
    apps: Vec<Config>,
    work: impl Fn(&AppFlows) -> Result<T>,
) -> AppRuns<T> {
    let runs = apps
        .into_iter()
        .map(|app| {
            let key = app.memory_key();
            if let Err(open) = worker.breakers().admit(&key) {
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

    /// Every app's log lines: its notes, its outcome (`describe`d, or the
    /// failure), and a word when its circuit opened. Tagged with the app when
    /// there are several.
    pub fn lines(&self, describe: impl Fn(&T) -> (Level, String)) -> Vec<(Level, String)> {
        let mut lines = Vec::new();
        for run in &self.runs {
            let tag = run.tag(self.several());
            for note in &run.notes {
                lines.push((Level::Warning, format!("{tag}{note}")));
            }
            lines.push(match &run.result {
                Ok(done) => {
                    let (level, text) = describe(done);
                    (level, format!("{tag}{text}"))
                }
                Err(e) => (Level::Error, format!("{tag}failed: {e}")),
            });
            if let Some(line) = run.circuit_line() {
                lines.push((Level::Warning, format!("{tag}{line}")));
            }
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
