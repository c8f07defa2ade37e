//! Writes a generated stack of N services into a folder, as `stack.spec`
//! with the files it names, for `scripts/bench.sh`:
//!
//! ```sh
//! cargo run --release --example gen_spec -- 10000 target/bench/10000
//! ```

mod stack;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(Ok(services)), Some(folder), 2) = (args.first().map(|n| n.parse::<usize>()), args.get(1), args.len())
    else {
        eprintln!("usage: gen_spec SERVICES FOLDER");
        return ExitCode::from(2);
    };
    let generated = stack::stack(services);
    let folder = PathBuf::from(folder);
    let written = std::iter::once(("stack.spec", generated.spec.as_str()))
        .chain(generated.files.iter().copied())
        .try_for_each(|(path, contents)| {
            let path = folder.join(path);
            std::fs::create_dir_all(path.parent().unwrap_or(&folder))?;
            std::fs::write(path, contents)
        });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_spec: {}: {e}", folder.display());
            ExitCode::from(2)
        }
    }
}
