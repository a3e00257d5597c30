//! The week grid (seed, Figure 4).
