//! "Did you mean ...?" for misspelled keywords and names.

/// The candidate closest to `word`, when it is close enough to be a likely
/// typo: at most a third of the word's length in edits (at least one).
///
/// The work is bounded whatever the input: a word longer than [`MAX_WORD`]
/// characters gets no suggestion, candidates whose length alone puts them
/// out of reach are skipped, and only the first [`MAX_CANDIDATES`] are
/// looked at.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = word.chars().count();
    if length > MAX_WORD {
        return None;
    }
    let limit = (length / 3).max(1);
    candidates
        .into_iter()
        .take(MAX_CANDIDATES)
        .filter(|c| c.len() <= 4 * (MAX_WORD + limit) && c.chars().count().abs_diff(length) <= limit)
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Longer words are no typos of a name or keyword anyone would guess.
pub const MAX_WORD: usize = 64;
/// How many candidates one suggestion compares at most.
pub const MAX_CANDIDATES: usize = 1000;

/// Levenshtein distance with adjacent transpositions counted as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[(i - 1) * width + j] + 1)
                    .min(d[i * width + j - 1] + 1)
                    .min(d[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_ignores_strangers() {
        let words = ["image", "build", "mount", "env_file"];
        assert_eq!(closest("imgae", words), Some("image"));
        assert_eq!(closest("buld", words), Some("build"));
        assert_eq!(closest("envfile", words), Some("env_file"));
        assert_eq!(closest("postgres", words), None);
        assert_eq!(closest("x", words), None);
        assert_eq!(closest(&"x".repeat(1_000_000), words), None);
        assert_eq!(
            closest("imgae", ["y".repeat(1_000_000).as_str(), "image"]),
            Some("image")
        );
    }
}
