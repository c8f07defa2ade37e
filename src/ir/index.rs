//! Lookups by name that stay cheap in large stacks: each list of named
//! items gets a hash table of positions, built on the first lookup, so a
//! rule that looks up every service's references costs linear time, not
//! quadratic.
//!
//! Names compare exactly, byte for byte, and the first item declared under
//! a name is the one found, as a scan in spec order would find it: the
//! resolver reports a second declaration of a name (or of one that
//! differs only in case) as a duplicate.

use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use std::sync::OnceLock;

/// Positions in a list of named items, by name. The table holds positions
/// only and compares names through the list itself, so it allocates once
/// and never holds a copy of a name.
#[derive(Clone, Default)]
pub struct NameMap {
    table: OnceLock<Table>,
}

#[derive(Clone)]
struct Table {
    /// Open addressing, linear probing.
    slots: Vec<Slot>,
    /// The list's length when the table was built.
    len: usize,
    /// Keys of its own (foldhash's, seeded at random per table: several
    /// times cheaper than SipHash on short names), so no spec can be
    /// written to make names collide.
    hasher: RandomState,
}

/// A position in the list, and the high bits of its name's hash: a probe
/// that meets another name's slot is told apart by the tag, without
/// reading that item (a cache miss in a stack of 10,000 services).
#[derive(Clone, Copy)]
struct Slot {
    position: u32,
    tag: u32,
}

const EMPTY: Slot = Slot {
    position: u32::MAX,
    tag: 0,
};

impl NameMap {
    /// The first item of `items` named `name`. `name_of` must be the same
    /// function at every call on one map, and `items` the same list.
    pub fn find<'a, T>(&self, items: &'a [T], name_of: fn(&T) -> &str, name: &str) -> Option<&'a T> {
        self.position(items, name_of, name).map(|i| &items[i])
    }

    /// Where the first item named `name` is in `items`.
    pub fn position<T>(&self, items: &[T], name_of: fn(&T) -> &str, name: &str) -> Option<usize> {
        let table = self.table.get_or_init(|| Table::new(items, name_of));
        if table.len != items.len() {
            // The list changed after the table was built: the IR is built
            // once and then only read, so this is a bug; stay correct.
            debug_assert!(false, "a NameMap's list changed after its first lookup");
            return items.iter().position(|item| name_of(item) == name);
        }
        table.position(items, name_of, name)
    }
}

impl std::fmt::Debug for NameMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NameMap")
    }
}

impl Table {
    fn new<T>(items: &[T], name_of: fn(&T) -> &str) -> Table {
        // At most half full, so probe runs stay short.
        let capacity = (items.len() * 2).next_power_of_two().max(4);
        let mut table = Table {
            slots: vec![EMPTY; capacity],
            len: items.len(),
            hasher: RandomState::default(),
        };
        for (position, item) in items.iter().enumerate() {
            let name = name_of(item);
            let (mut slot, tag) = table.home(name);
            loop {
                let taken = table.slots[slot];
                if taken.position == EMPTY.position {
                    table.slots[slot] = Slot {
                        position: position as u32,
                        tag,
                    };
                    break;
                }
                // A later item of a name already there is never found.
                if taken.tag == tag && same_name(name_of(&items[taken.position as usize]), name) {
                    break;
                }
                slot = (slot + 1) & (table.slots.len() - 1);
            }
        }
        table
    }

    fn position<T>(&self, items: &[T], name_of: fn(&T) -> &str, name: &str) -> Option<usize> {
        let (mut slot, tag) = self.home(name);
        loop {
            let taken = self.slots[slot];
            if taken.position == EMPTY.position {
                return None;
            }
            if taken.tag == tag && same_name(name_of(&items[taken.position as usize]), name) {
                return Some(taken.position as usize);
            }
            slot = (slot + 1) & (self.slots.len() - 1);
        }
    }

    /// The name's first slot, from the hash's low bits, and its tag, from
    /// the high ones.
    fn home(&self, name: &str) -> (usize, u32) {
        let hash = self.hasher.hash_one(name);
        ((hash as usize) & (self.slots.len() - 1), (hash >> 32) as u32)
    }
}

/// Every comparison of two names in a table, counted in debug builds so a
/// test can tell linear work from quadratic without timing anything.
fn same_name(a: &str, b: &str) -> bool {
    #[cfg(debug_assertions)]
    comparisons::count();
    a == b
}

/// How many names the tables compared: a measure of lookup work that does
/// not depend on the machine. Debug builds only.
#[cfg(debug_assertions)]
pub mod comparisons {
    use std::cell::Cell;

    thread_local! {
        static COUNT: Cell<u64> = const { Cell::new(0) };
    }

    pub(super) fn count() {
        COUNT.with(|c| c.set(c.get() + 1));
    }

    /// The comparisons made on this thread so far.
    pub fn so_far() -> u64 {
        COUNT.with(Cell::get)
    }

    /// Counts on this thread what a thread it started compared for it.
    pub fn add(compared: u64) {
        COUNT.with(|c| c.set(c.get() + compared));
    }
}

/// Release builds count nothing: the same calls, answering 0.
#[cfg(not(debug_assertions))]
pub mod comparisons {
    pub fn so_far() -> u64 {
        0
    }

    pub fn add(_compared: u64) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name<'a>(s: &&'a str) -> &'a str {
        s
    }

    #[test]
    fn finds_the_first_of_a_name_as_a_scan_would() {
        let items = ["web", "db", "Web", "web", "cache"];
        let map = NameMap::default();
        for wanted in ["web", "db", "Web", "cache", "WEB", "", "we"] {
            let scan = items.iter().position(|i| *i == wanted);
            assert_eq!(map.position(&items, name, wanted), scan, "{wanted}");
        }
    }

    #[test]
    fn an_empty_list_finds_nothing() {
        let items: [&str; 0] = [];
        assert_eq!(NameMap::default().position(&items, name, "web"), None);
    }

    #[test]
    fn many_names_collide_and_are_still_found() {
        let names: Vec<String> = (0..5000).map(|i| format!("service{i}")).collect();
        let map = NameMap::default();
        for (i, wanted) in names.iter().enumerate() {
            assert_eq!(map.position(&names, String::as_str, wanted), Some(i));
        }
        assert_eq!(map.position(&names, String::as_str, "service5000"), None);
    }
}
