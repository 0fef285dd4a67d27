//! What a viewer draws: the snapshot every viewer shares, and the details it asked for.

use std::sync::Arc;

pub use super::details::{
    FINGERPRINT_MAX_SIDE, Fingerprint, FingerprintRequest, Focus, PrecinctDetail, PrecinctRow, RegionDetail,
    ReportColumn,
};
pub use super::snapshot::{Call, Mode, ReplayState, Snapshot, Timeline};

/// One viewer's view: the shared snapshot (its fields read through `view.summary`,
/// `view.mode`…) and this viewer's own details.
#[derive(Debug, Clone)]
pub struct View {
    pub snapshot: Arc<Snapshot>,
    pub region: Option<Arc<RegionDetail>>,
    pub precinct: Option<Arc<PrecinctDetail>>,
    /// The fingerprint asked for in the focus.
    pub fingerprint: Option<Arc<Fingerprint>>,
}

impl std::ops::Deref for View {
    type Target = Snapshot;
    fn deref(&self) -> &Snapshot {
        &self.snapshot
    }
}

impl View {
    /// A view with no details.
    pub fn of(snapshot: Arc<Snapshot>) -> View {
        View { snapshot, region: None, precinct: None, fingerprint: None }
    }
}
