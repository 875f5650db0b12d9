pub mod graph;
pub mod parity;
pub mod typecheck;
