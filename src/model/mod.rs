//! Model quantities in model units: drawn [`inputs`] of a replicate and the
//! [`record`] a simulation produces. Pure: no I/O.

pub mod channels;
pub mod inputs;
pub mod outcome;
pub mod record;
