//! Records: change references and releases, as they are stored in YAML.

pub mod change;
pub mod digest;
pub mod duration;
pub mod history;
pub mod ids;
pub mod node;
pub mod notes;
pub mod release;
pub mod renumber;
pub mod stage;
pub mod version;

pub use change::{ChangeRef, ChangeStatus};
pub use duration::Duration;
pub use ids::{ChangeIdPattern, ReleaseId};
pub use release::*;
pub use stage::Stage;
pub use version::Versioning;
