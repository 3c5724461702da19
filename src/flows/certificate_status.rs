//! Each app's certificate as its mode makes sense of it: in basic mode the
//! one certificate's names against the profile's limit; in advanced mode the
//! names known to hold their own and those still owed one. No 100-name limit
//! applies to an advanced app.

use super::AppFlows;
use crate::api::AppSsl;
use crate::error::Result;

/// One app's certificate, for `certificate_status()` and the admin's views.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateStatus {
    pub mode: &'static str,
    /// Basic: the names its certificate holds (one past the limit when the
    /// app holds more, its list not read further). Advanced: the names known
    /// to hold their own certificate.
    pub names: usize,
    /// Basic: the names a certificate may carry; advanced: none.
    pub limit: Option<usize>,
    pub over_limit: bool,
    /// The names owed a certificate (a redeploy, or their own).
    pub owed: Vec<String>,
    /// When the next owed order may go (unix time), if anything is owed.
    pub next_order: Option<u64>,
}

impl AppFlows<'_> {
    /// The app's certificate, its mode asked afresh (a switch in RunCloud's
    /// panel shows at once).
    pub fn certificate_status(&self) -> Result<CertificateStatus> {
        let app = self.app_ssl()?;
        let owed = crate::ssl_batch::owed::read(self.config);
        if matches!(app, AppSsl::Advanced) {
            let (due, later) = self.owed_own_due();
            return Ok(CertificateStatus {
                mode: app.word(),
                names: crate::certified::all(self.config).len(),
                limit: None,
                over_limit: false,
                next_order: if due.is_empty() {
                    later
                } else {
                    Some(crate::clock::now())
                },
                owed,
            });
        }
        let limit = self.config.options.certificate_names;
        let names = self.certificate_names(false)?;
        let next = (!owed.is_empty()).then(|| {
            names
                .as_deref()
                .and_then(|n| self.basic_order_wait(n))
                .unwrap_or_else(crate::clock::now)
        });
        let count = names.map_or(limit + 1, |n| n.len());
        Ok(CertificateStatus {
            mode: app.word(),
            names: count,
            limit: Some(limit),
            over_limit: count > limit,
            owed,
            next_order: next,
        })
    }
}
