//! Agency tables → benchmark files (to come).
