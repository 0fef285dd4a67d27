//! Views without a terminal UI: the readable table and the JSON forms.

pub mod csv;
pub mod events;
pub mod stream;
pub mod table;
