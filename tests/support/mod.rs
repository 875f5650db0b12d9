pub mod graph;
pub mod typecheck;
