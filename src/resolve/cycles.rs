//! `after` must not go round in a circle: compose would never start any
//! service on it.
//!
//! Each group of services that wait for each other (a strongly connected
//! component of the `after` graph) is reported once, with the shortest
//! circle through its first service: a dense tangle of a thousand services
//! is one finding, not one per edge back. Both steps are linear in the
//! services and their `after` entries (Tarjan's algorithm, then one
//! breadth-first search per group), and both keep their own stacks, so a
//! long chain of services cannot overflow the thread's.

use std::collections::VecDeque;

use super::Resolver;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// A circle longer than this is named by its first services and its last.
const NAMED: usize = 10;

/// An `after` entry: the service waited for, and where the entry names it.
type Edge = (usize, Span);

impl Resolver<'_> {
    pub(super) fn check_cycles(&mut self) {
        let (stack, services) = (self.stack, &self.stack.services);
        let edges: Vec<Vec<Edge>> = services
            .iter()
            .enumerate()
            .map(|(at, service)| {
                service
                    .after
                    .iter()
                    .filter_map(|d| Some((stack.service_position(d.target.as_str())?, d.target.span)))
                    .filter(|&(next, _)| next != at) // reported as waiting for itself
                    .collect()
            })
            .collect();
        let mut search = Search::new(services.len());
        for group in components(&edges) {
            if group.len() > 1 {
                let circle = search.shortest_circle(&edges, &group);
                self.report_cycle(&circle, group.len());
            }
        }
    }

    /// `circle`: each service with the `after` entry that leads to the
    /// next, the last one's leading back to the first.
    fn report_cycle(&mut self, circle: &[Edge], group: usize) {
        let name = |i: usize| self.stack.services[i].name.as_str();
        let mut names: Vec<&str> = circle.iter().map(|&(i, _)| name(i)).collect();
        if names.len() > NAMED {
            names.drain(NAMED - 1..names.len() - 1);
            names.insert(NAMED - 1, "…");
        }
        names.push(name(circle[0].0));
        let mut message = format!("`after` goes round in a circle: {}", names.join(" -> "));
        if circle.len() > NAMED {
            message.push_str(&format!(" ({} services)", circle.len()));
        }
        let (last, rest) = circle.split_last().expect("a circle has two services or more");
        let mut d = Diagnostic::error("dependency-cycle", message).primary(last.1, "closes the circle");
        for (_, at) in rest {
            d = d.secondary(*at, "part of the circle");
        }
        let mut help = "compose cannot start any service on a circle; remove one of these `after` entries".to_string();
        if group > circle.len() {
            help.push_str(&format!(
                " (in all, {group} services wait for each other here, on more circles than this one)"
            ));
        }
        self.report(d.help(help));
    }
}

/// The strongly connected components of the graph, by Tarjan's algorithm
/// with an explicit stack of calls; each component's services in no
/// particular order.
fn components(edges: &[Vec<Edge>]) -> Vec<Vec<usize>> {
    let mut tarjan = Tarjan {
        order: vec![UNSEEN; edges.len()],
        low: vec![0; edges.len()],
        on_stack: vec![false; edges.len()],
        stack: Vec::new(),
        calls: Vec::new(),
        seen: 0,
    };
    let mut found = Vec::new();
    for root in 0..edges.len() {
        if tarjan.order[root] != UNSEEN {
            continue;
        }
        tarjan.visit(root);
        while let Some((v, followed)) = tarjan.calls.last_mut() {
            let v = *v;
            if let Some(&(w, _)) = edges[v].get(*followed) {
                *followed += 1;
                if tarjan.order[w] == UNSEEN {
                    tarjan.visit(w);
                } else if tarjan.on_stack[w] {
                    tarjan.low[v] = tarjan.low[v].min(tarjan.order[w]);
                }
                continue;
            }
            tarjan.calls.pop();
            if let Some(&(parent, _)) = tarjan.calls.last() {
                tarjan.low[parent] = tarjan.low[parent].min(tarjan.low[v]);
            }
            if tarjan.low[v] == tarjan.order[v] {
                found.push(tarjan.pop_component(v));
            }
        }
    }
    found
}

const UNSEEN: usize = usize::MAX;

struct Tarjan {
    /// When each service was first visited (`UNSEEN` before).
    order: Vec<usize>,
    /// The earliest visit reachable from it through the services on the stack.
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    /// The calls a recursive version would be in: each service and how
    /// many of its edges it has followed.
    calls: Vec<(usize, usize)>,
    seen: usize,
}

