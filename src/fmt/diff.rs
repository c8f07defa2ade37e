//! A unified-style line diff, for `stackc fmt --check` to show what it would
//! change.

/// Lines of context around each change.
const CONTEXT: usize = 2;

/// Above this many line pairs the changed middle is shown as one block
/// instead of being matched line by line (which is quadratic).
const MAX_MATCH_CELLS: usize = 4_000_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Removed,
    Added,
}

/// `old` and `new` as `--- name` / `+++ name` and `@@` hunks; empty when
/// they are equal. Line ends are not shown, so a change of `\r\n` to `\n`
/// or of trailing spaces shows as a line removed and added unchanged.
pub fn diff(name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let ops = edit_script(&old_lines, &new_lines);
    let mut out = format!("--- {name}\n+++ {name} (formatted)\n");
    // Walk the script, keeping each op's position in both files.
    let mut positions = Vec::with_capacity(ops.len());
    let (mut o, mut n) = (0, 0);
    for op in &ops {
        positions.push((o, n));
        match op {
            Op::Same => (o, n) = (o + 1, n + 1),
            Op::Removed => o += 1,
            Op::Added => n += 1,
        }
    }
    let mut i = 0;
    while i < ops.len() {
        let Some(first_change) = ops[i..].iter().position(|op| *op != Op::Same).map(|p| i + p) else {
            break;
        };
        let start = first_change.saturating_sub(CONTEXT);
        // The hunk ends after the last change that is followed by less than
        // twice the context of unchanged lines before the next one.
        let mut end = first_change;
        let mut same_run = 0;
        for (j, op) in ops.iter().enumerate().skip(first_change) {
            if *op == Op::Same {
                same_run += 1;
                if same_run > 2 * CONTEXT {
                    break;
                }
            } else {
                same_run = 0;
                end = j + 1;
            }
        }
        let stop = (end + CONTEXT).min(ops.len());
        let (old_start, new_start) = positions[start];
        let count = |kind: Op| {
            ops[start..stop]
                .iter()
                .filter(|op| **op == Op::Same || **op == kind)
                .count()
        };
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            old_start + 1,
            count(Op::Removed),
            new_start + 1,
            count(Op::Added)
        ));
        for (op, (o, n)) in ops[start..stop].iter().zip(&positions[start..stop]) {
            match op {
                Op::Same => out.push_str(&format!(" {}\n", old_lines[*o])),
                Op::Removed => out.push_str(&format!("-{}\n", old_lines[*o])),
                Op::Added => out.push_str(&format!("+{}\n", new_lines[*n])),
            }
        }
        i = stop;
    }
    out
}

/// The shortest script turning `old` into `new`: common prefix and suffix,
/// and a longest common subsequence of the rest when that is small enough.
fn edit_script(old: &[&str], new: &[&str]) -> Vec<Op> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (a, b) = (&old[prefix..old.len() - suffix], &new[prefix..new.len() - suffix]);
    let mut ops = vec![Op::Same; prefix];
    if a.len().saturating_mul(b.len()) > MAX_MATCH_CELLS {
        ops.extend(std::iter::repeat_n(Op::Removed, a.len()));
        ops.extend(std::iter::repeat_n(Op::Added, b.len()));
    } else {
        // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
        let width = b.len() + 1;
        let mut lcs = vec![0u32; (a.len() + 1) * width];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i * width + j] = if a[i] == b[j] {
                    lcs[(i + 1) * width + j + 1] + 1
                } else {
                    lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if i < a.len() && j < b.len() && a[i] == b[j] {
                ops.push(Op::Same);
                (i, j) = (i + 1, j + 1);
            } else if j == b.len() || (i < a.len() && lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
                ops.push(Op::Removed);
                i += 1;
            } else {
                ops.push(Op::Added);
                j += 1;
            }
        }
    }
    ops.extend(std::iter::repeat_n(Op::Same, suffix));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_show_changes_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        let new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nJ\n";
        assert_eq!(
            diff("x.spec", old, new),
            "--- x.spec\n+++ x.spec (formatted)\n@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n d\n@@ -8,3 +8,3 @@\n h\n i\n-j\n+J\n"
        );
    }

    #[test]
    fn equal_texts_have_no_diff_and_removed_lines_count() {
        assert_eq!(diff("x", "a\n", "a\n"), "");
        assert_eq!(
            diff("x", "a\n\n\nb\n", "a\n\nb\n"),
            "--- x\n+++ x (formatted)\n@@ -1,4 +1,3 @@\n a\n \n-\n b\n"
        );
    }
}
