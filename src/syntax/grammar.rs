//! The pest parser generated from `grammar/stack.pest`.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/stack.pest"]
pub struct StackParser;