impl Tarjan {
    fn visit(&mut self, v: usize) {
        self.order[v] = self.seen;
        self.low[v] = self.seen;
        self.seen += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        self.calls.push((v, 0));
    }

    /// The services on the stack down to `root`: one component.
    fn pop_component(&mut self, root: usize) -> Vec<usize> {
        let mut component = Vec::new();
        while let Some(w) = self.stack.pop() {
            self.on_stack[w] = false;
            component.push(w);
            if w == root {
                break;
            }
        }
        component
    }
}

/// Breadth-first searches that share their bookkeeping, so that each
/// touches only the services of its own group.
struct Search {
    /// The group a service belongs to, while it is searched.
    member: Vec<bool>,
    /// How the search reached a service: from which, by which entry.
    reached_by: Vec<Option<Edge>>,
}

impl Search {
    fn new(services: usize) -> Self {
        Search {
            member: vec![false; services],
            reached_by: vec![None; services],
        }
    }

    /// The shortest circle through the group's first service (the one
    /// declared first), following `after` entries in their order.
    fn shortest_circle(&mut self, edges: &[Vec<Edge>], group: &[usize]) -> Vec<Edge> {
        let start = *group.iter().min().expect("a group has a service");
        for &i in group {
            self.member[i] = true;
        }
        let mut queue = VecDeque::from([start]);
        let mut closing = None;
        'search: while let Some(at) = queue.pop_front() {
            for &(next, span) in &edges[at] {
                if !self.member[next] {
                    continue;
                }
                if next == start {
                    closing = Some((at, span));
                    break 'search;
                }
                if self.reached_by[next].is_none() {
                    self.reached_by[next] = Some((at, span));
                    queue.push_back(next);
                }
            }
        }
        // In a strongly connected group every service leads back to start.
        let (mut at, mut span) = closing.expect("a group of two or more services holds a circle");
        let mut circle = vec![(at, span)];
        while at != start {
            (at, span) = self.reached_by[at].expect("reached on the way");
            circle.push((at, span));
        }
        circle.reverse();
        for &i in group {
            self.member[i] = false;
            self.reached_by[i] = None;
        }
        circle
    }
}

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;

    fn cycles(spec: &str) -> Vec<String> {
        let analysis = crate::check(&SourceFile::new("t.spec", spec));
        analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == "dependency-cycle")
            .map(|d| d.message.clone())
            .collect()
    }

    fn service(name: &str, after: &[String]) -> String {
        let after = if after.is_empty() {
            String::new()
        } else {
            format!("    after {}\n", after.join(", "))
        };
        format!("service {name} {{\n    image busybox:1.37\n{after}}}\n")
    }

    #[test]
    fn a_circle_is_named_from_its_first_service() {
        let spec = format!(
            "stack a\n{}{}{}{}",
            service("a", &["c".into()]),
            service("b", &["a".into()]),
            service("c", &["b".into()]),
            service("d", &["a".into()]),
        );
        assert_eq!(cycles(&spec), ["`after` goes round in a circle: a -> c -> b -> a"]);
    }

    #[test]
    fn services_tangled_on_several_circles_are_one_finding() {
        // a <-> b and a <-> c: two circles through a, one group.
        let spec = format!(
            "stack a\n{}{}{}",
            service("a", &["b".into(), "c".into()]),
            service("b", &["a".into()]),
            service("c", &["a".into()]),
        );
        let found = cycles(&spec);
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn every_service_waiting_for_every_other_is_one_finding() {
        let n = 300;
        let names: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
        let mut spec = String::from("stack a\n");
        for name in &names {
            let others: Vec<String> = names.iter().filter(|o| *o != name).cloned().collect();
            spec.push_str(&service(name, &others));
        }
        let analysis = crate::check(&SourceFile::new("t.spec", spec));
        let found: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.code == "dependency-cycle")
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "`after` goes round in a circle: s0 -> s1 -> s0");
        assert_eq!(found[0].labels.len(), 2);
        assert!(found[0].help.as_ref().unwrap().contains("in all, 300 services"));
    }

    #[test]
    fn a_long_ring_is_named_by_its_ends() {
        let n = 20_000;
        let mut spec = String::from("stack a\n");
        for i in 0..n {
            spec.push_str(&service(&format!("s{i}"), &[format!("s{}", (i + 1) % n)]));
        }
        let found = cycles(&spec);
        assert_eq!(
            found,
            [format!(
                "`after` goes round in a circle: s0 -> s1 -> s2 -> s3 -> s4 -> s5 -> s6 -> s7 -> s8 -> … -> s19999 -> s0 ({n} services)"
            )]
        );
    }
}
