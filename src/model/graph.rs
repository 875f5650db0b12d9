//! The dependency graph: a topological order with ties broken by spec order (the `plan`), its
//! reverse (the teardown), and cycle reporting. Nodes are indices into `Model::entities`.

use std::collections::BTreeSet;

/// A cycle, as the indices along the loop (the first repeated at the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle(pub Vec<usize>);

/// Orders `nodes` so every node comes after all of its dependencies; among nodes that are ready at
/// the same time the one created earlier in spec order (the lower index) goes first.
///
/// `deps(i)` lists the nodes `i` depends on. Dependencies outside `nodes` are ignored.
pub fn topological_order(
    nodes: &[usize],
    deps: impl Fn(usize) -> Vec<usize>,
) -> Result<Vec<usize>, Cycle> {
    let max = nodes.iter().copied().max().map_or(0, |m| m + 1);
    // Nodes are indices: membership is a lookup, not a search of a tree (once per edge).
    let mut members = vec![false; max];
    for &n in nodes {
        members[n] = true;
    }
    let is_member = |d: usize| members.get(d).copied().unwrap_or(false);
    let mut indegree = vec![0usize; max];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); max];
    for &n in nodes {
        let mut ds: Vec<usize> = deps(n).into_iter().filter(|&d| is_member(d)).collect();
        ds.sort_unstable();
        ds.dedup();
        indegree[n] = ds.len();
        for d in ds {
            dependents[d].push(n);
        }
    }
    let mut ready: BTreeSet<usize> = nodes
        .iter()
        .copied()
        .filter(|&n| indegree[n] == 0)
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(n) = ready.pop_first() {
        order.push(n);
        for &m in &dependents[n] {
            indegree[m] -= 1;
            if indegree[m] == 0 {
                ready.insert(m);
            }
        }
    }
    if order.len() == nodes.len() {
        return Ok(order);
    }
    // Some nodes never became ready: walk dependencies from one of them until a node repeats.
    let done: BTreeSet<usize> = order.iter().copied().collect();
    let start = *nodes
        .iter()
        .find(|n| !done.contains(n))
        .expect("a node is left");
    let mut path = vec![start];
    let mut cur = start;
    loop {
        let next = deps(cur)
            .into_iter()
            .find(|&d| is_member(d) && !done.contains(&d))
            .expect("a node left over has a dependency left over");
        if let Some(pos) = path.iter().position(|&p| p == next) {
            // `path` follows "depends on" edges, so it already reads in the loop's direction.
            let mut cycle = path[pos..].to_vec();
            cycle.push(cycle[0]);
            return Err(Cycle(cycle));
        }
        path.push(next);
        cur = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_ties_by_spec_order() {
        // 2 depends on 0; 1 and 3 are free.
        let deps = |n: usize| if n == 2 { vec![0] } else { vec![] };
        assert_eq!(
            topological_order(&[0, 1, 2, 3], deps).unwrap(),
            [0, 1, 2, 3]
        );
        // 0 depends on 3: 3 must come first, then 0, and 1, 2 in order.
        let deps = |n: usize| if n == 0 { vec![3] } else { vec![] };
        assert_eq!(
            topological_order(&[0, 1, 2, 3], deps).unwrap(),
            [1, 2, 3, 0]
        );
    }

    #[test]
    fn reports_the_whole_loop() {
        let deps = |n: usize| match n {
            0 => vec![2],
            1 => vec![0],
            2 => vec![1],
            _ => vec![],
        };
        let err = topological_order(&[0, 1, 2, 3], deps).unwrap_err();
        assert_eq!(err.0.len(), 4);
        assert_eq!(err.0.first(), err.0.last());
    }
}
