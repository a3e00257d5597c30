//! calendar tests.
#[allow(unused_imports)]
use crate::support::*;
