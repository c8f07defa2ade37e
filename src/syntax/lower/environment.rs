//! `environment NAME { ... }`: declarations lowered as at the top level,
//! and each operation's statement lowered alone, into an otherwise empty
//! container, so it is checked exactly as in a block of the base.

use crate::syntax::tree::Pair;

use super::{next, span, Lowerer, ServiceBlock};
use crate::diagnostic::Diagnostic;
use crate::ir::environment::{Change, Environment, Operation, Slot, Verb, Without};
use crate::ir::*;
use crate::source::Spanned;
use crate::syntax::grammar::Rule;

impl Lowerer {
    pub(super) fn lower_environment(&mut self, pair: Pair<'_>) -> Environment {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "environment"); // kw_environment
        let mut environment = Environment {
            name: self.lower_name(next(&mut inner, "environment")),
            production_marker: None,
            volumes: Vec::new(),
            networks: Vec::new(),
            secrets: Vec::new(),
            services: Vec::new(),
            changes: Vec::new(),
            withouts: Vec::new(),
            span: at,
        };
        for item in inner {
            match item.as_rule() {
                Rule::production => environment.production_marker = Some(span(&item)),
                Rule::volume => environment.volumes.push(self.lower_volume(item)),
                Rule::network => environment.networks.push(self.lower_network(item)),
                Rule::secret => environment.secrets.push(self.lower_secret(item)),
                Rule::service => environment.services.push(self.lower_service(item)),
                Rule::job => environment.services.push(self.lower_job(item)),
                Rule::proxy => environment.services.push(self.lower_proxy(item)),
                Rule::change => environment.changes.push(self.lower_change(item)),
                Rule::without => environment.withouts.push(self.lower_without(item)),
                other => unreachable!("`environment` holds no {other:?}"),
            }
        }
        environment
    }

    fn lower_change(&mut self, pair: Pair<'_>) -> Change {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        let keyword = next(&mut inner, "change");
        let keyword = Spanned::new(block_keyword(keyword.as_rule()), span(&keyword));
        let name = self.lower_name(next(&mut inner, "change"));
        let operations = inner.map(|op| self.lower_operation(op, &name)).collect();
        Change {
            keyword,
            name,
            operations,
            span: at,
        }
    }

    fn lower_operation(&mut self, pair: Pair<'_>, container: &Spanned<String>) -> Operation {
        let at = span(&pair);
        let verb = match pair.as_rule() {
            Rule::set => Verb::Set,
            Rule::add => Verb::Add,
            Rule::remove => Verb::Remove,
            _ => Verb::Unset,
        };
        let mut inner = pair.into_inner();
        next(&mut inner, "operation"); // the verb
        let target = next(&mut inner, "operation");
        let mut operation = Operation {
            verb,
            keyword: Spanned::new(String::new(), span(&target)),
            slot: None,
            statement: None,
            key: None,
            span: at,
        };
        if target.as_rule() == Rule::statement_keyword {
            operation.keyword = self.lower_plain(target);
            operation.slot = self.statement_slot(&operation.keyword);
            operation.key = inner.next().map(|key| self.lower_text(key));
        } else {
            // `set`/`add STATEMENT`: its first word is the keyword.
            let first = next(&mut target.into_inner(), "changed_statement"); // its keyword
            operation.keyword = self.lower_plain(first);
            operation.slot = Slot::from_keyword(&operation.keyword.value);
            operation.statement = Some(Box::new(self.lower_alone(container, target)));
        }
        operation
    }

    /// The slot a `remove` or `unset` names, or a diagnostic.
    fn statement_slot(&mut self, keyword: &Spanned<String>) -> Option<Slot> {
        let slot = Slot::from_keyword(&keyword.value);
        if slot.is_none() {
            let known = Slot::KEYWORDS.iter().map(|(k, _)| *k);
            let mut diagnostic = Diagnostic::error(
                "unknown-statement",
                format!("no statement is called `{}`", keyword.value),
            )
            .primary(keyword.span, "not a statement of a container");
            diagnostic = match crate::suggest::closest(&keyword.value, known) {
                Some(close) => diagnostic.help(format!("did you mean `{close}`?")),
                None => diagnostic.help("name a statement by its keyword: `env`, `mount`, `command` ..."),
            };
            self.report(diagnostic);
        }
        slot
    }

    /// One statement, lowered into a container that holds nothing else.
    fn lower_alone(&mut self, container: &Spanned<String>, statement: Pair<'_>) -> Service {
        let mut block = ServiceBlock::named(container.clone(), span(&statement));
        let mut server = None;
        match statement.as_rule() {
            Rule::run => {
                let at = span(&statement);
                let value = self.lower_argv_statement(statement);
                self.set_once(&mut block.command, value, at, "run");
            }
            _ => self.lower_service_statement(&mut block, &mut server, statement),
        }
        let server = server.map(|(s, _)| Box::new(s));
        block.finish(self, ServiceKind::App { server })
    }

    fn lower_without(&mut self, pair: Pair<'_>) -> Without {
        let at = span(&pair);
        let mut inner = pair.into_inner();
        next(&mut inner, "without"); // kw_without
        let kind = next(&mut inner, "without");
        let keyword = next(&mut kind.into_inner(), "declaration_keyword");
        Without {
            keyword: block_keyword(keyword.as_rule()),
            name: self.lower_name(next(&mut inner, "without")),
            span: at,
        }
    }
}

/// The word of a declaration's keyword rule.
fn block_keyword(rule: Rule) -> &'static str {
    match rule {
        Rule::kw_service => "service",
        Rule::kw_job => "job",
        Rule::kw_proxy => "proxy",
        Rule::kw_volume => "volume",
        Rule::kw_network => "network",
        _ => "secret",
    }
}
