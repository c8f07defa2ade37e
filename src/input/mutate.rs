//! Deterministic mutations of realistic inputs, for the readers' no-panic
//! tests: each reader must survive every one of them.

/// A small xorshift generator: the same seed gives the same mutations on
/// every run, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The characters that matter to the readers' grammars, plus a few that
/// test UTF-8 boundaries.
const SPECIAL: &[&str] = &[
    "\"", "'", "\"\"\"", "'''", "\\", "\n", "\r\n", "#", "=", " ", "\t", "$", "${", "}", "{", "[", "]", "(", ")", ",",
    ":", ";", "-r ", "-c ", "-e ", "--", "../", "/", "@", "export ", "é", "😀", "\u{feff}", "0x", "1e9", "f\"", "r'",
];

/// `count` mutations of `seed`: characters inserted, bytes removed, slices
/// repeated or cut off, always on character boundaries.
pub fn mutations(seed: &str, count: usize) -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed.len() as u64);
    let boundary = |text: &str, mut at: usize| {
        at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let mut out = Vec::with_capacity(count);
    let mut text = seed.to_string();
    for i in 0..count {
        // Every so often start again from the seed, so the inputs stay
        // close to real files instead of drifting into noise.
        if i % 16 == 0 {
            text = seed.to_string();
        }
        let at = boundary(&text, rng.below(text.len() + 1));
        match rng.below(4) {
            0 => text.insert_str(at, SPECIAL[rng.below(SPECIAL.len())]),
            1 => {
                let end = boundary(&text, at + rng.below(8) + 1);
                text.replace_range(at..end, "");
            }
            2 => {
                let end = boundary(&text, at + rng.below(40));
                let slice = text[at..end].to_string();
                text.insert_str(at, &slice);
            }
            _ => text.truncate(at),
        }
        out.push(text.clone());
    }
    out
}
